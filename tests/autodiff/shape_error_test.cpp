// Shape mismatches and invalid arguments throw ShapeError, and the message
// names the operation and the shapes (or the offending index) involved.
#include <gtest/gtest.h>

#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/autodiff/gradcheck.h"

namespace metalab::ad::testing {
namespace {

TD zeros(Eigen::Index r, Eigen::Index c) { return TD::zeros(r, c); }

template <typename F>
void expect_shape_error(const char* what, F&& f, std::initializer_list<const char*> fragments) {
  SCOPED_TRACE(what);
  try {
    f();
    ADD_FAILURE() << "expected a ShapeError, nothing was thrown";
  } catch (const ShapeError& e) {
    const std::string msg = e.what();
    for (const char* fragment : fragments)
      EXPECT_NE(msg.find(fragment), std::string::npos) << "message \"" << msg << "\" does not mention \"" << fragment
                                                       << "\"";
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected a ShapeError, got another exception: " << e.what();
  }
}

TEST(ShapeErrors, AreInvalidArgumentErrors) {
  EXPECT_THROW(add(zeros(3, 4), zeros(2, 4)), std::invalid_argument);
}

TEST(ShapeErrors, ElementwiseNonBroadcastable) {
  expect_shape_error("add", [] { add(zeros(3, 4), zeros(2, 4)); }, {"add", "[3x4]", "[2x4]"});
  expect_shape_error("add columns", [] { add(zeros(3, 4), zeros(3, 2)); }, {"add", "[3x4]", "[3x2]"});
  expect_shape_error("sub", [] { sub(zeros(1, 3), zeros(1, 4)); }, {"sub", "[1x3]", "[1x4]"});
  expect_shape_error("mul", [] { mul(zeros(2, 1), zeros(3, 1)); }, {"mul", "[2x1]", "[3x1]"});
  expect_shape_error("div", [] { div(zeros(2, 3), zeros(3, 2)); }, {"div", "[2x3]", "[3x2]"});
  expect_shape_error("operator+", [] { zeros(2, 3) + zeros(4, 3); }, {"add", "[2x3]", "[4x3]"});
}

TEST(ShapeErrors, MatmulInnerMismatch) {
  expect_shape_error("plain", [] { matmul(zeros(2, 3), zeros(4, 5)); }, {"matmul", "[2x3]", "[4x5]"});
  expect_shape_error("a transposed", [] { matmul(zeros(2, 3), zeros(3, 5), true, false); },
                     {"matmul", "[2x3]", "[3x5]", "transposed"});
  expect_shape_error("b transposed", [] { matmul(zeros(2, 3), zeros(3, 5), false, true); },
                     {"matmul", "[2x3]", "[3x5]", "transposed"});
  expect_shape_error("both transposed", [] { matmul(zeros(2, 3), zeros(3, 5), true, true); },
                     {"matmul", "[2x3]", "[3x5]"});
}

TEST(ShapeErrors, Linear) {
  expect_shape_error("bias columns", [] { linear(zeros(2, 3), zeros(3, 4), zeros(1, 3)); },
                     {"linear", "[3x4]", "[1x3]", "bias"});
  expect_shape_error("bias rows", [] { linear(zeros(2, 3), zeros(3, 4), zeros(2, 4)); },
                     {"linear", "[3x4]", "[2x4]", "bias"});
  expect_shape_error("input vs weight", [] { linear(zeros(2, 5), zeros(3, 4), zeros(1, 4)); },
                     {"linear", "[2x5]", "[3x4]"});
}

TEST(ShapeErrors, ConcatMismatched) {
  expect_shape_error("concat_rows", [] { concat_rows(std::vector<TD>{zeros(2, 3), zeros(2, 4)}); },
                     {"concat_rows", "[2x3]", "[2x4]"});
  expect_shape_error("concat_cols", [] { concat_cols(std::vector<TD>{zeros(2, 3), zeros(1, 3), zeros(3, 3)}); },
                     {"concat_cols", "[2x3]", "[1x3]"});
  expect_shape_error("concat_rows empty", [] { concat_rows(std::vector<TD>{}); }, {"concat_rows"});
}

TEST(ShapeErrors, SliceAndPadOutOfRange) {
  expect_shape_error("slice past the end", [] { slice(zeros(3, 4), 2, 0, 2, 4); }, {"slice", "[3x4]", "[2x4]"});
  expect_shape_error("slice negative", [] { slice(zeros(3, 4), -1, 0, 1, 1); }, {"slice", "[3x4]"});
  expect_shape_error("slice_rows", [] { slice_rows(zeros(3, 4), 1, 3); }, {"slice", "[3x4]", "[3x4]"});
  expect_shape_error("slice_cols", [] { slice_cols(zeros(3, 4), 4, 1); }, {"slice", "[3x4]", "[3x1]"});
  expect_shape_error("pad", [] { pad(zeros(2, 2), 2, 0, 3, 3); }, {"pad", "[2x2]", "[3x3]"});
}

TEST(ShapeErrors, IndexOutOfRange) {
  expect_shape_error("gather_rows past the end", [] { gather_rows(zeros(4, 3), {0, 4}); },
                     {"gather_rows", "index 4", "4 rows"});
  expect_shape_error("gather_rows negative", [] { gather_rows(zeros(4, 3), {-1}); }, {"gather_rows", "index -1"});
  expect_shape_error("scatter_add_rows count", [] { scatter_add_rows(zeros(3, 2), {0, 1}, 4); },
                     {"scatter_add_rows", "2 indices", "[3x2]"});
  expect_shape_error("scatter_add_rows index", [] { scatter_add_rows(zeros(2, 2), {0, 4}, 4); },
                     {"scatter_add_rows", "index 4"});
  expect_shape_error("pick count", [] { pick(zeros(3, 4), {0, 1}); }, {"pick", "[3x4]"});
  expect_shape_error("pick column", [] { pick(zeros(2, 4), {0, 4}); }, {"pick", "index 4"});
  expect_shape_error("unpick", [] { unpick(zeros(2, 2), {0, 1}, 3); }, {"unpick", "[2x2]"});
  expect_shape_error("gather_flat count",
                     [] { gather_flat(zeros(2, 2), std::make_shared<const std::vector<int>>(3, 0), 2, 2); },
                     {"gather_flat", "[2x2]"});
}

TEST(ShapeErrors, CrossEntropyLabels) {
  expect_shape_error("label out of range", [] { cross_entropy(zeros(3, 4), {0, 4, 1}); },
                     {"cross_entropy", "index 4", "4 classes"});
  expect_shape_error("negative label", [] { cross_entropy(zeros(3, 4), {0, -1, 1}); }, {"cross_entropy", "index -1"});
  expect_shape_error("too few labels", [] { cross_entropy(zeros(3, 4), {0, 1}); },
                     {"cross_entropy", "2 labels", "[3x4]"});
  expect_shape_error("too many labels", [] { cross_entropy(zeros(3, 4), {0, 1, 2, 3}); },
                     {"cross_entropy", "4 labels", "[3x4]"});
}

TEST(ShapeErrors, MseShapeMismatchDoesNotBroadcast) {
  expect_shape_error("column vs row", [] { mse(zeros(3, 1), zeros(1, 3)); }, {"mse", "[3x1]", "[1x3]"});
  expect_shape_error("scalar target", [] { mse(zeros(3, 2), zeros(1, 1)); }, {"mse", "[3x2]", "[1x1]"});
}

TEST(ShapeErrors, ReshapeWrongSize) {
  expect_shape_error("reshape", [] { reshape(zeros(3, 4), 5, 2); }, {"reshape", "[3x4]", "[5x2]"});
  expect_shape_error("reshape negative", [] { reshape(zeros(3, 4), -3, -4); }, {"reshape", "[3x4]"});
}

ConvGeometry geometry(int batch, int height, int width, int channels, int kernel, int stride, int padding) {
  ConvGeometry g;
  g.input = ImageShape{batch, height, width, channels};
  g.kernel = kernel;
  g.stride = stride;
  g.padding = padding;
  return g;
}

TEST(ShapeErrors, ConvGeometry) {
  const ConvGeometry g = geometry(2, 4, 4, 3, 3, 1, 1);  // x: [32x3], weight: [27xC_out]
  expect_shape_error("input rows", [&] { conv2d(zeros(30, 3), zeros(27, 2), zeros(1, 2), g); },
                     {"conv2d", "[30x3]", "[32x3]"});
  expect_shape_error("input channels", [&] { conv2d(zeros(32, 2), zeros(27, 2), zeros(1, 2), g); },
                     {"conv2d", "[32x2]", "[32x3]"});
  expect_shape_error("weight rows", [&] { conv2d(zeros(32, 3), zeros(18, 2), zeros(1, 2), g); },
                     {"conv2d", "[18x2]", "27"});
  expect_shape_error("bias", [&] { conv2d(zeros(32, 3), zeros(27, 2), zeros(1, 3), g); }, {"[27x2]", "[1x3]"});
  expect_shape_error("im2col input", [&] { im2col(zeros(32, 2), g); }, {"im2col", "[32x2]", "[32x3]"});
  expect_shape_error("col2im columns", [&] { col2im(zeros(32, 26), g); }, {"col2im", "[32x26]", "[32x27]"});
  expect_shape_error("kernel larger than the image", [] { im2col(zeros(8, 1), geometry(2, 2, 2, 1, 3, 1, 0)); },
                     {"im2col", "invalid geometry"});
  // (2 + 0 - 3) / 2 + 1 == 1 in integer arithmetic: the kernel must still fit in the padded image.
  expect_shape_error("kernel larger than the image, stride 2",
                     [] { im2col(zeros(8, 1), geometry(2, 2, 2, 1, 3, 2, 0)); }, {"im2col", "invalid geometry"});
  expect_shape_error("stride 0", [] { im2col(zeros(8, 1), geometry(2, 2, 2, 1, 1, 0, 0)); },
                     {"im2col", "invalid geometry", "stride 0"});
  expect_shape_error("max_pool2", [] { max_pool2(zeros(15, 2), ImageShape{1, 4, 4, 2}); },
                     {"max_pool2", "[15x2]", "4x4x2"});
  expect_shape_error("max_pool2 too small", [] { max_pool2(zeros(3, 1), ImageShape{1, 1, 3, 1}); },
                     {"max_pool2", "[3x1]"});
}

TEST(ShapeErrors, BatchNorm) {
  expect_shape_error("gamma", [] { batch_norm_train(zeros(4, 3), zeros(1, 2), zeros(1, 3)); },
                     {"batch_norm", "gamma", "[4x3]", "[1x2]"});
  expect_shape_error("beta", [] { batch_norm_train(zeros(4, 3), zeros(1, 3), zeros(3, 1)); },
                     {"batch_norm", "beta", "[4x3]", "[3x1]"});
  expect_shape_error("undefined gamma", [] { batch_norm_train(zeros(4, 3), TD(), zeros(1, 3)); },
                     {"batch_norm", "undefined"});
  expect_shape_error("one row", [] { batch_norm_train(zeros(1, 3), zeros(1, 3), zeros(1, 3)); },
                     {"batch_norm", "[1x3]"});
  const MD mean = MD::Zero(1, 3), var = MD::Ones(1, 3);
  // A per-row gamma would broadcast silently into a different computation.
  expect_shape_error("eval gamma", [&] { batch_norm_eval(zeros(4, 3), zeros(4, 3), zeros(1, 3), mean, var); },
                     {"batch_norm", "gamma", "[4x3]"});
  expect_shape_error("eval beta", [&] { batch_norm_eval(zeros(4, 3), zeros(1, 3), zeros(4, 3), mean, var); },
                     {"batch_norm", "beta", "[4x3]"});
  expect_shape_error("eval running mean", [&] { batch_norm_eval(zeros(4, 3), zeros(1, 3), zeros(1, 3), MD(MD::Zero(1, 2)), var); },
                     {"batch_norm", "running mean", "[1x2]", "[4x3]"});
  expect_shape_error("eval running variance", [&] { batch_norm_eval(zeros(4, 3), zeros(1, 3), zeros(1, 3), mean, MD(MD::Ones(2, 3))); },
                     {"batch_norm", "variance", "[2x3]", "[4x3]"});
}

TEST(ShapeErrors, ReductionsAndDistances) {
  expect_shape_error("expand", [] { expand(zeros(2, 3), 4, 3); }, {"expand", "[2x3]", "[4x3]"});
  expect_shape_error("reduce_to", [] { reduce_to(zeros(2, 3), 2, 2); }, {"reduce_to", "[2x3]", "[2x2]"});
  expect_shape_error("pairwise_sq_dist", [] { pairwise_sq_dist(zeros(2, 3), zeros(4, 2)); },
                     {"pairwise_sq_dist", "[2x3]", "[4x2]"});
  expect_shape_error("cosine_similarity", [] { cosine_similarity(zeros(2, 3), zeros(4, 2)); },
                     {"cosine_similarity", "[2x3]", "[4x2]"});
  expect_shape_error("mul_constant", [] { mul_constant(zeros(2, 3), MD(MD::Ones(3, 2))); },
                     {"mul_constant", "[2x3]", "[3x2]"});
  expect_shape_error("undefined operand", [] { exp(TD()); }, {"exp", "undefined"});
}

TEST(ShapeErrors, ItemOfNonScalar) {
  expect_shape_error("item", [] { zeros(2, 3).item(); }, {"item", "[2x3]"});
  expect_shape_error("item of a row", [] { zeros(1, 2).item(); }, {"item", "[1x2]"});
  EXPECT_EQ(TD::scalar(4.5).item(), 4.5);
}

TEST(ShapeErrors, GradOfNonScalarOutput) {
  TD x = zeros(2, 3);
  x.set_requires_grad();
  expect_shape_error("grad", [&] { grad(mul_scalar(x, 2.0), {x}); }, {"grad", "[2x3]"});
  expect_shape_error("grad_outputs shape", [&] { grad(std::vector<TD>{mul_scalar(x, 2.0)}, std::vector<TD>{zeros(3, 2)}, std::vector<TD>{x}); },
                     {"grad", "[2x3]", "[3x2]"});
  expect_shape_error("grad_outputs count", [&] { grad(std::vector<TD>{x, x}, std::vector<TD>{zeros(2, 3)}, std::vector<TD>{x}); }, {"grad", "2 outputs"});
  expect_shape_error("requires_grad on a result", [&] {
    TD y = mul_scalar(x, 2.0);
    y.set_requires_grad();
  }, {"requires_grad", "mul_scalar"});
}

}  // namespace
}  // namespace metalab::ad::testing
