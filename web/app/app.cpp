#include "web/app/app.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>

#include <imgui.h>

#include "web/app/classification_lab.h"
#include "web/app/fonts.h"
#include "web/app/gene_lab.h"
#include "web/app/labs.h"
#include "web/app/memory_lab.h"
#include "web/app/regression_lab.h"
#include "web/app/url_state.h"
#include "web/app/sinusoid_explorer.h"

namespace metalab::web {

namespace {

// The view list. Adding a view: a draw function taking AppState&, its state
// struct in app_state.h, and one line here.
const View kViews[] = {
    {ViewId::SinusoidExplorer, "Sinusoid tasks", "Explore the task distribution: one sine wave per task",
     draw_sinusoid_explorer},
    {ViewId::RegressionLab, "Regression lab", "Meta-train MAML, Reptile and friends; watch them adapt",
     draw_regression_lab},
    {ViewId::ClassificationLab, "Classification lab", "Prototypical networks on few-shot image tasks",
     draw_classification_lab},
    {ViewId::MemoryLab, "Memory lab", "A memory-augmented network reading and writing",
     draw_memory_lab},
    {ViewId::GeneLab, "Gene lab", "Promoter motifs and real tissue expression, few-shot",
     draw_gene_lab},
};

const char* view_key(ViewId id) {
  switch (id) {
    case ViewId::SinusoidExplorer: return "sinusoid_explorer";
    case ViewId::RegressionLab: return "regression_lab";
    case ViewId::ClassificationLab: return "classification_lab";
    case ViewId::MemoryLab: return "memory_lab";
    case ViewId::GeneLab: return "gene_lab";
  }
  return "?";
}

constexpr float kMinTextScale = 0.75f, kMaxTextScale = 3.0f;

void draw_text_size_control(AppState& st) {
  const float fs = ImGui::GetFontSize();
  ImGui::TextUnformatted("Text size");
  const auto step = [&](float d) {
    st.ui.text_scale = std::clamp(std::round((st.ui.text_scale + d) * 4.0f) / 4.0f, kMinTextScale, kMaxTextScale);
  };
  if (ImGui::Button(" - ##smaller")) step(-0.25f);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Smaller text");
  ImGui::SameLine();
  const float plus_w = ImGui::CalcTextSize(" + ").x + ImGui::GetStyle().FramePadding.x * 2;
  ImGui::SetNextItemWidth(std::max(fs * 3.0f, ImGui::GetContentRegionAvail().x - plus_w - ImGui::GetStyle().ItemSpacing.x));
  ImGui::SliderFloat("##text_scale", &st.ui.text_scale, kMinTextScale, kMaxTextScale, "%.2fx",
                     ImGuiSliderFlags_AlwaysClamp);
  ImGui::SameLine();
  if (ImGui::Button(" + ##larger")) step(+0.25f);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Larger text (for projectors)");
}

void draw_view_list(AppState& st, bool compact) {
  if (compact) {
    // Narrow screens: a drop-down instead of the sidebar list.
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 12.0f);
    if (ImGui::BeginCombo("##view", view_info(st.view).title)) {
      for (const View& v : kViews) {
        if (!v.draw) ImGui::BeginDisabled();
        if (ImGui::Selectable(v.title, v.id == st.view)) st.view = v.id;
        if (!v.draw) ImGui::EndDisabled();
      }
      ImGui::EndCombo();
    }
    return;
  }
  for (const View& v : kViews) {
    char label[96];
    std::snprintf(label, sizeof label, v.draw ? "%s" : "%s  (soon)", v.title);
    if (!v.draw) ImGui::BeginDisabled();
    if (ImGui::Selectable(label, v.id == st.view)) st.view = v.id;
    if (!v.draw) ImGui::EndDisabled();
    if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) ImGui::SetTooltip("%s", v.summary);
  }
}

void draw_sidebar(AppState& st) {
  draw_heading(st, "MetaLab");
  ImGui::TextDisabled("learning to learn");
  ImGui::Separator();
  ImGui::Spacing();
  draw_view_list(st, false);
  ImGui::Spacing();
  ImGui::Separator();
  ImGui::Spacing();
  draw_text_size_control(st);
  ImGui::Checkbox("Dark theme", &st.ui.dark_theme);
  ImGui::Checkbox("Frame time", &st.ui.show_frame_stats);
}

void draw_frame_stats(const AppState& st) {
  if (!st.ui.show_frame_stats) return;
  char buf[128];
  // "work": our code (UI, training); "GL": time inside WebGL calls (large only with software rendering).
  int n = std::snprintf(buf, sizeof buf, "%.1f ms  %.0f fps  (work %.1f ms, GL %.1f ms)", st.stats.frame_ms,
                        st.stats.frame_ms > 0 ? 1000.0f / st.stats.frame_ms : 0.0f,
                        std::max(0.0f, st.stats.cpu_ms - st.stats.gl_ms), st.stats.gl_ms);
  // Meta-iterations per second of everything training now, whichever lab it belongs to.
  const double its = st.models.its_per_s + (st.classification.playing ? st.classification.its_per_s : 0.0) +
                     (st.memory.training ? st.memory.its_per_s : 0.0);
  if (its > 0 && n > 0 && n < static_cast<int>(sizeof buf))
    std::snprintf(buf + n, sizeof buf - static_cast<std::size_t>(n), "  %.0f it/s", its);
  const float fs = ImGui::GetFontSize();
  const ImVec2 ts = ImGui::CalcTextSize(buf);
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  const ImVec2 pos(vp->Pos.x + vp->Size.x - ts.x - fs * 0.8f, vp->Pos.y + fs * 0.35f);
  ImDrawList* dl = ImGui::GetForegroundDrawList();
  const bool dark = st.ui.dark_theme;
  dl->AddRectFilled(ImVec2(pos.x - fs * 0.35f, pos.y - fs * 0.15f), ImVec2(pos.x + ts.x + fs * 0.35f, pos.y + ts.y + fs * 0.15f),
                    dark ? IM_COL32(0, 0, 0, 150) : IM_COL32(255, 255, 255, 200), fs * 0.25f);
  dl->AddText(pos, dark ? IM_COL32(200, 230, 200, 255) : IM_COL32(20, 110, 40, 255), buf);
}

}  // namespace

