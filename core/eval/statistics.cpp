#include "core/eval/statistics.h"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace metalab {
namespace eval {

double mean(const std::vector<double>& x) {
  if (x.empty()) throw std::invalid_argument("mean: empty sample");
  double s = 0.0;
  for (double v : x) s += v;
  return s / static_cast<double>(x.size());
}

double sample_sd(const std::vector<double>& x) {
  if (x.size() < 2) throw std::invalid_argument("sample_sd: needs at least two values");
  const double m = mean(x);
  double ss = 0.0;
  for (double v : x) ss += (v - m) * (v - m);
  return std::sqrt(ss / static_cast<double>(x.size() - 1));
}

double standard_error(const std::vector<double>& x) {
  return sample_sd(x) / std::sqrt(static_cast<double>(x.size()));
}

namespace {

// Continued fraction for the incomplete beta function (modified Lentz),
// converging for x < (a + 1) / (a + b + 2).
double beta_continued_fraction(double x, double a, double b) {
  const double tiny = 1e-300, eps = 1e-15;
  const double qab = a + b, qap = a + 1.0, qam = a - 1.0;
  double c = 1.0, d = 1.0 - qab * x / qap;
  if (std::fabs(d) < tiny) d = tiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m <= 10000; ++m) {
    const double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < tiny) d = tiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < tiny) d = tiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1.0) < eps) break;
  }
  return h;
}

}  // namespace

double incomplete_beta(double x, double a, double b) {
  if (!(a > 0.0) || !(b > 0.0)) throw std::invalid_argument("incomplete_beta: a and b must be > 0");
  if (!(x >= 0.0 && x <= 1.0)) throw std::invalid_argument("incomplete_beta: x must be in [0, 1]");
  if (x == 0.0 || x == 1.0) return x;
  const double log_front =
      std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
  const double front = std::exp(log_front);
  if (x < (a + 1.0) / (a + b + 2.0)) return front * beta_continued_fraction(x, a, b) / a;
  return 1.0 - front * beta_continued_fraction(1.0 - x, b, a) / b;
}

double student_t_cdf(double t, double df) {
  if (!(df > 0.0)) throw std::invalid_argument("student_t_cdf: degrees of freedom must be > 0");
  if (std::isnan(t)) return t;
  if (std::isinf(t)) return t > 0 ? 1.0 : 0.0;
  // P(|T| > |t|) = I_{df / (df + t^2)}(df / 2, 1 / 2).
  const double tail = 0.5 * incomplete_beta(df / (df + t * t), 0.5 * df, 0.5);
  return t >= 0 ? 1.0 - tail : tail;
}

double student_t_quantile(double p, double df) {
  if (!(p > 0.0 && p < 1.0)) throw std::invalid_argument("student_t_quantile: p must be in (0, 1)");
  if (!(df > 0.0)) throw std::invalid_argument("student_t_quantile: degrees of freedom must be > 0");
  if (p == 0.5) return 0.0;
  if (p < 0.5) return -student_t_quantile(1.0 - p, df);
  // Bracket, then bisect: the CDF is monotone, and 200 halvings reach double precision.
  double lo = 0.0, hi = 1.0;
  while (student_t_cdf(hi, df) < p) {
    lo = hi;
    hi *= 2.0;
    if (hi > 1e300) return std::numeric_limits<double>::infinity();
  }
  for (int i = 0; i < 200 && hi - lo > 1e-15 * hi; ++i) {
    const double mid = 0.5 * (lo + hi);
    (student_t_cdf(mid, df) < p ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

Summary summarize(const std::vector<double>& x, double level) {
  if (!(level > 0.0 && level < 1.0)) throw std::invalid_argument("summarize: level must be in (0, 1)");
  Summary s;
  s.n = static_cast<int>(x.size());
  s.mean = mean(x);
  if (s.n < 2) {
    s.sd = 0.0;
    s.sem = s.half_width = std::numeric_limits<double>::quiet_NaN();
    return s;
  }
  s.sd = sample_sd(x);
  s.sem = s.sd / std::sqrt(static_cast<double>(s.n));
  s.half_width = student_t_quantile(0.5 + 0.5 * level, s.n - 1) * s.sem;
  return s;
}

}  // namespace eval
}  // namespace metalab
