#include "core/io/json.h"

#include <clocale>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <unordered_set>

namespace metalab {

namespace {

// Length of the well-formed UTF-8 sequence starting at p (1..4), or 0 if the
// bytes there are not one (bad lead byte, truncated, overlong, surrogate, or
// beyond U+10FFFF). The table is RFC 3629, section 4.
std::size_t utf8_sequence_length(const unsigned char* p, std::size_t avail) {
  const unsigned char c = p[0];
  if (c < 0x80) return 1;
  std::size_t len;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;  // overlong
    if (c == 0xED) hi = 0x9F;  // UTF-16 surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;  // overlong
    if (c == 0xF4) hi = 0x8F;  // beyond U+10FFFF
  } else {
    return 0;
  }
  if (avail < len || p[1] < lo || p[1] > hi) return 0;
  for (std::size_t i = 2; i < len; ++i) {
    if (p[i] < 0x80 || p[i] > 0xBF) return 0;
  }
  return len;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// strtod and printf follow the C locale's decimal point; JSON always uses '.'.
char locale_decimal_point() {
  const char* dp = std::localeconv()->decimal_point;
  return (dp && dp[0]) ? dp[0] : '.';
}

std::string describe_byte(unsigned char c) {
  if (c >= 0x20 && c < 0x7F) return std::string("'") + static_cast<char>(c) + "'";
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", c);
  return std::string("byte ") + buf;
}

class Parser {
 public:
  Parser(std::string_view text, int max_depth) : text_(text), max_depth_(max_depth) {}

  Json parse_document() {
    skip_whitespace();
    Json value = parse_value(0);
    skip_whitespace();
    if (!at_end()) fail("unexpected " + describe_byte(peek()) + " after the JSON value");
    return value;
  }

 private:
  [[noreturn]] void fail(const std::string& reason) const { throw JsonError(pos_, reason); }
  [[noreturn]] void fail_at(std::size_t pos, const std::string& reason) const {
    throw JsonError(pos, reason);
  }
  bool at_end() const { return pos_ >= text_.size(); }
  unsigned char peek() const { return static_cast<unsigned char>(text_[pos_]); }

  void skip_whitespace() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) ++pos_;
  }

  void expect(char c, const char* what) {
    if (at_end()) fail(std::string("unexpected end of input, expected ") + what);
    if (peek() != static_cast<unsigned char>(c)) {
      fail("expected " + std::string(what) + ", got " + describe_byte(peek()));
    }
    ++pos_;
  }

  Json parse_value(int depth) {
    if (at_end()) fail("unexpected end of input, expected a value");
    switch (peek()) {
      case '{': return parse_object(depth + 1);
      case '[': return parse_array(depth + 1);
      case '"': return Json(parse_string());
      case 't': parse_literal("true"); return Json(true);
      case 'f': parse_literal("false"); return Json(false);
      case 'n': parse_literal("null"); return Json();
      default:
        if (peek() == '-' || (peek() >= '0' && peek() <= '9')) return parse_number();
        fail("unexpected " + describe_byte(peek()) + ", expected a value");
    }
  }

  void check_depth(int depth) const {
    if (depth > max_depth_) fail("nesting deeper than " + std::to_string(max_depth_) + " levels");
  }

  Json parse_object(int depth) {
    check_depth(depth);
    ++pos_;  // '{'
    Json::Object members;
    std::unordered_set<std::string> seen;
    skip_whitespace();
    if (!at_end() && peek() == '}') {
      ++pos_;
      return Json(std::move(members));
    }
    while (true) {
      skip_whitespace();
      if (!at_end() && peek() == '}' && !members.empty()) fail("trailing comma in object");
      if (at_end()) fail("unterminated object");
      if (peek() != '"') fail("expected a string key, got " + describe_byte(peek()));
      const std::size_t key_pos = pos_;
      std::string key = parse_string();
      if (!seen.insert(key).second) fail_at(key_pos, "duplicate key " + json_quote(key));
      skip_whitespace();
      expect(':', "':' after an object key");
      skip_whitespace();
      members.emplace_back(std::move(key), parse_value(depth));
      skip_whitespace();
      if (at_end()) fail("unterminated object");
      if (peek() == ',') { ++pos_; continue; }
      if (peek() == '}') { ++pos_; return Json(std::move(members)); }
      fail("expected ',' or '}' in object, got " + describe_byte(peek()));
    }
  }

