// core/eval statistics against hand computations and published t tables.
#include "core/eval/statistics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

namespace metalab::eval {
namespace {

TEST(Statistics, MeanSdAndStandardErrorByHand) {
  // x = 1, 2, 3, 4: mean 2.5; squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5;
  // s^2 = 5 / 3; s = 1.2909944; sem = s / 2 = 0.6454972.
  const std::vector<double> x{1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(mean(x), 2.5);
  EXPECT_NEAR(sample_sd(x), std::sqrt(5.0 / 3.0), 1e-15);
  EXPECT_NEAR(standard_error(x), std::sqrt(5.0 / 3.0) / 2.0, 1e-15);
}

TEST(Statistics, StudentTQuantilesMatchTables) {
  // Two-sided 95% critical values t_{0.975, df} from standard tables.
  EXPECT_NEAR(student_t_quantile(0.975, 1), 12.706205, 1e-5);
  EXPECT_NEAR(student_t_quantile(0.975, 2), 4.302653, 1e-6);
  EXPECT_NEAR(student_t_quantile(0.975, 3), 3.182446, 1e-6);
  EXPECT_NEAR(student_t_quantile(0.975, 10), 2.228139, 1e-6);
  EXPECT_NEAR(student_t_quantile(0.975, 30), 2.042272, 1e-6);
  EXPECT_NEAR(student_t_quantile(0.975, 999), 1.962341, 1e-6);
  EXPECT_NEAR(student_t_quantile(0.975, 1e7), 1.959964, 1e-5);  // -> the normal quantile
  EXPECT_NEAR(student_t_quantile(0.95, 5), 2.015048, 1e-6);
  EXPECT_NEAR(student_t_quantile(0.025, 10), -2.228139, 1e-6);
  EXPECT_DOUBLE_EQ(student_t_quantile(0.5, 4), 0.0);
}

TEST(Statistics, StudentTCdfClosedForms) {
  // df = 1 is the Cauchy distribution: F(t) = 1/2 + atan(t) / pi.
  for (double t : {-3.0, -1.0, 0.0, 0.5, 1.0, 7.0}) EXPECT_NEAR(student_t_cdf(t, 1), 0.5 + std::atan(t) / M_PI, 1e-12);
  // df = 2: F(t) = 1/2 + t / (2 sqrt(2 + t^2)).
  for (double t : {-2.0, 0.3, 4.0}) EXPECT_NEAR(student_t_cdf(t, 2), 0.5 + t / (2 * std::sqrt(2 + t * t)), 1e-12);
}

TEST(Statistics, IncompleteBetaClosedForms) {
  EXPECT_NEAR(incomplete_beta(0.3, 1, 1), 0.3, 1e-14);  // uniform
  EXPECT_NEAR(incomplete_beta(0.5, 2, 2), 0.5, 1e-14);  // symmetric
  // I_x(2, 1) = x^2; I_x(1, 3) = 1 - (1 - x)^3.
  EXPECT_NEAR(incomplete_beta(0.4, 2, 1), 0.16, 1e-14);
  EXPECT_NEAR(incomplete_beta(0.2, 1, 3), 1 - 0.8 * 0.8 * 0.8, 1e-14);
  EXPECT_THROW(incomplete_beta(1.5, 1, 1), std::invalid_argument);
}

TEST(Statistics, SummaryIsTheTIntervalByHand) {
  const std::vector<double> x{1, 2, 3, 4};
  const Summary s = summarize(x);
  EXPECT_EQ(s.n, 4);
  EXPECT_DOUBLE_EQ(s.mean, 2.5);
  const double sem = std::sqrt(5.0 / 3.0) / 2.0;
  EXPECT_NEAR(s.sem, sem, 1e-15);
  EXPECT_NEAR(s.half_width, 3.182446305 * sem, 1e-8);  // 2.054260
  EXPECT_NEAR(s.lo(), 2.5 - 2.0542603, 1e-6);
  EXPECT_NEAR(s.hi(), 2.5 + 2.0542603, 1e-6);
  // A 90% interval is narrower: t_{0.95, 3} = 2.353363.
  EXPECT_NEAR(summarize(x, 0.90).half_width, 2.353363435 * sem, 1e-8);
}

TEST(Statistics, ConstantSampleHasZeroWidth) {
  const Summary s = summarize({0.5, 0.5, 0.5});
  EXPECT_EQ(s.mean, 0.5);
  EXPECT_EQ(s.sd, 0.0);
  EXPECT_EQ(s.half_width, 0.0);
}

TEST(Statistics, DegenerateInputs) {
  EXPECT_THROW(mean({}), std::invalid_argument);
  EXPECT_THROW(sample_sd({1.0}), std::invalid_argument);
  EXPECT_THROW(summarize({}), std::invalid_argument);
  const Summary one = summarize({3.0});
  EXPECT_EQ(one.mean, 3.0);
  EXPECT_TRUE(std::isnan(one.half_width));
  EXPECT_THROW(student_t_quantile(0.0, 3), std::invalid_argument);
  EXPECT_THROW(student_t_quantile(1.0, 3), std::invalid_argument);
  EXPECT_THROW(student_t_quantile(0.9, 0), std::invalid_argument);
  EXPECT_THROW(summarize({1, 2}, 1.0), std::invalid_argument);
}

}  // namespace
}  // namespace metalab::eval
