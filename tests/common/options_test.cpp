// Tests of core/common/options: the one reader of string options. Typed
// getters with ranges, what the errors say (key, value, what is accepted),
// unknown keys, the lenient mode of the page's URL, and value comparison.
#include "core/common/options.h"

#include <gtest/gtest.h>

#include <climits>
#include <cmath>

namespace metalab {
namespace {

// Runs f expecting an OptionError; returns it.
template <typename F>
OptionError option_error(F f) {
  try {
    f();
  } catch (const OptionError& e) {
    return e;
  }
  ADD_FAILURE() << "no OptionError";
  return OptionError("", "", "", "");
}

// The usage example of options.h, as written there.
TEST(OptionReader, HeaderExample) {
  const Options given{{"support", "5"}, {"features", "one-hot"}};
  OptionReader r(given, "promoter task option");
  int k = static_cast<int>(r.integer("support", 10, 1));
  double sd = r.real("noise_sd", 0.1, 0.0);
  std::string f = r.choice("features", "kmer", {"kmer", "onehot", "motif"}, {{"one-hot", "onehot"}});
  std::vector<double> amplitude = r.reals("amplitude", {0.1, 5.0});
  r.finish();
  EXPECT_EQ(k, 5);
  EXPECT_EQ(sd, 0.1);
  EXPECT_EQ(f, "onehot");
  EXPECT_EQ(amplitude, (std::vector<double>{0.1, 5.0}));
  EXPECT_EQ(r.used(), (Options{{"amplitude", "0.1,5"}, {"features", "onehot"}, {"noise_sd", "0.1"}, {"support", "5"}}));

  OptionReader url({{"K", "99"}}, "URL setting", OptionReader::Lenient);
  int shots = static_cast<int>(url.integer("K", 10, 1, 50));
  EXPECT_EQ(shots, 10);
  EXPECT_EQ(url.notices(), std::vector<std::string>{"URL setting 'K': expected an integer in [1, 50], got '99'"});
}

TEST(OptionReader, TypedValues) {
  OptionReader r({{"i", "-42"}, {"r", "2.5e-3"}, {"b1", "true"}, {"b0", "0"}, {"t", "x y"}, {"l", " a, b ,c"},
                  {"n", "40,40"}, {"e", ""}, {"seed", "9007199254740993"}},
                 "test option");
  EXPECT_EQ(r.integer("i", 0), -42);
  EXPECT_EQ(r.real("r", 0), 2.5e-3);
  EXPECT_TRUE(r.boolean("b1", false));
  EXPECT_FALSE(r.boolean("b0", true));
  EXPECT_EQ(r.text("t"), "x y");
  EXPECT_EQ(r.list("l"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(r.integers("n", {}), (std::vector<int>{40, 40}));
  EXPECT_TRUE(r.integers("e", {1, 2}).empty());  // empty text: the empty list
  EXPECT_EQ(r.integer("seed", 0, 0, LLONG_MAX), 9007199254740993LL);
  // Defaults when absent, recorded in used().
  EXPECT_EQ(r.integer("absent_i", 7), 7);
  EXPECT_EQ(r.real("absent_r", 0.1), 0.1);
  EXPECT_EQ(r.text("absent_t", "d"), "d");
  EXPECT_FALSE(r.has("absent_x"));
  EXPECT_TRUE(r.has("i"));
  EXPECT_EQ(r.used().at("absent_i"), "7");
  EXPECT_EQ(r.used().at("absent_r"), "0.1");
  EXPECT_EQ(r.used().at("l"), "a,b,c");
  EXPECT_NO_THROW(r.finish());
}

TEST(OptionReader, ErrorsNameKeyValueAndWhatIsAccepted) {
  const auto read = [](const char* value, auto get) {
    return option_error([&] {
      OptionReader r({{"k", value}}, "glyphs task option");
      get(r);
    });
  };
  const auto integer = [](OptionReader& r) { r.integer("k", 1, 2, 10); };
  OptionError e = read("ten", integer);
  EXPECT_STREQ(e.what(), "glyphs task option 'k': expected an integer in [2, 10], got 'ten'");
  EXPECT_EQ(e.key(), "k");
  EXPECT_EQ(e.value(), "ten");
  EXPECT_EQ(e.problem(), "expected an integer in [2, 10], got 'ten'");
  EXPECT_STREQ(read("1", integer).what(), "glyphs task option 'k': expected an integer in [2, 10], got '1'");
  EXPECT_STREQ(read("5.0", integer).what(), "glyphs task option 'k': expected an integer in [2, 10], got '5.0'");
  EXPECT_STREQ(read(" 5", integer).what(), "glyphs task option 'k': expected an integer in [2, 10], got ' 5'");
  EXPECT_STREQ(read("0", [](OptionReader& r) { r.integer("k", 1, 1); }).what(),
               "glyphs task option 'k': expected an integer >= 1, got '0'");
  EXPECT_STREQ(read("99999999999999999999", [](OptionReader& r) { r.integer("k", 1); }).what(),
               "glyphs task option 'k': expected an integer, got '99999999999999999999'");
  EXPECT_STREQ(read("1.5", [](OptionReader& r) { r.real("k", 0, 0, 1); }).what(),
               "glyphs task option 'k': expected a number in [0, 1], got '1.5'");
  EXPECT_STREQ(read("nan", [](OptionReader& r) { r.real("k", 0); }).what(),
               "glyphs task option 'k': expected a number, got 'nan'");
  EXPECT_STREQ(read("1e999", [](OptionReader& r) { r.real("k", 0); }).what(),
               "glyphs task option 'k': expected a number, got '1e999'");
  EXPECT_STREQ(read("yes", [](OptionReader& r) { r.boolean("k", false); }).what(),
               "glyphs task option 'k': expected true or false, got 'yes'");
  EXPECT_STREQ(read("cnn", [](OptionReader& r) { r.choice("k", "mlp", {"mlp", "conv4", "auto"}); }).what(),
               "glyphs task option 'k': expected mlp, conv4 or auto, got 'cnn'");
  EXPECT_STREQ(read("a,,b", [](OptionReader& r) { r.list("k"); }).what(),
               "glyphs task option 'k': expected comma-separated items (one is empty), got 'a,,b'");
  EXPECT_STREQ(read("40,x", [](OptionReader& r) { r.integers("k", {}, 1); }).what(),
               "glyphs task option 'k': expected comma-separated integers >= 1, got '40,x'");
  EXPECT_STREQ(read("1,2,3", [](OptionReader& r) { r.reals("k", {0, 1}); }).what(),
               "glyphs task option 'k': expected two numbers 'lo,hi', got '1,2,3'");
  EXPECT_STREQ(read("1,b", [](OptionReader& r) { r.reals("k", {0, 1}); }).what(),
               "glyphs task option 'k': expected two numbers 'lo,hi', got '1,b'");
  // OptionError is an invalid_argument, as the factories' other errors.
  EXPECT_THROW(
      {
        OptionReader r({{"k", "x"}}, "c");
        r.integer("k", 1);
      },
      std::invalid_argument);
}

TEST(OptionReader, UnknownKeysAreReportedWithTheKnownOnes) {
  OptionReader r({{"ways", "5"}, {"way", "3"}, {"name", "glyphs"}}, "glyphs task option");
  r.ignore("name");
  r.integer("ways", 5);
  r.integer("shots", 1);
  const OptionError e = option_error([&] { r.finish(); });
  EXPECT_STREQ(e.what(), "glyphs task option 'way': unknown (known: name, shots, ways)");
  EXPECT_EQ(e.key(), "way");
}

TEST(OptionReader, LenientModeKeepsDefaultsAndNotices) {
  OptionReader r({{"ways", "1"}, {"lr", "abc"}, {"seed", "3"}, {"typo", "1"}}, "URL setting", OptionReader::Lenient);
  EXPECT_EQ(r.integer("ways", 5, 2, 10), 5);
  EXPECT_EQ(r.real("lr", 0.01, 0.0), 0.01);
  EXPECT_EQ(r.integer("seed", 0, 0), 3);
  r.finish();
  ASSERT_EQ(r.notices().size(), 3u);
  EXPECT_EQ(r.notices()[0], "URL setting 'ways': expected an integer in [2, 10], got '1'");
  EXPECT_EQ(r.notices()[1], "URL setting 'lr': expected a number >= 0, got 'abc'");
  EXPECT_EQ(r.notices()[2], "URL setting 'typo': unknown (known: lr, seed, ways)");
  EXPECT_EQ(r.used().at("ways"), "5");
}

TEST(OptionValues, ParseOneValue) {
  EXPECT_EQ(parse_integer("+7"), 7);
  EXPECT_EQ(parse_integer("-0"), 0);
  EXPECT_EQ(parse_integer(""), std::nullopt);
  EXPECT_EQ(parse_integer("-"), std::nullopt);
  EXPECT_EQ(parse_integer("0x10"), std::nullopt);
  EXPECT_EQ(parse_integer("1e3"), std::nullopt);
  EXPECT_EQ(parse_real("1e3"), 1000.0);
  EXPECT_EQ(parse_real(".5"), 0.5);
  EXPECT_EQ(parse_real("0.1 "), std::nullopt);
  EXPECT_EQ(parse_real("inf"), std::nullopt);
  EXPECT_EQ(parse_boolean("1"), true);
  EXPECT_EQ(parse_boolean("True"), std::nullopt);
  for (double v : {0.1, 1.0 / 3.0, 3.141592653589793, 1e-300, 5.0, -2.5e17}) EXPECT_EQ(std::stod(format_exact(v)), v);
  EXPECT_EQ(format_exact(0.1), "0.1");
  EXPECT_EQ(format_exact(5), "5");
}

TEST(OptionValues, SameValueComparesNumbersByValue) {
  EXPECT_TRUE(same_option_value("0.70", "0.7"));
  EXPECT_TRUE(same_option_value("0.7", "0.69999999999999996"));  // the same double
  EXPECT_TRUE(same_option_value("5", "5.0"));
  EXPECT_TRUE(same_option_value("1e-3", "0.001"));
  EXPECT_TRUE(same_option_value("0.1,5", "0.10, 5"));
  EXPECT_TRUE(same_option_value("kmer", "kmer"));
  EXPECT_FALSE(same_option_value("0.7", "0.71"));
  EXPECT_FALSE(same_option_value("0.1,5", "0.1"));
  EXPECT_FALSE(same_option_value("kmer", "onehot"));
  EXPECT_FALSE(same_option_value("true", "1"));  // text, not numbers
  EXPECT_FALSE(same_option_value("", "0"));
}

}  // namespace
}  // namespace metalab
