#include "web/app/ui/lesson_panel.h"

#include <algorithm>
#include <cmath>
#include <string>

#include <imgui.h>

#include "web/app/ui/fonts.h"
#include "web/app/ui/strings.h"
#include "web/app/ui/widgets.h"

namespace metalab::web {

namespace {

void wrapped(const char* text) {
  ImGui::PushTextWrapPos(0);
  ImGui::TextUnformatted(text);
  ImGui::PopTextWrapPos();
}

// The equation a step is about, in the larger font, in a framed box.
void draw_equation(const AppState& st, const std::string& equation) {
  if (equation.empty()) return;
  const float fs = ImGui::GetFontSize();
  ImFont* font = heading_font();
  const float w = ImGui::GetContentRegionAvail().x;
  if (font) ImGui::PushFont(font);
  const ImVec2 ts = ImGui::CalcTextSize(equation.c_str(), nullptr, false, w - fs);
  const ImVec2 p = ImGui::GetCursorScreenPos();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(p, ImVec2(p.x + w, p.y + ts.y + fs * 0.8f),
                    st.ui.dark_theme ? IM_COL32(40, 44, 56, 255) : IM_COL32(255, 255, 255, 255), fs * 0.25f);
  dl->AddRect(p, ImVec2(p.x + w, p.y + ts.y + fs * 0.8f), ImGui::GetColorU32(ImGuiCol_Border), fs * 0.25f);
  dl->AddText(nullptr, 0.0f, ImVec2(p.x + fs * 0.5f, p.y + fs * 0.4f), ImGui::GetColorU32(ImGuiCol_Text),
              equation.c_str(), nullptr, w - fs);
  if (font) ImGui::PopFont();
  ImGui::Dummy(ImVec2(w, ts.y + fs * 0.8f));
}

void progress_line(const std::string& label, float fraction) {
  ImGui::ProgressBar(std::clamp(fraction, 0.0f, 1.0f), ImVec2(-1, 0), label.c_str());
}

}  // namespace

void draw_lesson_picker(AppState& st, bool compact) {
  LessonState& ls = st.lessons;
  const Lesson* open = open_lesson_of(st);
  if (compact) {
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 9.0f);
    if (ImGui::BeginCombo("##lessons", open ? tr(open->title) : tr("ui.lesson.pick"))) {
      for (const Lesson& l : ls.library.lessons)
        if (ImGui::Selectable(tr(l.title), open == &l)) ls.open_request = l.id;
      ImGui::EndCombo();
    }
    ls.rects["picker"] = last_item_rect();
    return;
  }
  for (std::size_t i = 0; i < ls.library.lessons.size(); ++i) {
    const Lesson& l = ls.library.lessons[i];
    const std::string label = std::to_string(i + 1) + ". " + tr(l.title);
    ImGui::PushTextWrapPos(0);
    if (ImGui::Selectable(label.c_str(), open == &l)) ls.open_request = l.id;
    ImGui::PopTextWrapPos();
    ls.rects["pick_" + l.id] = last_item_rect();
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tr(l.summary));
  }
  for (const std::string& e : ls.library.errors) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.75f, 0.1f, 0.1f, 1));
    wrapped(e.c_str());
    ImGui::PopStyleColor();
  }
}

