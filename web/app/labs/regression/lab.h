// The regression lab: its settings (what the URL and lessons set), one job
// per task family (the gene lab shows the promoter and genes jobs too) and
// its view's state.
//
//   RegressionLab& lab = state.regression;
//   lab.settings.learner = "reptile";     // a control, the URL or a lesson step
//   sync_regression(lab, assets, false);  // before the UI: the job follows
#pragma once

#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "web/app/labs/regression/job.h"
#include "web/app/labs/regression/settings.h"
#include "web/app/labs/regression/view.h"

namespace metalab::web {

struct RegressionLab {
  RegressionSettings settings;
  // The settings each task family had when the user switched away from it.
  std::map<std::string, RegressionSettings> settings_by_task;
  std::map<std::string, std::unique_ptr<RegressionJob>> jobs;
  std::string apply_error;  // why the settings could not be applied (yet)
  // Reset / "Shipped model" pressed: the next sync restarts the shown job
  // (views ask; they never rebuild the job they draw).
  enum class Restart { None, Fresh, Shipped } restart = Restart::None;
  RegressionViewState view;

  // The job of a task family (created, not yet built, on first use).
  RegressionJob& job(const std::string& task);
  const RegressionJob* find_job(const std::string& task) const;
  // The job the lab shows, if it is built.
  RegressionJob* shown();
  // The job of a task family if it is built (the gene lab's views).
  RegressionJob* ready_job(const std::string& task);
  // Switches the lab to another task family, with the settings it had there.
  void switch_task(const std::string& task);
  // Ensures the job of `task` is built (with the settings it had, or the
  // lab's for other families); null with *error if it cannot be yet.
  RegressionJob* ensure(const std::string& task, AssetStore& assets, std::string* error);
};

// Brings the shown job in line with the settings (unless a control is being
// dragged: the change is applied when it is let go), and lets every job adopt
// a shipped checkpoint that has just arrived.
void sync_regression(RegressionLab& lab, AssetStore& assets, bool control_active);

// "regression": {...} of the status JSON.
nlohmann::json regression_status(const RegressionLab& lab);

}  // namespace metalab::web
