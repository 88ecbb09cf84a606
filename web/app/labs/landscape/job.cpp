#include "web/app/labs/landscape/job.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/autodiff/ops.h"
#include "core/common/rng.h"
#include "core/tasks/sinusoid.h"

namespace metalab::web {

const char* const kWalkerNames[kWalkers] = {"maml", "fomaml", "reptile", "pretrain"};

std::shared_ptr<const LandscapeProblem> make_landscape_problem(std::uint64_t seed, int k, int tasks) {
  SinusoidConfig c;
  c.support_size = k;
  c.query_size = k;
  const SinusoidDistribution dist(c);
  auto p = std::make_shared<LandscapeProblem>();
  p->seed = seed;
  p->k = k;
  Rng rng(seed);
  for (int i = 0; i < tasks; ++i) p->tasks.push_back(dist.sample(rng));
  return p;
}

// ---------------------------------------------------------------- sin and cos on the tape

ad::Tensor<double> landscape_sin(const ad::Tensor<double>& x) {
  ad::Mat<double> v = x.value().array().sin();
  return ad::make_result<double>(std::move(v), "sin", {x},
                                 [](const ad::Inputs<double>& in, const ad::Tensor<double>&,
                                    const ad::Tensor<double>& g, std::vector<ad::Tensor<double>>& gi) {
                                   gi.push_back(ad::mul(g, landscape_cos(in[0])));
                                 });
}

ad::Tensor<double> landscape_cos(const ad::Tensor<double>& x) {
  ad::Mat<double> v = x.value().array().cos();
  return ad::make_result<double>(std::move(v), "cos", {x},
                                 [](const ad::Inputs<double>& in, const ad::Tensor<double>&,
                                    const ad::Tensor<double>& g, std::vector<ad::Tensor<double>>& gi) {
                                   gi.push_back(ad::neg(ad::mul(g, landscape_sin(in[0]))));
                                 });
}

// ---------------------------------------------------------------- the fast path

namespace {

// Mean squared error of theta1 sin(x + theta2) on (x, y), and its gradient.
double loss_and_grad(const Matrix& x, const Matrix& y, double a, double b, double* ga, double* gb) {
  const Eigen::Index n = x.rows();
  double loss = 0, sa = 0, sb = 0;
  for (Eigen::Index r = 0; r < n; ++r) {
    const double s = std::sin(static_cast<double>(x(r, 0)) + b);
    const double e = a * s - static_cast<double>(y(r, 0));
    loss += e * e;
    if (ga) {
      sa += e * s;
      sb += e * a * std::cos(static_cast<double>(x(r, 0)) + b);
    }
  }
  const double inv = n > 0 ? 1.0 / static_cast<double>(n) : 0.0;
  if (ga) {
    *ga = 2.0 * sa * inv;
    *gb = 2.0 * sb * inv;
  }
  return loss * inv;
}

}  // namespace

void meta_losses(const LandscapeProblem& p, double theta1, double theta2, double alpha, int max_steps, double* out) {
  std::fill(out, out + max_steps + 1, 0.0);
  for (const Task& t : p.tasks) {
    double a = theta1, b = theta2;
    for (int s = 0;; ++s) {
      out[s] += loss_and_grad(t.query_x, t.query_y, a, b, nullptr, nullptr);
      if (s == max_steps) break;
      double ga = 0, gb = 0;
      loss_and_grad(t.support_x, t.support_y, a, b, &ga, &gb);
      a -= alpha * ga;
      b -= alpha * gb;
    }
  }
  const double n = p.tasks.empty() ? 1.0 : static_cast<double>(p.tasks.size());
  for (int s = 0; s <= max_steps; ++s) out[s] /= n;
}

// ---------------------------------------------------------------- the exact path (autodiff)

namespace {

using T = ad::Tensor<double>;

T column(const Matrix& m) { return T(m.cast<double>()); }

T task_loss(const T& x, const T& y, const T& a, const T& b) { return ad::mse(ad::mul(a, landscape_sin(ad::add(x, b))), y); }

// theta' after `steps` inner steps on the support set; create_graph keeps
// the path differentiable (exact MAML), otherwise theta' is a new leaf.
std::array<T, 2> adapt(const Task& t, const T& a0, const T& b0, double alpha, int steps, bool create_graph) {
  const T xs = column(t.support_x), ys = column(t.support_y);
  T a = a0, b = b0;
  for (int s = 0; s < steps; ++s) {
    const std::vector<T> g = ad::grad(task_loss(xs, ys, a, b), {a, b}, ad::GradOptions{create_graph});
    if (create_graph) {
      a = ad::sub(a, ad::mul_scalar(g[0], alpha));
      b = ad::sub(b, ad::mul_scalar(g[1], alpha));
    } else {
      a = T::scalar(a.item() - alpha * g[0].item()).set_requires_grad();
      b = T::scalar(b.item() - alpha * g[1].item()).set_requires_grad();
    }
  }
  return {a, b};
}

T leaf(double v) { return T::scalar(v).set_requires_grad(); }

}  // namespace

double meta_loss_autodiff(const LandscapeProblem& p, double theta1, double theta2, double alpha, int steps) {
  ad::EnableGradGuard on;
  const T a = leaf(theta1), b = leaf(theta2);
  double total = 0;
  for (const Task& t : p.tasks) {
    const auto [ai, bi] = adapt(t, a, b, alpha, steps, true);
    total += task_loss(column(t.query_x), column(t.query_y), ai, bi).item();
  }
  return p.tasks.empty() ? 0.0 : total / static_cast<double>(p.tasks.size());
}

std::array<double, 2> update_vector(const LandscapeProblem& p, double theta1, double theta2, double alpha, int steps,
                                    Walker w) {
  ad::EnableGradGuard on;
  const double n = p.tasks.empty() ? 1.0 : static_cast<double>(p.tasks.size());
  std::array<double, 2> u{0, 0};
  if (w == Walker::Reptile && steps == 0) return u;
  const T a = leaf(theta1), b = leaf(theta2);
  if (w == Walker::Maml || w == Walker::Pretrain) {
    // One graph through every task's inner steps, differentiated once.
    T total = T::scalar(0.0);
    for (const Task& t : p.tasks) {
      const auto [ai, bi] = adapt(t, a, b, alpha, w == Walker::Maml ? steps : 0, true);
      total = ad::add(total, task_loss(column(t.query_x), column(t.query_y), ai, bi));
    }
    const std::vector<T> g = ad::grad(ad::mul_scalar(total, 1.0 / n), {a, b});
    return {-g[0].item(), -g[1].item()};
  }
  for (const Task& t : p.tasks) {
    const auto [ai, bi] = adapt(t, a, b, alpha, steps, false);
    if (w == Walker::FoMaml) {
      const std::vector<T> g = ad::grad(task_loss(column(t.query_x), column(t.query_y), ai, bi), {ai, bi});
      u[0] -= g[0].item() / n;
      u[1] -= g[1].item() / n;
    } else {  // Reptile, in gradient units
      u[0] += (ai.item() - theta1) / (n * alpha * steps);
      u[1] += (bi.item() - theta2) / (n * alpha * steps);
    }
  }
  return u;
}

UpdateVectors update_vectors(const LandscapeProblem& p, double theta1, double theta2, double alpha, int steps) {
  UpdateVectors out;
  for (int w = 0; w < kWalkers; ++w)
    out.v[static_cast<std::size_t>(w)] = update_vector(p, theta1, theta2, alpha, steps, static_cast<Walker>(w));
  out.reptile_defined = steps > 0;
  double m[kMaxInnerSteps + 1];
  meta_losses(p, theta1, theta2, alpha, steps, m);
  out.meta_loss = m[steps];
  out.pretrain_loss = m[0];
  return out;
}

// ---------------------------------------------------------------- the grid

double LandscapeGridJob::theta1_at(int i) { return kTheta1Min + (kTheta1Max - kTheta1Min) * (i + 0.5) / kGrid; }
double LandscapeGridJob::theta2_at(int j) { return kTheta2Min + (kTheta2Max - kTheta2Min) * (j + 0.5) / kGrid; }

void LandscapeGridJob::follow(std::shared_ptr<const LandscapeProblem> problem, double alpha, bool visible) {
  visible_ = visible;
  if (problem == problem_ && alpha == alpha_) return;
  problem_ = std::move(problem);
  alpha_ = alpha;
  done_ = 0;
  error.clear();
  values_.assign(static_cast<std::size_t>((kMaxInnerSteps + 1) * kGrid * kGrid), std::numeric_limits<double>::quiet_NaN());
  ++version_;
}

void LandscapeGridJob::step() {
  double m[kMaxInnerSteps + 1];
  for (int n = 0; n < kPointsPerStep && done_ < kGrid * kGrid; ++n, ++done_) {
    const int i = done_ % kGrid, j = done_ / kGrid;
    meta_losses(*problem_, theta1_at(i), theta2_at(j), alpha_, kMaxInnerSteps, m);
    for (int s = 0; s <= kMaxInnerSteps; ++s)
      values_[static_cast<std::size_t>((s * kGrid + j) * kGrid + i)] = m[s];
  }
  ++version_;
}

double LandscapeGridJob::value(int m, int i, int j) const {
  if (values_.empty()) return std::numeric_limits<double>::quiet_NaN();
  return values_[static_cast<std::size_t>((std::clamp(m, 0, kMaxInnerSteps) * kGrid + j) * kGrid + i)];
}

LandscapeGridJob::Minimum LandscapeGridJob::minimum(int m) const {
  Minimum best{0, 0, std::numeric_limits<double>::infinity()};
  for (int j = 0; j < kGrid; ++j)
    for (int i = 0; i < kGrid; ++i)
      if (const double v = value(m, i, j); v < best.value) best = {theta1_at(i), theta2_at(j), v};
  return best;
}

// ---------------------------------------------------------------- the walkers

LandscapeWalkersJob::LandscapeWalkersJob(std::shared_ptr<const LandscapeProblem> problem, const LandscapeSettings& s)
    : problem_(std::move(problem)), settings_(s) {
  for (auto& p : paths_) p.push_back({s.theta1, s.theta2});
}

void LandscapeWalkersJob::step() {
  const LandscapeSettings& s = settings_;
  for (int w = 0; w < kWalkers; ++w) {
    const Walker walker = static_cast<Walker>(w);
    if (!moves(walker)) continue;
    auto& path = paths_[static_cast<std::size_t>(w)];
    const std::array<double, 2> at = path.back();
    const std::array<double, 2> u = update_vector(*problem_, at[0], at[1], s.alpha, s.steps, walker);
    path.push_back({std::clamp(at[0] + s.beta * u[0], kTheta1Min, kTheta1Max),
                    std::clamp(at[1] + s.beta * u[1], kTheta2Min, kTheta2Max)});
  }
  ++iteration_;
  weights_changed();
}

}  // namespace metalab::web
