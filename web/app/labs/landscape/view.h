// The meta-loss landscape lab's view: the meta-objective M_m over (theta1,
// theta2) beside the pretraining objective P, both on one logarithmic colour
// scale with their minima marked; the point theta the student drags (mouse or
// finger) with the update vectors of MAML, first-order MAML, Reptile and
// pretraining; the walkers' paths; and a table of the vectors.
#pragma once

#include "web/app/page/layout.h"

namespace metalab::web {

struct AppState;

struct LandscapeViewState {
  bool show_help = true;
  bool dragging = false;  // theta is being dragged
  Rects rects;
};

void draw_landscape_lab(AppState& state);

}  // namespace metalab::web
