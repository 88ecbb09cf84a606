#include "web/app/labs/classification/job.h"

#include <cmath>
#include <limits>

#include "core/tasks/biomedical_tasks.h"
#include "core/learners/protonet.h"
#include "core/learners/registry.h"

namespace metalab::web {

ClassificationJob::ClassificationJob(const ClassificationSettings& settings,
                                     std::shared_ptr<const ClassificationSource> source,
                                     std::unique_ptr<Learner> model, std::unique_ptr<Learner> nearest)
    : settings_(settings),
      source_(std::move(source)),
      model_(std::move(model)),
      nearest_(std::move(nearest)),
      train_rng_(settings.seed * 0x9E3779B97F4A7C15ULL + 17) {}

void ClassificationJob::step() {
  std::vector<Task> batch;
  for (int i = 0; i < model_->config().meta_batch; ++i) batch.push_back(source_->sample(Split::MetaTrain, train_rng_));
  const StepStats s = model_->meta_step(batch);
  loss_.push_back(static_cast<float>(s.loss));
  acc_.push_back(static_cast<float>(s.metric));
  weights_changed();
}

double ClassificationJob::recent_accuracy(std::size_t n) const {
  n = std::min(n, acc_.size());
  if (n == 0) return std::numeric_limits<double>::quiet_NaN();
  double sum = 0;
  for (std::size_t i = acc_.size() - n; i < acc_.size(); ++i) sum += acc_[i];
  return sum / static_cast<double>(n);
}

LearnerConfig classification_learner_config(const ClassificationSettings& s, const TaskSource& src,
                                            const std::string& learner) {
  LearnerConfig cfg;
  cfg.learner = learner;
  cfg.model.backbone = "mlp";
  cfg.model.input_dim = src.input_dim();
  cfg.model.hidden = {64, 32};
  cfg.model.output_dim = s.ways;
  cfg.model.classification = true;
  if (const int positions = residue_positions(src); positions > 0) {
    // Residue windows: a small Conv1d (an MLP on 2,560 one-hot inputs does
    // worse than nearest neighbour on them; 16 channels train live).
    cfg.model.backbone = "conv1d";
    cfg.model.sequence_length = positions;
    cfg.model.sequence_channels = src.input_dim() / positions;
    cfg.model.conv_hidden = 16;
    cfg.model.conv_blocks = 4;
    cfg.model.conv_kernel = 3;
  }
  cfg.outer_lr = 1e-3f;
  cfg.meta_batch = learner_info(learner).inner_loop() ? 4 : 2;  // episodes per step: fewer for the metric learners
  cfg.inner_lr = 0.1f;
  cfg.inner_steps = 1;
  cfg.seed = s.seed;
  return cfg;
}

Matrix embed_rows(const Learner& l, const Matrix& x) {
  if (const auto* m = dynamic_cast<const MetricLearner*>(&l)) return m->embed(x);
  ad::NoGradGuard no_grad;
  return l.model().embed(l.params(), Tensorf(x)).value();
}

void classify(const Learner& l, const Task& t, std::vector<int>* pred, std::vector<float>* conf) {
  const auto path = l.adapt(t, l.iterative() ? kTestSteps : 0);
  const Matrix logits = path.back()(t.query_x);
  pred->assign(static_cast<std::size_t>(logits.rows()), 0);
  if (conf) conf->assign(static_cast<std::size_t>(logits.rows()), 0.0f);
  for (Eigen::Index i = 0; i < logits.rows(); ++i) {
    Eigen::Index best = 0;
    const float mx = logits.row(i).maxCoeff(&best);
    (*pred)[static_cast<std::size_t>(i)] = static_cast<int>(best);
    if (conf) {
      double z = 0;
      for (Eigen::Index k = 0; k < logits.cols(); ++k) z += std::exp(static_cast<double>(logits(i, k) - mx));
      (*conf)[static_cast<std::size_t>(i)] = static_cast<float>(1.0 / z);
    }
  }
}

double accuracy_on(const Learner& l, const Task& t) {
  std::vector<int> p;
  classify(l, t, &p, nullptr);
  int ok = 0;
  for (std::size_t i = 0; i < p.size(); ++i) ok += p[i] == static_cast<int>(t.query_y(static_cast<Eigen::Index>(i), 0));
  return p.empty() ? 0.0 : static_cast<double>(ok) / static_cast<double>(p.size());
}

}  // namespace metalab::web
