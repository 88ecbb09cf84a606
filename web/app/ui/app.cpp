#include "web/app/ui/app.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include <imgui.h>
#include <imgui_internal.h>  // touch scrolling: which window a drag on empty space started in

#include "web/app/labs/classification/view.h"
#include "web/app/labs/gene/view.h"
#include "web/app/labs/landscape/view.h"
#include "web/app/labs/memory/view.h"
#include "web/app/labs/regression/view.h"
#include "web/app/labs/sinusoid/view.h"
#include "web/app/page/url_state.h"
#include "web/app/ui/fonts.h"
#include "web/app/ui/lesson_panel.h"
#include "web/app/ui/strings.h"
#include "web/app/ui/widgets.h"

namespace metalab::web {

namespace {

// Each view's draw function. Adding a view: its entry in views() (page/app_state.cpp) and one line here.
void (*draw_function(ViewId id))(AppState&) {
  switch (id) {
    case ViewId::SinusoidExplorer: return draw_sinusoid_explorer;
    case ViewId::RegressionLab: return draw_regression_lab;
    case ViewId::ClassificationLab: return draw_classification_lab;
    case ViewId::MemoryLab: return draw_memory_lab;
    case ViewId::GeneLab: return draw_gene_lab;
    case ViewId::LandscapeLab: return draw_landscape_lab;
  }
  return nullptr;
}

constexpr float kMinTextScale = 0.75f, kMaxTextScale = 3.0f;

void draw_text_size_control(AppState& st) {
  const float fs = ImGui::GetFontSize();
  ImGui::TextUnformatted(tr("ui.display.text_size"));
  const auto step = [&](float d) {
    st.ui.text_scale = std::clamp(std::round((st.ui.text_scale + d) * 4.0f) / 4.0f, kMinTextScale, kMaxTextScale);
  };
  if (ImGui::Button(" - ##smaller")) step(-0.25f);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tr("ui.display.smaller"));
  ImGui::SameLine();
  const float plus_w = ImGui::CalcTextSize(" + ").x + ImGui::GetStyle().FramePadding.x * 2;
  ImGui::SetNextItemWidth(std::max(fs * 3.0f, ImGui::GetContentRegionAvail().x - plus_w - ImGui::GetStyle().ItemSpacing.x));
  ImGui::SliderFloat("##text_scale", &st.ui.text_scale, kMinTextScale, kMaxTextScale, "%.2fx",
                     ImGuiSliderFlags_AlwaysClamp);
  ImGui::SameLine();
  if (ImGui::Button(" + ##larger")) step(+0.25f);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tr("ui.display.larger"));
}

// Whether a view's lab has a job training now (shown by the view list, also when hidden).
bool view_trains(const AppState& st, ViewId id) {
  switch (id) {
    case ViewId::RegressionLab:
      for (const auto& [task, job] : st.regression.jobs)
        if (job->wants_time()) return true;
      return false;
    case ViewId::ClassificationLab: return st.classification.job() && st.classification.job()->wants_time();
    case ViewId::MemoryLab: return st.memory.job() && st.memory.job()->wants_time();
    case ViewId::LandscapeLab: return st.landscape.walkers() && st.landscape.walkers()->wants_time();
    case ViewId::SinusoidExplorer:
    case ViewId::GeneLab: return false;
  }
  return false;
}

void draw_view_list(AppState& st, bool compact) {
  const auto label_of = [&](const ViewInfo& v) {
    // A lab that trains while hidden says so: training continues in the background.
    const std::string title = tr(view_title_key(v.id));
    return view_trains(st, v.id) && v.id != st.view ? format_tr("ui.view.training", {{"view", title}}) : title;
  };
  if (compact) {
    // Narrow screens: a drop-down instead of the sidebar list.
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 12.0f);
    if (ImGui::BeginCombo("##view", tr(view_title_key(st.view)))) {
      for (const ViewInfo& v : views())
        if (ImGui::Selectable((label_of(v) + "###view_" + v.key).c_str(), v.id == st.view)) st.view = v.id;
      ImGui::EndCombo();
    }
    return;
  }
  for (const ViewInfo& v : views()) {
    if (ImGui::Selectable((label_of(v) + "###view_" + v.key).c_str(), v.id == st.view)) st.view = v.id;
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tr(view_summary_key(v.id)));
  }
}

// English / 简体中文, each named in its own language.
void draw_language_switch(AppState& st) {
  ImGui::TextUnformatted(tr("ui.display.language"));
  const std::vector<std::string> langs = st.strings.languages();
  for (std::size_t i = 0; i < langs.size(); ++i) {
    if (i > 0) ImGui::SameLine();
    const std::string& name = st.strings.text_in(langs[i], "ui.language." + langs[i]);
    if (ImGui::RadioButton((name + "###lang_" + langs[i]).c_str(), st.strings.language() == langs[i]))
      st.strings.set_language(langs[i]);
    st.lessons.rects["lang_" + langs[i]] = last_item_rect();
  }
}

