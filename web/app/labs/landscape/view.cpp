#include "web/app/labs/landscape/view.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>

#include <imgui.h>

#include "web/app/labs/landscape/lab.h"
#include "web/app/page/app_state.h"
#include "web/app/ui/plot.h"
#include "web/app/ui/settings_controls.h"
#include "web/app/ui/strings.h"
#include "web/app/ui/widgets.h"

namespace metalab::web {

namespace {

// Low loss light, high loss dark (the arrows stay visible where theta usually is).
ImU32 loss_color(double t) {
  t = std::clamp(t, 0.0, 1.0);
  static const float stops[5][3] = {{255, 252, 228}, {199, 233, 180}, {65, 182, 196}, {34, 94, 168}, {12, 34, 84}};
  const double x = t * 4.0;
  const int i = std::min(3, static_cast<int>(x));
  const float f = static_cast<float>(x - i);
  const auto mix = [&](int c) { return static_cast<int>(stops[i][c] + (stops[i + 1][c] - stops[i][c]) * f); };
  return IM_COL32(mix(0), mix(1), mix(2), 255);
}

struct WalkerStyle {
  Walker walker;
  const char* label_key;
  ImU32 color;
};

std::vector<WalkerStyle> walker_styles(bool dark) {
  const LabColors c = LabColors::get(dark);
  return {{Walker::Maml, "ui.landscape.maml", c.meta},
          {Walker::FoMaml, "ui.landscape.fomaml", c.scratch},
          {Walker::Reptile, "ui.landscape.reptile", IM_COL32(235, 130, 0, 255)},
          {Walker::Pretrain, "ui.landscape.pretrain", c.pretrain}};
}

void arrow(ImDrawList* dl, ImVec2 from, ImVec2 to, ImU32 color, float thickness) {
  const float dx = to.x - from.x, dy = to.y - from.y, len = std::hypot(dx, dy);
  if (len < 1.0f) return;
  const float ux = dx / len, uy = dy / len, head = std::min(len * 0.5f, thickness * 4.0f);
  const ImVec2 base(to.x - ux * head, to.y - uy * head);
  // A white halo keeps the arrow visible on dark parts of the map.
  dl->AddLine(from, base, IM_COL32(255, 255, 255, 200), thickness + 2.5f);
  dl->AddLine(from, base, color, thickness);
  dl->AddTriangleFilled(to, ImVec2(base.x - uy * head * 0.6f, base.y + ux * head * 0.6f),
                        ImVec2(base.x + uy * head * 0.6f, base.y - ux * head * 0.6f), color);
}

struct ColorScale {
  double lo = 0, hi = 1;  // log10 of the loss
};

// One objective (M_m, or P = M_0) as a map, with its minimum, theta, the
// walkers and the update vectors; dragging in it moves theta.
void draw_objective(AppState& st, LandscapeLab& lab, int m, const char* title, const char* rect_name, ImVec2 size,
                    const ColorScale& scale, const std::vector<Walker>& shown) {
  LandscapeSettings& s = lab.settings;
  const float fs = ImGui::GetFontSize();
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton(rect_name, size);
  lab.view.rects[rect_name] = last_item_rect();
  const bool active = ImGui::IsItemActive();
  const PlotRange range{kTheta1Min, kTheta1Max, kTheta2Min, kTheta2Max};
  ImDrawList* dl = ImGui::GetWindowDrawList();
  Plot plot(dl, p0, ImVec2(p0.x + size.x, p0.y + size.y), range, PlotColors::from_style(st.ui.dark_theme),
            tr("ui.landscape.theta1_axis"), tr("ui.landscape.theta2_axis"));
  const ImVec2 a = plot.inner_min(), b = plot.inner_max();
  // The map.
  const LandscapeGridJob& grid = lab.grid;
  const int n = LandscapeGridJob::kGrid;
  const float cw = (b.x - a.x) / n, ch = (b.y - a.y) / n;
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < n; ++i) {
      const double v = grid.value(m, i, j);
      if (!std::isfinite(v)) continue;
      const double t = (std::log10(std::max(v, 1e-6)) - scale.lo) / std::max(1e-9, scale.hi - scale.lo);
      // theta2 grows upwards: row j is drawn from the bottom.
      dl->AddRectFilled(ImVec2(a.x + i * cw, b.y - (j + 1) * ch), ImVec2(a.x + (i + 1) * cw + 0.5f, b.y - j * ch + 0.5f),
                        loss_color(t));
    }
  const LabColors col = LabColors::get(st.ui.dark_theme);
  if (grid.complete()) {  // the grid minimum
    const LandscapeGridJob::Minimum mn = grid.minimum(m);
    const ImVec2 q = plot.to_screen(mn.theta1, mn.theta2);
    const float r = fs * 0.45f;
    dl->AddLine(ImVec2(q.x - r, q.y - r), ImVec2(q.x + r, q.y + r), IM_COL32(20, 20, 20, 255), 2.5f);
    dl->AddLine(ImVec2(q.x - r, q.y + r), ImVec2(q.x + r, q.y - r), IM_COL32(20, 20, 20, 255), 2.5f);
  }
  // The walkers' paths.
  const std::vector<WalkerStyle> styles = walker_styles(st.ui.dark_theme);
  if (const LandscapeWalkersJob* job = lab.walkers())
    for (const WalkerStyle& w : styles) {
      if (std::find(shown.begin(), shown.end(), w.walker) == shown.end() || !job->moves(w.walker)) continue;
      const auto& path = job->path(w.walker);
      std::vector<float> xs, ys;
      for (const auto& p : path) {
        xs.push_back(static_cast<float>(p[0]));
        ys.push_back(static_cast<float>(p[1]));
      }
      if (path.size() > 1) {
        plot_polyline(plot, xs.data(), ys.data(), static_cast<int>(xs.size()), IM_COL32(255, 255, 255, 200), 4.5f);
        plot_polyline(plot, xs.data(), ys.data(), static_cast<int>(xs.size()), w.color, 2.5f);
        dl->AddCircleFilled(plot.to_screen(xs.back(), ys.back()), fs * 0.3f, w.color);
      }
    }
  // The update vectors at theta, on one scale: the longest is a fifth of the plot.
  const ImVec2 at = plot.to_screen(s.theta1, s.theta2);
  if (const UpdateVectors* v = lab.vectors.last()) {
    double longest = 1e-12;
    for (const WalkerStyle& w : styles) longest = std::max(longest, std::hypot(v->of(w.walker)[0], v->of(w.walker)[1]));
    const double k = 0.2 * (range.x_max - range.x_min) / longest;
    for (const WalkerStyle& w : styles) {
      if (std::find(shown.begin(), shown.end(), w.walker) == shown.end()) continue;
      if (w.walker == Walker::Reptile && !v->reptile_defined) continue;
      const auto& u = v->of(w.walker);
      arrow(dl, at, plot.to_screen(s.theta1 + k * u[0], s.theta2 + k * u[1]), w.color, std::max(2.0f, fs * 0.16f));
    }
  }
  dl->AddCircleFilled(at, fs * 0.42f, IM_COL32(255, 255, 255, 255));
  dl->AddCircleFilled(at, fs * 0.3f, col.support);
  const float r = fs * 0.9f;
  if (m != 0 || std::string(rect_name) == "meta_plot") lab.view.rects["theta"] = Rect{at.x - r, at.y - r, 2 * r, 2 * r};
  // Title inside the frame, top left.
  dl->AddText(ImVec2(a.x + fs * 0.4f, a.y + fs * 0.2f), IM_COL32(20, 20, 30, 255), title);
  // Drag theta (mouse or finger).
  if (active) {
    const ImVec2 mp = ImGui::GetIO().MousePos;
    const double tx = (mp.x - a.x) / std::max(1.0f, b.x - a.x), ty = (b.y - mp.y) / std::max(1.0f, b.y - a.y);
    s.theta1 = static_cast<float>(std::clamp(kTheta1Min + tx * (kTheta1Max - kTheta1Min), kTheta1Min, kTheta1Max));
    s.theta2 = static_cast<float>(std::clamp(kTheta2Min + ty * (kTheta2Max - kTheta2Min), kTheta2Min, kTheta2Max));
    lab.view.dragging = true;
  } else if (ImGui::IsItemHovered()) {
    ImGui::SetMouseCursor(ImGuiMouseCursor_Hand);
  }
}

void draw_vector_table(AppState& st, const LandscapeLab& lab) {
  const UpdateVectors* v = lab.vectors.last();
  if (!v) return;
  const auto cosine = [](const std::array<double, 2>& x, const std::array<double, 2>& y) {
    const double nx = std::hypot(x[0], x[1]), ny = std::hypot(y[0], y[1]);
    return nx > 0 && ny > 0 ? (x[0] * y[0] + x[1] * y[1]) / (nx * ny) : 0.0;
  };
  const ImGuiTableFlags flags = ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp;
  if (!ImGui::BeginTable("vectors", 4, flags)) return;
  ImGui::TableSetupColumn(tr("ui.landscape.update"));
  ImGui::TableSetupColumn(tr("ui.landscape.vector"));
  ImGui::TableSetupColumn(tr("ui.landscape.length"));
  ImGui::TableSetupColumn(tr("ui.landscape.cos_maml"));
  ImGui::TableHeadersRow();
  for (const WalkerStyle& w : walker_styles(st.ui.dark_theme)) {
    const auto& u = v->of(w.walker);
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(w.color));
    ImGui::TextUnformatted(tr(w.label_key));
    ImGui::PopStyleColor();
    ImGui::TableNextColumn();
    if (w.walker == Walker::Reptile && !v->reptile_defined) {
      ImGui::TextDisabled("%s", tr("ui.landscape.reptile_needs_steps"));
      continue;
    }
    ImGui::Text("(%+.3f, %+.3f)", u[0], u[1]);
    ImGui::TableNextColumn();
    ImGui::Text("%.3f", std::hypot(u[0], u[1]));
    ImGui::TableNextColumn();
    ImGui::Text("%.3f", cosine(u, v->of(Walker::Maml)));
  }
  ImGui::EndTable();
  ImGui::Text("%s", format_tr("ui.landscape.losses", {{"m", std::to_string(lab.settings.steps)},
                                                      {"meta", fixed(v->meta_loss, 3)},
                                                      {"pretrain", fixed(v->pretrain_loss, 3)}})
                        .c_str());
}

}  // namespace

