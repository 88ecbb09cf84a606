// The lesson's side of the page (ImGui): the lesson picker, the panel with the
// open step (progress, text, equation, the "predict before you run" question,
// Run, Previous / Next), the marker on the control a step points at, and
// presenter mode. What the buttons do is requested from the lesson player
// (web/app/page/lesson_player.h) and applied before the next frame's UI.
#pragma once

#include "web/app/page/app_state.h"

namespace metalab::web {

// The lessons as a list to pick from (the sidebar; compact: a drop-down).
void draw_lesson_picker(AppState& state, bool compact);
// The open step. Returns false when no lesson is open (nothing drawn).
bool draw_lesson_panel(AppState& state);
// The outline pulsing around the control the step points at (foreground, after the view is drawn).
void draw_lesson_pointer(AppState& state);

}  // namespace metalab::web
