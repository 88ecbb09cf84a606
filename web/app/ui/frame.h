// One frame of the front end, shared by both main loops (web/platform):
// SDL events in, ImGui frame with the views, OpenGL (WebGL2 in the page) out.
#pragma once

#include <string>

#include <SDL.h>

#include "web/app/page/app_state.h"

namespace metalab::web {

// Sets up ImGui and its SDL2 + OpenGL3 backends for `window`, whose GL context
// must be current. glsl_version: "#version 300 es" for WebGL2, "#version 130"
// for desktop GL 3.0. On failure returns false with a message in *error.
bool frame_init(AppState& state, SDL_Window* window, SDL_GLContext context, const char* glsl_version,
                std::string* error);

// Feeds one SDL event to ImGui and to the keyboard shortcuts. Returns false
// when the application should quit (window closed).
bool frame_event(AppState& state, const SDL_Event& event);

// Builds and draws one frame into the current framebuffer of size
// display.framebuffer_width x display.framebuffer_height. The desktop loop
// swaps buffers afterwards; in the page the browser presents it.
void frame_run(AppState& state, const Display& display);

void frame_shutdown();

}  // namespace metalab::web
