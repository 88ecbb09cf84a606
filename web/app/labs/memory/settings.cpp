#include "web/app/labs/memory/settings.h"

namespace metalab::web {

const SettingsTable<MemorySettings>& memory_settings() {
  using S = MemorySettings;
  using Set = Setting<S>;
  static const SettingsTable<S> table(
      "memory", {Set::seed("seed", &S::seed, "seed %llu", "Seed: training and test episodes"),
                 Set::integer("episode", &S::episode, 0, 1000000, "episode %d", "The meta-test episode replayed")
                     .view_only()});
  return table;
}

}  // namespace metalab::web
