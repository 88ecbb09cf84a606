// Finite-difference checking helpers shared by the autodiff test suite.
//
// check_gradients(f, x): f maps a list of input matrices to an output of any
// shape. The output is reduced to a scalar with a fixed random weighting,
// L(x) = sum(f(x) * R), so every output element takes part, and grad(L, x) is
// compared element by element with central differences
// (L(x + h e_k) - L(x - h e_k)) / 2h.
//
// check_hvp(f, x): the same scalar L, differentiated twice. With
// g = grad(L, x, create_graph = true) and a random direction v, the
// Hessian-vector product H v = grad(sum_i <g_i, v_i>, x) is compared with
// central differences of first-order gradients (g(x + h v) - g(x - h v)) / 2h.
//
// Tolerances: an analytic value a and a numeric value n agree when
// |a - n| <= tolerance * max(1, |a|, |n|), i.e. absolute near zero and
// relative for large values. In double precision, central differences with
// h = 1e-6 have a truncation error ~h^2 |f'''| ~ 1e-12 and a rounding error
// ~eps |L| / h ~ 1e-10 |L|, so 1e-6 leaves a margin of about three orders of
// magnitude for the O(1..10) quantities these tests use (the worst scaled
// error measured over the suite is ~3e-9 for first derivatives), while a wrong
// gradient (a missing factor, a transposed index) is off by O(1).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/autodiff/ops.h"
#include "core/autodiff/tensor.h"
#include "core/common/rng.h"

