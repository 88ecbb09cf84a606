#include "web/app/labs/sinusoid/lab.h"

#include "core/common/rng.h"

namespace metalab::web {

namespace {
constexpr int kOtherTasks = 8;
constexpr std::uint64_t kOtherTasksStream = 0x0123456789ABCDEFULL;
}  // namespace

SinusoidDraw draw_sinusoid_task(const SinusoidSettings& s) {
  SinusoidConfig config;
  config.support_size = s.k;
  config.query_size = 1;
  const SinusoidDistribution dist(config);
  Rng tasks(s.seed);
  Rng task_rng = tasks.split();
  for (int i = 1; i < s.n; ++i) task_rng = tasks.split();
  SinusoidDraw d;
  d.params = dist.sample_params(task_rng);
  const Task task = dist.sample_points(d.params, task_rng);
  d.support_x.assign(task.support_x.data(), task.support_x.data() + task.support_x.size());
  d.support_y.assign(task.support_y.data(), task.support_y.data() + task.support_y.size());
  Rng others(s.seed ^ kOtherTasksStream);
  for (int i = 0; i < kOtherTasks; ++i) d.other_tasks.push_back(dist.sample_params(others));
  return d;
}

nlohmann::json sinusoid_status(SinusoidLab& lab) {
  const SinusoidSettings& s = lab.settings;
  const SinusoidDraw& d = lab.view.draw.get({s.seed, s.n, s.k}, [&] { return draw_sinusoid_task(s); });
  return {{"seed", s.seed},
          {"task_index", s.n - 1},
          {"k", s.k},
          {"others", s.others},
          {"amplitude", d.params.amplitude},
          {"phase", d.params.phase}};
}

}  // namespace metalab::web
