// Fonts and style, rebuilt when the text scale, theme or pixel ratio change.
//
// Crisp text on high-DPI screens: glyphs are rasterised at the physical size
// (logical size x devicePixelRatio) and drawn with FontGlobalScale =
// 1/devicePixelRatio, so ImGui lays out in logical (CSS) pixels while the GPU
// samples a texture that matches the screen's pixels one to one.
#pragma once

#include <imgui.h>

#include "web/app/page/app_state.h"

namespace metalab::web {

// Logical text height at text scale 1.
constexpr float kBaseFontPixels = 16.0f;

// Headings are drawn with a second, larger copy of the font.
constexpr float kHeadingScale = 1.4f;

// The heading font, or null before the first build (then use the default font).
ImFont* heading_font();

// The glyph size in physical pixels for the current settings.
float wanted_font_pixels(const AppState& state, float pixel_ratio);

// True when fonts or style no longer match the state (text scale, theme, pixel ratio).
bool fonts_need_rebuild(const AppState& state, float pixel_ratio);

// Rebuilds ImGui's font atlas (CPU side only) and style, and records what was
// built in state.built. The caller re-uploads the font texture to the GPU.
void rebuild_fonts_and_style(AppState& state, float pixel_ratio);

}  // namespace metalab::web
