// Every operation of ops.h: first derivatives against central finite
// differences (every element of every input), and second derivatives
// (Hessian-vector products by double backward) against finite differences of
// gradients, on random values and shapes that include 1-row and 1-column cases.
#include <gtest/gtest.h>

#include <array>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tests/autodiff/gradcheck.h"

namespace metalab::ad::testing {
namespace {

using Eigen::Index;

struct Shape {
  Index rows, cols;
};

std::string str(Shape s) { return "[" + std::to_string(s.rows) + "x" + std::to_string(s.cols) + "]"; }

// 1x1, 1xC, Rx1 and RxC with R and C random in [2, 4].
std::vector<Shape> test_shapes(Rng& rng) {
  const Index r = rng.randint(2, 4), c = rng.randint(2, 4);
  return {{1, 1}, {1, c}, {r, 1}, {r, c}};
}

using Generator = std::function<MD(Rng&, Index, Index)>;
const Generator kUniform = [](Rng& rng, Index r, Index c) { return uniform(rng, r, c); };
const Generator kWide = [](Rng& rng, Index r, Index c) { return uniform(rng, r, c, -3.0, 3.0); };
const Generator kPositive = [](Rng& rng, Index r, Index c) { return uniform(rng, r, c, 0.5, 2.0); };
const Generator kAwayFromZero = [](Rng& rng, Index r, Index c) { return away_from_zero(rng, r, c); };

void check_unary(const std::string& name, const std::function<TD(const TD&)>& op, const Generator& gen,
                 std::uint64_t seed) {
  Rng rng(seed);
  for (const Shape s : test_shapes(rng)) {
    const Fn f = [&](const std::vector<TD>& x) { return op(x[0]); };
    check_first_and_second(name + " on " + str(s), f, {gen(rng, s.rows, s.cols)}, rng.next_u64());
  }
}

// Every 2-D broadcast pattern: same shape, 1xC row, Rx1 column, 1x1 scalar (on
// either side), Rx1 + 1xC outer, and the degenerate 1-row / 1-column variants.
std::vector<std::pair<Shape, Shape>> broadcast_patterns(Rng& rng) {
  const Index r = rng.randint(2, 4), c = rng.randint(2, 4);
  return {{{r, c}, {r, c}}, {{r, c}, {1, c}}, {{1, c}, {r, c}}, {{r, c}, {r, 1}}, {{r, 1}, {r, c}},
          {{r, c}, {1, 1}}, {{1, 1}, {r, c}}, {{r, 1}, {1, c}}, {{1, c}, {r, 1}}, {{1, c}, {1, c}},
          {{r, 1}, {r, 1}}, {{1, 1}, {1, 1}}, {{1, c}, {1, 1}}, {{1, 1}, {r, 1}}};
}

void check_binary(const std::string& name, const std::function<TD(const TD&, const TD&)>& op, const Generator& gen_a,
                  const Generator& gen_b, std::uint64_t seed) {
  Rng rng(seed);
  for (const auto& [sa, sb] : broadcast_patterns(rng)) {
    const Fn f = [&](const std::vector<TD>& x) { return op(x[0], x[1]); };
    const std::vector<MD> x = {gen_a(rng, sa.rows, sa.cols), gen_b(rng, sb.rows, sb.cols)};
    {
      NoGradGuard no_grad;
      const TD y = f(make_leaves(x, false));
      EXPECT_EQ(y.rows(), std::max(sa.rows, sb.rows)) << name << " " << str(sa) << " " << str(sb);
      EXPECT_EQ(y.cols(), std::max(sa.cols, sb.cols)) << name << " " << str(sa) << " " << str(sb);
    }
    check_first_and_second(name + " " + str(sa) + " with " + str(sb), f, x, rng.next_u64());
  }
}

// ---------------------------------------------------------------- arithmetic

TEST(OpGradient, AddAllBroadcastPatterns) {
  check_binary("add", [](const TD& a, const TD& b) { return add(a, b); }, kUniform, kUniform, 101);
}

TEST(OpGradient, SubAllBroadcastPatterns) {
  check_binary("sub", [](const TD& a, const TD& b) { return sub(a, b); }, kUniform, kUniform, 102);
}

TEST(OpGradient, MulAllBroadcastPatterns) {
  check_binary("mul", [](const TD& a, const TD& b) { return mul(a, b); }, kUniform, kUniform, 103);
}

TEST(OpGradient, DivAllBroadcastPatterns) {
  check_binary("div", [](const TD& a, const TD& b) { return div(a, b); }, kUniform, kAwayFromZero, 104);
}

TEST(OpGradient, AddScalarMulScalarNeg) {
  check_unary("add_scalar", [](const TD& a) { return add_scalar(a, 0.75); }, kUniform, 111);
  check_unary("mul_scalar", [](const TD& a) { return mul_scalar(a, -1.7); }, kUniform, 112);
  check_unary("neg", [](const TD& a) { return neg(a); }, kUniform, 113);
}

TEST(OpGradient, OperatorsWithScalarsAndTensors) {
  Rng rng(114);
  const Fn f = [](const std::vector<TD>& x) {
    const TD& a = x[0];
    const TD& b = x[1];
    return (a + b) * (a - b) / (2.0 - b) + 3 * a - a / 4 + (-a) * 0.5 - 1.0 + (1.5 + b);
  };
  check_first_and_second("operators", f, {uniform(rng, 3, 2), uniform(rng, 1, 2)}, 115);
}

// ---------------------------------------------------------------- products

TEST(OpGradient, MatmulAllTransposeCombinations) {
  Rng rng(121);
  // (m, k, n): op(a) is m x k, op(b) is k x n; includes 1-row, 1-column and inner-1 cases.
  const std::vector<std::array<Index, 3>> sizes = {{3, 4, 2}, {1, 3, 2}, {3, 2, 1}, {2, 1, 3}, {1, 1, 1}, {1, 4, 1}};
  for (int ta = 0; ta < 2; ++ta) {
    for (int tb = 0; tb < 2; ++tb) {
      for (const auto& [m, k, n] : sizes) {
        const MD a = ta ? uniform(rng, k, m) : uniform(rng, m, k);
        const MD b = tb ? uniform(rng, n, k) : uniform(rng, k, n);
        const Fn f = [ta, tb](const std::vector<TD>& x) { return matmul(x[0], x[1], ta != 0, tb != 0); };
        {
          NoGradGuard no_grad;
          const MD expected = (ta ? MD(a.transpose()) : a) * (tb ? MD(b.transpose()) : b);
          const MD got = f(make_leaves({a, b}, false)).value();
          ASSERT_EQ(got.rows(), m);
          ASSERT_EQ(got.cols(), n);
          EXPECT_TRUE(got.isApprox(expected, kExactTolerance));
        }
        check_first_and_second("matmul ta=" + std::to_string(ta) + " tb=" + std::to_string(tb), f, {a, b},
                               rng.next_u64());
      }
    }
  }
}

TEST(OpGradient, Transpose) {
  check_unary("transpose", [](const TD& a) { return transpose(a); }, kUniform, 122);
}

TEST(OpGradient, Linear) {
  Rng rng(123);
  // (n, d, o): x is n x d, w is d x o, b is 1 x o.
  for (const auto& [n, d, o] : std::vector<std::array<Index, 3>>{{3, 4, 2}, {1, 3, 2}, {3, 1, 1}, {4, 2, 1}, {1, 1, 3}}) {
    const Fn f = [](const std::vector<TD>& x) { return linear(x[0], x[1], x[2]); };
    check_first_and_second("linear", f, {uniform(rng, n, d), uniform(rng, d, o), uniform(rng, 1, o)}, rng.next_u64());
  }
}

// ---------------------------------------------------------------- elementwise

TEST(OpGradient, Exp) { check_unary("exp", [](const TD& a) { return exp(a); }, kUniform, 131); }
TEST(OpGradient, LogOfPositiveInputs) { check_unary("log", [](const TD& a) { return log(a); }, kPositive, 132); }
TEST(OpGradient, SqrtOfPositiveInputs) { check_unary("sqrt", [](const TD& a) { return sqrt(a); }, kPositive, 133); }
TEST(OpGradient, Square) { check_unary("square", [](const TD& a) { return square(a); }, kUniform, 134); }

TEST(OpGradient, Pow) {
  for (const double p : {2.5, -1.5, 0.5, 1.0}) {
    check_unary("pow " + std::to_string(p) + " of positive inputs", [p](const TD& a) { return pow(a, p); }, kPositive,
                135);
  }
  // Integer exponents are defined for negative bases too.
  for (const double p : {2.0, 3.0, -2.0}) {
    check_unary("pow " + std::to_string(p) + " of signed inputs", [p](const TD& a) { return pow(a, p); },
                kAwayFromZero, 136);
  }
}

TEST(OpGradient, Tanh) { check_unary("tanh", [](const TD& a) { return tanh(a); }, kWide, 137); }
TEST(OpGradient, SigmoidBothBranches) {
  check_unary("sigmoid", [](const TD& a) { return sigmoid(a); }, kWide, 138);
}
TEST(OpGradient, ReluAwayFromTheKink) {
  check_unary("relu", [](const TD& a) { return relu(a); }, kAwayFromZero, 139);
}
TEST(OpGradient, Softplus) { check_unary("softplus", [](const TD& a) { return softplus(a); }, kWide, 140); }

TEST(OpGradient, MulConstant) {
  Rng rng(141);
  for (const Shape s : test_shapes(rng)) {
    const MD mask = uniform(rng, s.rows, s.cols);
    check_first_and_second("mul_constant on " + str(s), [mask](const std::vector<TD>& x) { return mul_constant(x[0], mask); },
                           {uniform(rng, s.rows, s.cols)}, rng.next_u64());
  }
}

// ---------------------------------------------------------------- reductions and broadcasts

TEST(OpGradient, SumAndMean) {
  check_unary("sum", [](const TD& a) { return sum(a); }, kUniform, 151);
  check_unary("mean", [](const TD& a) { return mean(a); }, kUniform, 152);
}

TEST(OpGradient, ColumnAndRowReductions) {
  check_unary("col_sum", [](const TD& a) { return col_sum(a); }, kUniform, 153);
  check_unary("col_mean", [](const TD& a) { return col_mean(a); }, kUniform, 154);
  check_unary("row_sum", [](const TD& a) { return row_sum(a); }, kUniform, 155);
  check_unary("row_mean", [](const TD& a) { return row_mean(a); }, kUniform, 156);
  // Products of reductions make the second derivatives non-trivial.
  check_unary("col_sum * row_sum", [](const TD& a) { return mul(row_sum(a), col_sum(square(a))); }, kUniform, 157);
}

TEST(OpGradient, Expand) {
  Rng rng(158);
  const Index r = 3, c = 4;
  const std::vector<std::pair<Shape, Shape>> cases = {{{1, 1}, {r, c}}, {{1, c}, {r, c}}, {{r, 1}, {r, c}},
                                                      {{1, 1}, {1, c}}, {{1, 1}, {r, 1}}, {{r, c}, {r, c}}};
  for (const auto& [from, to] : cases) {
    const Fn f = [to = to](const std::vector<TD>& x) { return mul(expand(x[0], to.rows, to.cols), x[0]); };
    const Fn g = [to = to](const std::vector<TD>& x) { return expand(x[0], to.rows, to.cols); };
    check_first_and_second("expand " + str(from) + " to " + str(to), g, {uniform(rng, from.rows, from.cols)}, 1);
    check_first_and_second("expand(x) * x " + str(from) + " to " + str(to), f, {uniform(rng, from.rows, from.cols)}, 2);
  }
}

TEST(OpGradient, ReduceTo) {
  Rng rng(159);
  const std::vector<std::pair<Shape, Shape>> cases = {{{3, 4}, {1, 1}}, {{3, 4}, {1, 4}}, {{3, 4}, {3, 1}},
                                                      {{1, 4}, {1, 1}}, {{3, 1}, {1, 1}}, {{3, 4}, {3, 4}}};
  for (const auto& [from, to] : cases) {
    const Fn f = [to = to](const std::vector<TD>& x) { return square(reduce_to(x[0], to.rows, to.cols)); };
    check_first_and_second("reduce_to " + str(from) + " to " + str(to), f, {uniform(rng, from.rows, from.cols)},
                           rng.next_u64());
  }
}

// ---------------------------------------------------------------- shapes and indexing

TEST(OpGradient, Reshape) {
  Rng rng(161);
  const std::vector<std::pair<Shape, Shape>> cases = {{{3, 4}, {12, 1}}, {{3, 4}, {1, 12}}, {{3, 4}, {2, 6}},
                                                      {{3, 4}, {6, 2}},  {{1, 6}, {6, 1}},  {{6, 1}, {1, 6}},
                                                      {{3, 4}, {3, 4}}};
  for (const auto& [from, to] : cases) {
    const Fn f = [to = to](const std::vector<TD>& x) {
      return mul(reshape(x[0], to.rows, to.cols), reshape(square(x[0]), to.rows, to.cols));
    };
    const MD a = uniform(rng, from.rows, from.cols);
    {
      NoGradGuard no_grad;
      const MD got = reshape(TD(a), to.rows, to.cols).value();
      ASSERT_EQ(got.rows(), to.rows);
      for (Index k = 0; k < a.size(); ++k) EXPECT_EQ(got.data()[k], a.data()[k]) << "reshape keeps row-major order";
    }
    check_first_and_second("reshape " + str(from) + " to " + str(to), f, {a}, rng.next_u64());
  }
}

TEST(OpGradient, ConcatRowsAndCols) {
  Rng rng(162);
  const Fn rows = [](const std::vector<TD>& x) { return concat_rows(x); };
  const Fn cols = [](const std::vector<TD>& x) { return concat_cols(x); };
  check_first_and_second("concat_rows", rows, {uniform(rng, 1, 3), uniform(rng, 2, 3), uniform(rng, 3, 3)}, 1);
  check_first_and_second("concat_rows 1 column", rows, {uniform(rng, 2, 1), uniform(rng, 1, 1)}, 2);
  check_first_and_second("concat_rows single", rows, {uniform(rng, 2, 3)}, 3);
  check_first_and_second("concat_cols", cols, {uniform(rng, 3, 1), uniform(rng, 3, 2), uniform(rng, 3, 3)}, 4);
  check_first_and_second("concat_cols 1 row", cols, {uniform(rng, 1, 2), uniform(rng, 1, 1)}, 5);
  // The same tensor twice, and a product so that second derivatives do not vanish.
  const Fn twice = [](const std::vector<TD>& x) { return square(concat_cols(std::vector<TD>{x[0], x[1], x[0]})); };
  check_first_and_second("concat_cols repeated part", twice, {uniform(rng, 2, 2), uniform(rng, 2, 1)}, 6);
}

TEST(OpGradient, SliceAndPad) {
  Rng rng(163);
  const MD a = uniform(rng, 4, 5);
  struct Block {
    Index row, col, rows, cols;
  };
  for (const Block b : {Block{1, 2, 2, 3}, Block{0, 0, 1, 1}, Block{3, 0, 1, 5}, Block{0, 4, 4, 1}, Block{0, 0, 4, 5},
                        Block{2, 1, 0, 2}}) {
    const std::string where = "(" + std::to_string(b.row) + "," + std::to_string(b.col) + ") size " +
                              str({b.rows, b.cols});
    const Fn f = [b](const std::vector<TD>& x) { return square(slice(x[0], b.row, b.col, b.rows, b.cols)); };
    check_first_and_second("slice " + where, f, {a}, 1);
    const Fn p = [b](const std::vector<TD>& x) { return square(pad(x[0], b.row, b.col, 4, 5)); };
    check_first_and_second("pad " + where, p, {uniform(rng, b.rows, b.cols)}, 2);
  }
  check_first_and_second("slice_rows", [](const std::vector<TD>& x) { return square(slice_rows(x[0], 1, 2)); }, {a}, 3);
  check_first_and_second("slice_cols", [](const std::vector<TD>& x) { return square(slice_cols(x[0], 2, 3)); }, {a}, 4);
  check_first_and_second("slice_rows of a column",
                         [](const std::vector<TD>& x) { return square(slice_rows(x[0], 2, 1)); },
                         {uniform(rng, 4, 1)}, 5);
  check_first_and_second("slice_cols of a row",
                         [](const std::vector<TD>& x) { return square(slice_cols(x[0], 0, 3)); },
                         {uniform(rng, 1, 5)}, 6);
}

TEST(OpGradient, GatherRowsWithRepeatedIndices) {
  Rng rng(164);
  const std::vector<int> index = {2, 0, 2, 3, 2};
  const Fn f = [&](const std::vector<TD>& x) { return gather_rows(x[0], index); };
  const Fn g = [&](const std::vector<TD>& x) { return square(gather_rows(x[0], index)); };
  check_first_and_second("gather_rows", f, {uniform(rng, 4, 3)}, 1);
  check_first_and_second("gather_rows squared", g, {uniform(rng, 4, 3)}, 2);
  check_first_and_second("gather_rows of a column", g, {uniform(rng, 4, 1)}, 3);
  check_first_and_second("gather_rows one row", [](const std::vector<TD>& x) { return square(gather_rows(x[0], {0, 0})); },
                         {uniform(rng, 1, 3)}, 4);
}

TEST(OpGradient, ScatterAddRowsWithRepeatedIndices) {
  Rng rng(165);
  const std::vector<int> index = {1, 1, 0, 3, 1};
  const Fn f = [&](const std::vector<TD>& x) { return square(scatter_add_rows(x[0], index, 4)); };
  check_first_and_second("scatter_add_rows", f, {uniform(rng, 5, 3)}, 1);
  check_first_and_second("scatter_add_rows of a column", f, {uniform(rng, 5, 1)}, 2);
  {
    NoGradGuard no_grad;
    const MD a = uniform(rng, 5, 2);
    const MD out = scatter_add_rows(TD(a), index, 4).value();
    EXPECT_TRUE(out.row(1).isApprox(a.row(0) + a.row(1) + a.row(4), kExactTolerance));
    EXPECT_TRUE(out.row(2).isZero());
  }
}

TEST(OpGradient, PickAndUnpick) {
  Rng rng(166);
  const std::vector<int> column = {0, 4, 2, 2};
  check_first_and_second("pick", [&](const std::vector<TD>& x) { return square(pick(x[0], column)); },
                         {uniform(rng, 4, 5)}, 1);
  check_first_and_second("unpick", [&](const std::vector<TD>& x) { return square(unpick(x[0], column, 5)); },
                         {uniform(rng, 4, 1)}, 2);
  check_first_and_second("pick one column", [](const std::vector<TD>& x) { return square(pick(x[0], {0, 0, 0})); },
                         {uniform(rng, 3, 1)}, 3);
}

TEST(OpGradient, GatherFlatAndScatterFlatWithRepeatedIndices) {
  Rng rng(167);
  auto index = std::make_shared<const std::vector<int>>(std::vector<int>{11, 0, 5, 5, 7, 11});
  check_first_and_second("gather_flat", [&](const std::vector<TD>& x) { return square(gather_flat(x[0], index, 2, 3)); },
                         {uniform(rng, 3, 4)}, 1);
  check_first_and_second("gather_flat to a column",
                         [&](const std::vector<TD>& x) { return square(gather_flat(x[0], index, 6, 1)); },
                         {uniform(rng, 12, 1)}, 2);
  check_first_and_second("scatter_flat",
                         [&](const std::vector<TD>& x) { return square(scatter_flat(x[0], index, 3, 4)); },
                         {uniform(rng, 2, 3)}, 3);
  check_first_and_second("scatter_flat from a row",
                         [&](const std::vector<TD>& x) { return square(scatter_flat(x[0], index, 1, 12)); },
                         {uniform(rng, 1, 6)}, 4);
}

// ---------------------------------------------------------------- losses and normalisations

TEST(OpGradient, LogSoftmaxAndSoftmax) {
  check_unary("log_softmax", [](const TD& a) { return log_softmax(a); }, kWide, 171);
  check_unary("softmax", [](const TD& a) { return softmax(a); }, kWide, 172);
}

TEST(OpGradient, CrossEntropy) {
  Rng rng(173);
  check_first_and_second("cross_entropy", [](const std::vector<TD>& x) { return cross_entropy(x[0], {2, 0, 2, 1}); },
                         {uniform(rng, 4, 3, -2, 2)}, 1);
  check_first_and_second("cross_entropy one row", [](const std::vector<TD>& x) { return cross_entropy(x[0], {4}); },
                         {uniform(rng, 1, 5, -2, 2)}, 2);
  check_first_and_second("cross_entropy two classes",
                         [](const std::vector<TD>& x) { return cross_entropy(x[0], {1, 1, 0}); },
                         {uniform(rng, 3, 2, -2, 2)}, 3);
  // Value: the mean of -log softmax at the labels.
  NoGradGuard no_grad;
  const MD z = uniform(rng, 3, 4);
  const double got = cross_entropy(TD(z), {3, 0, 1}).item();
  double expected = 0;
  const int labels[] = {3, 0, 1};
  for (int i = 0; i < 3; ++i) expected += -(z(i, labels[i]) - std::log(z.row(i).array().exp().sum())) / 3;
  EXPECT_NEAR(got, expected, kExactTolerance);
}

TEST(OpGradient, Mse) {
  Rng rng(174);
  for (const Shape s : test_shapes(rng)) {
    check_first_and_second("mse on " + str(s), [](const std::vector<TD>& x) { return mse(x[0], x[1]); },
                           {uniform(rng, s.rows, s.cols), uniform(rng, s.rows, s.cols)}, rng.next_u64());
  }
}

TEST(OpGradient, PairwiseSqDist) {
  Rng rng(175);
  for (const auto& [n, m, d] : std::vector<std::array<Index, 3>>{{3, 4, 2}, {1, 3, 2}, {3, 1, 4}, {2, 3, 1}, {1, 1, 1}}) {
    const MD a = uniform(rng, n, d), b = uniform(rng, m, d);
    {
      NoGradGuard no_grad;
      const MD got = pairwise_sq_dist(TD(a), TD(b)).value();
      for (Index i = 0; i < n; ++i)
        for (Index j = 0; j < m; ++j) EXPECT_NEAR(got(i, j), (a.row(i) - b.row(j)).squaredNorm(), kExactTolerance);
    }
    check_first_and_second("pairwise_sq_dist", [](const std::vector<TD>& x) { return pairwise_sq_dist(x[0], x[1]); },
                           {a, b}, rng.next_u64());
  }
}

TEST(OpGradient, CosineSimilarityAndNormalizeRows) {
  Rng rng(176);
  for (const auto& [n, m, d] : std::vector<std::array<Index, 3>>{{3, 4, 2}, {1, 3, 3}, {3, 1, 4}, {2, 2, 1}}) {
    const MD a = away_from_zero(rng, n, d), b = away_from_zero(rng, m, d);
    {
      NoGradGuard no_grad;
      const MD got = cosine_similarity(TD(a), TD(b)).value();
      for (Index i = 0; i < n; ++i)
        for (Index j = 0; j < m; ++j)
          EXPECT_NEAR(got(i, j), a.row(i).dot(b.row(j)) / (a.row(i).norm() * b.row(j).norm()), 1e-7);
    }
    check_first_and_second("cosine_similarity",
                           [](const std::vector<TD>& x) { return cosine_similarity(x[0], x[1]); }, {a, b},
                           rng.next_u64());
    check_first_and_second("normalize_rows", [](const std::vector<TD>& x) { return normalize_rows(x[0]); }, {a},
                           rng.next_u64());
  }
}

// ---------------------------------------------------------------- images

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

// Stride 1 and 2, padding 0 and 1, multi-channel, batch > 1, odd sizes.
std::vector<ConvGeometry> test_geometries() {
  return {geometry(2, 4, 5, 2, 3, 1, 1), geometry(2, 5, 4, 3, 3, 2, 0), geometry(2, 5, 5, 2, 3, 2, 1),
          geometry(3, 3, 4, 1, 2, 1, 0), geometry(1, 4, 4, 2, 3, 1, 0), geometry(2, 4, 3, 2, 1, 2, 0),
          geometry(2, 3, 3, 2, 2, 2, 1)};
}

// Direct convolution: out[n, oy, ox, co] = b[co] + sum w[(ky, kx, c), co] x[n, y, x, c].
MD naive_conv(const MD& x, const MD& w, const MD& b, const ConvGeometry& g) {
  const int oh = g.out_height(), ow = g.out_width(), c = g.input.channels, k = g.kernel;
  MD out(static_cast<Index>(g.input.batch) * oh * ow, w.cols());
  for (int n = 0; n < g.input.batch; ++n)
    for (int oy = 0; oy < oh; ++oy)
      for (int ox = 0; ox < ow; ++ox)
        for (Index co = 0; co < w.cols(); ++co) {
          double s = b(0, co);
          for (int ky = 0; ky < k; ++ky)
            for (int kx = 0; kx < k; ++kx)
              for (int ch = 0; ch < c; ++ch) {
                const int y = oy * g.stride - g.padding + ky, xx = ox * g.stride - g.padding + kx;
                if (y < 0 || y >= g.input.height || xx < 0 || xx >= g.input.width) continue;
                s += w((ky * k + kx) * c + ch, co) * x((n * g.input.height + y) * g.input.width + xx, ch);
              }
          out((n * oh + oy) * ow + ox, co) = s;
        }
  return out;
}

TEST(OpGradient, Im2colAndCol2im) {
  Rng rng(181);
  for (const ConvGeometry& g : test_geometries()) {
    const Index rows = static_cast<Index>(g.input.batch) * g.out_height() * g.out_width();
    const Index width = static_cast<Index>(g.kernel) * g.kernel * g.input.channels;
    const MD x = uniform(rng, g.input.rows(), g.input.channels);
    const MD cols = uniform(rng, rows, width);
    {
      // col2im is the adjoint of im2col: <im2col(x), y> = <x, col2im(y)>.
      NoGradGuard no_grad;
      const MD px = im2col(TD(x), g).value();
      ASSERT_EQ(px.rows(), rows);
      ASSERT_EQ(px.cols(), width);
      const MD back = col2im(TD(cols), g).value();
      EXPECT_NEAR((px.array() * cols.array()).sum(), (x.array() * back.array()).sum(), kExactTolerance * 100)
          << str(g);
    }
    check_first_and_second("im2col " + str(g), [g](const std::vector<TD>& v) { return square(im2col(v[0], g)); }, {x},
                           rng.next_u64());
    check_first_and_second("col2im " + str(g), [g](const std::vector<TD>& v) { return square(col2im(v[0], g)); },
                           {cols}, rng.next_u64());
  }
}

TEST(OpGradient, Conv2d) {
  Rng rng(182);
  int c_out = 1;
  for (const ConvGeometry& g : test_geometries()) {
    c_out = c_out % 3 + 1;
    const Index patch = static_cast<Index>(g.kernel) * g.kernel * g.input.channels;
    const MD x = uniform(rng, g.input.rows(), g.input.channels);
    const MD w = uniform(rng, patch, c_out), b = uniform(rng, 1, c_out);
    {
      NoGradGuard no_grad;
      const MD got = conv2d(TD(x), TD(w), TD(b), g).value();
      const MD expected = naive_conv(x, w, b, g);
      ASSERT_EQ(got.rows(), expected.rows()) << str(g);
      EXPECT_TRUE(got.isApprox(expected, kExactTolerance)) << str(g);
    }
    check_first_and_second("conv2d " + str(g),
                           [g](const std::vector<TD>& v) { return conv2d(v[0], v[1], v[2], g); }, {x, w, b},
                           rng.next_u64());
    check_first_and_second("tanh(conv2d) " + str(g),
                           [g](const std::vector<TD>& v) { return tanh(conv2d(v[0], v[1], v[2], g)); }, {x, w, b},
                           rng.next_u64());
  }
}

// Distinct values at least 0.01 apart in random order, so that the argmax of
// every window is unambiguous and finite differences never change it.
MD distinct_values(Rng& rng, Index rows, Index cols) {
  std::vector<double> v(static_cast<std::size_t>(rows * cols));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = -1.0 + 0.05 * static_cast<double>(i) + rng.uniform(0.0, 0.03);
  rng.shuffle(v);
  return Eigen::Map<MD>(v.data(), rows, cols);
}

TEST(OpGradient, MaxPool2WithDistinctValues) {
  Rng rng(183);
  for (const ImageShape s : {ImageShape{2, 4, 4, 2}, ImageShape{1, 5, 3, 3}, ImageShape{2, 2, 2, 1},
                             ImageShape{3, 4, 6, 1}}) {
    const MD x = distinct_values(rng, s.rows(), s.channels);
    {
      NoGradGuard no_grad;
      const MD got = max_pool2(TD(x), s).value();
      const int oh = s.height / 2, ow = s.width / 2;
      ASSERT_EQ(got.rows(), static_cast<Index>(s.batch) * oh * ow);
      for (int n = 0; n < s.batch; ++n)
        for (int oy = 0; oy < oh; ++oy)
          for (int ox = 0; ox < ow; ++ox)
            for (int c = 0; c < s.channels; ++c) {
              double m = -1e300;
              for (int dy = 0; dy < 2; ++dy)
                for (int dx = 0; dx < 2; ++dx)
                  m = std::max(m, x((n * s.height + 2 * oy + dy) * s.width + 2 * ox + dx, c));
              EXPECT_EQ(got((n * oh + oy) * ow + ox, c), m);
            }
    }
    const std::string name = "max_pool2 N" + std::to_string(s.batch) + " " + std::to_string(s.height) + "x" +
                             std::to_string(s.width) + "x" + std::to_string(s.channels);
    check_first_and_second(name, [s](const std::vector<TD>& v) { return square(max_pool2(v[0], s)); }, {x},
                           rng.next_u64());
  }
}

TEST(OpGradient, BatchNormTrain) {
  Rng rng(184);
  for (const Shape s : {Shape{5, 3}, Shape{2, 1}, Shape{4, 1}, Shape{3, 4}, Shape{2, 2}}) {
    const MD x = uniform(rng, s.rows, s.cols, -2, 2);
    const MD gamma = uniform(rng, 1, s.cols, 0.5, 1.5), beta = uniform(rng, 1, s.cols);
    {
      NoGradGuard no_grad;
      const BatchNormResult<double> r = batch_norm_train(TD(x), TD(gamma), TD(beta));
      const MD mu = x.colwise().mean();
      const MD var = (x.rowwise() - mu.row(0)).array().square().colwise().mean();
      EXPECT_TRUE(r.batch_mean.isApprox(mu, kExactTolerance));
      EXPECT_TRUE(r.batch_var.isApprox(var, kExactTolerance));
      const MD normed = (x.rowwise() - mu.row(0)).array().rowwise() / (var.array() + 1e-5).sqrt().row(0);
      const MD expected = (normed.array().rowwise() * gamma.array().row(0)).rowwise() + beta.array().row(0);
      EXPECT_TRUE(r.output.value().isApprox(expected, 1e-10));
    }
    check_first_and_second("batch_norm_train " + str(s),
                           [](const std::vector<TD>& v) { return batch_norm_train(v[0], v[1], v[2]).output; },
                           {x, gamma, beta}, rng.next_u64());
  }
}

TEST(OpGradient, BatchNormEval) {
  Rng rng(185);
  for (const Shape s : {Shape{5, 3}, Shape{1, 3}, Shape{4, 1}, Shape{1, 1}}) {
    const MD mean = uniform(rng, 1, s.cols), var = uniform(rng, 1, s.cols, 0.5, 2.0);
    const Fn f = [mean, var](const std::vector<TD>& v) {
      return square(batch_norm_eval(v[0], v[1], v[2], mean, var));
    };
    check_first_and_second("batch_norm_eval " + str(s), f,
                           {uniform(rng, s.rows, s.cols), uniform(rng, 1, s.cols), uniform(rng, 1, s.cols)},
                           rng.next_u64());
  }
}

}  // namespace
}  // namespace metalab::ad::testing
