// The kinds of tasks learners take: a TaskSource says which it makes
// (TaskSource::kind()), a learner's registry entry which it accepts
// (core/learners/registry.h), a task family which it builds (task_factory.h).
#pragma once

namespace metalab {

// What a task is, as learners see it (core/learners/registry.h lists which
// kinds each learner accepts).
enum class TaskKind : unsigned {
  Regression = 1,      // support/query points of a function (sinusoid, promoter, genes)
  Classification = 2,  // N-way K-shot episodes of a ClassificationSource
  Sequence = 4,        // episodes presented one example at a time, labels a step late (memory network)
};
// A set of kinds, e.g. TaskKind::Regression | TaskKind::Classification.
using TaskKinds = unsigned;
constexpr TaskKinds operator|(TaskKind a, TaskKind b) { return static_cast<unsigned>(a) | static_cast<unsigned>(b); }
constexpr TaskKinds operator|(TaskKinds a, TaskKind b) { return a | static_cast<unsigned>(b); }
constexpr bool has_kind(TaskKinds set, TaskKind k) { return (set & static_cast<unsigned>(k)) != 0; }
constexpr TaskKind kAllTaskKinds[] = {TaskKind::Regression, TaskKind::Classification, TaskKind::Sequence};

// "regression tasks", "few-shot classification episodes", "sequence episodes (...)".
constexpr const char* task_kind_description(TaskKind kind) {
  switch (kind) {
    case TaskKind::Regression: return "regression tasks";
    case TaskKind::Classification: return "few-shot classification episodes";
    case TaskKind::Sequence: return "sequence episodes (one example at a time, labels a step late)";
  }
  return "?";
}

}  // namespace metalab
