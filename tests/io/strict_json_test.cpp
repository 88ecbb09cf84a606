// Tests of core/io/strict_json: parse_json on nlohmann-json keeps the promises
// MetaLab's readers rely on: duplicate keys rejected, nesting bounded, NUL
// bytes refused, and every malformed input a JsonError at a byte offset.
#include "core/io/strict_json.h"

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
JsonError parse_error(const std::string& text, int max_depth = kMaxJsonDepth) {
  try {
    parse_json(text, max_depth);
  } catch (const JsonError& e) {
    return e;
  }
  ADD_FAILURE() << "parsed without error: " << text;
  return JsonError(0, "none");
}

// The usage example of strict_json.h, as written there.
TEST(StrictJson, HeaderExample) {
  Json j = parse_json(R"({"lr": 0.01, "layers": [40, 40]})");
  double lr = j.at("lr").get<double>();
  Json cfg = Json::object();
  cfg["steps"] = 5;
  std::string text = cfg.dump();
  EXPECT_EQ(lr, 0.01);
  EXPECT_EQ(j.at("layers").size(), 2u);
  EXPECT_EQ(text, R"({"steps":5})");
}

TEST(StrictJson, ParsesScalarsAndDocuments) {
  EXPECT_TRUE(parse_json("null").is_null());
  EXPECT_EQ(parse_json("true"), true);
  EXPECT_EQ(parse_json("1.5").get<double>(), 1.5);
  EXPECT_EQ(parse_json("-1e-3").get<double>(), -1e-3);
  EXPECT_EQ(parse_json("\"hi\""), "hi");
  EXPECT_EQ(parse_json(" \t\r\n 7 \n"), 7);
  EXPECT_EQ(parse_json(R"({"a":[1,2,{"b":null}],"c":"d"})").dump(), R"({"a":[1,2,{"b":null}],"c":"d"})");
}

TEST(StrictJson, KeepsObjectOrder) {
  const std::string text = R"({"z":1,"a":2,"m":3})";
  EXPECT_EQ(parse_json(text).dump(), text);
  Json built = Json::object();
  built["second"] = 2;
  built["first"] = 1;
  EXPECT_EQ(built.dump(), R"({"second":2,"first":1})");
}

TEST(StrictJson, IntegersAreExactAndDoublesRoundTrip) {
  EXPECT_EQ(parse_json("9007199254740993").get<std::uint64_t>(), 9007199254740993ULL);  // 2^53 + 1
  EXPECT_EQ(parse_json("-9007199254740993").get<std::int64_t>(), -9007199254740993LL);
  Rng rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::uint64_t bits = rng.next_u64();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    if (!std::isfinite(d)) continue;
    const double back = parse_json(Json(d).dump()).get<double>();
    ASSERT_EQ(std::memcmp(&back, &d, sizeof d), 0) << Json(d).dump();
  }
}

TEST(StrictJson, DecodesEscapesToUtf8) {
  EXPECT_EQ(parse_json(R"("\"\\\/\b\f\n\r\t")"), "\"\\/\b\f\n\r\t");
  EXPECT_EQ(parse_json(R"("\u00e9\u20AC")"), "\xC3\xA9\xE2\x82\xAC");
  EXPECT_EQ(parse_json(R"("\uD83D\uDE00")"), "\xF0\x9F\x98\x80");  // U+1F600
  EXPECT_EQ(parse_json(R"("\u0000")"), "\0"s);  // an escaped NUL is a character like any other
  EXPECT_EQ(parse_json("\"raw \xF0\x9F\x98\x80 utf8\""), "raw \xF0\x9F\x98\x80 utf8");
}

TEST(StrictJson, WritingEscapesAndRefusesInvalidUtf8) {
  EXPECT_EQ(Json("a\"b\\c\n\x01").dump(), R"("a\"b\\c\n\u0001")");
  EXPECT_EQ(Json("é").dump(), "\"é\"");
  EXPECT_THROW(Json("bad \xFF").dump(), nlohmann::json::type_error);
}

struct Malformed {
  std::string text;
  std::size_t offset;
  const char* reason;  // a substring of the message
};

