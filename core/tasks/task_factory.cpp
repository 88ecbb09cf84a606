#include "core/tasks/task_factory.h"

#include <stdexcept>

namespace metalab {

const char* task_kind_description(TaskKind kind) {
  switch (kind) {
    case TaskKind::Regression: return "regression tasks";
    case TaskKind::Classification: return "few-shot classification episodes";
    case TaskKind::Sequence: return "sequence episodes (one example at a time, labels a step late)";
  }
  return "?";
}

const std::vector<TaskFamily>& task_families() {
  static const std::vector<TaskFamily> families{
      {"sinusoid", TaskKind::Regression, "Sinusoids (Finn et al. 2017)"},
      {"promoter", TaskKind::Regression, "Synthetic promoters -> expression, one task per cell type"},
      {"genes", TaskKind::Regression, "Gene expression: landmark genes -> one target gene per task"},
      {"glyphs", TaskKind::Classification, "Synthetic glyphs (handwriting-like characters)"},
      {"csv", TaskKind::Classification, "Rows of a table, classes from a label column"},
      {"images", TaskKind::Classification, "An image folder, one folder per class"},
      {"idx", TaskKind::Classification, "IDX image and label files (MNIST, Fashion-MNIST)"},
      {"glyph-sequences", TaskKind::Sequence, "Glyph episodes as sequences, for the memory network"},
      {"table-sequences", TaskKind::Sequence, "Table-row episodes as sequences, for the memory network"},
  };
  return families;
}

const TaskFamily* find_task_family(std::string_view name) {
  for (const TaskFamily& f : task_families())
    if (name == f.name) return &f;
  return nullptr;
}

std::vector<std::string> task_family_names() {
  std::vector<std::string> out;
  for (const TaskFamily& f : task_families()) out.emplace_back(f.name);
  return out;
}

std::vector<std::string> task_family_names(TaskKind kind) {
  std::vector<std::string> out;
  for (const TaskFamily& f : task_families())
    if (f.kind == kind) out.emplace_back(f.name);
  return out;
}

TaskKind task_kind(std::string_view family) {
  if (const TaskFamily* f = find_task_family(family)) return f->kind;
  std::string list;
  for (const TaskFamily& f : task_families()) list += (list.empty() ? "" : ", ") + std::string(f.name);
  throw std::invalid_argument("unknown task '" + std::string(family) + "' (expected one of: " + list + ")");
}

}  // namespace metalab
