// Tests of core/optim: SGD with momentum, Adam and RMSProp against updates
// worked out by hand for three steps, in double precision; clipping; and an
// optimizer restored from its state continuing exactly.
#include "core/optim/optimizers.h"

#include <gtest/gtest.h>

#include <cmath>

namespace metalab::optim {
namespace {

constexpr double kTol = 1e-12;

// One parameter p = [1, -2] and three gradients.
Params<double> start() {
  Params<double> p;
  p.add("p", Tensor<double>(Mat<double>((Mat<double>(1, 2) << 1.0, -2.0).finished()), true));
  return p;
}
Tensor<double> g(double a, double b) { return Tensor<double>(Mat<double>((Mat<double>(1, 2) << a, b).finished())); }

void expect_p(const Params<double>& p, double a, double b, int step) {
  EXPECT_NEAR(p[0].value()(0, 0), a, kTol) << "after step " << step;
  EXPECT_NEAR(p[0].value()(0, 1), b, kTol) << "after step " << step;
}

TEST(SGD, PlainAndWithMomentum) {
  Params<double> p = start();
  SGD<double> plain(0.1);
  plain.step(p, {g(0.5, 1.0)});
  expect_p(p, 1.0 - 0.1 * 0.5, -2.0 - 0.1 * 1.0, 1);
  EXPECT_TRUE(plain.state().empty());  // nothing to remember without momentum

  // v <- 0.9 v + g; p <- p - 0.1 v
  p = start();
  SGD<double> sgd(0.1, 0.9);
  sgd.step(p, {g(0.5, 1.0)});   // v = [0.5, 1]
  expect_p(p, 0.95, -2.1, 1);
  sgd.step(p, {g(0.5, -1.0)});  // v = [0.45 + 0.5, 0.9 - 1] = [0.95, -0.1]
  expect_p(p, 0.855, -2.09, 2);
  sgd.step(p, {g(0.0, 2.0)});   // v = [0.855, -0.09 + 2] = [0.855, 1.91]
  expect_p(p, 0.7695, -2.281, 3);
}

TEST(Adam, ThreeStepsWithBiasCorrection) {
  // m <- 0.9 m + 0.1 g; v <- 0.999 v + 0.001 g^2; p <- p - 0.1 m/(1-0.9^t) / (sqrt(v/(1-0.999^t)) + 1e-8).
  // Step 1: m = 0.05, v = 0.00025, m_hat = 0.5, v_hat = 0.25: p = 1 - 0.1 * 0.5 / (0.5 + 1e-8) = 0.900000002.
  Params<double> p = start();
  Adam<double> adam(0.1);
  adam.step(p, {g(0.5, 1.0)});
  expect_p(p, 0.900000002, -2.099999999, 1);
  adam.step(p, {g(-1.0, 0.25)});
  expect_p(p, 0.9366103542405654, -2.183059751227727, 2);
  adam.step(p, {g(2.0, -0.5)});
  expect_p(p, 0.8946447927181046, -2.2129149252194646, 3);
  EXPECT_EQ(adam.steps(), 3);
}

TEST(RMSProp, ThreeSteps) {
  // s <- 0.95 s + 0.05 g^2; p <- p - 0.01 g / (sqrt(s) + 1e-8).
  // Step 1: s = [0.0125, 0.05]: p = [1 - 0.005 / 0.1118034, -2 - 0.01 / 0.2236068].
  Params<double> p = start();
  RMSProp<double> rms(0.01);
  rms.step(p, {g(0.5, 1.0)});
  expect_p(p, 0.9552786444500039, -2.044721357549996, 1);
  rms.step(p, {g(-1.0, 0.25)});
  expect_p(p, 0.9954801554442108, -2.0558324681672797, 2);
  rms.step(p, {g(2.0, -0.5)});
  expect_p(p, 0.9561646752939911, -2.0355203099224317, 3);
}

// Two steps, save the state, restore it into a fresh optimizer: the third
// step is the same as an uninterrupted run's (what --resume relies on).
TEST(Optimizers, RestoredStateContinuesExactly) {
  for (const char* name : {"sgd", "adam", "rmsprop"}) {
    auto make = [&] {
      return std::string(name) == "sgd" ? std::unique_ptr<Optimizer<double>>(new SGD<double>(0.1, 0.9))
                                        : make_optimizer<double>(name, 0.1);
    };
    Params<double> a = start();
    auto first = make();
    first->step(a, {g(0.5, 1.0)});
    first->step(a, {g(-1.0, 0.25)});
    Params<double> b = a.clone();
    auto resumed = make();
    resumed->load_state(first->state(), b);
    first->step(a, {g(2.0, -0.5)});
    resumed->step(b, {g(2.0, -0.5)});
    EXPECT_EQ(a[0].value(), b[0].value()) << name;
  }
  EXPECT_THROW(make_optimizer<double>("lbfgs", 0.1), std::invalid_argument);
}

TEST(Optimizers, RejectMismatchedGradients) {
  Params<double> p = start();
  Adam<double> adam(0.1);
  EXPECT_THROW(adam.step(p, {}), std::invalid_argument);
  EXPECT_THROW(adam.step(p, {Tensor<double>(Mat<double>::Zero(2, 1))}), std::invalid_argument);
}

TEST(Clipping, ScalesToTheGlobalNorm) {
  std::vector<Tensor<double>> grads{g(3.0, 0.0), Tensor<double>(Mat<double>::Constant(1, 1, 4.0))};
  EXPECT_DOUBLE_EQ(global_norm(grads), 5.0);
  EXPECT_DOUBLE_EQ(clip_grad_norm(grads, 1.0), 5.0);  // the norm before clipping
  EXPECT_NEAR(grads[0].value()(0, 0), 0.6, kTol);
  EXPECT_NEAR(grads[1].value()(0, 0), 0.8, kTol);
  EXPECT_NEAR(global_norm(grads), 1.0, kTol);
  EXPECT_DOUBLE_EQ(clip_grad_norm(grads, 10.0), 1.0);  // under the limit: unchanged
  EXPECT_NEAR(grads[0].value()(0, 0), 0.6, kTol);
}

}  // namespace
}  // namespace metalab::optim
