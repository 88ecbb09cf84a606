#include "web/app/sinusoid_explorer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <imgui.h>

#include "core/common/rng.h"
#include "web/app/app.h"
#include "web/app/plot.h"

namespace metalab::web {

namespace {

constexpr int kMaxK = 50;
constexpr int kOtherTasks = 8;

// Puts the next widget on the same line if `next_width` still fits.
void same_line_if_fits(float next_width) {
  const ImGuiStyle& style = ImGui::GetStyle();
  const float right_edge = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
  if (ImGui::GetItemRectMax().x + style.ItemSpacing.x * 2 + next_width <= right_edge) ImGui::SameLine(0, style.ItemSpacing.x * 2);
}

Rect item_rect() {
  const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
  return Rect{a.x, a.y, b.x - a.x, b.y - a.y};
}

void draw_help(const AppState& st) {
  const SinusoidConfig c;  // the distribution's defaults, as used by this view
  const char* phi = phi_symbol(st);
  ImGui::TextWrapped(
      "Each task is one sine wave, y = A sin(x + %s). Its amplitude A is drawn uniformly from "
      "[%.1f, %.0f] and its phase %s from [0, %s], with x in [%.0f, %.0f], as in the MAML paper "
      "(Finn et al., 2017).",
      phi, c.amplitude_min, c.amplitude_max, phi, st.built.unicode_font ? "\xCF\x80" : "pi", c.x_min, c.x_max);
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

void update_sinusoid_task(SinusoidExplorerState& s) {
  s.k = std::clamp(s.k, 1, kMaxK);
  s.task_index = std::max(0, s.task_index);
  const SinusoidExplorerState::Key key{s.seed, s.task_index, s.k};
  if (s.computed_for == key) return;

  SinusoidConfig config;
  config.support_size = s.k;
  config.query_size = 1;
  const SinusoidDistribution dist(config);

  Rng tasks(s.seed);
  Rng task_rng = tasks.split();
  for (int i = 0; i < s.task_index; ++i) task_rng = tasks.split();
  s.params = dist.sample_params(task_rng);
  const Task task = dist.sample_points(s.params, task_rng);
  s.support_x.assign(task.support_x.data(), task.support_x.data() + task.support_x.size());
  s.support_y.assign(task.support_y.data(), task.support_y.data() + task.support_y.size());

  Rng others(s.seed ^ 0x0123456789ABCDEFULL);
  s.other_tasks.clear();
  for (int i = 0; i < kOtherTasks; ++i) s.other_tasks.push_back(dist.sample_params(others));

  s.computed_for = key;
}

void draw_sinusoid_explorer(AppState& st) {
  SinusoidExplorerState& s = st.sinusoid;
  const float fs = ImGui::GetFontSize();
  const ImGuiStyle& style = ImGui::GetStyle();
  const char* phi = phi_symbol(st);

  char label[64];
  std::snprintf(label, sizeof label, "Sinusoid tasks: y = A sin(x + %s)", phi);
  draw_heading(st, label);

  // --- controls ---
  const bool pressed = ImGui::Button("New task (N)");
  st.layout.new_task_button = item_rect();
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Draw the next task from the distribution (key N)");
  if (pressed || st.shortcuts.new_sample) ++s.task_index;

  const float seed_w = fs * 7.0f;
  same_line_if_fits(seed_w + ImGui::CalcTextSize("Seed").x + style.ItemInnerSpacing.x + fs * 2.5f);
  ImGui::SetNextItemWidth(seed_w + fs * 2.5f);
  const std::uint64_t one = 1;
  if (ImGui::InputScalar("Seed", ImGuiDataType_U64, &s.seed, &one, nullptr, "%llu")) s.task_index = 0;
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Same seed, same sequence of tasks (natively too)");

  const float k_w = fs * 10.0f;
  same_line_if_fits(k_w + ImGui::CalcTextSize("K (support points)").x + style.ItemInnerSpacing.x);
  ImGui::SetNextItemWidth(k_w);
  ImGui::SliderInt("K (support points)", &s.k, 1, kMaxK, "%d", ImGuiSliderFlags_AlwaysClamp);

  same_line_if_fits(fs * 1.5f + ImGui::CalcTextSize("Other tasks").x);
  ImGui::Checkbox("Other tasks", &s.show_other_tasks);

  update_sinusoid_task(s);

  // --- the task ---
  const double deg = s.params.phase * 180.0 / 3.14159265358979323846;
  std::snprintf(label, sizeof label, "Task #%d of seed %llu", s.task_index + 1,
                static_cast<unsigned long long>(s.seed));
  ImGui::TextUnformatted(label);
  ImGui::SameLine(0, fs * 1.5f);
  ImGui::Text("A = %.3f", s.params.amplitude);
  ImGui::SameLine(0, fs * 1.5f);
  ImGui::Text("%s = %.3f rad (%.0f\xC2\xB0)", phi, s.params.phase, deg);
  ImGui::SameLine(0, fs * 1.5f);
  ImGui::Text("K = %d", s.k);

  // --- plot and explanation: side by side when wide; stacked when narrow, with
  // the explanation collapsible so that the plot keeps most of the height ---
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const bool side_by_side = avail.x >= fs * 52.0f;
  const float help_w = side_by_side ? std::min(fs * 22.0f, avail.x * 0.35f) : avail.x;
  float help_h = 0;
  bool help_open = false;
  if (!side_by_side) {
    using Help = SinusoidExplorerState::Help;
    help_open = s.help == Help::Open || (s.help == Help::Auto && avail.y >= fs * 26.0f);
    help_h = help_open ? std::min(avail.y * 0.3f, fs * 9.0f) : 0.0f;
    help_h = std::max(help_h, ImGui::GetFrameHeightWithSpacing());
  }
  const ImVec2 plot_size(side_by_side ? avail.x - help_w - style.ItemSpacing.x : avail.x,
                         std::max(fs * 8.0f, avail.y - help_h - (side_by_side ? 0 : style.ItemSpacing.y)));

  ImGui::InvisibleButton("plot", plot_size);
  const ImVec2 pmin = ImGui::GetItemRectMin(), pmax = ImGui::GetItemRectMax();
  st.layout.plot = Rect{pmin.x, pmin.y, pmax.x - pmin.x, pmax.y - pmin.y};
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
              PlotColors::from_style(dark), "x", "y", legend, s.show_other_tasks ? 3 : 2);
    if (s.show_other_tasks)
      for (const SinusoidParams& p : s.other_tasks) plot.curve(p, ghost, ghost_line);
    plot.curve(s.params, blue, line);
    plot.points(s.support_x.data(), s.support_y.data(), static_cast<int>(s.support_x.size()), orange, outline, dot);
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
    if (open != help_open) s.help = open ? SinusoidExplorerState::Help::Open : SinusoidExplorerState::Help::Closed;
    if (open) {
      ImGui::BeginChild("help", ImVec2(help_w, 0), false);
      draw_help(st);
      ImGui::EndChild();
    }
  }
}

}  // namespace metalab::web
