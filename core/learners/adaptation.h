// Shared pieces of the optimization-based learners: the inner loop that
// fine-tunes a copy of the parameters on a support set, and the outer
// optimizer built from a learner's config.
#pragma once

#include <memory>
#include <vector>

#include "core/learners/learner.h"
#include "core/optim/optimizers.h"

namespace metalab {

// Predictors after 0..steps plain SGD steps on task.support_* from `start`.
// Only parameters with adapt[i] set change (nullptr: all); step sizes are
// `lr`, or per element from `lrs` (Meta-SGD) when given.
std::vector<Predictor> sgd_adapt_path(const Model& model, const ParamsF& start, const Task& task, int steps, float lr,
                                      const std::vector<bool>* adapt = nullptr, const ParamsF* lrs = nullptr);

// Predictors after 0..steps Adam steps on task.support_* from `start`.
std::vector<Predictor> adam_adapt_path(const Model& model, const ParamsF& start, const Task& task, int steps, float lr);

// A predictor that runs the model with fixed (detached) parameters.
Predictor make_predictor(const Model& model, const ParamsF& params);

std::unique_ptr<optim::Optimizer<float>> make_outer_optimizer(const LearnerConfig& config);

// Writes an optimizer's state as "optim.<key>" tensors, and reads it back.
void save_optimizer_state(const optim::Optimizer<float>& opt, Checkpoint& ckpt);
void load_optimizer_state(optim::Optimizer<float>& opt, const ParamsF& params, const Checkpoint& ckpt);

// Sums per-task gradient lists in index order (deterministic whatever the
// thread count) and divides by their number.
std::vector<Tensorf> average_gradients(const std::vector<std::vector<Tensorf>>& per_task);

void validate_task(const Model& model, const Task& task, const char* who);

}  // namespace metalab
