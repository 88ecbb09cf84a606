#include "web/app/ui/widgets.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "web/app/ui/fonts.h"

namespace metalab::web {

LabColors LabColors::get(bool dark) {
  LabColors c;
  c.truth = dark ? IM_COL32(90, 170, 255, 255) : IM_COL32(31, 100, 200, 255);
  c.support = IM_COL32(255, 140, 20, 255);
  c.support_outline = dark ? IM_COL32(255, 255, 255, 230) : IM_COL32(40, 30, 20, 255);
  c.meta = dark ? IM_COL32(255, 90, 90, 255) : IM_COL32(205, 35, 45, 255);
  c.pretrain = dark ? IM_COL32(110, 220, 120, 255) : IM_COL32(30, 140, 60, 255);
  c.scratch = dark ? IM_COL32(200, 160, 255, 255) : IM_COL32(130, 80, 190, 255);
  c.faint = dark ? IM_COL32(150, 155, 165, 110) : IM_COL32(120, 120, 130, 100);
  c.diagonal = dark ? IM_COL32(160, 160, 170, 200) : IM_COL32(110, 110, 120, 200);
  return c;
}

void plot_polyline(const Plot& plot, const float* xs, const float* ys, int n, ImU32 color, float thickness) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->PathClear();
  for (int i = 0; i < n; ++i) {
    if (!std::isfinite(xs[i]) || !std::isfinite(ys[i])) {
      if (dl->_Path.Size > 1) dl->PathStroke(color, 0, thickness);
      dl->PathClear();
      continue;
    }
    const ImVec2 p = plot.to_screen(xs[i], ys[i]);
    // Keep far-off values from producing huge coordinates (clipping does the rest).
    dl->PathLineTo(ImVec2(p.x, std::clamp(p.y, plot.inner_min().y - 2000.0f, plot.inner_max().y + 2000.0f)));
  }
  if (dl->_Path.Size > 1) dl->PathStroke(color, 0, thickness);
  dl->PathClear();
}

void plot_log_curve(const Plot& plot, const std::vector<float>& xs, const std::vector<float>& ys, ImU32 color,
                    float thickness, bool markers) {
  const int n = static_cast<int>(std::min(xs.size(), ys.size()));
  if (n == 0) return;
  const float px = plot.inner_max().x - plot.inner_min().x;
  const int buckets = std::max(1, static_cast<int>(px / 2.0f));
  const int per = std::max(1, (n + buckets - 1) / buckets);
  std::vector<float> bx, by;
  bx.reserve(static_cast<std::size_t>(n / per + 1));
  by.reserve(bx.capacity());
  for (int i = 0; i < n; i += per) {
    double sx = 0, sy = 0;
    int m = 0;
    for (int j = i; j < std::min(n, i + per); ++j) {
      if (!std::isfinite(ys[static_cast<std::size_t>(j)]) || ys[static_cast<std::size_t>(j)] <= 0) continue;
      sx += xs[static_cast<std::size_t>(j)];
      sy += ys[static_cast<std::size_t>(j)];
      ++m;
    }
    if (m == 0) continue;
    bx.push_back(static_cast<float>(sx / m));
    by.push_back(static_cast<float>(std::log10(sy / m)));
  }
  plot_polyline(plot, bx.data(), by.data(), static_cast<int>(bx.size()), color, thickness);
  if (markers) {
    ImDrawList* dl = ImGui::GetWindowDrawList();
    for (std::size_t i = 0; i < bx.size(); ++i) dl->AddCircleFilled(plot.to_screen(bx[i], by[i]), thickness * 1.3f, color, 10);
  }
}

