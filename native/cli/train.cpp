// metalab train: meta-trains a learner on a task distribution, with periodic
// validation, metrics, checkpoints, exact resume and an optional pretrain
// baseline trained on the same task batches.
#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>

#include "core/learners/registry.h"
#include "core/learners/trainer.h"
#include "core/tasks/classification_tasks.h"
#include "native/cli/commands.h"
#include "native/cli/common.h"
#include "core/tasks/biomedical_tasks.h"
#include "native/cli/progress.h"
#include "native/cli/thread_pool.h"

namespace metalab::cli {

namespace {

volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void on_sigint(int) { g_interrupted = 1; }

struct TrainFlags {
  TaskFlags task;
  LearnerConfig learner;  // defaults shown in --help
  std::string hidden = "40,40";
  std::string backbone = "auto";
  int conv_channels = 64;
  std::string config_file;
  long iterations = 1000;
  int threads = 1;
  std::string metrics;
  int metrics_every = 1;
  int val_every = 1000;
  int val_tasks = 100;
  int val_steps = -1;
  std::string out;
  long checkpoint_every = 0;
  std::string resume;
  bool with_baselines = false;
  long log_every = 100;
  std::string progress = "auto";
};

// Flags fixed by a checkpoint: they may not be combined with --resume.
const std::vector<std::string>& fixed_by_checkpoint() {
  static const std::vector<std::string> f{
      "--learner", "--inner-lr", "--inner-steps", "--outer-lr", "--outer-optimizer", "--meta-batch", "--hidden",
      "--activation", "--first-order", "--grad-clip", "--metasgd-init-lr", "--reptile-epsilon", "--scratch-lr",
      "--seed", "--task", "--support", "--query", "--landmarks", "--landmark-choice", "--target-scaling",
      "--features", "--kmer-max", "--ways", "--shots", "--queries", "--test-ways", "--test-shots", "--test-queries",
      "--label-column", "--images", "--idx-images", "--idx-labels", "--image-size", "--fasta", "--t1", "--atlas", "--atlas-names", "--backbone", "--conv-channels", "--distance", "--cosine-scale", "--cell-types", "--sequence-length", "--task-seed", "--task-option",
      "--val-every", "--val-tasks", "--val-steps", "--memory-slots", "--memory-width", "--read-heads",
      "--usage-decay"};
  return f;
}

std::vector<int> parse_hidden(const std::string& text) {
  if (text.empty()) throw CliError("--hidden: give at least one hidden layer size, e.g. 40,40");
  OptionReader r({{"hidden", text}}, "--hidden");
  try {
    return r.integers("hidden", {}, 1);
  } catch (const OptionError& e) {
    throw CliError("--hidden '" + text + "': expected positive layer sizes separated by commas, e.g. 40,40");
  }
}

// Each convolution block halves the side: as many blocks as leave at least
// one pixel or position, at most 4 (Conv4).
int blocks_that_fit(int side) {
  int blocks = 1;
  while (blocks < 4 && (side >> (blocks + 1)) >= 1) ++blocks;
  return blocks;
}

// The network as the learner uses it: a metric learner's embedding has no
// output layer; pretrain's head scores every meta-train class.
std::string describe_model(const ModelConfig& m, bool head) {
  if (m.backbone == "conv4")
    return "conv4 " + std::to_string(m.image_height) + "x" + std::to_string(m.image_width) + "x" +
           std::to_string(m.image_channels) + (head ? " -> " + std::to_string(m.output_dim) : " embedding");
  if (m.backbone == "conv1d")
    return "conv1d " + std::to_string(m.conv_blocks) + " blocks over " + std::to_string(m.sequence_length) + " x " +
           std::to_string(m.sequence_channels) + (head ? " -> " + std::to_string(m.output_dim) : " embedding");
  std::string s = std::to_string(m.input_dim);
  for (int h : m.hidden) s += "-" + std::to_string(h);
  return s + (head ? "-" + std::to_string(m.output_dim) : "") + " " + m.activation + (head ? "" : " embedding");
}

// What one meta-iteration of this learner does, for the banner.
std::string describe_training(const Learner& learner) {
  const LearnerConfig& c = learner.config();
  const LearnerInfo& info = learner.info();
  const std::string model = describe_model(learner.model().config(), info.output_head());
  // Floats as the shortest decimal that reads back to them (0.001, not 0.0010000000474974513).
  const auto num = [](float v) {
    char buf[32];
    for (int precision = 1; precision <= 9; ++precision) {
      std::snprintf(buf, sizeof buf, "%.*g", precision, static_cast<double>(v));
      if (std::strtof(buf, nullptr) == v) break;
    }
    return std::string(buf);
  };
  const std::string outer = c.outer_optimizer + " lr " + num(c.outer_lr);
  if (!info.meta_trained())
    return model + "; nothing is meta-trained (it adapts to each task's support set only)";
  if (info.inner_loop())
    return "model " + model + ", inner lr " + num(c.inner_lr) + " x " + std::to_string(c.inner_steps) +
           " step" + (c.inner_steps == 1 ? "" : "s") + ", outer " + outer + ", meta-batch " +
           std::to_string(c.meta_batch);
  if (info.family == LearnerFamily::Metric)
    return model + " (no output layer: queries go to the nearest class in embedding space), " + outer + ", " +
           std::to_string(c.meta_batch) + " episode" + (c.meta_batch == 1 ? "" : "s") + " per update";
  if (info.output_head() && learner.model().config().classification && c.pretrain_classes > 0) {
    ModelConfig pooled = learner.model().config();  // the head scores every meta-train class
    pooled.output_dim = c.pretrain_classes;
    return "model " + describe_model(pooled, true) + " over the " + std::to_string(c.pretrain_classes) +
           " meta-train classes pooled, " + outer + "; tested with a new head fine-tuned on each support set";
  }
  return "model " + model + " on the meta-train tasks pooled, " + outer + "; fine-tuned on each support set";
}

void save_all(const Trainer& trainer, const std::string& out, const std::vector<std::string>& baseline_files,
              const std::map<std::string, std::string>& extra) {
  // Baselines first: a crash in between leaves a main file that refuses to
  // resume (the Rng states differ) rather than a silently inconsistent pair.
  for (std::size_t i = 0; i < trainer.num_baselines(); ++i) {
    Checkpoint b = trainer.checkpoint(i + 1);
    for (const auto& [k, v] : extra) b.metadata[k] = v;
    b.metadata["trainer.main"] = file_name(out);
    save_safetensors_file(baseline_files[i], b);
  }
  Checkpoint c = trainer.checkpoint(0);
  for (const auto& [k, v] : extra) c.metadata[k] = v;
  for (std::size_t i = 0; i < trainer.num_baselines(); ++i)
    c.metadata["trainer.baseline." + trainer.baseline(i).kind()] = file_name(baseline_files[i]);
  save_safetensors_file(out, c);
}

void check_writable(const std::string& path, const std::string& flag) {
  const std::string probe = path + ".tmp";
  {
    std::ofstream f(probe, std::ios::binary | std::ios::app);
    if (!f) throw CliError(flag + " " + path + ": cannot write there (missing directory or no permission?)");
  }
  std::remove(probe.c_str());
}

// The baseline --with-baselines trains beside the learner.
constexpr const char* kBaseline = "pretrain";

// CliError unless the learner takes the source's kind of tasks, saying which tasks it does take.
void check_accepts(const LearnerInfo& info, const TaskSource& source, const std::string& task, const std::string& who) {
  if (info.accepts(source.kind())) return;
  std::string needs;
  std::vector<std::string> tasks;
  for (TaskKind k : kAllTaskKinds) {
    if (!info.accepts(k)) continue;
    needs += (needs.empty() ? "" : " or ") + std::string(task_kind_description(k));
    for (const std::string& t : task_family_names(k)) tasks.push_back(t);
  }
  throw CliError(who + " needs " + needs + ": use --task " + join_names(tasks) + " (not " + task + ")");
}

// --learner's help: the learners grouped by the tasks they take, from the registry.
std::string learner_help() {
  std::string help = "the learner";
  std::vector<TaskKinds> groups;
  for (const LearnerInfo& l : learner_registry())
    if (std::find(groups.begin(), groups.end(), l.tasks) == groups.end()) groups.push_back(l.tasks);
  for (TaskKinds g : groups) {
    std::vector<std::string> kinds;
    for (TaskKind k : kAllTaskKinds)
      if (has_kind(g, k)) kinds.emplace_back(task_kind_description(k));
    help += "; on " + (kinds.size() == std::size(kAllTaskKinds) ? std::string("every kind of task")
                                                                  : join_names(kinds, " and ")) + ": ";
    bool first = true;
    for (const LearnerInfo& l : learner_registry()) {
      if (l.tasks != g) continue;
      help += (first ? "" : ", ") + std::string(l.name) + " (" + l.title + ")";
      first = false;
    }
  }
  return help;
}

std::string get_or(const std::map<std::string, std::string>& m, const std::string& key, const std::string& fallback) {
  const auto it = m.find(key);
  return it == m.end() ? fallback : it->second;
}

Json number_or_null(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

int run_train(CLI::App& app, TrainFlags& f) {
  if (!f.config_file.empty()) apply_json_config(app, f.config_file, {});

  std::unique_ptr<Trainer> trainer;
  std::vector<std::string> notes;  // printed under the banner
  std::string csv_path = f.task.csv;
  double elapsed_before = 0.0;
  const bool resuming = !f.resume.empty();
  std::vector<std::string> baseline_files;

  if (resuming) {
    for (const auto& flag : fixed_by_checkpoint())
      if (app.count(flag) > 0)
        throw CliError(flag + " cannot be combined with --resume: the checkpoint fixes the learner, task and "
                              "validation settings");
    const Checkpoint main = read_checkpoint(f.resume, "--resume");
    if (main.metadata.find("trainer.rng") == main.metadata.end())
      throw CliError("--resume " + f.resume + ": the checkpoint has no training state (trainer.rng); it was not "
                     "written by 'metalab train'");
    if (get_metadata_or(main, "trainer.role", "main") != "main")
      throw CliError("--resume " + f.resume + ": this is a baseline's checkpoint; resume the main one (" +
                     get_metadata_or(main, "trainer.main", "?") + ")");
    if (csv_path.empty()) csv_path = recorded_table(main, "--resume " + f.resume);
    const TaskOptions opts = task_options_from_metadata(main.metadata);
    auto source = build_source(opts, csv_path, "checkpoint " + f.resume + (csv_path.empty() ? "" : " with data " + csv_path));
    std::vector<Checkpoint> baselines;
    const std::string names = get_metadata_or(main, "trainer.baselines", "");
    if (!names.empty()) {
      std::stringstream s(names);
      std::string name;
      while (std::getline(s, name, ',')) {
        const std::string file = get_metadata_or(main, "trainer.baseline." + name, "");
        if (file.empty()) throw CliError("--resume " + f.resume + ": the file of baseline '" + name + "' is not recorded");
        baselines.push_back(read_checkpoint(sibling_path(f.resume, file), "baseline of --resume"));
      }
    }
    if (f.with_baselines && baselines.empty())
      throw CliError("--with-baselines: the run in " + f.resume + " was started without baselines; they cannot be "
                     "added when resuming");
    try {
      trainer = Trainer::resume(main, baselines, source);
    } catch (const FormatError& e) {
      throw CliError(e.what());
    } catch (const std::invalid_argument& e) {
      throw CliError(std::string("--resume: ") + e.what());
    }
    try {
      elapsed_before = std::stod(get_metadata_or(main, "cli.elapsed_seconds", "0"));
    } catch (const std::exception&) {
      elapsed_before = 0.0;
    }
    if (f.out.empty()) f.out = f.resume;
  } else {
    std::map<std::string, std::string> flags;
    TaskOptions opts = f.task.options(app, false, &flags);
    opts["name"] = f.task.task;
    auto source = build_source(opts, csv_path, "--task " + f.task.task, flags);
    LearnerConfig cfg = f.learner;
    cfg.model.hidden = parse_hidden(f.hidden);
    cfg.model.input_dim = source->input_dim();
    cfg.model.output_dim = source->output_dim();
    cfg.model.classification = source->classification();
    const auto* cls_source = dynamic_cast<const ClassificationTaskSource*>(source.get());
    const LearnerInfo& info = learner_info(cfg.learner);
    check_accepts(info, *source, f.task.task, "--learner " + cfg.learner);
    // Episodes of N-way classification (not the memory network's sequences,
    // whose learners build their own networks).
    const bool episodes = source->kind() == TaskKind::Classification;
    if (episodes) {
      const int positions = residue_positions(*source);
      const std::string backbone =
          f.backbone != "auto" ? f.backbone : source->images() ? "conv4" : positions > 0 ? "conv1d" : "mlp";
      if (backbone == "conv4") {
        if (!source->images()) throw CliError("--backbone conv4: --task " + f.task.task + " has no images");
        cfg.model.backbone = "conv4";
        cfg.model.image_height = source->image_height();
        cfg.model.image_width = source->image_width();
        cfg.model.image_channels = source->image_channels();
        cfg.model.conv_blocks = blocks_that_fit(std::min(source->image_height(), source->image_width()));
        cfg.model.conv_hidden = f.conv_channels;
      } else if (backbone == "conv1d") {
        if (positions == 0)
          throw CliError("--backbone conv1d: --task " + f.task.task + " has no residue windows (protein-families with "
                         "features=onehot, protein-ss)");
        cfg.model.backbone = "conv1d";
        cfg.model.sequence_length = positions;
        cfg.model.sequence_channels = source->input_dim() / positions;
        cfg.model.conv_blocks = blocks_that_fit(positions);
        cfg.model.conv_hidden = f.conv_channels;
      }
      // Metric learners update after every episode (Snell et al., Vinyals et al.);
      // the meta-batch of 25 suits the MAML family on regression, not them.
      if (info.default_meta_batch > 0 && app.count("--meta-batch") == 0) cfg.meta_batch = info.default_meta_batch;
    }
    if (!cls_source && episodes) {
      // One chain a task (protein-ss): its labels are the same 3 states in every task.
      cfg.pretrain_classes = source->output_dim();
      if (f.val_every > 0) {
        if (app.count("--val-every") > 0)
          throw CliError("--val-every: --task " + f.task.task + " has no validation split");
        notes.push_back("no validation: --task " + f.task.task + " has no validation split (its chains are meta-train or meta-test)");
        f.val_every = 0;
      }
    }
    if (cls_source) {
      cfg.pretrain_classes = static_cast<int>(cls_source->inner().class_split().train.size());
      // No validation episodes without enough validation classes (e.g. a table's few classes).
      const auto& val = cls_source->inner().usable_classes(Split::MetaValidation);
      if (static_cast<int>(val.size()) < cls_source->inner().episodes().ways_for(Split::MetaValidation)) {
        const bool bio = find_task_family(f.task.task)->make == make_biomedical_task;
        const std::string why = "the validation split has " + std::to_string(val.size()) +
                                " usable classes, fewer than the episodes' " +
                                std::to_string(cls_source->inner().episodes().ways_for(Split::MetaValidation)) + " ways" +
                                (bio ? " (the biomedical tasks hold out no validation classes: they have too few to spare)"
                                     : " (validation_fraction " + get_or(source->description(), "task.validation_fraction", "?") +
                                           "; tables default to 0, so that every class trains or tests)");
        const std::string hint = bio ? "" : "; hold out classes with --task-option validation_fraction=0.2";
        if (app.count("--val-every") > 0 && f.val_every > 0) throw CliError("--val-every: " + why + hint);
        if (f.val_every > 0)
          notes.push_back("no validation: " + why + (bio ? "" : "; --task-option validation_fraction=0.2 holds out classes for it"));
        f.val_every = 0;
      }
    }
    if (app.count("--conv-channels") > 0 && cfg.model.backbone == "mlp")
      throw CliError("--conv-channels applies to the conv4 and conv1d backbones only");
    if (!episodes) {
      if (app.count("--backbone") > 0 && f.backbone != "mlp" && f.backbone != "auto")
        throw CliError("--backbone " + f.backbone + " applies to classification tasks only");
      if (app.count("--distance") > 0) throw CliError("--distance applies to classification tasks only");
    }
    if (app.count("--cosine-scale") > 0 && !info.uses("cosine_scale"))
      throw CliError("--cosine-scale applies to --learner " + join_names(learners_using("cosine_scale")) + " only");
    try {
      cfg.validate();
    } catch (const std::invalid_argument& e) {
      throw CliError(e.what());
    }
    if (f.with_baselines && info.family == LearnerFamily::Baseline)
      throw CliError("--with-baselines: --learner " + cfg.learner + " is itself a baseline");
    if (f.with_baselines) check_accepts(learner_info(kBaseline), *source, f.task.task, "--with-baselines (" + std::string(kBaseline) + ")");
    TrainerOptions topts;
    topts.val_every = f.val_every;
    topts.val_tasks = f.val_tasks;
    topts.val_steps = f.val_steps;
    try {
      trainer = std::make_unique<Trainer>(make_learner(cfg), source, topts);
      if (f.with_baselines) {
        LearnerConfig b = cfg;
        b.learner = kBaseline;
        trainer->add_baseline(make_learner(b));
      }
    } catch (const std::invalid_argument& e) {
      throw CliError(e.what());
    }
    if (f.out.empty()) f.out = cfg.learner + "-" + f.task.task + ".safetensors";
  }
  for (std::size_t i = 0; i < trainer->num_baselines(); ++i)
    baseline_files.push_back(baseline_path(f.out, trainer->baseline(i).kind()));
  check_writable(f.out, "--out");
  for (const auto& b : baseline_files) check_writable(b, "--out (baseline)");

  const bool tasks_in_parallel = f.threads > 1 && trainer->learner().config().meta_batch > 1;
  ThreadPool pool(tasks_in_parallel ? f.threads : 1);
  if (tasks_in_parallel) trainer->set_parallel(pool.parallel_for());
  set_matrix_product_threads(tasks_in_parallel ? 1 : f.threads);

  std::ofstream metrics;
  if (!f.metrics.empty()) {
    metrics.open(f.metrics, resuming ? std::ios::app : std::ios::trunc);
    if (!metrics) throw CliError("--metrics " + f.metrics + ": cannot write there");
  }

  const LearnerConfig& cfg = trainer->learner().config();
  const long start = trainer->iteration();
  std::map<std::string, std::string> extra;
  extra["created_by"] = "metalab train";
  // Recorded as an absolute path, so that eval finds the table from any folder.
  if (!csv_path.empty()) extra["data.csv"] = absolute_path(csv_path);

  const TaskSource& src = trainer->source();
  const auto desc = src.description();
  auto d = [&](const char* k) { return desc.count(k) ? desc.at(k) : std::string("?"); };
  const std::string shape =
      desc.count("task.shots")
          ? d("task.ways") + "-way " + d("task.shots") + "-shot, " + d("task.queries") + " queries per class" +
                (d("task.test_ways") != "0" || d("task.test_shots") != "0"
                     ? "; test " + (d("task.test_ways") == "0" ? d("task.ways") : d("task.test_ways")) + "-way " +
                           (d("task.test_shots") == "0" ? d("task.shots") : d("task.test_shots")) + "-shot"
                     : std::string())
          : desc.count("task.instances") ? d("task.ways") + "-way, " + d("task.instances") + " instances per class"
          : "K=" + d("task.support") + " support, " + d("task.query") + " query";
  std::printf("%s %s on %s tasks (%s): %s, seed %llu, %d thread%s\n", resuming ? "resuming" : "training",
              cfg.learner.c_str(), src.name().c_str(), shape.c_str(), describe_training(trainer->learner()).c_str(),
              static_cast<unsigned long long>(cfg.seed), f.threads, f.threads == 1 ? "" : "s");
  if (const auto* cls = dynamic_cast<const ClassificationTaskSource*>(&src)) {
    for (const auto& [split, key] : {std::pair{Split::MetaTrain, "meta-train"}, std::pair{Split::MetaValidation, "validation"},
                                     std::pair{Split::MetaTest, "meta-test"}}) {
      const std::vector<std::string> names = cls->class_names(split);
      extra[std::string("data.classes.") + key] = Json(names).dump();  // for inspect
      std::printf("  %s classes (%zu): %s\n", key, names.size(),
                  names.empty() ? "none" : join_first(names, 20).c_str());
    }
    for (const std::string& n : cls->notices()) std::printf("note: %s\n", n.c_str());
  }
  for (const std::string& n : notes) std::printf("note: %s\n", n.c_str());
  if (!trainer->learner().info().meta_trained()) {
    // Nothing to train: no iterations of NaN loss, the checkpoint at once.
    save_all(*trainer, f.out, baseline_files, extra);
    std::printf("%s has nothing to meta-train: saved %s (evaluate it with 'metalab eval %s')\n", cfg.learner.c_str(),
                f.out.c_str(), f.out.c_str());
    return kExitOk;
  }
  if (trainer->num_baselines() > 0) std::printf("with the pretrain baseline on the same batches -> %s\n", baseline_files[0].c_str());
  if (start >= f.iterations) {
    std::printf("the checkpoint is already at iteration %ld (--iterations %ld): nothing to do\n", start, f.iterations);
    if (f.out != f.resume) save_all(*trainer, f.out, baseline_files, extra);
    return kExitOk;
  }
  std::fflush(stdout);

  Progress::Mode mode = Progress::Mode::Lines;
  if (f.progress == "bar" || (f.progress == "auto" && stdout_is_terminal())) mode = Progress::Mode::Bar;
  if (f.progress == "none") mode = Progress::Mode::None;
  Progress progress(mode, start, f.iterations, f.log_every);

  g_interrupted = 0;
  auto previous_handler = std::signal(SIGINT, on_sigint);
  std::deque<IterationRecord> window;
  double sum_loss = 0, sum_support = 0, sum_grad = 0, sum_base = 0;
  const std::size_t window_size = static_cast<std::size_t>(std::max(1L, f.log_every));
  auto elapsed = [&] { return elapsed_before + progress.elapsed(); };
  auto save = [&] {
    extra["cli.elapsed_seconds"] = format_exact(elapsed());
    save_all(*trainer, f.out, baseline_files, extra);
  };

  try {
    while (trainer->iteration() < f.iterations) {
      if (g_interrupted) {
        progress.finish();
        save();
        std::signal(SIGINT, previous_handler);
        std::fprintf(stderr, "metalab train: interrupted at iteration %ld; saved %s (continue with --resume %s)\n",
                     trainer->iteration(), f.out.c_str(), f.out.c_str());
        return kExitInterrupted;
      }
      const IterationRecord r = trainer->step(1).front();
      if (!std::isfinite(r.val_loss) && !std::isnan(r.val_loss))
        throw DivergenceError(cfg.learner + ": the validation loss became infinite at iteration " +
                              std::to_string(r.iteration));
      window.push_back(r);
      sum_loss += r.loss;
      sum_support += r.support_loss;
      sum_grad += r.grad_norm;
      sum_base += r.baseline_loss.empty() ? 0.0 : r.baseline_loss[0];
      if (window.size() > window_size) {
        const IterationRecord& o = window.front();
        sum_loss -= o.loss;
        sum_support -= o.support_loss;
        sum_grad -= o.grad_norm;
        sum_base -= o.baseline_loss.empty() ? 0.0 : o.baseline_loss[0];
        window.pop_front();
      }
      const double n = static_cast<double>(window.size());
      progress.update(r.iteration, sum_loss / n, sum_support / n, sum_grad / n, r.val_loss,
                      r.baseline_loss.empty() ? std::numeric_limits<double>::quiet_NaN() : sum_base / n);
      if (metrics.is_open() && (r.iteration % f.metrics_every == 0 || !std::isnan(r.val_loss) ||
                                r.iteration == f.iterations)) {
        Json j;
        j["iteration"] = r.iteration;
        j["loss"] = number_or_null(r.loss);
        j["support_loss"] = number_or_null(r.support_loss);
        j["metric"] = number_or_null(r.metric);
        j["grad_norm"] = number_or_null(r.grad_norm);
        j["val_loss"] = number_or_null(r.val_loss);
        j["elapsed"] = elapsed();
        for (std::size_t i = 0; i < trainer->num_baselines(); ++i) {
          const std::string k = trainer->baseline(i).kind();
          j[k + "_loss"] = number_or_null(r.baseline_loss[i]);
          j[k + "_val_loss"] = number_or_null(r.baseline_val_loss[i]);
        }
        metrics << j.dump() << '\n';
        if (r.iteration % 1000 == 0) metrics.flush();
      }
      if (f.checkpoint_every > 0 && r.iteration % f.checkpoint_every == 0 && r.iteration != f.iterations) save();
    }
  } catch (const DivergenceError&) {
    progress.finish();
    std::signal(SIGINT, previous_handler);
    throw;
  }
  std::signal(SIGINT, previous_handler);
  progress.finish();
  save();
  const double t = progress.elapsed();
  std::printf("done: %ld iterations in %.1f s (%.1f it/s, %.3f ms/iteration); saved %s", f.iterations - start, t,
              static_cast<double>(f.iterations - start) / t, 1000.0 * t / static_cast<double>(f.iterations - start),
              f.out.c_str());
  for (const auto& b : baseline_files) std::printf(" and %s", b.c_str());
  std::printf("\n");
  return kExitOk;
}

}  // namespace

Runner register_train(CLI::App& root) {
  auto f = std::make_shared<TrainFlags>();
  CLI::App* app = root.add_subcommand("train", "meta-train a learner on a task distribution and save a checkpoint");
  app->option_defaults()->always_capture_default()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app->add_option("--config", f->config_file,
                  "JSON file of settings: keys are this command's long flag names (inner_lr or inner-lr), e.g. "
                  "{\"learner\": \"maml\", \"hidden\": [40, 40]}; flags on the command line override it; unknown "
                  "keys are errors");
  const std::string gl = "Learner";
  LearnerConfig& c = f->learner;
  app->add_option("--learner", c.learner, learner_help())->check(CLI::IsMember(learner_names()))->group(gl);
  app->add_option("--inner-lr", c.inner_lr, "alpha: inner-loop (and fine-tuning) SGD step size")
      ->check(CLI::PositiveNumber)->group(gl);
  app->add_option("--inner-steps", c.inner_steps, "inner SGD steps per task during meta-training")
      ->check(CLI::PositiveNumber)->group(gl);
  app->add_option("--outer-lr", c.outer_lr, "beta: outer (meta) optimizer step size")->check(CLI::PositiveNumber)->group(gl);
  app->add_option("--outer-optimizer", c.outer_optimizer, "outer optimizer: adam, sgd or rmsprop")
      ->check(CLI::IsMember({"adam", "sgd", "rmsprop"}))->group(gl);
  app->add_option("--meta-batch", c.meta_batch, "tasks per meta-iteration (1 for protonet and matchingnet)")->check(CLI::PositiveNumber)->group(gl);
  std::vector<std::string> recurrent;
  for (const LearnerInfo& l : learner_registry())
    if (l.recurrent()) recurrent.emplace_back(l.name);
  app->add_option("--hidden", f->hidden,
                  "hidden layer sizes of the MLP, comma-separated (" + join_names(recurrent, " and ") +
                      ": the one LSTM size, e.g. 200)")
      ->group(gl);
  app->add_option("--backbone", f->backbone,
                  "classification: auto (conv4 for images, conv1d for one-hot residue windows, the MLP for table "
                  "rows), mlp, conv4 (4 conv blocks, Vinyals et al.; fewer for images under 16 pixels) or conv1d "
                  "(the same blocks along a sequence, up to 4, as many as its length allows)")
      ->check(CLI::IsMember({"auto", "mlp", "conv4", "conv1d"}))->group(gl);
  app->add_option("--conv-channels", f->conv_channels, "conv4 and conv1d: channels of every convolution block")
      ->check(CLI::Range(1, 1024))->group(gl);
  app->add_option("--distance", c.distance, "protonet, nearest: euclidean or cosine (matchingnet: always cosine)")
      ->check(CLI::IsMember({"euclidean", "cosine"}))->group(gl);
  app->add_option("--cosine-scale", c.cosine_scale,
                  "matchingnet: attention is softmax(s * cosine); 1 is the paper's unscaled form")
      ->check(CLI::PositiveNumber)->group(gl);
  app->add_option("--activation", c.model.activation, "hidden activation: relu, tanh, sigmoid or none")
      ->check(CLI::IsMember({"relu", "tanh", "sigmoid", "none"}))->group(gl);
  app->add_flag("--first-order", c.first_order, "MAML family: drop second-order terms (maml becomes fomaml)")->group(gl);
  app->add_option("--grad-clip", c.grad_clip, "clip the meta-gradient to this global norm; 0 = off")
      ->check(CLI::NonNegativeNumber)->group(gl);
  app->add_option("--metasgd-init-lr", c.metasgd_init_lr, "metasgd: initial per-parameter step size")
      ->check(CLI::PositiveNumber)->group(gl);
  app->add_option("--reptile-epsilon", c.reptile_epsilon, "reptile: outer step size (interpolation factor)")
      ->check(CLI::PositiveNumber)->group(gl);
  app->add_option("--scratch-lr", c.scratch_lr, "scratch baseline: Adam step size on the support set")
      ->check(CLI::PositiveNumber)->group(gl);
  app->add_option("--memory-slots", c.memory_slots, "mann: memory rows N")->check(CLI::PositiveNumber)->group(gl);
  app->add_option("--memory-width", c.memory_width, "mann: memory columns M")->check(CLI::PositiveNumber)->group(gl);
  app->add_option("--read-heads", c.read_heads, "mann: read heads R (each with an LRUA write head)")
      ->check(CLI::PositiveNumber)->group(gl);
  app->add_option("--usage-decay", c.usage_decay, "mann: decay gamma of the usage weights")
      ->check(CLI::Range(0.0, 1.0))->group(gl);
  app->add_option("--seed", c.seed, "seed of the initial weights and of the training task stream")->group(gl);
  f->task.add_to(*app);
  const std::string gr = "Run";
  app->add_option("--iterations", f->iterations, "meta-iterations to train for (in total, when resuming)")
      ->check(CLI::PositiveNumber)->group(gr);
  app->add_option("--threads", f->threads, "threads: one task of the meta-batch per thread (weights identical for any number), or, with one task per step (protonet, matchingnet), inside its matrix products (weights equal up to rounding)")
      ->check(CLI::Range(1, 256))->group(gr);
  app->add_option("--out", f->out, "checkpoint file (safetensors); default: LEARNER-TASK.safetensors, or the "
                                   "--resume file")->group(gr);
  app->add_option("--checkpoint-every", f->checkpoint_every, "also save --out every N iterations; 0 = only at the end")
      ->check(CLI::NonNegativeNumber)->group(gr);
  app->add_option("--resume", f->resume, "continue the run saved in this checkpoint, exactly (same final weights as "
                                         "an uninterrupted run); --iterations is the new total")->group(gr);
  app->add_flag("--with-baselines", f->with_baselines,
                "also train the pretrain baseline on the same task batches, saved next to --out as "
                "NAME.pretrain.safetensors")->group(gr);
  app->add_option("--val-every", f->val_every, "validate on meta-validation tasks every N iterations; 0 = off")
      ->check(CLI::NonNegativeNumber)->group(gr);
  app->add_option("--val-tasks", f->val_tasks, "meta-validation tasks per validation (the same tasks each time)")
      ->check(CLI::PositiveNumber)->group(gr);
  app->add_option("--val-steps", f->val_steps, "adaptation steps at validation; -1 = --inner-steps")
      ->check(CLI::Range(-1, 100000))->group(gr);
  app->add_option("--metrics", f->metrics, "write JSON lines (iteration, loss, support_loss, metric, grad_norm, "
                                           "val_loss, elapsed, baseline losses) to this file")->group(gr);
  app->add_option("--metrics-every", f->metrics_every, "write a metrics line every N iterations (and at every validation)")
      ->check(CLI::PositiveNumber)->group(gr);
  app->add_option("--log-every", f->log_every, "progress line every N iterations; running means over the last N")
      ->check(CLI::PositiveNumber)->group(gr);
  app->add_option("--progress", f->progress, "auto (a bar on a terminal, lines otherwise), bar, lines or none")
      ->check(CLI::IsMember({"auto", "bar", "lines", "none"}))->group(gr);
  return [app, f] { return run_train(*app, *f); };
}

}  // namespace metalab::cli
