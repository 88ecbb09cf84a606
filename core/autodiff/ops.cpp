// Forward values and backward rules of every operation in ops.h. Backward
// rules only use differentiable operations, so gradients of gradients work.
#include "core/autodiff/ops.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>

#include "core/autodiff/kernels.h"

namespace metalab::ad {

using Eigen::Index;

namespace {

template <typename T>
using Grads = std::vector<Tensor<T>>;

std::string shape_of(Index r, Index c) {
  std::ostringstream s;
  s << "[" << r << "x" << c << "]";
  return s.str();
}

template <typename T>
[[noreturn]] void shape_fail(const char* op, const Tensor<T>& a, const Tensor<T>& b, const char* why) {
  throw ShapeError(std::string(op) + ": " + why + ": " + a.shape_string() + " and " + b.shape_string());
}

template <typename T>
void require_defined(const char* op, const Tensor<T>& a) {
  if (!a.defined()) throw ShapeError(std::string(op) + ": operand is undefined");
}

template <typename T>
std::pair<Index, Index> broadcast_shape(const char* op, const Tensor<T>& a, const Tensor<T>& b) {
  require_defined(op, a);
  require_defined(op, b);
  auto dim = [&](Index x, Index y) -> Index {
    if (x == y || y == 1) return x;
    if (x == 1) return y;
    shape_fail(op, a, b, "shapes do not broadcast");
  };
  return {dim(a.rows(), b.rows()), dim(a.cols(), b.cols())};
}

template <typename T>
Mat<T> expand_value(const Mat<T>& v, Index rows, Index cols) {
  if (v.rows() == rows && v.cols() == cols) return v;
  // Row, column and scalar broadcasts as plain copies: Eigen's generic
  // replicate() computes an index modulo per element (several times slower).
  Mat<T> out = new_value<T>(rows, cols);
  if (v.rows() == 1 && v.cols() == 1) out.setConstant(v(0, 0));
  else if (v.rows() == 1 && v.cols() == cols) out.rowwise() = v.row(0);
  else if (v.cols() == 1 && v.rows() == rows) out.colwise() = v.col(0);
  else out = v.replicate(rows / v.rows(), cols / v.cols());
  return out;
}

// Applies an elementwise binary function with broadcasting.
template <typename T, typename F>
Mat<T> broadcast_apply(const char* op, const Tensor<T>& a, const Tensor<T>& b, F f) {
  const auto [rows, cols] = broadcast_shape(op, a, b);
  const Mat<T>& av = a.value();
  const Mat<T>& bv = b.value();
  Mat<T> out = new_value<T>(rows, cols);
  if (av.rows() == rows && av.cols() == cols && bv.rows() == rows && bv.cols() == cols) {
    out.array() = f(av.array(), bv.array());
  } else if (av.rows() == rows && av.cols() == cols && bv.rows() == 1 && bv.cols() == cols) {
    for (Index i = 0; i < rows; ++i) out.row(i).array() = f(av.row(i).array(), bv.row(0).array());
  } else if (av.rows() == rows && av.cols() == cols && bv.rows() == rows && bv.cols() == 1) {
    // A column broadcast across the columns (per-row scales: normalize_rows, masks).
    using RowArray = Eigen::Array<T, 1, Eigen::Dynamic>;
    for (Index i = 0; i < rows; ++i) out.row(i).array() = f(av.row(i).array(), RowArray::Constant(cols, bv(i, 0)));
  } else {
    const Mat<T> ae = expand_value(av, rows, cols);
    const Mat<T> be = expand_value(bv, rows, cols);
    out.array() = f(ae.array(), be.array());
  }
  return out;
}

// The gradient for input j when it needs one; undefined otherwise.
template <typename T, typename F>
Tensor<T> if_needed(const Inputs<T>& in, std::size_t j, F make) {
  return in[j].requires_grad() ? make() : Tensor<T>();
}

std::shared_ptr<const std::vector<int>> share(const std::vector<int>& v) {
  return std::make_shared<const std::vector<int>>(v);
}

template <typename T>
Tensor<T> gather_rows_shared(const Tensor<T>& a, std::shared_ptr<const std::vector<int>> index);
template <typename T>
Tensor<T> scatter_add_rows_shared(const Tensor<T>& a, std::shared_ptr<const std::vector<int>> index, Index rows);
template <typename T>
Tensor<T> pick_shared(const Tensor<T>& a, std::shared_ptr<const std::vector<int>> column);
template <typename T>
Tensor<T> unpick_shared(const Tensor<T>& a, std::shared_ptr<const std::vector<int>> column, Index cols);
template <typename T>
Tensor<T> mul_constant_shared(const Tensor<T>& a, std::shared_ptr<const Mat<T>> mask);

// out (rows x cols of op(a) op(b), row-major) = op(a) op(b).
template <typename T>
void product_into(const Mat<T>& a, bool ta, const Mat<T>& b, bool tb, T* out) {
  const Index m = ta ? a.cols() : a.rows(), k = ta ? a.rows() : a.cols(), n = tb ? b.rows() : b.cols();
  kernels::matmul<T>(m, n, k, kernels::Operand<T>{a.data(), a.cols(), ta}, kernels::Operand<T>{b.data(), b.cols(), tb},
                     out, n, false);
}

}  // namespace

// ---------------------------------------------------------------- arithmetic

template <typename T>
Tensor<T> add(const Tensor<T>& a, const Tensor<T>& b) {
  return make_result<T>(broadcast_apply("add", a, b, [](const auto& x, const auto& y) { return x + y; }), "add", {a, b},
                        [](const Inputs<T>& in, const Tensor<T>&, const Tensor<T>& g, Grads<T>& gi) {
                          gi.push_back(if_needed(in, 0, [&] { return reduce_to(g, in[0].rows(), in[0].cols()); }));
                          gi.push_back(if_needed(in, 1, [&] { return reduce_to(g, in[1].rows(), in[1].cols()); }));
                        });
}

template <typename T>
Tensor<T> sub(const Tensor<T>& a, const Tensor<T>& b) {
  return make_result<T>(broadcast_apply("sub", a, b, [](const auto& x, const auto& y) { return x - y; }), "sub", {a, b},
                        [](const Inputs<T>& in, const Tensor<T>&, const Tensor<T>& g, Grads<T>& gi) {
                          gi.push_back(if_needed(in, 0, [&] { return reduce_to(g, in[0].rows(), in[0].cols()); }));
                          gi.push_back(if_needed(in, 1, [&] { return reduce_to(neg(g), in[1].rows(), in[1].cols()); }));
                        });
}

template <typename T>
Tensor<T> mul(const Tensor<T>& a, const Tensor<T>& b) {
  return make_result<T>(broadcast_apply("mul", a, b, [](const auto& x, const auto& y) { return x * y; }), "mul", {a, b},
                        [](const Inputs<T>& in, const Tensor<T>&, const Tensor<T>& g, Grads<T>& gi) {
                          gi.push_back(
                              if_needed(in, 0, [&] { return reduce_to(mul(g, in[1]), in[0].rows(), in[0].cols()); }));
                          gi.push_back(
                              if_needed(in, 1, [&] { return reduce_to(mul(g, in[0]), in[1].rows(), in[1].cols()); }));
                        });
}

template <typename T>
Tensor<T> div(const Tensor<T>& a, const Tensor<T>& b) {
  return make_result<T>(broadcast_apply("div", a, b, [](const auto& x, const auto& y) { return x / y; }), "div", {a, b},
                        [](const Inputs<T>& in, const Tensor<T>& out, const Tensor<T>& g, Grads<T>& gi) {
                          gi.push_back(
                              if_needed(in, 0, [&] { return reduce_to(div(g, in[1]), in[0].rows(), in[0].cols()); }));
                          // d(a/b)/db = -(a/b)/b
                          gi.push_back(if_needed(in, 1, [&] {
                            return reduce_to(neg(div(mul(g, out), in[1])), in[1].rows(), in[1].cols());
                          }));
                        });
}

template <typename T>
Tensor<T> add_scalar(const Tensor<T>& a, T s) {
  require_defined("add_scalar", a);
  Mat<T> v = new_value_of<T>(a.value().array() + s);
  return make_result<T>(std::move(v), "add_scalar", {a},
                        [](const Inputs<T>&, const Tensor<T>&, const Tensor<T>& g, Grads<T>& gi) { gi.push_back(g); });
}

template <typename T>
Tensor<T> mul_scalar(const Tensor<T>& a, T s) {
  require_defined("mul_scalar", a);
  Mat<T> v = new_value_of<T>(a.value() * s);
  return make_result<T>(std::move(v), "mul_scalar", {a},
                        [s](const Inputs<T>&, const Tensor<T>&, const Tensor<T>& g, Grads<T>& gi) {
                          gi.push_back(mul_scalar(g, s));
                        });
}

template <typename T>
Tensor<T> neg(const Tensor<T>& a) {
  require_defined("neg", a);
  Mat<T> v = new_value_of<T>(-a.value());
  return make_result<T>(std::move(v), "neg", {a},
                        [](const Inputs<T>&, const Tensor<T>&, const Tensor<T>& g, Grads<T>& gi) { gi.push_back(neg(g)); });
}

// ---------------------------------------------------------------- products

template <typename T>
Tensor<T> matmul(const Tensor<T>& a, const Tensor<T>& b, bool ta, bool tb) {
  require_defined("matmul", a);
  require_defined("matmul", b);
  const Index inner_a = ta ? a.rows() : a.cols();
  const Index inner_b = tb ? b.cols() : b.rows();
  if (inner_a != inner_b) {
    std::string why = std::string("inner dimensions differ") + (ta ? " (a transposed)" : "") + (tb ? " (b transposed)" : "");
    shape_fail("matmul", a, b, why.c_str());
  }
  Mat<T> out = new_value<T>(ta ? a.cols() : a.rows(), tb ? b.rows() : b.cols());
  product_into(a.value(), ta, b.value(), tb, out.data());
  return make_result<T>(std::move(out), "matmul", {a, b},
                        [ta, tb](const Inputs<T>& in, const Tensor<T>&, const Tensor<T>& g, Grads<T>& gi) {
                          const Tensor<T>& A = in[0];
                          const Tensor<T>& B = in[1];
                          if (!ta && !tb) {  // C = A B
                            gi.push_back(if_needed(in, 0, [&] { return matmul(g, B, false, true); }));
                            gi.push_back(if_needed(in, 1, [&] { return matmul(A, g, true, false); }));
                          } else if (ta && !tb) {  // C = A^T B
                            gi.push_back(if_needed(in, 0, [&] { return matmul(B, g, false, true); }));
                            gi.push_back(if_needed(in, 1, [&] { return matmul(A, g, false, false); }));
                          } else if (!ta && tb) {  // C = A B^T
                            gi.push_back(if_needed(in, 0, [&] { return matmul(g, B, false, false); }));
                            gi.push_back(if_needed(in, 1, [&] { return matmul(g, A, true, false); }));
                          } else {  // C = A^T B^T
                            gi.push_back(if_needed(in, 0, [&] { return matmul(B, g, true, true); }));
                            gi.push_back(if_needed(in, 1, [&] { return matmul(g, A, true, true); }));
                          }
                        });
}

template <typename T>
Tensor<T> batched_matmul(const Tensor<T>& a, const Tensor<T>& b, int batch, bool ta, bool tb) {
  require_defined("batched_matmul", a);
  require_defined("batched_matmul", b);
  if (batch < 1 || a.rows() % batch != 0 || b.rows() % batch != 0)
    shape_fail("batched_matmul", a, b,
               ("row counts are not multiples of the batch " + std::to_string(batch)).c_str());
  const Index ar = a.rows() / batch, ac = a.cols(), br = b.rows() / batch, bc = b.cols();
  const Index inner_a = ta ? ar : ac, inner_b = tb ? bc : br;
  if (inner_a != inner_b) {
    std::string why = "inner dimensions of the blocks differ (batch " + std::to_string(batch) + ")" +
                      (ta ? " (a transposed)" : "") + (tb ? " (b transposed)" : "");
    shape_fail("batched_matmul", a, b, why.c_str());
  }
  const Index out_r = ta ? ac : ar, out_c = tb ? br : bc;
  Mat<T> out = new_value<T>(batch * out_r, out_c);
  const T* av = a.value().data();
  const T* bv = b.value().data();
  for (Index i = 0; i < batch; ++i)
    kernels::matmul<T>(out_r, out_c, inner_a, kernels::Operand<T>{av + i * ar * ac, ac, ta},
                       kernels::Operand<T>{bv + i * br * bc, bc, tb}, out.data() + i * out_r * out_c, out_c, false);
  return make_result<T>(std::move(out), "batched_matmul", {a, b},
                        [batch, ta, tb](const Inputs<T>& in, const Tensor<T>&, const Tensor<T>& g, Grads<T>& gi) {
                          const Tensor<T>& A = in[0];
                          const Tensor<T>& B = in[1];
                          if (!ta && !tb) {  // C_i = A_i B_i
                            gi.push_back(if_needed(in, 0, [&] { return batched_matmul(g, B, batch, false, true); }));
                            gi.push_back(if_needed(in, 1, [&] { return batched_matmul(A, g, batch, true, false); }));
                          } else if (ta && !tb) {  // C_i = A_i^T B_i
                            gi.push_back(if_needed(in, 0, [&] { return batched_matmul(B, g, batch, false, true); }));
                            gi.push_back(if_needed(in, 1, [&] { return batched_matmul(A, g, batch, false, false); }));
                          } else if (!ta && tb) {  // C_i = A_i B_i^T
                            gi.push_back(if_needed(in, 0, [&] { return batched_matmul(g, B, batch, false, false); }));
                            gi.push_back(if_needed(in, 1, [&] { return batched_matmul(g, A, batch, true, false); }));
                          } else {  // C_i = A_i^T B_i^T
                            gi.push_back(if_needed(in, 0, [&] { return batched_matmul(B, g, batch, true, true); }));
                            gi.push_back(if_needed(in, 1, [&] { return batched_matmul(g, A, batch, true, true); }));
                          }
                        });
}

template <typename T>
Tensor<T> transpose(const Tensor<T>& a) {
  require_defined("transpose", a);
  Mat<T> v = new_value_of<T>(a.value().transpose());
  return make_result<T>(std::move(v), "transpose", {a},
                        [](const Inputs<T>&, const Tensor<T>&, const Tensor<T>& g, Grads<T>& gi) {
                          gi.push_back(transpose(g));
                        });
}

template <typename T>
Tensor<T> linear(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& b) {
  require_defined("linear", x);
  require_defined("linear", w);
  require_defined("linear", b);
  if (x.cols() != w.rows()) shape_fail("linear", x, w, "input columns differ from weight rows");
  if (b.rows() != 1 || b.cols() != w.cols()) shape_fail("linear", w, b, "bias must be 1 x (weight columns)");
  Mat<T> out = new_value<T>(x.rows(), w.cols());
  kernels::matmul<T>(x.rows(), w.cols(), x.cols(), kernels::Operand<T>{x.value().data(), x.cols()},
                     kernels::Operand<T>{w.value().data(), w.cols()}, out.data(), w.cols(), false, b.value().data());
  return make_result<T>(std::move(out), "linear", {x, w, b},
                        [](const Inputs<T>& in, const Tensor<T>&, const Tensor<T>& g, Grads<T>& gi) {
                          gi.push_back(if_needed(in, 0, [&] { return matmul(g, in[1], false, true); }));
                          gi.push_back(if_needed(in, 1, [&] { return matmul(in[0], g, true, false); }));
                          gi.push_back(if_needed(in, 2, [&] { return col_sum(g); }));
                        });
}

// ---------------------------------------------------------------- elementwise

template <typename T>
Tensor<T> exp(const Tensor<T>& a) {
  require_defined("exp", a);
  Mat<T> v = new_value_of<T>(a.value().array().exp());
  return make_result<T>(std::move(v), "exp", {a},
                        [](const Inputs<T>&, const Tensor<T>& out, const Tensor<T>& g, Grads<T>& gi) {
                          gi.push_back(mul(g, out));
                        });
}

template <typename T>
Tensor<T> log(const Tensor<T>& a) {
  require_defined("log", a);
  Mat<T> v = new_value_of<T>(a.value().array().log());
  return make_result<T>(std::move(v), "log", {a},
                        [](const Inputs<T>& in, const Tensor<T>&, const Tensor<T>& g, Grads<T>& gi) {
                          gi.push_back(div(g, in[0]));
                        });
}

template <typename T>
Tensor<T> sqrt(const Tensor<T>& a) {
  require_defined("sqrt", a);
  Mat<T> v = new_value_of<T>(a.value().array().sqrt());
  return make_result<T>(std::move(v), "sqrt", {a},
                        [](const Inputs<T>&, const Tensor<T>& out, const Tensor<T>& g, Grads<T>& gi) {
                          gi.push_back(mul_scalar(div(g, out), T(0.5)));
                        });
}

template <typename T>
Tensor<T> square(const Tensor<T>& a) {
  require_defined("square", a);
  Mat<T> v = new_value_of<T>(a.value().array().square());
  return make_result<T>(std::move(v), "square", {a},
                        [](const Inputs<T>& in, const Tensor<T>&, const Tensor<T>& g, Grads<T>& gi) {
                          gi.push_back(mul_scalar(mul(g, in[0]), T(2)));
                        });
}

template <typename T>
Tensor<T> pow(const Tensor<T>& a, T p) {
  require_defined("pow", a);
  Mat<T> v = new_value_of<T>(a.value().array().pow(p));
  return make_result<T>(std::move(v), "pow", {a},
                        [p](const Inputs<T>& in, const Tensor<T>&, const Tensor<T>& g, Grads<T>& gi) {
                          gi.push_back(mul(g, mul_scalar(pow(in[0], p - T(1)), p)));
                        });
}

template <typename T>
Tensor<T> tanh(const Tensor<T>& a) {
  require_defined("tanh", a);
  Mat<T> v = new_value_of<T>(a.value().array().tanh());
  return make_result<T>(std::move(v), "tanh", {a},
                        [](const Inputs<T>&, const Tensor<T>& out, const Tensor<T>& g, Grads<T>& gi) {
                          gi.push_back(mul(g, add_scalar(neg(square(out)), T(1))));
                        });
}

template <typename T>
Tensor<T> sigmoid(const Tensor<T>& a) {
  require_defined("sigmoid", a);
  // Stable in both tails: 1/(1+e^-x) for x >= 0, e^x/(1+e^x) otherwise.
  Mat<T> v = new_value_of<T>(a.value().unaryExpr([](T x) {
    if (x >= 0) return T(1) / (T(1) + std::exp(-x));
    const T e = std::exp(x);
    return e / (T(1) + e);
  }));
  return make_result<T>(std::move(v), "sigmoid", {a},
                        [](const Inputs<T>&, const Tensor<T>& out, const Tensor<T>& g, Grads<T>& gi) {
                          gi.push_back(mul(g, mul(out, add_scalar(neg(out), T(1)))));
                        });
}

template <typename T>
Tensor<T> relu(const Tensor<T>& a) {
  require_defined("relu", a);
  Mat<T> v = new_value_of<T>(a.value().cwiseMax(T(0)));
  return make_result<T>(std::move(v), "relu", {a},
                        [](const Inputs<T>& in, const Tensor<T>&, const Tensor<T>& g, Grads<T>& gi) {
                          if (!GradMode::enabled()) {  // plain values: g where the input was positive
                            Mat<T> d = new_value_of<T>((in[0].value().array() > T(0)).select(g.value(), T(0)));
                            gi.push_back(Tensor<T>(std::move(d)));
                            return;
                          }
                          auto mask = std::make_shared<const Mat<T>>(
                              (in[0].value().array() > T(0)).template cast<T>().matrix());
                          gi.push_back(mul_constant_shared(g, std::move(mask)));
                        });
}

template <typename T>
Tensor<T> softplus(const Tensor<T>& a) {
  require_defined("softplus", a);
  // log(1 + e^x) = max(x, 0) + log1p(e^-|x|), exact without overflow.
  Mat<T> v = a.value().unaryExpr([](T x) { return std::max(x, T(0)) + std::log1p(std::exp(-std::abs(x))); });
  return make_result<T>(std::move(v), "softplus", {a},
                        [](const Inputs<T>& in, const Tensor<T>&, const Tensor<T>& g, Grads<T>& gi) {
                          gi.push_back(mul(g, sigmoid(in[0])));
                        });
}

template <typename T>
Tensor<T> mul_constant(const Tensor<T>& a, const Mat<T>& mask) {
  return mul_constant_shared(a, std::make_shared<const Mat<T>>(mask));
}

namespace {
template <typename T>
Tensor<T> mul_constant_shared(const Tensor<T>& a, std::shared_ptr<const Mat<T>> mask) {
  require_defined("mul_constant", a);
  if (mask->rows() != a.rows() || mask->cols() != a.cols())
    throw ShapeError("mul_constant: tensor " + a.shape_string() + " and mask " + shape_of(mask->rows(), mask->cols()) +
                     " differ in shape");
  Mat<T> v = new_value_of<T>(a.value().cwiseProduct(*mask));
  return make_result<T>(std::move(v), "mul_constant", {a},
                        [mask](const Inputs<T>&, const Tensor<T>&, const Tensor<T>& g, Grads<T>& gi) {
                          gi.push_back(mul_constant_shared(g, mask));
                        });
}
}  // namespace

// ---------------------------------------------------------------- reductions

template <typename T>
Tensor<T> sum(const Tensor<T>& a) {
  require_defined("sum", a);
  Mat<T> v = new_value<T>(1, 1);
  v(0, 0) = a.value().sum();
  return make_result<T>(std::move(v), "sum", {a},
                        [](const Inputs<T>& in, const Tensor<T>&, const Tensor<T>& g, Grads<T>& gi) {
                          gi.push_back(expand(g, in[0].rows(), in[0].cols()));
                        });
}

template <typename T>
Tensor<T> mean(const Tensor<T>& a) {
  require_defined("mean", a);
  if (a.size() == 0) throw ShapeError("mean: tensor " + a.shape_string() + " is empty");
  return mul_scalar(sum(a), T(1) / T(a.size()));
}

template <typename T>
Tensor<T> col_sum(const Tensor<T>& a) {
  require_defined("col_sum", a);
  // Row by row (contiguous in row-major storage), not column by column.
  Mat<T> v = new_value<T>(1, a.cols());
  v.setZero();
  for (Index i = 0; i < a.rows(); ++i) v += a.value().row(i);
  return make_result<T>(std::move(v), "col_sum", {a},
                        [](const Inputs<T>& in, const Tensor<T>&, const Tensor<T>& g, Grads<T>& gi) {
                          gi.push_back(expand(g, in[0].rows(), in[0].cols()));
                        });
}

template <typename T>
Tensor<T> col_mean(const Tensor<T>& a) {
  require_defined("col_mean", a);
  if (a.rows() == 0) throw ShapeError("col_mean: tensor " + a.shape_string() + " has no rows");
  return mul_scalar(col_sum(a), T(1) / T(a.rows()));
}

template <typename T>
Tensor<T> row_sum(const Tensor<T>& a) {
  require_defined("row_sum", a);
  Mat<T> v = new_value_of<T>(a.value().rowwise().sum());
  return make_result<T>(std::move(v), "row_sum", {a},
                        [](const Inputs<T>& in, const Tensor<T>&, const Tensor<T>& g, Grads<T>& gi) {
                          gi.push_back(expand(g, in[0].rows(), in[0].cols()));
                        });
}

template <typename T>
Tensor<T> row_mean(const Tensor<T>& a) {
  require_defined("row_mean", a);
  if (a.cols() == 0) throw ShapeError("row_mean: tensor " + a.shape_string() + " has no columns");
  return mul_scalar(row_sum(a), T(1) / T(a.cols()));
}

template <typename T>
Tensor<T> expand(const Tensor<T>& a, Index rows, Index cols) {
  require_defined("expand", a);
  const bool ok = (a.rows() == rows || a.rows() == 1) && (a.cols() == cols || a.cols() == 1);
  if (!ok) throw ShapeError("expand: cannot expand " + a.shape_string() + " to " + shape_of(rows, cols));
  if (a.rows() == rows && a.cols() == cols) return a;
  Mat<T> v = expand_value(a.value(), rows, cols);
  return make_result<T>(std::move(v), "expand", {a},
                        [](const Inputs<T>& in, const Tensor<T>&, const Tensor<T>& g, Grads<T>& gi) {
                          gi.push_back(reduce_to(g, in[0].rows(), in[0].cols()));
                        });
}

template <typename T>
Tensor<T> reduce_to(const Tensor<T>& a, Index rows, Index cols) {
  require_defined("reduce_to", a);
  if (a.rows() == rows && a.cols() == cols) return a;
  if (rows == 1 && cols == 1) return sum(a);
  if (rows == 1 && cols == a.cols()) return col_sum(a);
  if (cols == 1 && rows == a.rows()) return row_sum(a);
  throw ShapeError("reduce_to: cannot reduce " + a.shape_string() + " to " + shape_of(rows, cols));
}

// ---------------------------------------------------------------- shapes

template <typename T>
Tensor<T> reshape(const Tensor<T>& a, Index rows, Index cols) {
  require_defined("reshape", a);
  if (rows < 0 || cols < 0 || rows * cols != a.size())
    throw ShapeError("reshape: cannot reshape " + a.shape_string() + " to " + shape_of(rows, cols));
  if (a.rows() == rows) return a;
  Mat<T> v = new_value_of<T>(Eigen::Map<const Mat<T>>(a.value().data(), rows, cols));
  return make_result<T>(std::move(v), "reshape", {a},
                        [](const Inputs<T>& in, const Tensor<T>&, const Tensor<T>& g, Grads<T>& gi) {
                          gi.push_back(reshape(g, in[0].rows(), in[0].cols()));
                        });
}

template <typename T>
Tensor<T> concat_rows(const std::vector<Tensor<T>>& parts) {
  if (parts.empty()) throw ShapeError("concat_rows: no tensors to concatenate");
  Index rows = 0;
  for (const auto& p : parts) {
    require_defined("concat_rows", p);
    if (p.cols() != parts[0].cols()) shape_fail("concat_rows", parts[0], p, "column counts differ");
    rows += p.rows();
  }
  Mat<T> v = new_value<T>(rows, parts[0].cols());
  Index r = 0;
  for (const auto& p : parts) {
    v.middleRows(r, p.rows()) = p.value();
    r += p.rows();
  }
  return make_result<T>(std::move(v), "concat_rows", parts,
                        [](const Inputs<T>& in, const Tensor<T>&, const Tensor<T>& g, Grads<T>& gi) {
                          Index r0 = 0;
                          for (std::size_t j = 0; j < in.size(); ++j) {
                            const Index n = in[j].rows();
                            gi.push_back(if_needed(in, j, [&] { return slice_rows(g, r0, n); }));
                            r0 += n;
                          }
                        });
}

template <typename T>
Tensor<T> concat_cols(const std::vector<Tensor<T>>& parts) {
  if (parts.empty()) throw ShapeError("concat_cols: no tensors to concatenate");
  Index cols = 0;
  for (const auto& p : parts) {
    require_defined("concat_cols", p);
    if (p.rows() != parts[0].rows()) shape_fail("concat_cols", parts[0], p, "row counts differ");
    cols += p.cols();
  }
  Mat<T> v = new_value<T>(parts[0].rows(), cols);
  Index c = 0;
  for (const auto& p : parts) {
    v.middleCols(c, p.cols()) = p.value();
    c += p.cols();
  }
  return make_result<T>(std::move(v), "concat_cols", parts,
                        [](const Inputs<T>& in, const Tensor<T>&, const Tensor<T>& g, Grads<T>& gi) {
                          Index c0 = 0;
                          for (std::size_t j = 0; j < in.size(); ++j) {
                            const Index n = in[j].cols();
                            gi.push_back(if_needed(in, j, [&] { return slice_cols(g, c0, n); }));
                            c0 += n;
                          }
                        });
}

template <typename T>
Tensor<T> slice(const Tensor<T>& a, Index row, Index col, Index rows, Index cols) {
  require_defined("slice", a);
  if (row < 0 || col < 0 || rows < 0 || cols < 0 || row + rows > a.rows() || col + cols > a.cols()) {
    std::ostringstream m;
    m << "slice: block at (" << row << ", " << col << ") of size " << shape_of(rows, cols) << " is outside "
      << a.shape_string();
    throw ShapeError(m.str());
  }
  if (rows == a.rows() && cols == a.cols()) return a;
  Mat<T> v = new_value_of<T>(a.value().block(row, col, rows, cols));
  const int r0 = static_cast<int>(row), c0 = static_cast<int>(col);
  return make_result<T>(std::move(v), "slice", {a},
                        [r0, c0](const Inputs<T>& in, const Tensor<T>&, const Tensor<T>& g, Grads<T>& gi) {
                          gi.push_back(pad(g, r0, c0, in[0].rows(), in[0].cols()));
                        });
}

template <typename T>
Tensor<T> slice_rows(const Tensor<T>& a, Index start, Index count) {
  require_defined("slice_rows", a);
  return slice(a, start, 0, count, a.cols());
}

template <typename T>
Tensor<T> slice_cols(const Tensor<T>& a, Index start, Index count) {
  require_defined("slice_cols", a);
  return slice(a, 0, start, a.rows(), count);
}

template <typename T>
Tensor<T> pad(const Tensor<T>& a, Index row, Index col, Index rows, Index cols) {
  require_defined("pad", a);
  if (row < 0 || col < 0 || row + a.rows() > rows || col + a.cols() > cols) {
    std::ostringstream m;
    m << "pad: " << a.shape_string() << " at (" << row << ", " << col << ") does not fit in " << shape_of(rows, cols);
    throw ShapeError(m.str());
  }
  Mat<T> v = new_value<T>(rows, cols);
  v.setZero();
  v.block(row, col, a.rows(), a.cols()) = a.value();
  const int r0 = static_cast<int>(row), c0 = static_cast<int>(col);
  return make_result<T>(std::move(v), "pad", {a},
                        [r0, c0](const Inputs<T>& in, const Tensor<T>&, const Tensor<T>& g, Grads<T>& gi) {
                          gi.push_back(slice(g, r0, c0, in[0].rows(), in[0].cols()));
                        });
}

namespace {
void check_indices(const char* op, const std::vector<int>& index, Index limit, const char* what) {
  for (std::size_t i = 0; i < index.size(); ++i) {
    if (index[i] < 0 || index[i] >= limit) {
      std::ostringstream m;
      m << op << ": index " << index[i] << " at position " << i << " is outside the " << limit << " " << what;
      throw ShapeError(m.str());
    }
  }
}

template <typename T>
Tensor<T> gather_rows_shared(const Tensor<T>& a, std::shared_ptr<const std::vector<int>> index) {
  Mat<T> v = new_value<T>(static_cast<Index>(index->size()), a.cols());
  for (std::size_t i = 0; i < index->size(); ++i) v.row(static_cast<Index>(i)) = a.value().row((*index)[i]);
  return make_result<T>(std::move(v), "gather_rows", {a},
                        [index](const Inputs<T>& in, const Tensor<T>&, const Tensor<T>& g, Grads<T>& gi) {
                          gi.push_back(scatter_add_rows_shared(g, index, in[0].rows()));
                        });
}

template <typename T>
Tensor<T> scatter_add_rows_shared(const Tensor<T>& a, std::shared_ptr<const std::vector<int>> index, Index rows) {
  Mat<T> v = new_value<T>(rows, a.cols());
  v.setZero();
  for (std::size_t i = 0; i < index->size(); ++i) v.row((*index)[i]) += a.value().row(static_cast<Index>(i));
  return make_result<T>(std::move(v), "scatter_add_rows", {a},
                        [index](const Inputs<T>&, const Tensor<T>&, const Tensor<T>& g, Grads<T>& gi) {
                          gi.push_back(gather_rows_shared(g, index));
                        });
}

template <typename T>
Tensor<T> pick_shared(const Tensor<T>& a, std::shared_ptr<const std::vector<int>> column) {
  Mat<T> v = new_value<T>(a.rows(), 1);
  for (Index i = 0; i < a.rows(); ++i) v(i, 0) = a.value()(i, (*column)[i]);
  return make_result<T>(std::move(v), "pick", {a},
                        [column](const Inputs<T>& in, const Tensor<T>&, const Tensor<T>& g, Grads<T>& gi) {
                          gi.push_back(unpick_shared(g, column, in[0].cols()));
                        });
}

template <typename T>
Tensor<T> unpick_shared(const Tensor<T>& a, std::shared_ptr<const std::vector<int>> column, Index cols) {
  Mat<T> v = new_value<T>(a.rows(), cols);
  v.setZero();
  for (Index i = 0; i < a.rows(); ++i) v(i, (*column)[i]) = a.value()(i, 0);
  return make_result<T>(std::move(v), "unpick", {a},
                        [column](const Inputs<T>&, const Tensor<T>&, const Tensor<T>& g, Grads<T>& gi) {
                          gi.push_back(pick_shared(g, column));
                        });
}
}  // namespace

template <typename T>
Tensor<T> gather_rows(const Tensor<T>& a, const std::vector<int>& index) {
  require_defined("gather_rows", a);
  check_indices("gather_rows", index, a.rows(), "rows");
  return gather_rows_shared(a, share(index));
}

template <typename T>
Tensor<T> scatter_add_rows(const Tensor<T>& a, const std::vector<int>& index, Index rows) {
  require_defined("scatter_add_rows", a);
  if (static_cast<Index>(index.size()) != a.rows())
    throw ShapeError("scatter_add_rows: " + std::to_string(index.size()) + " indices for " + a.shape_string());
  check_indices("scatter_add_rows", index, rows, "output rows");
  return scatter_add_rows_shared(a, share(index), rows);
}

template <typename T>
Tensor<T> pick(const Tensor<T>& a, const std::vector<int>& column) {
  require_defined("pick", a);
  if (static_cast<Index>(column.size()) != a.rows())
    throw ShapeError("pick: " + std::to_string(column.size()) + " column indices for " + a.shape_string());
  check_indices("pick", column, a.cols(), "columns");
  return pick_shared(a, share(column));
}

template <typename T>
Tensor<T> unpick(const Tensor<T>& a, const std::vector<int>& column, Index cols) {
  require_defined("unpick", a);
  if (a.cols() != 1 || static_cast<Index>(column.size()) != a.rows())
    throw ShapeError("unpick: need an R x 1 tensor and R column indices, got " + a.shape_string() + " and " +
                     std::to_string(column.size()) + " indices");
  check_indices("unpick", column, cols, "columns");
  return unpick_shared(a, share(column), cols);
}

template <typename T>
Tensor<T> gather_flat(const Tensor<T>& a, std::shared_ptr<const std::vector<int>> index, Index rows, Index cols) {
  require_defined("gather_flat", a);
  if (static_cast<Index>(index->size()) != rows * cols)
    throw ShapeError("gather_flat: " + std::to_string(index->size()) + " indices for output " + shape_of(rows, cols));
  Mat<T> v = new_value<T>(rows, cols);
  const T* src = a.value().data();
  T* dst = v.data();
  for (std::size_t i = 0; i < index->size(); ++i) dst[i] = src[(*index)[i]];
  return make_result<T>(std::move(v), "gather_flat", {a},
                        [index](const Inputs<T>& in, const Tensor<T>&, const Tensor<T>& g, Grads<T>& gi) {
                          gi.push_back(scatter_flat(g, index, in[0].rows(), in[0].cols()));
                        });
}

template <typename T>
Tensor<T> scatter_flat(const Tensor<T>& a, std::shared_ptr<const std::vector<int>> index, Index rows, Index cols) {
  require_defined("scatter_flat", a);
  if (static_cast<Index>(index->size()) != a.size())
    throw ShapeError("scatter_flat: " + std::to_string(index->size()) + " indices for " + a.shape_string());
  Mat<T> v = new_value<T>(rows, cols);
  v.setZero();
  const T* src = a.value().data();
  T* dst = v.data();
  for (std::size_t i = 0; i < index->size(); ++i) dst[(*index)[i]] += src[i];
  return make_result<T>(std::move(v), "scatter_flat", {a},
                        [index](const Inputs<T>& in, const Tensor<T>&, const Tensor<T>& g, Grads<T>& gi) {
                          gi.push_back(gather_flat(g, index, in[0].rows(), in[0].cols()));
                        });
}

// ---------------------------------------------------------------- losses

template <typename T>
Tensor<T> log_softmax(const Tensor<T>& logits) {
  require_defined("log_softmax", logits);
  if (logits.cols() == 0) throw ShapeError("log_softmax: " + logits.shape_string() + " has no classes");
  const Mat<T>& z = logits.value();
  Mat<T> v = new_value<T>(z.rows(), z.cols());
  for (Index i = 0; i < z.rows(); ++i) {
    const T m = z.row(i).maxCoeff();
    const T lse = m + std::log((z.row(i).array() - m).exp().sum());
    v.row(i).array() = z.row(i).array() - lse;
  }
  return make_result<T>(std::move(v), "log_softmax", {logits},
                        [](const Inputs<T>&, const Tensor<T>& out, const Tensor<T>& g, Grads<T>& gi) {
                          gi.push_back(sub(g, mul(exp(out), row_sum(g))));
                        });
}

template <typename T>
Tensor<T> softmax(const Tensor<T>& logits) {
  require_defined("softmax", logits);
  if (logits.cols() == 0) throw ShapeError("softmax: " + logits.shape_string() + " has no classes");
  const Mat<T>& z = logits.value();
  Mat<T> v = new_value<T>(z.rows(), z.cols());
  for (Index i = 0; i < z.rows(); ++i) {
    v.row(i).array() = (z.row(i).array() - z.row(i).maxCoeff()).exp();
    v.row(i) /= v.row(i).sum();
  }
  return make_result<T>(std::move(v), "softmax", {logits},
                        [](const Inputs<T>&, const Tensor<T>& out, const Tensor<T>& g, Grads<T>& gi) {
                          gi.push_back(mul(out, sub(g, row_sum(mul(g, out)))));
                        });
}

template <typename T>
Tensor<T> cross_entropy(const Tensor<T>& logits, const std::vector<int>& labels) {
  require_defined("cross_entropy", logits);
  if (static_cast<Index>(labels.size()) != logits.rows() || labels.empty())
    throw ShapeError("cross_entropy: " + std::to_string(labels.size()) + " labels for logits " +
                     logits.shape_string());
  check_indices("cross_entropy", labels, logits.cols(), "classes");
  return neg(mean(pick_shared(log_softmax(logits), share(labels))));
}

template <typename T>
Tensor<T> mse(const Tensor<T>& prediction, const Tensor<T>& target) {
  require_defined("mse", prediction);
  require_defined("mse", target);
  if (prediction.rows() != target.rows() || prediction.cols() != target.cols())
    shape_fail("mse", prediction, target, "prediction and target differ in shape");
  return mean(square(sub(prediction, target)));
}

// ---------------------------------------------------------------- distances

template <typename T>
Tensor<T> pairwise_sq_dist(const Tensor<T>& a, const Tensor<T>& b) {
  require_defined("pairwise_sq_dist", a);
  require_defined("pairwise_sq_dist", b);
  if (a.cols() != b.cols()) shape_fail("pairwise_sq_dist", a, b, "feature dimensions differ");
  // |a_i - b_j|^2 = |a_i|^2 + |b_j|^2 - 2 a_i . b_j
  const Tensor<T> an = row_sum(square(a));             // n x 1
  const Tensor<T> bn = transpose(row_sum(square(b)));  // 1 x m
  return add(add(an, bn), mul_scalar(matmul(a, b, false, true), T(-2)));
}

template <typename T>
Tensor<T> normalize_rows(const Tensor<T>& a, T eps) {
  require_defined("normalize_rows", a);
  return div(a, sqrt(add_scalar(row_sum(square(a)), eps)));
}

template <typename T>
Tensor<T> cosine_similarity(const Tensor<T>& a, const Tensor<T>& b, T eps) {
  require_defined("cosine_similarity", a);
  require_defined("cosine_similarity", b);
  if (a.cols() != b.cols()) shape_fail("cosine_similarity", a, b, "feature dimensions differ");
  return matmul(normalize_rows(a, eps), normalize_rows(b, eps), false, true);
}

// ---------------------------------------------------------------- images

namespace {
void check_geometry(const char* op, const ConvGeometry& g) {
  const ImageShape& s = g.input;
  if (s.batch < 1 || s.height < 1 || s.width < 1 || s.channels < 1 || g.kernel < 1 || g.stride < 1 ||
      g.padding < 0 || s.height + 2 * g.padding < g.kernel || s.width + 2 * g.padding < g.kernel ||
      g.out_height() < 1 || g.out_width() < 1) {
    std::ostringstream m;
    m << op << ": invalid geometry (batch " << s.batch << ", " << s.height << "x" << s.width << "x" << s.channels
      << ", kernel " << g.kernel << ", stride " << g.stride << ", padding " << g.padding << ")";
    throw ShapeError(m.str());
  }
}

// Copies patches (forward) or adds them back (adjoint): the two directions of one index map.
template <typename T, bool kToColumns>
void im2col_kernel(const ConvGeometry& g, const T* image, T* columns) {
  const ImageShape& s = g.input;
  const int oh = g.out_height(), ow = g.out_width(), k = g.kernel, c = s.channels;
  const long patch = static_cast<long>(k) * k * c;
  // Natively with OpenMP, images are copied on as many threads as Eigen's
  // products use (1 unless the caller asked for more). Each image owns its rows
  // of `columns` and its pixels of `image`, so the result is the same for any
  // number of threads.
#ifdef _OPENMP
  const int threads = Eigen::nbThreads();
#pragma omp parallel for num_threads(threads) if (threads > 1 && s.batch > 1) schedule(static)
#endif
  for (int n = 0; n < s.batch; ++n) {
    for (int oy = 0; oy < oh; ++oy) {
      for (int ox = 0; ox < ow; ++ox) {
        T* col = columns + ((static_cast<long>(n) * oh + oy) * ow + ox) * patch;
        for (int ky = 0; ky < k; ++ky) {
          const int y = oy * g.stride - g.padding + ky;
          for (int kx = 0; kx < k; ++kx) {
            const int x = ox * g.stride - g.padding + kx;
            T* dst = col + (static_cast<long>(ky) * k + kx) * c;
            if (y < 0 || y >= s.height || x < 0 || x >= s.width) {
              if (kToColumns) std::fill(dst, dst + c, T(0));
              continue;
            }
            const long pixel = (static_cast<long>(n) * s.height + y) * s.width + x;
            T* img = const_cast<T*>(image) + pixel * c;
            if (kToColumns) {
              std::copy(img, img + c, dst);
            } else {
              for (int ch = 0; ch < c; ++ch) img[ch] += dst[ch];
            }
          }
        }
      }
    }
  }
}
}  // namespace

template <typename T>
Tensor<T> im2col(const Tensor<T>& x, const ConvGeometry& g) {
  require_defined("im2col", x);
  check_geometry("im2col", g);
  if (x.rows() != g.input.rows() || x.cols() != g.input.channels)
    throw ShapeError("im2col: input " + x.shape_string() + " does not match geometry " +
                     shape_of(g.input.rows(), g.input.channels));
  Mat<T> v = new_value<T>(static_cast<Index>(g.input.batch) * g.out_height() * g.out_width(),
           static_cast<Index>(g.kernel) * g.kernel * g.input.channels);
  im2col_kernel<T, true>(g, x.value().data(), v.data());
  auto geom = std::make_shared<const ConvGeometry>(g);
  return make_result<T>(std::move(v), "im2col", {x},
                        [geom](const Inputs<T>&, const Tensor<T>&, const Tensor<T>& grad_out, Grads<T>& gi) {
                          gi.push_back(col2im(grad_out, *geom));
                        });
}

template <typename T>
Tensor<T> col2im(const Tensor<T>& cols, const ConvGeometry& g) {
  require_defined("col2im", cols);
  check_geometry("col2im", g);
  const Index rows = static_cast<Index>(g.input.batch) * g.out_height() * g.out_width();
  const Index width = static_cast<Index>(g.kernel) * g.kernel * g.input.channels;
  if (cols.rows() != rows || cols.cols() != width)
    throw ShapeError("col2im: columns " + cols.shape_string() + " do not match geometry " + shape_of(rows, width));
  Mat<T> v = new_value<T>(g.input.rows(), g.input.channels);
  v.setZero();
  im2col_kernel<T, false>(g, v.data(), const_cast<T*>(cols.value().data()));
  auto geom = std::make_shared<const ConvGeometry>(g);
  return make_result<T>(std::move(v), "col2im", {cols},
                        [geom](const Inputs<T>&, const Tensor<T>&, const Tensor<T>& grad_out, Grads<T>& gi) {
                          gi.push_back(im2col(grad_out, *geom));
                        });
}

namespace {
template <typename T>
void check_conv_weight(const char* op, const Tensor<T>& weight, const ConvGeometry& g) {
  const Index patch = static_cast<Index>(g.kernel) * g.kernel * g.input.channels;
  if (weight.rows() != patch)
    throw ShapeError(std::string(op) + ": weight " + weight.shape_string() + " needs " + std::to_string(patch) +
                     " rows (kernel x kernel x input channels)");
}

// conv2d with an optional bias (undefined: none), as one node. Its backward
// is conv2d_input_grad and conv2d_weight_grad, whose own backwards are
// convolutions again, so gradients of any order stay in these three ops.
template <typename T>
Tensor<T> convolve(const Tensor<T>& x, const Tensor<T>& weight, const Tensor<T>& bias, const ConvGeometry& g) {
  const Index rows = static_cast<Index>(g.input.batch) * g.out_height() * g.out_width();
  Mat<T> y = new_value<T>(rows, weight.cols());
  kernels::conv2d_forward<T>(g, x.value().data(), weight.value().data(), weight.cols(),
                             bias.defined() ? bias.value().data() : nullptr, y.data());
  auto geom = std::make_shared<const ConvGeometry>(g);
  const std::vector<Tensor<T>> inputs = bias.defined() ? std::vector<Tensor<T>>{x, weight, bias}
                                                       : std::vector<Tensor<T>>{x, weight};
  return make_result<T>(std::move(y), "conv2d", inputs,
                        [geom](const Inputs<T>& in, const Tensor<T>&, const Tensor<T>& gy, Grads<T>& gi) {
                          gi.push_back(if_needed(in, 0, [&] { return conv2d_input_grad(gy, in[1], *geom); }));
                          if (!GradMode::enabled() && in.size() > 2 && in[1].requires_grad() && in[2].requires_grad()) {
                            // Plain values: the weight and bias gradients in one pass over gy.
                            Mat<T> dw = new_value<T>(in[1].rows(), in[1].cols()), db = new_value<T>(1, in[1].cols());
                            kernels::conv2d_weight_grad<T>(*geom, in[0].value().data(), gy.value().data(), gy.cols(),
                                                           dw.data(), db.data());
                            gi.push_back(Tensor<T>(std::move(dw)));
                            gi.push_back(Tensor<T>(std::move(db)));
                            return;
                          }
                          gi.push_back(if_needed(in, 1, [&] { return conv2d_weight_grad(in[0], gy, *geom); }));
                          if (in.size() > 2) gi.push_back(if_needed(in, 2, [&] { return col_sum(gy); }));
                        });
}
}  // namespace

template <typename T>
Tensor<T> conv2d(const Tensor<T>& x, const Tensor<T>& weight, const Tensor<T>& bias, const ConvGeometry& g) {
  require_defined("conv2d", x);
  require_defined("conv2d", weight);
  require_defined("conv2d", bias);
  check_geometry("conv2d", g);
  if (x.rows() != g.input.rows() || x.cols() != g.input.channels)
    throw ShapeError("conv2d: input " + x.shape_string() + " does not match geometry " +
                     shape_of(g.input.rows(), g.input.channels));
  check_conv_weight("conv2d", weight, g);
  if (bias.rows() != 1 || bias.cols() != weight.cols()) shape_fail("conv2d", weight, bias, "bias must be 1 x (weight columns)");
  return convolve(x, weight, bias, g);
}

template <typename T>
Tensor<T> conv2d_reference(const Tensor<T>& x, const Tensor<T>& weight, const Tensor<T>& bias, const ConvGeometry& g) {
  return linear(im2col(x, g), weight, bias);
}

template <typename T>
Tensor<T> conv2d_input_grad(const Tensor<T>& grad_out, const Tensor<T>& weight, const ConvGeometry& g) {
  require_defined("conv2d_input_grad", grad_out);
  require_defined("conv2d_input_grad", weight);
  check_geometry("conv2d_input_grad", g);
  check_conv_weight("conv2d_input_grad", weight, g);
  const Index rows = static_cast<Index>(g.input.batch) * g.out_height() * g.out_width();
  if (grad_out.rows() != rows || grad_out.cols() != weight.cols())
    throw ShapeError("conv2d_input_grad: output gradient " + grad_out.shape_string() + " does not match " +
                     shape_of(rows, weight.cols()));
  Mat<T> dx = new_value<T>(g.input.rows(), g.input.channels);
  kernels::conv2d_input_grad<T>(g, grad_out.value().data(), weight.value().data(), weight.cols(), dx.data());
  auto geom = std::make_shared<const ConvGeometry>(g);
  return make_result<T>(std::move(dx), "conv2d_input_grad", {grad_out, weight},
                        [geom](const Inputs<T>& in, const Tensor<T>&, const Tensor<T>& h, Grads<T>& gi) {
                          // <h, col2im(gy w^T)> = <im2col(h), gy w^T>
                          gi.push_back(if_needed(in, 0, [&] { return convolve(h, in[1], Tensor<T>(), *geom); }));
                          gi.push_back(if_needed(in, 1, [&] { return conv2d_weight_grad(h, in[0], *geom); }));
                        });
}

template <typename T>
Tensor<T> conv2d_weight_grad(const Tensor<T>& x, const Tensor<T>& grad_out, const ConvGeometry& g) {
  require_defined("conv2d_weight_grad", x);
  require_defined("conv2d_weight_grad", grad_out);
  check_geometry("conv2d_weight_grad", g);
  if (x.rows() != g.input.rows() || x.cols() != g.input.channels)
    throw ShapeError("conv2d_weight_grad: input " + x.shape_string() + " does not match geometry " +
                     shape_of(g.input.rows(), g.input.channels));
  const Index rows = static_cast<Index>(g.input.batch) * g.out_height() * g.out_width();
  if (grad_out.rows() != rows)
    throw ShapeError("conv2d_weight_grad: output gradient " + grad_out.shape_string() + " needs " +
                     std::to_string(rows) + " rows");
  Mat<T> dw = new_value<T>(static_cast<Index>(g.kernel) * g.kernel * g.input.channels, grad_out.cols());
  kernels::conv2d_weight_grad<T>(g, x.value().data(), grad_out.value().data(), grad_out.cols(), dw.data());
  auto geom = std::make_shared<const ConvGeometry>(g);
  return make_result<T>(std::move(dw), "conv2d_weight_grad", {x, grad_out},
                        [geom](const Inputs<T>& in, const Tensor<T>&, const Tensor<T>& h, Grads<T>& gi) {
                          // <h, im2col(x)^T gy> = <im2col(x), gy h^T>
                          gi.push_back(if_needed(in, 0, [&] { return conv2d_input_grad(in[1], h, *geom); }));
                          gi.push_back(if_needed(in, 1, [&] { return convolve(in[0], h, Tensor<T>(), *geom); }));
                        });
}

template <typename T>
Tensor<T> max_pool2(const Tensor<T>& x, const ImageShape& s) {
  require_defined("max_pool2", x);
  if (x.rows() != s.rows() || x.cols() != s.channels || s.height < 2 || s.width < 2)
    throw ShapeError("max_pool2: input " + x.shape_string() + " does not match " + std::to_string(s.batch) + " images of " +
                     std::to_string(s.height) + "x" + std::to_string(s.width) + "x" + std::to_string(s.channels) +
                     " (need at least 2x2)");
  const int oh = s.height / 2, ow = s.width / 2, c = s.channels;
  auto index = std::make_shared<std::vector<int>>(static_cast<std::size_t>(s.batch) * oh * ow * c);
  const T* v = x.value().data();
  std::size_t o = 0;
  for (int n = 0; n < s.batch; ++n) {
    for (int oy = 0; oy < oh; ++oy) {
      for (int ox = 0; ox < ow; ++ox) {
        for (int ch = 0; ch < c; ++ch) {
          int best = -1;
          for (int dy = 0; dy < 2; ++dy) {
            for (int dx = 0; dx < 2; ++dx) {
              const int flat = ((n * s.height + 2 * oy + dy) * s.width + 2 * ox + dx) * c + ch;
              if (best < 0 || v[flat] > v[best]) best = flat;
            }
          }
          (*index)[o++] = best;
        }
      }
    }
  }
  return gather_flat(x, std::shared_ptr<const std::vector<int>>(std::move(index)),
                     static_cast<Index>(s.batch) * oh * ow, c);
}

namespace {
template <typename T>
void check_batch_norm(const Tensor<T>& x, const Tensor<T>& gamma, const Tensor<T>& beta) {
  require_defined("batch_norm", x);
  require_defined("batch_norm", gamma);
  require_defined("batch_norm", beta);
  if (gamma.rows() != 1 || gamma.cols() != x.cols()) shape_fail("batch_norm", x, gamma, "gamma must be 1 x (input columns)");
  if (beta.rows() != 1 || beta.cols() != x.cols()) shape_fail("batch_norm", x, beta, "beta must be 1 x (input columns)");
  if (x.rows() < 2) throw ShapeError("batch_norm: training needs at least 2 rows, got " + x.shape_string());
}

// Batch statistics of x's columns: the mean and 1 / sqrt(var + eps), and the
// (biased) variance. One pass of sums and sums of squares in double.
template <typename T>
struct BatchStats {
  Mat<T> mean, inv_std, var;  // 1 x C
};
template <typename T>
BatchStats<T> batch_stats(const Mat<T>& x, T eps) {
  const Index n = x.rows(), c = x.cols();
  Eigen::Array<double, 1, Eigen::Dynamic> sum = Eigen::Array<double, 1, Eigen::Dynamic>::Zero(c), sq = sum;
  for (Index i = 0; i < n; ++i) {
    const auto row = x.row(i).array().template cast<double>();
    sum += row;
    sq += row.square();
  }
  const Eigen::Array<double, 1, Eigen::Dynamic> mean = sum / static_cast<double>(n);
  const Eigen::Array<double, 1, Eigen::Dynamic> var = (sq / static_cast<double>(n) - mean.square()).max(0.0);
  BatchStats<T> s;
  s.mean = mean.matrix().template cast<T>();
  s.var = var.matrix().template cast<T>();
  s.inv_std = (var + static_cast<double>(eps)).rsqrt().matrix().template cast<T>();
  return s;
}

// Batch norm's backward as differentiable operations (for create_graph): the
// statistics are recomputed from x so that the gradient is a function of x.
// dx = gamma inv_std / N (N g - sum(g) - xhat sum(g xhat)), dgamma = sum(g xhat), dbeta = sum(g).
template <typename T>
void batch_norm_backward_graph(const Inputs<T>& in, const Tensor<T>& g, T eps, Grads<T>& gi) {
  const T count = static_cast<T>(in[0].rows());
  const Tensor<T> centered = sub(in[0], col_mean(in[0]));
  const Tensor<T> inv_std = pow(add_scalar(col_mean(square(centered)), eps), T(-0.5));
  const Tensor<T> xhat = mul(centered, inv_std);
  const Tensor<T> sum_g = col_sum(g);
  const Tensor<T> sum_gx = col_sum(mul(g, xhat));
  gi.push_back(if_needed(in, 0, [&] {
    return mul(mul_scalar(mul(in[1], inv_std), T(1) / count), sub(sub(mul_scalar(g, count), sum_g), mul(xhat, sum_gx)));
  }));
  gi.push_back(if_needed(in, 1, [&] { return sum_gx; }));
  gi.push_back(if_needed(in, 2, [&] { return sum_g; }));
}
}  // namespace

// Batch norm is one fused node: the forward pass and, when no graph is being
// recorded (ordinary training), the backward pass run as tight loops over the
// [rows, C] matrix without materialising the intermediate broadcasts. With
// create_graph (second-order MAML through a Conv4), the backward is recomputed
// from differentiable operations instead, so it can be differentiated again.
template <typename T>
BatchNormResult<T> batch_norm_train(const Tensor<T>& x, const Tensor<T>& gamma, const Tensor<T>& beta, T eps) {
  check_batch_norm(x, gamma, beta);
  const Mat<T>& xv = x.value();
  const Index n = xv.rows(), c = xv.cols();
  auto stats = std::make_shared<BatchStats<T>>(batch_stats(xv, eps));
  const Mat<T> scale = stats->inv_std.cwiseProduct(gamma.value());
  Mat<T> y = new_value<T>(n, c);
  for (Index i = 0; i < n; ++i)
    y.row(i).array() = (xv.row(i) - stats->mean).array() * scale.row(0).array() + beta.value().row(0).array();
  BatchNormResult<T> r;
  r.batch_mean = stats->mean;
  r.batch_var = stats->var;
  r.output = make_result<T>(
      std::move(y), "batch_norm", {x, gamma, beta},
      [stats, eps](const Inputs<T>& in, const Tensor<T>&, const Tensor<T>& g, Grads<T>& gi) {
        if (GradMode::enabled()) {
          batch_norm_backward_graph(in, g, eps, gi);
          return;
        }
        const T count = static_cast<T>(in[0].rows());
        const Mat<T>& xv = in[0].value();
        const Mat<T>& gv = g.value();
        const Mat<T>& mu = stats->mean;
        const Mat<T>& inv_std = stats->inv_std;
        const Index rows = xv.rows(), cols = xv.cols();
        Mat<T> sum_g = Mat<T>::Zero(1, cols), sum_gx = Mat<T>::Zero(1, cols);
        for (Index i = 0; i < rows; ++i) {
          sum_g += gv.row(i);
          sum_gx.array() += gv.row(i).array() * (xv.row(i) - mu).array();
        }
        sum_gx.array() *= inv_std.array();  // sum of g * xhat
        if (in[0].requires_grad()) {
          // dx = gamma * inv_std / N * (N g - sum(g) - xhat * sum(g xhat))
          const Mat<T> a = in[1].value().cwiseProduct(inv_std);
          const Mat<T> mean_g = sum_g / count;
          const Mat<T> b = sum_gx.cwiseProduct(inv_std) / count;
          Mat<T> dx = new_value<T>(rows, cols);
          for (Index i = 0; i < rows; ++i)
            dx.row(i).array() =
                a.row(0).array() * (gv.row(i).array() - mean_g.row(0).array() - (xv.row(i) - mu).array() * b.row(0).array());
          gi.push_back(Tensor<T>(std::move(dx)));
        } else {
          gi.push_back(Tensor<T>());
        }
        gi.push_back(in[1].requires_grad() ? Tensor<T>(sum_gx) : Tensor<T>());
        gi.push_back(in[2].requires_grad() ? Tensor<T>(sum_g) : Tensor<T>());
      });
  return r;
}

namespace {
// The input rows under the 2 x 2 window of pooled pixel p of images of shape s.
struct PoolWindow {
  Index rows[4];
  PoolWindow(const ImageShape& s, Index p) {
    const Index oh = s.height / 2, ow = s.width / 2;
    const Index n = p / (oh * ow), oy = (p / ow) % oh, ox = p % ow;
    const Index top = (n * s.height + 2 * oy) * s.width + 2 * ox;
    rows[0] = top;
    rows[1] = top + 1;
    rows[2] = top + s.width;
    rows[3] = top + s.width + 1;
  }
};

// The channel loops of batch_norm_relu_pool2 over one window, whose four
// input rows are x0..x3 (restrict-qualified, loads before selects: they
// vectorise).
//   forward: out = relu(max_q((x_q - mu) scale + beta)), which = the first q at the maximum
template <typename T>
void window_forward(Index c, const T* __restrict x0, const T* __restrict x1, const T* __restrict x2,
                    const T* __restrict x3, const T* __restrict mu, const T* __restrict scale,
                    const T* __restrict beta, T* __restrict out, std::int32_t* __restrict which) {
  for (Index ch = 0; ch < c; ++ch) {
    // The values batch_norm_train computes, then max_pool2's first maximum.
    const T y0 = (x0[ch] - mu[ch]) * scale[ch] + beta[ch], y1 = (x1[ch] - mu[ch]) * scale[ch] + beta[ch];
    const T y2 = (x2[ch] - mu[ch]) * scale[ch] + beta[ch], y3 = (x3[ch] - mu[ch]) * scale[ch] + beta[ch];
    const T m01 = y1 > y0 ? y1 : y0, m23 = y3 > y2 ? y3 : y2, best = m23 > m01 ? m23 : m01;
    which[ch] = y0 == best ? 0 : y1 == best ? 1 : y2 == best ? 2 : 3;
    out[ch] = best > T(0) ? best : T(0);  // ReLU commutes with the maximum
  }
}
//   sums of the gradient reaching batch norm (g at the maximum where the ReLU passed) and of it times x - mu
template <typename T>
void window_sums(Index c, const T* __restrict x0, const T* __restrict x1, const T* __restrict x2,
                 const T* __restrict x3, const std::int32_t* __restrict which, const T* __restrict out,
                 const T* __restrict g, const T* __restrict mu, T* __restrict sum_g, T* __restrict sum_gx) {
  for (Index ch = 0; ch < c; ++ch) {
    const T v0 = x0[ch], v1 = x1[ch], v2 = x2[ch], v3 = x3[ch], gk = g[ch];
    const std::int32_t at = which[ch];
    const T gm = out[ch] > T(0) ? gk : T(0);
    const T xm = at == 0 ? v0 : at == 1 ? v1 : at == 2 ? v2 : v3;
    sum_g[ch] += gm;
    sum_gx[ch] += gm * (xm - mu[ch]);
  }
}
//   dx of window position q: a (g_q - mean_g - (x - mu) b), g_q = g where q won and the ReLU passed
template <typename T>
void window_backward(Index c, std::int32_t q, const T* __restrict x, const std::int32_t* __restrict which,
                     const T* __restrict out, const T* __restrict g, const T* __restrict mu, const T* __restrict a,
                     const T* __restrict mean_g, const T* __restrict b, T* __restrict dx) {
  for (Index ch = 0; ch < c; ++ch) {
    const T gk = g[ch], ok = out[ch];
    const T gq = which[ch] == q && ok > T(0) ? gk : T(0);
    dx[ch] = a[ch] * (gq - mean_g[ch] - (x[ch] - mu[ch]) * b[ch]);
  }
}

// The rows no window covers (the last row or column of odd-sized images).
std::vector<Index> rows_outside_windows(const ImageShape& s) {
  std::vector<Index> out;
  if (s.height % 2 == 0 && s.width % 2 == 0) return out;
  for (Index n = 0; n < s.batch; ++n)
    for (Index y = 0; y < s.height; ++y)
      for (Index x = 0; x < s.width; ++x)
        if (y >= 2 * (s.height / 2) || x >= 2 * (s.width / 2)) out.push_back((n * s.height + y) * s.width + x);
  return out;
}

// What the backward of batch_norm_relu_pool2_train needs from its forward.
template <typename T>
struct BatchNormPoolState {
  ImageShape shape;
  T eps;
  BatchStats<T> stats;
  std::vector<std::int32_t> which;  // per pooled element: the window position (0..3) of the maximum
};
}  // namespace

template <typename T>
BatchNormResult<T> batch_norm_relu_pool2_train(const Tensor<T>& x, const Tensor<T>& gamma, const Tensor<T>& beta,
                                               const ImageShape& shape, T eps) {
  check_batch_norm(x, gamma, beta);
  if (x.rows() != shape.rows() || x.cols() != shape.channels || shape.height < 2 || shape.width < 2)
    throw ShapeError("batch_norm_relu_pool2: input " + x.shape_string() + " does not match " +
                     std::to_string(shape.batch) + " images of " + std::to_string(shape.height) + "x" +
                     std::to_string(shape.width) + "x" + std::to_string(shape.channels) + " (need at least 2x2)");
  const Mat<T>& xv = x.value();
  const Index c = xv.cols();
  const Index pooled = static_cast<Index>(shape.batch) * (shape.height / 2) * (shape.width / 2);
  auto state = std::make_shared<BatchNormPoolState<T>>();
  state->shape = shape;
  state->eps = eps;
  state->stats = batch_stats(xv, eps);
  state->which.resize(static_cast<std::size_t>(pooled * c));
  const Mat<T> scale = state->stats.inv_std.cwiseProduct(gamma.value());
  const T* mu = state->stats.mean.data();
  const T* sc = scale.data();
  const T* be = beta.value().data();
  Mat<T> out = new_value<T>(pooled, c);
  for (Index p = 0; p < pooled; ++p) {
    const PoolWindow w(shape, p);
    const T* xd = xv.data();
    window_forward(c, xd + w.rows[0] * c, xd + w.rows[1] * c, xd + w.rows[2] * c, xd + w.rows[3] * c, mu, sc, be,
                   out.data() + p * c, state->which.data() + p * c);
  }
  BatchNormResult<T> r;
  r.batch_mean = state->stats.mean;
  r.batch_var = state->stats.var;
  r.output = make_result<T>(
      std::move(out), "batch_norm_relu_pool2", {x, gamma, beta},
      [state](const Inputs<T>& in, const Tensor<T>& self, const Tensor<T>& g, Grads<T>& gi) {
        const ImageShape& s = state->shape;
        const Index c = in[0].cols(), pooled = g.rows();
        if (GradMode::enabled()) {
          // The plain chain: ReLU's mask and the pool's scatter, then batch norm's closed form.
          auto index = std::make_shared<std::vector<int>>(static_cast<std::size_t>(pooled * c));
          auto mask = std::make_shared<Mat<T>>(pooled, c);
          for (Index p = 0; p < pooled; ++p) {
            const PoolWindow w(s, p);
            for (Index ch = 0; ch < c; ++ch) {
              (*index)[static_cast<std::size_t>(p * c + ch)] =
                  static_cast<int>(w.rows[state->which[static_cast<std::size_t>(p * c + ch)]] * c + ch);
              (*mask)(p, ch) = self.value()(p, ch) > T(0) ? T(1) : T(0);
            }
          }
          const Tensor<T> gy = scatter_flat(mul_constant_shared(g, std::shared_ptr<const Mat<T>>(std::move(mask))),
                                            std::shared_ptr<const std::vector<int>>(std::move(index)), in[0].rows(), c);
          batch_norm_backward_graph(in, gy, state->eps, gi);
          return;
        }
        const Mat<T>& xv = in[0].value();
        const T* mu = state->stats.mean.data();
        const T* inv_std = state->stats.inv_std.data();
        const T* gv = g.value().data();
        const T* out = self.value().data();
        // Sums of the gradient reaching batch norm's output (nonzero only at
        // the windows' maxima where the ReLU passed), and of it times xhat.
        Mat<T> sum_gv = Mat<T>::Zero(1, c), sum_gxv = Mat<T>::Zero(1, c);
        T* sg = sum_gv.data();
        T* sgx = sum_gxv.data();
        for (Index p = 0; p < pooled; ++p) {
          const PoolWindow w(s, p);
          const T* xd = xv.data();
          window_sums(c, xd + w.rows[0] * c, xd + w.rows[1] * c, xd + w.rows[2] * c, xd + w.rows[3] * c,
                      state->which.data() + p * c, out + p * c, gv + p * c, mu, sg, sgx);
        }
        const T count = static_cast<T>(in[0].rows());
        for (Index ch = 0; ch < c; ++ch) sgx[ch] *= inv_std[ch];  // sum of g * xhat
        if (in[0].requires_grad()) {
          // dx = a (g - mean(g) - (x - mu) b), as batch_norm_train, with g
          // placed at each window's maximum.
          Mat<T> a(1, c), mean_g(1, c), b(1, c);
          for (Index ch = 0; ch < c; ++ch) {
            a(0, ch) = in[1].value()(0, ch) * inv_std[ch];
            mean_g(0, ch) = sum_gv(0, ch) / count;
            b(0, ch) = sum_gxv(0, ch) * inv_std[ch] / count;
          }
          Mat<T> dx = new_value<T>(xv.rows(), c);
          const T* av = a.data();
          const T* mg = mean_g.data();
          const T* bv = b.data();
          for (Index p = 0; p < pooled; ++p) {
            const PoolWindow w(s, p);
            for (std::int32_t q = 0; q < 4; ++q)
              window_backward(c, q, xv.data() + w.rows[q] * c, state->which.data() + p * c, out + p * c, gv + p * c, mu,
                              av, mg, bv, dx.data() + w.rows[q] * c);
          }
          for (Index row : rows_outside_windows(s)) {
            const T* xr = xv.data() + row * c;
            T* dr = dx.data() + row * c;
            for (Index ch = 0; ch < c; ++ch) dr[ch] = a(0, ch) * (T(0) - mean_g(0, ch) - (xr[ch] - mu[ch]) * b(0, ch));
          }
          gi.push_back(Tensor<T>(std::move(dx)));
        } else {
          gi.push_back(Tensor<T>());
        }
        gi.push_back(in[1].requires_grad() ? Tensor<T>(std::move(sum_gxv)) : Tensor<T>());
        gi.push_back(in[2].requires_grad() ? Tensor<T>(std::move(sum_gv)) : Tensor<T>());
      });
  return r;
}

template <typename T>
BatchNormResult<T> batch_norm_relu_pool2_reference(const Tensor<T>& x, const Tensor<T>& gamma, const Tensor<T>& beta,
                                                   const ImageShape& shape, T eps) {
  BatchNormResult<T> r = batch_norm_train(x, gamma, beta, eps);
  ImageShape pooled = shape;
  r.output = max_pool2(relu(r.output), pooled);
  return r;
}

template <typename T>
Tensor<T> batch_norm_eval(const Tensor<T>& x, const Tensor<T>& gamma, const Tensor<T>& beta, const Mat<T>& running_mean,
                          const Mat<T>& running_var, T eps) {
  require_defined("batch_norm", x);
  require_defined("batch_norm", gamma);
  require_defined("batch_norm", beta);
  if (gamma.rows() != 1 || gamma.cols() != x.cols()) shape_fail("batch_norm", x, gamma, "gamma must be 1 x (input columns)");
  if (beta.rows() != 1 || beta.cols() != x.cols()) shape_fail("batch_norm", x, beta, "beta must be 1 x (input columns)");
  if (running_mean.rows() != 1 || running_mean.cols() != x.cols() || running_var.rows() != 1 ||
      running_var.cols() != x.cols())
    throw ShapeError("batch_norm: running mean " + shape_of(running_mean.rows(), running_mean.cols()) + " and variance " +
                     shape_of(running_var.rows(), running_var.cols()) + " must be 1 x (input columns) for input " +
                     x.shape_string());
  if (!GradMode::enabled() || !(x.requires_grad() || gamma.requires_grad() || beta.requires_grad())) {
    // Nothing to record: one fused pass (evaluation episodes).
    const Mat<T> scale = (running_var.array() + eps).rsqrt().matrix().cwiseProduct(gamma.value());
    const Mat<T> shift = beta.value() - running_mean.cwiseProduct(scale);
    Mat<T> y = new_value<T>(x.rows(), x.cols());
    for (Index i = 0; i < x.rows(); ++i)
      y.row(i).array() = x.value().row(i).array() * scale.row(0).array() + shift.row(0).array();
    return Tensor<T>(std::move(y));
  }
  const Tensor<T> inv_std(((running_var.array() + eps).rsqrt()).matrix());
  const Tensor<T> centered = sub(x, Tensor<T>(running_mean));
  return add(mul(mul(centered, inv_std), gamma), beta);
}

// ---------------------------------------------------------------- instantiation

#define METALAB_INSTANTIATE_OPS(T)                                                                              \
  template Tensor<T> add(const Tensor<T>&, const Tensor<T>&);                                                  \
  template Tensor<T> sub(const Tensor<T>&, const Tensor<T>&);                                                  \
  template Tensor<T> mul(const Tensor<T>&, const Tensor<T>&);                                                  \
  template Tensor<T> div(const Tensor<T>&, const Tensor<T>&);                                                  \
  template Tensor<T> add_scalar(const Tensor<T>&, T);                                                          \
  template Tensor<T> mul_scalar(const Tensor<T>&, T);                                                          \
  template Tensor<T> neg(const Tensor<T>&);                                                                    \
  template Tensor<T> matmul(const Tensor<T>&, const Tensor<T>&, bool, bool);                                   \
  template Tensor<T> transpose(const Tensor<T>&);                                                              \
  template Tensor<T> batched_matmul(const Tensor<T>&, const Tensor<T>&, int, bool, bool);                      \
  template Tensor<T> linear(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&);                             \
  template Tensor<T> exp(const Tensor<T>&);                                                                    \
  template Tensor<T> log(const Tensor<T>&);                                                                    \
  template Tensor<T> sqrt(const Tensor<T>&);                                                                   \
  template Tensor<T> square(const Tensor<T>&);                                                                 \
  template Tensor<T> pow(const Tensor<T>&, T);                                                                 \
  template Tensor<T> tanh(const Tensor<T>&);                                                                   \
  template Tensor<T> sigmoid(const Tensor<T>&);                                                                \
  template Tensor<T> relu(const Tensor<T>&);                                                                   \
  template Tensor<T> softplus(const Tensor<T>&);                                                               \
  template Tensor<T> mul_constant(const Tensor<T>&, const Mat<T>&);                                            \
  template Tensor<T> sum(const Tensor<T>&);                                                                    \
  template Tensor<T> mean(const Tensor<T>&);                                                                   \
  template Tensor<T> col_sum(const Tensor<T>&);                                                                \
  template Tensor<T> col_mean(const Tensor<T>&);                                                               \
  template Tensor<T> row_sum(const Tensor<T>&);                                                                \
  template Tensor<T> row_mean(const Tensor<T>&);                                                               \
  template Tensor<T> expand(const Tensor<T>&, Index, Index);                                                   \
  template Tensor<T> reduce_to(const Tensor<T>&, Index, Index);                                                \
  template Tensor<T> reshape(const Tensor<T>&, Index, Index);                                                  \
  template Tensor<T> concat_rows(const std::vector<Tensor<T>>&);                                               \
  template Tensor<T> concat_cols(const std::vector<Tensor<T>>&);                                               \
  template Tensor<T> slice(const Tensor<T>&, Index, Index, Index, Index);                                      \
  template Tensor<T> slice_rows(const Tensor<T>&, Index, Index);                                               \
  template Tensor<T> slice_cols(const Tensor<T>&, Index, Index);                                               \
  template Tensor<T> pad(const Tensor<T>&, Index, Index, Index, Index);                                        \
  template Tensor<T> gather_rows(const Tensor<T>&, const std::vector<int>&);                                   \
  template Tensor<T> scatter_add_rows(const Tensor<T>&, const std::vector<int>&, Index);                       \
  template Tensor<T> pick(const Tensor<T>&, const std::vector<int>&);                                          \
  template Tensor<T> unpick(const Tensor<T>&, const std::vector<int>&, Index);                                 \
  template Tensor<T> gather_flat(const Tensor<T>&, std::shared_ptr<const std::vector<int>>, Index, Index);     \
  template Tensor<T> scatter_flat(const Tensor<T>&, std::shared_ptr<const std::vector<int>>, Index, Index);    \
  template Tensor<T> log_softmax(const Tensor<T>&);                                                            \
  template Tensor<T> softmax(const Tensor<T>&);                                                                \
  template Tensor<T> cross_entropy(const Tensor<T>&, const std::vector<int>&);                                 \
  template Tensor<T> mse(const Tensor<T>&, const Tensor<T>&);                                                  \
  template Tensor<T> pairwise_sq_dist(const Tensor<T>&, const Tensor<T>&);                                     \
  template Tensor<T> cosine_similarity(const Tensor<T>&, const Tensor<T>&, T);                                 \
  template Tensor<T> normalize_rows(const Tensor<T>&, T);                                                      \
  template Tensor<T> im2col(const Tensor<T>&, const ConvGeometry&);                                            \
  template Tensor<T> col2im(const Tensor<T>&, const ConvGeometry&);                                            \
  template Tensor<T> conv2d(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&, const ConvGeometry&);        \
  template Tensor<T> conv2d_reference(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&, const ConvGeometry&); \
  template Tensor<T> conv2d_input_grad(const Tensor<T>&, const Tensor<T>&, const ConvGeometry&);              \
  template Tensor<T> conv2d_weight_grad(const Tensor<T>&, const Tensor<T>&, const ConvGeometry&);             \
  template Tensor<T> max_pool2(const Tensor<T>&, const ImageShape&);                                           \
  template BatchNormResult<T> batch_norm_train(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&, T);       \
  template BatchNormResult<T> batch_norm_relu_pool2_train(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&,  \
                                                          const ImageShape&, T);                                \
  template BatchNormResult<T> batch_norm_relu_pool2_reference(const Tensor<T>&, const Tensor<T>&,                \
                                                              const Tensor<T>&, const ImageShape&, T);          \
  template Tensor<T> batch_norm_eval(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&, const Mat<T>&,      \
                                     const Mat<T>&, T);

METALAB_INSTANTIATE_OPS(float)
METALAB_INSTANTIATE_OPS(double)

}  // namespace metalab::ad
