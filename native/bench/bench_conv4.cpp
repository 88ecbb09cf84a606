// Benchmarks of the Conv4 backbone (4 x [conv 3x3 64, batch norm, ReLU, 2x2
// max-pool]) on one few-shot episode's worth of images: 80 images of 28 x 28 x 1
// (5-way 1-shot with 15 queries per class). Target: forward + backward under
// 150 ms on one core. Run:
//   build/native-release/native/bench_conv4 --benchmark_min_time=2
#include <Eigen/Core>
#include <benchmark/benchmark.h>

#include "core/common/rng.h"
#include "native/data/malloc_tuning.h"
#include "core/nn/layers.h"

namespace {

// One core unless a benchmark says otherwise: OpenMP builds would otherwise
// let Eigen's larger products use every core.
const bool kOneMatrixThread = (Eigen::setNbThreads(1), true);

// Large matrices stay in the heap between iterations (see malloc_tuning.h).
const bool kMallocTuned = (metalab::tune_malloc_for_large_tensors(), true);

using namespace metalab;
using Tensorf = ad::Tensor<float>;

struct Setup {
  nn::Conv4 net{28, 28, 1, 64, 4};
  nn::Params<float> params;
  std::vector<nn::BatchNormStats<float>> stats;
  Tensorf x;
  explicit Setup(int n) {
    Rng rng(1);
    params = net.init<float>(rng);
    stats = net.init_stats<float>();
    ad::Mat<float> v(n, 28 * 28);
    for (Eigen::Index i = 0; i < v.size(); ++i) v.data()[i] = static_cast<float>(rng.uniform());
    x = Tensorf(v);
  }
};

void BM_Conv4ForwardBackward(benchmark::State& state) {
  Setup s(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    const Tensorf out = s.net.forward(s.params, s.x, nn::Mode::Train, &s.stats);
    const Tensorf loss = ad::mean(ad::square(out));
    auto g = ad::grad(loss, s.params.tensors());
    benchmark::DoNotOptimize(g[0].value().data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Conv4ForwardBackward)->Arg(80)->Unit(benchmark::kMillisecond);

void BM_Conv4ForwardTrainGraph(benchmark::State& state) {
  Setup s(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    const Tensorf out = s.net.forward(s.params, s.x, nn::Mode::Train, &s.stats);
    benchmark::DoNotOptimize(out.value().data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Conv4ForwardTrainGraph)->Arg(80)->Unit(benchmark::kMillisecond);

void BM_Conv4ForwardEvalNoGrad(benchmark::State& state) {
  Setup s(static_cast<int>(state.range(0)));
  ad::NoGradGuard no_grad;
  for (auto _ : state) {
    const Tensorf out = s.net.forward(s.params, s.x, nn::Mode::Eval, &s.stats);
    benchmark::DoNotOptimize(out.value().data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Conv4ForwardEvalNoGrad)->Arg(80)->Unit(benchmark::kMillisecond);

}  // namespace
