#include "core/eval/evaluate.h"

#include <stdexcept>

#include "core/autodiff/tensor.h"

namespace metalab {
namespace eval {

std::vector<Task> sample_tasks(const TaskSource& source, Split split, int n, std::uint64_t seed) {
  if (n < 1) throw std::invalid_argument("sample_tasks: the number of tasks must be >= 1, got " + std::to_string(n));
  Rng rng(seed);
  std::vector<Task> tasks;
  tasks.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) tasks.push_back(source.sample(split, rng));
  return tasks;
}

LearningCurve evaluate_learner(const Learner& learner, const std::vector<Task>& tasks, int steps,
                               const ParallelFor& parallel) {
  if (tasks.empty()) throw std::invalid_argument("evaluate_learner: no tasks");
  if (steps < 0) throw std::invalid_argument("evaluate_learner: steps must be >= 0");
  const Model& model = learner.model();
  const std::size_t n = tasks.size(), s_count = static_cast<std::size_t>(steps) + 1;
  LearningCurve curve;
  curve.learner = learner.kind();
  curve.classification = model.config().classification;
  curve.per_task_loss.assign(s_count, std::vector<double>(n, 0.0));
  curve.per_task_metric.assign(s_count, std::vector<double>(n, 0.0));
  parallel(static_cast<int>(n), [&](int i) {
    const Task& task = tasks[static_cast<std::size_t>(i)];
    if (task.query_x.rows() == 0) throw std::invalid_argument("evaluate_learner: a task has no query points");
    const std::vector<Predictor> path = learner.adapt(task, steps);
    if (path.empty()) throw std::logic_error(learner.kind() + ": adapt() returned no predictor");
    ad::NoGradGuard no_grad;
    for (std::size_t s = 0; s < s_count; ++s) {
      const Predictor& predict = path[std::min(s, path.size() - 1)];
      const Matrix out = predict(task.query_x);
      curve.per_task_loss[s][static_cast<std::size_t>(i)] = model.loss(Tensorf(out), task.query_y).item();
      curve.per_task_metric[s][static_cast<std::size_t>(i)] = model.metric(out, task.query_y);
    }
  });
  for (std::size_t s = 0; s < s_count; ++s) {
    curve.loss.push_back(summarize(curve.per_task_loss[s]));
    curve.metric.push_back(summarize(curve.per_task_metric[s]));
  }
  return curve;
}

Summary paired_difference(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) throw std::invalid_argument("paired_difference: samples differ in size");
  std::vector<double> d(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) d[i] = a[i] - b[i];
  return summarize(d);
}

}  // namespace eval
}  // namespace metalab
