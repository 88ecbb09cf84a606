// The memory lab: a memory-augmented network (MANN, Santoro et al. 2016)
// replayed step by step on one episode of glyphs (the input, its delayed
// label, the prediction, the memory matrix, read/write weights and usage over
// time), and its accuracy by presentation compared with an LSTM and a
// feed-forward network on meta-test episodes.
//
// It opens with the three networks shipped in assets/checkpoints/
// (mann-, lstm-, feedforward-glyphs14.safetensors, trained natively by
// scripts/make-web-checkpoints.sh: 14 x 14 glyphs, 5-way episodes of 10
// presentations per class; the MANN has a controller of 100 units, 64 memory
// slots of width 32 and 4 read heads), so the replay shows a working memory
// from the first second. Episodes are drawn from the task distribution the
// checkpoints record. Training them further here is possible but starts
// paused: one BPTT update of that MANN (one episode, a quarter of the native
// step size) takes longer than a frame in WebAssembly, so it runs every few frames. "Reset" (or a checkpoint that fails to load) switches to
// three tiny networks trained live from scratch (3-way x 6, controller 32,
// 24 x 16 memory, one head), a few iterations per frame inside the budget.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/common/rng.h"
#include "core/learners/mann.h"
#include "core/tasks/sequence_episodes.h"
#include "web/app/lab_state.h"

namespace metalab::web {

struct AppState;

struct MemoryLabState {
  std::uint64_t seed = 1;
  int episode_index = 0;
  int step = 0;             // replay position
  bool replaying = false;   // the replay's Play button
  double replay_clock = 0;  // seconds since the last replay step
  bool training = false;    // the models train in the background of this view
  bool show_help = true;

  // Which weights: the shipped checkpoints (until Reset) or tiny models trained here.
  bool want_shipped = true;  // false after Reset
  bool shipped = false;      // models[] came from the shipped checkpoints
  bool shipped_tried = false;  // they were loaded (or failed to) once; not retried
  double wait_since_ms = -1;   // when the view first waited for them to be fetched
  bool shipped_failed = false;  // they could not be loaded (m.error says why): no button to retry
  long shipped_iterations[3] = {0, 0, 0};  // native training iterations recorded in the files

  std::uint64_t built_seed = 0;
  bool built = false;
  std::shared_ptr<const SequenceEpisodeSource> source;
  int ways = 0, instances = 0, image_size = 0;  // of source
  std::unique_ptr<MannLearner> models[3];  // mann, lstm, feedforward
  Rng train_rng;
  int next_model = 0;
  long version = 0;
  double train_ms = 0, its_per_s = 0, rate_window_s = 0;
  double iter_ms = 0, credit = 0;  // one training iteration (moving average); budget owed
  double last_iter_ms[3] = {0, 0, 0};  // the last update of each model (they differ by 10-100x)
  long rate_window_iters = 0;
  std::string error;
  std::string uploaded;  // "lstm from FILE (iteration N)" after an upload, for the weights line

  SequenceEpisode episode;
  MemoryTrace trace;
  long trace_index = -1, trace_version = -1;
  double trace_at_ms = 0;

  // Accuracy by presentation (1..instances) per model, on fixed meta-test
  // episodes, accumulated a few episodes per frame (eval_episodes drawn lazily
  // from eval_rng; the partial sums of the model being evaluated).
  std::vector<double> by_instance[3];
  double overall[3] = {0, 0, 0};
  long eval_iteration[3] = {-1, -1, -1};
  double eval_at_ms = -1e9;
  int eval_next = 0;
  std::vector<SequenceEpisode> eval_episodes;
  Rng eval_rng;
  std::vector<InstanceAccuracy> partial;  // [model] while an evaluation runs
  int partial_done = 0;
  long partial_iteration = -1;  // the model's iteration when its evaluation started
  double eval_ms = 0;           // evaluation time in the last frame
  std::string checksum;

  struct Rects {
    LabRect input, memory, weights, accuracy, step_slider, play, next, prev, new_episode, train, reset, use_shipped,
        download;
  } rects;
};

void draw_memory_lab(AppState& state);
// The MANN as safetensors bytes, with the task its episodes come from (so the
// page and `metalab eval` can rebuild them); throws if there is none yet.
std::string memory_checkpoint_bytes(const MemoryLabState& m, std::string* file_name);
// An uploaded mann / lstm / feedforward checkpoint replaces that network if it
// was trained on the episodes the lab shows and fits them: "", or why not (and
// nothing changes).
std::string memory_receive_checkpoint(MemoryLabState& m, const std::string& name, const Checkpoint& ckpt);
// ,"memory":{...} (with the leading comma)
std::string memory_status_json(const AppState& state);

}  // namespace metalab::web
