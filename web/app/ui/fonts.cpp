#include "web/app/ui/fonts.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <unordered_set>

#include <imgui.h>
#include <imgui_internal.h>  // ImTextCharFromUtf8

// Generated at build time from a TrueType file (web/cmake/embed_file.cmake);
// size 0 when no font was available, then ImGui's built-in font is used.
extern const unsigned char metalab_ui_font_data[];
extern const unsigned int metalab_ui_font_size;
// The Chinese glyphs: a subset of a Debian font to the characters of the
// Chinese table (web/CMakeLists.txt), merged into the UI font; size 0 without.
extern const unsigned char metalab_cjk_font_data[];
extern const unsigned int metalab_cjk_font_size;

namespace metalab::web {

ImFont* heading_font() {
  ImFontAtlas* atlas = ImGui::GetIO().Fonts;
  return atlas->Fonts.Size > 1 ? atlas->Fonts[1] : nullptr;
}

float wanted_font_pixels(const AppState& state, float pixel_ratio) {
  const float px = kBaseFontPixels * effective_text_scale(state.ui) * std::max(0.5f, pixel_ratio);
  return std::clamp(std::round(px), 8.0f, 144.0f);
}

bool fonts_need_rebuild(const AppState& state, float pixel_ratio) {
  return state.fonts.pixels != wanted_font_pixels(state, pixel_ratio) ||
         state.fonts.text_scale != effective_text_scale(state.ui) || state.fonts.dark_theme != state.ui.dark_theme ||
         state.fonts.language != state.strings.language();
}

namespace {

// Characters asked to be drawn that the current atlas lacks (since it was
// built: start-up, or a change of language, text size or pixel ratio), and
// the texts already checked against it.
std::set<unsigned int> g_missing;
std::unordered_set<std::string> g_checked;

void check_text(const char* text, const char* end) {
  const ImFontAtlas* atlas = ImGui::GetIO().Fonts;
  if (atlas->Fonts.Size == 0) return;
  const ImFont* font = atlas->Fonts[0];
  while (text < end) {
    unsigned int c = 0;
    const int n = ImTextCharFromUtf8(&c, text, end);
    if (n <= 0) break;
    text += n;
    if (c < 0x20 || c == 0x7f) continue;
    if (!font->FindGlyphNoFallback(static_cast<ImWchar>(c))) g_missing.insert(c);
  }
}

// What the page can draw in its language: the English table (the fallback),
// the language's own, every language's name (the switch shows each in its
// own script) and the lesson equations. Chinese glyphs are rasterised only
// while the page is Chinese: an English page starts faster, on a smaller atlas.
std::string page_text(const AppState& state) {
  const Strings& strings = state.strings;
  std::string text;
  for (const std::string& lang : {std::string(Strings::kFallback), strings.language()})
    for (const auto& [key, t] : strings.table_entries(lang)) text += t;
  for (const std::string& lang : strings.languages()) text += strings.text_in(lang, "ui.language." + lang);
  for (const Lesson& l : state.lessons.library.lessons)
    for (const LessonStep& s : l.steps) text += s.equation;
  return text;
}

void apply_style(bool dark, float scale) {
  ImGuiStyle style;
  if (dark) {
    ImGui::StyleColorsDark(&style);
  } else {
    ImGui::StyleColorsLight(&style);
    style.FrameBorderSize = 1.0f;  // light frames are hard to see on a projector without a border
    style.Colors[ImGuiCol_WindowBg] = ImVec4(0.96f, 0.96f, 0.97f, 1.0f);
    style.Colors[ImGuiCol_ChildBg] = ImVec4(0.0f, 0.0f, 0.0f, 0.0f);
  }
  style.WindowRounding = 0.0f;
  style.ChildRounding = 4.0f;
  style.FrameRounding = 4.0f;
  style.GrabRounding = 4.0f;
  style.PopupRounding = 4.0f;
  style.WindowPadding = ImVec2(10, 10);
  style.FramePadding = ImVec2(8, 5);
  style.ItemSpacing = ImVec2(10, 8);
  style.ItemInnerSpacing = ImVec2(6, 6);
  style.ScrollbarSize = 16.0f;
  style.GrabMinSize = 12.0f;
  style.ScaleAllSizes(scale);
  ImGui::GetStyle() = style;
}

}  // namespace

void rebuild_fonts_and_style(AppState& state, float pixel_ratio) {
  ImGuiIO& io = ImGui::GetIO();
  const float px = wanted_font_pixels(state, pixel_ratio);
  const float ratio = std::max(0.5f, pixel_ratio);
  float raster = 1.0f;  // glyphs rasterised at px * raster (below 1 only when the atlas would not fit)

  io.Fonts->Clear();
  // WebGL2 guarantees textures of 2048 x 2048; wider than that the atlas grows down instead.
  io.Fonts->TexDesiredWidth = kMaxAtlasSide;
  bool unicode = false;
  if (metalab_ui_font_size > 0) {
    // Latin, Greek (for phi, pi, ...), a few symbols used in the views' texts,
    // and every character of the string tables and lesson equations (math
    // symbols, sub- and superscripts; the Chinese table's characters too).
    // Per language: they must outlive the atlas build, so each is built once and kept.
    static std::map<std::string, ImVector<ImWchar>> ranges_of;
    ImVector<ImWchar>& ranges = ranges_of[state.strings.language()];
    if (ranges.empty()) {
      ImFontGlyphRangesBuilder builder;
      builder.AddRanges(io.Fonts->GetGlyphRangesDefault());
      static const ImWchar greek[] = {0x0370, 0x03FF, 0};
      builder.AddRanges(greek);
      builder.AddText("\xC2\xB0\xC2\xB1\xC3\x97\xE2\x80\x93\xE2\x80\x94\xE2\x80\xA6\xE2\x86\x92\xE2\x89\x88\xE2\x88\x92");
      const std::string text = page_text(state);
      builder.AddText(text.c_str(), text.c_str() + text.size());
      builder.BuildRanges(&ranges);
    }
    // Each size is the UI font with the Chinese glyphs merged in (the first
    // font wins where both have a character). CJK glyphs are many and dense:
    // no horizontal oversampling for them, which halves their atlas area.
    const auto add_font = [&](float pixels) {
      ImFontConfig config;
      config.FontDataOwnedByAtlas = false;  // static data, never freed
      config.OversampleH = 2;
      config.OversampleV = 1;
      io.Fonts->AddFontFromMemoryTTF(const_cast<unsigned char*>(metalab_ui_font_data),
                                     static_cast<int>(metalab_ui_font_size), pixels, &config, ranges.Data);
      if (metalab_cjk_font_size == 0) return;
      ImFontConfig cjk;
      cjk.FontDataOwnedByAtlas = false;
      cjk.MergeMode = true;
      cjk.OversampleH = 1;
      cjk.OversampleV = 1;
      io.Fonts->AddFontFromMemoryTTF(const_cast<unsigned char*>(metalab_cjk_font_data),
                                     static_cast<int>(metalab_cjk_font_size), pixels, &cjk, ranges.Data);
    };
    // Very large text (presenter mode on a high-DPI screen) would need an atlas
    // past the limit: the glyphs are then rasterised smaller and scaled up.
    for (int attempt = 0; attempt < 4; ++attempt) {
      io.Fonts->Clear();
      io.Fonts->TexDesiredWidth = kMaxAtlasSide;
      add_font(std::round(px * raster));
      add_font(std::round(px * raster * kHeadingScale));
      io.Fonts->Build();
      if (io.Fonts->TexHeight <= kMaxAtlasSide) break;
      raster *= 0.85f * std::sqrt(static_cast<float>(kMaxAtlasSide) / static_cast<float>(io.Fonts->TexHeight));
    }
    unicode = true;
  } else {
    ImFontConfig config;
    config.SizePixels = px;
    io.Fonts->AddFontDefault(&config);
    config.SizePixels = std::round(px * kHeadingScale);
    io.Fonts->AddFontDefault(&config);
  }
  if (!unicode) io.Fonts->Build();
  io.FontGlobalScale = 1.0f / (ratio * raster);
  g_checked.clear();
  g_missing.clear();
  const std::string text = page_text(state);
  check_text(text.data(), text.data() + text.size());

  apply_style(state.ui.dark_theme, effective_text_scale(state.ui));

  state.fonts.pixels = px;
  state.fonts.text_scale = effective_text_scale(state.ui);
  state.fonts.dark_theme = state.ui.dark_theme;
  state.fonts.language = state.strings.language();
  state.fonts.unicode = unicode;
  state.fonts.atlas_width = io.Fonts->TexWidth;
  state.fonts.atlas_height = io.Fonts->TexHeight;
  state.fonts.missing_glyphs = static_cast<int>(g_missing.size());
}

const char* checked_text(const std::string& text) {
  if (g_checked.size() > 10000) g_checked.clear();  // texts that change every frame: bounded, checked again
  if (g_checked.insert(text).second) check_text(text.data(), text.data() + text.size());
  return text.c_str();
}

std::vector<unsigned int> missing_glyphs() { return {g_missing.begin(), g_missing.end()}; }

}  // namespace metalab::web
