// The meta-loss landscape lab's model, objectives and jobs.
//
// The model has two parameters: f(x) = theta1 sin(x + theta2), a sine wave of
// learnable amplitude and phase. Its tasks are the regression lab's sinusoids
// y = A sin(x + phi) (A in [0.1, 5], phi in [0, pi], x in [-5, 5]), each with
// K support and K query points; the loss is the mean squared error. With m
// inner steps theta'_i = theta - alpha grad L_support_i(theta) (m times):
//
//   meta-objective   M_m(theta) = mean_i L_query_i(theta'_i)
//   pretraining      P(theta)   = mean_i L_query_i(theta)      (= M_0)
//
// and the update vectors at theta, in gradient units (the direction and size
// of the change each outer step makes before its step size):
//
//   MAML             -grad_theta M_m(theta)                (through the inner steps: second order)
//   first-order MAML -mean_i grad L_query_i at theta'_i    (the inner steps' Jacobian taken as I)
//   Reptile          mean_i (theta'_i - theta) / (alpha m) (undefined for m = 0)
//   pretraining      -grad P(theta)
//
// The update vectors come from core's autodiff (double precision, exact
// second order); the grid of M_0..M_5 that the view draws comes from the same
// formulas written out by hand (meta_losses, the fast path: ~100x faster),
// and tests/web/landscape_test.cpp checks that the two agree.
//
//   auto problem = make_landscape_problem(/*seed=*/1, /*k=*/10, /*tasks=*/25);
//   double m[kMaxInnerSteps + 1];
//   meta_losses(*problem, 1.0, 0.0, 0.1, kMaxInnerSteps, m);      // M_0(theta) .. M_5(theta)
//   UpdateVectors v = update_vectors(*problem, 1.0, 0.0, 0.1, 1);  // v.maml, v.fomaml, ...
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/autodiff/tensor.h"
#include "core/tasks/task.h"
#include "web/app/labs/landscape/settings.h"
#include "web/app/page/job.h"

namespace metalab::web {

struct LandscapeProblem {
  std::vector<Task> tasks;  // support and query points (float, as drawn by core's SinusoidDistribution)
  std::uint64_t seed = 0;
  int k = 0;
};
std::shared_ptr<const LandscapeProblem> make_landscape_problem(std::uint64_t seed, int k, int tasks);

// sin and cos as differentiable operations of core's autodiff (each
// backward is written with the other, so second derivatives work).
ad::Tensor<double> landscape_sin(const ad::Tensor<double>& x);
ad::Tensor<double> landscape_cos(const ad::Tensor<double>& x);

// Fast path: out[s] = M_s(theta) for s = 0..max_steps.
void meta_losses(const LandscapeProblem& p, double theta1, double theta2, double alpha, int max_steps, double* out);
// The plain path (autodiff, for the tests): M_steps(theta).
double meta_loss_autodiff(const LandscapeProblem& p, double theta1, double theta2, double alpha, int steps);

enum class Walker { Maml, FoMaml, Reptile, Pretrain };
constexpr int kWalkers = 4;
extern const char* const kWalkerNames[kWalkers];  // "maml", "fomaml", "reptile", "pretrain" (status JSON)

struct UpdateVectors {
  std::array<std::array<double, 2>, kWalkers> v{};  // by Walker
  bool reptile_defined = false;                      // m > 0
  double meta_loss = 0, pretrain_loss = 0;           // M_m(theta), P(theta)
  const std::array<double, 2>& of(Walker w) const { return v[static_cast<std::size_t>(w)]; }
};
UpdateVectors update_vectors(const LandscapeProblem& p, double theta1, double theta2, double alpha, int steps);
// One of them (what a walker needs), without the others' cost.
std::array<double, 2> update_vector(const LandscapeProblem& p, double theta1, double theta2, double alpha, int steps,
                                    Walker w);

// The grid of M_0..M_kMaxInnerSteps over the plot's range, kGrid x kGrid
// points, a few points per step() while the view is visible.
class LandscapeGridJob : public Job {
 public:
  static constexpr int kGrid = 48;
  static constexpr int kPointsPerStep = 16;
  std::string title() const override { return "Landscape lab: meta-objective grid"; }
  bool wants_time() const override { return visible_ && problem_ && done_ < kGrid * kGrid; }
  void step() override;
  void fail(const std::string& message) override { error = message; done_ = kGrid * kGrid; }

  // Starts again when the problem or alpha change.
  void follow(std::shared_ptr<const LandscapeProblem> problem, double alpha, bool visible);
  bool complete() const { return problem_ && done_ >= kGrid * kGrid; }
  double fraction_done() const { return static_cast<double>(done_) / (kGrid * kGrid); }
  // M_m at grid point (i: theta1 index, j: theta2 index); NaN before it is computed.
  double value(int m, int i, int j) const;
  static double theta1_at(int i);
  static double theta2_at(int j);
  // Where M_m is smallest on the grid (once complete).
  struct Minimum {
    double theta1 = 0, theta2 = 0, value = 0;
  };
  Minimum minimum(int m) const;
  // Bumps whenever values change (what the view keys its picture on).
  long long version() const { return version_; }
  std::string error;

 private:
  std::shared_ptr<const LandscapeProblem> problem_;
  double alpha_ = 0;
  bool visible_ = false;
  int done_ = 0;
  long long version_ = 0;
  std::vector<double> values_;  // [m][j][i]
};

// Four walkers that start at the dragged theta and follow MAML, first-order
// MAML, Reptile and pretraining: theta <- theta + beta * update vector (inside
// the plot's range) each iteration, while Play is on.
class LandscapeWalkersJob : public TrainingJob {
 public:
  LandscapeWalkersJob(std::shared_ptr<const LandscapeProblem> problem, const LandscapeSettings& s);
  std::string title() const override { return "Landscape lab"; }
  bool ready() const override { return problem_ != nullptr; }
  long iteration() const override { return iteration_; }
  void step() override;

  // The path of each walker, from the start.
  const std::vector<std::array<double, 2>>& path(Walker w) const { return paths_[static_cast<std::size_t>(w)]; }
  // Whether a walker moves (Reptile needs m >= 1).
  bool moves(Walker w) const { return w != Walker::Reptile || settings_.steps > 0; }
  const LandscapeSettings& settings() const { return settings_; }

 private:
  std::shared_ptr<const LandscapeProblem> problem_;
  LandscapeSettings settings_;
  long iteration_ = 0;
  std::array<std::vector<std::array<double, 2>>, kWalkers> paths_;
};

}  // namespace metalab::web
