#include "web/app/labs/regression/settings.h"

#include "web/app/page/learners.h"

namespace metalab::web {

std::vector<Choice> regression_learners() { return page_learner_choices(PageLab::Regression); }

std::vector<Choice> regression_tasks() {
  return {{"sinusoid", "Sinusoids"}, {"promoter", "Promoter -> expression"}, {"genes", "Tissue gene expression"}};
}

std::string regression_task_title(const std::string& task) {
  for (const Choice& c : regression_tasks())
    if (c.value == task) return c.title;
  return task;
}

const SettingsTable<RegressionSettings>& regression_settings() {
  using S = RegressionSettings;
  using Set = Setting<S>;
  static const SettingsTable<S> table(
      "regression",
      {Set::choice("task", &S::task, regression_tasks(), "Task family").restarts(),
       Set::choice("learner", &S::learner, {}, "Learner").choices([](const S&) { return regression_learners(); }).restarts(),
       Set::real("alpha", &S::alpha, 1e-4, 1.0, "alpha %.4f", "alpha: inner-loop (adaptation) step size").log(),
       Set::real("beta", &S::beta, 1e-5, 0.1, "beta %.5f", "beta: meta (outer) step size, Adam").log(),
       Set::integer("K", &S::k, 1, 50, "K %d support", "K: support examples per task (K-shot)").alias("k"),
       Set::integer("steps", &S::inner_steps, 1, 10, "%d inner steps", "Inner SGD steps per task while meta-training"),
       Set::integer("batch", &S::meta_batch, 1, 50, "meta-batch %d", "Tasks per meta-iteration"),
       Set::integer("width", &S::width, 4, 128, "width %d *", "Hidden units per layer (restarts training)").restarts(),
       Set::integer("depth", &S::depth, 1, 4, "depth %d *", "Hidden layers (restarts training)").restarts(),
       Set::seed("seed", &S::seed, "seed %llu", "Seed: initialisation, training tasks and held-out tasks"),
       Set::integer("adapt", &S::adapt, 0, kAdaptSteps, "%d adaptation steps",
                    "Gradient steps on the support points (0: the meta-learned initialisation)")
           .view_only()});
  return table;
}

bool same_architecture(const RegressionSettings& a, const RegressionSettings& b) {
  return a.task == b.task && a.learner == b.learner && a.width == b.width && a.depth == b.depth;
}

}  // namespace metalab::web
