// Settings of the regression lab: what a URL or a lesson can set.
//   #view=regression&task=sinusoid&learner=maml&alpha=0.01&beta=0.001&K=10&steps=1&batch=25&width=40&depth=2&seed=3&adapt=10
// task, learner, width and depth rebuild the lab's job for that task family
// (a new network, trained from scratch or from a shipped checkpoint); the
// others change a running job without losing its weights.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "web/app/page/settings.h"

namespace metalab::web {

struct RegressionSettings {
  std::string task = "sinusoid";  // the task family: sinusoid, promoter, genes
  std::string learner = "maml";   // one of regression_learners()
  float alpha = 0.01f;            // inner-loop / fine-tuning step size
  float beta = 0.001f;            // outer (meta) step size (Adam)
  int k = 10;                     // support points per task (K-shot)
  int inner_steps = 1;            // inner SGD steps while meta-training
  int meta_batch = 25;            // tasks per meta-iteration
  int width = 40;                 // hidden units per layer
  int depth = 2;                  // hidden layers
  std::uint64_t seed = 1;         // initialisation, task stream, held-out tasks
  int adapt = 10;                 // adaptation steps shown (0..kAdaptSteps)
};

// The adaptation panel shows 0..kAdaptSteps steps.
constexpr int kAdaptSteps = 10;

const SettingsTable<RegressionSettings>& regression_settings();
// The learners and task families of the lab, for menus (value = URL name).
std::vector<Choice> regression_learners();
std::vector<Choice> regression_tasks();
std::string regression_task_title(const std::string& task);  // "Sinusoids"

// Whether two settings describe the same network (a job keeps its weights
// across other changes).
bool same_architecture(const RegressionSettings& a, const RegressionSettings& b);

}  // namespace metalab::web
