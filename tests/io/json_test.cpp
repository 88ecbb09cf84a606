// Tests of core/io/json: round trips, exact integers, strings and escapes, and
// every kind of malformed input throwing JsonError at the right byte.
#include "core/io/json.h"

#include <gtest/gtest.h>

#include <clocale>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "core/common/rng.h"

namespace metalab {
namespace {

using namespace std::string_literals;

// Parses text expecting a JsonError; returns it for inspection.
JsonError parse_error(const std::string& text, int max_depth = Json::kDefaultMaxDepth) {
  try {
    Json::parse(text, max_depth);
  } catch (const JsonError& e) {
    return e;
  }
  ADD_FAILURE() << "parsed without error: " << text;
  return JsonError(0, "none");
}

TEST(Json, ParsesScalars) {
  EXPECT_TRUE(Json::parse("null").is_null());
  EXPECT_TRUE(Json::parse("true").as_bool());
  EXPECT_FALSE(Json::parse("false").as_bool());
  EXPECT_EQ(Json::parse("0").as_number(), 0.0);
  EXPECT_TRUE(std::signbit(Json::parse("-0").as_number()));
  EXPECT_EQ(Json::parse("1.5").as_number(), 1.5);
  EXPECT_EQ(Json::parse("-1e-3").as_number(), -1e-3);
  EXPECT_EQ(Json::parse("2E+2").as_number(), 200.0);
  EXPECT_EQ(Json::parse("\"hi\"").as_string(), "hi");
  EXPECT_EQ(Json::parse(" \t\r\n 7 \n").as_number(), 7.0);
}

TEST(Json, KeepsObjectInsertionOrder) {
  const std::string text = R"({"zeta":1,"alpha":2,"mid":{"b":true,"a":null}})";
  const Json j = Json::parse(text);
  ASSERT_EQ(j.size(), 3u);
  EXPECT_EQ(j.as_object()[0].first, "zeta");
  EXPECT_EQ(j.as_object()[1].first, "alpha");
  EXPECT_EQ(j.dump(), text);

  Json built;
  built["z"] = 1;
  built["a"] = "x";
  built["z"] = 3;  // replaces in place
  built["list"].push_back(1.5);
  built["list"].push_back(Json());
  EXPECT_EQ(built.dump(), R"({"z":3,"a":"x","list":[1.5,null]})");
}

TEST(Json, RoundTripsDocuments) {
  const char* docs[] = {
      R"([])",
      R"({})",
      R"([[],{},[[{}]]])",
      R"({"a":[1,-2,3.25,1e+300,-1.5e-300],"b":"x\"y\\z\n","c":[true,false,null]})",
      R"({"":"","unicode":"é€😀","ctrl":"\u0001\u001F"})",
  };
  for (const char* doc : docs) {
    const Json j = Json::parse(doc);
    EXPECT_EQ(j.dump(), doc);
    EXPECT_EQ(Json::parse(j.dump()), j);
    EXPECT_EQ(Json::parse(j.dump(2)), j);
  }
}

TEST(Json, PrettyPrints) {
  const Json j = Json::parse(R"({"a":[1,2],"b":{},"c":[]})");
  EXPECT_EQ(j.dump(2), "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {},\n  \"c\": []\n}");
}

TEST(Json, IntegersUpTo2Pow53AreExact) {
  const std::int64_t p53 = std::int64_t{1} << 53;
  for (std::int64_t v : {std::int64_t{0}, std::int64_t{1}, std::int64_t{-1}, std::int64_t{123456789012345},
                         p53 - 1, p53, -p53, std::int64_t{4294967296}}) {
    const std::string text = Json(v).dump();
    EXPECT_EQ(text, std::to_string(v));
    EXPECT_EQ(Json::parse(text).as_int64(), v);
  }
  EXPECT_EQ(Json::parse("9007199254740992").as_int64(), p53);
  EXPECT_EQ(Json(std::uint64_t{1} << 40).as_int64(), std::int64_t{1} << 40);
  EXPECT_THROW(Json(p53 + 1), std::invalid_argument);
  EXPECT_THROW(Json(std::numeric_limits<std::uint64_t>::max()), std::invalid_argument);
  EXPECT_THROW(Json::parse("1.5").as_int64(), FormatError);
  EXPECT_THROW(Json::parse("18014398509481984").as_int64(), FormatError);  // 2^54
  EXPECT_TRUE(Json::parse("1e3").is_exact_integer());
  EXPECT_EQ(Json::parse("1e3").as_int64(), 1000);
}

TEST(Json, DoublesRoundTripBitExactly) {
  Rng rng(7);
  int tested = 0;
  while (tested < 20000) {
    const std::uint64_t bits = rng.next_u64();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    if (!std::isfinite(d)) continue;
    const double back = Json::parse(Json(d).dump()).as_number();
    ASSERT_EQ(std::memcmp(&back, &d, sizeof d), 0) << Json(d).dump();
    ++tested;
  }
  for (double d : {0.1, 1.0 / 3.0, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, -0.0}) {
    const double back = Json::parse(Json(d).dump()).as_number();
    EXPECT_EQ(std::memcmp(&back, &d, sizeof d), 0) << Json(d).dump();
  }
  EXPECT_EQ(Json(0.1).dump(), "0.1");
  EXPECT_EQ(Json(1e300).dump(), "1e+300");
  EXPECT_EQ(Json(-0.0).dump(), "-0");
}

