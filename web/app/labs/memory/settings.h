// Settings of the memory lab: what a URL or a lesson can set.
//   #view=memory&seed=1&episode=0
// seed draws the training and test episodes (and, for the tiny networks
// trained here after Reset, their initialisation and class split); episode
// picks the meta-test episode replayed.
#pragma once

#include <cstdint>

#include "web/app/page/settings.h"

namespace metalab::web {

struct MemorySettings {
  std::uint64_t seed = 1;
  int episode = 0;  // "New episode" presses
};

const SettingsTable<MemorySettings>& memory_settings();

}  // namespace metalab::web
