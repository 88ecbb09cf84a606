// The fast paths against the plain code they replace.
//
// kernels.h's matrix products and convolutions against Eigen and against
// im2col / col2im, for every dispatch path (small products, matrix-vector,
// register tiles over packed panels; the flipped-filter input gradient and
// its col2im fallback), in float and double; results that do not depend on
// the thread count; and each fused op (conv2d and its two gradients, batch
// norm + ReLU + pooling) against its plain composition: the same value, the
// same gradient and the same Hessian-vector product (so exact second-order
// MAML through a Conv4 is unchanged).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/autodiff/kernels.h"
#include "tests/autodiff/gradcheck.h"

namespace metalab::ad::testing {
namespace {

using Eigen::Index;

template <typename T>
Mat<T> random_matrix(Rng& rng, Index rows, Index cols) {
  Mat<T> m(rows, cols);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<T>(rng.uniform(-1.0, 1.0));
  return m;
}

// Largest |a - b| relative to the largest |b| (1 when b is all zero).
template <typename T>
double relative_error(const Mat<T>& a, const Mat<T>& b) {
  const double scale = std::max(1e-30, static_cast<double>(b.cwiseAbs().maxCoeff()));
  return static_cast<double>((a - b).cwiseAbs().maxCoeff()) / scale;
}

// Agreement of a kernel with the plain expression: products reorder sums and
// use fused multiply-adds, so they agree to rounding, scaled by the depth.
template <typename T>
double rounding_tolerance(Index depth) {
  return (std::is_same_v<T, float> ? 2e-6 : 1e-14) * std::max<Index>(8, depth);
}

struct ProductShape {
  Index m, k, n;
};

// Every dispatch path of kernels::matmul: small (row axpy, dot products, few
// columns, Eigen's gemv and short dot products) and packed (edge tiles in
// both directions, two depth blocks, two column blocks).
std::vector<ProductShape> product_shapes() {
  return {{1, 1, 1},    {1, 7, 5},     {5, 1, 9},     {10, 1, 40},  {10, 40, 40}, {10, 40, 1},  {3, 17, 4},
          {16, 201, 37}, {16, 5, 228}, {75, 64, 5},   {64, 75, 5},  {49, 33, 17}, {96, 64, 64}, {100, 700, 19},
          {53, 20, 1100}, {130, 3, 70}};
}

template <typename T>
void check_matmul() {
  Rng rng(301);
  for (const ProductShape& s : product_shapes()) {
    for (int variant = 0; variant < 4; ++variant) {
      const bool ta = variant & 1, tb = variant & 2;
      const Mat<T> a = ta ? random_matrix<T>(rng, s.k, s.m) : random_matrix<T>(rng, s.m, s.k);
      const Mat<T> b = tb ? random_matrix<T>(rng, s.n, s.k) : random_matrix<T>(rng, s.k, s.n);
      const Mat<T> bias = random_matrix<T>(rng, 1, s.n), start = random_matrix<T>(rng, s.m, s.n);
      const Mat<T> opa = ta ? Mat<T>(a.transpose()) : a, opb = tb ? Mat<T>(b.transpose()) : b;
      const Mat<T> product = opa * opb;
      const std::string what = std::to_string(s.m) + "x" + std::to_string(s.k) + "x" + std::to_string(s.n) +
                               (ta ? " a^T" : "") + (tb ? " b^T" : "");
      const kernels::Operand<T> oa{a.data(), a.cols(), ta}, ob{b.data(), b.cols(), tb};
      Mat<T> c(s.m, s.n);
      kernels::matmul<T>(s.m, s.n, s.k, oa, ob, c.data(), s.n, false);
      EXPECT_LE(relative_error(c, product), rounding_tolerance<T>(s.k)) << what;
      kernels::matmul<T>(s.m, s.n, s.k, oa, ob, c.data(), s.n, false, bias.data());
      const Mat<T> with_bias = product.rowwise() + bias.row(0);
      EXPECT_LE(relative_error(c, with_bias), rounding_tolerance<T>(s.k)) << what << " + bias";
      c = start;
      kernels::matmul<T>(s.m, s.n, s.k, oa, ob, c.data(), s.n, true);
      const Mat<T> accumulated = start + product;
      EXPECT_LE(relative_error(c, accumulated), rounding_tolerance<T>(s.k)) << what << " accumulated";
    }
  }
}

TEST(Kernels, MatmulEqualsEigenFloat) { check_matmul<float>(); }
TEST(Kernels, MatmulEqualsEigenDouble) { check_matmul<double>(); }

ConvGeometry geometry(int batch, int height, int width, int channels, int kernel, int stride, int padding) {
  ConvGeometry g;
  g.input = ImageShape{batch, height, width, channels};
  g.kernel = kernel;
  g.stride = stride;
  g.padding = padding;
  return g;
}

std::string str(const ConvGeometry& g) {
  return "N" + std::to_string(g.input.batch) + " " + std::to_string(g.input.height) + "x" +
         std::to_string(g.input.width) + "x" + std::to_string(g.input.channels) + " k" + std::to_string(g.kernel) +
         " s" + std::to_string(g.stride) + " p" + std::to_string(g.padding);
}

// Conv4's layers (1 and many channels), stride 2, no padding, 1x1 and 2x2
// kernels, odd sizes; enough channels for the flipped-filter input gradient.
std::vector<std::pair<ConvGeometry, Index>> conv_cases() {
  return {{geometry(3, 9, 7, 1, 3, 1, 1), 20},  {geometry(2, 6, 5, 20, 3, 1, 1), 19}, {geometry(2, 7, 6, 17, 3, 2, 1), 5},
          {geometry(1, 5, 5, 18, 3, 1, 0), 16}, {geometry(2, 4, 5, 3, 2, 1, 0), 7},   {geometry(2, 5, 4, 33, 1, 1, 0), 3},
          {geometry(4, 3, 3, 64, 3, 1, 1), 64}};
}

template <typename T>
void check_conv() {
  Rng rng(302);
  for (const auto& [g, cout] : conv_cases()) {
    const Index rows = static_cast<Index>(g.input.batch) * g.out_height() * g.out_width();
    const Index patch = static_cast<Index>(g.kernel) * g.kernel * g.input.channels;
    const Mat<T> x = random_matrix<T>(rng, g.input.rows(), g.input.channels);
    const Mat<T> w = random_matrix<T>(rng, patch, cout), bias = random_matrix<T>(rng, 1, cout);
    const Mat<T> gy = random_matrix<T>(rng, rows, cout);
    Mat<T> cols, back;
    {
      NoGradGuard no_grad;
      cols = im2col(Tensor<T>(x), g).value();
      back = col2im(Tensor<T>(Mat<T>(gy * w.transpose())), g).value();
    }
    Mat<T> y(rows, cout), dx(g.input.rows(), g.input.channels), dw(patch, cout);
    kernels::conv2d_forward<T>(g, x.data(), w.data(), cout, bias.data(), y.data());
    const Mat<T> expected_y = (cols * w).rowwise() + bias.row(0);
    EXPECT_LE(relative_error(y, expected_y), rounding_tolerance<T>(patch)) << "forward " << str(g);
    kernels::conv2d_input_grad<T>(g, gy.data(), w.data(), cout, dx.data());
    EXPECT_LE(relative_error(dx, back), rounding_tolerance<T>(patch)) << "input gradient " << str(g);
    kernels::conv2d_weight_grad<T>(g, x.data(), gy.data(), cout, dw.data());
    const Mat<T> expected_dw = cols.transpose() * gy;
    EXPECT_LE(relative_error(dw, expected_dw), rounding_tolerance<T>(rows)) << "weight gradient " << str(g);
    Mat<T> db(1, cout);
    kernels::conv2d_weight_grad<T>(g, x.data(), gy.data(), cout, dw.data(), db.data());
    EXPECT_LE(relative_error(dw, expected_dw), rounding_tolerance<T>(rows)) << "weight gradient with bias " << str(g);
    const Mat<T> expected_db = gy.colwise().sum();
    EXPECT_LE(relative_error(db, expected_db), rounding_tolerance<T>(rows)) << "bias gradient " << str(g);
  }
}

TEST(Kernels, ConvolutionsEqualIm2colFloat) { check_conv<float>(); }
TEST(Kernels, ConvolutionsEqualIm2colDouble) { check_conv<double>(); }

// Threads split whole blocks of the output, so the result is bit for bit the
// same for any thread count (natively with OpenMP; one thread elsewhere).
TEST(Kernels, SameBitsForAnyThreadCount) {
  Rng rng(303);
  const ConvGeometry g = geometry(8, 14, 14, 64, 3, 1, 1);
  const Index rows = g.input.rows(), patch = 9 * 64;
  const Mat<float> x = random_matrix<float>(rng, rows, 64), w = random_matrix<float>(rng, patch, 64);
  const Mat<float> gy = random_matrix<float>(rng, rows, 64), a = random_matrix<float>(rng, 500, 300);
  auto run = [&](int threads) {
    const int previous = Eigen::nbThreads();
    Eigen::setNbThreads(threads);
    std::vector<Mat<float>> out{Mat<float>(rows, 64), Mat<float>(rows, 64), Mat<float>(patch, 64),
                                Mat<float>(500, 64)};
    kernels::conv2d_forward<float>(g, x.data(), w.data(), 64, nullptr, out[0].data());
    kernels::conv2d_input_grad<float>(g, gy.data(), w.data(), 64, out[1].data());
    kernels::conv2d_weight_grad<float>(g, x.data(), gy.data(), 64, out[2].data());
    kernels::matmul<float>(500, 64, 300, {a.data(), 300, false}, {w.data(), 64, false}, out[3].data(), 64, false);
    Eigen::setNbThreads(previous);
    return out;
  };
  const auto one = run(1), two = run(2);
  for (std::size_t i = 0; i < one.size(); ++i) EXPECT_TRUE(one[i] == two[i]) << "result " << i;
}

// Two functions of the same inputs agree in value, gradient and
// Hessian-vector product (double backward) of sum(f(x) * R).
void expect_same_derivatives(const std::string& name, const Fn& fast, const Fn& plain, const std::vector<MD>& x,
                             std::uint64_t seed) {
  SCOPED_TRACE(name);
  constexpr double kTolerance = 1e-11;
  const MD r = output_weighting(plain, x, seed);
  Rng rng(seed ^ 0xabcULL);
  std::vector<MD> v;
  for (const auto& xi : x) v.push_back(normal(rng, xi.rows(), xi.cols()));
  struct Derivatives {
    MD value;
    std::vector<MD> grads, hvp;
  };
  auto derivatives = [&](const Fn& f) {
    Derivatives d;
    const std::vector<TD> leaves = make_leaves(x, true);
    const TD y = f(leaves);
    d.value = y.value();
    const std::vector<TD> g = grad(sum(mul(y, TD(r))), leaves, GradOptions{true});
    TD gv = TD::scalar(0.0);
    for (std::size_t i = 0; i < g.size(); ++i) {
      d.grads.push_back(g[i].value());
      gv = add(gv, sum(mul(g[i], TD(v[i]))));
    }
    for (const TD& h : grad(gv, leaves)) d.hvp.push_back(h.value());
    return d;
  };
  const Derivatives a = derivatives(fast), b = derivatives(plain);
  expect_matrices_agree("value", a.value, b.value, kTolerance);
  for (std::size_t i = 0; i < x.size(); ++i) {
    expect_matrices_agree("gradient " + std::to_string(i), a.grads[i], b.grads[i], kTolerance);
    expect_matrices_agree("Hessian-vector product " + std::to_string(i), a.hvp[i], b.hvp[i], kTolerance);
  }
}

TEST(FastPaths, Conv2dEqualsIm2colThenLinear) {
  Rng rng(304);
  for (const auto& [g, cout] : conv_cases()) {
    const Index patch = static_cast<Index>(g.kernel) * g.kernel * g.input.channels;
    const std::vector<MD> x{uniform(rng, g.input.rows(), g.input.channels), uniform(rng, patch, cout),
                            uniform(rng, 1, cout)};
    // tanh makes the second derivative depend on the convolution's value.
    const ConvGeometry geom = g;
    expect_same_derivatives(
        "conv2d " + str(g), [geom](const std::vector<TD>& v) { return tanh(conv2d(v[0], v[1], v[2], geom)); },
        [geom](const std::vector<TD>& v) { return tanh(conv2d_reference(v[0], v[1], v[2], geom)); }, x,
        rng.next_u64());
  }
}

TEST(FastPaths, ConvolutionGradientsEqualTheirDefinitions) {
  Rng rng(305);
  for (const auto& [g, cout] : conv_cases()) {
    const Index rows = static_cast<Index>(g.input.batch) * g.out_height() * g.out_width();
    const Index patch = static_cast<Index>(g.kernel) * g.kernel * g.input.channels;
    const ConvGeometry geom = g;
    const std::vector<MD> input_grad_args{uniform(rng, rows, cout), uniform(rng, patch, cout)};
    expect_same_derivatives(
        "conv2d_input_grad " + str(g),
        [geom](const std::vector<TD>& v) { return square(conv2d_input_grad(v[0], v[1], geom)); },
        [geom](const std::vector<TD>& v) { return square(col2im(matmul(v[0], v[1], false, true), geom)); },
        input_grad_args, rng.next_u64());
    const std::vector<MD> weight_grad_args{uniform(rng, g.input.rows(), g.input.channels), uniform(rng, rows, cout)};
    expect_same_derivatives(
        "conv2d_weight_grad " + str(g),
        [geom](const std::vector<TD>& v) { return square(conv2d_weight_grad(v[0], v[1], geom)); },
        [geom](const std::vector<TD>& v) { return square(matmul(im2col(v[0], geom), v[1], true, false)); },
        weight_grad_args, rng.next_u64());
  }
}

TEST(FastPaths, BatchNormReluPoolEqualsThePlainChain) {
  Rng rng(306);
  // Odd sizes leave rows outside every window; gamma of both signs.
  const std::vector<ImageShape> shapes{{2, 4, 4, 3}, {2, 5, 7, 2}, {1, 3, 2, 17}, {3, 2, 2, 1}};
  for (const ImageShape& s : shapes) {
    const std::vector<MD> x{uniform(rng, s.rows(), s.channels, -2.0, 2.0), uniform(rng, 1, s.channels, -1.5, 1.5),
                            uniform(rng, 1, s.channels)};
    const std::string name = "N" + std::to_string(s.batch) + " " + std::to_string(s.height) + "x" +
                             std::to_string(s.width) + "x" + std::to_string(s.channels);
    {
      NoGradGuard no_grad;
      const auto fast = batch_norm_relu_pool2_train(TD(x[0]), TD(x[1]), TD(x[2]), s);
      const auto plain = batch_norm_relu_pool2_reference(TD(x[0]), TD(x[1]), TD(x[2]), s);
      EXPECT_TRUE(fast.output.value() == plain.output.value()) << name << ": the same values, bit for bit";
      EXPECT_TRUE(fast.batch_mean == plain.batch_mean && fast.batch_var == plain.batch_var) << name;
    }
    // tanh so that second derivatives involve the output's value.
    expect_same_derivatives(
        "batch_norm_relu_pool2 " + name,
        [s](const std::vector<TD>& v) { return tanh(batch_norm_relu_pool2_train(v[0], v[1], v[2], s).output); },
        [s](const std::vector<TD>& v) { return tanh(batch_norm_relu_pool2_reference(v[0], v[1], v[2], s).output); }, x,
        rng.next_u64());
  }
}

}  // namespace
}  // namespace metalab::ad::testing
