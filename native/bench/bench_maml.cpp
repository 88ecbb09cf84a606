// Benchmarks of one meta-iteration of the MAML family in Finn et al. 2017's
// sinusoid setup: MLP 1-40-40-1 ReLU, 25 tasks of 10 support + 10 query
// points, 1 inner SGD step, Adam outer step. Run:
//   build/native-release/native/bench_maml --benchmark_min_time=2
#include <Eigen/Core>
#include <benchmark/benchmark.h>

#include <thread>

#include "core/learners/learner.h"
#include "core/tasks/sinusoid.h"
#include "native/cli/thread_pool.h"

namespace {

// One core unless a benchmark says otherwise: OpenMP builds would otherwise
// let Eigen's larger products use every core.
const bool kOneMatrixThread = (Eigen::setNbThreads(1), true);

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

BENCHMARK_CAPTURE(BM_MetaIteration, maml_second_order_1thread, std::string("maml"), 1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_MetaIteration, fomaml_1thread, std::string("fomaml"), 1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_MetaIteration, metasgd_1thread, std::string("metasgd"), 1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_MetaIteration, anil_1thread, std::string("anil"), 1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_MetaIteration, reptile_k5_1thread, std::string("reptile"), 1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_MetaIteration, maml_second_order_2threads, std::string("maml"), 2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_MetaIteration, fomaml_2threads, std::string("fomaml"), 2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
