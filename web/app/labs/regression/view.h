// The regression lab's view: live meta-training (play / pause / step / reset,
// speed, learner and hyper-parameters), loss curves, an adaptation panel where
// the user edits a held-out task's support points and steps through
// adaptation of the meta-learner and the two baselines, and the exact vs
// first-order meta-gradient of that task. It draws from the lab's settings,
// its job and the derived data below (memoised by what they depend on).
#pragma once

#include <cstdint>
#include <string>
#include <tuple>

#include "core/tasks/sinusoid.h"
#include "web/app/labs/regression/job.h"
#include "web/app/page/layout.h"
#include "web/app/page/memo.h"

namespace metalab::web {

struct AppState;

// The held-out task the adaptation panel shows: drawn from (task family,
// seed, index, K); the user may then add, move and remove support points.
struct HeldOutTask {
  Task task;
  SinusoidParams truth;  // sinusoid only
  std::string info;      // e.g. "A = 2.31, phase = 1.05" or "gene VEGFA (meta-test)"
};

struct RegressionViewState {
  int task_index = 0;  // "New held-out task" presses
  bool show_meta = true, show_pretrain = true, show_scratch = true, show_help = true;
  int dragging = -1;  // support point being dragged

  // (task family, seed, index, K) -> the drawn task, which the user edits in place.
  Memo<std::tuple<std::string, std::uint64_t, int, int>, HeldOutTask> heldout;
  // (job, weights, held-out task content) -> predictions of the three models.
  Throttle predictions_clock{250}, gradient_clock{600};
  Memo<std::tuple<long long, long long, std::uint64_t>, AdaptedModels> predictions;
  Memo<std::tuple<long long, long long, std::uint64_t>, MetaGradientCompare> gradient;
  std::string checksum;  // of the meta-learner's predictions (browser test)
  Rects rects;
};

void draw_regression_lab(AppState& state);

// The plain-words update rule of a learner (shared with the gene lab's help).
const char* update_rule_text(const std::string& learner);
// A learner's title in the page's language (the regression table's choice).
std::string regression_learner_title(const std::string& learner);
// A regression job's origin, notice or error (English state, read by the
// status and the tests) in the page's language; as it is when no template of
// the job's texts made it.
std::string shown_job_text(const AppState& st, const std::string& text);

}  // namespace metalab::web
