#include "web/app/page/scheduler.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>

namespace metalab::web {

namespace {
constexpr double kRateWindowS = 0.5;

void update_rate(JobTiming& t, double dt_s, long steps) {
  t.window_s += dt_s;
  t.window_steps += steps;
  if (t.window_s >= kRateWindowS) {
    t.steps_per_s = static_cast<double>(t.window_steps) / t.window_s;
    t.window_s = 0;
    t.window_steps = 0;
  }
}
}  // namespace

double now_ms() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double, std::milli>(clock::now().time_since_epoch()).count();
}

void Scheduler::adapt_budget(double ui_ms) {
  const double want = std::clamp(kTargetFrameWorkMs - std::max(0.0, ui_ms), kMinBudgetMs, kMaxBudgetMs);
  budget_ms_ = 0.8 * budget_ms_ + 0.2 * want;
}

void Scheduler::run(const std::vector<Job*>& jobs, double dt_s) {
  const double start = clock_();
  int active = 0;
  for (Job* j : jobs)
    if (j && j->wants_time()) ++active;
  const double share = budget_ms_ / std::max(1, active);
  double rate = 0;
  for (Job* j : jobs) {
    if (!j) continue;
    JobTiming& t = j->timing;
    t.frame_ms = 0;
    if (!j->wants_time()) {
      t.credit_ms = 0;
      t.rate_credit = 0;
      t.waiting_since_ms = -1;
      update_rate(t, dt_s, 0);
    } else {
      run_one(*j, share, dt_s);
    }
    rate += t.steps_per_s;
  }
  jobs_running_ = active;
  steps_per_s_ = rate;
  last_run_ms_ = clock_() - start;
}

void Scheduler::run_one(Job& job, double share, double dt_s) {
  JobTiming& t = job.timing;
  const double start = clock_();
  long allowed = 1L << 30;
  const double max_rate = job.max_steps_per_second();
  if (max_rate > 0) {
    t.rate_credit = std::min(t.rate_credit + dt_s * max_rate, std::max(2.0, max_rate * 0.25));
    allowed = static_cast<long>(t.rate_credit);
  }
  // Credit for this frame, capped so that idle time does not pile up: a job
  // whose step costs more than its share waits about step/share frames.
  t.credit_ms = std::min(t.credit_ms + share, share + std::max(t.step_ms, share));
  const bool urgent = job.urgent();
  bool run = urgent || (allowed > 0 && (t.step_ms <= 0 || t.step_ms <= t.credit_ms));
  if (!run && allowed > 0) {  // waiting for credit, but never for long
    if (t.waiting_since_ms < 0) t.waiting_since_ms = start;
    run = start - t.waiting_since_ms >= kMaxWaitMs;
  }
  long done = 0;
  if (run) {
    t.waiting_since_ms = -1;
    try {
      do {
        const double a = clock_();
        job.step();
        const double one = clock_() - a;
        job.stepped();
        t.step_ms = t.step_ms <= 0 ? one : 0.8 * t.step_ms + 0.2 * one;
        t.credit_ms = std::max(t.credit_ms - one, -share);  // a forced step does not leave a long debt
        ++done;
      } while (!urgent && done < allowed && job.wants_time() && t.credit_ms >= t.step_ms);
    } catch (const std::exception& e) {
      job.fail(e.what());
      t.credit_ms = 0;
    }
  }
  if (max_rate > 0) t.rate_credit = std::max(0.0, t.rate_credit - static_cast<double>(done));
  t.steps += done;
  t.frame_ms = clock_() - start;
  update_rate(t, dt_s, done);
}

}  // namespace metalab::web
