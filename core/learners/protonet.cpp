#include "core/learners/protonet.h"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace metalab {

namespace {

Matrix stack_rows(const Matrix& a, const Matrix& b) {
  Matrix out(a.rows() + b.rows(), a.cols());
  out.topRows(a.rows()) = a;
  out.bottomRows(b.rows()) = b;
  return out;
}

// Everything needed to classify new inputs after adaptation, detached from the learner.
struct MetricSnapshot {
  Model model;
  ParamsF params;
  std::vector<nn::BatchNormStats<float>> stats;
  EmbeddingClassifier classify;
};

}  // namespace

EpisodeLabels episode_labels(const Task& task, const char* who) {
  EpisodeLabels out;
  int ways = task.num_classes;
  if (ways <= 0) {
    for (Eigen::Index i = 0; i < task.support_y.rows(); ++i)
      ways = std::max(ways, static_cast<int>(std::lround(task.support_y(i, 0))) + 1);
  }
  if (ways < 2) throw std::invalid_argument(std::string(who) + ": a classification task needs at least 2 classes");
  try {
    out.support = labels_of(task.support_y, ways);
    if (task.query_y.rows() > 0) out.query = labels_of(task.query_y, ways);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string(who) + ": " + e.what());
  }
  std::vector<int> count(static_cast<std::size_t>(ways), 0);
  for (int l : out.support) ++count[static_cast<std::size_t>(l)];
  for (int k = 0; k < ways; ++k)
    if (count[static_cast<std::size_t>(k)] == 0)
      throw std::invalid_argument(std::string(who) + ": class " + std::to_string(k) + " has no support example");
  out.ways = ways;
  return out;
}

Matrix class_mean_matrix(const std::vector<int>& labels, int ways) {
  Matrix a = Matrix::Zero(ways, static_cast<Eigen::Index>(labels.size()));
  std::vector<int> count(static_cast<std::size_t>(ways), 0);
  for (int l : labels) ++count.at(static_cast<std::size_t>(l));
  for (std::size_t i = 0; i < labels.size(); ++i)
    a(labels[i], static_cast<Eigen::Index>(i)) = 1.0f / static_cast<float>(count[static_cast<std::size_t>(labels[i])]);
  return a;
}

Matrix one_hot(const std::vector<int>& labels, int ways) {
  Matrix y = Matrix::Zero(static_cast<Eigen::Index>(labels.size()), ways);
  for (std::size_t i = 0; i < labels.size(); ++i) y(static_cast<Eigen::Index>(i), labels.at(i)) = 1.0f;
  return y;
}

// ---- MetricLearner ----

MetricLearner::MetricLearner(LearnerConfig config) : Learner(std::move(config)) {
  Rng rng(config_.seed);
  const ParamsF all = model_.init(rng);
  for (std::size_t i = 0; i < all.size(); ++i)
    if (!model_.is_head(all.name(i))) params_.add(all.name(i), all[i]);
  stats_ = model_.init_batch_norm_stats();
  optimizer_ = make_outer_optimizer(config_);
}

Matrix MetricLearner::embed(const Matrix& x) const {
  model_.check_input(x, config_.learner.c_str());
  ad::NoGradGuard no_grad;
  auto stats = stats_;
  return model_.embed(params_, Tensorf(x), nn::Mode::Eval, stats.empty() ? nullptr : &stats).value();
}

StepStats MetricLearner::meta_step(const std::vector<Task>& batch) {
  const char* who = config_.learner.c_str();
  if (batch.empty()) throw std::invalid_argument(config_.learner + ": meta_step needs at least one task");
  struct Result {
    double loss = 0, accuracy = 0;
    std::vector<Tensorf> grads;
    std::vector<nn::BatchNormStats<float>> stats;
  };
  std::vector<Result> results(batch.size());
  parallel_(static_cast<int>(batch.size()), [&](int t) {
    const Task& task = batch[static_cast<std::size_t>(t)];
    validate_task(model_, task, who);
    if (task.query_x.rows() == 0) throw std::invalid_argument(config_.learner + ": a meta-training task needs query points");
    const EpisodeLabels labels = episode_labels(task, who);
    ad::EnableGradGuard differentiate;
    Result& r = results[static_cast<std::size_t>(t)];
    r.stats = stats_;
    // Support and query go through the network together (one batch for batch norm).
    const Tensorf emb = model_.embed(params_, Tensorf(stack_rows(task.support_x, task.query_x)), nn::Mode::Train,
                                     r.stats.empty() ? nullptr : &r.stats);
    const Eigen::Index ns = task.support_x.rows(), nq = task.query_x.rows();
    const Tensorf logits =
        classifier(ad::slice_rows(emb, 0, ns), labels.support, labels.ways)(ad::slice_rows(emb, ns, nq));
    const Tensorf loss = ad::cross_entropy(logits, labels.query);
    r.loss = loss.item();
    int correct = 0;
    for (Eigen::Index i = 0; i < nq; ++i) {
      Eigen::Index best;
      logits.value().row(i).maxCoeff(&best);
      correct += static_cast<int>(best) == labels.query[static_cast<std::size_t>(i)];
    }
    r.accuracy = static_cast<double>(correct) / static_cast<double>(nq);
    if (!params_.empty()) r.grads = ad::grad(loss, params_.tensors());
  });

  StepStats stats;
  std::vector<std::vector<Tensorf>> grads;
  for (auto& r : results) {
    stats.loss += r.loss;
    stats.metric += r.accuracy;
    grads.push_back(std::move(r.grads));
  }
  const double n = static_cast<double>(batch.size());
  stats.loss /= n;
  stats.metric /= n;
  stats.pre_loss = std::numeric_limits<double>::quiet_NaN();
  check_finite(stats.loss, "the query loss");
  if (!params_.empty()) {
    std::vector<Tensorf> g = average_gradients(grads);
    stats.grad_norm = config_.grad_clip > 0 ? optim::clip_grad_norm(g, config_.grad_clip) : optim::global_norm(g);
    check_finite(stats.grad_norm, "the gradient norm");
    optimizer_->step(params_, g);
  }
  // Running batch-norm statistics: the mean of the episodes' updates.
  for (std::size_t b = 0; b < stats_.size(); ++b) {
    Mat<float> mean = results[0].stats[b].running_mean, var = results[0].stats[b].running_var;
    for (std::size_t t = 1; t < results.size(); ++t) {
      mean += results[t].stats[b].running_mean;
      var += results[t].stats[b].running_var;
    }
    stats_[b].running_mean = mean / static_cast<float>(results.size());
    stats_[b].running_var = var / static_cast<float>(results.size());
  }
  ++iteration_;
  return stats;
}

