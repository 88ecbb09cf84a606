// Live meta-training in the page: one TrainingSession per task family
// (sinusoid, promoter, genes), each a meta-learner plus the two baselines the
// labs compare it with, trained a few iterations per frame inside a time
// budget so that the page keeps drawing at 60 fps.
//
//   session_reset(s, bank);                 // fresh, or from a shipped checkpoint
//   tick_training(s, dt, budget_ms);        // each frame: as many iterations as fit
//   adapt_models(s, task, 10, x, y)         // predictions of every model after 0..10 steps
//
// The meta-learner and the pretrain baseline each have their own core
// Trainer, seeded alike, so while they train together they see the same task
// batches; they stay independent so that a checkpoint uploaded for one does
// not require the other to be at the same iteration. The scratch baseline is
// never meta-trained (a fresh network fitted to the support set).
//
// No platform code and no ImGui here: the views draw what these functions compute.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/io/csv.h"
#include "core/learners/learner.h"
#include "core/learners/trainer.h"
#include "core/tasks/task_source.h"

namespace metalab::web {

// The hyper-parameters the page exposes (and puts in the URL hash).
struct LabHyper {
  std::string learner = "maml";  // one of lab_learners()
  float alpha = 0.01f;           // inner-loop / fine-tuning step size
  float beta = 0.001f;           // outer (meta) step size (Adam)
  int k = 10;                    // support points per task (K-shot)
  int inner_steps = 1;           // inner SGD steps while meta-training
  int meta_batch = 25;           // tasks per meta-iteration
  int width = 40;                // hidden units per layer
  int depth = 2;                 // hidden layers
  std::uint64_t seed = 1;        // initialisation, task stream, held-out tasks

  bool same_architecture(const LabHyper& o) const { return learner == o.learner && width == o.width && depth == o.depth; }
  bool operator==(const LabHyper& o) const {
    return same_architecture(o) && alpha == o.alpha && beta == o.beta && k == o.k && inner_steps == o.inner_steps &&
           meta_batch == o.meta_batch && seed == o.seed;
  }
  bool operator!=(const LabHyper& o) const { return !(*this == o); }
};

// Limits of the page's controls (the URL parser uses them too).
struct LabLimits {
  static constexpr float kAlphaMin = 1e-4f, kAlphaMax = 1.0f;
  static constexpr float kBetaMin = 1e-5f, kBetaMax = 0.1f;
  static constexpr int kKMin = 1, kKMax = 50;
  static constexpr int kStepsMin = 1, kStepsMax = 10;
  static constexpr int kBatchMin = 1, kBatchMax = 50;
  static constexpr int kWidthMin = 4, kWidthMax = 128;
  static constexpr int kDepthMin = 1, kDepthMax = 4;
  static constexpr int kAdaptSteps = 10;  // the adaptation slider: 0..10
};

// Learners the regression lab trains, in menu order; task families.
const std::vector<std::string>& lab_learners();
const char* learner_title(const std::string& name);  // "MAML (second order)"
const std::vector<std::string>& lab_tasks();
const char* task_title(const std::string& name);  // "Sinusoids"

// Files the page fetches at start-up (checkpoints, the expression CSV), by
// their path relative to the site, e.g. "checkpoints/sinusoid_maml.safetensors".
struct AssetStore {
  std::map<std::string, std::string> files;
  std::shared_ptr<const CsvTable> genes_table;  // parsed on first use
  std::string genes_error;                      // why it could not be parsed
  bool has(const std::string& name) const { return files.count(name) > 0; }
};
constexpr const char* kGenesCsv = "data/tissue_gene_expression.csv";
// "checkpoints/<task>-<learner>.safetensors" and its pretrain baseline, trained
// on the same batches, "checkpoints/<task>-<learner>.pretrain.safetensors"
// (the names scripts/make-checkpoints.sh and scripts/make-web-checkpoints.sh write).
std::string shipped_checkpoint_name(const std::string& task, const std::string& learner);
std::string shipped_baseline_name(const std::string& task, const std::string& learner);
// The parsed expression table, or null (not downloaded yet, or unparseable: see genes_error).
const CsvTable* genes_table(AssetStore& assets);

// Points of the loss curves (one per iteration; validation every kValEvery).
struct LossCurves {
  std::vector<float> it, train, pre_train;   // per iteration
  std::vector<float> val_it, val, pre_val;   // per validation
  void clear() { *this = LossCurves{}; }
};

struct TrainingSession {
  std::string task = "sinusoid";
  LabHyper hp;
  std::shared_ptr<const TaskSource> source;
  std::unique_ptr<Trainer> main;      // the meta-learner
  std::unique_ptr<Trainer> pretrain;  // the pretrain + fine-tune baseline
  std::unique_ptr<Learner> scratch;   // the from-scratch baseline (never meta-trained)
  LossCurves curves;

