#include "web/app/labs/sinusoid/settings.h"

namespace metalab::web {

const SettingsTable<SinusoidSettings>& sinusoid_settings() {
  using S = SinusoidSettings;
  using Set = Setting<S>;
  static const SettingsTable<S> table(
      "sinusoid", {Set::seed("seed", &S::seed, "Seed", "Same seed, same sequence of tasks (natively too)"),
                   Set::integer("K", &S::k, 1, 50, "K (support points)", "Support points shown").alias("k"),
                   Set::integer("n", &S::n, 1, 10000, "Task #%d", "Which task of the seed's sequence"),
                   Set::boolean("others", &S::others, "Other tasks", "Draw other tasks of the distribution")});
  return table;
}

}  // namespace metalab::web
