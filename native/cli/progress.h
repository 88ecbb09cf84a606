// Training progress on stdout: a live bar with rate, ETA and running losses
// when stdout is a terminal, plain periodic lines otherwise (logs, pipes, CI).
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

namespace metalab::cli {

class Progress {
 public:
  enum class Mode { Bar, Lines, None };
  // total: the iteration the run ends at; start: the iteration it starts from.
  Progress(Mode mode, long start, long total, long every);

  // Called after every iteration with the running-mean losses; `val` is NaN
  // unless a validation just ran (the last value is shown until the next one).
  void update(long iteration, double loss, double support_loss, double grad_norm, double val, double baseline_loss);
  // Ends the bar's line.
  void finish();
  double elapsed() const;

 private:
  std::string eta_text(long iteration) const;
  double rate(long iteration) const;

  Mode mode_;
  long start_, total_, every_;
  std::chrono::steady_clock::time_point t0_;
  double last_draw_ = -1.0;
  double last_val_;
  bool drawn_ = false;
};

}  // namespace metalab::cli
