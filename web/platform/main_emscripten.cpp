// The page's main loop (Emscripten): SDL2 window on the <canvas id="canvas">,
// a WebGL2 context, and one call to the shared frame function per animation
// frame. The page (web/shell/loader.js) sizes the canvas: CSS size = window,
// backing store = CSS size x devicePixelRatio. Here we follow that size every
// frame, so resizes and zoom (which changes devicePixelRatio) just work.
#include <emscripten.h>
#include <emscripten/html5.h>

#include <SDL.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "web/app/page/app_state.h"
#include "web/app/page/checkpoints.h"
#include "web/app/ui/frame.h"
#include "web/app/page/url_state.h"

namespace {

struct Context {
  SDL_Window* window = nullptr;
  metalab::web::AppState state;
  std::string last_status;
  std::string last_hash;
};
Context* g_ctx = nullptr;  // for the functions the page's JavaScript calls

void show_error(const std::string& message) {
  std::fprintf(stderr, "MetaLab: %s\n", message.c_str());
  EM_ASM({ if (Module.metalabShowError) Module.metalabShowError(UTF8ToString($0)); }, message.c_str());
}

// Reads the canvas size the page chose and tells SDL (mouse coordinates are
// mapped through SDL's window size) and the frame loop about it.
metalab::web::Display sync_canvas(SDL_Window* window) {
  double css_w = 0, css_h = 0;
  emscripten_get_element_css_size("#canvas", &css_w, &css_h);
  int fb_w = 0, fb_h = 0;
  emscripten_get_canvas_element_size("#canvas", &fb_w, &fb_h);
  const int w = static_cast<int>(std::lround(css_w)), h = static_cast<int>(std::lround(css_h));
  int sdl_w = 0, sdl_h = 0;
  SDL_GetWindowSize(window, &sdl_w, &sdl_h);
  if (w > 0 && h > 0 && (w != sdl_w || h != sdl_h)) {
    SDL_SetWindowSize(window, w, h);
    // SDL resizes the backing store itself (w x its pixel ratio); keep the page's choice.
    emscripten_set_canvas_element_size("#canvas", fb_w, fb_h);
  }
  metalab::web::Display d;
  d.width = static_cast<float>(css_w);
  d.height = static_cast<float>(css_h);
  d.framebuffer_width = fb_w;
  d.framebuffer_height = fb_h;
  d.pixel_ratio = static_cast<float>(emscripten_get_device_pixel_ratio());
  return d;
}

// Hands what the app asked for to the page: the URL hash (history.replaceState,
// which fires no hashchange, so there is no loop), downloads, the file picker.
void flush_page_io(Context& ctx) {
  metalab::web::PageIo& io = ctx.state.page;
  if (io.hash != ctx.last_hash) {
    ctx.last_hash = io.hash;
    EM_ASM({ if (Module.metalabSetHash) Module.metalabSetHash(UTF8ToString($0)); }, ctx.last_hash.c_str());
  }
  for (const auto& d : io.downloads)
    EM_ASM({ if (Module.metalabDownload) Module.metalabDownload(UTF8ToString($0), HEAPU8.slice($1, $1 + $2)); },
           d.name.c_str(), d.bytes.data(), static_cast<int>(d.bytes.size()));
  io.downloads.clear();
  if (io.open_file_dialog) {
    io.open_file_dialog = false;
    EM_ASM({ if (Module.metalabOpenFile) Module.metalabOpenFile(); });
  }
}

void main_loop(void* arg) {
  Context& ctx = *static_cast<Context*>(arg);
  const double work_start = emscripten_get_now();
  SDL_Event event;
  while (SDL_PollEvent(&event)) metalab::web::frame_event(ctx.state, event);  // no "quit" in a page

  metalab::web::frame_run(ctx.state, sync_canvas(ctx.window));
  flush_page_io(ctx);

  // Let the page (and the browser test) know: frame count every frame, the
  // state snapshot when it changed.
  std::string status = metalab::web::status_json(ctx.state);
  if (status != ctx.last_status) {
    ctx.last_status.swap(status);
    EM_ASM({ if (Module.metalabStatus) Module.metalabStatus(UTF8ToString($0)); }, ctx.last_status.c_str());
  }
  // Wasm work of this frame (events, UI, training, status) for the page's ring
  // buffer, and apart from it the time spent in WebGL calls: with a GPU they
  // take well under a millisecond; with software rendering (headless Chromium)
  // they block while the GPU process rasterises the previous frame.
  const double gl_ms = ctx.state.stats.last_gl_ms;
  const double work_ms = emscripten_get_now() - work_start - gl_ms;
  EM_ASM({ if (Module.metalabFrame) Module.metalabFrame($0, $1, $2); }, static_cast<double>(ctx.state.stats.frames),
         work_ms, gl_ms);
}

}  // namespace

