// Native clocks of the portable benchmark (see clock.h).
#include <ctime>

#include "native/bench/portable/clock.h"

namespace metalab::bench {

double process_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) * 1e-6;
}

const char* target_name() { return "native"; }

}  // namespace metalab::bench
