#include "web/app/labs/sinusoid/view.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <imgui.h>

#include "web/app/labs/sinusoid/lab.h"
#include "web/app/page/app_state.h"
#include "web/app/ui/plot.h"
#include "web/app/ui/settings_controls.h"
#include "web/app/ui/strings.h"
#include "web/app/ui/widgets.h"

namespace metalab::web {

namespace {

void draw_help(const AppState& st) {
  const SinusoidConfig c;  // the distribution's defaults, as used by this view
  const std::string phi = phi_symbol(st);
  ImGui::TextWrapped("%s", format_tr("ui.sinusoid.help.task", {{"phi", phi},
                                                               {"pi", st.fonts.unicode ? "\xCF\x80" : "pi"},
                                                               {"a_min", fixed(c.amplitude_min, 1)},
                                                               {"a_max", fixed(c.amplitude_max, 0)},
                                                               {"x_min", fixed(c.x_min, 0)},
                                                               {"x_max", fixed(c.x_max, 0)}})
                               .c_str());
  ImGui::Spacing();
  ImGui::TextWrapped("%s", tr("ui.sinusoid.help.support"));
  ImGui::Spacing();
  ImGui::TextWrapped("%s", format_tr("ui.sinusoid.help.prior", {{"phi", phi}}).c_str());
  ImGui::Spacing();
  ImGui::TextWrapped("%s", tr("ui.sinusoid.help.others"));
  ImGui::Spacing();
  ImGui::TextWrapped("%s", tr("ui.sinusoid.help.seed"));
}

}  // namespace

void draw_sinusoid_explorer(AppState& st) {
  SinusoidLab& lab = st.sinusoid;
  SinusoidSettings& s = lab.settings;
  const SettingsTable<SinusoidSettings>& table = sinusoid_settings();
  const float fs = ImGui::GetFontSize();
  const ImGuiStyle& style = ImGui::GetStyle();
  const char* phi = phi_symbol(st);

  draw_heading(st, format_tr("ui.sinusoid.title", {{"phi", phi}}).c_str());
  // A control's label in the page's language, for fitting it on the line.
  const auto label_width = [&](const char* key) { return ImGui::CalcTextSize(tr(table.label_key(*table.find(key)))).x; };

  // --- controls ---
  const bool pressed = ImGui::Button(tr_id("ui.sinusoid.new_task", "new_task").c_str());
  lab.view.rects["new_task_button"] = last_item_rect();
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tr("ui.sinusoid.new_task.tip"));
  if (pressed || st.shortcuts.new_sample) s.n = std::min(s.n + 1, static_cast<int>(table.find("n")->hi(s)));

  const float seed_w = fs * 7.0f;
  same_line_if_fits(seed_w + label_width("seed") + style.ItemInnerSpacing.x + fs * 2.5f);
  ImGui::SetNextItemWidth(seed_w + fs * 2.5f);
  if (draw_setting_control(s, table, "seed")) s.n = 1;

  const float k_w = fs * 10.0f;
  same_line_if_fits(k_w + label_width("K") + style.ItemInnerSpacing.x);
  ImGui::SetNextItemWidth(k_w);
  draw_setting_control(s, table, "K");

  same_line_if_fits(fs * 1.5f + label_width("others"));
  draw_setting_control(s, table, "others");

  const SinusoidDraw& d = lab.view.draw.get({s.seed, s.n, s.k}, [&] { return draw_sinusoid_task(s); });

  // --- the task ---
  const double deg = d.params.phase * 180.0 / 3.14159265358979323846;
  ImGui::TextUnformatted(
      format_tr("ui.sinusoid.task", {{"n", std::to_string(s.n)}, {"seed", std::to_string(s.seed)}}).c_str());
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

    const std::string k_label = format_tr("ui.sinusoid.support_points", {{"k", std::to_string(s.k)}});
    const LegendItem legend[] = {
        {tr("ui.sinusoid.this_task"), LegendItem::Kind::Line, blue, line},
        {k_label.c_str(), LegendItem::Kind::Dot, orange, dot, outline},
        {tr("ui.sinusoid.other_tasks"), LegendItem::Kind::Line, ghost, ghost_line},
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
    draw_heading(st, tr("ui.what_am_i_looking_at"));
    ImGui::Separator();
    draw_help(st);
    ImGui::EndChild();
  } else {
    ImGui::SetNextItemOpen(help_open, ImGuiCond_Always);
    const bool open = ImGui::CollapsingHeader(tr_id("ui.what_am_i_looking_at", "what").c_str());
    if (open != help_open) lab.view.help = open ? Help::Open : Help::Closed;
    if (open) {
      ImGui::BeginChild("help", ImVec2(help_w, 0), false);
      draw_help(st);
      ImGui::EndChild();
    }
  }
}

}  // namespace metalab::web
