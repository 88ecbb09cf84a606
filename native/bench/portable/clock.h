// The clocks of the portable benchmark, one implementation per target
// (clock_native.cpp, clock_wasm.cpp; CMakeLists.txt picks one), so that the
// benchmark's source has no #ifdef.
#pragma once

namespace metalab::bench {

// Milliseconds of CPU time this process has used (all threads). On a machine
// shared with other work it counts only the time the benchmark ran, not the
// time it waited for a core, so it is steadier than the wall clock there.
double process_cpu_ms();
// "native" or "wasm".
const char* target_name();

}  // namespace metalab::bench
