// A Job is background work of a lab that the Scheduler runs inside each
// frame's time budget, before the UI is built: meta-training while the user
// has pressed Play, or an evaluation that a view waits for (accuracy curves).
// A job owns its models, optimizers, RNGs and statistics; step() does one
// unit of work (one meta-iteration, a few evaluation episodes).
//
//   class Counter : public Job {
//    public:
//     std::string title() const override { return "counter"; }
//     bool wants_time() const override { return n < 100; }
//     void step() override { ++n; }
//     void fail(const std::string&) override {}
//     int n = 0;
//   };
#pragma once

#include <string>

namespace metalab::web {

// What the scheduler measured and owes, per job (shown in the page).
struct JobTiming {
  double step_ms = 0;      // one step, moving average (0: not measured yet)
  double frame_ms = 0;     // time the job ran in the last frame
  double steps_per_s = 0;  // over windows of about half a second
  long steps = 0;          // steps run so far
  // Bookkeeping of the scheduler.
  double credit_ms = 0;    // time owed: a step longer than the job's share waits for enough credit
  double waiting_since_ms = -1;  // when it last wanted time and could not run (-1: not waiting)
  double rate_credit = 0;  // steps owed under max_steps_per_second()
  double window_s = 0;
  long window_steps = 0;
};

class Job {
 public:
  Job() : id_(next_id()) {}
  Job(const Job&) = delete;
  Job& operator=(const Job&) = delete;
  virtual ~Job() = default;
  // Unique for the life of the page (never reused, unlike an address): what
  // views key derived data on, with TrainingJob::weights_version().
  long long id() const { return id_; }
  // For the page: "Regression lab: sinusoid".
  virtual std::string title() const = 0;
  // Whether it wants time this frame.
  virtual bool wants_time() const = 0;
  // One unit of work. An exception stops the job: the scheduler calls fail().
  virtual void step() = 0;
  virtual void fail(const std::string& message) = 0;
  // At most this many steps per second (0: as many as fit in the budget).
  virtual double max_steps_per_second() const { return 0; }
  // One step this frame whatever the budget (the user pressed Step).
  virtual bool urgent() const { return false; }
  // Called after every step that did not throw.
  virtual void stepped() {}

  JobTiming timing;

 private:
  static long long next_id() {
    static long long n = 0;
    return ++n;
  }
  long long id_;
};

// A job that meta-trains while its lab's Play is on.
class TrainingJob : public Job {
 public:
  bool wants_time() const override { return (playing || step_requested_) && ready(); }
  bool urgent() const override { return step_requested_; }
  void stepped() override {
    step_requested_ = false;
    if (stop_at_ >= 0 && iteration() >= stop_at_) {
      playing = false;
      stop_at_ = -1;
    }
  }
  void fail(const std::string& message) override {
    playing = false;
    step_requested_ = false;
    error = message;
  }
  // The Step button: pause, and one step before the next frame's UI.
  void request_step() {
    playing = false;
    step_requested_ = true;
  }
  // Play until iteration() reaches `target`, then pause (a lesson's "train to").
  void train_to(long target) {
    stop_at_ = target;
    playing = iteration() < target;
  }
  virtual bool ready() const = 0;
  virtual long iteration() const = 0;
  // Changes whenever any weights change (training steps, loads, resets): what
  // views key their derived data on.
  long long weights_version() const { return weights_version_; }

  bool playing = false;
  std::string error;  // why training stopped (divergence, ...), shown by the view

 protected:
  void weights_changed() { ++weights_version_; }

 private:
  long long weights_version_ = 0;
  bool step_requested_ = false;
  long stop_at_ = -1;  // train_to's target (-1: none)
};

}  // namespace metalab::web
