// The checkers of gradcheck.h must catch wrong rules: an op with a wrong
// first derivative fails check_gradients, and an op whose backward is right
// but not differentiable (it uses a detached value) fails check_hvp.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/autodiff/gradcheck.h"

namespace metalab::ad::testing {
namespace {

// x^2 with the factor 2 missing from the backward rule.
TD wrong_square(const TD& a) {
  Mat<double> v = a.value().array().square();
  return make_result<double>(std::move(v), "wrong_square", {a},
                             [](const Inputs<double>& in, const TD&, const TD& g, std::vector<TD>& gi) {
                               gi.push_back(mul(g, in[0]));
                             });
}

// x^3 whose backward uses 3 x^2 as a constant: right values, wrong second derivative.
TD detached_cube(const TD& a) {
  Mat<double> v = a.value().array().cube();
  return make_result<double>(std::move(v), "detached_cube", {a},
                             [](const Inputs<double>& in, const TD&, const TD& g, std::vector<TD>& gi) {
                               gi.push_back(mul(g, TD(MD(3 * in[0].value().array().square()))));
                             });
}

void check_wrong_square() {
  Rng rng(1);
  check_gradients("wrong_square", [](const std::vector<TD>& x) { return wrong_square(x[0]); }, {uniform(rng, 2, 3)});
}

void check_detached_cube_first_order() {
  Rng rng(2);
  check_gradients("detached_cube", [](const std::vector<TD>& x) { return detached_cube(x[0]); }, {uniform(rng, 2, 3)});
}

void check_detached_cube_second_order() {
  Rng rng(2);
  check_hvp("detached_cube", [](const std::vector<TD>& x) { return detached_cube(x[0]); }, {uniform(rng, 2, 3)});
}

// Runs a check with its failures intercepted; returns them joined.
template <typename F>
std::string intercepted_failures(F check) {
  ::testing::TestPartResultArray results;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &results);
    check();
  }
  std::string all;
  for (int i = 0; i < results.size(); ++i) all += std::string(results.GetTestPartResult(i).message()) + "\n";
  return all;
}

TEST(GradCheck, CatchesAWrongFirstDerivative) {
  const std::string failures = intercepted_failures(check_wrong_square);
  EXPECT_NE(failures.find("wrong_square d/d(input 0)"), std::string::npos) << failures;
  EXPECT_NE(failures.find("6 of 6 elements disagree"), std::string::npos) << failures;
}

TEST(GradCheck, CatchesANonDifferentiableBackward) {
  EXPECT_EQ(intercepted_failures(check_detached_cube_first_order), "") << "first derivatives are right";
  const std::string failures = intercepted_failures(check_detached_cube_second_order);
  EXPECT_NE(failures.find("detached_cube (H v) for input 0"), std::string::npos) << failures;
}

TEST(GradCheck, AgreeIsAbsoluteNearZeroAndRelativeForLargeValues) {
  EXPECT_TRUE(agree(0.0, 0.5e-6, 1e-6));
  EXPECT_FALSE(agree(0.0, 2e-6, 1e-6));
  EXPECT_TRUE(agree(1000.0, 1000.0005, 1e-6));
  EXPECT_FALSE(agree(1000.0, 1000.002, 1e-6));
}

}  // namespace
}  // namespace metalab::ad::testing
