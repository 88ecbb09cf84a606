// Summary statistics for evaluation: mean, sample standard deviation,
// standard error and a 95% confidence interval of the mean.
//
// The interval is Student's t interval,
//     mean +- t_{0.975, n-1} * s / sqrt(n),   s = sample standard deviation (n - 1),
// which is exact for normally distributed per-task losses and, for the
// hundreds of tasks an evaluation uses, indistinguishable from the normal
// interval (t_{0.975, 999} = 1.9623 vs z = 1.9600). The t quantile is computed,
// not tabulated: the regularised incomplete beta function gives the t
// distribution's CDF, which is inverted by bisection.
//
//   Summary s = summarize({0.31, 0.42, 0.27});
//   printf("%.3f +- %.3f", s.mean, s.half_width);
#pragma once

#include <vector>

namespace metalab {
namespace eval {

struct Summary {
  int n = 0;
  double mean = 0.0;
  double sd = 0.0;          // sample standard deviation (divisor n - 1); 0 when n < 2
  double sem = 0.0;         // standard error of the mean, sd / sqrt(n); NaN when n < 2
  double half_width = 0.0;  // t_{0.975, n-1} * sem; NaN when n < 2
  double lo() const { return mean - half_width; }
  double hi() const { return mean + half_width; }
};

// std::invalid_argument for an empty sample; NaN values propagate.
double mean(const std::vector<double>& x);
// Divisor n - 1; std::invalid_argument for fewer than two values.
double sample_sd(const std::vector<double>& x);
double standard_error(const std::vector<double>& x);

// Student's t distribution with df > 0 degrees of freedom.
double student_t_cdf(double t, double df);
// The p-quantile, p in (0, 1); std::invalid_argument otherwise.
double student_t_quantile(double p, double df);
// Regularised incomplete beta function I_x(a, b), x in [0, 1], a, b > 0.
double incomplete_beta(double x, double a, double b);

// Mean, sd, standard error and the 95% t interval (level in (0, 1) to change it).
Summary summarize(const std::vector<double>& x, double level = 0.95);

}  // namespace eval
}  // namespace metalab
