// The differentiable operations of MetaLab's autodiff engine (see tensor.h).
//
// Every operation's backward rule is written with operations from this file,
// so every gradient is differentiable again (exact second-order MAML,
// Hessian-vector products). Shape errors throw ShapeError naming the
// operation and the shapes.
//
// Broadcasting (add, sub, mul, div, and the comparison-free elementwise ops):
// two 2-D shapes are compatible when, in each dimension, the sizes are equal
// or one of them is 1 (numpy's rule restricted to 2-D). So a 1 x C row
// broadcasts down the rows, an R x 1 column across the columns, a 1 x 1 scalar
// everywhere, and an R x 1 column plus a 1 x C row gives R x C.
//
// Image batches are stored pixel-major ("NHWC"): a batch of N images of H x W
// pixels with C channels is an [N*H*W, C] matrix whose row n*H*W + y*W + x is
// the pixel (y, x) of image n. A convolution is then im2col followed by one
// matrix product, batch norm normalises columns, and flattening to [N, H*W*C]
// is a free reshape.
#pragma once

#include <memory>
#include <type_traits>
#include <vector>

#include "core/autodiff/tensor.h"

namespace metalab::ad {

// ---- Arithmetic with broadcasting ----
template <typename T> Tensor<T> add(const Tensor<T>& a, const Tensor<T>& b);
template <typename T> Tensor<T> sub(const Tensor<T>& a, const Tensor<T>& b);
template <typename T> Tensor<T> mul(const Tensor<T>& a, const Tensor<T>& b);
template <typename T> Tensor<T> div(const Tensor<T>& a, const Tensor<T>& b);
// a + s and a * s for a constant scalar s.
template <typename T> Tensor<T> add_scalar(const Tensor<T>& a, T s);
template <typename T> Tensor<T> mul_scalar(const Tensor<T>& a, T s);
template <typename T> Tensor<T> neg(const Tensor<T>& a);

// ---- Matrix products ----
// op(a) * op(b) where op transposes when the flag is set.
template <typename T>
Tensor<T> matmul(const Tensor<T>& a, const Tensor<T>& b, bool transpose_a = false, bool transpose_b = false);
template <typename T> Tensor<T> transpose(const Tensor<T>& a);
// Batched (block-diagonal) product for `batch` independent matrix pairs stacked
// vertically: a holds blocks a_0..a_{batch-1} (a.rows() / batch rows each), b
// holds blocks b_0..; the result stacks op(a_i) * op(b_i). With a's blocks
// [p, q] (or [q, p] when transposed) and b's [q, r] (or [r, q]) it is
// [batch * p, r]. One node for a whole batch (the memory network's per-episode
// reads and writes).
template <typename T>
Tensor<T> batched_matmul(const Tensor<T>& a, const Tensor<T>& b, int batch, bool transpose_a = false,
                         bool transpose_b = false);
// x * w + b with b a 1 x out row (the bias); one node instead of two.
template <typename T> Tensor<T> linear(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& b);

// ---- Elementwise functions ----
template <typename T> Tensor<T> exp(const Tensor<T>& a);
template <typename T> Tensor<T> log(const Tensor<T>& a);
template <typename T> Tensor<T> sqrt(const Tensor<T>& a);
template <typename T> Tensor<T> square(const Tensor<T>& a);
template <typename T> Tensor<T> pow(const Tensor<T>& a, T exponent);
template <typename T> Tensor<T> tanh(const Tensor<T>& a);
template <typename T> Tensor<T> sigmoid(const Tensor<T>& a);
template <typename T> Tensor<T> relu(const Tensor<T>& a);
template <typename T> Tensor<T> softplus(const Tensor<T>& a);
// Multiplies by a constant (non-differentiated) mask; relu's backward uses it.
template <typename T> Tensor<T> mul_constant(const Tensor<T>& a, const Mat<T>& mask);

// ---- Reductions and broadcasts ----
template <typename T> Tensor<T> sum(const Tensor<T>& a);       // -> 1 x 1
template <typename T> Tensor<T> mean(const Tensor<T>& a);      // -> 1 x 1
template <typename T> Tensor<T> col_sum(const Tensor<T>& a);   // sum down each column -> 1 x C
template <typename T> Tensor<T> col_mean(const Tensor<T>& a);  // -> 1 x C
template <typename T> Tensor<T> row_sum(const Tensor<T>& a);   // sum along each row -> R x 1
template <typename T> Tensor<T> row_mean(const Tensor<T>& a);  // -> R x 1
// Repeats a 1 x 1, 1 x C or R x 1 tensor to rows x cols (the adjoint of the sums).
template <typename T> Tensor<T> expand(const Tensor<T>& a, Eigen::Index rows, Eigen::Index cols);
// Sums a broadcast result back to a smaller shape (the adjoint of expand).
template <typename T> Tensor<T> reduce_to(const Tensor<T>& a, Eigen::Index rows, Eigen::Index cols);

// ---- Shape and indexing ----
template <typename T> Tensor<T> reshape(const Tensor<T>& a, Eigen::Index rows, Eigen::Index cols);
template <typename T> Tensor<T> concat_rows(const std::vector<Tensor<T>>& parts);  // stack vertically
template <typename T> Tensor<T> concat_cols(const std::vector<Tensor<T>>& parts);  // side by side
// The block of a starting at (row, col) with the given size.
template <typename T>
Tensor<T> slice(const Tensor<T>& a, Eigen::Index row, Eigen::Index col, Eigen::Index rows, Eigen::Index cols);
template <typename T> Tensor<T> slice_rows(const Tensor<T>& a, Eigen::Index start, Eigen::Index count);
template <typename T> Tensor<T> slice_cols(const Tensor<T>& a, Eigen::Index start, Eigen::Index count);
// Places a into a zero matrix of size rows x cols at (row, col) (the adjoint of slice).
template <typename T>
Tensor<T> pad(const Tensor<T>& a, Eigen::Index row, Eigen::Index col, Eigen::Index rows, Eigen::Index cols);
// Rows a[index[0]], a[index[1]], ... (indices may repeat).
template <typename T> Tensor<T> gather_rows(const Tensor<T>& a, const std::vector<int>& index);
// out has `rows` rows; out[index[i]] += a[i] (the adjoint of gather_rows).
template <typename T>
Tensor<T> scatter_add_rows(const Tensor<T>& a, const std::vector<int>& index, Eigen::Index rows);
// Element (i, column[i]) of each row i -> R x 1.
template <typename T> Tensor<T> pick(const Tensor<T>& a, const std::vector<int>& column);
// R x cols zeros with a[i] placed at (i, column[i]) (the adjoint of pick).
template <typename T>
Tensor<T> unpick(const Tensor<T>& a, const std::vector<int>& column, Eigen::Index cols);
// Flat (row-major) element gather: out.flat[i] = a.flat[index[i]], out is rows x cols.
template <typename T>
Tensor<T> gather_flat(const Tensor<T>& a, std::shared_ptr<const std::vector<int>> index, Eigen::Index rows,
                      Eigen::Index cols);
// out.flat[index[i]] += a.flat[i], out is rows x cols (the adjoint of gather_flat).
template <typename T>
Tensor<T> scatter_flat(const Tensor<T>& a, std::shared_ptr<const std::vector<int>> index, Eigen::Index rows,
                       Eigen::Index cols);

// ---- Losses and normalisations (row-wise over classes) ----
template <typename T> Tensor<T> log_softmax(const Tensor<T>& logits);
template <typename T> Tensor<T> softmax(const Tensor<T>& logits);
// Mean over rows of -log softmax(logits)[i, label[i]].
template <typename T> Tensor<T> cross_entropy(const Tensor<T>& logits, const std::vector<int>& labels);
// Mean over all elements of (prediction - target)^2.
template <typename T> Tensor<T> mse(const Tensor<T>& prediction, const Tensor<T>& target);

// ---- Distances between two sets of rows (a: n x d, b: m x d) -> n x m ----
template <typename T> Tensor<T> pairwise_sq_dist(const Tensor<T>& a, const Tensor<T>& b);
template <typename T> Tensor<T> cosine_similarity(const Tensor<T>& a, const Tensor<T>& b, T eps = T(1e-8));
// Each row divided by its Euclidean norm (plus eps inside the square root).
template <typename T> Tensor<T> normalize_rows(const Tensor<T>& a, T eps = T(1e-8));

// ---- Images, pixel-major [N*H*W, C] (see the header comment) ----
struct ImageShape {
  int batch = 1, height = 1, width = 1, channels = 1;
  long rows() const { return static_cast<long>(batch) * height * width; }
};
struct ConvGeometry {
  ImageShape input;
  int kernel = 3, stride = 1, padding = 1;
  int out_height() const { return (input.height + 2 * padding - kernel) / stride + 1; }
  int out_width() const { return (input.width + 2 * padding - kernel) / stride + 1; }
};
// [N*H*W, C] -> [N*OH*OW, k*k*C] patches (zero padding); column order (ky, kx, c).
template <typename T> Tensor<T> im2col(const Tensor<T>& x, const ConvGeometry& g);
// The adjoint of im2col: sums patches back into [N*H*W, C].
template <typename T> Tensor<T> col2im(const Tensor<T>& cols, const ConvGeometry& g);
// Convolution: weight is [k*k*C_in, C_out] (rows in im2col's column order), bias 1 x C_out.
// Returns [N*OH*OW, C_out]. One node computed as an implicit GEMM (kernels.h):
// the same value as conv2d_reference, without storing the patches.
template <typename T>
Tensor<T> conv2d(const Tensor<T>& x, const Tensor<T>& weight, const Tensor<T>& bias, const ConvGeometry& g);
// The plain composition conv2d stands for: linear(im2col(x), weight, bias).
template <typename T>
Tensor<T> conv2d_reference(const Tensor<T>& x, const Tensor<T>& weight, const Tensor<T>& bias, const ConvGeometry& g);
// The two halves of conv2d's backward, differentiable like every op (their
// own backwards are convolutions): for an output gradient gy [N*OH*OW, C_out],
// conv2d_input_grad = col2im(gy weight^T) [N*H*W, C_in] and
// conv2d_weight_grad = im2col(x)^T gy [k*k*C_in, C_out].
template <typename T>
Tensor<T> conv2d_input_grad(const Tensor<T>& grad_out, const Tensor<T>& weight, const ConvGeometry& g);
template <typename T>
Tensor<T> conv2d_weight_grad(const Tensor<T>& x, const Tensor<T>& grad_out, const ConvGeometry& g);
// 2 x 2 max pooling with stride 2 (odd trailing rows/columns are dropped). Returns
// [N*(H/2)*(W/2), C].
template <typename T> Tensor<T> max_pool2(const Tensor<T>& x, const ImageShape& shape);

// Batch normalisation over rows (each column is a feature/channel).
// Training: normalise with the batch mean and (biased) variance, and return them
// so the caller can update running statistics. Evaluation: use the given ones.
template <typename T>
struct BatchNormResult {
  Tensor<T> output;
  Mat<T> batch_mean, batch_var;  // 1 x C; empty in evaluation mode
};
template <typename T>
BatchNormResult<T> batch_norm_train(const Tensor<T>& x, const Tensor<T>& gamma, const Tensor<T>& beta, T eps = T(1e-5));
// A Conv4 block's tail in one node: max_pool2(relu(batch_norm_train(x))) for
// images of `shape` (x is [N*H*W, C]), without storing the normalised or
// rectified images; the backward keeps only which window position won.
// Returns the pooled [N*(H/2)*(W/2), C] output and the batch statistics.
template <typename T>
BatchNormResult<T> batch_norm_relu_pool2_train(const Tensor<T>& x, const Tensor<T>& gamma, const Tensor<T>& beta,
                                               const ImageShape& shape, T eps = T(1e-5));
// The plain composition it stands for.
template <typename T>
BatchNormResult<T> batch_norm_relu_pool2_reference(const Tensor<T>& x, const Tensor<T>& gamma, const Tensor<T>& beta,
                                                   const ImageShape& shape, T eps = T(1e-5));
template <typename T>
Tensor<T> batch_norm_eval(const Tensor<T>& x, const Tensor<T>& gamma, const Tensor<T>& beta, const Mat<T>& running_mean,
                          const Mat<T>& running_var, T eps = T(1e-5));

// ---- Operators ----
template <typename T> Tensor<T> operator+(const Tensor<T>& a, const Tensor<T>& b) { return add(a, b); }
template <typename T> Tensor<T> operator-(const Tensor<T>& a, const Tensor<T>& b) { return sub(a, b); }
template <typename T> Tensor<T> operator*(const Tensor<T>& a, const Tensor<T>& b) { return mul(a, b); }
template <typename T> Tensor<T> operator/(const Tensor<T>& a, const Tensor<T>& b) { return div(a, b); }
template <typename T> Tensor<T> operator-(const Tensor<T>& a) { return neg(a); }
// Scalars of any arithmetic type convert to the tensor's scalar type (x * 2.0 on a float tensor).
template <typename S> using IfScalar = std::enable_if_t<std::is_arithmetic_v<S>, int>;
template <typename T, typename S, IfScalar<S> = 0> Tensor<T> operator+(const Tensor<T>& a, S s) { return add_scalar(a, T(s)); }
template <typename T, typename S, IfScalar<S> = 0> Tensor<T> operator+(S s, const Tensor<T>& a) { return add_scalar(a, T(s)); }
template <typename T, typename S, IfScalar<S> = 0> Tensor<T> operator-(const Tensor<T>& a, S s) { return add_scalar(a, T(-s)); }
template <typename T, typename S, IfScalar<S> = 0> Tensor<T> operator-(S s, const Tensor<T>& a) { return add_scalar(neg(a), T(s)); }
template <typename T, typename S, IfScalar<S> = 0> Tensor<T> operator*(const Tensor<T>& a, S s) { return mul_scalar(a, T(s)); }
template <typename T, typename S, IfScalar<S> = 0> Tensor<T> operator*(S s, const Tensor<T>& a) { return mul_scalar(a, T(s)); }
template <typename T, typename S, IfScalar<S> = 0> Tensor<T> operator/(const Tensor<T>& a, S s) { return mul_scalar(a, T(1) / T(s)); }

}  // namespace metalab::ad
