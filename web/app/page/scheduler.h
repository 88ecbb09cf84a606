// The one scheduler of the page. Each frame, before the UI is built, it runs
// every job that wants time (whichever lab is visible) inside the frame's
// time budget, so that the page keeps drawing at 60 fps while it learns:
//
//   Scheduler scheduler;                              // wall clock
//   scheduler.adapt_budget(last_frame_ui_ms);         // what the UI left over
//   scheduler.run({&regression_job, &memory_job}, dt_s);
//
// The budget (what a frame's work may cost, minus what the UI cost last
// frame, between kMinBudgetMs and kMaxBudgetMs) is shared equally by the jobs
// that want time. A job whose step is longer than its share gathers credit
// over frames and runs one step when it has enough, so its mean cost per frame
// stays within the share (the frames in between are light), but it never
// waits longer than kMaxWaitMs. A job with max_steps_per_second() runs no
// faster than that; an urgent() job (Step pressed) runs one step at once. A
// step that throws stops that job (Job::fail) and nothing else.
#pragma once

#include <functional>
#include <vector>

#include "web/app/page/job.h"

namespace metalab::web {

// Monotonic wall clock in milliseconds.
double now_ms();

class Scheduler {
 public:
  static constexpr double kTargetFrameWorkMs = 8.0;  // UI + jobs
  static constexpr double kMinBudgetMs = 1.0, kMaxBudgetMs = 7.0;
  // A job waiting for credit runs after at most this long anyway: when frames
  // are slow (software rendering), credit per frame would otherwise stall it
  // for seconds.
  static constexpr double kMaxWaitMs = 250.0;

  explicit Scheduler(std::function<double()> clock_ms = now_ms) : clock_(std::move(clock_ms)) {}

  // Moves the budget towards what the UI left of the target last frame.
  void adapt_budget(double ui_ms);
  double budget_ms() const { return budget_ms_; }

  // Runs the jobs for one frame; dt_s is the time since the last frame.
  void run(const std::vector<Job*>& jobs, double dt_s);

  // The last run: time spent in jobs, and the steps per second of all of them.
  double last_run_ms() const { return last_run_ms_; }
  double steps_per_s() const { return steps_per_s_; }
  int jobs_running() const { return jobs_running_; }

 private:
  void run_one(Job& job, double share_ms, double dt_s);

  std::function<double()> clock_;
  double budget_ms_ = 6.0;
  double last_run_ms_ = 0, steps_per_s_ = 0;
  int jobs_running_ = 0;
};

}  // namespace metalab::web