  Json parse_array(int depth) {
    check_depth(depth);
    ++pos_;  // '['
    Json::Array elements;
    skip_whitespace();
    if (!at_end() && peek() == ']') {
      ++pos_;
      return Json(std::move(elements));
    }
    while (true) {
      skip_whitespace();
      if (!at_end() && peek() == ']' && !elements.empty()) fail("trailing comma in array");
      elements.push_back(parse_value(depth));
      skip_whitespace();
      if (at_end()) fail("unterminated array");
      if (peek() == ',') { ++pos_; continue; }
      if (peek() == ']') { ++pos_; return Json(std::move(elements)); }
      fail("expected ',' or ']' in array, got " + describe_byte(peek()));
    }
  }

  void parse_literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) fail("invalid literal, expected " + std::string(word));
    pos_ += word.size();
  }

  std::uint32_t parse_hex4() {
    if (text_.size() - pos_ < 4) fail("truncated \\u escape");
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const unsigned char c = peek();
      v <<= 4;
      if (c >= '0' && c <= '9') v |= c - '0';
      else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
      else fail("bad hex digit " + describe_byte(c) + " in \\u escape");
      ++pos_;
    }
    return v;
  }

  std::string parse_string() {
    const std::size_t start = pos_;
    ++pos_;  // opening quote
    std::string out;
    while (true) {
      if (at_end()) fail_at(start, "unterminated string");
      const unsigned char c = peek();
      if (c == '"') { ++pos_; return out; }
      if (c < 0x20) fail("raw control character " + describe_byte(c) + " in string (must be escaped)");
      if (c == '\\') {
        parse_escape(out);
      } else if (c < 0x80) {
        out += static_cast<char>(c);
        ++pos_;
      } else {
        const auto* p = reinterpret_cast<const unsigned char*>(text_.data()) + pos_;
        const std::size_t len = utf8_sequence_length(p, text_.size() - pos_);
        if (len == 0) fail("invalid UTF-8 in string");
        out.append(text_.data() + pos_, len);
        pos_ += len;
      }
    }
  }

  void parse_escape(std::string& out) {
    const std::size_t escape_pos = pos_;
    ++pos_;  // backslash
    if (at_end()) fail_at(escape_pos, "unterminated escape");
    const unsigned char c = peek();
    ++pos_;
    switch (c) {
      case '"': out += '"'; return;
      case '\\': out += '\\'; return;
      case '/': out += '/'; return;
      case 'b': out += '\b'; return;
      case 'f': out += '\f'; return;
      case 'n': out += '\n'; return;
      case 'r': out += '\r'; return;
      case 't': out += '\t'; return;
      case 'u': break;
      default: fail_at(escape_pos, "bad escape \\" + std::string(1, static_cast<char>(c)));
    }
    std::uint32_t cp = parse_hex4();
    if (cp >= 0xDC00 && cp <= 0xDFFF) fail_at(escape_pos, "lone low surrogate in \\u escape");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      if (text_.substr(pos_, 2) != "\\u") fail_at(escape_pos, "lone high surrogate in \\u escape");
      pos_ += 2;
      const std::uint32_t low = parse_hex4();
      if (low < 0xDC00 || low > 0xDFFF) fail_at(escape_pos, "high surrogate not followed by a low surrogate");
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    append_utf8(out, cp);
  }

  Json parse_number() {
    const std::size_t start = pos_;
    auto digits = [&]() {
      const std::size_t from = pos_;
      while (!at_end() && peek() >= '0' && peek() <= '9') ++pos_;
      return pos_ - from;
    };
    const bool negative = peek() == '-';
    if (negative) ++pos_;
    if (at_end() || peek() < '0' || peek() > '9') fail("expected a digit in number");
    if (peek() == '0' && pos_ + 1 < text_.size() && text_[pos_ + 1] >= '0' && text_[pos_ + 1] <= '9') {
      fail("leading zero in number");
    }
    const std::size_t int_digits = digits();
    bool integer = true;
    if (!at_end() && peek() == '.') {
      ++pos_;
      integer = false;
      if (digits() == 0) fail("expected a digit after the decimal point");
    }
    if (!at_end() && (peek() == 'e' || peek() == 'E')) {
      ++pos_;
      integer = false;
      if (!at_end() && (peek() == '+' || peek() == '-')) ++pos_;
      if (digits() == 0) fail("expected a digit in the exponent");
    }
    const std::string_view lexeme = text_.substr(start, pos_ - start);
    if (integer && int_digits <= 18) {  // exact in uint64; one rounding to double
      std::uint64_t v = 0;
      for (char c : lexeme.substr(negative ? 1 : 0)) v = v * 10 + static_cast<std::uint64_t>(c - '0');
      const double d = static_cast<double>(v);
      return Json(negative ? -d : d);
    }
    std::string copy(lexeme);
    const char dp = locale_decimal_point();
    for (char& c : copy) {
      if (c == '.') c = dp;
    }
    const double d = std::strtod(copy.c_str(), nullptr);
    if (!std::isfinite(d)) fail_at(start, "number out of range for a double");
    return Json(d);
  }

  std::string_view text_;
  int max_depth_;
  std::size_t pos_ = 0;
};