bool draw_lesson_panel(AppState& st) {
  const Lesson* l = open_lesson_of(st);
  const LessonStep* s = open_step_of(st);
  if (!l || !s) return false;
  LessonState& ls = st.lessons;
  Rects& rects = ls.rects;
  const float fs = ImGui::GetFontSize();
  const ImGuiStyle& style = ImGui::GetStyle();
  const int steps = static_cast<int>(l->steps.size());

  // Title, close, progress.
  const char* close = tr("ui.lesson.close");
  const float close_w = ImGui::CalcTextSize(close).x + style.FramePadding.x * 2;
  const ImVec2 top = ImGui::GetCursorPos();
  // The title wraps before the Close button (drawn at its right, on the title's first line).
  draw_heading(st, tr(l->title), ImGui::GetCursorPosX() + std::max(fs * 4, ImGui::GetContentRegionAvail().x - close_w - fs * 0.5f));
  const ImVec2 after_title = ImGui::GetCursorPos();
  ImGui::SetCursorPos(ImVec2(top.x + ImGui::GetContentRegionAvail().x - close_w, top.y));
  if (ImGui::SmallButton(close)) request_lesson(st, LessonRequest::Close);
  rects["close"] = last_item_rect();
  ImGui::SetCursorPos(after_title);
  const std::string progress = format_tr("ui.lesson.progress", {{"step", std::to_string(ls.step + 1)}, {"steps", std::to_string(steps)}});
  progress_line(progress, static_cast<float>(ls.step + 1) / static_cast<float>(steps));
  rects["progress"] = last_item_rect();
  ImGui::Spacing();

  // The step.
  ImFont* heading = heading_font();
  if (heading) ImGui::PushFont(heading);
  wrapped(tr(s->title));
  if (heading) ImGui::PopFont();
  wrapped(tr(s->text));
  draw_equation(st, s->equation);
  if (!s->point.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.85f, 0.45f, 0.0f, 1));
    wrapped(tr("ui.lesson.look"));
    ImGui::PopStyleColor();
  }
  if (ls.phase == LessonPhase::Preparing) {
    const TrainingJob* job = lesson_job(st, s->view);
    const long at = job ? job->iteration() : 0;
    progress_line(format_tr("ui.lesson.preparing", {{"it", std::to_string(at)}, {"target", std::to_string(ls.target)}}),
                  ls.target > 0 ? static_cast<float>(at) / static_cast<float>(ls.target) : 0.0f);
  }

  // Predict, then run.
  const bool done = ls.phase == LessonPhase::Done;
  if (s->has_question) {
    ImGui::Spacing();
    ImGui::PushStyleColor(ImGuiCol_Text, st.ui.dark_theme ? ImVec4(0.55f, 0.8f, 1, 1) : ImVec4(0.1f, 0.3f, 0.7f, 1));
    wrapped(tr("ui.lesson.predict"));
    ImGui::PopStyleColor();
    wrapped(tr(s->question.prompt));
    for (std::size_t i = 0; i < s->question.choices.size(); ++i) {
      const int c = static_cast<int>(i);
      ImGui::PushID(c);
      ImGui::BeginDisabled(done);
      // A wrapped radio button: the circle, then the choice's text beside it.
      if (ImGui::RadioButton("##choice", ls.choice == c)) ls.choice = c;
      rects["choice_" + std::to_string(c)] = last_item_rect();
      ImGui::SameLine();
      ImGui::PushTextWrapPos(0);
      std::string text = tr(s->question.choices[i]);
      if (done && c == s->question.answer) text += "  \xE2\x86\x90 " + std::string(tr("ui.lesson.answer"));
      if (done && c == s->question.answer) ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.1f, 0.6f, 0.2f, 1));
      ImGui::TextUnformatted(text.c_str());
      if (done && c == s->question.answer) ImGui::PopStyleColor();
      ImGui::PopTextWrapPos();
      // The text is a tap target too (fingers miss small circles).
      if (!done && ImGui::IsItemClicked()) ls.choice = c;
      ImGui::EndDisabled();
      ImGui::PopID();
    }
  }
  if (s->has_run) {
    const bool can_run = ls.phase != LessonPhase::Preparing && (!s->has_question || ls.choice >= 0);
    ImGui::BeginDisabled(!can_run);
    if (ImGui::Button(done ? tr("ui.lesson.run_again") : tr("ui.lesson.run"))) request_lesson(st, LessonRequest::Run);
    ImGui::EndDisabled();
    rects["run"] = last_item_rect();
    if (s->has_question && ls.choice < 0) {
      ImGui::SameLine();
      ImGui::TextDisabled("%s", tr("ui.lesson.choose_first"));
    }
    if (ls.phase == LessonPhase::Running) {
      const TrainingJob* job = lesson_job(st, s->view);
      const long at = job ? job->iteration() : 0;
      progress_line(format_tr("ui.lesson.running", {{"it", std::to_string(at)}, {"target", std::to_string(ls.target)}}),
                    ls.target > 0 ? static_cast<float>(at) / static_cast<float>(ls.target) : 0.0f);
      if (job && !job->playing) wrapped(tr("ui.lesson.paused"));
    }
  } else {
    rects["run"] = Rect{};
  }
  if (done && s->has_question) {
    const bool right = ls.choice == s->question.answer;
    draw_banner(st, right ? BannerKind::Info : BannerKind::Warning,
                std::string(tr(right ? "ui.lesson.right" : "ui.lesson.wrong")) + " " + tr(s->question.explain),
                "lesson_reveal", false);
    rects["reveal"] = last_item_rect();
  } else {
    rects["reveal"] = Rect{};
  }
  if (!ls.notice.empty()) draw_banner(st, BannerKind::Warning, ls.notice, "lesson_notice", false);

  // Previous / next.
  ImGui::Spacing();
  ImGui::BeginDisabled(ls.step == 0);
  if (ImGui::Button(tr("ui.lesson.previous"))) request_lesson(st, LessonRequest::Previous);
  ImGui::EndDisabled();
  rects["previous"] = last_item_rect();
  ImGui::SameLine();
  ImGui::BeginDisabled(ls.step + 1 >= steps);
  if (ImGui::Button(tr("ui.lesson.next"))) request_lesson(st, LessonRequest::Next);
  ImGui::EndDisabled();
  rects["next"] = last_item_rect();
  same_line_if_fits(ImGui::CalcTextSize(tr("ui.lesson.keys")).x);
  ImGui::TextDisabled("%s", tr("ui.lesson.keys"));
  return true;
}

