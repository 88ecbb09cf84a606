// Second derivatives by double backward: closed-form checks on scalar
// functions, the tutorial of tensor.h verbatim, and Hessian-vector products of
// small models and losses against finite differences of gradients.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "tests/autodiff/gradcheck.h"

namespace metalab::ad::testing {
namespace {

using Eigen::Index;

TEST(SecondOrder, TutorialExampleFromTensorHeader) {
  // Verbatim from the comment at the top of core/autodiff/tensor.h.
  using namespace metalab::ad;
  Tensor<double> x = Tensor<double>::scalar(3.0).set_requires_grad();
  Tensor<double> f = x * x * x;                 // f(x) = x^3, recorded as a graph

  // First derivative. create_graph = true records the backward pass as
  // ordinary operations, so the result is differentiable again.
  Tensor<double> df = grad(f, {x}, GradOptions{/*create_graph=*/true})[0];  // 3x^2 = 27

  // Second derivative: differentiate the derivative.
  Tensor<double> d2f = grad(df, {x})[0];                                     // 6x = 18

  EXPECT_DOUBLE_EQ(f.item(), 27.0);
  EXPECT_DOUBLE_EQ(df.item(), 27.0);
  EXPECT_DOUBLE_EQ(d2f.item(), 18.0);
  EXPECT_TRUE(tracks_grad(df));
  EXPECT_FALSE(tracks_grad(d2f));
}

TEST(SecondOrder, ThirdDerivativeOfCube) {
  TD x = TD::scalar(-1.5);
  x.set_requires_grad();
  const TD f = mul(mul(x, x), x);
  const TD d1 = grad(f, {x}, GradOptions{true})[0];
  const TD d2 = grad(d1, {x}, GradOptions{true})[0];
  const TD d3 = grad(d2, {x}, GradOptions{true})[0];
  const TD d4 = grad(d3, {x})[0];
  EXPECT_NEAR(d1.item(), 3 * 1.5 * 1.5, kExactTolerance);
  EXPECT_NEAR(d2.item(), -9.0, kExactTolerance);
  EXPECT_NEAR(d3.item(), 6.0, kExactTolerance);
  EXPECT_NEAR(d4.item(), 0.0, kExactTolerance);
}

// f'' of an elementwise function at many points at once: the Hessian of
// sum(f(x)) is diagonal, so grad(sum(grad(sum(f(x)), x)), x) = f''(x).
void expect_second_derivative(const char* name, TD (*f)(const TD&), double (*f2)(double), const MD& points) {
  SCOPED_TRACE(name);
  TD x(points);
  x.set_requires_grad();
  const TD d1 = grad(sum(f(x)), {x}, GradOptions{true})[0];
  const TD d2 = grad(sum(d1), {x})[0];
  for (Index k = 0; k < points.size(); ++k) {
    const double expected = f2(points.data()[k]);
    EXPECT_NEAR(d2.value().data()[k], expected, kExactTolerance * std::max(1.0, std::abs(expected)))
        << "at x = " << points.data()[k];
  }
}

TEST(SecondOrder, ExactSecondDerivativesOfScalarFunctions) {
  MD points(1, 7);
  points << -2.0, -0.7, -0.1, 0.3, 0.9, 1.6, 2.5;
  MD positive(1, 5);
  positive << 0.2, 0.5, 1.0, 2.0, 3.5;
  expect_second_derivative(
      "x^3 as x*x*x", [](const TD& x) { return mul(mul(x, x), x); }, [](double x) { return 6 * x; }, points);
  expect_second_derivative(
      "x^3 as pow", [](const TD& x) { return pow(x, 3.0); }, [](double x) { return 6 * x; }, points);
  expect_second_derivative(
      "exp", [](const TD& x) { return exp(x); }, [](double x) { return std::exp(x); }, points);
  expect_second_derivative(
      "tanh", [](const TD& x) { return tanh(x); },
      [](double x) { return -2 * std::tanh(x) * (1 - std::tanh(x) * std::tanh(x)); }, points);
  expect_second_derivative(
      "sigmoid", [](const TD& x) { return sigmoid(x); },
      [](double x) {
        const double s = 1 / (1 + std::exp(-x));
        return s * (1 - s) * (1 - 2 * s);
      },
      points);
  expect_second_derivative(
      "square", [](const TD& x) { return square(x); }, [](double) { return 2.0; }, points);
  expect_second_derivative(
      "softplus", [](const TD& x) { return softplus(x); },
      [](double x) {
        const double s = 1 / (1 + std::exp(-x));
        return s * (1 - s);
      },
      points);
  expect_second_derivative(
      "log", [](const TD& x) { return log(x); }, [](double x) { return -1 / (x * x); }, positive);
  expect_second_derivative(
      "sqrt", [](const TD& x) { return sqrt(x); }, [](double x) { return -0.25 * std::pow(x, -1.5); }, positive);
  expect_second_derivative(
      "1/x", [](const TD& x) { return div(TD::scalar(1.0), x); }, [](double x) { return 2 / (x * x * x); }, positive);
}

// ---------------------------------------------------------------- Hessian-vector products of models

// A two-layer perceptron on fixed data: parameters are x[0..3] = W1, b1, W2, b2.
TD mlp(const std::vector<TD>& p, const TD& input, TD (*activation)(const TD&)) {
  return linear(activation(linear(input, p[0], p[1])), p[2], p[3]);
}

TEST(SecondOrder, HvpMlpWithTanh) {
  Rng rng(201);
  const TD input(uniform(rng, 6, 3, -2, 2)), target(uniform(rng, 6, 2));
  const Fn loss = [&](const std::vector<TD>& p) {
    return mse(mlp(p, input, [](const TD& z) { return tanh(z); }), target);
  };
  check_hvp("tanh MLP", loss,
            {normal(rng, 3, 5, 0.8), uniform(rng, 1, 5, -0.1, 0.1), normal(rng, 5, 2, 0.6), uniform(rng, 1, 2, -0.1, 0.1)},
            202);
  // With the input as a variable too (input gradients, as in adversarial or gradient-penalty losses).
  const Fn with_input = [&](const std::vector<TD>& v) {
    return mse(mlp({v[1], v[2], v[3], v[4]}, v[0], [](const TD& z) { return tanh(z); }), target);
  };
  check_hvp("tanh MLP including its input", with_input,
            {input.value(), normal(rng, 3, 5, 0.8), uniform(rng, 1, 5, -0.1, 0.1), normal(rng, 5, 2, 0.6),
             uniform(rng, 1, 2, -0.1, 0.1)},
            203);
}

TEST(SecondOrder, HvpMlpWithReluAwayFromKinks) {
  Rng rng(204);
  const TD input(uniform(rng, 6, 3, -2, 2)), target(uniform(rng, 6, 2));
  // Draw first-layer parameters until every pre-activation is clearly away
  // from 0, so that neither the step h v nor rounding crosses a kink.
  MD w1, b1;
  for (int attempt = 0;; ++attempt) {
    ASSERT_LT(attempt, 1000);
    w1 = normal(rng, 3, 5, 0.8);
    b1 = uniform(rng, 1, 5, -0.1, 0.1);
    const MD z = (input.value() * w1).rowwise() + b1.row(0);
    if (z.cwiseAbs().minCoeff() > 0.05) break;
  }
  const Fn loss = [&](const std::vector<TD>& p) {
    return mse(mlp(p, input, [](const TD& z) { return relu(z); }), target);
  };
  check_hvp("relu MLP", loss, {w1, b1, normal(rng, 5, 2, 0.6), uniform(rng, 1, 2, -0.1, 0.1)}, 205);
  check_gradients("relu MLP", loss, {w1, b1, normal(rng, 5, 2, 0.6), uniform(rng, 1, 2, -0.1, 0.1)}, 206);
}

TEST(SecondOrder, HvpConvThenNonlinearityThenSumOfSquares) {
  Rng rng(207);
  ConvGeometry g;
  g.input = ImageShape{2, 4, 4, 2};
  g.kernel = 3;
  g.stride = 1;
  g.padding = 1;
  const Fn loss = [g](const std::vector<TD>& v) { return sum(square(tanh(conv2d(v[0], v[1], v[2], g)))); };
  check_hvp("sum(tanh(conv2d)^2)", loss,
            {uniform(rng, g.input.rows(), 2), normal(rng, 18, 3, 0.3), uniform(rng, 1, 3, -0.1, 0.1)}, 208);
  g.stride = 2;
  g.padding = 0;
  g.input = ImageShape{2, 5, 5, 2};
  const Fn strided = [g](const std::vector<TD>& v) { return sum(square(sigmoid(conv2d(v[0], v[1], v[2], g)))); };
  check_hvp("sum(sigmoid(conv2d stride 2)^2)", strided,
            {uniform(rng, g.input.rows(), 2), normal(rng, 18, 2, 0.3), uniform(rng, 1, 2, -0.1, 0.1)}, 209);
}

TEST(SecondOrder, HvpBatchNormTrainThenNonlinearLoss) {
  Rng rng(210);
  const TD weights(normal(rng, 3, 1));
  const Fn loss = [&](const std::vector<TD>& v) {
    const TD h = batch_norm_train(v[0], v[1], v[2]).output;
    return add(mean(square(tanh(h))), mul_scalar(sum(softplus(matmul(h, weights))), 0.3));
  };
  check_hvp("batch_norm_train then tanh/softplus loss", loss,
            {uniform(rng, 5, 3, -2, 2), uniform(rng, 1, 3, 0.5, 1.5), uniform(rng, 1, 3, -0.5, 0.5)}, 211);
  // Classification on normalised features, as in a Conv4 block.
  const TD w(normal(rng, 3, 4));
  const Fn ce = [&](const std::vector<TD>& v) {
    return cross_entropy(matmul(relu(batch_norm_train(v[0], v[1], v[2]).output), w), {0, 3, 1, 1, 2});
  };
  // relu kinks: the batch-normalised values are away from 0 for this seed (checked).
  const MD x = uniform(rng, 5, 3, -2, 2), gamma = uniform(rng, 1, 3, 0.5, 1.5), beta = uniform(rng, 1, 3, -0.5, 0.5);
  {
    NoGradGuard no_grad;
    const MD h = batch_norm_train(TD(x), TD(gamma), TD(beta)).output.value();
    ASSERT_GT(h.cwiseAbs().minCoeff(), 1e-3);
  }
  check_hvp("cross_entropy(relu(batch_norm_train))", ce, {x, gamma, beta}, 212);
}

TEST(SecondOrder, HvpCrossEntropy) {
  Rng rng(213);
  check_hvp("cross_entropy", [](const std::vector<TD>& v) { return cross_entropy(v[0], {1, 0, 2, 2}); },
            {uniform(rng, 4, 3, -2, 2)}, 214);
  const TD x(uniform(rng, 4, 3));
  check_hvp("cross_entropy(linear)",
            [&](const std::vector<TD>& v) { return cross_entropy(linear(x, v[0], v[1]), {1, 0, 3, 2}); },
            {normal(rng, 3, 4), uniform(rng, 1, 4)}, 215);
}

TEST(SecondOrder, HvpMse) {
  Rng rng(216);
  check_hvp("mse", [](const std::vector<TD>& v) { return mse(v[0], v[1]); }, {uniform(rng, 4, 2), uniform(rng, 4, 2)},
            217);
  check_hvp("mse(tanh(a), b * b)", [](const std::vector<TD>& v) { return mse(tanh(v[0]), mul(v[1], v[1])); },
            {uniform(rng, 4, 2), uniform(rng, 4, 2)}, 218);
}

TEST(SecondOrder, HvpSoftmaxLogSoftmaxSigmoid) {
  Rng rng(219);
  const MD target = uniform(rng, 3, 4, 0, 1);
  check_hvp("softmax", [&](const std::vector<TD>& v) { return mse(softmax(v[0]), TD(target)); },
            {uniform(rng, 3, 4, -2, 2)}, 220);
  check_hvp("log_softmax", [&](const std::vector<TD>& v) { return sum(mul(square(log_softmax(v[0])), TD(target))); },
            {uniform(rng, 3, 4, -2, 2)}, 221);
  check_hvp("sigmoid", [&](const std::vector<TD>& v) { return mse(sigmoid(v[0]), TD(target)); },
            {uniform(rng, 3, 4, -3, 3)}, 222);
}

TEST(SecondOrder, HvpCosineSimilarityAndPairwiseSqDist) {
  Rng rng(223);
  // Prototypical-network style: logits are negative squared distances to prototypes.
  check_hvp("cross_entropy(-pairwise_sq_dist)",
            [](const std::vector<TD>& v) { return cross_entropy(neg(pairwise_sq_dist(v[0], v[1])), {0, 2, 1, 1, 0}); },
            {uniform(rng, 5, 3), uniform(rng, 3, 3)}, 224);
  check_hvp("sum(pairwise_sq_dist^2)", [](const std::vector<TD>& v) { return sum(square(pairwise_sq_dist(v[0], v[1]))); },
            {uniform(rng, 2, 3), uniform(rng, 4, 3)}, 225);
  // Matching-network style: attention over cosine similarities.
  check_hvp("cross_entropy(5 * cosine_similarity)",
            [](const std::vector<TD>& v) { return cross_entropy(mul_scalar(cosine_similarity(v[0], v[1]), 5.0), {0, 2, 1, 1}); },
            {away_from_zero(rng, 4, 3), away_from_zero(rng, 3, 3)}, 226);
  check_hvp("sum(cosine_similarity^3)",
            [](const std::vector<TD>& v) { return sum(pow(cosine_similarity(v[0], v[1]), 3.0)); },
            {away_from_zero(rng, 2, 4), away_from_zero(rng, 3, 4)}, 227);
}

// d/dx of a loss that contains a gradient: L(x) = |grad f(x)|^2 + f(x)
// (a gradient penalty), against central differences of L itself.
TEST(SecondOrder, GradientOfALossContainingAGradient) {
  Rng rng(228);
  const TD w(normal(rng, 3, 2));
  const auto penalty = [&](const MD& xv, bool differentiate) {
    TD x(xv);
    x.set_requires_grad();
    const TD f = sum(tanh(matmul(x, w)));
    const TD g = grad(f, {x}, GradOptions{true})[0];
    const TD l = add(sum(square(g)), f);
    return std::make_pair(l.item(), differentiate ? grad(l, {x})[0].value() : MD());
  };
  const MD x0 = uniform(rng, 4, 3);
  const MD analytic = penalty(x0, true).second;
  MD numeric(x0.rows(), x0.cols());
  for (Index k = 0; k < x0.size(); ++k) {
    MD xp = x0, xm = x0;
    xp.data()[k] += kFiniteDiffStep;
    xm.data()[k] -= kFiniteDiffStep;
    numeric.data()[k] = (penalty(xp, false).first - penalty(xm, false).first) / (2 * kFiniteDiffStep);
  }
  expect_matrices_agree("gradient penalty", analytic, numeric, kGradTolerance);
}

}  // namespace
}  // namespace metalab::ad::testing
