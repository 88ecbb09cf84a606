#include "core/learners/reptile.h"

#include <cmath>
#include <stdexcept>

namespace metalab {

Reptile::Reptile(LearnerConfig config) : Learner(std::move(config)) {
  Rng rng(config_.seed);
  params_ = model_.init(rng);
}

StepStats Reptile::meta_step(const std::vector<Task>& batch) {
  if (batch.empty()) throw std::invalid_argument("reptile: meta_step needs at least one task");
  struct Result {
    std::vector<Mat<float>> adapted;
    double support_loss = 0, query_loss = 0, metric = 0;
  };
  std::vector<Result> results(batch.size());
  parallel_(static_cast<int>(batch.size()), [&](int t) {
    const Task& task = batch[static_cast<std::size_t>(t)];
    validate_task(model_, task, "reptile");
    ad::EnableGradGuard differentiate;
    ParamsF phi = params_.clone();
    const Tensorf xs(task.support_x);
    Result& r = results[static_cast<std::size_t>(t)];
    for (int s = 0; s < config_.inner_steps; ++s) {
      const Tensorf loss = model_.loss(model_.forward(phi, xs), task.support_y);
      if (s == 0) r.support_loss = loss.item();
      const std::vector<Tensorf> g = ad::grad(loss, phi.tensors());
      for (std::size_t i = 0; i < phi.size(); ++i) phi[i].mutable_value() -= config_.inner_lr * g[i].value();
    }
    if (task.query_x.rows() > 0) {
      ad::NoGradGuard no_grad;
      const Tensorf out = model_.forward(phi, Tensorf(task.query_x));
      r.query_loss = model_.loss(out, task.query_y).item();
      r.metric = model_.metric(out.value(), task.query_y);
    }
    for (std::size_t i = 0; i < phi.size(); ++i) r.adapted.push_back(phi[i].value());
  });

  StepStats stats;
  std::vector<Mat<float>> mean_phi = results[0].adapted;
  for (std::size_t t = 1; t < results.size(); ++t)
    for (std::size_t i = 0; i < mean_phi.size(); ++i) mean_phi[i] += results[t].adapted[i];
  const float inv = 1.0f / static_cast<float>(results.size());
  double sq = 0;
  for (std::size_t i = 0; i < mean_phi.size(); ++i) {
    mean_phi[i] *= inv;
    sq += static_cast<double>((params_[i].value() - mean_phi[i]).squaredNorm());
  }
  for (const auto& r : results) {
    stats.loss += r.query_loss;
    stats.pre_loss += r.support_loss;
    stats.metric += r.metric;
  }
  const double n = static_cast<double>(results.size());
  stats.loss /= n;
  stats.pre_loss /= n;
  stats.metric /= n;
  stats.grad_norm = std::sqrt(sq);
  check_finite(stats.grad_norm, "the Reptile update");
  check_finite(stats.pre_loss, "the support loss");
  for (std::size_t i = 0; i < mean_phi.size(); ++i)
    params_[i].mutable_value() += config_.reptile_epsilon * (mean_phi[i] - params_[i].value());
  ++iteration_;
  return stats;
}

std::vector<Predictor> Reptile::adapt(const Task& task, int steps) const {
  if (steps < 0) throw std::invalid_argument("adapt: steps must be >= 0");
  return sgd_adapt_path(model_, params_, task, steps, config_.inner_lr);
}

}  // namespace metalab
