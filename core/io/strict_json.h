// JSON that comes from outside (checkpoint headers, config files, uploads),
// read with nlohmann-json plus the checks nlohmann leaves out, and the one
// JSON type of MetaLab (nlohmann's ordered_json: objects keep their order, so
// a checkpoint's tensors stay in header order and written JSON reads as built).
//
// What parse_json promises beyond nlohmann's own strictness (RFC 8259:
// well-formed UTF-8, no lone surrogates, no raw control characters, no
// trailing commas, one value; numbers beyond double range are errors):
//   - duplicate keys are rejected (RFC 8259 leaves them undefined; nlohmann
//     keeps the last; a checkpoint must not have two tensors of one name);
//   - nesting deeper than max_depth is an error, not a deep tree;
//   - a NUL byte is an error (nlohmann would stop reading there);
//   - every error is a JsonError (a FormatError) with the byte offset into
//     the text and a short reason:
//       "invalid JSON at byte 7: duplicate key \"a\"".
//
//   Json j = parse_json(R"({"lr": 0.01, "layers": [40, 40]})");
//   double lr = j.at("lr").get<double>();
//   Json cfg = Json::object();
//   cfg["steps"] = 5;                   // inserts, keeps order
//   std::string text = cfg.dump();      // {"steps":5}
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>

#include "core/io/format_error.h"

namespace metalab {

using Json = nlohmann::ordered_json;

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

constexpr int kMaxJsonDepth = 128;

Json parse_json(std::string_view text, int max_depth = kMaxJsonDepth);

// "a number", "an object"...: for messages about JSON of the wrong shape.
std::string json_type_name(const Json& j);

}  // namespace metalab
