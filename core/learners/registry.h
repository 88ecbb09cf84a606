// The learner registry: one entry per learner, read by everything that lists,
// names, builds or routes learners (make_learner and load_learner, the CLI's
// --learner choices and help, the page's menus and titles, checkpoint
// routing). Code asks an entry what a learner is (its family, whether it
// adapts in steps, which tasks it takes) instead of comparing names. Adding a
// learner is one entry in registry.cpp.
//
//   const LearnerInfo& info = learner_info("anil");
//   info.title;                                  // "ANIL"
//   info.accepts(TaskKind::Classification);      // true
//   info.iterative();                            // adapts in gradient steps
//   info.head_only();                            // its inner loop adapts the head alone
//   LearnerConfig config;
//   config.learner = info.name;
//   std::unique_ptr<Learner> learner = make_learner(config);   // info.make(config)
//   for (const LearnerInfo& l : learner_registry())
//     if (l.accepts(TaskKind::Regression)) { /* a menu item: l.name, l.title */ }
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/learners/learner.h"
#include "core/tasks/task_factory.h"  // TaskKind

namespace metalab {

enum class LearnerFamily { Optimization, Metric, ModelBased, Baseline };
// "optimization-based", "metric-based", "model-based", "baseline".
const char* learner_family_name(LearnerFamily family);

// What a learner does, as bits of LearnerInfo::traits.
enum LearnerTrait : unsigned {
  kIterative = 1u << 0,    // adapt() returns one predictor per gradient step (else one shot)
  kInnerLoop = 1u << 1,    // meta-training adapts to each task in an inner loop (MAML family, Reptile)
  kOutputHead = 1u << 2,   // a trained output layer maps features to targets / classes
  kMetaTrained = 1u << 3,  // meta_step() learns something (not so: scratch, nearest neighbour)
  kFirstOrder = 1u << 4,   // the meta-gradient drops second-order terms (first-order MAML)
  kStepSizes = 1u << 5,    // learns a step size per parameter (Meta-SGD)
  kHeadOnly = 1u << 6,     // the inner loop adapts the output head alone (ANIL)
  kRecurrent = 1u << 7,    // reads an episode as a sequence with a recurrent state (LSTM, MANN)
  kMemory = 1u << 8,       // an external memory (MANN)
};

struct LearnerInfo {
  const char* name;       // "maml": --learner, a checkpoint's "learner", the page's URL
  LearnerFamily family;
  const char* title;      // English title for people: "MAML (second order)"
  const char* title_key;  // the page's translation key: "learner.maml"
  const char* summary;    // one line: what it does
  TaskKinds tasks;        // the kinds of tasks it accepts
  unsigned traits;        // LearnerTrait bits
  // Tasks per meta-iteration when the user does not say (0: LearnerConfig's
  // default). Metric learners update after every episode (Snell et al.).
  int default_meta_batch;
  // The LearnerConfig fields (metadata keys) only some learners read, that
  // this one does: "distance", "cosine_scale", "reptile_epsilon", ...
  std::vector<std::string> settings;
  std::unique_ptr<Learner> (*make)(const LearnerConfig&);
  // Checks of the config only this learner needs (std::invalid_argument), or null.
  void (*validate)(const LearnerConfig&);

  bool accepts(TaskKind kind) const { return has_kind(tasks, kind); }
  bool has(LearnerTrait t) const { return (traits & t) != 0; }
  bool iterative() const { return has(kIterative); }
  bool inner_loop() const { return has(kInnerLoop); }
  bool output_head() const { return has(kOutputHead); }
  bool meta_trained() const { return has(kMetaTrained); }
  bool first_order() const { return has(kFirstOrder); }
  bool step_sizes() const { return has(kStepSizes); }
  bool head_only() const { return has(kHeadOnly); }
  bool recurrent() const { return has(kRecurrent); }
  bool memory() const { return has(kMemory); }
  bool uses(std::string_view setting) const;
};

// Every learner, in the order the CLI and the page list them.
const std::vector<LearnerInfo>& learner_registry();
const LearnerInfo* find_learner(std::string_view name);  // nullptr if unknown
// std::invalid_argument "unknown learner 'x' (expected one of: maml, ...)".
const LearnerInfo& learner_info(std::string_view name);
// The names of the learners that accept tasks of this kind.
std::vector<std::string> learner_names(TaskKind kind);
// The names of the learners that read a setting ("cosine_scale" -> {"matchingnet"}).
std::vector<std::string> learners_using(std::string_view setting);
// "maml, fomaml or anil".
std::string join_names(const std::vector<std::string>& names, const char* last = " or ");

// Which kind of task a checkpoint belongs to, so that it can be routed to
// what shows it (the page's labs, the CLI's task check): its "task.name" if it
// has one, else the one kind its learner accepts, else what its model is
// (classifier or not). nullopt for metadata no learner or task family of this
// build knows.
std::optional<TaskKind> checkpoint_task_kind(const Checkpoint& ckpt);

}  // namespace metalab