TEST(Json, RefusesToWriteNanAndInfinity) {
  EXPECT_THROW(Json(std::nan("")).dump(), std::invalid_argument);
  EXPECT_THROW(Json(std::numeric_limits<double>::infinity()).dump(), std::invalid_argument);
}

TEST(Json, DecodesEscapesToUtf8) {
  EXPECT_EQ(Json::parse(R"("\"\\\/\b\f\n\r\t")").as_string(), "\"\\/\b\f\n\r\t");
  EXPECT_EQ(Json::parse(R"("\u00e9\u20AC")").as_string(), "\xC3\xA9\xE2\x82\xAC");
  EXPECT_EQ(Json::parse(R"("\uD83D\uDE00")").as_string(), "\xF0\x9F\x98\x80");  // U+1F600
  EXPECT_EQ(Json::parse(R"("\uDBFF\uDFFF")").as_string(), "\xF4\x8F\xBF\xBF");  // U+10FFFF
  EXPECT_EQ(Json::parse(R"("\u0000")").as_string(), "\0"s);
  EXPECT_EQ(Json::parse("\"raw \xF0\x9F\x98\x80 utf8\"").as_string(), "raw \xF0\x9F\x98\x80 utf8");
}

TEST(Json, EscapesWhenWriting) {
  EXPECT_EQ(json_quote("a\"b\\c\n\x01\x7F"), R"("a\"b\\c\n\u0001)" "\x7F\"");
  EXPECT_EQ(json_quote("\0"s), R"("\u0000")");
  EXPECT_EQ(json_quote("é"), "\"é\"");
  EXPECT_THROW(json_quote("\xC3"), std::invalid_argument);
  EXPECT_THROW(Json("bad \xFF").dump(), std::invalid_argument);
}

struct Malformed {
  std::string text;
  std::size_t offset;
  const char* reason;  // a substring of the message
};

TEST(Json, RejectsMalformedInputWithOffsetAndReason) {
  const Malformed cases[] = {
      {"", 0, "unexpected end of input"},
      {"   ", 3, "unexpected end of input"},
      {"\"abc", 0, "unterminated string"},
      {"[\"a\", \"b", 6, "unterminated string"},
      {R"("a\qb")", 2, "bad escape \\q"},
      {R"("\)", 1, "unterminated escape"},
      {R"("\u12G4")", 5, "bad hex digit 'G'"},
      {R"("\u12")", 3, "truncated \\u escape"},
      {R"("\uD800")", 1, "lone high surrogate"},
      {R"("\uD800x")", 1, "lone high surrogate"},
      {R"("\uDC00")", 1, "lone low surrogate"},
      {R"("\uD800\u0041")", 1, "not followed by a low surrogate"},
      {"\"a\x01\"", 2, "raw control character"},
      {"\"a\nb\"", 2, "raw control character"},
      {"\"\xC3\"", 1, "invalid UTF-8"},
      {"\"\xC0\x80\"", 1, "invalid UTF-8"},          // overlong NUL
      {"\"\xED\xA0\x80\"", 1, "invalid UTF-8"},      // encoded surrogate
      {"\"\xF4\x90\x80\x80\"", 1, "invalid UTF-8"},  // beyond U+10FFFF
      {"\"\xFF\"", 1, "invalid UTF-8"},
      {"[1,2,]", 5, "trailing comma in array"},
      {R"({"a":1,})", 7, "trailing comma in object"},
      {"[,1]", 1, "expected a value"},
      {"[1 2]", 3, "expected ',' or ']'"},
      {R"({"a" 1})", 5, "expected ':'"},
      {R"({a:1})", 1, "expected a string key"},
      {R"({'a':1})", 1, "expected a string key"},
      {R"({"a":1 "b":2})", 7, "expected ',' or '}'"},
      {R"({"a":1,"a":2})", 7, "duplicate key \"a\""},
      {R"({"\u0061":1,"a":2})", 12, "duplicate key"},
      {"[", 1, "unexpected end of input"},
      {"[1", 2, "unterminated array"},
      {"{", 1, "unterminated object"},
      {R"({"a":)", 5, "unexpected end of input"},
      {"01", 0, "leading zero"},
      {"-", 1, "expected a digit"},
      {"-a", 1, "expected a digit"},
      {"+1", 0, "unexpected '+'"},
      {".5", 0, "unexpected '.'"},
      {"1.", 2, "after the decimal point"},
      {"1.e5", 2, "after the decimal point"},
      {"1e", 2, "in the exponent"},
      {"1e+", 3, "in the exponent"},
      {"1e400", 0, "out of range"},
      {"-1e99999999999999999999", 0, "out of range"},
      {"NaN", 0, "unexpected 'N'"},
      {"Infinity", 0, "unexpected 'I'"},
      {"tru", 0, "expected true"},
      {"nul", 0, "expected null"},
      {"True", 0, "unexpected 'T'"},
      {"[1] x", 4, "after the JSON value"},
      {"{} {}", 3, "after the JSON value"},
      {"\xEF\xBB\xBF{}", 0, "unexpected byte 0xEF"},  // no byte-order mark
      {"1\0"s, 1, "unexpected byte 0x00"},
  };
  for (const Malformed& c : cases) {
    const JsonError e = parse_error(c.text);
    EXPECT_EQ(e.offset(), c.offset) << c.text << " -> " << e.what();
    EXPECT_NE(std::string(e.what()).find(c.reason), std::string::npos) << c.text << " -> " << e.what();
    EXPECT_NE(std::string(e.what()).find("invalid JSON at byte " + std::to_string(c.offset)), std::string::npos);
  }
}

