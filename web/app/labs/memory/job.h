// The memory lab's job: a memory-augmented network (MANN, Santoro et al.
// 2016) and its two baselines, an LSTM and a feed-forward network, trained on
// the same episodes, one model per step() in turn.
//
// The lab opens with the three networks shipped in assets/checkpoints/
// (mann-, lstm-, feedforward-glyphs14.safetensors, trained natively by
// scripts/make-web-checkpoints.sh: 14 x 14 glyphs, 5-way episodes of 10
// presentations per class; the MANN has a controller of 100 units, 64 memory
// slots of width 32 and 4 read heads), on the episodes they record. Trained
// further here they take one episode per update (16 natively) at a quarter of
// the native step size, and start paused. Reset (or shipped files that fail
// to load) switches to three tiny networks trained live from scratch (3-way x
// 6, controller 32, 24 x 16 memory, one head), which start training at once.
#pragma once

#include <array>
#include <memory>
#include <string>

#include "core/common/rng.h"
#include "core/learners/mann.h"
#include "core/tasks/sequence_episodes.h"
#include "web/app/page/assets.h"
#include "web/app/page/job.h"

namespace metalab::web {

constexpr int kMemoryModels = 3;  // mann, lstm, feedforward
// Written by scripts/make-web-checkpoints.sh; all three trained on the same episodes.
extern const char* const kShippedMemoryFiles[kMemoryModels];

class MemoryJob : public TrainingJob {
 public:
  // The three shipped networks and the episodes they were trained on; throws
  // (naming the file) when any does not load or they disagree.
  static std::unique_ptr<MemoryJob> shipped(const AssetStore& assets, std::uint64_t seed);
  // Three tiny networks from scratch on 3-way x 6 glyph episodes of the seed.
  static std::unique_ptr<MemoryJob> live(std::uint64_t seed);

  std::string title() const override { return "Memory lab"; }
  bool ready() const override { return models_[0] != nullptr; }
  long iteration() const override { return models_[0]->iteration(); }
  void step() override;  // one update of the next model in turn

  bool from_shipped() const { return shipped_; }
  const SequenceEpisodeSource& source() const { return *source_; }
  const MannLearner& model(int a) const { return *models_[static_cast<std::size_t>(a)]; }
  int ways() const { return source_->config().ways; }
  int instances() const { return source_->config().instances; }
  int image_size() const { return source_->image_height(); }
  long shipped_iteration(int a) const { return shipped_iterations_[static_cast<std::size_t>(a)]; }
  double last_step_ms(int a) const { return last_step_ms_[static_cast<std::size_t>(a)]; }
  // Training episodes follow this seed from now on.
  void reseed(std::uint64_t seed);
  std::uint64_t seed() const { return seed_; }

  // An uploaded mann / lstm / feedforward checkpoint replaces that network if
  // it was trained on the episodes the lab shows and fits them: "", or why not
  // (and nothing changes).
  std::string receive(const std::string& name, const Checkpoint& ckpt);
  std::string uploaded;  // "lstm from FILE (iteration N)" after an upload, for the weights line
  // The MANN as safetensors bytes with the task its episodes come from.
  std::string checkpoint_bytes(std::string* file_name) const;

 private:
  MemoryJob() = default;
  std::shared_ptr<const SequenceEpisodeSource> source_;
  std::array<std::unique_ptr<MannLearner>, kMemoryModels> models_;
  std::array<long, kMemoryModels> shipped_iterations_{};
  std::array<double, kMemoryModels> last_step_ms_{};
  bool shipped_ = false;
  std::uint64_t seed_ = 0;
  Rng train_rng_;
  int next_model_ = 0;
};

}  // namespace metalab::web
