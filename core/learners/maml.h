// The MAML family (Finn et al. 2017) in one learner; its registry entry
// (registry.h: first_order, step_sizes, head_only) says which one:
//
//   maml     exact second-order MAML. For each task i the inner loop takes
//            `inner_steps` SGD steps on the support loss,
//                theta_i' = theta - alpha * grad L_support_i(theta),
//            and the outer step minimises the query loss after adaptation,
//                theta <- theta - beta * grad_theta sum_i L_query_i(theta_i'),
//            differentiating *through* the inner steps (second derivatives).
//   fomaml   first-order MAML: the same, but the inner gradients are treated
//            as constants, so the meta-gradient is the query gradient at theta_i'.
//   metasgd  Meta-SGD (Li et al. 2017): alpha is a learned tensor of the same
//            shape as theta (one step size per parameter), meta-learned with it.
//   anil     ANIL (Raghu et al. 2020): only the head adapts in the inner loop;
//            the body is meta-learned through the outer loop alone.
//
// The outer optimizer is Adam (config.outer_optimizer). Tasks of a meta-batch
// are independent, so their gradients are computed through the injected
// ParallelFor and summed in a fixed order: the result does not depend on the
// number of threads.
#pragma once

#include <memory>

#include "core/learners/adaptation.h"

namespace metalab {

class GradientMetaLearner : public Learner {
 public:
  explicit GradientMetaLearner(LearnerConfig config);

  StepStats meta_step(const std::vector<Task>& batch) override;
  std::vector<Predictor> adapt(const Task& task, int steps) const override;
  const ParamsF& params() const override { return params_; }

  // Meta-SGD's learned step sizes (empty for the other variants).
  const ParamsF& step_sizes() const { return step_sizes_; }
  bool adapts(std::size_t param_index) const { return adapt_mask_[param_index]; }

  template <typename T>
  struct TaskGradientOf {
    double query_loss = 0;    // after adaptation
    double support_loss = 0;  // before adaptation
    double metric = 0;        // query accuracy or MSE after adaptation
    std::vector<ad::Tensor<T>> grads;  // for params(), then step_sizes() (Meta-SGD)
  };
  using TaskGradient = TaskGradientOf<float>;
  using ParamsD = nn::Params<double>;
  // The meta-gradient of one task's post-adaptation query loss, exact or first
  // order (the `inspect meta-gradient` command and the page compare the two).
  TaskGradient task_gradient(const Task& task, bool first_order) const;
  // The same computation (one template, instantiated twice) in double
  // precision, at the learner's weights and step sizes or at the given ones.
  // The learner trains in float, where central finite differences are too
  // coarse to check a second-order term; in double they are not, so the tests
  // check this, the code that trains, against finite differences of
  // query_loss (tests/learners/maml_meta_gradient_test.cpp).
  TaskGradientOf<double> task_gradient_double(const Task& task, bool first_order, const ParamsD* params = nullptr,
                                              const ParamsD* step_sizes = nullptr) const;

  // The meta-gradient of a whole meta-batch in one graph, each task with its
  // own copy of the weights (Model::forward_per_task): what meta_step uses
  // when per_task_batch() allows, equal to averaging task_gradient over the
  // tasks up to rounding (tests/learners/maml_batch_test.cpp), and many times
  // faster for small models, whose per-task graphs are mostly bookkeeping.
  template <typename T>
  struct BatchGradientOf {
    std::vector<double> query_loss, support_loss, metric;  // per task, as in TaskGradientOf
    std::vector<ad::Tensor<T>> grads;                      // the tasks' mean, for params() then step_sizes()
  };
  // Whether the batch can go through one graph: an MLP adapting every layer
  // (not ANIL), and tasks of equal support and query sizes.
  bool per_task_batch(const std::vector<Task>& batch) const;
  BatchGradientOf<double> batch_gradient_double(const std::vector<Task>& batch, bool first_order) const;

  // Replaces the step sizes (tests: Meta-SGD with frozen step sizes = MAML).
  void set_step_sizes(float value);
  // Freezes the step sizes (they are then not meta-learned).
  void freeze_step_sizes(bool frozen) { step_sizes_frozen_ = frozen; }

 protected:
  void save_extra(Checkpoint& ckpt) const override;
  void load_extra(const Checkpoint& ckpt) override;
  ParamsF& mutable_params() override { return params_; }

 private:
  bool meta_sgd() const;
  bool first_order() const;
  // A task meta-training can use (fits the model, has query points); std::invalid_argument otherwise.
  void check_meta_training_task(const Task& task) const;
  template <typename T>
  BatchGradientOf<T> compute_batch_gradient(const std::vector<Task>& batch, bool first_order,
                                            const nn::Params<T>& params, const nn::Params<T>& step_sizes) const;
  template <typename T>
  TaskGradientOf<T> compute_task_gradient(const Task& task, bool first_order, const nn::Params<T>& params,
                                          const nn::Params<T>& step_sizes) const;

  ParamsF params_;
  ParamsF step_sizes_;
  ParamsF trainable_;  // params_ followed by step_sizes_ (same tensors)
  std::vector<bool> adapt_mask_;
  bool step_sizes_frozen_ = false;
  std::unique_ptr<optim::Optimizer<float>> optimizer_;
};

}  // namespace metalab
