// Everything the front end knows, in one explicit struct, and what a frame
// does with it before the UI is built.
//
// Each lab is Settings + Job + View (web/app/labs/<lab>/): its settings are
// what a URL or a lesson sets, its jobs own models and training, and its view
// draws from both plus derived data memoised by key. AppState holds one of
// each lab; the platform layer (web/platform) never looks inside. No ImGui
// here: the page's logic builds natively and is tested in tests/web.
//
//   AppState st;
//   apply_url_hash(st, "view=regression&learner=reptile");   // url_state.h
//   update_page(st, 1.0 / 60);   // each frame: labs follow their settings, the scheduler runs jobs
//   std::string status = status_json(st);
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "web/app/labs/classification/lab.h"
#include "web/app/labs/gene/lab.h"
#include "web/app/labs/landscape/lab.h"
#include "web/app/labs/memory/lab.h"
#include "web/app/labs/regression/lab.h"
#include "web/app/labs/sinusoid/lab.h"
#include "web/app/page/assets.h"
#include "web/app/page/lesson_player.h"
#include "web/app/page/page_io.h"
#include "web/app/page/scheduler.h"
#include "web/app/page/strings.h"
#include "web/app/page/views.h"

namespace metalab::web {

// Page-wide display settings (the sidebar's controls).
struct UiSettings {
  float text_scale = 1.0f;  // the "Text size" control (projectors: 1.5-2)
  bool dark_theme = false;  // light is easier to read on most projectors
  bool show_frame_stats = true;
  // Presenter mode (present=1 in the URL): larger text, no sidebar or frame
  // statistics, views leave out their secondary panels.
  bool presenter = false;
  // The language a link without lang= opens in: Chinese when the browser's
  // preferred language is Chinese (set_browser_language), else English.
  std::string default_language = "en";
};
// Presenter mode enlarges the chosen text size by this factor.
constexpr float kPresenterTextScale = 1.5f;
float effective_text_scale(const UiSettings& ui);

// The drawable area, filled by the platform layer each frame.
struct Display {
  float width = 0, height = 0;                        // logical pixels (CSS pixels in the page)
  int framebuffer_width = 0, framebuffer_height = 0;  // physical pixels
  float pixel_ratio = 1.0f;                           // devicePixelRatio
};

struct FrameStats {
  std::uint64_t frames = 0;
  float frame_ms = 0;  // mean wall time between frames, over the last kWindow frames
  float cpu_ms = 0;    // mean time spent building and submitting our frame (jobs + UI + GL calls)
  float last_jobs_ms = 0, last_ui_ms = 0, last_gl_ms = 0;  // the last frame: jobs / building the UI / GL submission
  float gl_ms = 0;  // mean time in GL calls over the window (part of cpu_ms)
  static constexpr int kWindow = 60;
  float frame_history[kWindow] = {};
  float cpu_history[kWindow] = {};
  float gl_history[kWindow] = {};
  int history_size = 0, history_next = 0;
};

// Keyboard shortcuts, translated by the frame loop (not while typing in a
// field) and consumed by the visible view in the same frame.
struct Shortcuts {
  bool new_sample = false;  // N or E: new task / new episode
  bool play_pause = false;  // Space: start / pause training
  bool step = false;        // S: one training iteration
  bool reset = false;       // R: reset training
  bool next_step = false;   // Page Down / right arrow: the lesson's next step
  bool previous_step = false;  // Page Up / left arrow: the previous step
};

// The fonts and style currently built (the frame loop rebuilds them when the
// text scale, theme or pixel ratio change).
struct FontsBuilt {
  float pixels = 0;
  float text_scale = 0;
  bool dark_theme = false;
  bool unicode = false;  // false: ImGui's built-in ASCII font (no Greek letters)
  int atlas_width = 0, atlas_height = 0;  // the font texture, in pixels
  std::string language;  // the glyphs are those of this language's text (and English)
  int missing_glyphs = 0;  // characters drawn (or in the page's texts) that the atlas lacks, since it was built
};

struct AppState {
  ViewId view = ViewId::SinusoidExplorer;
  UiSettings ui;
  Display display;
  FrameStats stats;
  Shortcuts shortcuts;
  FontsBuilt fonts;
  bool control_active = false;  // a widget was held down at the end of the last frame
  bool touch = false;           // the last press came from a finger (drags on empty space scroll)

  SinusoidLab sinusoid;
  RegressionLab regression;
  GeneLab gene;
  ClassificationLab classification;
  MemoryLab memory;
  LandscapeLab landscape;

  Strings strings;      // the page's text by key (assets/i18n), see strings.h
  LessonState lessons;  // assets/lessons and the one open, see lesson_player.h

  AssetStore assets;   // files fetched at start-up, uploads kept for a lab
  PageIo page;         // URL hash, downloads, uploads (moved by web/platform)
  Scheduler scheduler;
};

// Loads the string tables and lessons compiled into the program (content.h);
// a file that does not load is named in page.last_error or the lessons' errors.
void load_page_content(AppState& state);

// What hidden labs do: a lab's training jobs keep training while another view
// is shown (the sidebar marks them, the overlay counts their iterations); the
// work a view needs only to draw itself (evaluation curves) runs only while
// that view is visible.
//
// Before the UI of each frame: the visible lab's jobs follow its settings
// (built or rebuilt as needed), then the scheduler runs every job that wants
// time within the frame budget. dt_s: seconds since the last frame.
void update_page(AppState& state, double dt_s);

// The jobs that train in the background now (for the sidebar and overlay).
std::vector<const Job*> training_jobs(const AppState& state);

// The snapshot the page publishes as window.metalab.status (view, display,
// labs, page notices) for the page's JavaScript and the browser tests.
std::string status_json(AppState& state);

}  // namespace metalab::web
