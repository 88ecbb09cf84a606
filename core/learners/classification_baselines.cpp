#include "core/learners/classification_baselines.h"

#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "core/common/options.h"

namespace metalab {

namespace {

// queries x support distances: squared Euclidean, or 1 - cosine similarity.
Matrix distances(const Matrix& q, const Matrix& s, bool cosine) {
  if (cosine) {
    const Eigen::VectorXf qn = (q.rowwise().squaredNorm().array() + 1e-12f).sqrt();
    const Eigen::VectorXf sn = (s.rowwise().squaredNorm().array() + 1e-12f).sqrt();
    Matrix sim = q * s.transpose();
    sim.array().colwise() /= qn.array();
    sim.array().rowwise() /= sn.transpose().array();
    return (1.0f - sim.array()).matrix();
  }
  Matrix d = -2.0f * (q * s.transpose());
  d.colwise() += q.rowwise().squaredNorm();
  d.rowwise() += s.rowwise().squaredNorm().transpose();
  return d.cwiseMax(0.0f);
}

// logits(i, k) = -(distance from query i to the nearest support point of class k).
Matrix nearest_logits(const Matrix& q, const Matrix& s, const std::vector<int>& labels, int ways, bool cosine) {
  const Matrix d = distances(q, s, cosine);
  Matrix logits = Matrix::Constant(q.rows(), ways, -std::numeric_limits<float>::infinity());
  for (Eigen::Index j = 0; j < s.rows(); ++j) {
    const int k = labels[static_cast<std::size_t>(j)];
    logits.col(k) = logits.col(k).cwiseMax(-d.col(j));
  }
  return logits;
}

double accuracy(const Matrix& logits, const std::vector<int>& labels) {
  if (logits.rows() == 0) return 0;
  int correct = 0;
  for (Eigen::Index i = 0; i < logits.rows(); ++i) {
    Eigen::Index best;
    logits.row(i).maxCoeff(&best);
    correct += static_cast<int>(best) == labels[static_cast<std::size_t>(i)];
  }
  return static_cast<double>(correct) / static_cast<double>(logits.rows());
}

}  // namespace

// ---- NearestNeighbour ----

NearestNeighbour::NearestNeighbour(LearnerConfig config) : Learner(std::move(config)) {}

StepStats NearestNeighbour::meta_step(const std::vector<Task>& batch) {
  if (batch.empty()) throw std::invalid_argument("nearest: meta_step needs at least one task");
  StepStats stats;
  stats.loss = stats.pre_loss = std::numeric_limits<double>::quiet_NaN();
  int counted = 0;
  for (const Task& t : batch) {
    validate_task(model_, t, "nearest");
    const EpisodeLabels labels = episode_labels(t, "nearest");
    if (t.query_x.rows() == 0) continue;
    stats.metric += accuracy(nearest_logits(t.query_x, t.support_x, labels.support, labels.ways,
                                            config_.distance == "cosine"),
                             labels.query);
    ++counted;
  }
  if (counted) stats.metric /= counted;
  ++iteration_;
  return stats;
}

std::vector<Predictor> NearestNeighbour::adapt(const Task& task, int steps) const {
  if (steps < 0) throw std::invalid_argument("adapt: steps must be >= 0");
  validate_task(model_, task, "nearest");
  const EpisodeLabels labels = episode_labels(task, "nearest");
  const Model model = model_;
  const Matrix support = task.support_x;
  const bool cosine = config_.distance == "cosine";
  Predictor predict = [model, support, labels, cosine](const Matrix& x) -> Matrix {
    model.check_input(x, "predict");
    return nearest_logits(x, support, labels.support, labels.ways, cosine);
  };
  return {predict};
}

// ---- ClassificationPretrain ----

namespace {
ModelConfig global_config(const LearnerConfig& c) {
  ModelConfig m = c.model;
  m.output_dim = c.pretrain_classes;
  return m;
}
}  // namespace

ClassificationPretrain::ClassificationPretrain(LearnerConfig config)
    : Learner(std::move(config)), global_((config_.validate(), global_config(config_))) {
  if (!config_.model.classification) throw std::invalid_argument("pretrain (classification): the model must be a classifier");
  Rng rng(config_.seed);
  params_ = global_.init(rng);
  stats_ = global_.init_batch_norm_stats();
  optimizer_ = make_outer_optimizer(config_);
}

int ClassificationPretrain::global_label(int source_class) {
  auto it = class_index_.find(source_class);
  if (it != class_index_.end()) return it->second;
  if (static_cast<int>(class_ids_.size()) >= config_.pretrain_classes)
    throw std::invalid_argument("pretrain: meta-training episodes use more than pretrain_classes = " +
                                std::to_string(config_.pretrain_classes) +
                                " classes; set it to the number of meta-training classes");
  const int k = static_cast<int>(class_ids_.size());
  class_ids_.push_back(source_class);
  class_index_[source_class] = k;
  return k;
}

StepStats ClassificationPretrain::meta_step(const std::vector<Task>& batch) {
  if (batch.empty()) throw std::invalid_argument("pretrain: meta_step needs at least one task");
  std::vector<Tensorf> xs;
  std::vector<int> y;
  for (const Task& t : batch) {
    validate_task(model_, t, "pretrain");
    const EpisodeLabels labels = episode_labels(t, "pretrain");
    if (static_cast<int>(t.classes.size()) != labels.ways)
      throw std::invalid_argument(
          "pretrain: a classification task must name the source class of each label (Task::classes, as "
          "ClassificationSource episodes do); labels that change meaning every episode cannot train a global classifier");
    std::vector<int> global(static_cast<std::size_t>(labels.ways));
    for (int k = 0; k < labels.ways; ++k) global[static_cast<std::size_t>(k)] = global_label(t.classes[static_cast<std::size_t>(k)]);
    xs.emplace_back(t.support_x);
    for (int l : labels.support) y.push_back(global[static_cast<std::size_t>(l)]);
    if (t.query_x.rows() > 0) {
      xs.emplace_back(t.query_x);
      for (int l : labels.query) y.push_back(global[static_cast<std::size_t>(l)]);
    }
  }
  ad::EnableGradGuard differentiate;
  const Tensorf x = xs.size() == 1 ? xs[0] : ad::concat_rows(xs);
  const Tensorf logits = global_.head(params_, global_.embed(params_, x, nn::Mode::Train, stats_.empty() ? nullptr : &stats_));
  const Tensorf loss = ad::cross_entropy(logits, y);
  StepStats stats;
  stats.loss = stats.pre_loss = loss.item();
  stats.metric = accuracy(logits.value(), y);
  check_finite(stats.loss, "the training loss");
  std::vector<Tensorf> g = ad::grad(loss, params_.tensors());
  stats.grad_norm = config_.grad_clip > 0 ? optim::clip_grad_norm(g, config_.grad_clip) : optim::global_norm(g);
  check_finite(stats.grad_norm, "the gradient norm");
  optimizer_->step(params_, g);
  ++iteration_;
  return stats;
}

namespace {
struct FineTuned {
  Model model;
  std::shared_ptr<const ParamsF> body;
  std::shared_ptr<std::vector<nn::BatchNormStats<float>>> stats;  // read only (evaluation mode)
  Mat<float> weight, bias;
};
}  // namespace

std::vector<Predictor> ClassificationPretrain::adapt(const Task& task, int steps) const {
  if (steps < 0) throw std::invalid_argument("adapt: steps must be >= 0");
  validate_task(model_, task, "pretrain");
  const EpisodeLabels labels = episode_labels(task, "pretrain");
  const int ways = labels.ways;
  const int dim = global_.embedding_dim();
  auto stats = std::make_shared<std::vector<nn::BatchNormStats<float>>>(stats_);
  auto* stats_ptr = stats->empty() ? nullptr : stats.get();
  ParamsF body;
  for (std::size_t i = 0; i < params_.size(); ++i)
    if (!global_.is_head(params_.name(i))) body.add(params_.name(i), Tensorf(params_[i].value(), config_.finetune_body));
  ParamsF head;
  head.add("weight", Tensorf(Mat<float>::Zero(dim, ways), true));
  head.add("bias", Tensorf(Mat<float>::Zero(1, ways), true));

  std::vector<Predictor> path;
  auto shared_body = std::make_shared<const ParamsF>(body.detach());
  auto snapshot = [&]() {
    FineTuned f{global_, config_.finetune_body ? std::make_shared<const ParamsF>(body.detach()) : shared_body, stats,
                head[0].value(), head[1].value()};
    path.push_back([f](const Matrix& x) -> Matrix {
      f.model.check_input(x, "predict");
      ad::NoGradGuard no_grad;
      auto* s = f.stats->empty() ? nullptr : f.stats.get();
      const Matrix feats = f.model.embed(*f.body, Tensorf(x), nn::Mode::Eval, s).value();
      return (feats * f.weight).rowwise() + f.bias.row(0);
    });
  };
  snapshot();
  if (steps == 0) return path;

  ad::EnableGradGuard differentiate;
  optim::Adam<float> adam(config_.inner_lr);
  const Tensorf xs(task.support_x);
  Tensorf frozen;
  if (!config_.finetune_body) {
    ad::NoGradGuard no_grad;
    frozen = global_.embed(body, xs, nn::Mode::Eval, stats_ptr).detach();
  }
  ParamsF all;
  if (config_.finetune_body)
    for (std::size_t i = 0; i < body.size(); ++i) all.add(body.name(i), body[i]);
  all.add("new_head.weight", head[0]);
  all.add("new_head.bias", head[1]);
  for (int s = 0; s < steps; ++s) {
    const Tensorf feats = config_.finetune_body ? global_.embed(body, xs, nn::Mode::Eval, stats_ptr) : frozen;
    const Tensorf loss = ad::cross_entropy(ad::linear(feats, head[0], head[1]), labels.support);
    adam.step(all, ad::grad(loss, all.tensors()));
    snapshot();
  }
  return path;
}

void ClassificationPretrain::save_extra(Checkpoint& ckpt) const {
  save_batch_norm_stats(stats_, ckpt);
  save_optimizer_state(*optimizer_, ckpt);
  std::ostringstream ids;
  for (std::size_t i = 0; i < class_ids_.size(); ++i) ids << (i ? "," : "") << class_ids_[i];
  ckpt.metadata["pretrain.class_ids"] = ids.str();
}

void ClassificationPretrain::load_extra(const Checkpoint& ckpt) {
  std::vector<nn::BatchNormStats<float>> loaded = stats_;
  load_batch_norm_stats(ckpt, loaded);
  std::vector<int> ids;
  std::map<int, int> index;
  std::stringstream s(get_metadata_or(ckpt, "pretrain.class_ids", ""));
  std::string item;
  while (std::getline(s, item, ',')) {
    if (item.empty()) continue;
    const auto id = parse_integer(item);
    if (!id || *id < 0 || *id > std::numeric_limits<int>::max())
      throw FormatError("checkpoint " + ckpt.source + ": pretrain.class_ids holds '" + item + "', not a class id");
    const int v = static_cast<int>(*id);
    if (!index.emplace(v, static_cast<int>(ids.size())).second)
      throw FormatError("checkpoint " + ckpt.source + ": pretrain.class_ids repeats class " + item);
    ids.push_back(v);
  }
  if (static_cast<int>(ids.size()) > config_.pretrain_classes)
    throw FormatError("checkpoint " + ckpt.source + ": more class ids than pretrain_classes");
  load_optimizer_state(*optimizer_, params_, ckpt);
  stats_ = std::move(loaded);
  class_ids_ = std::move(ids);
  class_index_ = std::move(index);
}

}  // namespace metalab