  bool playing = false;
  int speed = 4;       // index into speed_levels(): iterations per second, the last = as fast as fits
  long version = 0;    // bumps whenever the weights of any model change (cache key for views)
  std::string origin;  // where the weights came from, shown in the page
  bool untouched = true;  // not yet trained, reset or uploaded: a shipped checkpoint may still replace it
  std::string shipped_tried;  // the shipped checkpoint last tried for an untouched session
  std::string notice;  // e.g. "Architecture changed: training restarted"
  std::string error;   // e.g. divergence

  // Timing (wall clock, milliseconds).
  double iter_ms = 0;        // moving average of one iteration (meta-learner + pretrain)
  double credit = 0;         // iterations owed by the speed limit
  int skip_frames = 0;       // when one iteration exceeds the budget: frames to rest...
  int rested = 0;            // ...frames rested so far...
  double rest_start_ms = 0;  // ...and since when (a rest never outlasts kMaxRestMs after its first frame)
  double rate_window_s = 0;  // for iterations/s
  long rate_window_iters = 0;
  double its_per_s = 0;
  double last_tick_ms = 0;   // training time spent in the last frame

  long iteration() const { return main ? main->iteration() : 0; }
  bool ready() const { return main && pretrain && scratch && source; }
};

struct SpeedLevel {
  const char* label;
  double per_second;  // 0: as many as fit in the budget
};
const std::vector<SpeedLevel>& speed_levels();

// Builds the task source for hp (genes needs the table). Throws
// std::invalid_argument / DataError naming the problem.
std::shared_ptr<const TaskSource> make_lab_source(const std::string& task, const LabHyper& hp, const CsvTable* genes);
// The learner configuration for hp on this source ("pretrain"/"scratch" for the baselines).
LearnerConfig lab_config(const LabHyper& hp, const TaskSource& source, const std::string& learner);

// (Re)starts a session for its task and hp: from the shipped checkpoints when
// `from_shipped` and they fit the architecture (then the hot settings of hp
// are applied to them), otherwise from a fresh initialisation. Keeps the
// session unchanged and returns false (with *error) when the source cannot be
// built, e.g. the expression data is not there yet.
bool session_reset(TrainingSession& s, AssetStore& assets, bool from_shipped, std::string* error);

// A shipped checkpoint that arrives (is fetched) after a session started
// fresh replaces it, if nobody has trained, reset or uploaded since. Tried
// once per checkpoint name. Returns true when it replaced the weights.
bool adopt_shipped_if_untouched(TrainingSession& s, AssetStore& assets);

// Applies new hyper-parameters. Architecture changes (learner, width, depth)
// restart training and say so in s.notice; the others (alpha, beta, K, inner
// steps, meta-batch, seed) keep the weights and continue.
bool session_set_hyper(TrainingSession& s, const LabHyper& hp, AssetStore& assets, std::string* error);

// Replaces the meta-learner (or, for a "pretrain" checkpoint, the pretrain
// baseline) with a checkpoint: checks everything first and changes nothing
// when it does not fit (returns false with a message). The session's task and
// hyper-parameters follow the checkpoint.
bool session_load_checkpoint(TrainingSession& s, const Checkpoint& ckpt, AssetStore& assets, std::string* error);

// The meta-learner's checkpoint, as safetensors bytes, and a file name for it.
std::string session_checkpoint_bytes(const TrainingSession& s, std::string* file_name);

// Runs meta-iterations while playing, within budget_ms of wall time and the
// speed limit (dt_s: seconds since the last frame). Returns iterations run.
int tick_training(TrainingSession& s, double dt_s, double budget_ms);
// Exactly one iteration (the Step button / S key), whatever the budget.
void step_training(TrainingSession& s);

// Predictions of one model on eval_x after 0..steps adaptation steps on
// task.support_*, and the MSE against eval_y (when given) at each step.
struct AdaptedPredictions {
  std::vector<std::vector<float>> by_step;  // [step][row]
  std::vector<double> loss;                 // [step]; empty without eval_y
  std::string error;                        // e.g. empty support set
  bool ok() const { return error.empty() && !by_step.empty(); }
};
AdaptedPredictions adapt_predictions(const Learner& learner, const Task& task, int steps, const Matrix& eval_x,
                                     const Matrix* eval_y);

// Second-order vs first-order meta-gradient of one task (MAML family only).
struct MetaGradientCompare {
  bool available = false;  // false for Reptile and the baselines
  double exact_norm = 0, first_order_norm = 0, cosine = 0;
  double query_loss = 0, support_loss = 0;
  std::string error;
};
MetaGradientCompare compare_meta_gradients(const Learner& learner, const Task& task);

// Monotonic wall clock in milliseconds.
double now_ms();

}  // namespace metalab::web
