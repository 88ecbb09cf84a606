// Reptile (Nichol, Achiam & Schulman 2018): for each task, run `inner_steps`
// SGD steps on its support set from theta to get phi_i, then move the
// initialisation towards the adapted weights,
//     theta <- theta + epsilon * (mean_i phi_i - theta).
// No second derivatives and no query set at meta-training time: the
// simplest first-order meta-learner. Adaptation at test time is plain SGD.
#pragma once

#include "core/learners/adaptation.h"

namespace metalab {

class Reptile : public Learner {
 public:
  explicit Reptile(LearnerConfig config);
  StepStats meta_step(const std::vector<Task>& batch) override;
  std::vector<Predictor> adapt(const Task& task, int steps) const override;
  const ParamsF& params() const override { return params_; }

 protected:
  ParamsF& mutable_params() override { return params_; }

 private:
  ParamsF params_;
};

}  // namespace metalab
