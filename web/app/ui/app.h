// The application's UI: the sidebar (views, text size, theme), the view
// shown, page notices and the frame-time overlay. Only ImGui here; the
// SDL/GL side of a frame lives in frame.h, the main loops in web/platform,
// the page's logic (labs' settings and jobs, URL, status) in web/app/page.
#pragma once

#include "web/app/page/app_state.h"

namespace metalab::web {

// Draws one whole frame of UI (between ImGui::NewFrame and ImGui::Render).
void draw_app(AppState& state);

}  // namespace metalab::web
