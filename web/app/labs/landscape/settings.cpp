#include "web/app/labs/landscape/settings.h"

namespace metalab::web {

const SettingsTable<LandscapeSettings>& landscape_settings() {
  using S = LandscapeSettings;
  using Set = Setting<S>;
  static const SettingsTable<S> table(
      "landscape",
      {Set::integer("steps", &S::steps, 0, kMaxInnerSteps, "m = %d inner steps",
                    "Inner steps of the meta-objective drawn and of the update vectors (0: the pretraining objective)"),
       Set::real("alpha", &S::alpha, 0.01, 0.5, "alpha %.3f", "Inner step size").log().restarts(),
       Set::integer("K", &S::k, 1, 20, "K %d", "Support points per task (and as many query points)").alias("k").restarts(),
       Set::integer("tasks", &S::tasks, 1, 50, "%d tasks", "Tasks the objectives average over").restarts(),
       Set::real("theta1", &S::theta1, kTheta1Min, kTheta1Max, "theta1 %.2f", "Amplitude of the point (drag it in the plots)"),
       Set::real("theta2", &S::theta2, kTheta2Min, kTheta2Max, "theta2 %.2f", "Phase of the point (drag it in the plots)"),
       Set::real("beta", &S::beta, 0.001, 0.2, "beta %.3f", "Outer step size of the walkers").log(),
       Set::seed("seed", &S::seed, "seed %llu", "Draws the tasks").restarts()});
  return table;
}

}  // namespace metalab::web
