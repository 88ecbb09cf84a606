#include "web/app/labs.h"

#include <algorithm>
#include <cstdio>

#include <imgui.h>

#include "web/app/gene_lab.h"
#include "web/app/lab_widgets.h"
#include "web/app/regression_lab.h"

namespace metalab::web {

namespace {
// The wasm work of one frame we aim for: training gets what the rest leaves.
constexpr double kTargetFrameWorkMs = 8.0;
constexpr double kMinBudgetMs = 1.0, kMaxBudgetMs = 7.0;
}  // namespace

void tick_labs(AppState& st) {
  LabModels& m = st.models;
  // Adapt the budget to what the rest of the last frame's work cost (building
  // the UI, adapting the models for the plots). GL submission is left out: it
  // is cheap with a GPU, and where it is not (software rendering) the time is
  // spent waiting for the browser's GPU process, not working in wasm.
  const FrameStats& fs = st.stats;
  if (fs.frames > 2) {
    const double other = std::max(0.0, static_cast<double>(fs.last_ui_ms) - m.train_ms);
    const double want = std::clamp(kTargetFrameWorkMs - other, kMinBudgetMs, kMaxBudgetMs);
    m.budget_ms = 0.8 * m.budget_ms + 0.2 * want;
  }
  int playing = 0;
  for (auto& [name, s] : m.sessions) {
    adopt_shipped_if_untouched(s, m.assets);
    if (s.playing && s.ready()) ++playing;
  }
  const double dt = static_cast<double>(ImGui::GetIO().DeltaTime);
  const double share = playing > 0 ? m.budget_ms / playing : m.budget_ms;
  double spent = 0, its = 0;
  for (auto& [name, s] : m.sessions) {
    tick_training(s, dt, share);
    spent += s.last_tick_ms;
    its += s.its_per_s;
  }
  m.train_ms = spent;
  m.its_per_s = its;
}

std::string labs_status_json(const AppState& st) {
  std::string out = ",\"regression\":" + regression_status_json(st) + ",\"gene\":" + gene_status_json(st);
  char b[256];
  std::snprintf(b, sizeof b,
                ",\"training\":{\"budget_ms\":%.3f,\"train_ms\":%.3f,\"its_per_s\":%.1f,\"ui_ms\":%.3f,\"gl_ms\":%.3f}",
                st.models.budget_ms, st.models.train_ms, st.models.its_per_s, st.stats.last_ui_ms, st.stats.last_gl_ms);
  out += b;
  out += ",\"page\":{\"hash\":\"" + json_escape(st.page.hash) + "\",\"url_notice\":\"" +
         json_escape(st.page.url_notice) + "\",\"last_error\":\"" + json_escape(st.page.last_error) +
         "\",\"last_message\":\"" + json_escape(st.page.last_message) + "\",\"uploads\":" +
         std::to_string(st.page.uploads) + ",\"downloads\":" + std::to_string(st.page.downloads_made) + ",\"assets\":[";
  bool first = true;
  for (const auto& [name, bytes] : st.models.assets.files) {
    out += (first ? "\"" : ",\"") + json_escape(name) + "\"";
    first = false;
  }
  out += "]}";
  return out;
}

void draw_page_notices(AppState& st) {
  if (st.page.url_notice.empty()) return;
  // Leave the top-right corner to the frame-time overlay.
  const float overlay = st.ui.show_frame_stats ? ImGui::GetFontSize() * 24.0f : 0.0f;
  const float w = ImGui::GetContentRegionAvail().x - overlay;
  if (draw_banner(st, BannerKind::Warning, st.page.url_notice, "url_notice", true, w)) st.page.url_notice.clear();
}

}  // namespace metalab::web
