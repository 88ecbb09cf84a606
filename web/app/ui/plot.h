// Minimal 2-D plotting on ImGui draw lists: a framed area with axes, "nice"
// ticks and labels, then curves and scatter points in data coordinates.
// Reused by every view that plots (sinusoids now; losses, predictions later).
#pragma once

#include <functional>

#include <imgui.h>

namespace metalab::web {

struct PlotRange {
  double x_min = 0, x_max = 1, y_min = 0, y_max = 1;
};

struct PlotColors {
  ImU32 background, frame, grid, axis, text;
  static PlotColors from_style(bool dark);
};

// One entry of a plot legend: a line or a dot swatch and a label.
struct LegendItem {
  enum class Kind { Line, Dot };
  const char* label;
  Kind kind;
  ImU32 color;
  float size;          // line thickness or dot radius
  ImU32 outline = 0;   // dots only; 0 for none
};

// A plot placed on screen. Constructing it draws the frame, grid and labels;
// curves and points drawn through it are clipped to the inner (data)
// rectangle until it goes out of scope.
class Plot {
 public:
  // Draws background, grid, axes, tick labels and axis titles into `outer`
  // (screen pixels), reserving margins for the labels.
  // The legend (optional) is laid out in rows above the data area, never covering data.
  Plot(ImDrawList* draw_list, ImVec2 outer_min, ImVec2 outer_max, PlotRange range, const PlotColors& colors,
       const char* x_title, const char* y_title, const LegendItem* legend = nullptr, int legend_items = 0);
  ~Plot();
  Plot(const Plot&) = delete;
  Plot& operator=(const Plot&) = delete;

  ImVec2 to_screen(double x, double y) const;
  ImVec2 inner_min() const { return inner_min_; }
  ImVec2 inner_max() const { return inner_max_; }

  // f sampled at about one point per `pixels_per_sample` screen pixels.
  void curve(const std::function<double(double)>& f, ImU32 color, float thickness,
             float pixels_per_sample = 2.0f) const;
  void points(const float* xs, const float* ys, int n, ImU32 fill, ImU32 outline, float radius) const;

 private:
  // Places legend items left to right from x_min, wrapping before x_max; draws
  // them below draw_at->y when draw_at is set. Returns the number of rows.
  int layout_legend(const LegendItem* items, int n, float x_min, float x_max, const ImVec2* draw_at) const;

  ImDrawList* dl_;
  PlotRange r_;
  ImU32 text_;
  ImVec2 inner_min_, inner_max_;
};

// Tick positions at 1, 2 or 5 times a power of ten, at least `min_spacing`
// apart on an axis `pixels` long covering [lo, hi]. Returns the step.
double nice_tick_step(double lo, double hi, float pixels, float min_spacing);

}  // namespace metalab::web
