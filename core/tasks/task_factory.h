// Every task family MetaLab knows, in one table: its name (what --task, a
// JSON config, the page's URL and a checkpoint's "task.name" say), the kind
// of tasks it makes, and a title for people.
//
//   const TaskFamily* f = find_task_family("glyphs");
//   f->kind == TaskKind::Classification;
//   task_kind("genes") == TaskKind::Regression;
//   task_family_names(TaskKind::Sequence);   // {"glyph-sequences", "table-sequences"}
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace metalab {

// What a task is, as learners see it (core/learners/registry.h lists which
// kinds each learner accepts).
enum class TaskKind : unsigned {
  Regression = 1,      // support/query points of a function (sinusoid, promoter, genes)
  Classification = 2,  // N-way K-shot episodes of a ClassificationSource
  Sequence = 4,        // episodes presented one example at a time, labels a step late (memory network)
};
// A set of kinds, e.g. kinds(TaskKind::Regression) | TaskKind::Classification.
using TaskKinds = unsigned;
constexpr TaskKinds operator|(TaskKind a, TaskKind b) { return static_cast<unsigned>(a) | static_cast<unsigned>(b); }
constexpr TaskKinds operator|(TaskKinds a, TaskKind b) { return a | static_cast<unsigned>(b); }
constexpr bool has_kind(TaskKinds set, TaskKind k) { return (set & static_cast<unsigned>(k)) != 0; }
constexpr TaskKind kAllTaskKinds[] = {TaskKind::Regression, TaskKind::Classification, TaskKind::Sequence};

// "regression tasks", "few-shot classification episodes", "sequence episodes".
const char* task_kind_description(TaskKind kind);

struct TaskFamily {
  const char* name;   // "sinusoid"
  TaskKind kind;
  const char* title;  // "Sinusoids (Finn et al. 2017)"
};

// In the order the CLI and the page list them.
const std::vector<TaskFamily>& task_families();
const TaskFamily* find_task_family(std::string_view name);  // nullptr if unknown
// The kind of a family's tasks; std::invalid_argument listing the names for an unknown one.
TaskKind task_kind(std::string_view family);
std::vector<std::string> task_family_names(TaskKind kind);
std::vector<std::string> task_family_names();

}  // namespace metalab
