// metalab eval: a checkpoint and its baselines on the same held-out tasks;
// mean query loss (or accuracy) with 95% confidence intervals after 0..S
// adaptation steps, as a table or JSON.
#include <cstdio>
#include <fstream>
#include <memory>

#include "core/eval/evaluate.h"
#include "core/learners/mann.h"
#include "core/learners/registry.h"
#include "native/cli/commands.h"
#include "native/cli/common.h"
#include "native/cli/thread_pool.h"

namespace metalab::cli {

namespace {

struct EvalFlags {
  TaskFlags task;
  std::string checkpoint;
  std::vector<std::string> baselines;
  bool no_baselines = false;
  bool no_scratch = false;
  int tasks = 1000;
  int steps = 10;
  std::uint64_t seed = 1;
  std::string split = "test";
  int threads = 1;
  bool json = false;
  std::string json_out;
};

struct Entry {
  std::string name;  // column title
  std::string file;  // "" for scratch
  std::unique_ptr<Learner> learner;
  eval::LearningCurve curve;
};

Split parse_split(const std::string& s) {
  if (s == "train") return Split::MetaTrain;
  if (s == "validation") return Split::MetaValidation;
  return Split::MetaTest;
}

std::unique_ptr<Learner> learner_from(const Checkpoint& ckpt, const std::string& what) {
  try {
    return load_learner(ckpt);
  } catch (const FormatError& e) {
    throw CliError(e.what());
  } catch (const std::invalid_argument& e) {
    throw CliError(what + ": " + e.what());
  }
}

Json summary_json(const eval::Summary& s, int step) {
  auto num = [](double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); };
  return {{"step", step},     {"mean", num(s.mean)}, {"ci_low", num(s.lo())}, {"ci_high", num(s.hi())},
          {"half_width", num(s.half_width)}, {"sd", num(s.sd)}, {"sem", num(s.sem)}, {"n", s.n}};
}

int run_eval(CLI::App& app, EvalFlags& f) {
  const Checkpoint main = read_checkpoint(f.checkpoint, "--checkpoint");
  std::vector<Entry> entries;
  {
    Entry e;
    e.learner = learner_from(main, "--checkpoint " + f.checkpoint);
    e.name = e.learner->kind();
    e.file = f.checkpoint;
    entries.push_back(std::move(e));
  }
  const Learner& learner = *entries[0].learner;

  // The task distribution: the checkpoint's, with the explicitly given flags on top.
  TaskOptions opts = task_options_from_metadata(main.metadata);
  const TaskOptions trained = opts;
  if (opts.find("name") == opts.end()) {
    if (app.count("--task") == 0)
      throw CliError("--checkpoint " + f.checkpoint + " does not record its task distribution; give --task");
    opts["name"] = f.task.task;
  } else if (app.count("--task") > 0 && f.task.task != opts["name"]) {
    throw CliError("--task " + f.task.task + ": checkpoint " + f.checkpoint + " was trained on " + opts["name"] +
                   " tasks");
  }
  f.task.task = opts["name"];
  std::map<std::string, std::string> flags;
  for (const auto& [k, v] : f.task.options(app, true, &flags)) opts[k] = v;
  std::string csv = f.task.csv.empty() ? get_metadata_or(main, "data.csv", "") : f.task.csv;
  auto source = build_source(opts, csv, "checkpoint " + f.checkpoint + (csv.empty() ? "" : " with data " + csv), flags);
  if (source->input_dim() != learner.model().config().input_dim)
    throw CliError("checkpoint " + f.checkpoint + ": its model takes " +
                   std::to_string(learner.model().config().input_dim) + " inputs, the " + source->name() +
                   " tasks have " + std::to_string(source->input_dim()));

  // Baselines: given files, else the ones recorded by train --with-baselines; scratch always.
  std::vector<std::string> files = f.baselines;
  if (files.empty() && !f.no_baselines) {
    for (const auto& [key, value] : main.metadata) {
      if (key.rfind("trainer.baseline.", 0) != 0) continue;
      const std::string path = sibling_path(f.checkpoint, value);
      if (std::ifstream(path).good()) files.push_back(path);
      else std::fprintf(stderr, "metalab eval: note: baseline %s recorded in the checkpoint is missing; skipped\n",
                        path.c_str());
    }
  }
  for (const std::string& file : files) {
    const Checkpoint b = read_checkpoint(file, "--baseline");
    for (const TaskSettingDifference& d : task_setup_differences(task_options_from_metadata(b.metadata), trained))
      if (!d.missing)  // a baseline may record fewer settings (older files)
        throw CliError("--baseline " + file + " was trained on other tasks than " + f.checkpoint + " (task." + d.key +
                       " = " + d.theirs + " vs " + d.ours + ")");
    Entry e;
    e.learner = learner_from(b, "--baseline " + file);
    if (e.learner->model().config().input_dim != learner.model().config().input_dim)
      throw CliError("--baseline " + file + ": its model takes another number of inputs than " + f.checkpoint);
    e.name = e.learner->kind();
    e.file = file;
    entries.push_back(std::move(e));
  }
  // Metric learners adapt in one shot: no steps to report, and a network
  // trained from scratch on the support set is not their baseline; nor is it
  // for a learner with nothing meta-trained (scratch itself).
  const bool one_shot = !learner.iterative();
  if (one_shot && app.count("--steps") == 0) f.steps = 0;
  if (!f.no_scratch && learner.info().meta_trained() && !one_shot) {
    LearnerConfig sc = learner.config();
    sc.learner = "scratch";
    Entry e;
    e.learner = make_learner(sc);
    e.name = "scratch";
    entries.push_back(std::move(e));
  }
  // Unique column names (e.g. two maml checkpoints).
  for (std::size_t i = 0; i < entries.size(); ++i) {
    int dup = 1;
    for (std::size_t j = 0; j < i; ++j)
      if (entries[j].name == entries[i].name || entries[j].name == entries[i].name + "#" + std::to_string(dup)) ++dup;
    if (dup > 1) entries[i].name += "#" + std::to_string(dup);
  }

  const Split split = parse_split(f.split);
  std::vector<Task> tasks;
  try {
    tasks = eval::sample_tasks(*source, split, f.tasks, f.seed);
  } catch (const std::invalid_argument& e) {
    throw CliError(e.what());
  }
  ThreadPool pool(f.threads);
  set_matrix_product_threads(1);  // the pool adapts one task per thread
  const ParallelFor parallel = f.threads > 1 ? pool.parallel_for() : ParallelFor(sequential_for);
  for (Entry& e : entries) {
    try {
      e.curve = eval::evaluate_learner(*e.learner, tasks, f.steps, parallel);
    } catch (const std::invalid_argument& ex) {
      throw CliError(e.name + " (" + (e.file.empty() ? "scratch" : e.file) + "): " + ex.what());
    }
  }

  // Memory network and its baselines on sequence episodes: also Santoro et
  // al.'s accuracy by presentation, on --tasks fresh episodes of the split.
  std::vector<std::pair<std::string, InstanceAccuracy>> by_presentation;
  if (const auto* seq = dynamic_cast<const SequenceEpisodeSource*>(source.get())) {
    for (const Entry& e : entries) {
      const auto* m = dynamic_cast<const MannLearner*>(e.learner.get());
      if (!m) continue;
      Rng rng(f.seed);
      try {
        by_presentation.emplace_back(e.name, evaluate_by_instance(*m, *seq, split, f.tasks, rng));
      } catch (const std::invalid_argument& ex) {
        throw CliError(e.name + " (" + e.file + "): " + ex.what());
      }
    }
  }
  std::vector<int> presentations;
  if (!by_presentation.empty())
    for (int k : {1, 2, 3, 4, 5, 10})
      if (k <= by_presentation[0].second.instances()) presentations.push_back(k);

  const bool cls = learner.model().config().classification;
  const std::string quantity = cls ? "query accuracy" : "query MSE";
  const auto desc = source->description();
  if (f.json || !f.json_out.empty()) {
    Json j;
    j["checkpoint"] = f.checkpoint;
    Json task = Json::object();
    for (const auto& [k, v] : desc) task[k.substr(5)] = v;
    j["task"] = task;
    j["split"] = split_name(split);
    j["tasks"] = f.tasks;
    j["seed"] = f.seed;
    j["steps"] = f.steps;
    j["quantity"] = cls ? "accuracy" : "mse";
    j["interval"] = "95% Student t interval of the mean over tasks";
    Json ls = Json::array();
    for (const Entry& e : entries) {
      Json le;
      le["name"] = e.name;
      le["learner"] = e.learner->kind();
      le["file"] = e.file.empty() ? Json(nullptr) : Json(e.file);
      le["iteration"] = e.learner->iteration();
      Json loss = Json::array(), metric = Json::array();
      for (int s = 0; s <= f.steps; ++s) {
        loss.push_back(summary_json(e.curve.loss[static_cast<std::size_t>(s)], s));
        metric.push_back(summary_json(e.curve.metric[static_cast<std::size_t>(s)], s));
      }
      le["loss"] = loss;
      le["metric"] = metric;
      ls.push_back(le);
    }
    j["learners"] = ls;
    if (!by_presentation.empty()) {
      Json bp = Json::array();
      for (const auto& [name, acc] : by_presentation) {
        Json le;
        le["name"] = name;
        le["episodes"] = acc.episodes();
        Json rows = Json::array();
        for (int k = 1; k <= acc.instances(); ++k)
          rows.push_back({{"presentation", k}, {"accuracy", acc.accuracy(k)}, {"half_width", acc.ci95(k)}});
        le["accuracy"] = rows;
        bp.push_back(le);
      }
      j["by_presentation"] = bp;
    }
    if (!f.json_out.empty()) {
      std::ofstream out(f.json_out);
      if (!out) throw CliError("--json-out " + f.json_out + ": cannot write there");
      out << j.dump(2) << '\n';
    }
    if (f.json) {
      std::printf("%s\n", j.dump(2).c_str());
      return kExitOk;
    }
  }

  auto d = [&](const char* k) { return desc.count(k) ? desc.at(k) : std::string("?"); };
  std::string shape = "K=" + d("task.support") + " support, " + d("task.query") + " query";
  if (desc.count("task.shots")) {
    auto test = [&](const char* k, const char* train) { return d(k) == "0" ? d(train) : d(k); };
    shape = (split == Split::MetaTrain ? d("task.ways") : test("task.test_ways", "task.ways")) + "-way " +
            (split == Split::MetaTrain ? d("task.shots") : test("task.test_shots", "task.shots")) + "-shot, " +
            (split == Split::MetaTrain ? d("task.queries") : test("task.test_queries", "task.queries")) +
            " queries per class";
  } else if (desc.count("task.instances")) {
    shape = d("task.ways") + "-way, " + d("task.instances") + " instances per class";
  }
  std::printf("%s on %d %s %s tasks (%s; seed %llu); %s after 0..%d adaptation steps\n", f.checkpoint.c_str(),
              f.tasks, split_name(split), source->name().c_str(), shape.c_str(),
              static_cast<unsigned long long>(f.seed), quantity.c_str(), f.steps);
  std::printf("mean +- half-width of the 95%% confidence interval (Student t, n = %d)\n", f.tasks);
  const int width = 22;
  std::printf("%5s", "steps");
  for (const Entry& e : entries) std::printf("  %*s", width, e.name.c_str());
  std::printf("\n");
  for (int s = 0; s <= f.steps; ++s) {
    std::printf("%5d", s);
    for (const Entry& e : entries) {
      const eval::Summary& m = cls ? e.curve.metric[static_cast<std::size_t>(s)] : e.curve.loss[static_cast<std::size_t>(s)];
      const std::string cell = fmt(m.mean, 4) + " +- " + fmt(m.half_width, 4);
      std::printf("  %*s", width, cell.c_str());
    }
    std::printf("\n");
  }
  if (!by_presentation.empty()) {
    std::printf("\naccuracy by presentation of a class in %d %s episodes (Santoro et al. 2016, table 1; seed %llu)\n",
                f.tasks, split_name(split), static_cast<unsigned long long>(f.seed));
    std::printf("mean +- half-width of the 95%% interval over episodes\n");
    std::printf("%12s", "presentation");
    for (const auto& [name, acc] : by_presentation) std::printf("  %*s", width, name.c_str());
    std::printf("\n");
    for (int k : presentations) {
      std::printf("%12d", k);
      for (const auto& [name, acc] : by_presentation) {
        char cell[48];
        std::snprintf(cell, sizeof cell, "%.1f%% +- %.1f%%", 100 * acc.accuracy(k), 100 * acc.ci95(k));
        std::printf("  %*s", width, cell);
      }
      std::printf("\n");
    }
  }
  return kExitOk;
}

}  // namespace

