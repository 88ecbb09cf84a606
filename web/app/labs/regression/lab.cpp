#include "web/app/labs/regression/lab.h"

#include <algorithm>

#include "web/app/page/status.h"

namespace metalab::web {

RegressionJob& RegressionLab::job(const std::string& task) {
  std::unique_ptr<RegressionJob>& j = jobs[task];
  if (!j) j = std::make_unique<RegressionJob>(task);
  return *j;
}

const RegressionJob* RegressionLab::find_job(const std::string& task) const {
  const auto it = jobs.find(task);
  return it == jobs.end() ? nullptr : it->second.get();
}

RegressionJob* RegressionLab::shown() {
  const auto it = jobs.find(settings.task);
  return it != jobs.end() && it->second->ready() ? it->second.get() : nullptr;
}

RegressionJob* RegressionLab::ready_job(const std::string& task) {
  const auto it = jobs.find(task);
  return it != jobs.end() && it->second->ready() ? it->second.get() : nullptr;
}

void RegressionLab::switch_task(const std::string& task) {
  if (task == settings.task) return;
  settings_by_task[settings.task] = settings;
  const auto it = settings_by_task.find(task);
  if (it != settings_by_task.end()) {
    settings = it->second;
  } else if (const RegressionJob* j = find_job(task); j && j->ready()) {
    settings = j->settings();  // keep what that job has
  }
  settings.task = task;
}

RegressionJob* RegressionLab::ensure(const std::string& task, AssetStore& assets, std::string* error) {
  RegressionJob& j = job(task);
  if (j.ready()) return &j;
  RegressionSettings s = task == settings.task ? settings : RegressionSettings{};
  const auto it = settings_by_task.find(task);
  if (task != settings.task && it != settings_by_task.end()) s = it->second;
  s.task = task;
  return j.apply(s, assets, error) ? &j : nullptr;
}

void sync_regression(RegressionLab& lab, AssetStore& assets, bool control_active) {
  RegressionJob& j = lab.job(lab.settings.task);
  if (!j.ready() || !control_active) {
    std::string err;
    if (j.apply(lab.settings, assets, &err)) lab.apply_error.clear();
    else lab.apply_error = err;
  }
  if (lab.restart != RegressionLab::Restart::None && j.ready()) {
    const bool shipped = lab.restart == RegressionLab::Restart::Shipped;
    std::string err;
    j.playing = false;
    if (!j.reset(assets, shipped, &err)) lab.apply_error = err;
    // English of ui.regression.notice.model / .reset (view.cpp's shown_job_text translates it).
    else j.notice = shipped ? "Model: " + j.origin + "." : "Training reset: fresh random initialisation.";
  }
  lab.restart = RegressionLab::Restart::None;
  for (auto& [task, job] : lab.jobs) job->adopt_shipped_if_untouched(assets);
}

nlohmann::json regression_status(const RegressionLab& lab) {
  const RegressionSettings& h = lab.settings;
  const RegressionJob* j = lab.find_job(h.task);
  const bool ready = j && j->ready();
  const AdaptedModels* p = lab.view.predictions.last();
  const int k = std::clamp(h.adapt, 0, kAdaptSteps);
  const auto loss = [&](int which) -> nlohmann::json {
    if (!p) return nullptr;
    const AdaptedPredictions& a = p->of(which);
    if (!a.ok() || static_cast<int>(a.loss.size()) <= k) return nullptr;
    return a.loss[static_cast<std::size_t>(k)];
  };
  const MetaGradientCompare* g = lab.view.gradient.last();
  const HeldOutTask* t = lab.view.heldout.last();
  return {{"task", h.task},
          {"learner", h.learner},
          {"alpha", float_json(h.alpha)},
          {"beta", float_json(h.beta)},
          {"k", h.k},
          {"steps", h.inner_steps},
          {"batch", h.meta_batch},
          {"width", h.width},
          {"depth", h.depth},
          {"seed", h.seed},
          {"ready", ready},
          {"session_learner", ready ? j->settings().learner : ""},
          {"iteration", j ? j->iteration() : 0L},
          {"playing", j && j->playing},
          {"its_per_s", j ? j->timing.steps_per_s : 0.0},
          {"iter_ms", j ? j->timing.step_ms : 0.0},
          {"adapt_step", h.adapt},
          {"support", t ? static_cast<int>(t->task.support_x.rows()) : 0},
          {"task_index", lab.view.task_index},
          {"checksum", lab.view.checksum},
          {"loss", {{"meta", loss(0)}, {"pretrain", loss(1)}, {"scratch", loss(2)}}},
          {"grad",
           {{"available", g && g->available},
            {"exact", g ? g->exact_norm : 0.0},
            {"first_order", g ? g->first_order_norm : 0.0},
            {"cosine", g ? g->cosine : 0.0}}},
          {"origin", j ? j->origin : ""},
          {"notice", j ? j->notice : ""},
          {"error", j ? j->error : lab.apply_error},
          {"rects", rects_json(lab.view.rects)}};
}

}  // namespace metalab::web
