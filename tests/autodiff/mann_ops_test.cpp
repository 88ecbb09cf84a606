// The autodiff op added for the memory-augmented network: batched_matmul, the
// block-diagonal product the MANN uses for per-episode memory reads and writes.
// Values against a loop of ordinary products; first and second derivatives
// against central finite differences (gradcheck.h), for every transpose flag.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/autodiff/gradcheck.h"

namespace metalab::ad::testing {
namespace {

using Eigen::Index;

// Stacked blocks of the given per-block shape.
MD blocks(Rng& rng, int batch, Index rows, Index cols) { return uniform(rng, batch * rows, cols); }

// The reference: block-by-block Eigen products.
MD reference(const MD& a, const MD& b, int batch, bool ta, bool tb) {
  const Index ar = a.rows() / batch, br = b.rows() / batch;
  std::vector<MD> parts;
  Index rows = 0;
  for (int i = 0; i < batch; ++i) {
    MD ai = a.middleRows(i * ar, ar), bi = b.middleRows(i * br, br);
    if (ta) ai.transposeInPlace();
    if (tb) bi.transposeInPlace();
    parts.push_back(ai * bi);
    rows += parts.back().rows();
  }
  MD out(rows, parts[0].cols());
  Index r = 0;
  for (const auto& p : parts) {
    out.middleRows(r, p.rows()) = p;
    r += p.rows();
  }
  return out;
}

struct Case {
  int batch;
  Index p, q, r;  // op(a_i) is p x q, op(b_i) is q x r
  bool ta, tb;
};

std::string describe(const Case& c) {
  return "batched_matmul batch " + std::to_string(c.batch) + " (" + std::to_string(c.p) + "x" + std::to_string(c.q) +
         ")*(" + std::to_string(c.q) + "x" + std::to_string(c.r) + ")" + (c.ta ? " ta" : "") + (c.tb ? " tb" : "");
}

std::vector<Case> cases() {
  std::vector<Case> out;
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      out.push_back({3, 2, 4, 3, ta, tb});
      out.push_back({1, 3, 2, 2, ta, tb});  // batch 1 is an ordinary matmul
      out.push_back({2, 1, 3, 1, ta, tb});  // 1-row and 1-column blocks
    }
  return out;
}

MD make_a(Rng& rng, const Case& c) { return c.ta ? blocks(rng, c.batch, c.q, c.p) : blocks(rng, c.batch, c.p, c.q); }
MD make_b(Rng& rng, const Case& c) { return c.tb ? blocks(rng, c.batch, c.r, c.q) : blocks(rng, c.batch, c.q, c.r); }

TEST(BatchedMatmul, ValuesEqualBlockProducts) {
  Rng rng(11);
  for (const Case& c : cases()) {
    SCOPED_TRACE(describe(c));
    const MD a = make_a(rng, c), b = make_b(rng, c);
    const TD out = batched_matmul(TD(a), TD(b), c.batch, c.ta, c.tb);
    ASSERT_EQ(out.rows(), c.batch * c.p);
    ASSERT_EQ(out.cols(), c.r);
    EXPECT_LE((out.value() - reference(a, b, c.batch, c.ta, c.tb)).cwiseAbs().maxCoeff(), kExactTolerance);
  }
}

TEST(BatchedMatmul, BatchOneEqualsMatmul) {
  Rng rng(12);
  const MD a = uniform(rng, 3, 4), b = uniform(rng, 5, 4);
  const TD x = batched_matmul(TD(a), TD(b), 1, false, true);
  const TD y = matmul(TD(a), TD(b), false, true);
  EXPECT_LE((x.value() - y.value()).cwiseAbs().maxCoeff(), kExactTolerance);
}

TEST(BatchedMatmul, FirstAndSecondDerivativesMatchFiniteDifferences) {
  Rng rng(13);
  std::uint64_t seed = 100;
  for (const Case& c : cases()) {
    const MD a = make_a(rng, c), b = make_b(rng, c);
    const int batch = c.batch;
    const bool ta = c.ta, tb = c.tb;
    // tanh makes the second derivative non-trivial (a product alone is bilinear).
    check_first_and_second(
        describe(c), [=](const std::vector<TD>& x) { return tanh(batched_matmul(x[0], x[1], batch, ta, tb)); },
        {a, b}, ++seed);
  }
}

TEST(BatchedMatmul, ShapeErrorsNameTheOperation) {
  const TD a(MD::Zero(6, 4)), b(MD::Zero(8, 3));
  // Rows not a multiple of the batch.
  EXPECT_THROW(batched_matmul(a, b, 4), ShapeError);
  // Inner dimensions differ (blocks 3x4 times 4x3 fine with batch 2; 3x4 times 2x3 not).
  EXPECT_NO_THROW(batched_matmul(a, b, 2));
  try {
    batched_matmul(a, TD(MD::Zero(4, 3)), 2);
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("batched_matmul"), std::string::npos) << e.what();
  }
  EXPECT_THROW(batched_matmul(a, b, 0), ShapeError);
}

TEST(BatchedMatmul, ConstantOperandGetsNoGradient) {
  Rng rng(14);
  TD a(uniform(rng, 4, 3));
  a.set_requires_grad();
  const TD b(uniform(rng, 6, 2));
  const TD loss = sum(batched_matmul(a, b, 2));
  const std::vector<TD> g = grad(loss, {a});
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].rows(), 4);
  EXPECT_EQ(g[0].cols(), 3);
}

}  // namespace
}  // namespace metalab::ad::testing
