// The application: a list of views, a sidebar to pick one, and the shared
// chrome (text size, theme, frame-time overlay). Only ImGui here; the SDL/GL
// side of a frame lives in frame.h, the main loops in web/platform.
#pragma once

#include <string>

#include "web/app/app_state.h"

namespace metalab::web {

// One entry per view. `draw` is null for views that are announced but not built yet.
struct View {
  ViewId id;
  const char* title;    // sidebar label
  const char* summary;  // one line, shown as tooltip / under the title
  void (*draw)(AppState&);
};

// All views in sidebar order.
const View* views_begin();
const View* views_end();
const View& view_info(ViewId id);

// Draws one whole frame of UI (between ImGui::NewFrame and ImGui::Render).
void draw_app(AppState& state);

// A small JSON snapshot of the state (view, display, current task, layout),
// for the page's JavaScript and the browser test.
std::string status_json(const AppState& state);

// A heading in the larger font and the accent colour.
void draw_heading(const AppState& state, const char* text);

// "φ" with the embedded Unicode font, "phi" with ImGui's ASCII fallback font.
const char* phi_symbol(const AppState& state);

}  // namespace metalab::web
