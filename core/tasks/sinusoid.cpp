#include "core/tasks/sinusoid.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace metalab {

const char* split_name(Split s) {
  switch (s) {
    case Split::MetaTrain: return "meta-train";
    case Split::MetaValidation: return "meta-validation";
    case Split::MetaTest: return "meta-test";
  }
  return "?";
}

namespace {
void require_range(const char* name, double lo, double hi) {
  if (!std::isfinite(lo) || !std::isfinite(hi) || lo > hi) {
    std::ostringstream msg;
    msg << "sinusoid: " << name << " range [" << lo << ", " << hi
        << "] is invalid (need finite bounds with min <= max)";
    throw std::invalid_argument(msg.str());
  }
}
}  // namespace

void SinusoidConfig::validate() const {
  require_range("amplitude", amplitude_min, amplitude_max);
  require_range("phase", phase_min, phase_max);
  require_range("x", x_min, x_max);
  if (support_size < 1)
    throw std::invalid_argument("sinusoid: support size K must be >= 1, got " + std::to_string(support_size));
  if (query_size < 1)
    throw std::invalid_argument("sinusoid: query size must be >= 1, got " + std::to_string(query_size));
}

double SinusoidParams::operator()(double x) const { return amplitude * std::sin(x + phase); }

SinusoidDistribution::SinusoidDistribution(SinusoidConfig config) : config_(config) { config_.validate(); }

SinusoidParams SinusoidDistribution::sample_params(Rng& rng) const {
  SinusoidParams p;
  p.amplitude = rng.uniform(config_.amplitude_min, config_.amplitude_max);
  p.phase = rng.uniform(config_.phase_min, config_.phase_max);
  return p;
}

Task SinusoidDistribution::sample_points(const SinusoidParams& params, Rng& rng) const {
  Task task;
  auto fill = [&](Matrix& x, Matrix& y, int n) {
    x.resize(n, 1);
    y.resize(n, 1);
    for (int i = 0; i < n; ++i) {
      const double xi = rng.uniform(config_.x_min, config_.x_max);
      x(i, 0) = static_cast<float>(xi);
      y(i, 0) = static_cast<float>(params(xi));
    }
  };
  fill(task.support_x, task.support_y, config_.support_size);
  fill(task.query_x, task.query_y, config_.query_size);
  std::ostringstream info;
  info << "A=" << params.amplitude << " phi=" << params.phase;
  task.info = info.str();
  return task;
}

Task SinusoidDistribution::sample(Rng& rng) const {
  const SinusoidParams p = sample_params(rng);
  return sample_points(p, rng);
}

}  // namespace metalab
