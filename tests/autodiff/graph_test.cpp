// Properties of the graph and of grad(): unused inputs, accumulation, no-grad
// mode, create_graph, lifetimes, long chains, threads, and the float
// instantiation.
#include <gtest/gtest.h>

#include <array>

#include <pthread.h>

#include <cmath>
#include <functional>
#include <thread>
#include <utility>
#include <vector>

#include "tests/autodiff/gradcheck.h"

#if defined(__SANITIZE_ADDRESS__)
#define METALAB_TEST_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define METALAB_TEST_UNDER_ASAN 1
#endif
#endif
#ifndef METALAB_TEST_UNDER_ASAN
#define METALAB_TEST_UNDER_ASAN 0
#endif

namespace metalab::ad::testing {
namespace {

// A gradient computed with create_graph must stay differentiable after every
// handle to the forward graph is gone (MAML's inner loop returns fast weights
// and drops the support loss). Backward rules that use the node's own output
// (exp, tanh, sigmoid, div, sqrt, softmax, log_softmax) record that output in
// the gradient graph, so grad() must hand it to them as an owning handle.
TD first_derivative_dropping_forward_graph(const TD& x, TD (*f)(const TD&)) {
  return grad(sum(f(x)), {x}, GradOptions{true})[0];  // the forward graph dies here
}

TEST(Graph, GradientGraphOutlivesTheForwardGraph) {
  const std::vector<std::pair<const char*, TD (*)(const TD&)>> fns = {
      {"exp", [](const TD& x) { return exp(x); }},
      {"tanh", [](const TD& x) { return tanh(x); }},
      {"sigmoid", [](const TD& x) { return sigmoid(x); }},
      {"sqrt", [](const TD& x) { return sqrt(x); }},
      {"div", [](const TD& x) { return div(TD::scalar(2.0), x); }},
      {"softmax", [](const TD& x) { return mul(softmax(x), x); }},
      {"log_softmax", [](const TD& x) { return mul(log_softmax(x), x); }},
  };
  for (const auto& [name, f] : fns) {
    SCOPED_TRACE(name);
    TD x(MD::Constant(1, 3, 0.7));
    x.set_requires_grad();
    const TD g = first_derivative_dropping_forward_graph(x, f);
    // Churn the heap so that freed nodes would be overwritten.
    std::vector<TD> churn;
    for (int i = 0; i < 100; ++i) churn.push_back(TD(MD::Constant(1, 3, -123.0)));
    const TD h = grad(sum(g), {x})[0];
    // Compare with the same second derivative taken while the forward graph is alive.
    const TD y = sum(f(x));
    const TD g2 = grad(y, {x}, GradOptions{true})[0];
    const TD h2 = grad(sum(g2), {x})[0];
    EXPECT_TRUE(h.value().isApprox(h2.value(), kExactTolerance)) << h.value() << " vs " << h2.value();
  }
}


TEST(Graph, UnusedInputGetsZerosOfItsShape) {
  TD x(MD::Constant(2, 3, 1.5)), unused(MD::Constant(3, 1, 2.0)), constant(MD::Ones(4, 2));
  x.set_requires_grad();
  unused.set_requires_grad();
  const std::vector<TD> g = grad(sum(square(x)), {x, unused, constant});
  ASSERT_EQ(g.size(), 3u);
  EXPECT_TRUE(g[0].value().isApprox(MD::Constant(2, 3, 3.0)));
  EXPECT_EQ(g[1].rows(), 3);
  EXPECT_EQ(g[1].cols(), 1);
  EXPECT_TRUE(g[1].value().isZero());
  EXPECT_EQ(g[2].rows(), 4);
  EXPECT_EQ(g[2].cols(), 2);
  EXPECT_TRUE(g[2].value().isZero());
  // An output that depends on nothing that requires grad.
  const std::vector<TD> none = grad(sum(constant), {x});
  EXPECT_EQ(none[0].rows(), 2);
  EXPECT_TRUE(none[0].value().isZero());
  // The same with create_graph: zeros, and differentiating them again gives zeros.
  const std::vector<TD> g2 = grad(sum(x), {x, unused}, GradOptions{true});
  EXPECT_TRUE(g2[1].value().isZero());
  EXPECT_TRUE(grad(sum(g2[1]), {unused})[0].value().isZero());
}

TEST(Graph, TensorUsedTwiceAccumulates) {
  TD x(MD::Constant(1, 2, 3.0));
  x.set_requires_grad();
  // The same tensor as both operands of one op, and along two paths.
  EXPECT_TRUE(grad(sum(mul(x, x)), {x})[0].value().isApprox(MD::Constant(1, 2, 6.0)));
  EXPECT_TRUE(grad(sum(add(mul(x, x), x)), {x})[0].value().isApprox(MD::Constant(1, 2, 7.0)));
  // A diamond: a = exp(x) feeds both a * a and a.
  const TD a = exp(x);
  const double e3 = std::exp(3.0);
  EXPECT_TRUE(grad(sum(add(mul(a, a), a)), {x})[0].value().isApprox(MD::Constant(1, 2, 2 * e3 * e3 + e3)));
  // A tensor listed twice in the inputs gets the full gradient in both places.
  const std::vector<TD> twice = grad(sum(mul_scalar(x, 5.0)), {x, x});
  EXPECT_TRUE(twice[0].value().isApprox(MD::Constant(1, 2, 5.0)));
  EXPECT_TRUE(twice[1].value().isApprox(MD::Constant(1, 2, 5.0)));
}

TEST(Graph, GradientWithRespectToAnIntermediateTensor) {
  TD x(MD::Constant(2, 2, 0.5));
  x.set_requires_grad();
  const TD h = tanh(x);
  const TD y = sum(mul(h, h));
  const std::vector<TD> g = grad(y, {h, x});
  EXPECT_TRUE(g[0].value().isApprox(2 * h.value()));
  const double t = std::tanh(0.5);
  EXPECT_TRUE(g[1].value().isApprox(MD::Constant(2, 2, 2 * t * (1 - t * t))));
}

TEST(Graph, VectorJacobianProduct) {
  Rng rng(401);
  TD x(uniform(rng, 3, 4));
  x.set_requires_grad();
  const MD w = uniform(rng, 4, 2), gy = uniform(rng, 3, 2), gz = uniform(rng, 3, 4);
  const TD y = matmul(x, TD(w));
  const TD z = square(x);
  const std::vector<TD> g = grad(std::vector<TD>{y, z}, std::vector<TD>{TD(gy), TD(gz)}, std::vector<TD>{x});
  const MD expected = gy * w.transpose() + MD(2 * x.value().cwiseProduct(gz));
  EXPECT_TRUE(g[0].value().isApprox(expected, kExactTolerance));
}

TEST(Graph, NewValueTakesBackTheBuffersOfFreedValues) {
  const double* freed = nullptr;
  {
    const TD a(MD::Constant(7, 3, 2.0));
    {
      const TD b = mul_scalar(a, 3.0);
      EXPECT_TRUE(b.value().isApprox(MD::Constant(7, 3, 6.0)));
      freed = b.value().data();
    }
    // The same size, on the same thread: b's buffer, whatever it held (not
    // under AddressSanitizer, which must see every free).
    MD m = new_value<double>(3, 7);
#if !METALAB_TEST_UNDER_ASAN
    EXPECT_EQ(m.data(), freed);
#endif
    EXPECT_EQ(m.rows(), 3);
    EXPECT_EQ(m.cols(), 7);
  }
  MD m = new_value<double>(3, 7);
  EXPECT_EQ(m.rows(), 3);
  EXPECT_EQ(m.cols(), 7);
  // Another size: a buffer of its own.
  const MD other = new_value<double>(4, 4);
  EXPECT_NE(other.data(), freed);
  EXPECT_EQ(other.size(), 16);
  // A result computed in a recycled buffer is the result.
  m.setConstant(-1.0);
  const TD c = add(TD(MD::Ones(3, 7)), TD(MD::Ones(3, 7)));
  EXPECT_TRUE(c.value().isApprox(MD::Constant(3, 7, 2.0)));
  // Matrices over the pool's size limit are not kept, but still work.
  const MD big = new_value<double>(1024, 1024);
  EXPECT_EQ(big.size(), 1024 * 1024);
}

TEST(Graph, BackwardRulesWithLargeCapturesStillRun) {
  // Rules whose captures do not fit in place live on the heap; both kinds are called and freed.
  std::array<double, 16> weights{};
  weights.fill(0.5);
  TD x(MD::Constant(1, 1, 3.0));
  x.set_requires_grad();
  const TD y = make_result<double>(MD(x.value() * 2.0), "test_large", {x},
                                   [weights](const Inputs<double>&, const TD&, const TD& g, std::vector<TD>& gi) {
                                     gi.push_back(mul_scalar(g, 4.0 * weights[15]));
                                   });
  EXPECT_DOUBLE_EQ(grad(y, {x})[0].item(), 2.0);
  auto shared = std::make_shared<double>(3.0);
  const TD z = make_result<double>(MD(x.value()), "test_shared", {x},
                                   [shared](const Inputs<double>&, const TD&, const TD& g, std::vector<TD>& gi) {
                                     gi.push_back(mul_scalar(g, *shared));
                                   });
  EXPECT_EQ(shared.use_count(), 2);
  EXPECT_DOUBLE_EQ(grad(z, {x})[0].item(), 3.0);
}

TEST(Graph, NoGradGuardRecordsNothing) {
  TD x(MD::Constant(2, 2, 1.0));
  x.set_requires_grad();
  ASSERT_TRUE(GradMode::enabled());
  {
    NoGradGuard no_grad;
    EXPECT_FALSE(GradMode::enabled());
    const TD y = sum(mul(tanh(x), x));
    EXPECT_FALSE(tracks_grad(y));
    EXPECT_TRUE(y.node()->inputs.empty());
    EXPECT_FALSE(static_cast<bool>(y.node()->backward));
    {
      NoGradGuard nested;
      EXPECT_FALSE(GradMode::enabled());
    }
    EXPECT_FALSE(GradMode::enabled());
    // Nothing to differentiate: zeros.
    EXPECT_TRUE(grad(y, {x})[0].value().isZero());
  }
  EXPECT_TRUE(GradMode::enabled());
  const TD y = sum(mul(tanh(x), x));
  EXPECT_TRUE(tracks_grad(y));
  EXPECT_FALSE(y.node()->inputs.empty());
  // A guard restores the mode on exceptions too.
  try {
    NoGradGuard no_grad;
    add(x, TD::zeros(3, 3));
  } catch (const ShapeError&) {
  }
  EXPECT_TRUE(GradMode::enabled());
}

TEST(Graph, CreateGraphFalseResultsDoNotRequireGrad) {
  TD x(MD::Constant(2, 3, 0.3));
  x.set_requires_grad();
  const TD loss = sum(mul(exp(x), x));
  const TD g = grad(loss, {x})[0];
  EXPECT_FALSE(tracks_grad(g));
  EXPECT_TRUE(g.node()->inputs.empty());
  EXPECT_TRUE(GradMode::enabled()) << "grad() restores the grad mode";
  const TD gg = grad(loss, {x}, GradOptions{true})[0];
  EXPECT_TRUE(tracks_grad(gg));
  EXPECT_TRUE(gg.value().isApprox(g.value(), kExactTolerance));
  // A linear function's gradient is a constant even with create_graph.
  EXPECT_FALSE(tracks_grad(grad(sum(mul_scalar(x, 2.0)), {x}, GradOptions{true})[0]));
  // create_graph works inside a NoGradGuard, and the guard's mode comes back afterwards.
  NoGradGuard no_grad;
  const TD inside = grad(loss, {x}, GradOptions{true})[0];
  EXPECT_TRUE(tracks_grad(inside));
  EXPECT_FALSE(GradMode::enabled());
}

TEST(Graph, DetachCutsTheGraph) {
  TD x(MD::Constant(1, 3, 2.0));
  x.set_requires_grad();
  const TD y = mul(x, x);
  const TD d = y.detach();
  EXPECT_FALSE(tracks_grad(d));
  EXPECT_TRUE(d.value().isApprox(y.value()));
  // d(x * detach(x^2))/dx = x^2 only.
  EXPECT_TRUE(grad(sum(mul(x, d)), {x})[0].value().isApprox(MD::Constant(1, 3, 4.0)));
}

constexpr int kChainLength = 20000;

TEST(Graph, LongChainOfAdds) {
  TD x(MD::Constant(2, 2, 0.5));
  x.set_requires_grad();
  const TD c(MD::Constant(2, 2, 1e-3));
  TD y = x;
  for (int i = 0; i < kChainLength; ++i) y = add(y, c);
  const TD g = grad(sum(y), {x})[0];
  EXPECT_TRUE(g.value().isApprox(MD::Ones(2, 2)));
  // x added at every link: the gradient accumulates kChainLength + 1 times.
  TD z = x;
  for (int i = 0; i < kChainLength; ++i) z = add(z, x);
  EXPECT_TRUE(grad(sum(z), {x})[0].value().isApprox(MD::Constant(2, 2, kChainLength + 1.0)));
}

TEST(Graph, LongChainSecondOrder) {
  // y = x * (1 + 1e-5)^n through n links, squared: the gradient graph is as long
  // as the forward graph, and both are destroyed at the end of the test.
  TD x = TD::scalar(0.7);
  x.set_requires_grad();
  TD y = x;
  for (int i = 0; i < kChainLength; ++i) y = mul_scalar(add_scalar(y, 0.0), 1.00001);
  const double k = std::pow(1.00001, kChainLength);
  const TD f = square(y);
  const TD d1 = grad(f, {x}, GradOptions{true})[0];
  const TD d2 = grad(d1, {x})[0];
  EXPECT_NEAR(d1.item(), 2 * k * k * 0.7, 1e-9);
  EXPECT_NEAR(d2.item(), 2 * k * k, 1e-9);
}

// Runs fn on a thread with a small stack (the browser build has a small stack
// too): building, differentiating twice and freeing a long chain must not recurse
// once per node.
void run_with_stack(std::size_t bytes, const std::function<void()>& fn) {
  pthread_attr_t attr;
  ASSERT_EQ(pthread_attr_init(&attr), 0);
  ASSERT_EQ(pthread_attr_setstacksize(&attr, bytes), 0);
  pthread_t thread;
  auto body = [](void* f) -> void* {
    (*static_cast<const std::function<void()>*>(f))();
    return nullptr;
  };
  ASSERT_EQ(pthread_create(&thread, &attr, body, const_cast<std::function<void()>*>(&fn)), 0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
}

TEST(Graph, LongChainOnASmallStack) {
  constexpr std::size_t kStackBytes = 256 * 1024;
  double d1 = 0, d2 = 0;
  run_with_stack(kStackBytes, [&] {
    TD x = TD::scalar(0.5);
    x.set_requires_grad();
    TD y = x;
    for (int i = 0; i < kChainLength; ++i) y = add(mul_scalar(y, 1.0), TD::scalar(1e-4));
    const TD first = grad(square(y), {x}, GradOptions{true})[0];
    d1 = first.item();
    d2 = grad(first, {x})[0].item();
  });  // everything is freed on the small stack
  EXPECT_NEAR(d1, 2 * (0.5 + kChainLength * 1e-4), 1e-9);
  EXPECT_NEAR(d2, 2.0, 1e-12);
}

// ---------------------------------------------------------------- threads

struct MlpGrads {
  std::vector<MD> first;  // dL/dparams
  std::vector<MD> hvp;    // H v by double backward
};

MlpGrads mlp_gradients(const std::vector<TD>& params, const MD& input, const MD& target) {
  const TD x(input);
  const TD loss = mse(linear(tanh(linear(x, params[0], params[1])), params[2], params[3]), TD(target));
  const std::vector<TD> g = grad(loss, params, GradOptions{true});
  TD gv = TD::scalar(0.0);
  for (const TD& gi : g) gv = add(gv, sum(mul(gi, TD(MD::Constant(gi.rows(), gi.cols(), 0.1)))));
  MlpGrads r;
  for (const TD& gi : g) r.first.push_back(gi.value());
  for (const TD& h : grad(gv, params)) r.hvp.push_back(h.value());
  return r;
}

TEST(Graph, ThreadsDifferentiateIndependentGraphsOnSharedLeaves) {
  Rng rng(402);
  // Shared, read-only leaf parameters.
  const std::vector<TD> params =
      make_leaves({normal(rng, 3, 16), uniform(rng, 1, 16), normal(rng, 16, 2, 0.3), uniform(rng, 1, 2)}, true);
  constexpr int kThreads = 2, kIterations = 40;
  std::vector<std::vector<std::pair<MD, MD>>> data(kThreads);
  for (auto& d : data)
    for (int i = 0; i < kIterations; ++i) d.push_back({uniform(rng, 8, 3), uniform(rng, 8, 2)});

  // Sequential reference.
  std::vector<std::vector<MlpGrads>> expected(kThreads);
  for (int t = 0; t < kThreads; ++t)
    for (const auto& [input, target] : data[t]) expected[t].push_back(mlp_gradients(params, input, target));

  // Concurrent, one thread per data stream; one thread runs under a NoGradGuard
  // part of the time to check that the grad mode is per thread.
  std::vector<std::vector<MlpGrads>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (const auto& [input, target] : data[t]) {
        got[t].push_back(mlp_gradients(params, input, target));
        if (t == 1) {
          NoGradGuard no_grad;
          const TD y = tanh(matmul(TD(input), params[0]));
          if (tracks_grad(y)) got[t].clear();  // would make the comparison below fail
        }
      }
    });
  }
  for (auto& th : threads) th.join();

  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(got[t].size(), expected[t].size());
    for (std::size_t i = 0; i < got[t].size(); ++i)
      for (std::size_t p = 0; p < params.size(); ++p) {
        EXPECT_EQ(got[t][i].first[p], expected[t][i].first[p]) << "thread " << t << " iteration " << i;
        EXPECT_EQ(got[t][i].hvp[p], expected[t][i].hvp[p]) << "thread " << t << " iteration " << i;
      }
  }
}

