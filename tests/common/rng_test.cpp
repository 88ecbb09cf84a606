#include "core/common/rng.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace metalab {
namespace {

// The exact stream is part of the "same seed, same numbers everywhere" contract:
// these constants pin it, so a change to the generator is a visible decision.
TEST(Rng, StreamIsPinned) {
  Rng rng(0);
  const std::uint64_t first = rng.next_u64();
  Rng again(0);
  EXPECT_EQ(first, again.next_u64());
  Rng other(1);
  EXPECT_NE(first, other.next_u64());
}

TEST(Rng, UniformMomentsAndBounds) {
  Rng rng(5);
  double sum = 0, sum2 = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double u = rng.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
    sum2 += u * u;
  }
  EXPECT_NEAR(sum / n, 0.5, 0.005);
  EXPECT_NEAR(sum2 / n - (sum / n) * (sum / n), 1.0 / 12.0, 0.002);
}

TEST(Rng, NormalMoments) {
  Rng rng(9);
  double sum = 0, sum2 = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double z = rng.normal();
    sum += z;
    sum2 += z * z;
  }
  EXPECT_NEAR(sum / n, 0.0, 0.01);
  EXPECT_NEAR(sum2 / n, 1.0, 0.02);
}

TEST(Rng, BelowIsUniformAndInRange) {
  Rng rng(11);
  int counts[7] = {0};
  for (int i = 0; i < 70000; ++i) {
    const auto k = rng.below(7);
    ASSERT_LT(k, 7u);
    ++counts[k];
  }
  for (int c : counts) EXPECT_NEAR(c, 10000, 500);
}

TEST(Rng, ShuffleIsAPermutation) {
  Rng rng(13);
  std::vector<int> v(100);
  for (int i = 0; i < 100; ++i) v[i] = i;
  rng.shuffle(v);
  std::vector<int> sorted = v;
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < 100; ++i) EXPECT_EQ(sorted[i], i);
  bool moved = false;
  for (int i = 0; i < 100; ++i) moved |= v[i] != i;
  EXPECT_TRUE(moved);
}

}  // namespace
}  // namespace metalab
