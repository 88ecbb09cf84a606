// Benchmarks of prototypical networks on synthetic glyphs in Snell et al.
// 2017's Omniglot setting: one training episode (5-way 1-shot, 15 queries per
// class: 80 images of 28 x 28), Conv4 embedding, Adam; one evaluation episode
// (embed support and queries with no graph, classify); and rendering the
// episode's glyphs. Targets: a training episode under 145 ms on one core;
// under 80 ms on two (threads inside the Conv4's matrix products: a
// METALAB_OPENMP build, the default); evaluation several times faster. Run:
//   build/native-release/native/bench_protonet --benchmark_min_time=2
#include <Eigen/Core>
#include <benchmark/benchmark.h>

#include "core/learners/learner.h"
#include "core/tasks/episodes.h"
#include "native/data/malloc_tuning.h"

namespace {

// Large matrices stay in the heap between iterations (see malloc_tuning.h).
const bool kMallocTuned = (metalab::tune_malloc_for_large_tensors(), true);

using namespace metalab;

std::unique_ptr<ClassificationSource> glyph_source() {
  GlyphSourceConfig g;
  EpisodeConfig e;
  e.ways = 5;
  e.shots = 1;
  e.queries = 15;
  return make_glyph_source(g, e);
}

std::unique_ptr<Learner> protonet(const TaskSource& src, const std::string& name = "protonet") {
  LearnerConfig c;
  c.learner = name;
  c.model.backbone = "conv4";
  c.model.classification = true;
  c.model.input_dim = src.input_dim();
  c.model.output_dim = src.output_dim();
  c.meta_batch = 1;
  c.outer_lr = 0.001f;
  c.seed = 1;
  return make_learner(c);
}

// threads: how many OpenMP threads Eigen's matrix products may use (as
// `metalab train --threads N` does for one episode per step).
void BM_TrainingEpisode(benchmark::State& state, std::string learner, int threads) {
  Eigen::setNbThreads(threads);
  auto src = glyph_source();
  auto l = protonet(*src, learner);
  Rng rng(2);
  std::vector<Task> episodes;
  for (int i = 0; i < 8; ++i) episodes.push_back(src->sample(Split::MetaTrain, rng));
  std::size_t i = 0;
  for (auto _ : state) {
    StepStats s = l->meta_step({episodes[i++ % episodes.size()]});
    benchmark::DoNotOptimize(s.loss);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_TrainingEpisode, protonet_5way1shot_q15, std::string("protonet"), 1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_TrainingEpisode, matchingnet_5way1shot_q15, std::string("matchingnet"), 1)->Unit(benchmark::kMillisecond);
// Wall time is what two threads save (CPU time counts the main thread only).
BENCHMARK_CAPTURE(BM_TrainingEpisode, protonet_5way1shot_q15_2threads, std::string("protonet"), 2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_EvaluationEpisode(benchmark::State& state) {
  Eigen::setNbThreads(1);
  auto src = glyph_source();
  auto l = protonet(*src);
  Rng rng(3);
  std::vector<Task> episodes;
  for (int i = 0; i < 8; ++i) episodes.push_back(src->sample(Split::MetaTest, rng));
  std::size_t i = 0;
  for (auto _ : state) {
    const Task& t = episodes[i++ % episodes.size()];
    const Matrix logits = l->adapt(t, 0)[0](t.query_x);
    benchmark::DoNotOptimize(logits.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EvaluationEpisode)->Unit(benchmark::kMillisecond);

void BM_SampleGlyphEpisode(benchmark::State& state) {
  auto src = glyph_source();
  Rng rng(4);
  for (auto _ : state) {
    Task t = src->sample(Split::MetaTrain, rng);
    benchmark::DoNotOptimize(t.support_x.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SampleGlyphEpisode)->Unit(benchmark::kMillisecond);

}  // namespace
