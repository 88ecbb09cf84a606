// The meta-training loop as a reusable object: the CLI runs it to the end, the
// page runs a few iterations per frame. It owns a learner (plus optional
// baselines trained on exactly the same task batches), the task source, and
// the seeded Rng the batches are drawn from.
//
//   Trainer trainer(make_learner(config), source, {/*val_every=*/500});
//   trainer.add_baseline(make_learner(pretrain_config));   // optional
//   while (trainer.iteration() < 70000) trainer.step(10);  // records a loss curve
//   Checkpoint ckpt = trainer.checkpoint();                // resumable exactly
//
// Determinism: each iteration draws its meta_batch tasks sequentially from
// the trainer's Rng before any parallel work, and the learners sum per-task
// gradients in index order, so the weights after N iterations do not depend
// on the thread count, nor on whether the run was stopped and resumed from a
// checkpoint (which stores the Rng state under "trainer.rng").
//
// Validation: every val_every iterations (0: never), the query loss after
// val_steps adaptation steps, averaged over val_tasks meta-validation tasks
// drawn once from the seed (the same tasks each time, so the curve is smooth
// and validation never disturbs the training stream).
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "core/learners/learner.h"
#include "core/tasks/task_source.h"

namespace metalab {

struct TrainerOptions {
  int val_every = 0;   // iterations between validations; 0 = off
  int val_tasks = 100;  // meta-validation tasks per validation
  int val_steps = -1;  // adaptation steps at validation; -1 = the learner's inner_steps
};

struct IterationRecord {
  long iteration = 0;   // meta-iterations done, counting this one
  double loss = 0;      // mean post-adaptation query loss of the batch (pretrain: pooled loss)
  double support_loss = 0;  // mean pre-adaptation support loss
  double metric = 0;
  double grad_norm = 0;
  double val_loss = std::numeric_limits<double>::quiet_NaN();  // NaN unless validated at this iteration
  std::vector<double> baseline_loss;      // per baseline, its training loss
  std::vector<double> baseline_val_loss;  // per baseline (NaN unless validated)
};

// Rng state <-> text "w0:w1:w2:w3:spare" (hex), for checkpoint metadata.
std::string rng_state_to_string(const Rng::State& state);
// std::invalid_argument for malformed text.
Rng::State rng_state_from_string(const std::string& text);

class Trainer {
 public:
  // The Rng that draws training batches is seeded from learner->config().seed.
  Trainer(std::unique_ptr<Learner> learner, std::shared_ptr<const TaskSource> source, TrainerOptions options = {});

  // A learner (e.g. the pretrain baseline) trained on the same batches; it must
  // be at the same iteration as the main learner.
  void add_baseline(std::unique_ptr<Learner> baseline);
  // Thread pool (or any ParallelFor) for the learners' per-task work and validation.
  void set_parallel(ParallelFor parallel);

  // Runs n meta-iterations; returns their records (also appended to history()).
  // DivergenceError (and the learners' other errors) propagate; the state is
  // then that after the last completed iteration.
  std::vector<IterationRecord> step(int n);

  // Mean query loss of a learner over the validation tasks after val_steps steps.
  double validate(const Learner& learner) const;

  long iteration() const { return learner_->iteration(); }
  Learner& learner() { return *learner_; }
  const Learner& learner() const { return *learner_; }
  std::size_t num_baselines() const { return baselines_.size(); }
  const Learner& baseline(std::size_t i) const { return *baselines_.at(i); }
  const TaskSource& source() const { return *source_; }
  const TrainerOptions& options() const { return options_; }
  const std::vector<IterationRecord>& history() const { return history_; }
  const std::vector<Task>& validation_tasks() const { return val_tasks_; }
  Rng::State rng_state() const { return rng_.state(); }

  // The main learner's (which = 0) or baseline i's (which = i + 1) checkpoint:
  // weights, optimizer state and config, plus the task description ("task.*")
  // and the trainer's state ("trainer.*": Rng state, validation settings).
  Checkpoint checkpoint(std::size_t which = 0) const;

  // Continues a run from checkpoint(): the main learner's checkpoint and its
  // baselines' (in order). The source must be the one described by the
  // checkpoint's "task.*" entries (std::invalid_argument otherwise); options
  // not given keep their saved values.
  static std::unique_ptr<Trainer> resume(const Checkpoint& main, const std::vector<Checkpoint>& baselines,
                                         std::shared_ptr<const TaskSource> source);

 private:
  std::unique_ptr<Learner> learner_;
  std::vector<std::unique_ptr<Learner>> baselines_;
  std::shared_ptr<const TaskSource> source_;
  TrainerOptions options_;
  Rng rng_;
  std::vector<Task> val_tasks_;
  std::vector<IterationRecord> history_;
  ParallelFor parallel_ = sequential_for;
};

}  // namespace metalab
