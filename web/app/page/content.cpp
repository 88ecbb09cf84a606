#include "web/app/page/content.h"

#include <algorithm>

#include "core/io/strict_json.h"

// Generated at build time (web/CMakeLists.txt, web/cmake/embed_file.cmake).
struct MetalabEmbeddedFile {
  const char* name;
  const unsigned char* data;
  unsigned int size;
};
extern const MetalabEmbeddedFile metalab_content_files[];
extern const unsigned int metalab_content_count;

namespace metalab::web {

const std::vector<ContentFile>& embedded_content() {
  static const std::vector<ContentFile> files = [] {
    std::vector<ContentFile> v;
    for (unsigned int i = 0; i < metalab_content_count; ++i) {
      const MetalabEmbeddedFile& f = metalab_content_files[i];
      v.push_back({f.name, std::string_view(reinterpret_cast<const char*>(f.data), f.size)});
    }
    std::sort(v.begin(), v.end(), [](const ContentFile& a, const ContentFile& b) { return a.name < b.name; });
    return v;
  }();
  return files;
}

nlohmann::json parse_content_json(const std::string& file, const std::string& text) {
  // The project's strict reader decides what is valid JSON (duplicate keys, numbers
  // beyond double range, depth, NUL: core/io/strict_json.h); then the page's JSON type
  // is read from text already known to be valid.
  try {
    parse_json(text);
  } catch (const JsonError& e) {
    throw ContentError(file + ": not valid JSON (" + e.what() + ")");
  }
  return nlohmann::json::parse(text);
}

}  // namespace metalab::web
