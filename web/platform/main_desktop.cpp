// The desktop main loop: the same front end in an SDL2 window with an
// OpenGL 3.2 core context.
//   metalab-desktop [--size WxH] [--frames N] [--screenshot OUT.png] [--hash STATE]
//   --size WxH          initial window size in logical pixels (default 1280x800)
//   --hash STATE        the page's URL hash, e.g. "view=regression&learner=fomaml"
//   --frames N          quit after N frames (smoke tests)
//   --screenshot FILE   save the last frame as PNG and quit (after 10 frames unless --frames)
#include <SDL.h>
#include <SDL_opengl.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#if __has_include(<stb/stb_image_write.h>)  // Debian: libstb-dev
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>
#define METALAB_HAVE_PNG_WRITER 1
#else
#define METALAB_HAVE_PNG_WRITER 0
#endif

#include "web/app/page/checkpoints.h"
#include "web/app/ui/frame.h"
#include "web/app/page/app_state.h"
#include "web/app/page/url_state.h"

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

// Reads the current back buffer and writes it as an RGB PNG (top row first).
bool save_screenshot(const char* path, int w, int h) {
#if METALAB_HAVE_PNG_WRITER
  std::vector<unsigned char> pixels(static_cast<std::size_t>(w) * h * 3);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
  glReadPixels(0, 0, w, h, GL_RGB, GL_UNSIGNED_BYTE, pixels.data());
  stbi_flip_vertically_on_write(1);
  return stbi_write_png(path, w, h, 3, pixels.data(), w * 3) != 0;
#else
  (void)w;
  (void)h;
  std::fprintf(stderr, "metalab-desktop: built without stb_image_write (Debian: libstb-dev), cannot write %s\n", path);
  return false;
#endif
}

bool read_file(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

// The files the page fetches (web/CMakeLists.txt lists them in assets.json), read from the source tree.
void load_assets(metalab::web::AppState& state) {
#ifdef METALAB_ASSETS_DIR
  const std::string dir = METALAB_ASSETS_DIR;
  // As assets.json: every shipped checkpoint, and the expression table.
  std::vector<std::string> names{"data/tissue_gene_expression.csv"};
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir + "/checkpoints", ec))
    if (e.path().extension() == ".safetensors") names.push_back("checkpoints/" + e.path().filename().string());
  for (const std::string& n : names) {
    std::string bytes;
    if (read_file(dir + "/" + n, &bytes)) metalab::web::receive_asset(state, n, bytes);
  }
#else
  (void)state;
#endif
}

// Downloads become files in the current directory; uploads are files dropped on the window.
void flush_page_io(metalab::web::AppState& state) {
  for (const auto& d : state.page.downloads) {
    std::ofstream out(d.name, std::ios::binary);
    out.write(d.bytes.data(), static_cast<std::streamsize>(d.bytes.size()));
    std::printf("metalab-desktop: %s %s\n", out ? "wrote" : "could not write", d.name.c_str());
  }
  state.page.downloads.clear();
  if (state.page.open_file_dialog) {
    state.page.open_file_dialog = false;
    state.page.last_message = "Drop a .safetensors file on the window to load it.";
  }
}

}  // namespace

int main(int argc, char** argv) {
  long max_frames = -1;
  int width = 1280, height = 800;
  const char* screenshot = nullptr;
  const char* hash = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--frames") == 0 && i + 1 < argc) {
      max_frames = std::strtol(argv[++i], nullptr, 10);
    } else if (std::strcmp(argv[i], "--screenshot") == 0 && i + 1 < argc) {
      screenshot = argv[++i];
    } else if (std::strcmp(argv[i], "--hash") == 0 && i + 1 < argc) {
      hash = argv[++i];
    } else if (std::strcmp(argv[i], "--size") == 0 && i + 1 < argc) {
      if (std::sscanf(argv[++i], "%dx%d", &width, &height) != 2 || width < 100 || height < 100) {
        std::fprintf(stderr, "metalab-desktop: --size wants WxH, e.g. 1280x800\n");
        return 2;
      }
    } else {
      std::fprintf(stderr, "usage: metalab-desktop [--size WxH] [--frames N] [--screenshot OUT.png] [--hash STATE]\n");
      return 2;
    }
  }
  if (screenshot && max_frames < 0) max_frames = 10;

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

  load_assets(state);
  // The desktop's language (LANG=zh_CN.UTF-8: Chinese), as a browser's would be.
  const char* lang = std::getenv("LANGUAGE") && *std::getenv("LANGUAGE") ? std::getenv("LANGUAGE") : std::getenv("LANG");
  metalab::web::set_browser_language(state, lang ? lang : "");
  metalab::web::apply_url_hash(state, hash ? hash : "");

  bool running = true;
  int exit_code = 0;
  while (running) {
    SDL_Event event;
    while (SDL_PollEvent(&event)) {
      if (event.type == SDL_DROPFILE && event.drop.file) {
        std::string bytes;
        const std::string path = event.drop.file;
        if (read_file(path, &bytes)) metalab::web::receive_upload(state, path.substr(path.find_last_of('/') + 1), bytes);
        SDL_free(event.drop.file);
        continue;
      }
      if (!metalab::web::frame_event(state, event)) running = false;
    }
    const metalab::web::Display display = query_display(window);
    metalab::web::frame_run(state, display);
    flush_page_io(state);
    const bool last = max_frames >= 0 && static_cast<long>(state.stats.frames) >= max_frames;
    if (last && screenshot) {
      if (save_screenshot(screenshot, display.framebuffer_width, display.framebuffer_height)) {
        std::printf("metalab-desktop: saved %s (%dx%d)\n", screenshot, display.framebuffer_width,
                    display.framebuffer_height);
      } else {
        std::fprintf(stderr, "metalab-desktop: could not write %s\n", screenshot);
        exit_code = 1;
      }
    }
    SDL_GL_SwapWindow(window);
    if (last) running = false;
  }

  metalab::web::frame_shutdown();
  SDL_GL_DeleteContext(gl);
  SDL_DestroyWindow(window);
  SDL_Quit();
  return exit_code;
}
