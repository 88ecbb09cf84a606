#include "web/app/ui/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace metalab::web {

PlotColors PlotColors::from_style(bool dark) {
  PlotColors c;
  if (dark) {
    c.background = IM_COL32(24, 26, 30, 255);
    c.frame = IM_COL32(90, 95, 105, 255);
    c.grid = IM_COL32(55, 60, 68, 255);
    c.axis = IM_COL32(170, 175, 185, 255);
    c.text = IM_COL32(220, 222, 228, 255);
  } else {
    c.background = IM_COL32(255, 255, 255, 255);
    c.frame = IM_COL32(150, 150, 160, 255);
    c.grid = IM_COL32(228, 230, 235, 255);
    c.axis = IM_COL32(70, 70, 80, 255);
    c.text = IM_COL32(30, 30, 35, 255);
  }
  return c;
}

double nice_tick_step(double lo, double hi, float pixels, float min_spacing) {
  const double span = hi - lo;
  if (!(span > 0) || !(pixels > 0)) return 1.0;
  const double max_ticks = std::max(1.0, std::floor(static_cast<double>(pixels) / std::max(1.0f, min_spacing)));
  const double raw = span / max_ticks;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * p >= raw) return m * p;
  return 10.0 * p;
}

namespace {
void format_tick(char* buf, std::size_t n, double v, double step) {
  if (std::fabs(v) < step * 1e-6) v = 0.0;  // no "-0"
  const int decimals = step >= 1.0 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
  std::snprintf(buf, n, "%.*f", decimals, v);
}
}  // namespace

Plot::Plot(ImDrawList* draw_list, ImVec2 outer_min, ImVec2 outer_max, PlotRange range, const PlotColors& colors,
           const char* x_title, const char* y_title, const LegendItem* legend, int legend_items)
    : dl_(draw_list), r_(range), text_(colors.text) {
  const float fs = ImGui::GetFontSize();
  const ImU32 text = colors.text;

  // Margins: legend rows on top, y tick labels + y title on the left, x tick labels below,
  // and the x title either at the right end of the tick labels' row (when it fits
  // there) or centred on a row of its own.
  const float left = fs * 3.6f, right = fs * 0.9f;
  const float w = std::floor(std::max(10.0f, outer_max.x - right - std::floor(outer_min.x + left)));
  const double xs = nice_tick_step(r_.x_min, r_.x_max, w, fs * 4.0f);
  char buf[32];
  float last_label_end = outer_min.x + left;
  for (double v = std::ceil(r_.x_min / xs) * xs; v <= r_.x_max + xs * 1e-9; v += xs) {
    format_tick(buf, sizeof buf, v, xs);
    const float sx = outer_min.x + left + static_cast<float>((v - r_.x_min) / (r_.x_max - r_.x_min)) * w;
    last_label_end = sx + ImGui::CalcTextSize(buf).x * 0.5f;
  }
  const float x_title_w = x_title ? ImGui::CalcTextSize(x_title).x : 0.0f;
  const bool x_title_inline = last_label_end + fs * 1.0f + x_title_w <= std::floor(outer_min.x + left) + w;
  const float bottom = x_title_inline ? fs * 1.7f : fs * 2.8f;
  const float legend_row_h = fs * 1.4f;
  const int rows =
      legend_items > 0 ? layout_legend(legend, legend_items, outer_min.x + left, outer_max.x - right, nullptr) : 0;
  // A y title wider than a short symbol ("y") would cover the tick labels at
  // its height: it goes on a row of its own above the plot's top-left corner.
  const bool y_title_above = y_title && ImGui::CalcTextSize(y_title).x > fs * 1.4f;
  const float top = (rows > 0 ? fs * 0.4f + rows * legend_row_h : fs * 0.6f) + (y_title_above ? fs * 1.3f : 0.0f);
  inner_min_ = ImVec2(std::floor(outer_min.x + left), std::floor(outer_min.y + top));
  inner_max_ = ImVec2(std::floor(std::max(inner_min_.x + 10.0f, outer_max.x - right)),
                      std::floor(std::max(inner_min_.y + 10.0f, outer_max.y - bottom)));

  dl_->AddRectFilled(outer_min, outer_max, colors.background, fs * 0.3f);
  if (rows > 0) layout_legend(legend, legend_items, outer_min.x + left, outer_max.x - right, &outer_min);
  const float h = inner_max_.y - inner_min_.y;

  // Vertical grid lines and x tick labels.
  for (double v = std::ceil(r_.x_min / xs) * xs; v <= r_.x_max + xs * 1e-9; v += xs) {
    const float sx = std::round(to_screen(v, 0).x);
    dl_->AddLine(ImVec2(sx, inner_min_.y), ImVec2(sx, inner_max_.y), colors.grid);
    dl_->AddLine(ImVec2(sx, inner_max_.y), ImVec2(sx, inner_max_.y + fs * 0.3f), colors.axis);
    format_tick(buf, sizeof buf, v, xs);
    const ImVec2 ts = ImGui::CalcTextSize(buf);
    dl_->AddText(ImVec2(sx - ts.x * 0.5f, inner_max_.y + fs * 0.35f), text, buf);
  }
  // Horizontal grid lines and y tick labels.
  const double ys = nice_tick_step(r_.y_min, r_.y_max, h, std::max(fs * 1.8f, h / 12.0f));
  for (double v = std::ceil(r_.y_min / ys) * ys; v <= r_.y_max + ys * 1e-9; v += ys) {
    const float sy = std::round(to_screen(0, v).y);
    dl_->AddLine(ImVec2(inner_min_.x, sy), ImVec2(inner_max_.x, sy), colors.grid);
    dl_->AddLine(ImVec2(inner_min_.x - fs * 0.3f, sy), ImVec2(inner_min_.x, sy), colors.axis);
    format_tick(buf, sizeof buf, v, ys);
    const ImVec2 ts = ImGui::CalcTextSize(buf);
    dl_->AddText(ImVec2(inner_min_.x - fs * 0.45f - ts.x, sy - ts.y * 0.5f), text, buf);
  }
  // The axes through zero (when in range), thicker than the grid.
  if (r_.y_min <= 0 && r_.y_max >= 0) {
    const float sy = std::round(to_screen(0, 0).y);
    dl_->AddLine(ImVec2(inner_min_.x, sy), ImVec2(inner_max_.x, sy), colors.axis, 1.5f);
  }
  if (r_.x_min <= 0 && r_.x_max >= 0) {
    const float sx = std::round(to_screen(0, 0).x);
    dl_->AddLine(ImVec2(sx, inner_min_.y), ImVec2(sx, inner_max_.y), colors.axis, 1.5f);
  }
  dl_->AddRect(inner_min_, inner_max_, colors.frame);

  // Axis titles: x as decided above, y left of the tick labels or above them.
  if (x_title) {
    if (x_title_inline)
      dl_->AddText(ImVec2(inner_max_.x - x_title_w, inner_max_.y + fs * 0.35f), text, x_title);
    else
      dl_->AddText(ImVec2(inner_min_.x + (w - x_title_w) * 0.5f, inner_max_.y + fs * 1.5f), text, x_title);
  }
  if (y_title) {
    const ImVec2 ts = ImGui::CalcTextSize(y_title);
    if (y_title_above)
      dl_->AddText(ImVec2(outer_min.x + fs * 0.4f, inner_min_.y - fs * 1.35f), text, y_title);
    else
      dl_->AddText(ImVec2(outer_min.x + fs * 0.4f, inner_min_.y + (h - ts.y) * 0.5f), text, y_title);
  }

  dl_->PushClipRect(inner_min_, inner_max_, true);
}

