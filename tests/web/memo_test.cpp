// The memo-by-key cache and the throttle of the views (web/app/page/memo.h).
#include "web/app/page/memo.h"

#include <stdexcept>
#include <string>
#include <tuple>

#include <gtest/gtest.h>

namespace metalab::web {
namespace {

TEST(Memo, RecomputesExactlyWhenTheKeyChanges) {
  Memo<std::tuple<int, std::string>, int> memo;
  int calls = 0;
  const auto f = [&] { return ++calls; };
  EXPECT_EQ(memo.last(), nullptr);
  EXPECT_EQ(memo.get({1, "a"}, f), 1);
  EXPECT_EQ(memo.get({1, "a"}, f), 1);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(memo.get({1, "b"}, f), 2);
  EXPECT_EQ(memo.get({1, "a"}, f), 3) << "one value is kept, not a history";
  EXPECT_NE(memo.peek({1, "a"}), nullptr);
  EXPECT_EQ(memo.peek({2, "a"}), nullptr);
  memo.clear();
  EXPECT_EQ(memo.get({1, "a"}, f), 4);
}

TEST(Memo, EditsLastUntilTheKeyChanges) {
  Memo<int, std::string> memo;
  memo.edit(1, [] { return std::string("drawn"); }) += " and edited";
  EXPECT_EQ(memo.get(1, [] { return std::string("again"); }), "drawn and edited");
  EXPECT_EQ(memo.get(2, [] { return std::string("new"); }), "new");
}

TEST(Memo, AFailedComputationLeavesItEmpty) {
  Memo<int, int> memo;
  EXPECT_THROW(memo.get(1, []() -> int { throw std::runtime_error("no data"); }), std::runtime_error);
  EXPECT_EQ(memo.last(), nullptr);
  EXPECT_EQ(memo.get(1, [] { return 7; }), 7);
}

TEST(Throttle, FollowsAtMostEveryIntervalWhileFastAndAtOnceOtherwise) {
  Throttle t(250);
  EXPECT_EQ(t.follow(1, 0.0, true), 1) << "the first value at once";
  EXPECT_EQ(t.follow(2, 100.0, true), 1);
  EXPECT_EQ(t.follow(3, 200.0, true), 1);
  EXPECT_EQ(t.follow(4, 260.0, true), 4);
  EXPECT_EQ(t.follow(5, 270.0, false), 5) << "not training: follow at once";
}

}  // namespace
}  // namespace metalab::web
