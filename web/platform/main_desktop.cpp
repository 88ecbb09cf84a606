// The desktop main loop: the same front end in an SDL2 window with an
// OpenGL 3.0 context. Usage: metalab-desktop [--frames N] [--size WxH]
//   --frames N  quit after N frames (smoke tests, screenshots under Xvfb)
#include <SDL.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "web/app/frame.h"

namespace {

metalab::web::Display query_display(SDL_Window* window) {
  int w = 0, h = 0, fb_w = 0, fb_h = 0;
  SDL_GetWindowSize(window, &w, &h);
  SDL_GL_GetDrawableSize(window, &fb_w, &fb_h);
  metalab::web::Display d;
  d.width = static_cast<float>(w);
  d.height = static_cast<float>(h);
  d.framebuffer_width = fb_w;
  d.framebuffer_height = fb_h;
  d.pixel_ratio = w > 0 ? static_cast<float>(fb_w) / static_cast<float>(w) : 1.0f;
  return d;
}

}  // namespace

int main(int argc, char** argv) {
  long max_frames = -1;
  int width = 1280, height = 800;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--frames") == 0 && i + 1 < argc) {
      max_frames = std::strtol(argv[++i], nullptr, 10);
    } else if (std::strcmp(argv[i], "--size") == 0 && i + 1 < argc) {
      if (std::sscanf(argv[++i], "%dx%d", &width, &height) != 2 || width < 100 || height < 100) {
        std::fprintf(stderr, "metalab-desktop: --size wants WxH, e.g. 1280x800\n");
        return 2;
      }
    } else {
      std::fprintf(stderr, "usage: metalab-desktop [--frames N] [--size WxH]\n");
      return 2;
    }
  }

  if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_TIMER) != 0) {
    std::fprintf(stderr, "metalab-desktop: SDL_Init failed: %s\n", SDL_GetError());
    return 1;
  }
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_FLAGS, 0);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_PROFILE_MASK, SDL_GL_CONTEXT_PROFILE_CORE);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MAJOR_VERSION, 3);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MINOR_VERSION, 2);
  SDL_GL_SetAttribute(SDL_GL_DOUBLEBUFFER, 1);
  SDL_Window* window = SDL_CreateWindow("MetaLab", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, width, height,
                                        SDL_WINDOW_OPENGL | SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
  if (!window) {
    std::fprintf(stderr, "metalab-desktop: could not create the window: %s\n", SDL_GetError());
    SDL_Quit();
    return 1;
  }
  SDL_GLContext gl = SDL_GL_CreateContext(window);
  if (!gl) {
    std::fprintf(stderr, "metalab-desktop: could not create an OpenGL 3.2 core context: %s\n", SDL_GetError());
    SDL_DestroyWindow(window);
    SDL_Quit();
    return 1;
  }
  SDL_GL_MakeCurrent(window, gl);
  SDL_GL_SetSwapInterval(1);  // vsync

  metalab::web::AppState state;
  std::string error;
  if (!metalab::web::frame_init(state, window, gl, "#version 150", &error)) {
    std::fprintf(stderr, "metalab-desktop: %s\n", error.c_str());
    return 1;
  }

  bool running = true;
  while (running) {
    SDL_Event event;
    while (SDL_PollEvent(&event))
      if (!metalab::web::frame_event(state, event)) running = false;
    metalab::web::frame_run(state, query_display(window));
    SDL_GL_SwapWindow(window);
    if (max_frames >= 0 && static_cast<long>(state.stats.frames) >= max_frames) running = false;
  }

  metalab::web::frame_shutdown();
  SDL_GL_DeleteContext(gl);
  SDL_DestroyWindow(window);
  SDL_Quit();
  return 0;
}
