// The page's views, in sidebar order, with their URL and status names (the
// list itself is in app_state.cpp).
#pragma once

#include <string>
#include <vector>

namespace metalab::web {

enum class ViewId { SinusoidExplorer, RegressionLab, ClassificationLab, MemoryLab, GeneLab, LandscapeLab };

struct ViewInfo {
  ViewId id;
  const char* key;      // in the URL: view=<key>
  const char* status;   // in the status JSON: "view": "<status>"
  const char* title;    // sidebar label
  const char* summary;  // one line, shown as tooltip
};
const std::vector<ViewInfo>& views();
const ViewInfo& view_info(ViewId id);
// The view of a URL key ("genes" is an alias of gene); false if there is none.
bool view_from_key(const std::string& key, ViewId* out);

}  // namespace metalab::web