TEST(Json, JsonErrorIsAFormatError) {
  EXPECT_THROW(Json::parse("[1,]"), FormatError);
  EXPECT_THROW(Json::parse("[1,]"), std::runtime_error);
}

TEST(Json, LimitsNestingDepthInsteadOfOverflowingTheStack) {
  const auto nested = [](int depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  EXPECT_NO_THROW(Json::parse(nested(Json::kDefaultMaxDepth)));
  EXPECT_NE(std::string(parse_error(nested(Json::kDefaultMaxDepth + 1)).what()).find("nesting deeper than 128"),
            std::string::npos);
  // Far deeper than any stack would survive if recursion were unbounded.
  EXPECT_THROW(Json::parse(std::string(1000000, '[')), JsonError);
  EXPECT_THROW(Json::parse(std::string(500000, '{') ), JsonError);
  std::string objects;
  for (int i = 0; i < 100000; ++i) objects += "{\"a\":";
  EXPECT_THROW(Json::parse(objects), JsonError);
  EXPECT_NO_THROW(Json::parse("[[1]]", 2));
  EXPECT_THROW(Json::parse("[[1]]", 1), JsonError);
}

TEST(Json, TypedAccessErrorsNameTheTypes) {
  const Json j = Json::parse(R"({"n":1,"s":"x"})");
  try {
    j.at("s").as_number();
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_STREQ(e.what(), "JSON: expected a number, got a string");
  }
  EXPECT_THROW(j.at("missing"), FormatError);
  EXPECT_EQ(j.find("missing"), nullptr);
  EXPECT_THROW(j.as_array(), FormatError);
  EXPECT_THROW(Json::parse("[]").find("a"), FormatError);
  EXPECT_EQ(Json(3).size(), 0u);
  const Json a = Json::parse("[10,20]");
  EXPECT_EQ(a.at(1).as_int64(), 20);
  EXPECT_THROW(a.at(2), FormatError);
  EXPECT_THROW(j.at(0), FormatError);
}

TEST(Json, ReadsNumbersWithADotWhateverTheLocale) {
  const char* comma_locales[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8"};
  const std::string saved = std::setlocale(LC_NUMERIC, nullptr);
  const char* found = nullptr;
  for (const char* name : comma_locales) {
    if (std::setlocale(LC_NUMERIC, name)) {
      found = name;
      break;
    }
  }
  if (!found) GTEST_SKIP() << "no locale with a decimal comma installed";
  const double a = Json::parse("0.1234567890123").as_number();
  const std::string text = Json(2.5).dump();
  std::setlocale(LC_NUMERIC, saved.c_str());
  EXPECT_EQ(a, 0.1234567890123);
  EXPECT_EQ(text, "2.5");
}

// Mutated documents either parse or throw JsonError: never crash, never hang,
// never throw anything else.
TEST(Json, RandomMutationsParseOrThrowJsonError) {
  const std::string seed_doc =
      R"({"a":[1,-2.5e3,true,false,null],"b":{"c":"d\u00e9\uD83D\uDE00\n","e":[]},"f":""})";
  Rng rng(2024);
  const std::string alphabet = "{}[]\",:\\u0123456789abcdefEe+-. \ttrnl\x80\xC3\xFF";
  int parsed = 0, rejected = 0;
  for (int iter = 0; iter < 5000; ++iter) {
    std::string doc = seed_doc;
    const int edits = 1 + static_cast<int>(rng.next_u64() % 4);
    for (int k = 0; k < edits; ++k) {
      const std::size_t pos = rng.next_u64() % doc.size();
      const char c = alphabet[rng.next_u64() % alphabet.size()];
      switch (rng.next_u64() % 3) {
        case 0: doc[pos] = c; break;
        case 1: doc.insert(doc.begin() + static_cast<std::ptrdiff_t>(pos), c); break;
        default: doc.erase(pos, 1);
      }
    }
    try {
      const Json j = Json::parse(doc);
      EXPECT_EQ(Json::parse(j.dump()), j);  // whatever parses, round-trips
      ++parsed;
    } catch (const JsonError&) {
      ++rejected;
    }
  }
  EXPECT_GT(parsed, 0);
  EXPECT_GT(rejected, 0);
}

}  // namespace
}  // namespace metalab
