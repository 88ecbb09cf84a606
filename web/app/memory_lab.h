// The memory lab: a memory-augmented network (MANN, Santoro et al. 2016)
// replayed step by step on one episode of glyphs (the input, its delayed
// label, the prediction, the memory matrix, read/write weights and usage over
// time), and its accuracy by presentation compared with an LSTM and a
// feed-forward network. All three are small and trained in the page (a few
// iterations per frame inside the budget): 14 x 14 glyphs, 3-way episodes of
// 6 presentations per class, controller of 32 units, 24 memory slots of width
// 16, one read head. A training iteration can take longer than a frame's
// budget in WebAssembly; it then runs every few frames (the mean stays in budget).
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
  bool training = true;     // the models train in the background of this view
  bool show_help = true;

  std::uint64_t built_seed = 0;
  bool built = false;
  std::shared_ptr<const SequenceEpisodeSource> source;
  std::unique_ptr<MannLearner> models[3];  // mann, lstm, feedforward
  Rng train_rng;
  int next_model = 0;
  long version = 0;
  double train_ms = 0, its_per_s = 0, rate_window_s = 0;
  double iter_ms = 0, credit = 0;  // one training iteration (moving average); budget owed
  long rate_window_iters = 0;
  std::string error;

  SequenceEpisode episode;
  MemoryTrace trace;
  long trace_index = -1, trace_version = -1;
  double trace_at_ms = 0;

  // Accuracy by presentation (1..instances) per model, on fixed meta-test episodes.
  std::vector<double> by_instance[3];
  double overall[3] = {0, 0, 0};
  long eval_iteration[3] = {-1, -1, -1};
  double eval_at_ms = -1e9;
  int eval_next = 0;
  std::string checksum;

  struct Rects {
    LabRect input, memory, weights, accuracy, step_slider, play, next, prev, new_episode, train;
  } rects;
};

void draw_memory_lab(AppState& state);
// ,"memory":{...} (with the leading comma)
std::string memory_status_json(const AppState& state);

}  // namespace metalab::web
