#include "web/app/training_loop.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "core/io/safetensors.h"
#include "core/learners/maml.h"
#include "core/tasks/regression_sources.h"

namespace metalab::web {

namespace {

constexpr int kValEvery = 50;   // iterations between validations
constexpr int kValTasks = 20;   // meta-validation tasks (drawn once from the seed)
constexpr int kQuery = 10;      // query points per task
// An iteration costlier than the frame budget runs, then the loop rests for as
// many frames as it overran (so most frames stay light), but at least one frame
// and at most this long (slow frames, e.g. software rendering, would otherwise
// stall training for seconds).
constexpr double kMaxRestMs = 250;

TrainerOptions trainer_options() {
  TrainerOptions o;
  o.val_every = kValEvery;
  o.val_tasks = kValTasks;
  o.val_steps = -1;
  return o;
}

// The same learner (weights, optimizer state) with the "hot" settings of hp.
std::unique_ptr<Learner> with_hyper(const Learner& l, const LabHyper& hp) {
  Checkpoint c = l.save();
  c.metadata["inner_lr"] = format_exact(hp.alpha);
  c.metadata["outer_lr"] = format_exact(hp.beta);
  c.metadata["inner_steps"] = std::to_string(hp.inner_steps);
  c.metadata["meta_batch"] = std::to_string(hp.meta_batch);
  c.metadata["seed"] = std::to_string(hp.seed);
  return load_learner(c);
}

bool architecture_fits(const LearnerConfig& c, const LabHyper& hp, const TaskSource& src, const std::string& learner) {
  if (c.learner != learner || c.model.backbone != "mlp" || c.model.classification) return false;
  if (c.model.input_dim != src.input_dim() || c.model.output_dim != 1) return false;
  if (static_cast<int>(c.model.hidden.size()) != hp.depth) return false;
  for (int h : c.model.hidden)
    if (h != hp.width) return false;
  return c.model.activation == "relu";
}

// A shipped checkpoint for (task, learner) that fits hp, with hp's hot settings applied; null otherwise.
std::unique_ptr<Learner> shipped_learner(const AssetStore& assets, const std::string& file, const std::string& task,
                                         const std::string& learner, const LabHyper& hp, const TaskSource& src) {
  const auto it = assets.files.find(file);
  if (it == assets.files.end()) return nullptr;
  try {
    const Checkpoint ckpt = load_safetensors(it->second, it->first);
    if (get_metadata_or(ckpt, "task.name", task) != task) return nullptr;
    if (!architecture_fits(LearnerConfig::from_metadata(ckpt.metadata), hp, src, learner)) return nullptr;
    LabHyper h = hp;
    h.learner = learner;
    return with_hyper(*load_learner(ckpt), h);
  } catch (const std::exception&) {
    return nullptr;  // a broken shipped file: start fresh
  }
}

void record(TrainingSession& s, const IterationRecord& m, const IterationRecord& p) {
  LossCurves& c = s.curves;
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

void one_iteration(TrainingSession& s) {
  const std::vector<IterationRecord> m = s.main->step(1);
  const std::vector<IterationRecord> p = s.pretrain->step(1);
  record(s, m.front(), p.front());
  s.untouched = false;
  ++s.version;
}

bool run_guarded(TrainingSession& s, int* done, int max_n, double budget_ms) {
  const double t0 = now_ms();
  try {
    while (*done < max_n) {
      const double a = now_ms();
      one_iteration(s);
      ++*done;
      const double b = now_ms();
      const double dt = b - a;
      s.iter_ms = s.iter_ms <= 0 ? dt : 0.8 * s.iter_ms + 0.2 * dt;
      if (b - t0 + s.iter_ms > budget_ms) break;
    }
  } catch (const std::exception& e) {
    s.playing = false;
    s.error = e.what();
    return false;
  }
  return true;
}

}  // namespace

double now_ms() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double, std::milli>(clock::now().time_since_epoch()).count();
}

const std::vector<std::string>& lab_learners() {
  static const std::vector<std::string> names{"maml", "fomaml", "metasgd", "anil", "reptile"};
  return names;
}

const char* learner_title(const std::string& name) {
  if (name == "maml") return "MAML";
  if (name == "fomaml") return "First-order MAML";
  if (name == "metasgd") return "Meta-SGD";
  if (name == "anil") return "ANIL";
  if (name == "reptile") return "Reptile";
  if (name == "pretrain") return "Pretrain + fine-tune";
  if (name == "scratch") return "Scratch";
  return "?";
}

const std::vector<std::string>& lab_tasks() {
  static const std::vector<std::string> names{"sinusoid", "promoter", "genes"};
  return names;
}

const char* task_title(const std::string& name) {
  if (name == "sinusoid") return "Sinusoids";
  if (name == "promoter") return "Promoter -> expression";
  if (name == "genes") return "Tissue gene expression";
  return "?";
}

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

const CsvTable* genes_table(AssetStore& assets) {
  if (assets.genes_table) return assets.genes_table.get();
  if (!assets.genes_error.empty()) return nullptr;
  const auto it = assets.files.find(kGenesCsv);
  if (it == assets.files.end()) return nullptr;
  try {
    assets.genes_table = std::make_shared<const CsvTable>(parse_csv_string(it->second, "tissue_gene_expression.csv"));
  } catch (const std::exception& e) {
    assets.genes_error = e.what();
    return nullptr;
  }
  return assets.genes_table.get();
}

std::shared_ptr<const TaskSource> make_lab_source(const std::string& task, const LabHyper& hp, const CsvTable* genes) {
  if (task == "genes" && !genes) throw std::invalid_argument("the tissue expression data has not been loaded yet");
  const TaskOptions options{{"support", std::to_string(hp.k)}, {"query", std::to_string(kQuery)}};
  return std::shared_ptr<const TaskSource>(make_regression_source(task, options, genes));
}

LearnerConfig lab_config(const LabHyper& hp, const TaskSource& source, const std::string& learner) {
  LearnerConfig c;
  c.learner = learner;
  c.model.backbone = "mlp";
  c.model.input_dim = source.input_dim();
  c.model.hidden.assign(static_cast<std::size_t>(hp.depth), hp.width);
  c.model.activation = "relu";
  c.model.output_dim = 1;
  c.model.classification = false;
  c.inner_lr = hp.alpha;
  c.outer_lr = hp.beta;
  c.inner_steps = hp.inner_steps;
  c.meta_batch = hp.meta_batch;
  c.seed = hp.seed;
  return c;
}

bool session_reset(TrainingSession& s, AssetStore& assets, bool from_shipped, std::string* error) {
  try {
    const CsvTable* table = s.task == "genes" ? genes_table(assets) : nullptr;
    if (s.task == "genes" && !table)
      throw std::invalid_argument(assets.genes_error.empty() ? "the tissue expression data is still downloading"
                                                             : assets.genes_error);
    std::shared_ptr<const TaskSource> src = make_lab_source(s.task, s.hp, table);
    std::unique_ptr<Learner> main, pre;
    if (from_shipped) {
      main = shipped_learner(assets, shipped_checkpoint_name(s.task, s.hp.learner), s.task, s.hp.learner, s.hp, *src);
      if (main)
        pre = shipped_learner(assets, shipped_baseline_name(s.task, s.hp.learner), s.task, "pretrain", s.hp, *src);
    }
    const bool shipped = main != nullptr;
    if (!main) main = make_learner(lab_config(s.hp, *src, s.hp.learner));
    if (!pre) pre = make_learner(lab_config(s.hp, *src, "pretrain"));
    std::unique_ptr<Learner> scratch = make_learner(lab_config(s.hp, *src, "scratch"));
    const long it = main->iteration();
    auto tm = std::make_unique<Trainer>(std::move(main), src, trainer_options());
    auto tp = std::make_unique<Trainer>(std::move(pre), src, trainer_options());
    // Everything built: commit.
    s.source = src;
    s.main = std::move(tm);
    s.pretrain = std::move(tp);
    s.scratch = std::move(scratch);
    s.curves.clear();
    s.error.clear();
    s.origin = shipped ? "shipped checkpoint, trained natively for " + std::to_string(it) + " iterations"
                       : "fresh random initialisation";
    s.untouched = true;
    s.credit = 0;
    s.skip_frames = 0;
    ++s.version;
    return true;
  } catch (const std::exception& e) {
    if (error) *error = e.what();
    return false;
  }
}

bool adopt_shipped_if_untouched(TrainingSession& s, AssetStore& assets) {
  const std::string shipped = shipped_checkpoint_name(s.task, s.hp.learner);
  if (!s.ready() || !s.untouched || s.origin.rfind("fresh", 0) != 0 || !assets.has(shipped) ||
      s.shipped_tried == shipped)
    return false;
  s.shipped_tried = shipped;
  const bool playing = s.playing;
  std::string err;
  if (!session_reset(s, assets, true, &err) || s.origin.rfind("shipped", 0) != 0) return false;
  s.playing = playing;
  s.notice = "Loaded the model shipped with the page (" + shipped + ").";
  return true;
}

bool session_set_hyper(TrainingSession& s, const LabHyper& hp, AssetStore& assets, std::string* error) {
  if (s.ready() && hp == s.hp) return true;
  const LabHyper old = s.hp;
  const bool was_ready = s.ready();
  if (!was_ready || !hp.same_architecture(old)) {
    s.hp = hp;
    if (!session_reset(s, assets, true, error)) {
      s.hp = old;
      return false;
    }
    if (was_ready && !hp.same_architecture(old)) {
      std::string what;
      if (hp.learner != old.learner) what = std::string("Learner changed to ") + learner_title(hp.learner);
      else what = "Network changed to " + std::to_string(hp.depth) + " x " + std::to_string(hp.width);
      s.notice = what + ": training restarted from " + s.origin + ".";
    }
    return true;
  }
  // Hot change: keep the weights (and Adam's state), continue training.
  try {
    std::shared_ptr<const TaskSource> src = s.source;
    if (hp.k != old.k) src = make_lab_source(s.task, hp, s.task == "genes" ? genes_table(assets) : nullptr);
    LabHyper hpre = hp;
    hpre.learner = "pretrain";
    auto tm = std::make_unique<Trainer>(with_hyper(s.main->learner(), hp), src, trainer_options());
    auto tp = std::make_unique<Trainer>(with_hyper(s.pretrain->learner(), hpre), src, trainer_options());
    std::unique_ptr<Learner> scratch;
    if (hp.seed != old.seed) scratch = make_learner(lab_config(hp, *src, "scratch"));
    s.source = src;
    s.main = std::move(tm);
    s.pretrain = std::move(tp);
    if (scratch) s.scratch = std::move(scratch);
    s.hp = hp;
    s.error.clear();
    ++s.version;
    return true;
  } catch (const std::exception& e) {
    if (error) *error = e.what();
    return false;
  }
}

bool session_load_checkpoint(TrainingSession& s, const Checkpoint& ckpt, AssetStore& assets, std::string* error) {
  const auto fail = [&](const std::string& m) {
    if (error) *error = m;
    return false;
  };
  try {
    const std::string learner = get_metadata_or(ckpt, "learner", "");
    if (learner.empty()) return fail(ckpt.source + " is not a MetaLab checkpoint (no 'learner' in its metadata)");
    const bool baseline = learner == "pretrain";
    const auto& names = lab_learners();
    if (!baseline && std::find(names.begin(), names.end(), learner) == names.end())
      return fail(ckpt.source + " holds a '" + learner +
                  "' learner; this lab trains maml, fomaml, metasgd, anil and reptile (or a pretrain baseline)");
    const std::string task = get_metadata_or(ckpt, "task.name", s.task);
    if (task != s.task) return fail(ckpt.source + " was trained on '" + task + "' tasks, not '" + s.task + "'");
    TaskOptions options = task_options_from_metadata(ckpt.metadata);
    options.erase("name");
    const CsvTable* table = task == "genes" ? genes_table(assets) : nullptr;
    if (task == "genes" && !table) return fail("the tissue expression data is not loaded yet; try again in a moment");
    std::shared_ptr<const TaskSource> src(make_regression_source(task, options, table));

    const LearnerConfig cfg = LearnerConfig::from_metadata(ckpt.metadata);
    if (cfg.model.backbone != "mlp" || cfg.model.classification || cfg.model.output_dim != 1)
      return fail(ckpt.source + " holds a " + cfg.model.backbone + " " +
                  (cfg.model.classification ? "classifier" : "model") + "; this lab needs an MLP regressor");
    if (cfg.model.input_dim != src->input_dim())
      return fail(ckpt.source + " takes " + std::to_string(cfg.model.input_dim) + " inputs; " + task + " tasks have " +
                  std::to_string(src->input_dim()));
    const auto& h = cfg.model.hidden;
    if (h.empty() || static_cast<int>(h.size()) > LabLimits::kDepthMax ||
        std::any_of(h.begin(), h.end(), [&](int w) { return w != h[0]; }) || h[0] < LabLimits::kWidthMin ||
        h[0] > LabLimits::kWidthMax)
      return fail(ckpt.source + ": this lab shows networks of 1-4 equal hidden layers of 4-128 units");
    if (cfg.model.activation != "relu") return fail(ckpt.source + ": this lab uses ReLU networks");

    LabHyper hp;
    hp.learner = baseline ? s.hp.learner : learner;
    hp.alpha = std::clamp(cfg.inner_lr, LabLimits::kAlphaMin, LabLimits::kAlphaMax);
    hp.beta = std::clamp(cfg.outer_lr, LabLimits::kBetaMin, LabLimits::kBetaMax);
    hp.k = std::clamp(std::stoi(src->description().at("task.support")), LabLimits::kKMin, LabLimits::kKMax);
    hp.inner_steps = std::clamp(cfg.inner_steps, LabLimits::kStepsMin, LabLimits::kStepsMax);
    hp.meta_batch = std::clamp(cfg.meta_batch, LabLimits::kBatchMin, LabLimits::kBatchMax);
    hp.width = h[0];
    hp.depth = static_cast<int>(h.size());
    hp.seed = cfg.seed;

    std::unique_ptr<Learner> loaded = load_learner(ckpt);  // checks every tensor's shape and value

    if (baseline) {
      if (!s.ready() || hp.width != s.hp.width || hp.depth != s.hp.depth || hp.k != s.hp.k)
        return fail(ckpt.source + " is a pretrain baseline for another network or K; load a meta-learner first");
      s.pretrain = std::make_unique<Trainer>(std::move(loaded), s.source, trainer_options());
      s.notice = "Loaded the pretrain baseline from " + ckpt.source + ".";
    } else {
      const long it = loaded->iteration();
      auto tm = std::make_unique<Trainer>(std::move(loaded), src, trainer_options());
      std::unique_ptr<Trainer> tp;
      if (s.ready() && s.pretrain && hp.width == s.hp.width && hp.depth == s.hp.depth && hp.k == s.hp.k) {
        LabHyper hpre = hp;
        hpre.learner = "pretrain";
        tp = std::make_unique<Trainer>(with_hyper(s.pretrain->learner(), hpre), src, trainer_options());
      } else {
        tp = std::make_unique<Trainer>(make_learner(lab_config(hp, *src, "pretrain")), src, trainer_options());
      }
      std::unique_ptr<Learner> scratch = make_learner(lab_config(hp, *src, "scratch"));
      s.main = std::move(tm);
      s.pretrain = std::move(tp);
      s.scratch = std::move(scratch);
      s.source = src;
      s.hp = hp;
      s.curves.clear();
      s.origin = "uploaded " + ckpt.source + " (" + std::to_string(it) + " iterations)";
      s.notice = "Loaded " + ckpt.source + ": " + learner_title(learner) + ", " + std::to_string(it) + " iterations.";
    }
    s.playing = false;
    s.untouched = false;
    s.error.clear();
    ++s.version;
    return true;
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}

std::string session_checkpoint_bytes(const TrainingSession& s, std::string* file_name) {
  if (!s.ready()) throw std::logic_error("no model to save yet");
  if (file_name)
    *file_name = "metalab-" + s.task + "-" + s.hp.learner + "-it" + std::to_string(s.iteration()) + ".safetensors";
  return save_safetensors(s.main->checkpoint(0));
}

int tick_training(TrainingSession& s, double dt_s, double budget_ms) {
  s.last_tick_ms = 0;
  // iterations per second, over windows of about half a second
  s.rate_window_s += dt_s;
  if (s.rate_window_s >= 0.5) {
    s.its_per_s = s.rate_window_iters / s.rate_window_s;
    s.rate_window_s = 0;
    s.rate_window_iters = 0;
  }
  if (!s.playing || !s.ready()) {
    s.credit = 0;
    return 0;
  }
  const SpeedLevel& level = speed_levels()[static_cast<std::size_t>(std::clamp<int>(s.speed, 0, static_cast<int>(speed_levels().size()) - 1))];
  int max_n = 1 << 20;
  if (level.per_second > 0) {
    s.credit = std::min(s.credit + dt_s * level.per_second, std::max(2.0, level.per_second * 0.25));
    max_n = static_cast<int>(s.credit);
    if (max_n <= 0) return 0;
  }
  if (s.skip_frames > 0) {  // one iteration costs more than a frame's budget: rest between them
    if (s.rested < 1 || now_ms() - s.rest_start_ms < kMaxRestMs) {
      --s.skip_frames;
      ++s.rested;
      return 0;
    }
    s.skip_frames = 0;
  }
  const double t0 = now_ms();
  int done = 0;
  run_guarded(s, &done, max_n, budget_ms);
  s.last_tick_ms = now_ms() - t0;
  if (level.per_second > 0) s.credit -= done;
  s.rate_window_iters += done;
  if (done > 0 && s.iter_ms > budget_ms) {
    s.skip_frames = std::min(30, static_cast<int>(std::ceil(s.iter_ms / budget_ms)) - 1);
    s.rested = 0;
    s.rest_start_ms = now_ms();
  }
  return done;
}

void step_training(TrainingSession& s) {
  if (!s.ready()) return;
  int done = 0;
  run_guarded(s, &done, 1, 0.0);
  s.rate_window_iters += done;
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

MetaGradientCompare compare_meta_gradients(const Learner& learner, const Task& task) {
  MetaGradientCompare out;
  const auto* g = dynamic_cast<const GradientMetaLearner*>(&learner);
  if (!g) return out;
  out.available = true;
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
  return out;
}

}  // namespace metalab::web
