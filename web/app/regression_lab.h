// The regression lab: live meta-training (play / pause / step / reset, speed,
// learner and hyper-parameters), loss curves, an adaptation panel where the
// user edits a held-out task's support points and steps through adaptation of
// the meta-learner and the two baselines, and the exact vs first-order
// meta-gradient of that task.
#pragma once

#include <string>

#include "web/app/app_state.h"

namespace metalab::web {

void draw_regression_lab(AppState& state);

// "regression":{...} for the status JSON (iteration, checksum, widget rectangles...).
std::string regression_status_json(const AppState& state);

// The plain-words update rule of a learner (shared with the gene lab's help).
const char* update_rule_text(const std::string& learner);

}  // namespace metalab::web