TEST(StrictJson, RejectsMalformedInputWithOffsetAndReason) {
  const Malformed cases[] = {
      {"", 0, "unexpected end of input"},
      {"   ", 3, "unexpected end of input"},
      {"\"abc", 4, "missing closing quote"},
      {R"("a\qb")", 3, "forbidden character after backslash"},
      {R"("\u12G4")", 5, "'\\u' must be followed by 4 hex digits"},
      {R"("\uD800")", 7, "surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF"},
      {R"("\uDC00")", 6, "surrogate U+DC00..U+DFFF must follow U+D800..U+DBFF"},
      {"\"a\x01\"", 2, "control character U+0001 (SOH) must be escaped"},
      {"\"\xC3\"", 2, "ill-formed UTF-8 byte"},
      {"\"\xC0\x80\"", 1, "ill-formed UTF-8 byte"},       // overlong NUL
      {"\"\xED\xA0\x80\"", 2, "ill-formed UTF-8 byte"},   // encoded surrogate
      {"\"\xF4\x90\x80\x80\"", 2, "ill-formed UTF-8 byte"},  // beyond U+10FFFF
      {"[1,2,]", 5, "unexpected ']'"},
      {R"({"a":1,})", 7, "unexpected '}'"},
      {"[1 2]", 3, "unexpected number literal; expected ']'"},
      {R"({"a" 1})", 5, "expected ':'"},
      {R"({a:1})", 1, "invalid literal"},
      {R"({"a":1,"a":2})", 7, "duplicate key \"a\""},
      {R"({"\u0061":1,"a":2})", 12, "duplicate key \"a\""},
      {R"({"x":{"a\"b":1,"a\"b":2}})", 15, R"(duplicate key "a\"b")"},
      {R"({"a\\":1,"a\\":2})", 9, R"(duplicate key "a\\")"},
      {"[", 1, "unexpected end of input"},
      {"01", 1, "unexpected number literal"},
      {"-", 1, "invalid number"},
      {"1.", 2, "invalid number"},
      {"1e400", 0, "number overflow"},
      {"[1,-1e99999]", 3, "number overflow"},
      {"NaN", 0, "invalid literal"},
      {"tru", 3, "invalid literal"},
      {"[1] x", 4, "expected end of input"},
      {"1\0"s, 1, "unexpected byte 0x00"},
      {"{}\0\0"s, 2, "unexpected byte 0x00"},
      {"[1,\0]"s, 3, "unexpected byte 0x00"},
      {"[1 \0]"s, 3, "unexpected byte 0x00"},
      {"[1 x\0]"s, 3, "invalid literal"},  // the earlier error wins
      {"{\"a\": \x7f" "1}", 6, "last read: '\"a\": \\x7f'"},  // a DEL in nlohmann's quoted token, shown printable
  };
  for (const Malformed& c : cases) {
    const JsonError e = parse_error(c.text);
    EXPECT_EQ(e.offset(), c.offset) << c.text << " -> " << e.what();
    EXPECT_NE(std::string(e.what()).find(c.reason), std::string::npos) << c.text << " -> " << e.what();
    EXPECT_EQ(std::string(e.what()).rfind("invalid JSON at byte " + std::to_string(c.offset) + ": ", 0), 0u)
        << e.what();
  }
}

TEST(StrictJson, SkipsAByteOrderMarkAsRfc8259Allows) {
  EXPECT_EQ(parse_json("\xEF\xBB\xBF{}"), Json::object());  // a config saved by a Windows editor
  EXPECT_THROW(parse_json("{}\xEF\xBB\xBF"), JsonError);
}

TEST(StrictJson, DuplicateKeysInDifferentObjectsAreFine) {
  EXPECT_NO_THROW(parse_json(R"({"a":{"a":1},"b":{"a":2},"c":[{"a":1},{"a":2}]})"));
}

TEST(StrictJson, JsonErrorIsAFormatError) {
  EXPECT_THROW(parse_json("[1,]"), FormatError);
  EXPECT_THROW(parse_json("[1,]"), std::runtime_error);
}

TEST(StrictJson, LimitsNestingDepth) {
  const auto nested = [](int depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  EXPECT_NO_THROW(parse_json(nested(kMaxJsonDepth)));
  const JsonError e = parse_error(nested(kMaxJsonDepth + 1));
  EXPECT_NE(std::string(e.what()).find("nesting deeper than 128 levels"), std::string::npos) << e.what();
  EXPECT_EQ(e.offset(), static_cast<std::size_t>(kMaxJsonDepth));  // the '[' one level too deep
  // Far deeper than anything should build.
  EXPECT_THROW(parse_json(std::string(1000000, '[')), JsonError);
  EXPECT_THROW(parse_json(std::string(500000, '{')), JsonError);
  std::string objects;
  for (int i = 0; i < 100000; ++i) objects += "{\"a\":";
  EXPECT_THROW(parse_json(objects), JsonError);
  EXPECT_NO_THROW(parse_json("[[1]]", 2));
  EXPECT_NO_THROW(parse_json(R"({"a":[1]})", 2));
  EXPECT_THROW(parse_json("[[1]]", 1), JsonError);
  EXPECT_THROW(parse_json(R"({"a":{}})", 1), JsonError);
}

TEST(StrictJson, ReadsNumbersWithADotWhateverTheLocale) {
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
  const double a = parse_json("0.1234567890123").get<double>();
  const std::string text = Json(2.5).dump();
  std::setlocale(LC_NUMERIC, saved.c_str());
  EXPECT_EQ(a, 0.1234567890123);
  EXPECT_EQ(text, "2.5");
}

// Mutated documents either parse or throw JsonError: never crash, never hang,
// never throw anything else; what parses has no duplicate keys and round-trips.
TEST(StrictJson, RandomMutationsParseOrThrowJsonError) {
  const std::string seed_doc =
      R"({"a":[1,-2.5e3,true,false,null],"b":{"c":"d\u00e9\uD83D\uDE00\n","e":[]},"f":"","g":{"h":1,"i":2}})";
  Rng rng(2024);
  const std::string alphabet = "{}[]\",:\\u0123456789abcdefghiEe+-. \ttrnl\x80\xC3\xFF"s + '\0';
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
      const Json j = parse_json(doc);
      EXPECT_EQ(parse_json(j.dump()), j);
      ++parsed;
    } catch (const JsonError& e) {
      EXPECT_LE(e.offset(), doc.size()) << doc;
      ++rejected;
    }
  }
  EXPECT_GT(parsed, 0);
  EXPECT_GT(rejected, 0);
}

TEST(StrictJson, TypeNamesForMessages) {
  EXPECT_EQ(json_type_name(parse_json("1")), "a number");
  EXPECT_EQ(json_type_name(parse_json("1.5")), "a number");
  EXPECT_EQ(json_type_name(parse_json("-1")), "a number");
  EXPECT_EQ(json_type_name(parse_json("{}")), "an object");
  EXPECT_EQ(json_type_name(parse_json("[]")), "an array");
  EXPECT_EQ(json_type_name(parse_json("\"\"")), "a string");
  EXPECT_EQ(json_type_name(parse_json("true")), "a boolean");
  EXPECT_EQ(json_type_name(parse_json("null")), "null");
}

}  // namespace
}  // namespace metalab