std::string format_number(double d) {
  if (!std::isfinite(d)) throw std::invalid_argument("JSON cannot represent NaN or infinity");
  if (d == std::floor(d) && std::fabs(d) <= Json::kMaxExactInteger) {
    if (d == 0 && std::signbit(d)) return "-0";
    return std::to_string(static_cast<std::int64_t>(d));
  }
  // The shortest of %.15g, %.16g, %.17g that reads back as the same double.
  char buf[40];
  for (int precision = 15; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  std::string s(buf);
  const char dp = locale_decimal_point();
  for (char& c : s) {
    if (c == dp) c = '.';
  }
  return s;
}

void newline(std::string& out, int indent, int level) {
  out += '\n';
  out.append(static_cast<std::size_t>(indent) * static_cast<std::size_t>(level), ' ');
}

}  // namespace

JsonError::JsonError(std::size_t offset, const std::string& reason)
    : FormatError("invalid JSON at byte " + std::to_string(offset) + ": " + reason),
      offset_(offset),
      reason_(reason) {}

const char* Json::type_name(Type t) {
  switch (t) {
    case Type::Null: return "null";
    case Type::Bool: return "a boolean";
    case Type::Number: return "a number";
    case Type::String: return "a string";
    case Type::Array: return "an array";
    case Type::Object: return "an object";
  }
  return "?";
}

namespace {
[[noreturn]] void wrong_type(const char* expected, Json::Type got) {
  throw FormatError(std::string("JSON: expected ") + expected + ", got " + Json::type_name(got));
}
}  // namespace

bool Json::as_bool() const {
  if (!is_bool()) wrong_type("a boolean", type());
  return std::get<bool>(value_);
}

double Json::as_number() const {
  if (!is_number()) wrong_type("a number", type());
  return std::get<double>(value_);
}

bool Json::is_exact_integer() const {
  if (!is_number()) return false;
  const double d = std::get<double>(value_);
  return d == std::floor(d) && std::fabs(d) <= kMaxExactInteger;
}

