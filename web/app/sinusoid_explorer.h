// View: the sinusoid task explorer.
//
// Shows one task y = A sin(x + phi) of the MAML sinusoid distribution as a
// curve, its K support points as dots, and (faintly) other tasks from the
// same distribution. Controls: New task (key N), seed, K.
#pragma once

#include "web/app/app_state.h"

namespace metalab::web {

void draw_sinusoid_explorer(AppState& state);

// Recomputes the task, its support points and the other tasks when
// (seed, task_index, k) changed since the last call. Task number t of a seed is
// the t-th child stream of Rng(seed), so it does not depend on how the user got
// there; support points come from that stream after A and phi, so raising K
// keeps the first points where they were.
void update_sinusoid_task(SinusoidExplorerState& s);

}  // namespace metalab::web