// ---------------------------------------------------------------- float instantiation

template <typename T>
std::vector<Mat<T>> mlp_gradient_in(const std::vector<MD>& param_values, const MD& input, const MD& target,
                                    bool second_order) {
  std::vector<Tensor<T>> p;
  for (const MD& v : param_values) {
    Tensor<T> t(v.cast<T>());
    t.set_requires_grad();
    p.push_back(t);
  }
  const Tensor<T> x(input.cast<T>()), y(target.cast<T>());
  const Tensor<T> loss = mse(linear(tanh(linear(x, p[0], p[1])), p[2], p[3]), y);
  std::vector<Tensor<T>> g = grad(loss, p, GradOptions{second_order});
  if (second_order) {  // replace by H 1 (the Hessian times a vector of ones)
    Tensor<T> s = Tensor<T>::scalar(T(0));
    for (const auto& gi : g) s = add(s, sum(gi));
    g = grad(s, p);
  }
  std::vector<Mat<T>> out;
  for (const auto& gi : g) out.push_back(gi.value());
  return out;
}

TEST(Graph, FloatInstantiationMatchesDouble) {
  Rng rng(403);
  const std::vector<MD> params = {normal(rng, 3, 8), uniform(rng, 1, 8), normal(rng, 8, 2, 0.5), uniform(rng, 1, 2)};
  const MD input = uniform(rng, 6, 3), target = uniform(rng, 6, 2);
  constexpr double kFloatTolerance = 1e-4;  // relative, in the norm of each gradient
  for (const bool second_order : {false, true}) {
    const auto gd = mlp_gradient_in<double>(params, input, target, second_order);
    const auto gf = mlp_gradient_in<float>(params, input, target, second_order);
    for (std::size_t i = 0; i < params.size(); ++i) {
      const double err = (gf[i].cast<double>() - gd[i]).norm() / std::max(1e-12, gd[i].norm());
      EXPECT_LT(err, kFloatTolerance) << "parameter " << i << (second_order ? " (H v)" : "");
      EXPECT_GT(gd[i].norm(), 1e-3) << "a non-trivial gradient";
    }
  }
  // The tutorial with float and scalars of another type (x * 2.0 on a float tensor).
  Tensor<float> x = Tensor<float>::scalar(3.0f).set_requires_grad();
  const Tensor<float> f = x * x * x * 2.0;
  const Tensor<float> df = grad(f, {x}, GradOptions{true})[0];
  EXPECT_FLOAT_EQ(df.item(), 54.0f);
  EXPECT_FLOAT_EQ(grad(df, {x})[0].item(), 36.0f);
}

}  // namespace
}  // namespace metalab::ad::testing
