#include "core/tasks/task_factory.h"

#include <stdexcept>

#include "core/tasks/biomedical_tasks.h"
#include "core/tasks/classification_tasks.h"
#include "core/tasks/regression_sources.h"
#include "core/tasks/sequence_episodes.h"

namespace metalab {

namespace {

std::unique_ptr<TaskSource> make_regression(const TaskOptions& options, const TaskData& data) {
  return make_regression_source(options, data.table);
}
std::unique_ptr<TaskSource> make_classification(const TaskOptions& options, const TaskData& data) {
  return make_classification_task(options, data);
}
std::unique_ptr<TaskSource> make_sequences(const TaskOptions& options, const TaskData& data) {
  TaskOptions rest = options;
  const std::string name = rest.at("name");
  rest.erase("name");
  return make_sequence_source(name, rest, data.table);
}

// Options that decide how tasks are produced, not which tasks: "cache", and
// the names of a family's files (the page calls the shipped FASTA
// "data/protein_families.fasta", the CLI by its path; task.data_hash says
// whether the data is the same).
bool presentation_only(const std::string& key) {
  if (key == "cache") return true;
  for (const TaskFamily& f : task_families())
    for (const std::string& file : f.files)
      if (key == file) return true;
  return false;
}

}  // namespace

const std::vector<TaskFamily>& task_families() {
  using K = TaskKind;
  using I = TaskInput;
  static const std::vector<TaskFamily> families{
      {"sinusoid", K::Regression, "Sinusoids (Finn et al. 2017)", I::None, make_regression},
      {"promoter", K::Regression, "Synthetic promoters -> expression, one task per cell type", I::None, make_regression},
      {"genes", K::Regression, "Gene expression: landmark genes -> one target gene per task", I::Table, make_regression},
      {"glyphs", K::Classification, "Synthetic glyphs (handwriting-like characters)", I::None, make_classification},
      {"csv", K::Classification, "Rows of a table, classes from a label column", I::Table, make_classification},
      {"images", K::Classification, "An image folder, one folder per class", I::ImageFiles, make_classification},
      {"idx", K::Classification, "IDX image and label files (MNIST, Fashion-MNIST)", I::IdxFiles, make_classification},
      {"protein-families", K::Classification, "Protein families (Pfam seeds, Swiss-Prot), families held out",
       I::Files, make_biomedical_task, {"fasta"}},
      {"protein-ss", K::Classification, "Protein secondary structure, one chain per task (helix, strand, coil)",
       I::Table, make_biomedical_task},
      {"mri-regions", K::Classification, "Brain regions of one MRI (Colin27 T1, AAL atlas), regions held out",
       I::Files, make_biomedical_task, {"t1", "atlas", "atlas_names"}},
      {"cell-stages", K::Classification, "Developmental stages of single cells (Guo et al. 2010 qPCR)", I::Table,
       make_biomedical_task},
      {"glyph-sequences", K::Sequence, "Glyph episodes as sequences, for the memory network", I::None, make_sequences},
      {"table-sequences", K::Sequence, "Table-row episodes as sequences, for the memory network", I::Table,
       make_sequences},
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

std::unique_ptr<TaskSource> make_task_source(const TaskOptions& options, const TaskData& data) {
  const auto it = options.find("name");
  if (it == options.end()) throw std::invalid_argument("task options have no 'name'");
  task_kind(it->second);  // throws for an unknown name, listing the known ones
  return find_task_family(it->second)->make(options, data);
}

TaskOptions task_options_from_metadata(const std::map<std::string, std::string>& metadata) {
  TaskOptions out;
  for (const auto& [key, value] : metadata)
    if (key.rfind("task.", 0) == 0) out[key.substr(5)] = value;
  return out;
}

std::vector<TaskSettingDifference> task_setup_differences(const TaskOptions& theirs, const TaskOptions& ours) {
  std::vector<TaskSettingDifference> out;
  for (const auto& [key, value] : ours) {
    if (presentation_only(key)) continue;
    const auto it = theirs.find(key);
    if (it == theirs.end()) out.push_back({key, "", value, true});
    else if (!same_option_value(it->second, value)) out.push_back({key, it->second, value, false});
  }
  return out;
}

bool same_task_setup(const TaskOptions& theirs, const TaskOptions& ours) {
  return task_setup_differences(theirs, ours).empty();
}

std::string describe_differences(const std::vector<TaskSettingDifference>& differences, std::size_t most) {
  std::string s;
  for (std::size_t i = 0; i < differences.size() && i < most; ++i) {
    const TaskSettingDifference& d = differences[i];
    s += (i ? ", " : "") + d.key + " " + (d.missing ? "?" : d.theirs) + " (here " + d.ours + ")";
  }
  return s + (differences.size() > most ? ", ..." : "");
}

}  // namespace metalab
