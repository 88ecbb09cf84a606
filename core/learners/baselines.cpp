#include "core/learners/baselines.h"

#include <stdexcept>

namespace metalab {

PretrainBaseline::PretrainBaseline(LearnerConfig config) : Learner(std::move(config)) {
  Rng rng(config_.seed);
  params_ = model_.init(rng);
  optimizer_ = make_outer_optimizer(config_);
}

StepStats PretrainBaseline::meta_step(const std::vector<Task>& batch) {
  if (batch.empty()) throw std::invalid_argument("pretrain: meta_step needs at least one task");
  if (model_.config().classification)
    throw std::invalid_argument(
        "pretrain: pooling episodes with per-episode labels is meaningless for classification; use the "
        "classification pretrain baseline");
  ad::EnableGradGuard differentiate;
  std::vector<Tensorf> xs, ys;
  for (const Task& t : batch) {
    validate_task(model_, t, "pretrain");
    xs.emplace_back(t.support_x);
    ys.emplace_back(t.support_y);
    if (t.query_x.rows() > 0) {
      xs.emplace_back(t.query_x);
      ys.emplace_back(t.query_y);
    }
  }
  const Tensorf x = ad::concat_rows(xs);
  const Matrix y = ad::concat_rows(ys).value();
  const Tensorf loss = model_.loss(model_.forward(params_, x), y);
  StepStats stats;
  stats.loss = stats.pre_loss = loss.item();
  check_finite(stats.loss, "the pooled training loss");
  std::vector<Tensorf> g = ad::grad(loss, params_.tensors());
  stats.grad_norm = config_.grad_clip > 0 ? optim::clip_grad_norm(g, config_.grad_clip) : optim::global_norm(g);
  check_finite(stats.grad_norm, "the gradient norm");
  optimizer_->step(params_, g);
  ++iteration_;
  return stats;
}

std::vector<Predictor> PretrainBaseline::adapt(const Task& task, int steps) const {
  if (steps < 0) throw std::invalid_argument("adapt: steps must be >= 0");
  return sgd_adapt_path(model_, params_, task, steps, config_.inner_lr);
}

ScratchBaseline::ScratchBaseline(LearnerConfig config) : Learner(std::move(config)) {
  Rng rng(config_.seed);
  params_ = model_.init(rng);
}

StepStats ScratchBaseline::meta_step(const std::vector<Task>& batch) {
  StepStats stats;
  ad::NoGradGuard no_grad;
  for (const Task& t : batch) {
    validate_task(model_, t, "scratch");
    stats.pre_loss += model_.loss(model_.forward(params_, Tensorf(t.support_x)), t.support_y).item();
  }
  stats.pre_loss /= static_cast<double>(batch.empty() ? 1 : batch.size());
  stats.loss = stats.pre_loss;
  ++iteration_;
  return stats;
}

std::vector<Predictor> ScratchBaseline::adapt(const Task& task, int steps) const {
  if (steps < 0) throw std::invalid_argument("adapt: steps must be >= 0");
  return adam_adapt_path(model_, params_, task, steps, config_.scratch_lr);
}

}  // namespace metalab
