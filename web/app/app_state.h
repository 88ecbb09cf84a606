// Everything the front end knows, in one explicit struct.
//
// ImGui is immediate mode: each frame, every view is a plain function of
// AppState& that draws itself and writes back what the user changed. Nothing
// else holds UI state (no statics in views), so a state can be inspected,
// serialised into the URL hash later, or set up by a test.
//
// A new view (regression lab, classification lab, ...) adds its own
// `<Name>State` struct here, a member in AppState, and one entry in the view
// list (kViews in app.cpp). The platform layer (web/platform) never looks inside.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/tasks/sinusoid.h"
#include "web/app/classification_lab.h"  // ClassificationLabState
#include "web/app/lab_state.h"  // regression lab, gene lab, trained models, page in/out
#include "web/app/memory_lab.h"  // MemoryLabState

namespace metalab::web {

// The views, in sidebar order. Views without a draw function yet are listed
// as "coming soon" so the layout is visible from day one.
enum class ViewId { SinusoidExplorer, RegressionLab, ClassificationLab, MemoryLab, GeneLab };

// --- per-view state ----------------------------------------------------------

struct SinusoidExplorerState {
  // What the user controls.
  std::uint64_t seed = 1;
  int task_index = 0;  // how many times "New task" was pressed since the seed was set
  int k = 10;          // support points shown (K-shot), 1..50
  bool show_other_tasks = true;
  // "What am I looking at?" on narrow screens, where it sits under the plot and
  // can be collapsed. Auto: open only if the plot still gets enough height.
  enum class Help { Auto, Open, Closed } help = Help::Auto;

  // Derived from (seed, task_index, k); recomputed when `computed_for` differs.
  struct Key {
    std::uint64_t seed = 0;
    int task_index = -1, k = -1;
    bool operator==(const Key& o) const { return seed == o.seed && task_index == o.task_index && k == o.k; }
  } computed_for;
  SinusoidParams params;
  std::vector<float> support_x, support_y;
  std::vector<SinusoidParams> other_tasks;  // faint curves: more draws from the same distribution
};

// --- shared by all views -----------------------------------------------------

struct UiSettings {
  float text_scale = 1.0f;  // the "Text size" control (projectors: 1.5-2)
  bool dark_theme = false;  // light is easier to read on most projectors
  bool show_frame_stats = true;
};

// The drawable area, filled by the platform layer each frame.
struct Display {
  float width = 0, height = 0;  // logical pixels (CSS pixels in the page)
  int framebuffer_width = 0, framebuffer_height = 0;  // physical pixels
  float pixel_ratio = 1.0f;                           // devicePixelRatio
};

struct FrameStats {
  std::uint64_t frames = 0;
  float frame_ms = 0;  // mean wall time between frames, over the last kWindow frames
  float cpu_ms = 0;    // mean time spent building and submitting our frame (UI + GL calls)
  float last_ui_ms = 0, last_gl_ms = 0;  // the last frame: building the UI (incl. training) / GL submission
  float gl_ms = 0;  // mean time in GL calls over the window (part of cpu_ms)
  // The ring buffers behind the means.
  static constexpr int kWindow = 60;
  float frame_history[kWindow] = {};
  float cpu_history[kWindow] = {};
  float gl_history[kWindow] = {};
  int history_size = 0, history_next = 0;
};

// Keyboard shortcuts, translated by the frame loop (not while typing in a field)
// and consumed by the active view in the same frame.
struct Shortcuts {
  bool new_sample = false;  // N: new task / new sample
  bool play_pause = false;  // Space: start / pause training
  bool step = false;        // S: one training iteration
  bool reset = false;       // R: reset training
};

// Where things are on screen (logical pixels), refreshed each frame. Lets the
// browser test click the real button instead of guessing coordinates.
struct Rect {
  float x = 0, y = 0, w = 0, h = 0;
};
struct Layout {
  Rect new_task_button;
  Rect plot;
};

struct AppState {
  ViewId view = ViewId::SinusoidExplorer;
  UiSettings ui;
  Display display;
  FrameStats stats;
  Shortcuts shortcuts;
  Layout layout;

  SinusoidExplorerState sinusoid;
  RegressionLabState regression;
  GeneLabState gene;
  ClassificationLabState classification;
  MemoryLabState memory;
  LabModels models;  // trained models shared by the labs
  PageIo page;       // URL hash, downloads, uploads (moved by web/platform)

  // The fonts and style currently built (the frame loop rebuilds them when the
  // text scale, theme or pixel ratio change).
  struct Built {
    float font_pixels = 0;
    float text_scale = 0;
    bool dark_theme = false;
    bool unicode_font = false;  // false: ImGui's built-in ASCII font (no Greek letters)
  } built;
};

}  // namespace metalab::web