const View* views_begin() { return std::begin(kViews); }
const View* views_end() { return std::end(kViews); }

const View& view_info(ViewId id) {
  for (const View& v : kViews)
    if (v.id == id) return v;
  return kViews[0];
}

void draw_heading(const AppState& state, const char* text) {
  const ImVec4 accent = state.ui.dark_theme ? ImVec4(0.45f, 0.70f, 1.0f, 1.0f) : ImVec4(0.12f, 0.39f, 0.78f, 1.0f);
  ImFont* font = heading_font();
  if (font) ImGui::PushFont(font);
  ImGui::PushStyleColor(ImGuiCol_Text, accent);
  ImGui::TextUnformatted(text);
  ImGui::PopStyleColor();
  if (font) ImGui::PopFont();
}

const char* phi_symbol(const AppState& state) { return state.built.unicode_font ? "\xCF\x86" : "phi"; }

void draw_app(AppState& st) {
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->Pos);
  ImGui::SetNextWindowSize(vp->Size);
  ImGui::PushStyleVar(ImGuiStyleVar_WindowRounding, 0.0f);
  ImGui::PushStyleVar(ImGuiStyleVar_WindowBorderSize, 0.0f);
  const ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                 ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoBringToFrontOnFocus;
  ImGui::Begin("MetaLab", nullptr, flags);
  ImGui::PopStyleVar(2);

  const float fs = ImGui::GetFontSize();
  const bool sidebar = vp->Size.x >= fs * 40.0f;
  if (sidebar) {
    const float w = std::min(fs * 13.0f, vp->Size.x * 0.3f);
    ImGui::BeginChild("sidebar", ImVec2(w, 0), true);
    draw_sidebar(st);
    ImGui::EndChild();
    ImGui::SameLine();
  } else {
    // Narrow (phone, small window): view picker and text size on one line.
    draw_view_list(st, true);
    ImGui::SameLine();
    if (ImGui::Button("Aa")) ImGui::OpenPopup("display");
    if (ImGui::BeginPopup("display")) {
      ImGui::PushItemWidth(fs * 10.0f);
      draw_text_size_control(st);
      ImGui::PopItemWidth();
      ImGui::Checkbox("Dark theme", &st.ui.dark_theme);
      ImGui::Checkbox("Frame time", &st.ui.show_frame_stats);
      ImGui::EndPopup();
    }
  }

  tick_labs(st);  // training runs inside the frame's time budget, whatever the view
  ImGui::BeginChild("view", ImVec2(0, 0), false);
  draw_page_notices(st);
  const View& v = view_info(st.view);
  if (v.draw) v.draw(st);
  ImGui::EndChild();
  ImGui::End();

  draw_frame_stats(st);
  st.page.hash = make_url_hash(st);
}

std::string status_json(const AppState& st) {
  const auto rect = [](const Rect& r) {
    char b[96];
    std::snprintf(b, sizeof b, "[%.1f,%.1f,%.1f,%.1f]", r.x, r.y, r.w, r.h);
    return std::string(b);
  };
  const SinusoidExplorerState& s = st.sinusoid;
  char buf[768];
  std::snprintf(buf, sizeof buf,
                "{\"view\":\"%s\",\"text_scale\":%.3f,\"dark_theme\":%s,\"unicode_font\":%s,"
                "\"display\":{\"width\":%.1f,\"height\":%.1f,\"framebuffer_width\":%d,\"framebuffer_height\":%d,"
                "\"pixel_ratio\":%.3f},"
                "\"sinusoid\":{\"seed\":%llu,\"task_index\":%d,\"k\":%d,\"amplitude\":%.6f,\"phase\":%.6f},"
                "\"layout\":{\"new_task_button\":%s,\"plot\":%s}",
                view_key(st.view), st.ui.text_scale, st.ui.dark_theme ? "true" : "false",
                st.built.unicode_font ? "true" : "false", st.display.width, st.display.height,
                st.display.framebuffer_width, st.display.framebuffer_height, st.display.pixel_ratio,
                static_cast<unsigned long long>(s.seed), s.task_index, s.k, s.params.amplitude, s.params.phase,
                rect(st.layout.new_task_button).c_str(), rect(st.layout.plot).c_str());
  return std::string(buf) + labs_status_json(st) + classification_status_json(st) + memory_status_json(st) + "}";
}

}  // namespace metalab::web
