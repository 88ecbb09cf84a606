// The regression lab's job for one task family (sinusoid, promoter, genes):
// a meta-learner and the two baselines the labs compare it with, trained one
// meta-iteration per step() by the page's scheduler while Play is on.
//
//   RegressionJob job("sinusoid");
//   job.apply(settings, assets, &error);   // builds, or changes hot settings in place
//   job.playing = true;                    // the scheduler now calls job.step()
//   AdaptedPredictions p = adapt_predictions(job.meta_learner(), task, 10, x, &y);
//
// The meta-learner and the pretrain baseline each have their own core
// Trainer, seeded alike, so while they train together they see the same task
// batches; they stay independent so that a checkpoint uploaded for one does
// not require the other to be at the same iteration. The scratch baseline is
// never meta-trained (a fresh network fitted to the support set). The gene
// lab shows the promoter and genes jobs too.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/learners/learner.h"
#include "core/learners/trainer.h"
#include "core/tasks/task_source.h"
#include "web/app/labs/regression/settings.h"
#include "web/app/page/assets.h"
#include "web/app/page/job.h"

namespace metalab::web {

// Points of the loss curves (one per iteration; validation every few).
struct LossCurves {
  std::vector<float> it, train, pre_train;  // per iteration
  std::vector<float> val_it, val, pre_val;  // per validation
};

// Training speeds the user can pick (iterations per second; 0 = as many as fit).
struct SpeedLevel {
  const char* label;
  double per_second;
};
const std::vector<SpeedLevel>& speed_levels();

class RegressionJob : public TrainingJob {
 public:
  explicit RegressionJob(std::string task) : task_(std::move(task)) {}

  std::string title() const override;
  bool ready() const override { return main_ && pretrain_ && scratch_ && source_; }
  long iteration() const override { return main_ ? main_->iteration() : 0; }
  void step() override;  // one meta-iteration of the meta-learner and of the pretrain baseline
  double max_steps_per_second() const override;

  const std::string& task() const { return task_; }
  // The settings the models were built or last changed for.
  const RegressionSettings& settings() const { return settings_; }

  // Brings the job in line with s: a different network (learner, width,
  // depth) restarts training (from the shipped checkpoint when it fits) and
  // says so in notice; the other settings keep the weights. false with *error
  // (and the job unchanged) when the tasks cannot be built yet, e.g. the
  // expression data has not arrived.
  bool apply(const RegressionSettings& s, AssetStore& assets, std::string* error);
  // Starts again: from the shipped checkpoints if asked and they fit, else fresh.
  bool reset(AssetStore& assets, bool from_shipped, std::string* error);
  // A shipped checkpoint that arrives after a fresh start replaces it, if
  // nobody has trained, reset or uploaded since. Returns true when it did.
  bool adopt_shipped_if_untouched(AssetStore& assets);
  // Replaces the meta-learner (or, for a "pretrain" checkpoint, the baseline)
  // with a checkpoint of this task family, after checking all of it; false
  // with *error and nothing changed when it does not fit.
  bool load_checkpoint(const Checkpoint& ckpt, AssetStore& assets, std::string* error);
  // The meta-learner as safetensors bytes and a file name for it.
  std::string checkpoint_bytes(std::string* file_name) const;

  const Learner& meta_learner() const { return main_->learner(); }
  const Learner& pretrain_learner() const { return pretrain_->learner(); }
  const Learner& scratch_learner() const { return *scratch_; }
  const TaskSource& source() const { return *source_; }
  const LossCurves& curves() const { return curves_; }

  int speed = 4;           // index into speed_levels()
  std::string origin;      // where the weights came from, shown in the page
  std::string notice;      // e.g. "Learner changed to Reptile: training restarted"

 private:
  std::shared_ptr<const TaskSource> make_source(const RegressionSettings& s, AssetStore& assets) const;

  std::string task_;
  RegressionSettings settings_;
  std::shared_ptr<const TaskSource> source_;
  std::unique_ptr<Trainer> main_, pretrain_;
  std::unique_ptr<Learner> scratch_;
  LossCurves curves_;
  bool untouched_ = true;       // not trained, reset or uploaded since a fresh start
  std::string shipped_tried_;   // the shipped checkpoint last tried for an untouched job
};

// The shipped checkpoints of a task family and learner
// ("checkpoints/<task>-<learner>.safetensors" and ".pretrain.safetensors", as
// scripts/make-checkpoints.sh and scripts/make-web-checkpoints.sh write them).
std::string shipped_checkpoint_name(const std::string& task, const std::string& learner);
std::string shipped_baseline_name(const std::string& task, const std::string& learner);

// Predictions of a model on eval_x after 0..steps adaptation steps on
// task.support_*, and the MSE against eval_y (when given) at each step.
struct AdaptedPredictions {
  std::vector<std::vector<float>> by_step;  // [step][row]
  std::vector<double> loss;                 // [step]; empty without eval_y
  std::string error;                        // e.g. empty support set
  bool ok() const { return error.empty() && !by_step.empty(); }
};
AdaptedPredictions adapt_predictions(const Learner& learner, const Task& task, int steps, const Matrix& eval_x,
                                     const Matrix* eval_y);

// The three models of a job on one task: meta-learner, pretrain, scratch.
struct AdaptedModels {
  Matrix eval_x, eval_y;
  AdaptedPredictions meta, pre, scratch;
  const AdaptedPredictions& of(int which) const { return which == 0 ? meta : which == 1 ? pre : scratch; }
};
AdaptedModels adapt_models(const RegressionJob& job, const Task& task, Matrix eval_x, Matrix eval_y);

// Second-order vs first-order meta-gradient of one task (gradient-based meta-learners only).
struct MetaGradientCompare {
  bool available = false;  // false for Reptile and the baselines
  double exact_norm = 0, first_order_norm = 0, cosine = 0;
  double query_loss = 0, support_loss = 0;
  double ms = 0;  // wall time of both
  std::string error;
};
MetaGradientCompare compare_meta_gradients(const Learner& learner, const Task& task);

}  // namespace metalab::web
