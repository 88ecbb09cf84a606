// The memory lab's view: the memory-augmented network replayed step by step
// on one meta-test episode of glyphs (the input, its delayed label, the
// prediction, the memory matrix, read / write weights and usage over time),
// and its accuracy by presentation against an LSTM and a feed-forward network.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>

#include "core/learners/mann.h"
#include "core/tasks/sequence_episodes.h"
#include "web/app/page/layout.h"
#include "web/app/page/memo.h"

namespace metalab::web {

struct AppState;
class MemoryJob;

// The MANN on one episode, step by step.
struct EpisodeTrace {
  SequenceEpisode episode;
  MemoryTrace trace;
  std::string checksum;  // of the predictions (browser test)
  std::string error;
};
EpisodeTrace trace_episode(const MemoryJob& job, std::uint64_t seed, int episode_index);

struct MemoryViewState {
  int step = 0;             // replay position
  bool replaying = false;   // the replay's Play button
  double replay_clock = 0;  // seconds since the last replay step
  bool show_help = true;
  // Which episode `step` refers to: a new episode starts mid-way, where the
  // memory already holds bindings.
  std::tuple<long long, std::uint64_t, int> step_for{-1, 0, -1};
  Throttle clock{500};
  // (job, weights, seed, episode) -> the trace replayed.
  Memo<std::tuple<long long, long long, std::uint64_t, int>, EpisodeTrace> trace;
  Rects rects;
};

void draw_memory_lab(AppState& state);

}  // namespace metalab::web