Plot::~Plot() { dl_->PopClipRect(); }

int Plot::layout_legend(const LegendItem* items, int n, float x_min, float x_max, const ImVec2* draw_at) const {
  const float fs = ImGui::GetFontSize();
  const float swatch = fs * 1.6f, gap = fs * 1.5f, row_h = fs * 1.4f;
  int row = 0;
  float x = x_min;
  for (int i = 0; i < n; ++i) {
    const LegendItem& it = items[i];
    const float w = swatch + fs * 0.4f + ImGui::CalcTextSize(it.label).x;
    if (x > x_min && x + w > x_max) {  // wrap to the next row
      ++row;
      x = x_min;
    }
    if (draw_at) {
      const float cy = std::round(draw_at->y + fs * 0.4f + row * row_h + fs * 0.5f);
      if (it.kind == LegendItem::Kind::Line) {
        dl_->AddLine(ImVec2(x, cy), ImVec2(x + swatch, cy), it.color, it.size);
      } else {
        const ImVec2 c(x + swatch * 0.5f, cy);
        dl_->AddCircleFilled(c, it.size, it.color, 20);
        if (it.outline) dl_->AddCircle(c, it.size, it.outline, 20, std::max(1.0f, it.size * 0.25f));
      }
      dl_->AddText(ImVec2(x + swatch + fs * 0.4f, cy - fs * 0.5f), text_, it.label);
    }
    x += w + gap;
  }
  return n > 0 ? row + 1 : 0;
}

ImVec2 Plot::to_screen(double x, double y) const {
  const double tx = (x - r_.x_min) / (r_.x_max - r_.x_min);
  const double ty = (y - r_.y_min) / (r_.y_max - r_.y_min);
  return ImVec2(inner_min_.x + static_cast<float>(tx) * (inner_max_.x - inner_min_.x),
                inner_max_.y - static_cast<float>(ty) * (inner_max_.y - inner_min_.y));
}

void Plot::curve(const std::function<double(double)>& f, ImU32 color, float thickness,
                 float pixels_per_sample) const {
  const float w = inner_max_.x - inner_min_.x;
  const int n = std::clamp(static_cast<int>(w / std::max(0.5f, pixels_per_sample)), 2, 4000);
  dl_->PathClear();
  for (int i = 0; i <= n; ++i) {
    const double x = r_.x_min + (r_.x_max - r_.x_min) * i / n;
    dl_->PathLineTo(to_screen(x, f(x)));
  }
  dl_->PathStroke(color, 0, thickness);
}

void Plot::points(const float* xs, const float* ys, int n, ImU32 fill, ImU32 outline, float radius) const {
  for (int i = 0; i < n; ++i) {
    const ImVec2 p = to_screen(xs[i], ys[i]);
    dl_->AddCircleFilled(p, radius, fill, 20);
    dl_->AddCircle(p, radius, outline, 20, std::max(1.0f, radius * 0.25f));
  }
}

}  // namespace metalab::web