Runner register_eval(CLI::App& root) {
  auto f = std::make_shared<EvalFlags>();
  CLI::App* app = root.add_subcommand(
      "eval", "evaluate a checkpoint and the baselines on the same held-out tasks: mean query loss with 95% "
              "confidence intervals after 0..S adaptation steps");
  app->option_defaults()->always_capture_default()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app->add_option("--checkpoint,checkpoint", f->checkpoint, "the checkpoint to evaluate (from metalab train)")
      ->required();
  app->add_option("--baseline", f->baselines,
                  "checkpoint(s) to compare with (repeatable); default: the pretrain baseline saved by train "
                  "--with-baselines next to the checkpoint")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app->add_flag("--no-baselines", f->no_baselines, "do not look for the baselines recorded in the checkpoint");
  app->add_flag("--no-scratch", f->no_scratch, "leave out the scratch baseline (a fresh network trained on the support set)");
  app->add_option("--tasks", f->tasks, "number of held-out tasks (the same tasks for every learner)")
      ->check(CLI::PositiveNumber);
  app->add_option("--steps", f->steps, "S: report after 0, 1, ..., S adaptation steps")->check(CLI::Range(0, 100000));
  app->add_option("--seed", f->seed, "seed of the held-out tasks");
  app->add_option("--split", f->split, "tasks from the meta-test, validation or train split")
      ->check(CLI::IsMember({"test", "validation", "train"}));
  app->add_option("--threads", f->threads, "threads adapting tasks in parallel (results identical for any number)")
      ->check(CLI::Range(1, 256));
  app->add_flag("--json", f->json, "print JSON instead of the table");
  app->add_option("--json-out", f->json_out, "also write the JSON to this file");
  f->task.add_to(*app);
  for (CLI::Option* o : app->get_options())
    if (o->get_group() == "Task")
      o->group("Task (default: as recorded in the checkpoint; given flags override it, e.g. --support 5)");
  return [app, f] { return run_eval(*app, *f); };
}

}  // namespace metalab::cli