// Called by the page's JavaScript (web/shell/loader.js) with bytes it wrote into the wasm heap.
extern "C" {
EMSCRIPTEN_KEEPALIVE void metalab_asset(const char* name, const char* data, int size) {
  if (g_ctx && name && data && size >= 0) metalab::web::receive_asset(g_ctx->state, name, std::string(data, static_cast<std::size_t>(size)));
}
EMSCRIPTEN_KEEPALIVE void metalab_upload(const char* name, const char* data, int size) {
  if (g_ctx && name && data && size >= 0) metalab::web::receive_upload(g_ctx->state, name, std::string(data, static_cast<std::size_t>(size)));
}
// The browser's preferred languages (navigator.languages joined by ","), once, before the first hash.
EMSCRIPTEN_KEEPALIVE void metalab_languages(const char* languages) {
  if (g_ctx && languages) metalab::web::set_browser_language(g_ctx->state, languages);
}
// The URL hash at start-up and after the user edits it (hashchange).
EMSCRIPTEN_KEEPALIVE void metalab_hash(const char* hash) {
  if (!g_ctx || !hash) return;
  metalab::web::apply_url_hash(g_ctx->state, hash);
  g_ctx->last_hash.clear();  // write back the normalised hash (fills in defaults, drops bad values)
}
}

int main() {
  if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_TIMER) != 0) {
    show_error(std::string("SDL_Init failed: ") + SDL_GetError());
    return 1;
  }
  // WebGL2 == OpenGL ES 3.0.
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_PROFILE_MASK, SDL_GL_CONTEXT_PROFILE_ES);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MAJOR_VERSION, 3);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MINOR_VERSION, 0);
  SDL_GL_SetAttribute(SDL_GL_DOUBLEBUFFER, 1);
  SDL_GL_SetAttribute(SDL_GL_DEPTH_SIZE, 0);
  SDL_GL_SetAttribute(SDL_GL_STENCIL_SIZE, 0);

  static Context ctx;  // lives for the whole page
  g_ctx = &ctx;
  double css_w = 0, css_h = 0;
  emscripten_get_element_css_size("#canvas", &css_w, &css_h);
  const int w = css_w > 0 ? static_cast<int>(std::lround(css_w)) : 1280;
  const int h = css_h > 0 ? static_cast<int>(std::lround(css_h)) : 720;
  ctx.window = SDL_CreateWindow("MetaLab", SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED, w, h,
                                SDL_WINDOW_OPENGL | SDL_WINDOW_ALLOW_HIGHDPI);
  if (!ctx.window) {
    show_error(std::string("could not create the window: ") + SDL_GetError());
    return 1;
  }
  SDL_GLContext gl = SDL_GL_CreateContext(ctx.window);
  if (!gl) {
    show_error(std::string("this browser could not create a WebGL2 context (") + SDL_GetError() +
               "). MetaLab needs WebGL2: try a current Firefox, Chrome or Safari, and check that hardware "
               "acceleration is enabled.");
    return 1;
  }
  SDL_GL_MakeCurrent(ctx.window, gl);

  std::string error;
  if (!metalab::web::frame_init(ctx.state, ctx.window, gl, "#version 300 es", &error)) {
    show_error(error);
    return 1;
  }
  // window.metalab.lessons: the lesson ids, for the page's scripts and tests.
  std::string lessons = "[";
  for (const metalab::web::Lesson& l : ctx.state.lessons.library.lessons)
    lessons += (lessons.size() > 1 ? ",\"" : "\"") + l.id + "\"";  // ids are [a-z0-9-]: no escaping needed
  lessons += "]";
  EM_ASM({ if (Module.metalabLessons) Module.metalabLessons(UTF8ToString($0)); }, lessons.c_str());
  // The page passes the URL hash and starts fetching the assets (checkpoints, data).
  EM_ASM({ if (Module.metalabStart) Module.metalabStart(); });
  // 0 fps = requestAnimationFrame; true = never return from main.
  emscripten_set_main_loop_arg(main_loop, &ctx, 0, true);
  return 0;
}
