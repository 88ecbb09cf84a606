// Benchmarks of one meta-iteration of the MAML family in Finn et al. 2017's
// sinusoid setup: MLP 1-40-40-1 ReLU, 25 tasks of 10 support + 10 query
// points, 1 inner SGD step, Adam outer step; and one exact second-order MAML
// meta-iteration on a Conv4 in the glyph setting of
// scripts/classification-results.sh (4 tasks of 5-way 1-shot with 15 queries
// per class, inner step 0.4). scripts/bench-native.sh runs them beside their
// PyTorch peers (native/bench/torch/). Run:
//   build/native-release/native/bench_maml --benchmark_min_time=2
#include <Eigen/Core>
#include <benchmark/benchmark.h>

#include <thread>

#include "core/learners/learner.h"
#include "core/tasks/episodes.h"
#include "core/tasks/sinusoid.h"
#include "native/cli/thread_pool.h"
#include "native/data/malloc_tuning.h"

namespace {

// One core unless a benchmark says otherwise: OpenMP builds would otherwise
// let Eigen's larger products use every core.
const bool kOneMatrixThread = (Eigen::setNbThreads(1), true);

// As the `metalab` tool: large matrices stay in the heap between iterations (see malloc_tuning.h).
const bool kMallocTuned = (metalab::tune_malloc_for_large_tensors(), true);

using namespace metalab;

std::vector<Task> sinusoid_batch(int n, Rng& rng) {
  SinusoidDistribution dist;
  std::vector<Task> tasks;
  for (int i = 0; i < n; ++i) tasks.push_back(dist.sample(rng));
  return tasks;
}

void run_meta_iterations(benchmark::State& state, const std::string& learner, int threads) {
  LearnerConfig cfg;
  cfg.learner = learner;
  cfg.seed = 1;
  if (learner == "reptile") cfg.inner_steps = 5;
  auto l = make_learner(cfg);
  ThreadPool pool(threads);
  if (threads > 1) l->set_parallel(pool.parallel_for());
  Rng rng(2);
  const std::vector<Task> batch = sinusoid_batch(25, rng);
  for (auto _ : state) {
    StepStats s = l->meta_step(batch);
    benchmark::DoNotOptimize(s.loss);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["tasks/s"] = benchmark::Counter(25.0 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_MetaIteration(benchmark::State& state, std::string learner, int threads) {
  run_meta_iterations(state, learner, threads);
}

// Conv4 (28 x 28 glyphs, 64 channels, batch statistics) with a 5-way head.
void BM_Conv4MetaIteration(benchmark::State& state) {
  GlyphSourceConfig g;
  EpisodeConfig e;
  e.ways = 5;
  e.shots = 1;
  e.queries = 15;
  const auto src = make_glyph_source(g, e);
  LearnerConfig cfg;
  cfg.learner = "maml";
  cfg.model.backbone = "conv4";
  cfg.model.classification = true;
  cfg.model.input_dim = src->input_dim();
  cfg.model.output_dim = src->output_dim();
  cfg.meta_batch = 4;
  cfg.inner_lr = 0.4f;
  cfg.seed = 1;
  auto l = make_learner(cfg);
  Rng rng(2);
  std::vector<std::vector<Task>> batches(2);
  for (auto& b : batches)
    for (int i = 0; i < cfg.meta_batch; ++i) b.push_back(src->sample(Split::MetaTrain, rng));
  std::size_t i = 0;
  for (auto _ : state) {
    StepStats s = l->meta_step(batches[i++ % batches.size()]);
    benchmark::DoNotOptimize(s.loss);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Conv4MetaIteration)->Name("BM_Conv4MetaIteration/maml_5way1shot_4tasks")->Unit(benchmark::kMillisecond);

BENCHMARK_CAPTURE(BM_MetaIteration, maml_second_order_1thread, std::string("maml"), 1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_MetaIteration, fomaml_1thread, std::string("fomaml"), 1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_MetaIteration, metasgd_1thread, std::string("metasgd"), 1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_MetaIteration, anil_1thread, std::string("anil"), 1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_MetaIteration, reptile_k5_1thread, std::string("reptile"), 1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_MetaIteration, maml_second_order_2threads, std::string("maml"), 2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_MetaIteration, fomaml_2threads, std::string("fomaml"), 2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
