#include "core/learners/maml.h"

#include <stdexcept>

#include "core/learners/registry.h"

namespace metalab {

GradientMetaLearner::GradientMetaLearner(LearnerConfig config) : Learner(std::move(config)) {
  Rng rng(config_.seed);
  params_ = model_.init(rng);
  for (std::size_t i = 0; i < params_.size(); ++i)
    adapt_mask_.push_back(!info().head_only() || model_.is_head(params_.name(i)));
  trainable_ = params_;
  if (meta_sgd()) {
    for (std::size_t i = 0; i < params_.size(); ++i) {
      Tensorf lr(Mat<float>::Constant(params_[i].rows(), params_[i].cols(), config_.metasgd_init_lr), true);
      step_sizes_.add("lr." + params_.name(i), lr);
      trainable_.add("lr." + params_.name(i), lr);
    }
  }
  optimizer_ = make_outer_optimizer(config_);
}

bool GradientMetaLearner::meta_sgd() const { return info().step_sizes(); }
bool GradientMetaLearner::first_order() const { return config_.first_order || info().first_order(); }

void GradientMetaLearner::set_step_sizes(float value) {
  for (std::size_t i = 0; i < step_sizes_.size(); ++i) step_sizes_[i].mutable_value().setConstant(value);
}

GradientMetaLearner::TaskGradient GradientMetaLearner::task_gradient(const Task& task, bool first_order_only) const {
  return compute_task_gradient(task, first_order_only, params_, step_sizes_);
}

GradientMetaLearner::TaskGradientOf<double> GradientMetaLearner::task_gradient_double(const Task& task,
                                                                                     bool first_order_only,
                                                                                     const ParamsD* params,
                                                                                     const ParamsD* step_sizes) const {
  const ParamsD p = params ? *params : params_.cast<double>(true);
  const ParamsD lr = step_sizes ? *step_sizes : step_sizes_.cast<double>(true);
  if (p.size() != params_.size() || lr.size() != step_sizes_.size())
    throw std::invalid_argument(config_.learner + ": task_gradient_double needs as many parameters and step sizes as the learner");
  return compute_task_gradient(task, first_order_only, p, lr);
}

void GradientMetaLearner::check_meta_training_task(const Task& task) const {
  validate_task(model_, task, config_.learner.c_str());
  if (task.query_x.rows() == 0) throw std::invalid_argument(config_.learner + ": a meta-training task needs query points");
}

template <typename T>
GradientMetaLearner::TaskGradientOf<T> GradientMetaLearner::compute_task_gradient(const Task& task,
                                                                                bool first_order_only,
                                                                                const nn::Params<T>& params,
                                                                                const nn::Params<T>& step_sizes) const {
  using Tens = ad::Tensor<T>;
  check_meta_training_task(task);
  ad::EnableGradGuard differentiate;
  const bool anil = info().head_only();
  const Tens xs(task.support_x.cast<T>()), xq(task.query_x.cast<T>());
  // ANIL: the body is fixed during the inner loop, so embed once.
  const Tens feat_s = anil ? model_.embed(params, xs) : Tens();
  const Tens feat_q = anil ? model_.embed(params, xq) : Tens();
  auto run = [&](const nn::Params<T>& p, bool support) {
    if (anil) return model_.head(p, support ? feat_s : feat_q);
    return model_.forward(p, support ? xs : xq);
  };

  TaskGradientOf<T> out;
  nn::Params<T> fast = params;
  std::vector<Tens> adaptable;
  std::vector<std::size_t> adaptable_index;
  for (std::size_t i = 0; i < fast.size(); ++i)
    if (adapt_mask_[i]) adaptable_index.push_back(i);

  for (int s = 0; s < config_.inner_steps; ++s) {
    const Tens loss = model_.loss(run(fast, true), task.support_y);
    if (s == 0) out.support_loss = static_cast<double>(loss.item());
    adaptable.clear();
    for (std::size_t i : adaptable_index) adaptable.push_back(fast[i]);
    const std::vector<Tens> g = ad::grad(loss, adaptable, ad::GradOptions{!first_order_only});
    nn::Params<T> next;
    std::size_t k = 0;
    for (std::size_t i = 0; i < fast.size(); ++i) {
      if (!adapt_mask_[i]) {
        next.add(fast.name(i), fast[i]);
        continue;
      }
      const Tens& gi = g[k++];
      Tens step = meta_sgd() ? ad::mul(step_sizes[i], gi) : ad::mul_scalar(gi, static_cast<T>(config_.inner_lr));
      next.add(fast.name(i), ad::sub(fast[i], step));
    }
    fast = std::move(next);
  }
  const Tens output = run(fast, false);
  const Tens query_loss = model_.loss(output, task.query_y);
  out.query_loss = static_cast<double>(query_loss.item());
  out.metric = model_.metric(output.value().template cast<float>(), task.query_y);
  std::vector<Tens> trainable = params.tensors();
  for (std::size_t i = 0; i < step_sizes.size(); ++i) trainable.push_back(step_sizes[i]);
  out.grads = ad::grad(query_loss, trainable);
  return out;
}

namespace {
// Each task's copy of a parameter, stacked vertically (the layout of
// Model::forward_per_task); the gradient of the copies sums back into p.
template <typename T>
ad::Tensor<T> per_task_copies(const ad::Tensor<T>& p, int tasks) {
  std::vector<int> rows(static_cast<std::size_t>(p.rows()) * static_cast<std::size_t>(tasks));
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<int>(static_cast<Eigen::Index>(i) % p.rows());
  return ad::gather_rows(p, rows);
}

// The tasks' support (or query) inputs or targets, stacked vertically.
Matrix stack_tasks(const std::vector<Task>& batch, const Matrix Task::*part) {
  const Eigen::Index rows = (batch[0].*part).rows();
  Matrix all(rows * static_cast<Eigen::Index>(batch.size()), (batch[0].*part).cols());
  for (std::size_t t = 0; t < batch.size(); ++t) all.middleRows(static_cast<Eigen::Index>(t) * rows, rows) = batch[t].*part;
  return all;
}
}  // namespace

bool GradientMetaLearner::per_task_batch(const std::vector<Task>& batch) const {
  if (batch.size() < 2 || !model_.has_per_task_forward() || info().head_only()) return false;
  for (const Task& t : batch)
    if (t.support_x.rows() != batch[0].support_x.rows() || t.query_x.rows() != batch[0].query_x.rows() ||
        t.support_y.cols() != batch[0].support_y.cols() || t.query_y.cols() != batch[0].query_y.cols())
      return false;
  return true;
}

GradientMetaLearner::BatchGradientOf<double> GradientMetaLearner::batch_gradient_double(const std::vector<Task>& batch,
                                                                                       bool first_order_only) const {
  if (!per_task_batch(batch)) throw std::invalid_argument(config_.learner + ": this batch cannot go through one graph");
  return compute_batch_gradient(batch, first_order_only, params_.cast<double>(true), step_sizes_.cast<double>(true));
}

template <typename T>
GradientMetaLearner::BatchGradientOf<T> GradientMetaLearner::compute_batch_gradient(
    const std::vector<Task>& batch, bool first_order_only, const nn::Params<T>& params,
    const nn::Params<T>& step_sizes) const {
  using Tens = ad::Tensor<T>;
  for (const Task& task : batch) check_meta_training_task(task);
  ad::EnableGradGuard differentiate;
  const int tasks = static_cast<int>(batch.size());
  const Matrix ys = stack_tasks(batch, &Task::support_y), yq = stack_tasks(batch, &Task::query_y);
  const Tens xs(stack_tasks(batch, &Task::support_x).template cast<T>());
  const Tens xq(stack_tasks(batch, &Task::query_x).template cast<T>());

  // Task t's loss, metric of the output's row block t (values only).
  BatchGradientOf<T> out;
  auto per_task = [&](const Tens& output, const Matrix& y, std::vector<double>* loss, std::vector<double>* metric) {
    ad::NoGradGuard values;
    const Eigen::Index rows = output.rows() / tasks;
    for (int t = 0; t < tasks; ++t) {
      const Mat<T> block = output.value().middleRows(t * rows, rows);
      const Matrix y_t = y.middleRows(t * rows, rows);
      loss->push_back(static_cast<double>(model_.loss(Tens(block), y_t).item()));
      if (metric) metric->push_back(model_.metric(block.template cast<float>(), y_t));
    }
  };

  nn::Params<T> fast;
  for (std::size_t i = 0; i < params.size(); ++i) fast.add(params.name(i), per_task_copies(params[i], tasks));
  std::vector<Tens> step_copies;
  if (meta_sgd())
    for (std::size_t i = 0; i < step_sizes.size(); ++i) step_copies.push_back(per_task_copies(step_sizes[i], tasks));
  for (int s = 0; s < config_.inner_steps; ++s) {
    const Tens output = model_.forward_per_task(fast, xs, tasks);
    if (s == 0) per_task(output, ys, &out.support_loss, nullptr);
    // The sum of the tasks' losses: the gradient of each task's copy is its own task's.
    const Tens loss = ad::mul_scalar(model_.loss(output, ys), static_cast<T>(tasks));
    const std::vector<Tens> g = ad::grad(loss, fast.tensors(), ad::GradOptions{!first_order_only});
    nn::Params<T> next;
    for (std::size_t i = 0; i < fast.size(); ++i) {
      const Tens step = meta_sgd() ? ad::mul(step_copies[i], g[i]) : ad::mul_scalar(g[i], static_cast<T>(config_.inner_lr));
      next.add(fast.name(i), ad::sub(fast[i], step));
    }
    fast = std::move(next);
  }
  const Tens output = model_.forward_per_task(fast, xq, tasks);
  if (config_.inner_steps == 0) per_task(model_.forward_per_task(fast, xs, tasks), ys, &out.support_loss, nullptr);
  per_task(output, yq, &out.query_loss, &out.metric);
  // The mean of the tasks' query losses (tasks of equal size): its gradient is the mean meta-gradient.
  const Tens query_loss = model_.loss(output, yq);
  std::vector<Tens> trainable = params.tensors();
  for (std::size_t i = 0; i < step_sizes.size(); ++i) trainable.push_back(step_sizes[i]);
  out.grads = ad::grad(query_loss, trainable);
  return out;
}

StepStats GradientMetaLearner::meta_step(const std::vector<Task>& batch) {
  if (batch.empty()) throw std::invalid_argument(config_.learner + ": meta_step needs at least one task");
  const bool fo = first_order();
  BatchGradientOf<float> r;
  if (per_task_batch(batch)) {
    r = compute_batch_gradient(batch, fo, params_, step_sizes_);  // one graph: the same for every thread count
  } else {
    std::vector<TaskGradient> results(batch.size());
    parallel_(static_cast<int>(batch.size()),
              [&](int i) { results[static_cast<std::size_t>(i)] = task_gradient(batch[static_cast<std::size_t>(i)], fo); });
    std::vector<std::vector<Tensorf>> grads;
    grads.reserve(results.size());
    for (auto& t : results) {
      r.query_loss.push_back(t.query_loss);
      r.support_loss.push_back(t.support_loss);
      r.metric.push_back(t.metric);
      grads.push_back(std::move(t.grads));
    }
    r.grads = average_gradients(grads);
  }
  StepStats stats;
  for (std::size_t t = 0; t < batch.size(); ++t) {
    stats.loss += r.query_loss[t];
    stats.pre_loss += r.support_loss[t];
    stats.metric += r.metric[t];
  }
  std::vector<Tensorf> meta_grad = std::move(r.grads);
  const double n = static_cast<double>(batch.size());
  stats.loss /= n;
  stats.pre_loss /= n;
  stats.metric /= n;
  check_finite(stats.loss, "the query loss");
  if (step_sizes_frozen_)
    for (std::size_t i = params_.size(); i < meta_grad.size(); ++i)
      meta_grad[i] = Tensorf::zeros(meta_grad[i].rows(), meta_grad[i].cols());
  stats.grad_norm = config_.grad_clip > 0 ? optim::clip_grad_norm(meta_grad, config_.grad_clip)
                                          : optim::global_norm(meta_grad);
  check_finite(stats.grad_norm, "the meta-gradient norm");
  if (step_sizes_frozen_) {
    // Keep the frozen step sizes exactly (Adam would still move them by its epsilon-free path).
    std::vector<Mat<float>> saved;
    for (std::size_t i = 0; i < step_sizes_.size(); ++i) saved.push_back(step_sizes_[i].value());
    optimizer_->step(trainable_, meta_grad);
    for (std::size_t i = 0; i < step_sizes_.size(); ++i) step_sizes_[i].mutable_value() = saved[i];
  } else {
    optimizer_->step(trainable_, meta_grad);
  }
  ++iteration_;
  return stats;
}

std::vector<Predictor> GradientMetaLearner::adapt(const Task& task, int steps) const {
  if (steps < 0) throw std::invalid_argument("adapt: steps must be >= 0");
  return sgd_adapt_path(model_, params_, task, steps, config_.inner_lr, &adapt_mask_,
                        meta_sgd() ? &step_sizes_ : nullptr);
}

void GradientMetaLearner::save_extra(Checkpoint& ckpt) const {
  for (std::size_t i = 0; i < step_sizes_.size(); ++i) ckpt.add(step_sizes_.name(i), step_sizes_[i].value());
  save_optimizer_state(*optimizer_, ckpt);
}

void GradientMetaLearner::load_extra(const Checkpoint& ckpt) {
  for (std::size_t i = 0; i < step_sizes_.size(); ++i)
    expect_matrix(ckpt, step_sizes_.name(i), step_sizes_[i].rows(), step_sizes_[i].cols());
  load_optimizer_state(*optimizer_, trainable_, ckpt);
  for (std::size_t i = 0; i < step_sizes_.size(); ++i)
    step_sizes_[i].mutable_value() = get_tensor(ckpt, step_sizes_.name(i)).data;
}

}  // namespace metalab
