#include "web/app/labs/memory/job.h"

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <stdexcept>

#include "core/io/safetensors.h"
#include "core/tasks/task_factory.h"
#include "web/app/page/scheduler.h"

namespace metalab::web {

namespace {
// The tiny live models (Reset): their episodes and sizes.
constexpr int kLiveSize = 14, kLiveWays = 3, kLiveInstances = 6;
const char* const kArch[kMemoryModels] = {"mann", "lstm", "feedforward"};

Rng train_stream(std::uint64_t seed) { return Rng(seed * 31 + 7); }
}  // namespace

const char* const kShippedMemoryFiles[kMemoryModels] = {"checkpoints/mann-glyphs14.safetensors",
                                                        "checkpoints/lstm-glyphs14.safetensors",
                                                        "checkpoints/feedforward-glyphs14.safetensors"};

std::unique_ptr<MemoryJob> MemoryJob::shipped(const AssetStore& assets, std::uint64_t seed) {
  std::unique_ptr<MemoryJob> job(new MemoryJob());
  TaskOptions task;
  for (int a = 0; a < kMemoryModels; ++a) {
    const std::string file = kShippedMemoryFiles[a];
    const std::string* bytes = assets.find(file);
    if (!bytes) throw std::invalid_argument(file + " has not arrived");
    Checkpoint ckpt = load_safetensors(*bytes, file);
    const TaskOptions t = task_options_from_metadata(ckpt.metadata);
    // Trained further here, they take 1 episode per update instead of 16:
    // a quarter of the step size keeps the noisier updates from undoing what they learned.
    const auto lr = ckpt.metadata.find("outer_lr");
    if (lr != ckpt.metadata.end()) {
      char quarter[32];
      std::snprintf(quarter, sizeof quarter, "%.9g", std::stod(lr->second) / 4);
      lr->second = quarter;
    }
    if (a == 0) task = t;
    else if (!same_task_setup(t, task))
      throw std::invalid_argument(file + " was trained on other episodes than " + kShippedMemoryFiles[0] + ": " +
                                  describe_differences(task_setup_differences(t, task)));
    std::unique_ptr<Learner> l = load_learner(ckpt);
    if (l->kind() != kArch[a] || !dynamic_cast<MannLearner*>(l.get()))
      throw std::invalid_argument(file + " holds a '" + l->kind() + "' learner, not '" + kArch[a] + "'");
    job->models_[static_cast<std::size_t>(a)].reset(static_cast<MannLearner*>(l.release()));
    job->shipped_iterations_[static_cast<std::size_t>(a)] = job->models_[static_cast<std::size_t>(a)]->iteration();
  }
  task["cache"] = "false";  // render glyphs on demand: caching all classes up front takes seconds in wasm
  std::unique_ptr<TaskSource> source = make_task_source(task);
  auto* sequences = dynamic_cast<SequenceEpisodeSource*>(source.get());
  if (!sequences) throw std::invalid_argument(std::string(kShippedMemoryFiles[0]) + " was not trained on sequence episodes");
  source.release();
  job->source_.reset(sequences);
  if (job->source_->input_dim() != job->models_[0]->config().model.input_dim || job->source_->image_height() <= 0)
    throw std::invalid_argument("the recorded task does not fit the networks' inputs");
  job->shipped_ = true;
  job->reseed(seed);
  job->playing = false;  // one BPTT update of these may take longer than a frame: the user decides
  return job;
}

std::unique_ptr<MemoryJob> MemoryJob::live(std::uint64_t seed) {
  std::unique_ptr<MemoryJob> job(new MemoryJob());
  GlyphSourceConfig g;
  g.glyph.size = kLiveSize;
  g.num_classes = 400;
  g.seed = seed;
  g.split_seed = seed;
  SequenceEpisodeConfig e;
  e.ways = kLiveWays;
  e.instances = kLiveInstances;
  job->source_ = make_glyph_sequence_source(g, e);
  for (int a = 0; a < kMemoryModels; ++a) {
    LearnerConfig c;
    c.learner = kArch[a];
    c.model.input_dim = kLiveSize * kLiveSize;
    c.model.output_dim = kLiveWays;
    c.model.classification = true;
    c.model.hidden = {a == 2 ? 64 : 32};
    c.memory_slots = 24;
    c.memory_width = 16;
    c.read_heads = 1;
    c.outer_lr = 2e-3f;
    c.grad_clip = 10.0f;
    c.meta_batch = 2;
    c.seed = seed + static_cast<std::uint64_t>(a);
    job->models_[static_cast<std::size_t>(a)] = std::make_unique<MannLearner>(c);
  }
  job->reseed(seed);
  job->playing = true;  // tiny models: an update fits in a frame
  return job;
}

void MemoryJob::reseed(std::uint64_t seed) {
  seed_ = seed;
  train_rng_ = train_stream(seed);
}

void MemoryJob::step() {
  const int a = next_model_;
  const double t0 = now_ms();
  MannLearner& l = *models_[static_cast<std::size_t>(a)];
  // Episodes per update: the shipped networks were trained on 16, but here one
  // update must stay near a frame, so they take one at a time.
  const int batch = shipped_ ? 1 : l.config().meta_batch;
  std::vector<Matrix> xs;
  std::vector<std::vector<int>> ys;
  for (int b = 0; b < batch; ++b) {
    SequenceEpisode e = source_->sample_episode(Split::MetaTrain, train_rng_);
    xs.push_back(std::move(e.x));
    ys.push_back(std::move(e.labels));
  }
  next_model_ = (next_model_ + 1) % kMemoryModels;
  l.train_sequences(xs, ys);
  last_step_ms_[static_cast<std::size_t>(a)] = now_ms() - t0;
  weights_changed();
}

std::string MemoryJob::receive(const std::string& name, const Checkpoint& ckpt) {
  const std::string learner = get_metadata_or(ckpt, "learner", "?");
  const int a = static_cast<int>(std::find(std::begin(kArch), std::end(kArch), learner) - std::begin(kArch));
  if (a >= kMemoryModels) return name + " holds a '" + learner + "' model; the memory lab takes mann, lstm and feedforward";
  // The episodes must be the ones the lab shows.
  const auto diff = task_setup_differences(task_options_from_metadata(ckpt.metadata),
                                           task_options_from_metadata(source_->description()));
  if (!diff.empty()) return name + " was trained on other episodes than the lab shows: " + describe_differences(diff);
  std::unique_ptr<Learner> l;
  try {
    l = load_learner(ckpt);
  } catch (const std::exception& e) {
    return name + ": " + e.what();
  }
  auto* net = dynamic_cast<MannLearner*>(l.get());
  const ModelConfig& here = models_[static_cast<std::size_t>(a)]->config().model;
  if (!net || net->config().model.input_dim != here.input_dim || net->config().model.output_dim != here.output_dim)
    return name + ": its network does not fit the lab's episodes";
  models_[static_cast<std::size_t>(a)].reset(static_cast<MannLearner*>(l.release()));
  uploaded = std::string(kArch[a]) + " from " + name + " (iteration " +
             std::to_string(models_[static_cast<std::size_t>(a)]->iteration()) + ")";
  playing = false;
  weights_changed();
  return "";
}

std::string MemoryJob::checkpoint_bytes(std::string* file_name) const {
  Checkpoint ckpt = models_[0]->save();
  for (const auto& [k, v] : source_->description()) ckpt.metadata[k] = v;
  if (file_name) *file_name = "metalab-mann-glyph-sequences-it" + std::to_string(models_[0]->iteration()) + ".safetensors";
  return save_safetensors(ckpt);
}

}  // namespace metalab::web