void draw_display_controls(AppState& st) {
  draw_language_switch(st);
  draw_text_size_control(st);
  ImGui::Checkbox(tr_id("ui.display.dark", "dark").c_str(), &st.ui.dark_theme);
  ImGui::Checkbox(tr_id("ui.display.frame_time", "frame_time").c_str(), &st.ui.show_frame_stats);
  ImGui::Checkbox(tr_id("ui.presenter.toggle", "presenter").c_str(), &st.ui.presenter);
  st.lessons.rects["presenter"] = last_item_rect();
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tr("ui.presenter.tip"));
}

void draw_sidebar(AppState& st) {
  draw_heading(st, "MetaLab");
  ImGui::TextDisabled("%s", tr("ui.app.tagline"));
  ImGui::Separator();
  ImGui::Spacing();
  draw_view_list(st, false);
  ImGui::Spacing();
  ImGui::Separator();
  ImGui::TextDisabled("%s", tr("ui.lesson.lessons"));
  draw_lesson_picker(st, false);
  ImGui::Spacing();
  ImGui::Separator();
  ImGui::Spacing();
  draw_display_controls(st);
}

// With a lesson open, the left column is the lesson; the views, the other
// lessons and the display settings fold away below it.
void draw_lesson_column(AppState& st) {
  if (st.ui.presenter) {
    // On top: with presenter mode's large text a step may be taller than the
    // screen, and the way out must stay in sight.
    if (ImGui::SmallButton(tr("ui.presenter.exit"))) st.ui.presenter = false;
    st.lessons.rects["presenter"] = last_item_rect();
    draw_lesson_panel(st);
    return;
  }
  draw_lesson_panel(st);
  ImGui::Spacing();
  ImGui::Separator();
  if (ImGui::CollapsingHeader(tr("ui.lesson.more"))) {
    draw_view_list(st, false);
    ImGui::Separator();
    draw_lesson_picker(st, false);
    ImGui::Separator();
    draw_display_controls(st);
  }
}

// A finger dragging on empty space scrolls the window under it (ImGui
// scrolls only with a wheel); drags on widgets (sliders, plots where support
// points or theta move) stay theirs.
void touch_scroll(const AppState& st) {
  if (!st.touch) return;
  ImGuiContext& g = *GImGui;
  const ImGuiIO& io = ImGui::GetIO();
  if (!io.MouseDown[0] || g.ActiveId == 0 || !g.ActiveIdWindow || g.ActiveId != g.ActiveIdWindow->MoveId) return;
  for (ImGuiWindow* w = g.ActiveIdWindow; w; w = w->ParentWindow)
    if (w->ScrollMax.y > 0) {
      ImGui::SetScrollY(w, std::clamp(w->Scroll.y - io.MouseDelta.y, 0.0f, w->ScrollMax.y));
      return;
    }
}

// On entering a step whose control is out of sight (phones), the view scrolls to it once.
void scroll_to_pointed(AppState& st) {
  static std::string scrolled_for;
  const Lesson* l = open_lesson_of(st);
  const LessonStep* s = open_step_of(st);
  if (!l || !s || s->point.empty() || st.view != s->view) return;
  const std::string key = l->id + ":" + std::to_string(st.lessons.step);
  if (key == scrolled_for) return;
  const Rects& rects = view_rects(st, s->view);
  const auto it = rects.find(s->point);
  if (it == rects.end() || it->second.h <= 0) return;  // drawn next frame
  scrolled_for = key;
  const float top = ImGui::GetWindowPos().y, bottom = top + ImGui::GetWindowSize().y;
  const Rect& r = it->second;
  if (r.y >= top && r.y + r.h <= bottom) return;
  ImGui::SetScrollY(ImGui::GetScrollY() + r.y - top - ImGui::GetFontSize() * 2.0f);
}

void draw_frame_stats(const AppState& st) {
  if (!st.ui.show_frame_stats) return;
  // "work": our code (jobs, UI); "GL": time inside WebGL calls (large only with software rendering).
  std::string text = format_tr("ui.stats.frame", {{"ms", fixed(st.stats.frame_ms, 1)},
                                                  {"fps", fixed(st.stats.frame_ms > 0 ? 1000.0f / st.stats.frame_ms : 0.0f, 0)},
                                                  {"work", fixed(std::max(0.0f, st.stats.cpu_ms - st.stats.gl_ms), 1)},
                                                  {"gl", fixed(st.stats.gl_ms, 1)}});
  // Steps per second of every job running now, whichever lab it belongs to.
  const double its = st.scheduler.steps_per_s();
  if (its > 0) text += "  " + format_tr("ui.stats.its", {{"its", fixed(its, 0)}});
  const char* buf = text.c_str();
  const float fs = ImGui::GetFontSize();
  const ImVec2 ts = ImGui::CalcTextSize(buf);
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  // Top right; on a phone at the bottom, where it covers no picker.
  const bool narrow = vp->Size.x < std::max(fs * 40.0f, 700.0f);
  const ImVec2 pos(vp->Pos.x + vp->Size.x - ts.x - fs * 0.8f,
                   narrow ? vp->Pos.y + vp->Size.y - ts.y - fs * 0.35f : vp->Pos.y + fs * 0.35f);
  ImDrawList* dl = ImGui::GetForegroundDrawList();
  const bool dark = st.ui.dark_theme;
  dl->AddRectFilled(ImVec2(pos.x - fs * 0.35f, pos.y - fs * 0.15f), ImVec2(pos.x + ts.x + fs * 0.35f, pos.y + ts.y + fs * 0.15f),
                    dark ? IM_COL32(0, 0, 0, 150) : IM_COL32(255, 255, 255, 200), fs * 0.25f);
  dl->AddText(pos, dark ? IM_COL32(200, 230, 200, 255) : IM_COL32(20, 110, 40, 255), buf);
}

