// Settings of the meta-loss landscape lab: what a URL or a lesson can set.
//   #view=landscape&steps=1&alpha=0.1&K=10&tasks=25&theta1=1&theta2=0&beta=0.05&seed=1
// The model has two parameters, f(x) = theta1 sin(x + theta2); its tasks are
// the sinusoids of the regression lab. steps (m) is the number of inner steps
// of the meta-objective drawn and of the update vectors; (theta1, theta2) is
// the point the student drags, where the vectors are drawn and the walkers
// start; beta is the walkers' outer step size.
#pragma once

#include <cstdint>

#include "web/app/page/settings.h"

namespace metalab::web {

// The plot's range of theta1 (amplitude) and theta2 (phase, one period).
constexpr double kTheta1Min = -1.0, kTheta1Max = 6.0;
constexpr double kTheta2Min = -1.5707963267948966, kTheta2Max = 4.71238898038469;
// The meta-objective is drawn for 0..kMaxInnerSteps inner steps.
constexpr int kMaxInnerSteps = 5;

struct LandscapeSettings {
  int steps = 1;          // m: inner steps
  float alpha = 0.1f;     // inner step size
  int k = 10;             // support points per task (and as many query points)
  int tasks = 25;         // tasks the objectives average over
  float theta1 = 1.0f;    // amplitude of the dragged point
  float theta2 = 0.0f;    // phase of the dragged point
  float beta = 0.05f;     // the walkers' outer step size
  std::uint64_t seed = 1; // draws the tasks
};

const SettingsTable<LandscapeSettings>& landscape_settings();

}  // namespace metalab::web
