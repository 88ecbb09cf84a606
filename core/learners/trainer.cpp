#include "core/learners/trainer.h"

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "core/common/options.h"
#include "core/eval/evaluate.h"

namespace metalab {

namespace {

// The task streams are seeded from the learner's seed mixed with these
// constants, so they never replay the draws of the weight initialisation.
constexpr std::uint64_t kTrainStream = 0x747261696E696E67ULL;       // "training"
constexpr std::uint64_t kValidationStream = 0x76616C6964617465ULL;  // "validate"

int parse_int_metadata(const Checkpoint& ckpt, const char* key, int fallback) {
  const std::string s = get_metadata_or(ckpt, key, std::to_string(fallback));
  const auto v = parse_integer(s);
  if (!v || *v < std::numeric_limits<int>::min() || *v > std::numeric_limits<int>::max())
    throw FormatError("checkpoint " + ckpt.source + ": metadata '" + key + "' is not an integer: '" + s + "'");
  return static_cast<int>(*v);
}

}  // namespace

std::string rng_state_to_string(const Rng::State& s) {
  std::uint64_t spare_bits = 0;
  std::memcpy(&spare_bits, &s.spare_normal, sizeof spare_bits);
  char buf[128];
  std::snprintf(buf, sizeof buf, "%016" PRIx64 ":%016" PRIx64 ":%016" PRIx64 ":%016" PRIx64 ":%s", s.words[0],
                s.words[1], s.words[2], s.words[3], s.has_spare_normal ? "" : "-");
  std::string out = buf;
  if (s.has_spare_normal) {
    std::snprintf(buf, sizeof buf, "%016" PRIx64, spare_bits);
    out += buf;
  }
  return out;
}

Rng::State rng_state_from_string(const std::string& text) {
  auto fail = [&]() -> Rng::State {
    throw std::invalid_argument("malformed Rng state '" + text + "' (expected five ':'-separated hex fields)");
  };
  Rng::State s;
  std::vector<std::string> parts;
  std::string cur;
  for (char c : text) {
    if (c == ':') {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  parts.push_back(cur);
  if (parts.size() != 5) return fail();
  auto hex = [&](const std::string& p, std::uint64_t* out) {
    if (p.empty() || p.size() > 16) return false;
    std::uint64_t v = 0;
    for (char c : p) {
      int d;
      if (c >= '0' && c <= '9') d = c - '0';
      else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
      else return false;
      v = (v << 4) | static_cast<std::uint64_t>(d);
    }
    *out = v;
    return true;
  };
  for (int i = 0; i < 4; ++i)
    if (!hex(parts[static_cast<std::size_t>(i)], &s.words[i])) return fail();
  if (parts[4] == "-") {
    s.has_spare_normal = false;
  } else {
    std::uint64_t bits = 0;
    if (!hex(parts[4], &bits)) return fail();
    s.has_spare_normal = true;
    std::memcpy(&s.spare_normal, &bits, sizeof bits);
  }
  if (s.words[0] == 0 && s.words[1] == 0 && s.words[2] == 0 && s.words[3] == 0) return fail();
  return s;
}

Trainer::Trainer(std::unique_ptr<Learner> learner, std::shared_ptr<const TaskSource> source, TrainerOptions options)
    : learner_(std::move(learner)), source_(std::move(source)), options_(options) {
  if (!learner_) throw std::invalid_argument("Trainer: no learner");
  if (!source_) throw std::invalid_argument("Trainer: no task source");
  if (options_.val_every < 0) throw std::invalid_argument("Trainer: val_every must be >= 0");
  if (options_.val_every > 0 && options_.val_tasks < 1) throw std::invalid_argument("Trainer: val_tasks must be >= 1");
  if (options_.val_steps < -1) throw std::invalid_argument("Trainer: val_steps must be >= 0 (or -1 for inner_steps)");
  const ModelConfig& m = learner_->model().config();
  if (m.input_dim != source_->input_dim())
    throw std::invalid_argument("Trainer: the model takes " + std::to_string(m.input_dim) + " inputs, " +
                                source_->name() + " tasks have " + std::to_string(source_->input_dim()));
  if (m.output_dim != source_->output_dim())
    throw std::invalid_argument("Trainer: the model has " + std::to_string(m.output_dim) + " outputs, " +
                                source_->name() + " tasks need " + std::to_string(source_->output_dim()));
  const std::uint64_t seed = learner_->config().seed;
  rng_ = Rng(seed ^ kTrainStream);
  if (options_.val_every > 0) val_tasks_ = eval::sample_tasks(*source_, Split::MetaValidation, options_.val_tasks,
                                                              seed ^ kValidationStream);
}

void Trainer::add_baseline(std::unique_ptr<Learner> baseline) {
  if (!baseline) throw std::invalid_argument("Trainer: no baseline learner");
  if (baseline->iteration() != learner_->iteration())
    throw std::invalid_argument("Trainer: baseline '" + baseline->kind() + "' is at iteration " +
                                std::to_string(baseline->iteration()) + ", the learner at " +
                                std::to_string(learner_->iteration()));
  if (baseline->model().config().input_dim != learner_->model().config().input_dim)
    throw std::invalid_argument("Trainer: baseline '" + baseline->kind() + "' has another input width");
  baseline->set_parallel(parallel_);
  baselines_.push_back(std::move(baseline));
}

void Trainer::set_parallel(ParallelFor parallel) {
  parallel_ = parallel ? std::move(parallel) : ParallelFor(sequential_for);
  learner_->set_parallel(parallel_);
  for (auto& b : baselines_) b->set_parallel(parallel_);
}

double Trainer::validate(const Learner& learner) const {
  if (val_tasks_.empty()) throw std::logic_error("Trainer::validate: validation is off (val_every = 0)");
  const int steps = options_.val_steps >= 0 ? options_.val_steps : learner.config().inner_steps;
  const eval::LearningCurve c = eval::evaluate_learner(learner, val_tasks_, steps, parallel_);
  return c.loss.back().mean;
}

std::vector<IterationRecord> Trainer::step(int n) {
  std::vector<IterationRecord> out;
  const int batch_size = learner_->config().meta_batch;
  for (int k = 0; k < n; ++k) {
    // Draw the whole batch first, sequentially: the stream does not depend on threads.
    std::vector<Task> batch;
    batch.reserve(static_cast<std::size_t>(batch_size));
    const Rng::State before = rng_.state();
    try {
      for (int i = 0; i < batch_size; ++i) batch.push_back(source_->sample(Split::MetaTrain, rng_));
    } catch (...) {
      rng_.set_state(before);
      throw;
    }
    IterationRecord r;
    // On an error (e.g. DivergenceError) the Rng goes back to the start of the
    // iteration; a learner that diverged is not meant to be continued.
    std::vector<StepStats> bstats;
    try {
      const StepStats s = learner_->meta_step(batch);
      for (auto& b : baselines_) bstats.push_back(b->meta_step(batch));
      r.loss = s.loss;
      r.support_loss = s.pre_loss;
      r.metric = s.metric;
      r.grad_norm = s.grad_norm;
    } catch (...) {
      rng_.set_state(before);
      throw;
    }
    r.iteration = learner_->iteration();
    for (const auto& b : bstats) r.baseline_loss.push_back(b.loss);
    if (options_.val_every > 0 && r.iteration % options_.val_every == 0) {
      r.val_loss = validate(*learner_);
      for (const auto& b : baselines_) r.baseline_val_loss.push_back(validate(*b));
    } else {
      r.baseline_val_loss.assign(baselines_.size(), std::numeric_limits<double>::quiet_NaN());
    }
    history_.push_back(r);
    out.push_back(std::move(r));
  }
  return out;
}

Checkpoint Trainer::checkpoint(std::size_t which) const {
  if (which > baselines_.size()) throw std::out_of_range("Trainer::checkpoint: no such learner");
  const Learner& l = which == 0 ? *learner_ : *baselines_[which - 1];
  Checkpoint ckpt = l.save();
  for (const auto& [key, value] : source_->description()) ckpt.metadata[key] = value;
  ckpt.metadata["trainer.rng"] = rng_state_to_string(rng_.state());
  ckpt.metadata["trainer.val_every"] = std::to_string(options_.val_every);
  ckpt.metadata["trainer.val_tasks"] = std::to_string(options_.val_tasks);
  ckpt.metadata["trainer.val_steps"] = std::to_string(options_.val_steps);
  std::string names;
  for (const auto& b : baselines_) names += (names.empty() ? "" : ",") + b->kind();
  ckpt.metadata["trainer.baselines"] = names;
  ckpt.metadata["trainer.role"] = which == 0 ? "main" : "baseline";
  return ckpt;
}

std::unique_ptr<Trainer> Trainer::resume(const Checkpoint& main, const std::vector<Checkpoint>& baselines,
                                         std::shared_ptr<const TaskSource> source) {
  if (!source) throw std::invalid_argument("Trainer::resume: no task source");
  const auto rng_it = main.metadata.find("trainer.rng");
  if (rng_it == main.metadata.end())
    throw FormatError("checkpoint " + main.source + ": no trainer state ('trainer.rng'); it cannot be resumed");
  // The task distribution must be the one the checkpoint was trained on.
  const auto desc = source->description();
  for (const auto& [key, value] : main.metadata) {
    if (key.rfind("task.", 0) != 0) continue;
    auto it = desc.find(key);
    if (it == desc.end() || it->second != value)
      throw std::invalid_argument("checkpoint " + main.source + " was trained on " + key + " = " + value +
                                  ", the task source has " + (it == desc.end() ? std::string("no such setting")
                                                                                 : it->second));
  }
  for (const auto& [key, value] : desc)
    if (main.metadata.find(key) == main.metadata.end())
      throw std::invalid_argument("checkpoint " + main.source + " has no '" + key + "' (it was trained on other tasks)");

  TrainerOptions options;
  options.val_every = parse_int_metadata(main, "trainer.val_every", 0);
  options.val_tasks = parse_int_metadata(main, "trainer.val_tasks", 100);
  options.val_steps = parse_int_metadata(main, "trainer.val_steps", -1);
  auto trainer = std::make_unique<Trainer>(load_learner(main), std::move(source), options);
  Rng::State state;
  try {
    state = rng_state_from_string(rng_it->second);
  } catch (const std::invalid_argument& e) {
    throw FormatError("checkpoint " + main.source + ": " + e.what());
  }
  trainer->rng_.set_state(state);
  for (const Checkpoint& b : baselines) {
    if (get_metadata_or(b, "trainer.rng", "") != rng_it->second)
      throw FormatError("checkpoint " + b.source + " is not from the same run and iteration as " + main.source);
    trainer->add_baseline(load_learner(b));
  }
  return trainer;
}

}  // namespace metalab
