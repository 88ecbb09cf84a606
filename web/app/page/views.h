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
};
// The string-table keys of a view's sidebar label and one-line summary
// ("ui.view.regression", "ui.view.regression.summary").
std::string view_title_key(ViewId id);
std::string view_summary_key(ViewId id);
const std::vector<ViewInfo>& views();
const ViewInfo& view_info(ViewId id);
// The view of a URL key ("genes" is an alias of gene); false if there is none.
bool view_from_key(const std::string& key, ViewId* out);

}  // namespace metalab::web
