// The baselines a few-shot classification result must beat.
//
//   nearest   1-nearest-neighbour on the raw features (pixels, standardised
//             expression values): no learning at all. A query gets, for each
//             class, the logit -d(x, nearest support point of that class),
//             d = squared Euclidean distance or 1 - cosine (config.distance).
//             meta_step only counts iterations and reports the 1-NN query
//             accuracy of the batch, so curves stay comparable.
//
//   pretrain  (with model.classification) transfer learning, the "Baseline" of
//             Chen et al. 2019 ("A closer look at few-shot classification"):
//             one classifier over all meta-training classes with their global
//             labels (config.pretrain_classes outputs), trained by Adam
//             (outer_lr) on the pooled examples of each meta-batch; an
//             episode's label k is mapped to its source class via
//             Task::classes, which ClassificationSource fills in. At test time
//             the global head is dropped and a new N-way linear head, starting
//             at zero, is trained by Adam (inner_lr) on the support set, on
//             the frozen body's features (finetune_body false, the default)
//             or together with the body (finetune_body true). adapt(task, S)
//             returns the S + 1 predictors after 0..S steps (step 0: the zero
//             head, chance level). Batch norm: running statistics, as in the
//             metric learners (protonet.h).
//
// (Regression tasks keep the `pretrain` of baselines.h; make_learner picks
// this one when the model is a classifier.)
#pragma once

#include <map>

#include "core/learners/protonet.h"

namespace metalab {

class NearestNeighbour : public Learner {
 public:
  explicit NearestNeighbour(LearnerConfig config);
  StepStats meta_step(const std::vector<Task>& batch) override;
  std::vector<Predictor> adapt(const Task& task, int steps) const override;
  const ParamsF& params() const override { return params_; }

 protected:
  ParamsF& mutable_params() override { return params_; }

 private:
  ParamsF params_;  // empty: nothing is learned
};

class ClassificationPretrain : public Learner {
 public:
  explicit ClassificationPretrain(LearnerConfig config);
  StepStats meta_step(const std::vector<Task>& batch) override;
  std::vector<Predictor> adapt(const Task& task, int steps) const override;
  // Body and global head (pretrain_classes outputs).
  const ParamsF& params() const override { return params_; }
  // The source class behind each output of the global head, in order of first appearance.
  const std::vector<int>& class_ids() const { return class_ids_; }
  const Model& global_model() const { return global_; }

 protected:
  void save_extra(Checkpoint& ckpt) const override;
  void load_extra(const Checkpoint& ckpt) override;
  ParamsF& mutable_params() override { return params_; }

 private:
  int global_label(int source_class);
  Model global_;
  ParamsF params_;
  std::vector<nn::BatchNormStats<float>> stats_;
  std::unique_ptr<optim::Optimizer<float>> optimizer_;
  std::vector<int> class_ids_;
  std::map<int, int> class_index_;
};

}  // namespace metalab
