// The loops behind the heavy operations of ops.cpp, on raw row-major storage.
//
//   matmul         C = op(A) op(B): plain register-blocked loops for small
//                  operands (MAML's 10 x 40 layers, where packing would cost
//                  more than it saves) and, for large ones, a micro-kernel of
//                  MR x NR register tiles over packed, cache-blocked panels
//                  (the layout of BLIS; Goto & van de Geijn 2008).
//   conv2d_*       a convolution as an implicit GEMM: im2col's patches are
//                  gathered straight into the packed panels and never stored
//                  as a matrix. The input gradient of a stride-1 convolution
//                  is the same kernel run on the output gradient with the
//                  flipped filter; the weight gradient gathers the patches
//                  again (nothing of the forward pass is kept but its input).
//
// Everything is written with Eigen's packet primitives (pset1, ploadu, pmadd),
// so the one source vectorises with AVX2 + FMA (or AVX-512) natively and with
// SSE2, which Emscripten maps to WebAssembly SIMD, in the browser.
//
// Results do not depend on the number of threads: natively with OpenMP, when
// Eigen::nbThreads() > 1, threads take whole blocks of output rows, and every
// output element sums over k in one fixed order.
//
// ops.cpp calls these for float and double; tests/autodiff/kernels_test.cpp
// checks each against the plain Eigen expression it replaces.
#pragma once

#include <Eigen/Core>

#include "core/autodiff/ops.h"

namespace metalab::ad::kernels {

using Eigen::Index;

// A row-major operand: element (i, j) of op(X) is data[i * stride + j], or
// data[j * stride + i] when transposed.
template <typename T>
struct Operand {
  const T* data;
  Index stride;
  bool transposed = false;
};

// c (m x n, row stride ldc) = op(a) op(b) with op(a) m x k and op(b) k x n;
// c += op(a) op(b) when accumulate. bias (n values, or null) is added to every
// row when not accumulating (a linear layer in one pass).
template <typename T>
void matmul(Index m, Index n, Index k, Operand<T> a, Operand<T> b, T* c, Index ldc, bool accumulate,
            const T* bias = nullptr);

// y [N*OH*OW, cout] = im2col(x) w + bias for x [N*H*W, C] (pixel-major, see
// ops.h), w [k*k*C, cout] in im2col's row order, bias cout values or null.
template <typename T>
void conv2d_forward(const ConvGeometry& g, const T* x, const T* w, Index cout, const T* bias, T* y);

// dx [N*H*W, C] = col2im(gy w^T): the input gradient for the output gradient
// gy [N*OH*OW, cout].
template <typename T>
void conv2d_input_grad(const ConvGeometry& g, const T* gy, const T* w, Index cout, T* dx);

// dw [k*k*C, cout] = im2col(x)^T gy: the weight gradient; and, when
// bias_grad is not null, gy's column sums (the bias gradient, cout values).
template <typename T>
void conv2d_weight_grad(const ConvGeometry& g, const T* x, const T* gy, Index cout, T* dw, T* bias_grad = nullptr);

}  // namespace metalab::ad::kernels
