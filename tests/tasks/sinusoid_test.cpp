#include "core/tasks/sinusoid.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

namespace metalab {
namespace {

TEST(Sinusoid, SameSeedSameTasks) {
  SinusoidDistribution dist;
  Rng a(42), b(42);
  for (int i = 0; i < 5; ++i) {
    const Task ta = dist.sample(a), tb = dist.sample(b);
    EXPECT_TRUE(ta.support_x == tb.support_x);
    EXPECT_TRUE(ta.support_y == tb.support_y);
    EXPECT_TRUE(ta.query_x == tb.query_x);
    EXPECT_TRUE(ta.query_y == tb.query_y);
  }
}

TEST(Sinusoid, DifferentSeedsDifferentTasks) {
  SinusoidDistribution dist;
  Rng a(1), b(2);
  EXPECT_FALSE(dist.sample(a).support_x == dist.sample(b).support_x);
}

TEST(Sinusoid, SamplesInsideDocumentedRanges) {
  SinusoidConfig cfg;
  cfg.support_size = 50;
  cfg.query_size = 7;
  SinusoidDistribution dist(cfg);
  Rng rng(7);
  for (int t = 0; t < 200; ++t) {
    const SinusoidParams p = dist.sample_params(rng);
    ASSERT_GE(p.amplitude, 0.1);
    ASSERT_LE(p.amplitude, 5.0);
    ASSERT_GE(p.phase, 0.0);
    ASSERT_LE(p.phase, M_PI);
    const Task task = dist.sample_points(p, rng);
    ASSERT_EQ(task.support_x.rows(), 50);
    ASSERT_EQ(task.query_x.rows(), 7);
    ASSERT_EQ(task.support_x.cols(), 1);
    for (int i = 0; i < task.support_x.rows(); ++i) {
      const double x = task.support_x(i, 0);
      ASSERT_GE(x, -5.0);
      ASSERT_LE(x, 5.0);
      // Each target lies on the task's curve.
      ASSERT_NEAR(task.support_y(i, 0), p.amplitude * std::sin(x + p.phase), 1e-5);
    }
  }
}

TEST(Sinusoid, AmplitudeAndPhaseCoverTheirRanges) {
  SinusoidDistribution dist;
  Rng rng(3);
  double amin = 1e9, amax = -1e9;
  for (int t = 0; t < 2000; ++t) {
    const double a = dist.sample_params(rng).amplitude;
    amin = std::min(amin, a);
    amax = std::max(amax, a);
  }
  EXPECT_LT(amin, 0.2);
  EXPECT_GT(amax, 4.9);
}

TEST(Sinusoid, RejectsBadParameters) {
  SinusoidConfig zero_k;
  zero_k.support_size = 0;
  EXPECT_THROW(SinusoidDistribution{zero_k}, std::invalid_argument);
  try {
    SinusoidDistribution{zero_k};
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("support size K"), std::string::npos) << e.what();
  }

  SinusoidConfig reversed;
  reversed.x_min = 5;
  reversed.x_max = -5;
  EXPECT_THROW(SinusoidDistribution{reversed}, std::invalid_argument);

  SinusoidConfig bad_amp;
  bad_amp.amplitude_max = -1;
  EXPECT_THROW(SinusoidDistribution{bad_amp}, std::invalid_argument);

  SinusoidConfig nan_phase;
  nan_phase.phase_max = std::nan("");
  EXPECT_THROW(SinusoidDistribution{nan_phase}, std::invalid_argument);

  SinusoidConfig zero_q;
  zero_q.query_size = 0;
  EXPECT_THROW(SinusoidDistribution{zero_q}, std::invalid_argument);
}

}  // namespace
}  // namespace metalab
