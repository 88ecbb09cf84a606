#include "web/app/labs/landscape/lab.h"

#include <cmath>

#include "web/app/page/status.h"

namespace metalab::web {

void sync_landscape(LandscapeLab& lab, bool visible) {
  LandscapeSettings& s = lab.settings;
  landscape_settings().validate(s);
  if (lab.reset_requested) {
    lab.reset_requested = false;
    ++lab.resets;
  }
  const auto& problem =
      lab.problem.get({s.seed, s.k, s.tasks}, [&] { return make_landscape_problem(s.seed, s.k, s.tasks); });
  lab.grid.follow(problem, s.alpha, visible);
  lab.vectors.get({problem.get(), s.alpha, s.steps, s.theta1, s.theta2},
                  [&] { return update_vectors(*problem, s.theta1, s.theta2, s.alpha, s.steps); });
  // Another starting point or setup: the walkers start again (paused).
  lab.built.get({problem.get(), s.alpha, s.steps, s.theta1, s.theta2, s.beta, lab.resets},
                [&] { return std::make_unique<LandscapeWalkersJob>(problem, s); });
}

void reset_landscape(LandscapeLab& lab) { lab.reset_requested = true; }

nlohmann::json landscape_status(const LandscapeLab& lab) {
  const LandscapeSettings& s = lab.settings;
  const auto pair = [](const std::array<double, 2>& v) {
    return nlohmann::json::array({std::round(v[0] * 1e4) / 1e4, std::round(v[1] * 1e4) / 1e4});
  };
  const auto cosine = [](const std::array<double, 2>& u, const std::array<double, 2>& v) -> nlohmann::json {
    const double nu = std::hypot(u[0], u[1]), nv = std::hypot(v[0], v[1]);
    if (nu == 0 || nv == 0) return nullptr;
    return std::round((u[0] * v[0] + u[1] * v[1]) / (nu * nv) * 1e4) / 1e4;
  };
  // The same shape before anything is computed (nulls), so that lessons can name every path.
  const UpdateVectors* v = lab.vectors.last();
  nlohmann::json vectors = {
      {"meta_loss", v ? finite_or_null(v->meta_loss) : nullptr},
      {"pretrain_loss", v ? finite_or_null(v->pretrain_loss) : nullptr},
      {"reptile_defined", v && v->reptile_defined},
      {"cos_maml_fomaml", v ? cosine(v->of(Walker::Maml), v->of(Walker::FoMaml)) : nullptr},
      {"cos_maml_reptile", v && v->reptile_defined ? cosine(v->of(Walker::Maml), v->of(Walker::Reptile)) : nullptr},
      {"cos_maml_pretrain", v ? cosine(v->of(Walker::Maml), v->of(Walker::Pretrain)) : nullptr}};
  for (int w = 0; w < kWalkers; ++w)
    vectors[kWalkerNames[w]] = v ? pair(v->v[static_cast<std::size_t>(w)]) : nlohmann::json(nullptr);
  nlohmann::json walkers = nlohmann::json::object();
  const LandscapeWalkersJob* job = lab.walkers();
  for (int w = 0; w < kWalkers; ++w)
    walkers[kWalkerNames[w]] = job ? pair(job->path(static_cast<Walker>(w)).back()) : nlohmann::json(nullptr);
  const auto at = [&](int m) -> nlohmann::json {
    if (!lab.grid.complete()) return {{"theta1", nullptr}, {"theta2", nullptr}, {"value", nullptr}};
    const LandscapeGridJob::Minimum mn = lab.grid.minimum(m);
    return {{"theta1", std::round(mn.theta1 * 1e3) / 1e3},
            {"theta2", std::round(mn.theta2 * 1e3) / 1e3},
            {"value", std::round(mn.value * 1e4) / 1e4}};
  };
  const nlohmann::json minimum = {{"meta", at(s.steps)}, {"pretrain", at(0)}};
  return {{"steps", s.steps},
          {"alpha", float_json(s.alpha)},
          {"k", s.k},
          {"tasks", s.tasks},
          {"theta1", float_json(s.theta1)},
          {"theta2", float_json(s.theta2)},
          {"beta", float_json(s.beta)},
          {"seed", s.seed},
          {"grid_done", std::round(lab.grid.fraction_done() * 1e3) / 1e3},
          {"minimum", minimum},
          {"vectors", vectors},
          {"iteration", job ? job->iteration() : 0L},
          {"playing", job && job->playing},
          {"walkers", walkers},
          {"error", lab.grid.error.empty() && job ? job->error : lab.grid.error},
          {"rects", rects_json(lab.view.rects)}};
}

}  // namespace metalab::web