namespace metalab::ad::testing {

using TD = Tensor<double>;
using MD = Mat<double>;
using Fn = std::function<TD(const std::vector<TD>&)>;

// Step of the central differences for first derivatives.
constexpr double kFiniteDiffStep = 1e-6;
// Agreement of analytic and numeric first derivatives (absolute/relative mix, see above).
constexpr double kGradTolerance = 1e-6;
// Step along the direction v for finite differences of gradients (second
// derivatives). With 1e-5 the truncation error dominated (worst scaled error
// 7e-8, on tanh(conv2d)); with 1e-6 the worst is ~1e-9 over the whole suite.
constexpr double kHvpStep = 1e-6;
// Agreement of Hessian-vector products with finite differences of gradients.
constexpr double kHvpTolerance = 1e-6;
// Tolerance for values that must agree to rounding (closed-form derivatives, repeated runs).
constexpr double kExactTolerance = 1e-12;

inline bool agree(double analytic, double numeric, double tolerance) {
  const double scale = std::max({1.0, std::abs(analytic), std::abs(numeric)});
  return std::abs(analytic - numeric) <= tolerance * scale;
}

// Reads a tensor through a const reference: on a non-const Tensor,
// Reads whether a tensor tracks gradients (kept from when the setter shared the name).
inline bool tracks_grad(const TD& t) { return t.requires_grad(); }

inline MD uniform(Rng& rng, Eigen::Index rows, Eigen::Index cols, double lo = -1.0, double hi = 1.0) {
  MD m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = rng.uniform(lo, hi);
  return m;
}

// Uniform magnitudes in [lo, hi] with random signs: inputs kept away from 0
// (denominators, relu kinks).
inline MD away_from_zero(Rng& rng, Eigen::Index rows, Eigen::Index cols, double lo = 0.2, double hi = 1.5) {
  MD m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = (rng.uniform() < 0.5 ? -1.0 : 1.0) * rng.uniform(lo, hi);
  return m;
}

inline MD normal(Rng& rng, Eigen::Index rows, Eigen::Index cols, double stddev = 1.0) {
  MD m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = rng.normal(0.0, stddev);
  return m;
}

inline std::string shape_of(const MD& m) {
  std::ostringstream s;
  s << "[" << m.rows() << "x" << m.cols() << "]";
  return s.str();
}

inline std::string shapes_of(const std::vector<MD>& xs) {
  std::string s;
  for (const auto& x : xs) s += shape_of(x);
  return s;
}

// Leaf tensors (marked as variables when `track` is set) holding the given values.
inline std::vector<TD> make_leaves(const std::vector<MD>& values, bool track) {
  std::vector<TD> leaves;
  for (const auto& v : values) {
    TD t(v);
    if (track) t.set_requires_grad();
    leaves.push_back(t);
  }
  return leaves;
}

// The fixed random weighting R for an output of f at x.
inline MD output_weighting(const Fn& f, const std::vector<MD>& x, std::uint64_t seed) {
  MD shape;
  {
    NoGradGuard no_grad;
    shape = f(make_leaves(x, false)).value();
  }
  Rng rng(seed ^ 0x5eedULL);
  return normal(rng, shape.rows(), shape.cols());
}

// L(x) = sum(f(x) * R) evaluated without recording a graph.
inline double weighted_value(const Fn& f, const std::vector<MD>& x, const MD& r) {
  NoGradGuard no_grad;
  const TD y = f(make_leaves(x, false));
  EXPECT_EQ(y.rows(), r.rows());
  EXPECT_EQ(y.cols(), r.cols());
  return (y.value().array() * r.array()).sum();
}

inline TD weighted_loss(const Fn& f, const std::vector<TD>& x, const MD& r) { return sum(mul(f(x), TD(r))); }

// First-order gradients of L at x (no graph kept).
inline std::vector<MD> analytic_gradients(const Fn& f, const std::vector<MD>& x, const MD& r) {
  const std::vector<TD> leaves = make_leaves(x, true);
  const std::vector<TD> g = grad(weighted_loss(f, leaves, r), leaves);
  std::vector<MD> out;
  for (const auto& gi : g) out.push_back(gi.value());
  return out;
}

// Element-by-element comparison; reports at most a few mismatches per matrix.
inline void expect_matrices_agree(const std::string& what, const MD& analytic, const MD& numeric, double tolerance) {
  ASSERT_EQ(analytic.rows(), numeric.rows()) << what;
  ASSERT_EQ(analytic.cols(), numeric.cols()) << what;
  int reported = 0, failures = 0;
  double worst = 0.0;
  for (Eigen::Index i = 0; i < analytic.rows(); ++i) {
    for (Eigen::Index j = 0; j < analytic.cols(); ++j) {
      const double a = analytic(i, j), n = numeric(i, j);
      const double scale = std::max({1.0, std::abs(a), std::abs(n)});
      worst = std::max(worst, std::abs(a - n) / scale);
      if (std::isfinite(a) && agree(a, n, tolerance)) continue;
      ++failures;
      if (reported++ < 5)
        ADD_FAILURE() << what << " element (" << i << ", " << j << "): analytic " << a << " vs numeric " << n;
    }
  }
  EXPECT_EQ(failures, 0) << what << ": " << failures << " of " << analytic.size()
                         << " elements disagree; worst scaled error " << worst;
}

// Checks grad() of sum(f(x) * R) against central differences for every element
// of every input in `check` (all inputs when empty).
inline void check_gradients(const std::string& name, const Fn& f, const std::vector<MD>& x, std::uint64_t seed = 1,
                            std::vector<int> check = {}) {
  SCOPED_TRACE(name + " with inputs " + shapes_of(x));
  if (check.empty())
    for (int i = 0; i < static_cast<int>(x.size()); ++i) check.push_back(i);
  const MD r = output_weighting(f, x, seed);
  const std::vector<MD> analytic = analytic_gradients(f, x, r);
  ASSERT_EQ(analytic.size(), x.size());
  for (int i : check) {
    ASSERT_EQ(analytic[i].rows(), x[i].rows());
    ASSERT_EQ(analytic[i].cols(), x[i].cols());
    MD numeric(x[i].rows(), x[i].cols());
    std::vector<MD> xp = x;
    for (Eigen::Index k = 0; k < x[i].size(); ++k) {
      const double original = x[i].data()[k];
      xp[i].data()[k] = original + kFiniteDiffStep;
      const double up = weighted_value(f, xp, r);
      xp[i].data()[k] = original - kFiniteDiffStep;
      const double down = weighted_value(f, xp, r);
      xp[i].data()[k] = original;
      numeric.data()[k] = (up - down) / (2 * kFiniteDiffStep);
    }
    expect_matrices_agree(name + " d/d(input " + std::to_string(i) + ")", analytic[i], numeric, kGradTolerance);
  }
}

// Hessian-vector product by double backward, checked against finite differences
// of first-order gradients along a random direction v (over all inputs at once).
inline void check_hvp(const std::string& name, const Fn& f, const std::vector<MD>& x, std::uint64_t seed = 1) {
  SCOPED_TRACE(name + " (Hessian-vector product) with inputs " + shapes_of(x));
  const MD r = output_weighting(f, x, seed);
  Rng rng(seed ^ 0xdecadeULL);
  std::vector<MD> v;
  for (const auto& xi : x) v.push_back(normal(rng, xi.rows(), xi.cols()));

  // Double backward.
  const std::vector<TD> leaves = make_leaves(x, true);
  const std::vector<TD> g = grad(weighted_loss(f, leaves, r), leaves, GradOptions{true});
  TD gv = TD::scalar(0.0);
  for (std::size_t i = 0; i < g.size(); ++i) gv = add(gv, sum(mul(g[i], TD(v[i]))));
  const std::vector<TD> hv = grad(gv, leaves);

  // Finite differences of gradients.
  std::vector<MD> xp = x, xm = x;
  for (std::size_t i = 0; i < x.size(); ++i) {
    xp[i] += kHvpStep * v[i];
    xm[i] -= kHvpStep * v[i];
  }
  const std::vector<MD> gp = analytic_gradients(f, xp, r);
  const std::vector<MD> gm = analytic_gradients(f, xm, r);
  // The first-order values of the create_graph pass equal the plain ones.
  const std::vector<MD> plain = analytic_gradients(f, x, r);
  for (std::size_t i = 0; i < x.size(); ++i) {
    expect_matrices_agree(name + " create_graph gradient of input " + std::to_string(i), g[i].value(), plain[i],
                          kExactTolerance);
    const MD numeric = (gp[i] - gm[i]) / (2 * kHvpStep);
    expect_matrices_agree(name + " (H v) for input " + std::to_string(i), hv[i].value(), numeric, kHvpTolerance);
  }
}

// Both checks: first derivatives element by element, then second derivatives
// along a random direction (every backward rule must itself be differentiable).
inline void check_first_and_second(const std::string& name, const Fn& f, const std::vector<MD>& x,
                                   std::uint64_t seed = 1) {
  check_gradients(name, f, x, seed);
  check_hvp(name, f, x, seed);
}

}  // namespace metalab::ad::testing
