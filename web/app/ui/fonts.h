// Fonts and style, rebuilt when the text scale, theme or pixel ratio change.
//
// Crisp text on high-DPI screens: glyphs are rasterised at the physical size
// (logical size x devicePixelRatio) and drawn with FontGlobalScale =
// 1/devicePixelRatio, so ImGui lays out in logical (CSS) pixels while the GPU
// samples a texture that matches the screen's pixels one to one.
//
// Chinese: the UI font (DejaVu Sans) with a subset of a Chinese font merged
// in, and an atlas of exactly the characters the page's texts use in its
// language (English, that language, the language names and the lesson
// equations; rebuilt when the language changes), within kMaxAtlasSide. Text from outside
// (a class name in an uploaded CSV, a file name) goes through checked_text,
// which counts the characters the atlas lacks: they show as boxes, and the
// page says so (status missing_glyphs, a notice).
#pragma once

#include <string>
#include <vector>

#include <imgui.h>

#include "web/app/page/app_state.h"

namespace metalab::web {

// Logical text height at text scale 1.
constexpr float kBaseFontPixels = 16.0f;

// Headings are drawn with a second, larger copy of the font.
constexpr float kHeadingScale = 1.4f;

// The largest font texture side WebGL2 guarantees (MAX_TEXTURE_SIZE >= 2048).
constexpr int kMaxAtlasSide = 2048;

// The heading font, or null before the first build (then use the default font).
ImFont* heading_font();

// The glyph size in physical pixels for the current settings.
float wanted_font_pixels(const AppState& state, float pixel_ratio);

// True when fonts or style no longer match the state (text scale, theme, pixel ratio, language).
bool fonts_need_rebuild(const AppState& state, float pixel_ratio);

// Rebuilds ImGui's font atlas (CPU side only) and style, and records what was
// built in state.built. The caller re-uploads the font texture to the GPU.
void rebuild_fonts_and_style(AppState& state, float pixel_ratio);

// Text from the user or from files, to be drawn: returns text.c_str() after
// noting which of its characters the atlas lacks (draw_app copies the count
// into state.fonts.missing_glyphs every frame).
const char* checked_text(const std::string& text);
// Those characters (code points), sorted.
std::vector<unsigned int> missing_glyphs();

}  // namespace metalab::web
