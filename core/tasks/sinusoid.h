// Sinusoid regression tasks, exactly as in Finn et al. 2017 (MAML), section 5.1:
//   y = A sin(x + phi),  A ~ U[amplitude_min, amplitude_max] (0.1, 5),
//   phi ~ U[phase_min, phase_max] (0, pi),  x ~ U[x_min, x_max] (-5, 5).
// A task has K support points and K (or query_size) query points drawn
// independently from the same curve. Tasks are a continuum, so the
// meta-train / meta-test "split" is simply independent draws.
#pragma once

#include "core/common/rng.h"
#include "core/tasks/task.h"

namespace metalab {

struct SinusoidConfig {
  double amplitude_min = 0.1, amplitude_max = 5.0;
  double phase_min = 0.0, phase_max = 3.14159265358979323846;
  double x_min = -5.0, x_max = 5.0;
  int support_size = 10;  // K
  int query_size = 10;

  // Throws std::invalid_argument naming the offending field.
  void validate() const;
};

struct SinusoidParams {
  double amplitude = 1.0;
  double phase = 0.0;
  double operator()(double x) const;
};

class SinusoidDistribution {
 public:
  explicit SinusoidDistribution(SinusoidConfig config = {});

  const SinusoidConfig& config() const { return config_; }

  // Draws the curve parameters of a new task.
  SinusoidParams sample_params(Rng& rng) const;
  // Draws support and query points on a given curve.
  Task sample_points(const SinusoidParams& params, Rng& rng) const;
  // sample_params followed by sample_points.
  Task sample(Rng& rng) const;

 private:
  SinusoidConfig config_;
};

}  // namespace metalab
