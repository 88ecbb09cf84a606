// Benchmarks of the memory-augmented network (core/learners/mann.h) in
// Santoro et al. 2016's setup: 5-way episodes of 10 instances per class (50
// steps), 20 x 20 glyph inputs, LSTM controller of 200 units, memory 128 x 40,
// 4 read heads. What one BPTT update costs, per episode, when the episodes of
// a batch are rows of one matrix (the learner's way: memory as [B*N, M] with
// block-diagonal products) versus one graph per episode, and the baselines.
// BM_TrainShipped is one update at the size the page's memory lab ships
// (scripts/make-web-checkpoints.sh: 14 x 14 glyphs, controller 100, memory
// 64 x 32, 4 heads, 16 episodes a batch; native/bench/torch/mann_torch.py is
// its PyTorch peer in scripts/bench-native.sh). Run:
//   build/native-release/native/bench_mann --benchmark_min_time=2
#include <Eigen/Core>
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "core/learners/mann.h"
#include "core/tasks/sequence_episodes.h"
#include "native/data/malloc_tuning.h"

namespace {

// One core unless a benchmark says otherwise: OpenMP builds would otherwise
// let Eigen's larger products use every core.
const bool kOneMatrixThread = (Eigen::setNbThreads(1), true);

// As the `metalab` tool: large matrices stay in the heap between iterations (see malloc_tuning.h).
const bool kMallocTuned = (metalab::tune_malloc_for_large_tensors(), true);

using namespace metalab;

// Glyph episodes of 5 ways x 10 presentations; `size` x `size` pixels.
const SequenceEpisodeSource& glyph_source(int size = 20) {
  auto make = [](int pixels) {
    GlyphSourceConfig g;
    g.glyph.size = pixels;
    g.num_classes = 200;
    g.instances = 20;
    g.seed = 1;
    return make_glyph_sequence_source(g, SequenceEpisodeConfig{}, /*cache=*/true);
  };
  static const std::unique_ptr<SequenceEpisodeSource> paper = make(20), shipped = make(14);
  return size == 14 ? *shipped : *paper;
}

LearnerConfig paper_config(const std::string& kind, int batch) {
  LearnerConfig c;
  c.learner = kind;
  c.model.input_dim = 400;
  c.model.output_dim = 5;
  c.model.classification = true;
  c.model.hidden = {200};
  c.meta_batch = batch;
  c.grad_clip = 10;
  c.seed = 1;
  return c;
}

struct Episodes {
  std::vector<Matrix> xs;
  std::vector<std::vector<int>> labels;
};

Episodes sample(int n, int size = 20) {
  Rng rng(2);
  Episodes e;
  for (int i = 0; i < n; ++i) {
    SequenceEpisode s = glyph_source(size).sample_episode(Split::MetaTrain, rng);
    e.xs.push_back(std::move(s.x));
    e.labels.push_back(std::move(s.labels));
  }
  return e;
}

// One BPTT update (forward, backward, clipping, Adam) on `batch` episodes as
// rows of one matrix.
void BM_TrainBatched(benchmark::State& state, std::string kind) {
  const int batch = static_cast<int>(state.range(0));
  MannLearner learner(paper_config(kind, batch));
  const Episodes e = sample(batch);
  for (auto _ : state) {
    StepStats s = learner.train_sequences(e.xs, e.labels);
    benchmark::DoNotOptimize(s.loss);
  }
  state.counters["episodes/s"] =
      benchmark::Counter(static_cast<double>(batch) * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

// One BPTT update at the memory lab's shipped size (see the header comment).
void BM_TrainShipped(benchmark::State& state) {
  LearnerConfig c = paper_config("mann", 16);
  c.model.input_dim = 14 * 14;
  c.model.hidden = {100};
  c.memory_slots = 64;
  c.memory_width = 32;
  c.read_heads = 4;
  MannLearner learner(c);
  const Episodes e = sample(16, 14);
  for (auto _ : state) {
    StepStats s = learner.train_sequences(e.xs, e.labels);
    benchmark::DoNotOptimize(s.loss);
  }
  state.counters["episodes/s"] =
      benchmark::Counter(16.0 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

// The same gradient computed one episode at a time (a graph per episode,
// gradients summed), no optimizer step: the alternative to batching.
void BM_GradientLoopOverEpisodes(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  const SequenceNet<float> net(SequenceNetConfig::from_learner(paper_config("mann", batch)));
  Rng rng(1);
  const nn::Params<float> params = net.init(rng);
  const Episodes e = sample(batch);
  for (auto _ : state) {
    std::vector<Mat<float>> total;
    for (int b = 0; b < batch; ++b) {
      const auto inputs = sequence_inputs<float>({e.xs[static_cast<std::size_t>(b)]},
                                                 {e.labels[static_cast<std::size_t>(b)]}, 5);
      const auto loss = ad::cross_entropy(net.forward(params, inputs, 1), e.labels[static_cast<std::size_t>(b)]);
      const auto g = ad::grad(loss, params.tensors());
      if (total.empty())
        for (const auto& t : g) total.push_back(t.value());
      else
        for (std::size_t i = 0; i < g.size(); ++i) total[i] += g[i].value();
    }
    benchmark::DoNotOptimize(total[0].data());
  }
  state.counters["episodes/s"] =
      benchmark::Counter(static_cast<double>(batch) * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

// The batched gradient alone (forward + backward), to compare with the loop.
void BM_GradientBatched(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  const SequenceNet<float> net(SequenceNetConfig::from_learner(paper_config("mann", batch)));
  Rng rng(1);
  const nn::Params<float> params = net.init(rng);
  const Episodes e = sample(batch);
  const auto inputs = sequence_inputs<float>(e.xs, e.labels, 5);
  std::vector<int> flat;
  for (std::size_t t = 0; t < inputs.size(); ++t)
    for (int b = 0; b < batch; ++b) flat.push_back(e.labels[static_cast<std::size_t>(b)][t]);
  for (auto _ : state) {
    const auto loss = ad::cross_entropy(net.forward(params, inputs, batch), flat);
    const auto g = ad::grad(loss, params.tensors());
    benchmark::DoNotOptimize(g[0].value().data());
  }
  state.counters["episodes/s"] =
      benchmark::Counter(static_cast<double>(batch) * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

// Evaluation: predictions for every step of 50 episodes, no graph.
void BM_Predict(benchmark::State& state, std::string kind) {
  MannLearner learner(paper_config(kind, 16));
  const Episodes e = sample(50);
  for (auto _ : state) {
    auto logits = learner.predict_sequences(e.xs, e.labels);
    benchmark::DoNotOptimize(logits[0].data());
  }
  state.counters["episodes/s"] = benchmark::Counter(50.0 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

// Sampling an episode from the cached glyph bank.
void BM_SampleEpisode(benchmark::State& state) {
  Rng rng(3);
  for (auto _ : state) {
    SequenceEpisode e = glyph_source().sample_episode(Split::MetaTrain, rng);
    benchmark::DoNotOptimize(e.x.data());
  }
}

BENCHMARK_CAPTURE(BM_TrainBatched, mann, std::string("mann"))->Arg(1)->Arg(4)->Arg(16)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TrainShipped)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_TrainBatched, lstm, std::string("lstm"))->Arg(16)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_TrainBatched, feedforward, std::string("feedforward"))->Arg(16)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_GradientBatched)->Arg(16)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_GradientLoopOverEpisodes)->Arg(16)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Predict, mann, std::string("mann"))->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SampleEpisode)->Unit(benchmark::kMicrosecond);

}  // namespace