// "U+1F600 U+2603" (the characters themselves would show as boxes too).
std::string code_points(const std::vector<unsigned int>& cs, std::size_t most) {
  std::string out;
  char b[16];
  for (std::size_t i = 0; i < cs.size() && i < most; ++i) {
    std::snprintf(b, sizeof b, "%sU+%04X", i ? " " : "", cs[i]);
    out += b;
  }
  if (cs.size() > most) out += " ...";
  return out;
}

void draw_page_notices(AppState& st) {
  // Leave the top-right corner to the frame-time overlay.
  const float overlay = st.ui.show_frame_stats ? ImGui::GetFontSize() * 24.0f : 0.0f;
  const float w = ImGui::GetContentRegionAvail().x - overlay;
  if (!st.page.url_notice.empty() &&
      draw_banner(st, BannerKind::Warning, st.page.url_notice, "url_notice", true, w))
    st.page.url_notice.clear();
  // Characters the font lacks: said once, until closed (a new one says it again).
  static int dismissed = 0;
  if (st.fonts.missing_glyphs > dismissed) {
    const std::vector<unsigned int> cs = missing_glyphs();
    const std::string text = format_tr("ui.notice.missing_glyphs", {{"count", std::to_string(cs.size())},
                                                                    {"codes", code_points(cs, 8)}});
    if (draw_banner(st, BannerKind::Info, text, "missing_glyphs", true, w)) dismissed = st.fonts.missing_glyphs;
  }
}

}  // namespace

void draw_app(AppState& st) {
  set_ui_strings(&st.strings);
  if (open_lesson_of(st)) {
    if (st.shortcuts.next_step) request_lesson(st, LessonRequest::Next);
    if (st.shortcuts.previous_step) request_lesson(st, LessonRequest::Previous);
  }
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
  const bool lesson = open_lesson_of(st) != nullptr;
  // A left column on wide screens: the sidebar, or the open lesson (in
  // presenter mode only the lesson); one column below about 700 CSS pixels.
  const bool wide = vp->Size.x >= std::max(fs * 40.0f, 700.0f);
  const bool column = wide && (lesson || !st.ui.presenter);
  if (column) {
    const float w = lesson ? std::clamp(vp->Size.x * 0.3f, fs * 18.0f, fs * 30.0f) : std::min(fs * 13.0f, vp->Size.x * 0.3f);
    ImGui::BeginChild("sidebar", ImVec2(w, 0), true);
    if (lesson) draw_lesson_column(st);
    else draw_sidebar(st);
    ImGui::EndChild();
    ImGui::SameLine();
  } else {
    // Narrow (phone, small window) or presenter mode: view picker, lessons and display on one line.
    draw_view_list(st, true);
    same_line_if_fits(fs * 9.0f);
    draw_lesson_picker(st, true);
    same_line_if_fits(fs * 3.0f);
    if (ImGui::Button("Aa")) ImGui::OpenPopup("display");
    st.lessons.rects["display"] = last_item_rect();
    if (ImGui::BeginPopup("display")) {
      ImGui::PushItemWidth(fs * 10.0f);
      draw_display_controls(st);
      ImGui::PopItemWidth();
      ImGui::EndPopup();
    }
    if (lesson) {
      // The lesson above the view, as tall as its text (up to 45% of the screen; it scrolls inside).
      static float panel_h = 0;
      const float h = std::clamp(panel_h, fs * 6.0f, vp->Size.y * 0.45f);
      ImGui::BeginChild("lesson", ImVec2(0, h), true);
      draw_lesson_panel(st);
      panel_h = ImGui::GetCursorPosY() + ImGui::GetStyle().WindowPadding.y;
      ImGui::EndChild();
    }
  }

  ImGui::BeginChild("view", ImVec2(0, 0), false);
  draw_page_notices(st);
  if (auto draw = draw_function(st.view)) draw(st);
  scroll_to_pointed(st);
  ImGui::EndChild();
  ImGui::End();
  touch_scroll(st);

  draw_lesson_pointer(st);
  if (!st.ui.presenter) draw_frame_stats(st);
  st.fonts.missing_glyphs = static_cast<int>(missing_glyphs().size());
  st.page.hash = make_url_hash(st);
}

}  // namespace metalab::web
