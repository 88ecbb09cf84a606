// The page's text content compiled into the program: the string tables
// (assets/i18n/<lang>.json) and the lessons (assets/lessons/<id>.json),
// embedded by web/cmake/embed_file.cmake, so that a lesson link opens its step
// on the first frame (nothing to fetch) natively and in the page alike.
//
//   for (const ContentFile& f : embedded_content()) std::printf("%s %zu\n", f.name.c_str(), f.bytes.size());
//   // assets/i18n/en.json 41234, assets/lessons/few-shot.json 6120, ...
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/io/csv.h"  // printable_text

namespace metalab::web {

// A string table or lesson file that does not follow its format; the message
// names the file (and the key or step) and the problem, in one printable line
// (keys and values from the file are shown with control bytes escaped).
class ContentError : public std::runtime_error {
 public:
  explicit ContentError(const std::string& what) : std::runtime_error(printable_text(what)) {}
};

struct ContentFile {
  std::string name;        // "assets/lessons/maml.json"
  std::string_view bytes;  // static data
};

// Every embedded file, sorted by name.
const std::vector<ContentFile>& embedded_content();

// JSON parsed strictly: malformed text or a key that appears twice in one
// object (which nlohmann would silently overwrite) throws ContentError naming
// the file.
nlohmann::json parse_content_json(const std::string& file, const std::string& text);

}  // namespace metalab::web
