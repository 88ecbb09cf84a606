#include "web/app/page/content.h"

#include <algorithm>
#include <set>

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
  std::vector<std::set<std::string>> keys;  // one set per open object
  std::string duplicate;
  const nlohmann::json::parser_callback_t check = [&](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    if (event == E::object_start) keys.emplace_back();
    else if (event == E::object_end && !keys.empty()) keys.pop_back();
    else if (event == E::key && !keys.empty() && !keys.back().insert(parsed.get<std::string>()).second && duplicate.empty())
      duplicate = parsed.get<std::string>();
    return true;
  };
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text, check);
  } catch (const nlohmann::json::parse_error& e) {
    throw ContentError(file + ": not valid JSON (" + e.what() + ")");
  }
  if (!duplicate.empty()) throw ContentError(file + ": key \"" + duplicate + "\" appears twice in one object");
  return j;
}

}  // namespace metalab::web
