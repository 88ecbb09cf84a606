// Settings of the sinusoid task explorer (the first view):
//   #view=sinusoid&seed=1&K=10&n=1&others=true
// seed and n pick the task (task n of the seed's stream), K its support points.
#pragma once

#include <cstdint>

#include "web/app/page/settings.h"

namespace metalab::web {

struct SinusoidSettings {
  std::uint64_t seed = 1;
  int k = 10;          // support points shown (K-shot)
  int n = 1;           // task number within the seed's stream (1 = the first); "New task" adds one
  bool others = true;  // draw other tasks of the distribution faintly
};

const SettingsTable<SinusoidSettings>& sinusoid_settings();

}  // namespace metalab::web
