// One benchmark, two targets: the same cases built natively and for
// WebAssembly (run under node), so that the page's speed can be compared with
// native speed on the same machine in the same run (scripts/bench-web.sh runs
// both, interleaved, and prints native / wasm ratios).
//
//   build/native-release/native/bench/portable/bench_portable --list
//   build/native-release/native/bench/portable/bench_portable --case maml_sinusoid
//   node build/web/native/bench/portable/bench_portable.js --case maml_sinusoid
//
// Each case builds its learner and data first (not timed), then times one unit
// of work per repetition (timing.h). Output: a comment line (target, Eigen's
// SIMD instruction sets, clock), then one line per case,
//   CASE median_ms p10_ms p90_ms reps runs_per_rep check
// Times are per run of the work (runs_per_rep > 1 for work much shorter than
// a repetition, see timing.h); `check` is the last step's loss, so that the
// work cannot be optimised away (it differs between targets in the last
// digits: Eigen's AVX2 kernels use fused multiply-adds, wasm SIMD has none).
//
// Adding a case: one entry in cases() below. The lab_<lab>_frame cases time
// one frame of a lab's work while it trains (lab_frame()).
#include <Eigen/Core>

#include <cstdio>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/io/safetensors.h"
#include "core/learners/learner.h"
#include "core/learners/mann.h"
#include "core/tasks/episodes.h"
#include "core/tasks/regression_sources.h"
#include "core/tasks/sequence_episodes.h"
#include "core/tasks/sinusoid.h"
#include "native/bench/portable/clock.h"
#include "native/cli/thread_pool.h"
#include "native/bench/portable/timing.h"
#include "native/data/malloc_tuning.h"
#include "web/app/page/app_state.h"
#include "web/app/page/assets.h"
#include "web/app/page/checkpoints.h"
#include "web/app/page/url_state.h"

#ifndef METALAB_ASSETS_DIR
#error "METALAB_ASSETS_DIR must name the assets/ folder (native/bench/portable/CMakeLists.txt sets it)"
#endif

