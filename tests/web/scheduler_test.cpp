// The page's one scheduler (web/app/page/scheduler.h) with a fake clock: jobs
// share the budget, a slow job runs every few frames within its share on
// average, speed limits hold, and a failing job stops alone.
#include "web/app/page/scheduler.h"

#include <stdexcept>

#include <gtest/gtest.h>

namespace metalab::web {
namespace {

double g_clock = 0;  // the fake wall clock (ms)

class FakeJob : public Job {
 public:
  FakeJob(double cost_ms, double rate = 0) : cost_(cost_ms), rate_(rate) {}
  std::string title() const override { return "fake"; }
  bool wants_time() const override { return on && error.empty(); }
  void step() override {
    g_clock += cost_;
    if (++steps == fail_at) throw std::runtime_error("diverged");
  }
  void fail(const std::string& m) override { error = m; }
  double max_steps_per_second() const override { return rate_; }
  bool on = true;
  int steps = 0, fail_at = -1;
  std::string error;

 private:
  double cost_, rate_;
};

struct SchedulerTest : ::testing::Test {
  Scheduler scheduler{[] { return g_clock; }};
  void SetUp() override { g_clock = 0; }
  // Runs `frames` frames; the UI costs ui_ms each.
  void frames(int n, std::vector<Job*> jobs, double ui_ms = 2.0) {
    for (int i = 0; i < n; ++i) {
      scheduler.adapt_budget(ui_ms);
      scheduler.run(jobs, 1.0 / 60);
      g_clock += ui_ms;
    }
  }
};

TEST_F(SchedulerTest, FastJobsShareTheBudget) {
  FakeJob a(0.5), b(0.5);
  frames(200, {&a, &b});
  // Budget converges to 8 - 2 = 6 ms: 3 ms each, 6 steps of 0.5 ms a frame.
  EXPECT_NEAR(scheduler.budget_ms(), 6.0, 0.05);
  EXPECT_NEAR(a.timing.frame_ms, 3.0, 0.6);
  EXPECT_NEAR(b.timing.frame_ms, 3.0, 0.6);
  EXPECT_NEAR(scheduler.last_run_ms(), 6.0, 1.1);
  EXPECT_NEAR(a.steps, b.steps, 200 * 0.2);
}

TEST_F(SchedulerTest, ABusyUiLeavesLessForJobs) {
  FakeJob a(0.25);
  frames(200, {&a}, 6.5);
  EXPECT_NEAR(scheduler.budget_ms(), Scheduler::kMinBudgetMs + 0.5, 0.05);
  frames(200, {&a}, 20.0);
  EXPECT_NEAR(scheduler.budget_ms(), Scheduler::kMinBudgetMs, 0.05);
}

TEST_F(SchedulerTest, ASlowJobRunsEveryFewFramesWithinItsShareOnAverage) {
  FakeJob slow(60.0);
  const int n = 600;
  frames(50, {&slow});  // settle the budget
  const int before = slow.steps;
  const double t0 = g_clock;
  frames(n, {&slow});
  const double job_time = (slow.steps - before) * 60.0;
  const double per_frame = job_time / n;
  EXPECT_GT(slow.steps - before, 0);
  EXPECT_LE(per_frame, scheduler.budget_ms() * 1.15) << "mean cost per frame stays within the share";
  EXPECT_GE(per_frame, scheduler.budget_ms() * 0.7) << "and the job still gets most of it";
  EXPECT_GT(g_clock, t0);
}

TEST_F(SchedulerTest, SpeedLimitsHold) {
  FakeJob limited(0.1, 5.0);  // 5 steps a second at most
  frames(600, {&limited});     // 10 s at 60 fps
  EXPECT_NEAR(limited.steps, 50, 3);
  EXPECT_NEAR(limited.timing.steps_per_s, 5.0, 1.5);
}

TEST_F(SchedulerTest, InactiveJobsGetNoTimeAndTheOthersTheirShare) {
  FakeJob a(0.5), b(0.5);
  b.on = false;
  frames(200, {&a, &b, nullptr});
  EXPECT_EQ(b.steps, 0);
  EXPECT_NEAR(a.timing.frame_ms, 6.0, 0.6) << "the whole budget";
  EXPECT_EQ(scheduler.jobs_running(), 1);
}

TEST_F(SchedulerTest, AFailingJobStopsAloneWithItsError) {
  FakeJob a(0.5), b(0.5);
  a.fail_at = 10;
  frames(100, {&a, &b});
  EXPECT_EQ(a.error, "diverged");
  EXPECT_EQ(a.steps, 10);
  EXPECT_GT(b.steps, 100);
  EXPECT_TRUE(b.error.empty());
}

}  // namespace
}  // namespace metalab::web