std::vector<Predictor> MetricLearner::adapt(const Task& task, int steps) const {
  if (steps < 0) throw std::invalid_argument("adapt: steps must be >= 0");
  validate_task(model_, task, config_.learner.c_str());
  const EpisodeLabels labels = episode_labels(task, config_.learner.c_str());
  auto snap = std::make_shared<MetricSnapshot>(MetricSnapshot{model_, params_.detach(), stats_, nullptr});
  {
    ad::NoGradGuard no_grad;
    const Tensorf support = model_.embed(snap->params, Tensorf(task.support_x), nn::Mode::Eval,
                                         snap->stats.empty() ? nullptr : &snap->stats);
    snap->classify = classifier(support, labels.support, labels.ways);
  }
  Predictor predict = [snap](const Matrix& x) -> Matrix {
    snap->model.check_input(x, "predict");
    ad::NoGradGuard no_grad;
    // Evaluation mode only reads the statistics, so concurrent calls are safe.
    auto* stats = snap->stats.empty() ? nullptr : &snap->stats;
    return snap->classify(snap->model.embed(snap->params, Tensorf(x), nn::Mode::Eval, stats)).value();
  };
  return {predict};
}

void save_batch_norm_stats(const std::vector<nn::BatchNormStats<float>>& stats, Checkpoint& ckpt) {
  for (std::size_t b = 0; b < stats.size(); ++b) {
    ckpt.add("bn" + std::to_string(b) + ".running_mean", stats[b].running_mean);
    ckpt.add("bn" + std::to_string(b) + ".running_var", stats[b].running_var);
  }
}

void load_batch_norm_stats(const Checkpoint& ckpt, std::vector<nn::BatchNormStats<float>>& stats) {
  std::vector<nn::BatchNormStats<float>> loaded = stats;
  for (std::size_t b = 0; b < loaded.size(); ++b) {
    const Eigen::Index channels = loaded[b].running_mean.cols();
    loaded[b].running_mean = expect_matrix(ckpt, "bn" + std::to_string(b) + ".running_mean", 1, channels).data;
    loaded[b].running_var = expect_matrix(ckpt, "bn" + std::to_string(b) + ".running_var", 1, channels).data;
    if (!loaded[b].running_mean.allFinite() || !loaded[b].running_var.allFinite() ||
        !(loaded[b].running_var.array() >= 0).all())
      throw FormatError("checkpoint " + ckpt.source + ": batch-norm statistics of block " + std::to_string(b) +
                        " are not valid (NaN, infinity or a negative variance)");
  }
  stats = std::move(loaded);
}

void MetricLearner::save_extra(Checkpoint& ckpt) const {
  save_batch_norm_stats(stats_, ckpt);
  save_optimizer_state(*optimizer_, ckpt);
}

void MetricLearner::load_extra(const Checkpoint& ckpt) {
  std::vector<nn::BatchNormStats<float>> loaded = stats_;
  load_batch_norm_stats(ckpt, loaded);
  load_optimizer_state(*optimizer_, params_, ckpt);
  stats_ = std::move(loaded);
}

// ---- PrototypicalNetwork ----

PrototypicalNetwork::PrototypicalNetwork(LearnerConfig config) : MetricLearner(std::move(config)) {}

EmbeddingClassifier PrototypicalNetwork::classifier(const Tensorf& support, const std::vector<int>& labels,
                                                    int ways) const {
  const Tensorf protos = ad::matmul(Tensorf(class_mean_matrix(labels, ways)), support);
  if (config_.distance == "cosine")
    return [protos](const Tensorf& q) { return ad::mul_scalar(ad::cosine_similarity(q, protos), 10.0f); };
  return [protos](const Tensorf& q) { return ad::neg(ad::pairwise_sq_dist(q, protos)); };
}

Matrix PrototypicalNetwork::prototypes(const Task& task) const {
  validate_task(model_, task, "protonet");
  const EpisodeLabels labels = episode_labels(task, "protonet");
  return class_mean_matrix(labels.support, labels.ways) * embed(task.support_x);
}

}  // namespace metalab