void draw_lesson_pointer(AppState& st) {
  const LessonStep* s = open_step_of(st);
  if (!s || st.view != s->view) return;
  const Rects& rects = view_rects(st, s->view);
  ImDrawList* fg = ImGui::GetForegroundDrawList();
  // What would give the answer away stays covered until the step has run.
  if (st.lessons.phase != LessonPhase::Done)
    for (const std::string& name : s->cover) {
      const auto c = rects.find(name);
      if (c == rects.end() || c->second.w <= 0) continue;
      const Rect& r = c->second;
      fg->AddRectFilled(ImVec2(r.x, r.y), ImVec2(r.x + r.w, r.y + r.h),
                        st.ui.dark_theme ? IM_COL32(45, 48, 58, 255) : IM_COL32(228, 230, 236, 255), 6.0f);
      const char* text = tr("ui.lesson.covered");
      const ImVec2 ts = ImGui::CalcTextSize(text, nullptr, false, r.w - 20.0f);
      fg->AddText(nullptr, 0.0f, ImVec2(r.x + (r.w - ts.x) * 0.5f, r.y + (r.h - ts.y) * 0.5f),
                  ImGui::GetColorU32(ImGuiCol_Text), text, nullptr, r.w - 20.0f);
    }
  if (s->point.empty()) return;
  const auto it = rects.find(s->point);
  if (it == rects.end() || it->second.w <= 0 || it->second.h <= 0) return;
  const Rect& r = it->second;
  const float fs = ImGui::GetFontSize();
  const float pulse = 0.5f + 0.5f * std::sin(static_cast<float>(ImGui::GetTime()) * 4.0f);
  const float pad = fs * (0.25f + 0.2f * pulse);
  const ImU32 c = IM_COL32(240, 130, 0, static_cast<int>(150 + 100 * pulse));
  fg->AddRect(ImVec2(r.x - pad, r.y - pad), ImVec2(r.x + r.w + pad, r.y + r.h + pad), c, fs * 0.3f, 0, fs * 0.22f);
}

}  // namespace metalab::web
