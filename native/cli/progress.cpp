#include "native/cli/progress.h"

#include <cmath>
#include <limits>

namespace metalab::cli {

namespace {

std::string duration_text(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  const long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  return buf;
}

}  // namespace

Progress::Progress(Mode mode, long start, long total, long every)
    : mode_(mode),
      start_(start),
      total_(total),
      every_(every < 1 ? 1 : every),
      t0_(std::chrono::steady_clock::now()),
      last_val_(std::numeric_limits<double>::quiet_NaN()) {}

double Progress::elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
}

double Progress::rate(long iteration) const {
  const double t = elapsed();
  return t > 0 ? static_cast<double>(iteration - start_) / t : 0.0;
}

std::string Progress::eta_text(long iteration) const {
  const double r = rate(iteration);
  return duration_text(r > 0 ? static_cast<double>(total_ - iteration) / r : -1.0);
}

void Progress::update(long iteration, double loss, double support_loss, double grad_norm, double val,
                      double baseline_loss) {
  if (!std::isnan(val)) last_val_ = val;
  if (mode_ == Mode::None) return;
  if (mode_ == Mode::Bar) {
    const double t = elapsed();
    if (iteration != total_ && t - last_draw_ < 0.1) return;
    last_draw_ = t;
    const int width = 24;
    const double frac = total_ > 0 ? static_cast<double>(iteration) / static_cast<double>(total_) : 1.0;
    const int filled = static_cast<int>(frac * width);
    std::string bar(static_cast<std::size_t>(width), ' ');
    for (int i = 0; i < filled && i < width; ++i) bar[static_cast<std::size_t>(i)] = '=';
    if (filled < width) bar[static_cast<std::size_t>(filled)] = '>';
    std::printf("\r[%s] %5.1f%% %ld/%ld | %.0f it/s | ETA %s | loss %.4f", bar.c_str(), 100.0 * frac, iteration, total_,
                rate(iteration), eta_text(iteration).c_str(), loss);
    // No support loss for learners that do not adapt on the support set (metric, memory).
    if (!std::isnan(support_loss)) std::printf(" | support %.4f", support_loss);
    if (!std::isnan(last_val_)) std::printf(" | val %.4f", last_val_);
    if (!std::isnan(baseline_loss)) std::printf(" | pretrain %.4f", baseline_loss);
    std::printf("\033[K");
    std::fflush(stdout);
    drawn_ = true;
    return;
  }
  if (iteration % every_ != 0 && iteration != total_ && std::isnan(val)) return;
  std::printf("iteration %ld/%ld  loss %.4f", iteration, total_, loss);
  if (!std::isnan(support_loss)) std::printf("  support %.4f", support_loss);
  std::printf("  grad-norm %.4g", grad_norm);
  if (!std::isnan(last_val_)) std::printf("  val %.4f", last_val_);
  if (!std::isnan(baseline_loss)) std::printf("  pretrain %.4f", baseline_loss);
  std::printf("  %.1f it/s  elapsed %s  ETA %s\n", rate(iteration), duration_text(elapsed()).c_str(),
              eta_text(iteration).c_str());
  std::fflush(stdout);
}

void Progress::finish() {
  if (mode_ == Mode::Bar && drawn_) {
    std::printf("\n");
    std::fflush(stdout);
  }
}

}  // namespace metalab::cli
