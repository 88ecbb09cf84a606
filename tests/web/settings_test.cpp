// Settings tables (web/app/page/settings.h): parsing, printing and validation
// as the URL and lessons use them.
#include "web/app/page/settings.h"

#include <gtest/gtest.h>

namespace metalab::web {
namespace {

struct Demo {
  int k = 10;
  float alpha = 0.01f;
  std::string learner = "maml";
  std::string data = "small";
  int ways = 5;
  std::uint64_t seed = 1;
  bool others = true;
};

const SettingsTable<Demo>& demo() {
  using Set = Setting<Demo>;
  static const SettingsTable<Demo> t(
      "demo", {Set::integer("K", &Demo::k, 1, 50, "K %d").alias("k"),
               Set::real("alpha", &Demo::alpha, 1e-4, 1.0, "alpha %.4f").log(),
               Set::choice("learner", &Demo::learner, {{"maml", "MAML"}, {"reptile", "Reptile"}}, "Learner").restarts(),
               Set::choice("data", &Demo::data, {{"small", "Small"}, {"big", "Big"}}, "Data"),
               Set::integer("ways", &Demo::ways, 2, 10, "ways").upper([](const Demo& d) { return d.data == "small" ? 3.0 : 10.0; }),
               Set::seed("seed", &Demo::seed, "seed"),
               Set::boolean("others", &Demo::others, "Others")});
  return t;
}

TEST(Settings, SetsValuesInRangeAndRefusesTheRest) {
  Demo d;
  std::string why;
  EXPECT_TRUE(demo().set(d, "K", "5", &why));
  EXPECT_EQ(d.k, 5);
  EXPECT_TRUE(demo().set(d, "k", "7", &why)) << "the alias";
  EXPECT_EQ(d.k, 7);
  for (const char* bad : {"0", "51", "5.5", "", "5x", "99999999999999999999999"}) {
    EXPECT_FALSE(demo().set(d, "K", bad, &why)) << bad;
    EXPECT_EQ(d.k, 7) << "unchanged after " << bad;
    EXPECT_NE(why.find("1 to 50"), std::string::npos) << why;
  }
  EXPECT_TRUE(demo().set(d, "alpha", "0.5", &why));
  EXPECT_FLOAT_EQ(d.alpha, 0.5f);
  for (const char* bad : {"abc", "2", "nan", "inf", "-0.1", "1e-9"}) EXPECT_FALSE(demo().set(d, "alpha", bad, &why)) << bad;
  EXPECT_TRUE(demo().set(d, "learner", "reptile", &why));
  EXPECT_FALSE(demo().set(d, "learner", "protonet", &why));
  EXPECT_EQ(why, "learner=protonet (maml, reptile)");
  EXPECT_TRUE(demo().set(d, "seed", "18446744073709551", &why));
  EXPECT_EQ(d.seed, 18446744073709551ULL);
  EXPECT_FALSE(demo().set(d, "seed", "-1", &why));
  EXPECT_FALSE(demo().set(d, "seed", "12345678901234567890", &why)) << "more than 19 digits";
  EXPECT_TRUE(demo().set(d, "others", "false", &why));
  EXPECT_FALSE(d.others);
  EXPECT_FALSE(demo().set(d, "others", "maybe", &why));
  EXPECT_FALSE(demo().set(d, "nope", "1", &why));
  EXPECT_EQ(why, "nope (unknown key)");
}

TEST(Settings, PrintsWhatItReadsBack) {
  Demo d;
  d.alpha = 0.02f;
  d.seed = 3;
  const std::string text = demo().print(d);
  EXPECT_EQ(text, "K=10&alpha=0.02&learner=maml&data=small&ways=5&seed=3&others=true");
  // Every printed value reads back as the same value.
  Demo e;
  e.k = 1;
  e.alpha = 0.9f;
  std::string rest = text, why;
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    const std::string pair = rest.substr(0, amp);
    const std::size_t eq = pair.find('=');
    if (pair.substr(0, eq) != "ways") {
      ASSERT_TRUE(demo().set(e, pair.substr(0, eq), pair.substr(eq + 1), &why)) << why;
    }
    rest = amp == std::string::npos ? "" : rest.substr(amp + 1);
  }
  e.ways = d.ways;
  EXPECT_TRUE(demo().same(d, e));
  for (float v : {0.001f, 0.0001f, 0.123456f, 0.3f, 1e-4f}) {
    Demo f;
    f.alpha = v;
    Demo g;
    ASSERT_TRUE(demo().set(g, "alpha", demo().find("alpha")->print(f), &why)) << why;
    EXPECT_EQ(g.alpha, v) << demo().find("alpha")->print(f);
  }
}

TEST(Settings, BoundsThatDependOnOtherSettingsAreValidatedWithANotice) {
  Demo d;
  d.data = "big";
  std::string why;
  ASSERT_TRUE(demo().set(d, "ways", "8", &why));
  d.data = "small";
  const std::vector<std::string> notices = demo().validate(d);
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_EQ(notices[0], "ways=8 became 3");
  EXPECT_EQ(d.ways, 3);
  EXPECT_TRUE(demo().validate(d).empty()) << "valid settings stay as they are";
  EXPECT_FALSE(demo().set(d, "ways", "8", &why)) << "the bound applies to parsing too";
}

TEST(Settings, RestartAndJobComparisons) {
  Demo a, b;
  b.k = 20;
  EXPECT_FALSE(demo().restart_differs(a, b)) << "K does not restart";
  b.learner = "reptile";
  EXPECT_TRUE(demo().restart_differs(a, b));
  EXPECT_FALSE(demo().same_for_job(a, b));
  EXPECT_EQ(demo().label_key(*demo().find("K")), "settings.demo.k");
  EXPECT_EQ(demo().tooltip_key(*demo().find("alpha")), "settings.demo.alpha.tip");
  EXPECT_EQ(demo().choice_key(*demo().find("learner"), "fo-MAML"), "settings.demo.learner.fo-maml");
}

}  // namespace
}  // namespace metalab::web