void draw_landscape_lab(AppState& st) {
  LandscapeLab& lab = st.landscape;
  LandscapeSettings& s = lab.settings;
  const SettingsTable<LandscapeSettings>& table = landscape_settings();
  Rects& rects = lab.view.rects;
  const float fs = ImGui::GetFontSize();
  const ImGuiStyle& style = ImGui::GetStyle();
  LandscapeWalkersJob* job = lab.walkers();
  lab.view.dragging = false;

  if (job) {
    if (st.shortcuts.play_pause) job->playing = !job->playing;
    if (st.shortcuts.step) job->request_step();
  }
  if (st.shortcuts.reset) reset_landscape(lab);

  draw_heading(st, tr("ui.landscape.title"));
  // Controls: wrap onto as many rows as the width needs (phones: one per row).
  const float slider_w = std::min(fs * 11.0f, ImGui::GetContentRegionAvail().x);
  bool first = true;
  for (const char* key : {"steps", "alpha", "K", "tasks", "beta", "seed"}) {
    if (!first) same_line_if_fits(slider_w);
    first = false;
    ImGui::SetNextItemWidth(slider_w);
    draw_setting_control(s, table, key);
    if (std::string(key) == "steps") rects["steps_slider"] = last_item_rect();
  }
  const char* play = job && job->playing ? tr("ui.landscape.pause") : tr("ui.landscape.play");
  if (ImGui::Button(play) && job) job->playing = !job->playing;
  rects["play"] = last_item_rect();
  same_line_if_fits(ImGui::CalcTextSize(tr("ui.landscape.step")).x + style.FramePadding.x * 2);
  if (ImGui::Button(tr("ui.landscape.step")) && job) job->request_step();
  rects["step"] = last_item_rect();
  same_line_if_fits(ImGui::CalcTextSize(tr("ui.landscape.reset")).x + style.FramePadding.x * 2);
  if (ImGui::Button(tr("ui.landscape.reset"))) reset_landscape(lab);
  rects["reset"] = last_item_rect();
  const std::string line =
      format_tr("ui.landscape.status", {{"it", std::to_string(job ? job->iteration() : 0L)},
                                        {"theta1", fixed(s.theta1, 2)},
                                        {"theta2", fixed(s.theta2, 2)}});
  same_line_if_fits(ImGui::CalcTextSize(line.c_str()).x);
  ImGui::TextUnformatted(line.c_str());
  if (!lab.grid.complete()) {
    ImGui::SameLine();
    ImGui::TextDisabled("%s", format_tr("ui.landscape.computing", {{"pct", std::to_string(static_cast<int>(
                                                                               100 * lab.grid.fraction_done()))}})
                                  .c_str());
  }
  if (!lab.grid.error.empty()) draw_banner(st, BannerKind::Error, lab.grid.error, "landscape_grid_error", false);
  if (job && !job->error.empty() && draw_banner(st, BannerKind::Error, job->error, "landscape_error", true))
    job->error.clear();

  // One colour scale for both maps: the meta-objective's flattening with m shows.
  ColorScale scale{1e30, -1e30};
  for (int m : {s.steps, 0})
    for (int j = 0; j < LandscapeGridJob::kGrid; ++j)
      for (int i = 0; i < LandscapeGridJob::kGrid; ++i)
        if (const double v = lab.grid.value(m, i, j); std::isfinite(v)) {
          scale.lo = std::min(scale.lo, std::log10(std::max(v, 1e-6)));
          scale.hi = std::max(scale.hi, std::log10(std::max(v, 1e-6)));
        }
  if (!(scale.hi > scale.lo)) scale = ColorScale{-1, 2};

  const float avail = ImGui::GetContentRegionAvail().x;
  const bool side_by_side = avail >= fs * 36.0f;
  const float w = side_by_side ? (avail - style.ItemSpacing.x) * 0.5f : avail;
  const float h = std::clamp(side_by_side ? std::min(w * 0.85f, ImGui::GetContentRegionAvail().y - fs * 9.0f) : w * 0.9f,
                             fs * 12.0f, fs * 40.0f);
  const std::string meta_title = format_tr("ui.landscape.meta_title", {{"m", std::to_string(s.steps)}});
  draw_objective(st, lab, s.steps, meta_title.c_str(), "meta_plot", ImVec2(w, h), scale,
                 {Walker::Maml, Walker::FoMaml, Walker::Reptile});
  if (side_by_side) ImGui::SameLine();
  draw_objective(st, lab, 0, tr("ui.landscape.pretrain_title"), "pretrain_plot", ImVec2(w, h), scale,
                 {Walker::Pretrain});
  ImGui::PushTextWrapPos(0);  // the legend is a sentence: wrap it at the window's edge
  ImGui::TextDisabled("%s", tr("ui.landscape.legend"));
  ImGui::PopTextWrapPos();
  draw_vector_table(st, lab);
  if (!st.ui.presenter &&
      ImGui::CollapsingHeader(tr("ui.what_am_i_looking_at"), lab.view.show_help ? ImGuiTreeNodeFlags_DefaultOpen : 0)) {
    ImGui::PushTextWrapPos(0);
    ImGui::TextUnformatted(tr("ui.landscape.help.model"));
    ImGui::TextUnformatted(tr("ui.landscape.help.maps"));
    ImGui::TextUnformatted(tr("ui.landscape.help.vectors"));
    ImGui::PopTextWrapPos();
  }
  ImGui::Dummy(ImVec2(0, fs));
}

}  // namespace metalab::web