bool draw_banner(const AppState& st, BannerKind kind, const std::string& text, const char* id, bool closable,
                 float width) {
  const bool dark = st.ui.dark_theme;
  ImVec4 bg, fg;
  switch (kind) {
    case BannerKind::Info:
      bg = dark ? ImVec4(0.13f, 0.22f, 0.35f, 1) : ImVec4(0.88f, 0.93f, 1.0f, 1);
      fg = dark ? ImVec4(0.85f, 0.92f, 1, 1) : ImVec4(0.05f, 0.2f, 0.45f, 1);
      break;
    case BannerKind::Warning:
      bg = dark ? ImVec4(0.35f, 0.28f, 0.08f, 1) : ImVec4(1.0f, 0.95f, 0.78f, 1);
      fg = dark ? ImVec4(1, 0.93f, 0.75f, 1) : ImVec4(0.4f, 0.28f, 0.0f, 1);
      break;
    case BannerKind::Error:
      bg = dark ? ImVec4(0.4f, 0.1f, 0.1f, 1) : ImVec4(1.0f, 0.9f, 0.9f, 1);
      fg = dark ? ImVec4(1, 0.85f, 0.85f, 1) : ImVec4(0.6f, 0.05f, 0.05f, 1);
      break;
  }
  const float fs = ImGui::GetFontSize();
  const float w = width > 0 ? std::min(width, ImGui::GetContentRegionAvail().x) : ImGui::GetContentRegionAvail().x;
  const float close_w = closable ? fs * 1.6f : 0.0f;
  const float wrap = w - fs * 0.8f - close_w;
  const ImVec2 ts = ImGui::CalcTextSize(checked_text(text), nullptr, false, wrap);  // notices name files: user text
  const ImVec2 p = ImGui::GetCursorScreenPos();
  const float h = ts.y + fs * 0.5f;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(p, ImVec2(p.x + w, p.y + h), ImGui::GetColorU32(bg), fs * 0.25f);
  dl->AddText(nullptr, 0.0f, ImVec2(p.x + fs * 0.4f, p.y + fs * 0.25f), ImGui::GetColorU32(fg), text.c_str(), nullptr, wrap);
  bool closed = false;
  if (closable) {
    ImGui::SetCursorScreenPos(ImVec2(p.x + w - close_w, p.y + (h - ImGui::GetFrameHeight()) * 0.5f));
    ImGui::PushID(id);
    ImGui::PushStyleColor(ImGuiCol_Button, ImVec4(0, 0, 0, 0));
    closed = ImGui::Button("x", ImVec2(close_w * 0.9f, 0));
    ImGui::PopStyleColor();
    ImGui::PopID();
  }
  ImGui::SetCursorScreenPos(p);
  ImGui::Dummy(ImVec2(w, h));
  return closed;
}

Rect last_item_rect() {
  const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
  return Rect{a.x, a.y, b.x - a.x, b.y - a.y};
}

void same_line_if_fits(float next_width) {
  const ImGuiStyle& style = ImGui::GetStyle();
  const float right_edge = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
  if (ImGui::GetItemRectMax().x + style.ItemSpacing.x + next_width <= right_edge) ImGui::SameLine();
}

void draw_heading(const AppState& state, const char* text, float wrap_pos) {
  const ImVec4 accent = state.ui.dark_theme ? ImVec4(0.45f, 0.70f, 1.0f, 1.0f) : ImVec4(0.12f, 0.39f, 0.78f, 1.0f);
  ImFont* font = heading_font();
  if (font) ImGui::PushFont(font);
  ImGui::PushStyleColor(ImGuiCol_Text, accent);
  ImGui::PushTextWrapPos(wrap_pos);  // narrow screens: a long heading wraps instead of being cut off
  ImGui::TextUnformatted(text);
  ImGui::PopTextWrapPos();
  ImGui::PopStyleColor();
  if (font) ImGui::PopFont();
}

const char* phi_symbol(const AppState& state) { return state.fonts.unicode ? "\xCF\x86" : "phi"; }

void draw_value_bar(float fraction, float width, ImU32 color, const char* label) {
  const float fs = ImGui::GetFontSize();
  const ImVec2 p = ImGui::GetCursorScreenPos();
  const float h = fs * 0.9f;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(p, ImVec2(p.x + width, p.y + h), ImGui::GetColorU32(ImGuiCol_FrameBg), fs * 0.15f);
  dl->AddRectFilled(p, ImVec2(p.x + width * std::clamp(fraction, 0.0f, 1.0f), p.y + h), color, fs * 0.15f);
  ImGui::Dummy(ImVec2(width, h));
  if (label) {
    ImGui::SameLine();
    ImGui::TextUnformatted(label);
  }
}

}  // namespace metalab::web
