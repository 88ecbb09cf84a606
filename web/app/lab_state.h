// State of the two labs (regression lab, gene lab) and what they share: the
// models being trained (one session per task family), the files fetched at
// start-up, and the page's in/out box (URL hash, downloads, uploads).
//
// Each view's own state is its own struct (RegressionLabState, GeneLabState);
// AppState holds one of each. Views keep no statics: caches live here too,
// with the key they were computed for.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/tasks/gene_expression.h"
#include "core/tasks/promoter.h"
#include "core/tasks/sinusoid.h"
#include "web/app/training_loop.h"

namespace metalab::web {

// Screen rectangles (logical pixels) of the widgets the browser test drives.
struct LabRect {
  float x = 0, y = 0, w = 0, h = 0;
};

// The trained models, shared by the labs: sessions["sinusoid"], ["promoter"], ["genes"].
struct LabModels {
  std::map<std::string, TrainingSession> sessions;
  AssetStore assets;
  double budget_ms = 6.0;   // training time per frame, adapted to what the rest of the frame costs
  double train_ms = 0;      // training time in the last frame (all sessions)
  double its_per_s = 0;     // all sessions together
  TrainingSession& session(const std::string& task) {
    TrainingSession& s = sessions[task];
    s.task = task;
    return s;
  }
};

// What the page and the app exchange besides drawing (web/platform moves it).
struct PageIo {
  // app -> page
  std::string hash;  // the URL hash the app wants (without '#'); the page calls history.replaceState
  struct Download {
    std::string name, bytes;
  };
  std::vector<Download> downloads;  // each becomes a Blob download
  bool open_file_dialog = false;    // click the page's <input type=file>
  // shown in the page
  std::string url_notice;  // invalid values in the URL hash, naming the key
  std::string last_error;  // the last upload / download error
  std::string last_message;
  long uploads = 0, downloads_made = 0;
};

// Predictions of the three models for one task, after 0..kAdaptSteps steps.
struct AdaptCache {
  long session_version = -1, task_version = -1;
  std::string task_name;
  double computed_ms = 0;
  Matrix eval_x, eval_y;                // sinusoid: a grid with the true curve; others: the query set
  AdaptedPredictions meta, pre, scratch;
};

struct RegressionLabState {
  std::string task = "sinusoid";  // which session the lab shows
  LabHyper edit;                  // the controls; applied to the session when no widget is active
  std::map<std::string, LabHyper> edit_by_task;  // remembered when switching task
  int adapt_step = 10;            // the adaptation slider
  bool show_meta = true, show_pretrain = true, show_scratch = true;
  bool show_help = true;

  // The held-out task: drawn from (seed, task_index); the user may edit its support points.
  int task_index = 0;
  long task_version = 0;
  struct Key {
    std::string task;
    std::uint64_t seed = 0;
    int index = -1, k = -1;
    bool operator==(const Key& o) const { return task == o.task && seed == o.seed && index == o.index && k == o.k; }
  } task_key;
  Task heldout;
  SinusoidParams truth;   // sinusoid only
  std::string task_info;  // e.g. "cell type 83" or "gene VEGFA"
  int dragging = -1;      // support point being dragged

  AdaptCache cache;
  MetaGradientCompare grad;
  long grad_session_version = -1, grad_task_version = -1;
  double grad_ms = 0;  // wall time of that computation
  double grad_at_ms = 0;
  std::string checksum;  // of the meta-learner's predictions at every step (browser test)
  std::string reset_error;

  struct Rects {
    LabRect plot, play, step, reset, adapt_slider, k_slider, new_task, download, upload, task_combo, learner_combo;
  } rects;
};

struct GeneLabState {
  int tab = 0;  // 0: synthetic promoters, 1: tissue expression
  int adapt_step = 5;
  std::uint64_t seed = 1;
  int promoter_index = 0;  // held-out cell type draw
  int gene_index = 0;      // held-out gene draw
  int selected_cell_row = 0;
  bool show_meta = true, show_pretrain = true, show_scratch = true;

  // Cached draws (recomputed when the key changes).
  struct PromoterView {
    long key_version = -1;
    int index = -1;
    std::uint64_t seed = 0;
    int k = -1;
    PromoterTask task;
    std::vector<int> other_cell_types;  // a few meta-train cell types for the heat strip
  } promoter;
  struct GeneView {
    int index = -1;
    std::uint64_t seed = 0;
    int k = -1;
    long source_version = -1;
    GeneExpressionTask task;
  } gene;
  AdaptCache promoter_cache, gene_cache;
  std::string checksum;
  struct Rects {
    LabRect sequences, weights, promoter_scatter, gene_scatter, tab_promoter, tab_genes, new_cell_type, new_gene,
        adapt_slider;
  } rects;
};

}  // namespace metalab::web
