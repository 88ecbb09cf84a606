// The baselines every meta-learning comparison needs.
//
//   pretrain  transfer learning, the baseline of Finn et al. 2017: one network
//             trained by Adam on all meta-training tasks pooled together
//             (each meta-iteration: one step on the batch's support and query
//             points), then fine-tuned on a new task's support set by SGD with
//             the same step size alpha as MAML.
//   scratch   no meta-training at all: a freshly initialised network trained
//             on the support set alone (Adam, step size scratch_lr), the
//             floor that any learner must clear.
#pragma once

#include "core/learners/adaptation.h"

namespace metalab {

class PretrainBaseline : public Learner {
 public:
  explicit PretrainBaseline(LearnerConfig config);
  StepStats meta_step(const std::vector<Task>& batch) override;
  std::vector<Predictor> adapt(const Task& task, int steps) const override;
  const ParamsF& params() const override { return params_; }

 protected:
  void save_extra(Checkpoint& ckpt) const override { save_optimizer_state(*optimizer_, ckpt); }
  void load_extra(const Checkpoint& ckpt) override { load_optimizer_state(*optimizer_, params_, ckpt); }
  ParamsF& mutable_params() override { return params_; }

 private:
  ParamsF params_;
  std::unique_ptr<optim::Optimizer<float>> optimizer_;
};

class ScratchBaseline : public Learner {
 public:
  explicit ScratchBaseline(LearnerConfig config);
  // Nothing to meta-learn: counts the iteration and reports the support loss of
  // a fresh network, so curves stay comparable.
  StepStats meta_step(const std::vector<Task>& batch) override;
  std::vector<Predictor> adapt(const Task& task, int steps) const override;
  const ParamsF& params() const override { return params_; }

 protected:
  ParamsF& mutable_params() override { return params_; }

 private:
  ParamsF params_;  // the fresh initialisation every adaptation starts from
};

}  // namespace metalab
