// The sinusoid task explorer's view: one task y = A sin(x + phi) of the MAML
// sinusoid distribution as a curve, its K support points as dots, and
// (faintly) other tasks from the same distribution. Controls: New task (key
// N), seed, K.
#pragma once

#include <cstdint>
#include <tuple>
#include <vector>

#include "core/tasks/sinusoid.h"
#include "web/app/labs/sinusoid/settings.h"
#include "web/app/page/layout.h"
#include "web/app/page/memo.h"

namespace metalab::web {

struct AppState;

// Task n of a seed is the n-th child stream of Rng(seed), so it does not
// depend on how the user got there; support points come from that stream
// after A and phi, so raising K keeps the first points where they were.
struct SinusoidDraw {
  SinusoidParams params;
  std::vector<float> support_x, support_y;
  std::vector<SinusoidParams> other_tasks;  // faint curves: more draws from the same distribution
};
SinusoidDraw draw_sinusoid_task(const SinusoidSettings& s);

struct SinusoidViewState {
  // "What am I looking at?" on narrow screens, where it sits under the plot and
  // can be collapsed. Auto: open only if the plot still gets enough height.
  enum class Help { Auto, Open, Closed } help = Help::Auto;
  Memo<std::tuple<std::uint64_t, int, int>, SinusoidDraw> draw;  // (seed, n, K)
  Rects rects;
};

void draw_sinusoid_explorer(AppState& state);

}  // namespace metalab::web