namespace {

using namespace metalab;
using bench::Timing;
using bench::TimingPlan;

// A step returns the loss it computed (printed as the check value).
using Step = std::function<double()>;

struct Case {
  const char* name;
  const char* what;
  // Builds the work (untimed) and returns one unit of it; `parallel` spreads a
  // meta-batch's tasks over threads (--threads N; sequential by default).
  std::function<Step(const ParallelFor& parallel)> setup;
};

// Finn et al.'s sinusoid setup, as the regression lab trains it: MLP 1-40-40-1
// ReLU, 25 tasks of 10 support + 10 query points, 1 inner SGD step, exact
// second-order meta-gradient, Adam.
Step maml_sinusoid(const ParallelFor& parallel) {
  LearnerConfig cfg;
  cfg.learner = "maml";
  cfg.seed = 1;
  auto learner = std::shared_ptr<Learner>(make_learner(cfg));
  learner->set_parallel(parallel);
  SinusoidDistribution dist;
  Rng rng(2);
  std::vector<Task> batch;
  for (int i = 0; i < cfg.meta_batch; ++i) batch.push_back(dist.sample(rng));
  return [learner, batch] { return learner->meta_step(batch).loss; };
}

// A metric learner trained on pre-sampled episodes (8 of them, in turn).
Step metric_episodes(const LearnerConfig& cfg, const TaskSource& src) {
  auto learner = std::shared_ptr<Learner>(make_learner(cfg));
  Rng rng(2);
  auto episodes = std::make_shared<std::vector<Task>>();
  for (int i = 0; i < 8; ++i) episodes->push_back(src.sample(Split::MetaTrain, rng));
  auto next = std::make_shared<std::size_t>(0);
  return [learner, episodes, next] {
    const Task& t = (*episodes)[(*next)++ % episodes->size()];
    return learner->meta_step({t}).loss;
  };
}

// The classification lab's default setup (web/app/classification_lab.cpp,
// scripts/make-web-checkpoints.sh): glyphs 14 x 14 (300 classes, seed 1),
// 5-way 1-shot with 5 queries per class, MLP 64-32 ReLU embedding, Adam 1e-3.
// One training episode (the lab takes 2 per iteration).
Step protonet_glyphs14_mlp(const ParallelFor&) {
  GlyphSourceConfig g;
  g.glyph.size = 14;
  g.num_classes = 300;
  g.seed = 1;
  g.split_seed = 1;
  EpisodeConfig ep;
  ep.ways = 5;
  ep.shots = 1;
  ep.queries = 5;
  const auto src = make_glyph_source(g, ep);
  LearnerConfig cfg;
  cfg.learner = "protonet";
  cfg.model.backbone = "mlp";
  cfg.model.input_dim = src->input_dim();
  cfg.model.hidden = {64, 32};
  cfg.model.output_dim = ep.ways;
  cfg.model.classification = true;
  cfg.outer_lr = 1e-3f;
  cfg.meta_batch = 1;
  cfg.seed = 1;
  return metric_episodes(cfg, *src);
}

// Snell et al.'s Omniglot setting on 28 x 28 glyphs (as native/bench/bench_protonet.cpp):
// Conv4, 5-way 1-shot, 15 queries per class (80 images per episode), Adam 1e-3.
Step protonet_conv4_28(const ParallelFor&) {
  GlyphSourceConfig g;
  EpisodeConfig ep;
  ep.ways = 5;
  ep.shots = 1;
  ep.queries = 15;
  const auto src = make_glyph_source(g, ep);
  LearnerConfig cfg;
  cfg.learner = "protonet";
  cfg.model.backbone = "conv4";
  cfg.model.classification = true;
  cfg.model.input_dim = src->input_dim();
  cfg.model.output_dim = src->output_dim();
  cfg.meta_batch = 1;
  cfg.outer_lr = 1e-3f;
  cfg.seed = 1;
  return metric_episodes(cfg, *src);
}

// The memory lab's shipped MANN (assets/checkpoints/mann-glyphs14.safetensors:
// controller 100, memory 64 x 32, 4 heads; 5-way episodes of 10 presentations
// of 14 x 14 glyphs), one BPTT update on one episode as the lab trains it further.
Step mann_glyphs14_update(const ParallelFor&) {
  const std::string file = std::string(METALAB_ASSETS_DIR) + "/checkpoints/mann-glyphs14.safetensors";
  const Checkpoint ckpt = load_safetensors_file(file);
  std::unique_ptr<Learner> loaded = load_learner(ckpt);
  auto* mann = dynamic_cast<MannLearner*>(loaded.get());
  if (!mann) throw std::runtime_error(file + ": not a memory-augmented network");
  std::shared_ptr<MannLearner> learner(static_cast<MannLearner*>(loaded.release()));
  TaskOptions task = task_options_from_metadata(ckpt.metadata);
  const std::string name = task.at("name");
  task.erase("name");
  task["cache"] = "false";
  const auto src = make_sequence_source(name, task, nullptr);
  Rng rng(2);
  struct Episodes {
    std::vector<Matrix> xs;
    std::vector<std::vector<int>> labels;
  };
  auto episodes = std::make_shared<Episodes>();
  for (int i = 0; i < 8; ++i) {
    SequenceEpisode e = src->sample_episode(Split::MetaTrain, rng);
    episodes->xs.push_back(std::move(e.x));
    episodes->labels.push_back(std::move(e.labels));
  }
  auto next = std::make_shared<std::size_t>(0);
  return [learner, episodes, next] {
    const std::size_t i = (*next)++ % episodes->xs.size();
    return learner->train_sequences({episodes->xs[i]}, {episodes->labels[i]}).loss;
  };
}

// One frame of a lab's work while it trains, UI excluded: the page's logic
// (web/app/page/app_state.h) with the files it fetches at start-up, the lab
// open at its default settings and its training job playing. A repetition
// runs one step of every job that wants time then: the lab's training job
// and the evaluation its view waits for (the scheduler fits more steps of
// short jobs into a frame, and spreads a long one over frames, within its
// budget; this is the work of a frame in which each runs once). The check is
// the training job's iteration.
Step lab_frame(const char* view) {
  auto st = std::make_shared<web::AppState>();
  web::load_page_content(*st);
  const std::string dir = METALAB_ASSETS_DIR;
  std::vector<std::string> names{web::kGenesCsv};  // and every shipped checkpoint, as assets.json lists them
  for (const auto& e : std::filesystem::directory_iterator(dir + "/checkpoints"))
    if (e.path().extension() == ".safetensors") names.push_back("checkpoints/" + e.path().filename().string());
  std::sort(names.begin() + 1, names.end());
  for (const std::string& n : names) {
    std::ifstream in(dir + "/" + n, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    if (!in) throw std::runtime_error(dir + "/" + n + ": cannot read it (a file the page fetches at start-up)");
    web::receive_asset(*st, n, bytes.str());
  }
  web::apply_url_hash(*st, std::string("view=") + view);
  for (int i = 0; i < 3; ++i) web::update_page(*st, 1.0 / 60);  // builds the lab's jobs
  web::TrainingJob* training = nullptr;
  const std::string v = view;
  if (v == "regression") training = st->regression.shown();
  if (v == "gene") {
    const std::string task = st->gene.settings.data == "promoter" ? "promoter" : "genes";  // as update_page
    if (!st->gene.job_error.empty()) throw std::runtime_error("the gene lab: " + st->gene.job_error);
    if (st->regression.jobs.count(task)) training = st->regression.jobs.at(task).get();
  }
  if (v == "classification") training = st->classification.job();
  if (v == "memory") training = st->memory.job();
  if (v == "landscape") training = st->landscape.walkers();
  if (!training) throw std::runtime_error(std::string("the ") + view + " lab built no training job");
  training->playing = true;
  std::vector<web::Job*> jobs{training};
  if (v == "classification") jobs.push_back(&st->classification.curve);
  if (v == "memory") jobs.push_back(&st->memory.accuracy);
  if (v == "landscape") jobs.push_back(&st->landscape.grid);
  return [st, jobs, training] {
    for (web::Job* j : jobs) {
      if (!j->wants_time()) continue;
      j->step();
      j->stepped();
    }
    return static_cast<double>(training->iteration());
  };
}

const std::vector<Case>& cases() {
  static const std::vector<Case> all{
      {"maml_sinusoid", "exact second-order MAML meta-iteration, sinusoid, 25 tasks, 10+10 points, 1 step, Adam",
       maml_sinusoid},
      {"protonet_glyphs14_mlp", "ProtoNet training episode, glyphs 14x14, MLP 64-32, 5-way 1-shot, 5 queries",
       protonet_glyphs14_mlp},
      {"protonet_conv4_28", "ProtoNet training episode, glyphs 28x28, Conv4, 5-way 1-shot, 15 queries",
       protonet_conv4_28},
      {"mann_glyphs14_update", "one BPTT update of the memory lab's shipped MANN on one episode",
       mann_glyphs14_update},
      {"lab_regression_frame", "a frame of the regression lab training (shipped sinusoid MAML), UI excluded",
       [](const ParallelFor&) { return lab_frame("regression"); }},
      {"lab_gene_frame", "a frame of the gene lab training (shipped tissue-expression MAML), UI excluded",
       [](const ParallelFor&) { return lab_frame("gene"); }},
      {"lab_classification_frame", "a frame of the classification lab training (shipped ProtoNet), with its shots curve",
       [](const ParallelFor&) { return lab_frame("classification"); }},
      {"lab_memory_frame", "a frame of the memory lab training (shipped MANN, LSTM, feed-forward in turn), with its accuracy",
       [](const ParallelFor&) { return lab_frame("memory"); }},
      {"lab_landscape_frame", "a frame of the landscape lab's walkers, with its loss grid",
       [](const ParallelFor&) { return lab_frame("landscape"); }},
  };
  return all;
}

int usage(const char* argv0, int code) {
  std::fprintf(code ? stderr : stdout,
               "usage: %s [--list] [--case NAME]... [--clock wall|cpu] [--min-ms MS] [--min-reps N] [--warmup-ms MS]\n"
               "       [--threads N]\n"
               "  times each case (all by default) and prints: CASE median_ms p10_ms p90_ms reps runs_per_rep check\n"
               "  --clock cpu: time repetitions by the process's CPU time instead of the wall clock\n"
               "  --threads N: cases with a meta-batch spread its tasks over N threads (wasm: a -pthread build)\n",
               argv0);
  return code;
}

bool parse_number(const char* text, double& out) {
  char* end = nullptr;
  out = std::strtod(text, &end);
  return end != text && *end == '\0' && out >= 0;
}

}  // namespace

int main(int argc, char** argv) {
  Eigen::setNbThreads(1);  // one core: OpenMP builds would let Eigen's large products use more
  // As the `metalab` tool does natively (glibc would otherwise unmap and re-fault
  // Conv4's multi-megabyte blocks every step); a no-op in wasm, whose heap never shrinks.
  tune_malloc_for_large_tensors();
  TimingPlan plan;
  int threads = 1;
  std::vector<std::string> wanted;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    double v = 0;
    if (a == "--help" || a == "-h") return usage(argv[0], 0);
    if (a == "--list") {
      for (const Case& c : cases()) std::printf("%-24s %s\n", c.name, c.what);
      return 0;
    } else if (a == "--case" && has_value) {
      wanted.emplace_back(argv[++i]);
    } else if (a == "--clock" && has_value) {
      const std::string c = argv[++i];
      if (c == "wall") plan.clock = bench::now_ms;
      else if (c == "cpu") plan.clock = bench::process_cpu_ms;
      else {
        std::fprintf(stderr, "bench_portable: --clock must be 'wall' or 'cpu', got '%s'\n", c.c_str());
        return 2;
      }
    } else if (a == "--threads" && has_value) {
      if (!parse_number(argv[i + 1], v) || v < 1 || v > 64) {
        std::fprintf(stderr, "bench_portable: --threads needs a number from 1 to 64, got '%s'\n", argv[i + 1]);
        return 2;
      }
      threads = static_cast<int>(v);
      ++i;
    } else if ((a == "--min-ms" || a == "--warmup-ms" || a == "--min-reps") && has_value) {
      if (!parse_number(argv[i + 1], v)) {
        std::fprintf(stderr, "bench_portable: %s needs a non-negative number, got '%s'\n", a.c_str(), argv[i + 1]);
        return 2;
      }
      ++i;
      if (a == "--min-ms") plan.min_ms = v;
      else if (a == "--warmup-ms") plan.warmup_ms = v;
      else plan.min_reps = std::max(1, static_cast<int>(v));
    } else {
      std::fprintf(stderr, "bench_portable: unknown or incomplete argument '%s'\n", a.c_str());
      return usage(argv[0], 2);
    }
  }
  std::vector<const Case*> run;
  for (const std::string& w : wanted) {
    const Case* found = nullptr;
    for (const Case& c : cases())
      if (w == c.name) found = &c;
    if (!found) {
      std::fprintf(stderr, "bench_portable: no case '%s' (--list shows them)\n", w.c_str());
      return 2;
    }
    run.push_back(found);
  }
  if (run.empty())
    for (const Case& c : cases()) run.push_back(&c);
  std::printf("# %s, Eigen SIMD: %s, clock: %s, threads: %d\n", bench::target_name(),
              Eigen::SimdInstructionSetsInUse(), plan.clock == bench::now_ms ? "wall" : "cpu", threads);
  std::unique_ptr<ThreadPool> pool;
  ParallelFor parallel = sequential_for;
  if (threads > 1) {
    try {
      pool = std::make_unique<ThreadPool>(threads);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bench_portable: cannot start %d threads (%s): a WebAssembly build needs -pthread\n",
                   threads, e.what());
      return 1;
    }
    parallel = pool->parallel_for();
  }
  for (const Case* c : run) {
    try {
      const Step step = c->setup(parallel);
      double check = 0;
      const Timing t = bench::time_work([&] { check = step(); }, plan);
      std::printf("%s %.4f %.4f %.4f %d %d %.6g\n", c->name, t.median_ms, t.p10_ms, t.p90_ms, t.reps, t.inner, check);
      std::fflush(stdout);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bench_portable: case %s: %s\n", c->name, e.what());
      return 1;
    }
  }
  return 0;
}
