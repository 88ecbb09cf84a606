#include "web/app/labs/sinusoid/view.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <imgui.h>

#include "web/app/labs/sinusoid/lab.h"
#include "web/app/page/app_state.h"
#include "web/app/ui/plot.h"
#include "web/app/ui/settings_controls.h"
#include "web/app/ui/widgets.h"

namespace metalab::web {

namespace {

void draw_help(const AppState& st) {
  const SinusoidConfig c;  // the distribution's defaults, as used by this view
  const char* phi = phi_symbol(st);
  ImGui::TextWrapped(
      "Each task is one sine wave, y = A sin(x + %s). Its amplitude A is drawn uniformly from "
      "[%.1f, %.0f] and its phase %s from [0, %s], with x in [%.0f, %.0f], as in the MAML paper "
      "(Finn et al., 2017).",
      phi, c.amplitude_min, c.amplitude_max, phi, st.fonts.unicode ? "\xCF\x80" : "pi", c.x_min, c.x_max);
  ImGui::Spacing();
  ImGui::TextWrapped(
      "The dots are the K support points: all that a few-shot learner is shown of this task. "
      "From them it must predict the whole blue curve.");
  ImGui::Spacing();
  ImGui::TextWrapped(
      "From scratch, a handful of points says little about a curve. A meta-learner that has "
      "already practised on thousands of such tasks knows that only A and %s change from task to "
      "task, and needs just a few points to pin them down. That prior, learned across tasks, is "
      "what \"learning to learn\" means.",
      phi);
  ImGui::Spacing();
  ImGui::TextWrapped("The grey curves are other tasks drawn from the same distribution.");
  ImGui::Spacing();
  ImGui::TextWrapped(
      "New task (or the N key) draws the next task. The seed fixes the whole sequence: the same "
      "seed gives the same tasks here and in the native tools.");
}

}  // namespace

void draw_sinusoid_explorer(AppState& st) {
  SinusoidLab& lab = st.sinusoid;
  SinusoidSettings& s = lab.settings;
  const SettingsTable<SinusoidSettings>& table = sinusoid_settings();
  const float fs = ImGui::GetFontSize();
  const ImGuiStyle& style = ImGui::GetStyle();
  const char* phi = phi_symbol(st);

  char label[64];
  std::snprintf(label, sizeof label, "Sinusoid tasks: y = A sin(x + %s)", phi);
  draw_heading(st, label);

  // --- controls ---
  const bool pressed = ImGui::Button("New task (N)");
  lab.view.rects["new_task_button"] = last_item_rect();
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Draw the next task from the distribution (key N)");
  if (pressed || st.shortcuts.new_sample) s.n = std::min(s.n + 1, static_cast<int>(table.find("n")->hi(s)));

  const float seed_w = fs * 7.0f;
  same_line_if_fits(seed_w + ImGui::CalcTextSize("Seed").x + style.ItemInnerSpacing.x + fs * 2.5f);
  ImGui::SetNextItemWidth(seed_w + fs * 2.5f);
  if (draw_setting_control(s, table, "seed")) s.n = 1;

  const float k_w = fs * 10.0f;
  same_line_if_fits(k_w + ImGui::CalcTextSize("K (support points)").x + style.ItemInnerSpacing.x);
  ImGui::SetNextItemWidth(k_w);
  draw_setting_control(s, table, "K");

  same_line_if_fits(fs * 1.5f + ImGui::CalcTextSize("Other tasks").x);
  draw_setting_control(s, table, "others");

  const SinusoidDraw& d = lab.view.draw.get({s.seed, s.n, s.k}, [&] { return draw_sinusoid_task(s); });

  // --- the task ---
  const double deg = d.params.phase * 180.0 / 3.14159265358979323846;
  std::snprintf(label, sizeof label, "Task #%d of seed %llu", s.n, static_cast<unsigned long long>(s.seed));
  ImGui::TextUnformatted(label);
  ImGui::SameLine(0, fs * 1.5f);
  ImGui::Text("A = %.3f", d.params.amplitude);
  ImGui::SameLine(0, fs * 1.5f);
  ImGui::Text("%s = %.3f rad (%.0f\xC2\xB0)", phi, d.params.phase, deg);
  ImGui::SameLine(0, fs * 1.5f);
  ImGui::Text("K = %d", s.k);

  // --- plot and explanation: side by side when wide; stacked when narrow, with
  // the explanation collapsible so that the plot keeps most of the height ---
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const bool side_by_side = avail.x >= fs * 52.0f;
  const float help_w = side_by_side ? std::min(fs * 22.0f, avail.x * 0.35f) : avail.x;
  float help_h = 0;
  bool help_open = false;
  using Help = SinusoidViewState::Help;
  if (!side_by_side) {
    help_open = lab.view.help == Help::Open || (lab.view.help == Help::Auto && avail.y >= fs * 26.0f);
    help_h = help_open ? std::min(avail.y * 0.3f, fs * 9.0f) : 0.0f;
    help_h = std::max(help_h, ImGui::GetFrameHeightWithSpacing());
  }
  const ImVec2 plot_size(side_by_side ? avail.x - help_w - style.ItemSpacing.x : avail.x,
                         std::max(fs * 8.0f, avail.y - help_h - (side_by_side ? 0 : style.ItemSpacing.y)));

  ImGui::InvisibleButton("plot", plot_size);
  lab.view.rects["plot"] = last_item_rect();
  const ImVec2 pmin = ImGui::GetItemRectMin(), pmax = ImGui::GetItemRectMax();
  {
    const bool dark = st.ui.dark_theme;
    const float line = std::max(1.5f, fs * 0.16f), ghost_line = std::max(1.0f, line * 0.6f);
    const float dot = std::max(3.0f, fs * 0.33f);
    const ImU32 ghost = dark ? IM_COL32(150, 155, 165, 110) : IM_COL32(120, 120, 130, 100);
    const ImU32 blue = dark ? IM_COL32(90, 170, 255, 255) : IM_COL32(31, 100, 200, 255);
    const ImU32 orange = IM_COL32(255, 140, 20, 255);
    const ImU32 outline = dark ? IM_COL32(255, 255, 255, 230) : IM_COL32(40, 30, 20, 255);

    char k_label[48];
    std::snprintf(k_label, sizeof k_label, "K = %d support points", s.k);
    const LegendItem legend[] = {
        {"this task", LegendItem::Kind::Line, blue, line},
        {k_label, LegendItem::Kind::Dot, orange, dot, outline},
        {"other tasks", LegendItem::Kind::Line, ghost, ghost_line},
    };
    const SinusoidConfig c;
    const double ymax = c.amplitude_max * 1.1;
    Plot plot(ImGui::GetWindowDrawList(), pmin, pmax, PlotRange{c.x_min, c.x_max, -ymax, ymax},
              PlotColors::from_style(dark), "x", "y", legend, s.others ? 3 : 2);
    if (s.others)
      for (const SinusoidParams& p : d.other_tasks) plot.curve(p, ghost, ghost_line);
    plot.curve(d.params, blue, line);
    plot.points(d.support_x.data(), d.support_y.data(), static_cast<int>(d.support_x.size()), orange, outline, dot);
  }

  // --- explanation ---
  if (side_by_side) {
    ImGui::SameLine();
    ImGui::BeginChild("help", ImVec2(help_w, plot_size.y), false);
    draw_heading(st, "What am I looking at?");
    ImGui::Separator();
    draw_help(st);
    ImGui::EndChild();
  } else {
    ImGui::SetNextItemOpen(help_open, ImGuiCond_Always);
    const bool open = ImGui::CollapsingHeader("What am I looking at?");
    if (open != help_open) lab.view.help = open ? Help::Open : Help::Closed;
    if (open) {
      ImGui::BeginChild("help", ImVec2(help_w, 0), false);
      draw_help(st);
      ImGui::EndChild();
    }
  }
}

}  // namespace metalab::web
