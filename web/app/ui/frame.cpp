#include "web/app/ui/frame.h"

#include <algorithm>

#include <imgui.h>
#include <imgui_impl_opengl3.h>
#include <imgui_impl_sdl.h>

// GLES3 for WebGL2, SDL's desktop GL header natively; chosen by web/CMakeLists.txt.
#include METALAB_GL_HEADER

#include "web/app/ui/app.h"
#include "web/app/ui/fonts.h"

namespace metalab::web {

bool frame_init(AppState& state, SDL_Window* window, SDL_GLContext context, const char* glsl_version,
                std::string* error) {
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // layout is code; the page has no file system
  io.LogFilename = nullptr;
  io.ConfigFlags |= ImGuiConfigFlags_NavEnableKeyboard;
  if (!ImGui_ImplSDL2_InitForOpenGL(window, context)) {
    if (error) *error = "ImGui SDL2 backend failed to initialise";
    return false;
  }
  if (!ImGui_ImplOpenGL3_Init(glsl_version)) {
    if (error) *error = "ImGui OpenGL3 backend failed to initialise";
    return false;
  }
  // The string tables and lessons, before the first frame and before the URL
  // hash is applied (a lesson link opens its step at once).
  load_page_content(state);
  return true;
}

bool frame_event(AppState& state, const SDL_Event& event) {
  ImGui_ImplSDL2_ProcessEvent(&event);
  if (event.type == SDL_QUIT) return false;
  if (event.type == SDL_WINDOWEVENT && event.window.event == SDL_WINDOWEVENT_CLOSE) return false;
  // SDL turns a finger into mouse events marked SDL_TOUCH_MOUSEID (see touch_scroll in app.cpp).
  if (event.type == SDL_MOUSEBUTTONDOWN) state.touch = event.button.which == SDL_TOUCH_MOUSEID;
  if (event.type == SDL_KEYDOWN && !event.key.repeat && !ImGui::GetIO().WantTextInput &&
      (event.key.keysym.mod & (KMOD_CTRL | KMOD_ALT | KMOD_GUI)) == 0) {
    switch (event.key.keysym.sym) {
      case SDLK_n:
      case SDLK_e: state.shortcuts.new_sample = true; break;  // E: new episode (classification, memory labs)
      case SDLK_SPACE: state.shortcuts.play_pause = true; break;
      case SDLK_s: state.shortcuts.step = true; break;
      case SDLK_r: state.shortcuts.reset = true; break;
      // A lesson's next / previous step (presentation clickers send Page Down / Page Up).
      case SDLK_PAGEDOWN:
      case SDLK_RIGHT: state.shortcuts.next_step = true; break;
      case SDLK_PAGEUP:
      case SDLK_LEFT: state.shortcuts.previous_step = true; break;
      case SDLK_PLUS:
      case SDLK_EQUALS:
      case SDLK_KP_PLUS: state.ui.text_scale = std::min(3.0f, state.ui.text_scale + 0.25f); break;
      case SDLK_MINUS:
      case SDLK_KP_MINUS: state.ui.text_scale = std::max(0.75f, state.ui.text_scale - 0.25f); break;
      default: break;
    }
  }
  return true;
}

void frame_run(AppState& state, const Display& display) {
  const Uint64 start = SDL_GetPerformanceCounter();
  state.display = display;

  // Creates the GL objects on the first frame; fonts may be re-uploaded after it.
  ImGui_ImplOpenGL3_NewFrame();
  if (fonts_need_rebuild(state, display.pixel_ratio)) {
    rebuild_fonts_and_style(state, display.pixel_ratio);
    ImGui_ImplOpenGL3_DestroyFontsTexture();
    ImGui_ImplOpenGL3_CreateFontsTexture();
  }
  ImGui_ImplSDL2_NewFrame();
  // The platform knows the real canvas size (CSS pixels) and backing store
  // (physical pixels); SDL's own idea can lag a resize by a frame or round.
  ImGuiIO& io = ImGui::GetIO();
  if (display.width > 0 && display.height > 0) {
    io.DisplaySize = ImVec2(display.width, display.height);
    io.DisplayFramebufferScale =
        ImVec2(display.framebuffer_width / display.width, display.framebuffer_height / display.height);
  }

  // The labs' work (training, evaluations) before the UI is built, inside the
  // frame budget, whichever view is visible; then the UI draws what it left.
  const Uint64 jobs_start = SDL_GetPerformanceCounter();
  update_page(state, static_cast<double>(io.DeltaTime));
  const Uint64 ui_start = SDL_GetPerformanceCounter();
  ImGui::NewFrame();
  draw_app(state);
  state.shortcuts = Shortcuts{};
  state.control_active = ImGui::IsAnyItemActive();
  ImGui::Render();
  const Uint64 gl_start = SDL_GetPerformanceCounter();

  glViewport(0, 0, display.framebuffer_width, display.framebuffer_height);
  const ImVec4 bg = ImGui::GetStyle().Colors[ImGuiCol_WindowBg];
  glClearColor(bg.x, bg.y, bg.z, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
  const double ticks_ms = 1000.0 / static_cast<double>(SDL_GetPerformanceFrequency());
  state.stats.last_jobs_ms = static_cast<float>(static_cast<double>(ui_start - jobs_start) * ticks_ms);
  state.stats.last_ui_ms = static_cast<float>(static_cast<double>(gl_start - ui_start) * ticks_ms);
  state.stats.last_gl_ms = static_cast<float>(static_cast<double>(SDL_GetPerformanceCounter() - gl_start) * ticks_ms);

  // Frame statistics over a sliding window. The first frames are left out: they
  // compile shaders and upload the font texture.
  FrameStats& fs = state.stats;
  if (fs.frames >= 2) {
    const float cpu_ms = static_cast<float>(static_cast<double>(SDL_GetPerformanceCounter() - start) * 1000.0 /
                                            static_cast<double>(SDL_GetPerformanceFrequency()));
    fs.frame_history[fs.history_next] = io.DeltaTime * 1000.0f;
    fs.cpu_history[fs.history_next] = cpu_ms;
    fs.gl_history[fs.history_next] = fs.last_gl_ms;
    fs.history_next = (fs.history_next + 1) % FrameStats::kWindow;
    fs.history_size = std::min(fs.history_size + 1, FrameStats::kWindow);
    float frame_sum = 0, cpu_sum = 0, gl_sum = 0;
    for (int i = 0; i < fs.history_size; ++i) {
      frame_sum += fs.frame_history[i];
      cpu_sum += fs.cpu_history[i];
      gl_sum += fs.gl_history[i];
    }
    fs.gl_ms = gl_sum / static_cast<float>(fs.history_size);
    fs.frame_ms = frame_sum / static_cast<float>(fs.history_size);
    fs.cpu_ms = cpu_sum / static_cast<float>(fs.history_size);
  }
  ++state.stats.frames;
}

void frame_shutdown() {
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplSDL2_Shutdown();
  ImGui::DestroyContext();
}

}  // namespace metalab::web
