// The one interface every learner implements, baselines included, so that the
// trainer, the evaluator, the CLI and every view of the page treat them alike.
//
//   auto learner = make_learner(config);                    // through the registry (registry.h)
//   StepStats s = learner->meta_step(batch_of_tasks);      // one meta-iteration
//   auto path = learner->adapt(task, 10);                   // predictors after 0..10 steps
//   Matrix y = path[5](task.query_x);                       // predictions after 5 steps
//   Checkpoint ckpt = learner->save();                      // safetensors-ready
//
// Iterative learners (the MAML family, Reptile, fine-tuning baselines) return
// steps + 1 predictors; learners that adapt in one shot (prototypical and
// matching networks, the memory network) return a single one. What each
// learner is (family, title, accepted tasks...) is its entry in the learner
// registry (core/learners/registry.h), which also builds it.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/common/rng.h"
#include "core/io/safetensors.h"
#include "core/learners/model.h"
#include "core/tasks/task.h"

namespace metalab {

// All hyper-parameters of a learner. Every field round-trips through a
// checkpoint's metadata, so a checkpoint alone rebuilds its learner.
struct LearnerInfo;  // core/learners/registry.h

struct LearnerConfig {
  std::string learner = "maml";  // a name in the registry: maml, fomaml, metasgd, anil, reptile, pretrain, ...
  ModelConfig model;
  float inner_lr = 0.01f;      // alpha: inner-loop / fine-tuning SGD step size
  int inner_steps = 1;         // inner SGD steps during meta-training
  float outer_lr = 0.001f;     // beta: outer (meta) optimizer step size
  std::string outer_optimizer = "adam";
  int meta_batch = 25;         // tasks per meta-iteration
  float grad_clip = 0.0f;      // global-norm clipping of the meta-gradient; 0 = off
  bool first_order = false;    // MAML family: drop second-order terms
  float metasgd_init_lr = 0.01f;  // Meta-SGD: initial per-parameter step size
  float reptile_epsilon = 0.1f;   // Reptile: outer step size (interpolation factor)
  float scratch_lr = 0.01f;       // scratch baseline: Adam step size on the support set
  // Metric learners and the nearest-neighbour baseline: "euclidean" (squared
  // Euclidean distance, ProtoNet's choice) or "cosine".
  std::string distance = "euclidean";
  // Matching networks: attention is softmax_i(s * cos(f(x), f(x_i))). Cosines
  // lie in [-1, 1] (in [0, 1] after a ReLU), so with s = 1, the paper's
  // unscaled form, even a perfect embedding gives each class little more than
  // 1/N: the loss barely separates good embeddings from bad ones. A scale of
  // 10, as cosine classifiers use (Chen et al. 2019), lets attention focus.
  float cosine_scale = 10.0f;
  // pretrain on classification: size of the global classifier, i.e. the number
  // of meta-training classes (0: required when classification is on).
  int pretrain_classes = 0;
  // pretrain on classification: fine-tune the body with the new head (true) or
  // train only the new head on frozen features (false).
  bool finetune_body = false;
  // Memory-augmented network (mann) and its baselines (lstm, feedforward):
  // model.hidden = {controller LSTM size} (feedforward: hidden layers),
  // model.output_dim = classes per episode (see core/learners/mann.h).
  int memory_slots = 128;     // N, memory rows
  int memory_width = 40;      // M, memory columns
  int read_heads = 4;         // R read heads, each with an LRUA write head
  float usage_decay = 0.95f;  // gamma, decay of the usage weights
  std::uint64_t seed = 0;

  void validate() const;
  std::map<std::string, std::string> to_metadata() const;
  static LearnerConfig from_metadata(const std::map<std::string, std::string>& metadata);
};

struct StepStats {
  double loss = 0;           // mean post-adaptation query loss over the batch (or training loss)
  double pre_loss = 0;       // mean query loss before adaptation (NaN when not computed)
  double metric = 0;         // mean post-adaptation accuracy (classification) or MSE
  double grad_norm = 0;      // norm of the meta-gradient before clipping
};

// Predictions for a batch of inputs, rows are examples.
using Predictor = std::function<Matrix(const Matrix& x)>;

// Runs body(i) for i in [0, n). The core runs it sequentially (it must also
// build for the browser); the native tool injects a thread pool. Results must
// not depend on the order in which the indices run.
using ParallelFor = std::function<void(int n, const std::function<void(int)>& body)>;
void sequential_for(int n, const std::function<void(int)>& body);

// Thrown when training produces NaN or infinity; names the learner and step.
class DivergenceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Learner {
 public:
  explicit Learner(LearnerConfig config);
  virtual ~Learner() = default;

  const LearnerConfig& config() const { return config_; }
  const Model& model() const { return model_; }
  const std::string& kind() const { return config_.learner; }
  // Its registry entry.
  const LearnerInfo& info() const { return *info_; }

  // One meta-training iteration on a batch of tasks.
  virtual StepStats meta_step(const std::vector<Task>& batch) = 0;
  // Adapts to task.support_*; element k predicts after k adaptation steps.
  virtual std::vector<Predictor> adapt(const Task& task, int steps) const = 0;
  // Whether adapt() returns one predictor per step (false: one-shot adaptation).
  bool iterative() const;

  // The meta-learned parameters (what a checkpoint stores and views inspect).
  virtual const ParamsF& params() const = 0;
  // Weights, optimizer state and config; load() restores exactly.
  virtual Checkpoint save() const;
  virtual void load(const Checkpoint& ckpt);
  long iteration() const { return iteration_; }

  void set_parallel(ParallelFor parallel) { parallel_ = std::move(parallel); }

 protected:
  // Hooks for save()/load(): extra named tensors (optimizer state, step sizes...).
  virtual void save_extra(Checkpoint& ckpt) const;
  virtual void load_extra(const Checkpoint& ckpt);
  virtual ParamsF& mutable_params() = 0;
  // Throws DivergenceError if x is not finite.
  void check_finite(double x, const char* what) const;

  LearnerConfig config_;
  const LearnerInfo* info_;
  Model model_;
  ParallelFor parallel_ = sequential_for;
  long iteration_ = 0;
};

// The tensor `name` for a parameter held as a rows x cols matrix. A file may
// store it as [rows, cols], as [cols] when rows is 1 (PyTorch's biases) or as []
// for a 1 x 1; any other shape, even one with the same element count ([40,1,1]
// for [40,1]), throws FormatError naming the checkpoint and the tensor.
const TensorEntry& expect_matrix(const Checkpoint& ckpt, const std::string& name, Eigen::Index rows, Eigen::Index cols);

// Through the registry (registry.cpp): the names accepted by make_learner, in
// the order the CLI and the page list them; the learner config.learner names;
// a learner (config and state) rebuilt from a checkpoint.
const std::vector<std::string>& learner_names();
std::unique_ptr<Learner> make_learner(const LearnerConfig& config);
std::unique_ptr<Learner> load_learner(const Checkpoint& ckpt);

}  // namespace metalab
