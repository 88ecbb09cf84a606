// The memory lab: settings, the job (shipped networks, or tiny ones trained
// here after Reset), the accuracy-by-presentation evaluation and the view's state.
//
//   MemoryLab& lab = state.memory;
//   sync_memory(lab, assets, true);          // before the UI: build or rebuild the job
//   if (MemoryJob* job = lab.job()) job->playing = true;
#pragma once

#include <array>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "web/app/labs/memory/job.h"
#include "web/app/labs/memory/settings.h"
#include "web/app/labs/memory/view.h"
#include "web/app/page/assets.h"
#include "web/app/page/memo.h"

namespace metalab::web {

// Accuracy by presentation (1..instances) of each network on fixed meta-test
// episodes: one network at a time, one episode per step, again (every 2 s at
// most) when a network's weights have moved; only while the view is visible.
class PresentationAccuracyJob : public Job {
 public:
  static constexpr int kEpisodes = 32;
  std::string title() const override { return "Memory lab: accuracy by presentation"; }
  bool wants_time() const override;
  void step() override;
  void fail(const std::string& message) override;

  void follow(const MemoryJob* job, std::uint64_t seed, bool visible);
  void clear();  // forget every result (a network was replaced)

  std::array<std::vector<double>, kMemoryModels> by_instance;  // [] until evaluated
  std::array<double, kMemoryModels> overall{};
  std::array<long, kMemoryModels> evaluated_at{{-1, -1, -1}};  // the iteration each result is for
  int evaluating = 0;        // the network being (or next) evaluated
  int done = 0;              // its episodes so far (0: not started)
  std::string error;

 private:
  bool due(int a) const;
  const MemoryJob* job_ = nullptr;
  std::tuple<long long, std::uint64_t> following_{-1, 0};
  bool visible_ = false;
  std::vector<SequenceEpisode> episodes_;  // drawn lazily from rng_
  Rng rng_;
  InstanceAccuracy partial_{1};
  long partial_iteration_ = -1;
  double finished_at_ms_ = -1e18;
};

struct MemoryLab {
  MemorySettings settings;
  bool want_shipped = true;     // false after Reset: tiny networks trained here
  bool shipped_failed = false;  // the shipped networks could not be loaded (error says why): not retried
  std::string error;
  double waiting_since_ms = -1;  // when the lab first waited for the shipped files
  bool rebuild_requested = false;  // Reset or "Shipped networks" pressed: the next sync builds anew

  enum class Mode { Waiting, Shipped, Live };
  // (mode, seed of the live networks)
  Memo<std::tuple<Mode, std::uint64_t>, std::unique_ptr<MemoryJob>> built;
  PresentationAccuracyJob accuracy;
  MemoryViewState view;

  MemoryJob* job() { return built.mutable_last() ? built.mutable_last()->get() : nullptr; }
  const MemoryJob* job() const { return built.last() ? built.last()->get() : nullptr; }
};

// Waits up to 3 s for the shipped networks (the page fetches them after
// start-up), then builds tiny live ones; shipped ones that arrive later
// replace them once.
void sync_memory(MemoryLab& lab, const AssetStore& assets, bool visible);
// From the next sync on (views ask; they never destroy the job they draw):
void reset_memory(MemoryLab& lab);           // tiny networks from scratch
void use_shipped_memory(MemoryLab& lab);     // back to the shipped ones
// Whether the shipped networks could replace what the lab shows now.
bool shipped_memory_available(const MemoryLab& lab, const AssetStore& assets);
// An uploaded mann / lstm / feedforward checkpoint: "" or why not (nothing changes).
std::string memory_receive_checkpoint(MemoryLab& lab, const std::string& name, const Checkpoint& ckpt);
// The MANN as safetensors bytes with its episodes' task; throws if none.
std::string memory_checkpoint_bytes(const MemoryLab& lab, std::string* file_name);

// "memory": {...} of the status JSON.
nlohmann::json memory_status(const MemoryLab& lab);

}  // namespace metalab::web
