// WebAssembly clocks of the portable benchmark (see clock.h), for node:
// Emscripten's clock_gettime knows only the wall clocks, so CPU time comes
// from node's process.cpuUsage() (microseconds, user + system, all threads).
#include <emscripten.h>

#include "native/bench/portable/clock.h"

EM_JS(double, metalab_bench_node_cpu_ms, (), {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
});

namespace metalab::bench {

double process_cpu_ms() { return metalab_bench_node_cpu_ms(); }

const char* target_name() { return "wasm"; }

}  // namespace metalab::bench
