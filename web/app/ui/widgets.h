// Drawing helpers shared by the views (on top of plot.h): polylines from
// data arrays, decimated loss curves, banners, headings, colours, layout.
#pragma once

#include <string>
#include <vector>

#include <imgui.h>

#include "web/app/page/app_state.h"
#include "web/app/ui/plot.h"

namespace metalab::web {

struct LabColors {
  ImU32 truth, support, support_outline, meta, pretrain, scratch, faint, diagonal;
  static LabColors get(bool dark);
};

// Lines through (xs[i], ys[i]); NaN values break the line.
void plot_polyline(const Plot& plot, const float* xs, const float* ys, int n, ImU32 color, float thickness);
// A loss curve of n points averaged into buckets of about 2 pixels, drawn as log10(y).
void plot_log_curve(const Plot& plot, const std::vector<float>& xs, const std::vector<float>& ys, ImU32 color,
                    float thickness, bool markers = false);

// A coloured box with wrapped text across the available width; returns true
// when its close button was pressed (only if closable).
enum class BannerKind { Info, Warning, Error };
// width <= 0: the available width.
bool draw_banner(const AppState& st, BannerKind kind, const std::string& text, const char* id, bool closable,
                 float width = 0.0f);

// The last item's screen rectangle.
Rect last_item_rect();
// Puts the next widget on the same line if `next_width` still fits.
void same_line_if_fits(float next_width);

// A heading in the larger font and the accent colour.
// wrap_pos: where the heading wraps (ImGui::PushTextWrapPos; 0 = the window's edge).
void draw_heading(const AppState& state, const char* text, float wrap_pos = 0.0f);
// "φ" with the embedded Unicode font, "phi" with ImGui's ASCII fallback font.
const char* phi_symbol(const AppState& state);

// A horizontal bar of value/max_value in a box of the given width (for norms, weights).
void draw_value_bar(float fraction, float width, ImU32 color, const char* label);

}  // namespace metalab::web
