// A small JSON value type, parser and serializer for MetaLab's own needs:
// safetensors checkpoint headers and the learner configuration stored in their
// metadata. core/ may depend only on Eigen and the standard library (it is
// also compiled to WebAssembly), hence this instead of a third-party library.
//
// What it promises:
//   - Objects keep their keys in insertion order; duplicate keys are rejected
//     when parsing (RFC 8259 leaves them undefined; a checkpoint must not have
//     two tensors of one name).
//   - Numbers are doubles. An integer of magnitude up to 2^53 (every integer a
//     double holds exactly) parses, prints and reads back via as_int64()
//     exactly, which is what byte offsets need.
//   - Strings are UTF-8. \uXXXX escapes, surrogate pairs included, become
//     UTF-8; lone surrogates, invalid UTF-8 and raw control characters are
//     errors.
//   - Nesting deeper than a limit is an error, not a stack overflow.
//   - Malformed input throws JsonError (a FormatError) with the byte offset
//     and a short reason, e.g. "invalid JSON at byte 17: unterminated string".
//
//   Json j = Json::parse(R"({"lr": 0.01, "layers": [40, 40]})");
//   double lr = j.at("lr").as_number();
//   Json cfg = Json::object();
//   cfg["steps"] = 5;           // inserts, keeps order
//   std::string text = cfg.dump();  // {"steps":5}
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace metalab {

// A file or text that does not follow its format (JSON, safetensors, CSV...).
// The message names the source and the problem.
class FormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A JSON syntax error, with where (byte offset into the parsed text) and why.
class JsonError : public FormatError {
 public:
  JsonError(std::size_t offset, const std::string& reason);
  std::size_t offset() const { return offset_; }
  const std::string& reason() const { return reason_; }

 private:
  std::size_t offset_;
  std::string reason_;
};

class Json {
 public:
  enum class Type { Null, Bool, Number, String, Array, Object };
  using Array = std::vector<Json>;
  using Object = std::vector<std::pair<std::string, Json>>;  // insertion order

  static constexpr int kDefaultMaxDepth = 128;
  static constexpr double kMaxExactInteger = 9007199254740992.0;  // 2^53

  Json() = default;  // null
  Json(std::nullptr_t) {}
  Json(bool b) : value_(b) {}
  Json(double d) : value_(d) {}
  // Any integer type; std::invalid_argument beyond +-2^53 (not exact).
  template <typename T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool> &&
                                             !std::is_same_v<T, char>, int> = 0>
  Json(T i) : value_(exact_double(i)) {}
  Json(const char* s) : value_(std::string(s)) {}
  Json(std::string s) : value_(std::move(s)) {}
  Json(std::string_view s) : value_(std::string(s)) {}
  Json(Array a) : value_(std::move(a)) {}
  Json(Object o) : value_(std::move(o)) {}
  static Json array() { return Json(Array{}); }
  static Json object() { return Json(Object{}); }

  Type type() const { return static_cast<Type>(value_.index()); }
  static const char* type_name(Type t);
  bool is_null() const { return type() == Type::Null; }
  bool is_bool() const { return type() == Type::Bool; }
  bool is_number() const { return type() == Type::Number; }
  bool is_string() const { return type() == Type::String; }
  bool is_array() const { return type() == Type::Array; }
  bool is_object() const { return type() == Type::Object; }

  // Typed access. The wrong type throws FormatError ("JSON: expected a
  // number, got a string"): reading JSON that has the wrong shape is a
  // problem with the input, like a syntax error.
  bool as_bool() const;
  double as_number() const;
  // An integral number within +-2^53, else FormatError.
  std::int64_t as_int64() const;
  bool is_exact_integer() const;
  const std::string& as_string() const;
  const Array& as_array() const;
  Array& as_array();
  const Object& as_object() const;
  Object& as_object();

  // Objects: find returns nullptr when absent; at throws FormatError;
  // operator[] turns null into an object and inserts null for a new key.
  const Json* find(std::string_view key) const;
  const Json& at(std::string_view key) const;
  Json& operator[](std::string_view key);
  // Arrays: at throws FormatError out of range; push_back turns null into an
  // array.
  const Json& at(std::size_t index) const;
  void push_back(Json v);
  // Elements of an array or members of an object; 0 for scalars.
  std::size_t size() const;

  // Compact (indent < 0) or pretty-printed text. Throws std::invalid_argument
  // for NaN/infinity (JSON has no spelling for them) or invalid UTF-8.
  std::string dump(int indent = -1) const;
  static Json parse(std::string_view text, int max_depth = kDefaultMaxDepth);

  friend bool operator==(const Json& a, const Json& b) { return a.value_ == b.value_; }
  friend bool operator!=(const Json& a, const Json& b) { return !(a == b); }

 private:
  void dump_to(std::string& out, int indent, int level) const;
  template <typename T>
  static double exact_double(T i) {
    constexpr std::int64_t limit = std::int64_t{1} << 53;
    bool exact;
    if constexpr (std::is_signed_v<T>) {
      exact = static_cast<std::int64_t>(i) <= limit && static_cast<std::int64_t>(i) >= -limit;
    } else {
      exact = static_cast<std::uint64_t>(i) <= static_cast<std::uint64_t>(limit);
    }
    if (!exact) throw std::invalid_argument("Json: an integer beyond 2^53 is not exact as a double");
    return static_cast<double>(i);
  }
  std::variant<std::nullptr_t, bool, double, std::string, Array, Object> value_;
};

// The string as a JSON string literal, quotes and escapes included.
std::string json_quote(std::string_view s);

}  // namespace metalab
