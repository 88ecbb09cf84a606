// A small timing harness that builds natively and for WebAssembly alike
// (Google Benchmark does not build for wasm): warm-up, then repetitions of one
// unit of work, each timed on its own; the median and the spread of them.
//
//   Timing t = time_work([&] { learner->meta_step(batch); }, TimingPlan{});
//   std::printf("%.3f ms (p10 %.3f, p90 %.3f, %d reps)\n", t.median_ms, t.p10_ms, t.p90_ms, t.reps);
//
// Each repetition is timed by plan.clock: the wall clock (std::chrono::
// steady_clock; Emscripten maps it to performance.now(), microseconds under
// node) or, on a machine shared with other work, the process's CPU time
// (clock.h; under node a call costs microseconds). Work much shorter than
// plan.rep_ms runs several times per repetition (the count is set from the
// warm-up), so that neither the clock's resolution nor its cost shows.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <vector>

namespace metalab::bench {

inline double now_ms() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double, std::milli>(clock::now().time_since_epoch()).count();
}

struct TimingPlan {
  double (*clock)() = now_ms;  // times each repetition (warm-up and min_ms are wall time)
  double warmup_ms = 1000;     // run the work at least this long first (caches, allocator, wasm tier-up)
  int warmup_reps = 3;         // ... and at least this many times
  double min_ms = 1500;        // then time repetitions until both this much time
  int min_reps = 15;           // ... and this many repetitions have passed
  int max_reps = 100000;       // a bound for very cheap work
  double rep_ms = 5;           // shorter work is repeated within one repetition to last about this long
};

struct Timing {
  double median_ms = 0, p10_ms = 0, p90_ms = 0, min_ms = 0, max_ms = 0;
  int reps = 0;
  int inner = 1;  // runs of the work per repetition (the times above are per run)
};

// Quantile q in [0, 1] of sorted values (linear interpolation between ranks).
inline double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

inline Timing summarize(std::vector<double> ms) {
  Timing t;
  if (ms.empty()) return t;
  std::sort(ms.begin(), ms.end());
  t.reps = static_cast<int>(ms.size());
  t.median_ms = quantile(ms, 0.5);
  t.p10_ms = quantile(ms, 0.1);
  t.p90_ms = quantile(ms, 0.9);
  t.min_ms = ms.front();
  t.max_ms = ms.back();
  return t;
}

inline Timing time_work(const std::function<void()>& work, const TimingPlan& plan) {
  const double warm_start = now_ms(), warm_clock = plan.clock();
  int warm_runs = 0;
  for (; warm_runs < plan.warmup_reps || now_ms() - warm_start < plan.warmup_ms; ++warm_runs) work();
  const double per_run = (plan.clock() - warm_clock) / warm_runs;
  const int inner = per_run >= plan.rep_ms ? 1 : static_cast<int>(std::ceil(plan.rep_ms / std::max(per_run, 1e-6)));
  std::vector<double> ms;
  const double start = now_ms();
  while (static_cast<int>(ms.size()) < plan.max_reps &&
         (static_cast<int>(ms.size()) < plan.min_reps || now_ms() - start < plan.min_ms)) {
    const double t0 = plan.clock();
    for (int i = 0; i < inner; ++i) work();
    ms.push_back((plan.clock() - t0) / inner);
  }
  Timing t = summarize(std::move(ms));
  t.inner = inner;
  return t;
}

}  // namespace metalab::bench
