// The meta-loss landscape lab (web/app/labs/landscape): sin and cos on the
// autodiff tape with first and second derivatives against central
// differences, the fast grid path against the autodiff path, MAML's update
// vector against finite differences of the meta-objective, the identities
// the lesson states (m = 0: MAML = first-order MAML = pretraining; m = 1:
// Reptile = the support gradient), and the claims the lesson's questions make.
#include "web/app/labs/landscape/job.h"

#include <cmath>

#include <gtest/gtest.h>

#include "core/autodiff/ops.h"
#include "web/app/labs/landscape/lab.h"

namespace metalab::web {
namespace {

constexpr double kFdStep = 1e-5;
constexpr double kFdTolerance = 1e-6;   // central differences of smooth double functions
constexpr double kPathTolerance = 1e-9;  // two exact computations of one number

using T = ad::Tensor<double>;

TEST(Landscape, SinAndCosHaveFirstAndSecondDerivatives) {
  for (double x0 : {-2.0, 0.3, 1.7}) {
    T x = T::scalar(x0).set_requires_grad();
    const T f = ad::mul(landscape_sin(x), landscape_cos(ad::mul_scalar(x, 2.0)));  // sin x cos 2x
    const auto plain = [](double v) { return std::sin(v) * std::cos(2 * v); };
    const T df = ad::grad(f, {x}, ad::GradOptions{true})[0];
    const double fd = (plain(x0 + kFdStep) - plain(x0 - kFdStep)) / (2 * kFdStep);
    EXPECT_NEAR(df.item(), fd, kFdTolerance) << x0;
    const T d2f = ad::grad(df, {x})[0];
    const auto dplain = [](double v) { return std::cos(v) * std::cos(2 * v) - 2 * std::sin(v) * std::sin(2 * v); };
    const double fd2 = (dplain(x0 + kFdStep) - dplain(x0 - kFdStep)) / (2 * kFdStep);
    EXPECT_NEAR(d2f.item(), fd2, kFdTolerance) << x0;
  }
}

TEST(Landscape, TheFastGridPathEqualsTheAutodiffPath) {
  const auto p = make_landscape_problem(1, 10, 8);
  double fast[kMaxInnerSteps + 1];
  for (const auto& [a, b] : {std::pair{1.0, 0.0}, std::pair{3.5, 2.0}, std::pair{-0.5, 4.0}}) {
    meta_losses(*p, a, b, 0.1, kMaxInnerSteps, fast);
    for (int m = 0; m <= kMaxInnerSteps; ++m) EXPECT_NEAR(fast[m], meta_loss_autodiff(*p, a, b, 0.1, m), kPathTolerance);
  }
}

TEST(Landscape, MamlsVectorIsMinusTheMetaGradient) {
  const auto p = make_landscape_problem(2, 10, 6);
  const auto meta = [&](double a, double b, int m) {
    double v[kMaxInnerSteps + 1];
    meta_losses(*p, a, b, 0.1, m, v);
    return v[m];
  };
  for (int m : {1, 3}) {
    for (const auto& [a, b] : {std::pair{1.0, 0.0}, std::pair{4.0, -1.0}}) {
      const auto u = update_vector(*p, a, b, 0.1, m, Walker::Maml);
      EXPECT_NEAR(u[0], -(meta(a + kFdStep, b, m) - meta(a - kFdStep, b, m)) / (2 * kFdStep), kFdTolerance);
      EXPECT_NEAR(u[1], -(meta(a, b + kFdStep, m) - meta(a, b - kFdStep, m)) / (2 * kFdStep), kFdTolerance);
    }
  }
  // At (5, 2) the second-order term matters: first-order MAML points elsewhere (the lesson's question);
  // at (1, 0) the two are close.
  const auto p25 = make_landscape_problem(1, 10, 25);
  const UpdateVectors near = update_vectors(*p25, 1.0, 0.0, 0.1, 1);
  const auto& n0 = near.of(Walker::Maml);
  const auto& n1 = near.of(Walker::FoMaml);
  EXPECT_GT((n0[0] * n1[0] + n0[1] * n1[1]) / (std::hypot(n0[0], n0[1]) * std::hypot(n1[0], n1[1])), 0.95);
  const UpdateVectors v = update_vectors(*p25, 5.0, 2.0, 0.1, 1);
  const auto& x = v.of(Walker::Maml);
  const auto& y = v.of(Walker::FoMaml);
  const double cosine = (x[0] * y[0] + x[1] * y[1]) / (std::hypot(x[0], x[1]) * std::hypot(y[0], y[1]));
  EXPECT_LT(cosine, 0.8);
}

TEST(Landscape, WithoutInnerStepsEveryMethodIsPretrainingAndOneReptileStepIsASupportGradient) {
  const auto p = make_landscape_problem(3, 10, 5);
  const UpdateVectors v0 = update_vectors(*p, 1.2, 0.7, 0.1, 0);
  for (int i = 0; i < 2; ++i) {
    EXPECT_NEAR(v0.of(Walker::Maml)[i], v0.of(Walker::Pretrain)[i], kPathTolerance);
    EXPECT_NEAR(v0.of(Walker::FoMaml)[i], v0.of(Walker::Pretrain)[i], kPathTolerance);
  }
  EXPECT_FALSE(v0.reptile_defined);
  EXPECT_NEAR(v0.meta_loss, v0.pretrain_loss, kPathTolerance);
  // m = 1: (theta' - theta) / alpha = -grad L_support(theta), averaged over tasks.
  const auto r = update_vector(*p, 1.2, 0.7, 0.1, 1, Walker::Reptile);
  double ga = 0, gb = 0;
  for (const Task& t : p->tasks) {
    T a = T::scalar(1.2).set_requires_grad(), b = T::scalar(0.7).set_requires_grad();
    const T x(t.support_x.cast<double>()), y(t.support_y.cast<double>());
    const auto g = ad::grad(ad::mse(ad::mul(a, landscape_sin(ad::add(x, b))), y), {a, b});
    ga -= g[0].item() / static_cast<double>(p->tasks.size());
    gb -= g[1].item() / static_cast<double>(p->tasks.size());
  }
  EXPECT_NEAR(r[0], ga, kPathTolerance);
  EXPECT_NEAR(r[1], gb, kPathTolerance);
}

// What the landscape lesson asks (lesson meta-gradients), on the lab's default tasks.
TEST(Landscape, TheLessonsClaimsHoldOnTheLabsTasks) {
  LandscapeLab lab;
  sync_landscape(lab, true);
  while (!lab.grid.complete()) lab.grid.step();
  const auto pre = lab.grid.minimum(0), m1 = lab.grid.minimum(1), m5 = lab.grid.minimum(5);
  EXPECT_GT(m1.theta1, pre.theta1 + 0.5) << "one inner step moves the minimum to a larger amplitude";
  EXPECT_LT(m5.value, 0.6) << "five steps flatten the landscape";
  EXPECT_LT(m5.value, m1.value);
  // Walkers from (1, 0), beta 0.05, 150 iterations.
  const auto walk = [&](int steps) {
    lab.settings.steps = steps;
    sync_landscape(lab, true);
    LandscapeWalkersJob* w = lab.walkers();
    for (int i = 0; i < 150; ++i) w->step();
    return w;
  };
  const LandscapeWalkersJob* one = walk(1);
  const double maml1 = one->path(Walker::Maml).back()[0], pre1 = one->path(Walker::Pretrain).back()[0];
  const double reptile1 = one->path(Walker::Reptile).back()[0];
  EXPECT_GT(maml1, pre1 + 0.5) << "MAML's walker ends at a larger amplitude";
  EXPECT_NEAR(reptile1, pre1, 0.2) << "Reptile with one inner step is joint training";
  const LandscapeWalkersJob* three = walk(3);
  const double reptile3 = three->path(Walker::Reptile).back()[0];
  EXPECT_GT(reptile3, three->path(Walker::Pretrain).back()[0]);
  EXPECT_LT(reptile3, three->path(Walker::Maml).back()[0]) << "between pretraining's and MAML's";
}

}  // namespace
}  // namespace metalab::web