std::int64_t Json::as_int64() const {
  if (!is_number()) wrong_type("an integer", type());
  if (!is_exact_integer()) throw FormatError("JSON: expected an integer within +-2^53, got " + dump());
  return static_cast<std::int64_t>(std::get<double>(value_));
}

const std::string& Json::as_string() const {
  if (!is_string()) wrong_type("a string", type());
  return std::get<std::string>(value_);
}

const Json::Array& Json::as_array() const {
  if (!is_array()) wrong_type("an array", type());
  return std::get<Array>(value_);
}

Json::Array& Json::as_array() {
  if (!is_array()) wrong_type("an array", type());
  return std::get<Array>(value_);
}

const Json::Object& Json::as_object() const {
  if (!is_object()) wrong_type("an object", type());
  return std::get<Object>(value_);
}

Json::Object& Json::as_object() {
  if (!is_object()) wrong_type("an object", type());
  return std::get<Object>(value_);
}

const Json* Json::find(std::string_view key) const {
  for (const auto& [k, v] : as_object()) {
    if (k == key) return &v;
  }
  return nullptr;
}

const Json& Json::at(std::string_view key) const {
  const Json* v = find(key);
  if (!v) throw FormatError("JSON: no key " + json_quote(key) + " in object");
  return *v;
}

Json& Json::operator[](std::string_view key) {
  if (is_null()) value_ = Object{};
  Object& members = as_object();
  for (auto& [k, v] : members) {
    if (k == key) return v;
  }
  members.emplace_back(std::string(key), Json());
  return members.back().second;
}

const Json& Json::at(std::size_t index) const {
  const Array& a = as_array();
  if (index >= a.size()) {
    throw FormatError("JSON: index " + std::to_string(index) + " out of range for an array of " +
                      std::to_string(a.size()));
  }
  return a[index];
}

void Json::push_back(Json v) {
  if (is_null()) value_ = Array{};
  as_array().push_back(std::move(v));
}

std::size_t Json::size() const {
  if (is_array()) return std::get<Array>(value_).size();
  if (is_object()) return std::get<Object>(value_).size();
  return 0;
}

std::string json_quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04X", c);
          out += buf;
        } else if (c >= 0x80) {
          const auto* p = reinterpret_cast<const unsigned char*>(s.data()) + i;
          const std::size_t len = utf8_sequence_length(p, s.size() - i);
          if (len == 0) throw std::invalid_argument("JSON: string is not valid UTF-8");
          out.append(s.data() + i, len);
          i += len;
          continue;
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
  return out;
}

void Json::dump_to(std::string& out, int indent, int level) const {
  switch (type()) {
    case Type::Null: out += "null"; return;
    case Type::Bool: out += std::get<bool>(value_) ? "true" : "false"; return;
    case Type::Number: out += format_number(std::get<double>(value_)); return;
    case Type::String: out += json_quote(std::get<std::string>(value_)); return;
    case Type::Array: {
      const Array& a = std::get<Array>(value_);
      out += '[';
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (i > 0) out += ',';
        if (indent >= 0) newline(out, indent, level + 1);
        a[i].dump_to(out, indent, level + 1);
      }
      if (indent >= 0 && !a.empty()) newline(out, indent, level);
      out += ']';
      return;
    }
    case Type::Object: {
      const Object& o = std::get<Object>(value_);
      out += '{';
      for (std::size_t i = 0; i < o.size(); ++i) {
        if (i > 0) out += ',';
        if (indent >= 0) newline(out, indent, level + 1);
        out += json_quote(o[i].first);
        out += indent >= 0 ? ": " : ":";
        o[i].second.dump_to(out, indent, level + 1);
      }
      if (indent >= 0 && !o.empty()) newline(out, indent, level);
      out += '}';
      return;
    }
  }
}

std::string Json::dump(int indent) const {
  std::string out;
  dump_to(out, indent, 0);
  return out;
}

Json Json::parse(std::string_view text, int max_depth) {
  return Parser(text, max_depth).parse_document();
}

}  // namespace metalab
