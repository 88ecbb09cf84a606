#include "web/app/labs/regression/job.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "core/io/safetensors.h"
#include "core/learners/maml.h"
#include "core/tasks/task_factory.h"
#include "web/app/page/learners.h"
#include "web/app/page/scheduler.h"

namespace metalab::web {

namespace {

// The origins, notices and errors below are English state (the status and the
// tests read them); each is the English of a ui.regression.origin/notice/error
// key in assets/i18n/en.json, which the view matches to show it in the page's
// language (shown_job_text in view.cpp): a change here goes there too.
constexpr int kValEvery = 50;  // iterations between validations
constexpr int kValTasks = 20;  // meta-validation tasks (drawn once from the seed)
constexpr int kQuery = 10;     // query points per task
// The baselines every comparison needs, by their registry names.
constexpr const char* kPretrain = "pretrain";
constexpr const char* kScratch = "scratch";

TrainerOptions trainer_options() {
  TrainerOptions o;
  o.val_every = kValEvery;
  o.val_tasks = kValTasks;
  o.val_steps = -1;
  return o;
}

LearnerConfig lab_config(const RegressionSettings& s, const TaskSource& source, const std::string& learner) {
  LearnerConfig c;
  c.learner = learner;
  c.model.backbone = "mlp";
  c.model.input_dim = source.input_dim();
  c.model.hidden.assign(static_cast<std::size_t>(s.depth), s.width);
  c.model.activation = "relu";
  c.model.output_dim = 1;
  c.model.classification = false;
  c.inner_lr = s.alpha;
  c.outer_lr = s.beta;
  c.inner_steps = s.inner_steps;
  c.meta_batch = s.meta_batch;
  c.seed = s.seed;
  return c;
}

// The same learner (weights, optimizer state) with the "hot" settings of s.
std::unique_ptr<Learner> with_settings(const Learner& l, const RegressionSettings& s) {
  Checkpoint c = l.save();
  c.metadata["inner_lr"] = format_exact(s.alpha);
  c.metadata["outer_lr"] = format_exact(s.beta);
  c.metadata["inner_steps"] = std::to_string(s.inner_steps);
  c.metadata["meta_batch"] = std::to_string(s.meta_batch);
  c.metadata["seed"] = std::to_string(s.seed);
  return load_learner(c);
}

bool architecture_fits(const LearnerConfig& c, const RegressionSettings& s, const TaskSource& src,
                       const std::string& learner) {
  if (c.learner != learner || c.model.backbone != "mlp" || c.model.classification) return false;
  if (c.model.input_dim != src.input_dim() || c.model.output_dim != 1) return false;
  if (static_cast<int>(c.model.hidden.size()) != s.depth) return false;
  for (int h : c.model.hidden)
    if (h != s.width) return false;
  return c.model.activation == "relu";
}

// A shipped checkpoint for (task, learner) that fits s, with s's hot settings applied; null otherwise.
std::unique_ptr<Learner> shipped_learner(const AssetStore& assets, const std::string& file, const std::string& task,
                                         const std::string& learner, const RegressionSettings& s,
                                         const TaskSource& src) {
  const std::string* bytes = assets.find(file);
  if (!bytes) return nullptr;
  try {
    const Checkpoint ckpt = load_safetensors(*bytes, file);
    if (get_metadata_or(ckpt, "task.name", task) != task) return nullptr;
    if (!architecture_fits(LearnerConfig::from_metadata(ckpt.metadata), s, src, learner)) return nullptr;
    return with_settings(*load_learner(ckpt), s);
  } catch (const std::exception&) {
    return nullptr;  // a broken shipped file: start fresh
  }
}

void record(LossCurves& c, const IterationRecord& m, const IterationRecord& p) {
  c.it.push_back(static_cast<float>(m.iteration));
  c.train.push_back(static_cast<float>(m.loss));
  c.pre_train.push_back(static_cast<float>(p.loss));
  if (!std::isnan(m.val_loss)) {
    c.val_it.push_back(static_cast<float>(m.iteration));
    c.val.push_back(static_cast<float>(m.val_loss));
    c.pre_val.push_back(std::isnan(p.val_loss) ? std::numeric_limits<float>::quiet_NaN()
                                                : static_cast<float>(p.val_loss));
  }
}

}  // namespace

const std::vector<SpeedLevel>& speed_levels() {
  static const std::vector<SpeedLevel> levels{
      {"1 it/s", 1}, {"5 it/s", 5}, {"20 it/s", 20}, {"100 it/s", 100}, {"max", 0}};
  return levels;
}

std::string shipped_checkpoint_name(const std::string& task, const std::string& learner) {
  return "checkpoints/" + task + "-" + learner + ".safetensors";
}

std::string shipped_baseline_name(const std::string& task, const std::string& learner) {
  return "checkpoints/" + task + "-" + learner + ".pretrain.safetensors";
}

std::string RegressionJob::title() const { return "Regression lab: " + regression_task_title(task_); }

double RegressionJob::max_steps_per_second() const {
  const auto& levels = speed_levels();
  return levels[static_cast<std::size_t>(std::clamp<int>(speed, 0, static_cast<int>(levels.size()) - 1))].per_second;
}

void RegressionJob::step() {
  const std::vector<IterationRecord> m = main_->step(1);
  const std::vector<IterationRecord> p = pretrain_->step(1);
  record(curves_, m.front(), p.front());
  untouched_ = false;
  weights_changed();
}

std::shared_ptr<const TaskSource> RegressionJob::make_source(const RegressionSettings& s, AssetStore& assets) const {
  const CsvTable* table = nullptr;
  if (task_ == "genes") {
    table = assets.genes_table();
    if (!table)
      throw std::invalid_argument(assets.genes_error().empty() ? "the tissue expression data is still downloading"
                                                               : assets.genes_error());
  }
  const TaskOptions options{{"name", task_}, {"support", std::to_string(s.k)}, {"query", std::to_string(kQuery)}};
  TaskData data;
  data.table = table;
  return std::shared_ptr<const TaskSource>(make_task_source(options, data));
}

bool RegressionJob::reset(AssetStore& assets, bool from_shipped, std::string* error) {
  try {
    const RegressionSettings& s = settings_;
    std::shared_ptr<const TaskSource> src = make_source(s, assets);
    std::unique_ptr<Learner> main, pre;
    if (from_shipped) {
      main = shipped_learner(assets, shipped_checkpoint_name(task_, s.learner), task_, s.learner, s, *src);
      if (main) pre = shipped_learner(assets, shipped_baseline_name(task_, s.learner), task_, kPretrain, s, *src);
    }
    const bool shipped = main != nullptr;
    if (!main) main = make_learner(lab_config(s, *src, s.learner));
    if (!pre) pre = make_learner(lab_config(s, *src, kPretrain));
    std::unique_ptr<Learner> scratch = make_learner(lab_config(s, *src, kScratch));
    const long it = main->iteration();
    auto tm = std::make_unique<Trainer>(std::move(main), src, trainer_options());
    auto tp = std::make_unique<Trainer>(std::move(pre), src, trainer_options());
    // Everything built: commit.
    source_ = src;
    main_ = std::move(tm);
    pretrain_ = std::move(tp);
    scratch_ = std::move(scratch);
    curves_ = LossCurves{};
    this->error.clear();
    origin = shipped ? "shipped checkpoint, trained natively for " + std::to_string(it) + " iterations"
                     : "fresh random initialisation";
    untouched_ = true;
    // A fresh start that was asked for (Reset, a lesson) stays fresh when the shipped file arrives later.
    if (!from_shipped) shipped_tried_ = shipped_checkpoint_name(task_, s.learner);
    timing.credit_ms = 0;
    weights_changed();
    return true;
  } catch (const std::exception& e) {
    if (error) *error = e.what();
    return false;
  }
}

bool RegressionJob::adopt_shipped_if_untouched(AssetStore& assets) {
  const std::string shipped = shipped_checkpoint_name(task_, settings_.learner);
  if (!ready() || !untouched_ || origin.rfind("fresh", 0) != 0 || !assets.has(shipped) || shipped_tried_ == shipped)
    return false;
  shipped_tried_ = shipped;
  const bool was_playing = playing;
  std::string err;
  if (!reset(assets, true, &err) || origin.rfind("shipped", 0) != 0) return false;
  playing = was_playing;
  notice = "Loaded the model shipped with the page (" + shipped + ").";
  return true;
}

bool RegressionJob::apply(const RegressionSettings& s_in, AssetStore& assets, std::string* error) {
  RegressionSettings s = s_in;
  s.task = task_;
  if (ready() && regression_settings().same_for_job(s, settings_)) return true;
  const RegressionSettings old = settings_;
  const bool was_ready = ready();
  if (!was_ready || !same_architecture(s, old)) {
    settings_ = s;
    if (!reset(assets, true, error)) {
      settings_ = old;
      return false;
    }
    if (was_ready) {
      const std::string what = s.learner != old.learner
                                   ? "Learner changed to " + learner_title(s.learner)
                                   : "Network changed to " + std::to_string(s.depth) + " x " + std::to_string(s.width);
      notice = what + ": training restarted from " + origin + ".";
    }
    return true;
  }
  // Hot change: keep the weights (and Adam's state), continue training.
  try {
    std::shared_ptr<const TaskSource> src = s.k != old.k ? make_source(s, assets) : source_;
    RegressionSettings pre = s;
    pre.learner = kPretrain;
    auto tm = std::make_unique<Trainer>(with_settings(main_->learner(), s), src, trainer_options());
    auto tp = std::make_unique<Trainer>(with_settings(pretrain_->learner(), pre), src, trainer_options());
    std::unique_ptr<Learner> scratch;
    if (s.seed != old.seed) scratch = make_learner(lab_config(s, *src, kScratch));
    source_ = src;
    main_ = std::move(tm);
    pretrain_ = std::move(tp);
    if (scratch) scratch_ = std::move(scratch);
    settings_ = s;
    this->error.clear();
    weights_changed();
    return true;
  } catch (const std::exception& e) {
    if (error) *error = e.what();
    return false;
  }
}

bool RegressionJob::load_checkpoint(const Checkpoint& ckpt, AssetStore& assets, std::string* error) {
  const auto fail = [&](const std::string& m) {
    if (error) *error = m;
    return false;
  };
  try {
    const std::string learner = get_metadata_or(ckpt, "learner", "");
    if (learner.empty()) return fail(ckpt.source + " is not a MetaLab checkpoint (no 'learner' in its metadata)");
    const bool baseline = learner == kPretrain;
    bool offered = false;
    std::string names;
    for (const Choice& c : regression_learners()) {
      offered = offered || c.value == learner;
      names += (names.empty() ? "" : ", ") + c.value;
    }
    if (!baseline && !offered)
      return fail(ckpt.source + " holds a '" + learner + "' learner; this lab trains " + names +
                  " (or a pretrain baseline)");
    const std::string task = get_metadata_or(ckpt, "task.name", task_);
    if (task != task_) return fail(ckpt.source + " was trained on '" + task + "' tasks, not '" + task_ + "'");
    TaskOptions options = task_options_from_metadata(ckpt.metadata);
    options["name"] = task;
    TaskData data;
    data.table = task == "genes" ? assets.genes_table() : nullptr;
    if (task == "genes" && !data.table) return fail("the tissue expression data is not loaded yet; try again in a moment");
    std::shared_ptr<const TaskSource> src(make_task_source(options, data));

    const LearnerConfig cfg = LearnerConfig::from_metadata(ckpt.metadata);
    if (cfg.model.backbone != "mlp" || cfg.model.classification || cfg.model.output_dim != 1)
      return fail(ckpt.source + " holds a " + cfg.model.backbone + " " +
                  (cfg.model.classification ? "classifier" : "model") + "; this lab needs an MLP regressor");
    if (cfg.model.input_dim != src->input_dim())
      return fail(ckpt.source + " takes " + std::to_string(cfg.model.input_dim) + " inputs; " + task + " tasks have " +
                  std::to_string(src->input_dim()));
    const SettingsTable<RegressionSettings>& table_s = regression_settings();
    const auto& h = cfg.model.hidden;
    const Setting<RegressionSettings>& width = *table_s.find("width");
    const Setting<RegressionSettings>& depth = *table_s.find("depth");
    RegressionSettings probe;
    if (h.empty() || static_cast<double>(h.size()) > depth.hi(probe) ||
        std::any_of(h.begin(), h.end(), [&](int w) { return w != h[0]; }) || h[0] < width.lo() ||
        h[0] > width.hi(probe))
      return fail(ckpt.source + ": this lab shows networks of 1-4 equal hidden layers of 4-128 units");
    if (cfg.model.activation != "relu") return fail(ckpt.source + ": this lab uses ReLU networks");

    RegressionSettings s = settings_;
    s.task = task_;
    if (!baseline) s.learner = learner;
    s.alpha = cfg.inner_lr;
    s.beta = cfg.outer_lr;
    s.k = std::stoi(src->description().at("task.support"));
    s.inner_steps = cfg.inner_steps;
    s.meta_batch = cfg.meta_batch;
    s.width = h[0];
    s.depth = static_cast<int>(h.size());
    s.seed = cfg.seed;
    table_s.validate(s);  // a checkpoint may hold values outside the controls' ranges

    std::unique_ptr<Learner> loaded = load_learner(ckpt);  // checks every tensor's shape and value

    if (baseline) {
      if (!ready() || s.width != settings_.width || s.depth != settings_.depth || s.k != settings_.k)
        return fail(ckpt.source + " is a pretrain baseline for another network or K; load a meta-learner first");
      pretrain_ = std::make_unique<Trainer>(std::move(loaded), source_, trainer_options());
      notice = "Loaded the pretrain baseline from " + ckpt.source + ".";
    } else {
      const long it = loaded->iteration();
      auto tm = std::make_unique<Trainer>(std::move(loaded), src, trainer_options());
      std::unique_ptr<Trainer> tp;
      RegressionSettings pre = s;
      pre.learner = kPretrain;
      if (ready() && s.width == settings_.width && s.depth == settings_.depth && s.k == settings_.k)
        tp = std::make_unique<Trainer>(with_settings(pretrain_->learner(), pre), src, trainer_options());
      else
        tp = std::make_unique<Trainer>(make_learner(lab_config(s, *src, kPretrain)), src, trainer_options());
      std::unique_ptr<Learner> scratch = make_learner(lab_config(s, *src, kScratch));
      main_ = std::move(tm);
      pretrain_ = std::move(tp);
      scratch_ = std::move(scratch);
      source_ = src;
      settings_ = s;
      curves_ = LossCurves{};
      origin = "uploaded " + ckpt.source + " (" + std::to_string(it) + " iterations)";
      notice = "Loaded " + ckpt.source + ": " + learner_title(learner) + ", " + std::to_string(it) + " iterations.";
    }
    playing = false;
    untouched_ = false;
    this->error.clear();
    weights_changed();
    return true;
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}

std::string RegressionJob::checkpoint_bytes(std::string* file_name) const {
  if (!ready()) throw std::logic_error("no model to save yet");
  if (file_name)
    *file_name = "metalab-" + task_ + "-" + settings_.learner + "-it" + std::to_string(iteration()) + ".safetensors";
  return save_safetensors(main_->checkpoint(0));
}

AdaptedPredictions adapt_predictions(const Learner& learner, const Task& task, int steps, const Matrix& eval_x,
                                     const Matrix* eval_y) {
  AdaptedPredictions out;
  try {
    const std::vector<Predictor> path = learner.adapt(task, steps);
    for (int k = 0; k <= steps; ++k) {
      const Predictor& p = path[std::min<std::size_t>(static_cast<std::size_t>(k), path.size() - 1)];
      const Matrix y = p(eval_x);
      std::vector<float> v(static_cast<std::size_t>(y.rows()));
      for (Eigen::Index i = 0; i < y.rows(); ++i) v[static_cast<std::size_t>(i)] = y(i, 0);
      out.by_step.push_back(std::move(v));
      if (eval_y) {
        double sum = 0;
        for (Eigen::Index i = 0; i < y.rows(); ++i) {
          const double d = static_cast<double>(y(i, 0)) - (*eval_y)(i, 0);
          sum += d * d;
        }
        out.loss.push_back(y.rows() > 0 ? sum / static_cast<double>(y.rows()) : 0.0);
      }
    }
  } catch (const std::exception& e) {
    out.by_step.clear();
    out.loss.clear();
    out.error = e.what();
  }
  return out;
}

AdaptedModels adapt_models(const RegressionJob& job, const Task& task, Matrix eval_x, Matrix eval_y) {
  AdaptedModels m;
  m.eval_x = std::move(eval_x);
  m.eval_y = std::move(eval_y);
  m.meta = adapt_predictions(job.meta_learner(), task, kAdaptSteps, m.eval_x, &m.eval_y);
  m.pre = adapt_predictions(job.pretrain_learner(), task, kAdaptSteps, m.eval_x, &m.eval_y);
  m.scratch = adapt_predictions(job.scratch_learner(), task, kAdaptSteps, m.eval_x, &m.eval_y);
  return m;
}

MetaGradientCompare compare_meta_gradients(const Learner& learner, const Task& task) {
  MetaGradientCompare out;
  const auto* g = dynamic_cast<const GradientMetaLearner*>(&learner);
  if (!g) return out;
  out.available = true;
  if (task.support_x.rows() == 0) {
    out.error = "add a support point";
    return out;
  }
  const double t0 = now_ms();
  try {
    const GradientMetaLearner::TaskGradient exact = g->task_gradient(task, false);
    const GradientMetaLearner::TaskGradient first = g->task_gradient(task, true);
    double ee = 0, ff = 0, ef = 0;
    const std::size_t n = std::min(exact.grads.size(), first.grads.size());
    for (std::size_t i = 0; i < n; ++i) {
      const auto& a = exact.grads[i].value();
      const auto& b = first.grads[i].value();
      if (a.size() != b.size()) continue;
      ee += static_cast<double>(a.squaredNorm());
      ff += static_cast<double>(b.squaredNorm());
      ef += static_cast<double>((a.array() * b.array()).sum());
    }
    out.exact_norm = std::sqrt(ee);
    out.first_order_norm = std::sqrt(ff);
    out.cosine = ee > 0 && ff > 0 ? ef / std::sqrt(ee * ff) : 0.0;
    out.query_loss = exact.query_loss;
    out.support_loss = exact.support_loss;
  } catch (const std::exception& e) {
    out.error = e.what();
  }
  out.ms = now_ms() - t0;
  return out;
}

}  // namespace metalab::web
