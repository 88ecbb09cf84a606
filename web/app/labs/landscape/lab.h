// The meta-loss landscape lab: settings, the task set, the grid of the
// meta-objective, the update vectors at the dragged theta and the walkers.
//
//   LandscapeLab& lab = state.landscape;
//   lab.settings.steps = 3;                 // a control, the URL or a lesson step
//   sync_landscape(lab, true);              // before the UI: problem, grid, vectors, walkers follow
//   if (LandscapeWalkersJob* w = lab.walkers()) w->playing = true;
#pragma once

#include <cstdint>
#include <memory>
#include <tuple>

#include <nlohmann/json.hpp>

#include "web/app/labs/landscape/job.h"
#include "web/app/labs/landscape/settings.h"
#include "web/app/labs/landscape/view.h"
#include "web/app/page/memo.h"

namespace metalab::web {

struct LandscapeLab {
  LandscapeSettings settings;
  bool reset_requested = false;  // Reset pressed: the walkers start again from theta

  // (seed, K, tasks) -> the tasks the objectives average over.
  Memo<std::tuple<std::uint64_t, int, int>, std::shared_ptr<const LandscapeProblem>> problem;
  LandscapeGridJob grid;
  // (problem, alpha, m, theta1, theta2) -> the update vectors at theta.
  Memo<std::tuple<const LandscapeProblem*, float, int, float, float>, UpdateVectors> vectors;
  // (problem, alpha, m, theta1, theta2, beta, resets) -> the walkers.
  Memo<std::tuple<const LandscapeProblem*, float, int, float, float, float, int>, std::unique_ptr<LandscapeWalkersJob>>
      built;
  int resets = 0;
  LandscapeViewState view;

  LandscapeWalkersJob* walkers() { return built.mutable_last() ? built.mutable_last()->get() : nullptr; }
  const LandscapeWalkersJob* walkers() const { return built.last() ? built.last()->get() : nullptr; }
};

// Builds what the settings need; the grid computes only while visible.
void sync_landscape(LandscapeLab& lab, bool visible);
// Reset: the walkers start again from theta (from the next sync on).
void reset_landscape(LandscapeLab& lab);

// "landscape": {...} of the status JSON.
nlohmann::json landscape_status(const LandscapeLab& lab);

}  // namespace metalab::web
