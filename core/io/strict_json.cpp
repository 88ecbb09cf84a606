#include "core/io/strict_json.h"

#include "core/io/csv.h"  // printable_text

#include <iterator>
#include <unordered_set>
#include <vector>

namespace metalab {

namespace {

// An input iterator over the text that publishes how far nlohmann has read,
// so that the parser callback (which is told no position) can name one.
struct TrackingIterator {
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  const char* p;
  const char** cursor;
  reference operator*() const { return *p; }
  TrackingIterator& operator++() {
    *cursor = ++p;
    return *this;
  }
  TrackingIterator operator++(int) {
    TrackingIterator before = *this;
    ++*this;
    return before;
  }
  bool operator==(const TrackingIterator& o) const { return p == o.p; }
  bool operator!=(const TrackingIterator& o) const { return p != o.p; }
};

// nlohmann's message without its "[json.exception.parse_error.101] parse
// error at line 1, column 6: syntax error while parsing value - " prefix,
// printable: nlohmann quotes the offending token, and shows control bytes
// below 0x20 as <U+001F> but a DEL (0x7f) as it is (a fuzzed finding).
std::string reason_of(const nlohmann::json::exception& e) {
  std::string what = e.what();
  if (const auto bracket = what.find("] "); bracket != std::string::npos) what.erase(0, bracket + 2);
  if (what.rfind("parse error", 0) == 0) {
    if (const auto colon = what.find(": "); colon != std::string::npos) what.erase(0, colon + 2);
  }
  for (const char* prefix : {"syntax error while parsing value - ", "syntax error while parsing object key - ",
                             "syntax error while parsing object separator - "}) {
    if (what.rfind(prefix, 0) == 0) what.erase(0, std::string(prefix).size());
  }
  return printable_text(what);
}

bool number_char(char c) { return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'; }

class StrictParser {
 public:
  StrictParser(std::string_view text, int max_depth) : text_(text), max_depth_(max_depth), cursor_(text.data()) {}

  Json parse() {
    const char* begin = text_.data();
    const char* end = begin + text_.size();
    try {
      return Json::parse(TrackingIterator{begin, &cursor_}, TrackingIterator{end, &cursor_},
                         [this](int depth, Json::parse_event_t event, Json& parsed) {
                           return on_event(depth, event, parsed);
                         });
    } catch (const nlohmann::json::parse_error& e) {
      throw JsonError(e.byte > 0 ? e.byte - 1 : 0, reason_of(e));
    } catch (const nlohmann::json::out_of_range& e) {  // a number beyond double range
      throw JsonError(number_start(), reason_of(e));
    }
  }

 private:
  std::size_t position() const { return static_cast<std::size_t>(cursor_ - text_.data()); }

  bool on_event(int depth, Json::parse_event_t event, const Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
      case Json::parse_event_t::array_start:
        if (depth + 1 > max_depth_) {
          throw JsonError(position() - 1, "nesting deeper than " + std::to_string(max_depth_) + " levels");
        }
        if (event == Json::parse_event_t::object_start) keys_.emplace_back();
        break;
      case Json::parse_event_t::object_end:
        keys_.pop_back();
        break;
      case Json::parse_event_t::key: {
        const std::string& key = parsed.get_ref<const std::string&>();
        if (!keys_.back().insert(key).second) throw JsonError(key_start(), "duplicate key " + Json(key).dump());
        break;
      }
      default:
        break;
    }
    return true;
  }

  // The opening quote of the key nlohmann has just read (its closing quote is
  // the last byte read): the nearest quote before it not escaped by an odd
  // number of backslashes.
  std::size_t key_start() const {
    std::size_t i = position() - 1;
    while (i > 0) {
      --i;
      if (text_[i] != '"') continue;
      std::size_t backslashes = 0;
      while (backslashes < i && text_[i - 1 - backslashes] == '\\') ++backslashes;
      if (backslashes % 2 == 0) return i;
    }
    return 0;
  }

  // The first byte of the number nlohmann has just read (it may have read
  // one byte past it).
  std::size_t number_start() const {
    std::size_t i = position();
    if (i > 0 && !number_char(text_[i - 1])) --i;
    while (i > 0 && number_char(text_[i - 1])) --i;
    return i;
  }

  std::string_view text_;
  int max_depth_;
  const char* cursor_;
  std::vector<std::unordered_set<std::string>> keys_;  // of each open object
};

}  // namespace

JsonError::JsonError(std::size_t offset, const std::string& reason)
    : FormatError("invalid JSON at byte " + std::to_string(offset) + ": " + reason), offset_(offset), reason_(reason) {}

Json parse_json(std::string_view text, int max_depth) {
  // nlohmann takes a NUL byte for the end of the input; JSON has no place for one.
  const std::size_t nul = text.find('\0');
  if (nul == std::string_view::npos) return StrictParser(text, max_depth).parse();
  try {
    StrictParser(text.substr(0, nul), max_depth).parse();
  } catch (const JsonError& e) {
    if (e.offset() < nul) throw;
  }
  throw JsonError(nul, "unexpected byte 0x00");
}

std::string json_type_name(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::boolean: return "a boolean";
    case Json::value_t::string: return "a string";
    case Json::value_t::array: return "an array";
    case Json::value_t::object: return "an object";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float: return "a number";
    default: return j.type_name();
  }
}

}  // namespace metalab
