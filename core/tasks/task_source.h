// A TaskSource is any task distribution a learner can be trained on, behind
// one interface: the CLI, the trainer, the evaluator and the page pick one by
// name and never care which it is.
//
//   std::unique_ptr<TaskSource> src = ...;          // sinusoid, promoter, genes, glyphs, ...
//   Task t = src->sample(Split::MetaTrain, rng);     // same seed -> same task, everywhere
//
// Its description() goes into checkpoint metadata (key "task.*") so a
// checkpoint records what it was trained on.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "core/common/options.h"  // format_exact
#include "core/common/rng.h"
#include "core/tasks/task_kind.h"
#include "core/tasks/sinusoid.h"
#include "core/tasks/task.h"

namespace metalab {

class TaskSource {
 public:
  virtual ~TaskSource() = default;
  virtual std::string name() const = 0;
  virtual Task sample(Split split, Rng& rng) const = 0;
  virtual int input_dim() const = 0;
  // Regression targets per example, or the number of ways N for classification.
  virtual int output_dim() const = 0;
  virtual bool classification() const { return false; }
  // Which learners can take its tasks (core/learners/registry.h).
  virtual TaskKind kind() const { return classification() ? TaskKind::Classification : TaskKind::Regression; }
  // Image geometry when inputs are images (height * width * channels = input_dim).
  virtual bool images() const { return false; }
  virtual int image_height() const { return 0; }
  virtual int image_width() const { return 0; }
  virtual int image_channels() const { return 0; }
  // Settings as "task.<key>" metadata entries.
  virtual std::map<std::string, std::string> description() const = 0;
};

// Sinusoid regression (Finn et al. 2017). Splits are independent draws of the
// same continuous family, so every split samples alike.
class SinusoidSource : public TaskSource {
 public:
  explicit SinusoidSource(SinusoidConfig config = {}) : dist_(config) {}
  std::string name() const override { return "sinusoid"; }
  Task sample(Split, Rng& rng) const override { return dist_.sample(rng); }
  int input_dim() const override { return 1; }
  int output_dim() const override { return 1; }
  std::map<std::string, std::string> description() const override {
    const SinusoidConfig& c = dist_.config();
    return {{"task.name", "sinusoid"},
            {"task.support", std::to_string(c.support_size)},
            {"task.query", std::to_string(c.query_size)},
            {"task.amplitude", format_exact(c.amplitude_min) + "," + format_exact(c.amplitude_max)},
            {"task.phase", format_exact(c.phase_min) + "," + format_exact(c.phase_max)},
            {"task.x", format_exact(c.x_min) + "," + format_exact(c.x_max)}};
  }
  const SinusoidDistribution& distribution() const { return dist_; }

 private:
  SinusoidDistribution dist_;
};

}  // namespace metalab
