// Evaluating learners on held-out tasks: learning curves of the query loss
// after 0, 1, ..., S adaptation steps, with 95% confidence intervals, for any
// Learner (meta-learners and baselines alike) on the same tasks.
//
//   std::vector<Task> tasks = sample_tasks(source, Split::MetaTest, 1000, seed);
//   LearningCurve maml = evaluate_learner(*learner, tasks, 10);
//   maml.loss[1].mean, maml.loss[1].half_width   // after 1 step: mean +- 95% CI
//
// Every learner sees exactly the same tasks (same support and query points),
// so their curves differ only by the learner; paired_difference() uses that
// pairing for a tighter interval of the difference between two learners.
#pragma once

#include <string>
#include <vector>

#include "core/eval/statistics.h"
#include "core/learners/learner.h"
#include "core/tasks/task_source.h"

namespace metalab {
namespace eval {

// n tasks of a split, drawn in order from Rng(seed): the same tasks for a given
// seed on every platform. std::invalid_argument if n < 1.
std::vector<Task> sample_tasks(const TaskSource& source, Split split, int n, std::uint64_t seed);

struct LearningCurve {
  std::string learner;     // e.g. "maml"
  bool classification = false;
  // Per adaptation step 0..S: summary over tasks of the query loss (MSE or
  // cross-entropy) and of the metric (MSE, or accuracy in [0, 1]).
  std::vector<Summary> loss, metric;
  // per_task_loss[step][task] (kept for paired comparisons).
  std::vector<std::vector<double>> per_task_loss, per_task_metric;
  int steps() const { return static_cast<int>(loss.size()) - 1; }
};

// Adapts the learner to every task (through `parallel`, one task per index;
// results do not depend on the thread count) and summarises the query loss
// after 0..steps steps. Learners that adapt in one shot (iterative() false)
// give the same value at every step. std::invalid_argument for no tasks or
// steps < 0; the learner's own errors (e.g. a task of the wrong width) pass through.
LearningCurve evaluate_learner(const Learner& learner, const std::vector<Task>& tasks, int steps,
                               const ParallelFor& parallel = sequential_for);

// Mean and 95% t interval of a[i] - b[i] (paired by task).
Summary paired_difference(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace eval
}  // namespace metalab
