#include "core/tasks/biomedical_tasks.h"

#include <stdexcept>

#include "core/io/nifti.h"
#include "core/io/sequences.h"
#include "core/tasks/cell_stages.h"
#include "core/tasks/classification_tasks.h"
#include "core/tasks/mri_regions.h"
#include "core/tasks/protein_families.h"
#include "core/tasks/protein_ss.h"
#include "core/tasks/sequence_features.h"

namespace metalab {

namespace {

// The options without the family's file options, which are returned apart
// (key -> the file's name).
Options split_off_files(const TaskFamily& family, Options& options) {
  Options files;
  for (const std::string& key : family.files) {
    const auto it = options.find(key);
    if (it == options.end()) continue;
    files[key] = it->second;
    options.erase(it);
  }
  return files;
}

}  // namespace

std::unique_ptr<TaskSource> make_biomedical_task(const TaskOptions& options, const TaskData& data) {
  const std::string name = options.count("name") ? options.at("name") : "";
  const TaskFamily* family = find_task_family(name);
  if (!family || family->make != make_biomedical_task) throw std::invalid_argument("unknown biomedical task '" + name + "'");
  const std::string context = name + " task option";
  Options rest = options;
  const Options files = split_off_files(*family, rest);
  // A file's bytes and the name it goes by in messages.
  const auto file = [&](const std::string& key) -> std::pair<std::string, std::string_view> {
    const auto named = files.find(key);
    const std::string file_name = named == files.end() ? "" : named->second;
    const auto bytes = data.files.find(key);
    if (bytes == data.files.end())
      throw OptionError(context, key, file_name, name + " tasks need the file '" + key + "' names (its bytes were not given)");
    return {file_name.empty() ? "<" + key + ">" : file_name, bytes->second};
  };
  const auto table = [&]() -> const CsvTable& {
    if (!data.table) throw std::invalid_argument(name + " tasks need a table (a CSV file)");
    return *data.table;
  };

  if (name == "protein-ss") return make_protein_ss_source(structure_chains_from_table(table()), rest);

  std::unique_ptr<DescribedClassificationSource> inner;
  if (name == "protein-families") {
    const auto [fasta_name, fasta] = file("fasta");
    inner = make_protein_family_source(parse_fasta(fasta, fasta_name), rest);
  } else if (name == "mri-regions") {
    const auto [t1_name, t1] = file("t1");
    const auto [atlas_name, atlas] = file("atlas");
    const auto [names_name, names] = file("atlas_names");
    inner = make_mri_region_source(parse_nifti(t1, t1_name), parse_nifti(atlas, atlas_name),
                                   region_names_from_table(parse_csv_string(std::string(names), names_name)), rest);
  } else {  // cell-stages
    inner = make_cell_stage_source(table(), rest);
  }
  // Described as every classification task is: its options (defaults
  // included) and the names of its files.
  Options described;
  for (const auto& [key, value] : inner->description()) described[key.substr(5)] = value;  // "task." removed
  for (const auto& [key, value] : files) described[key] = value;
  std::vector<std::string> notices = inner->warnings();
  return std::make_unique<ClassificationTaskSource>(std::move(inner), std::move(described), std::move(notices));
}

int residue_positions(const TaskSource& source) {
  const std::map<std::string, std::string> d = source.description();
  const auto value = [&](const char* key) {
    const auto it = d.find(key);
    return it == d.end() ? std::string() : it->second;
  };
  const std::string name = value("task.name");
  std::string positions;
  if (name == "protein-families" && value("task.features") == "onehot") positions = value("task.length");
  if (name == "protein-ss") positions = value("task.window");
  const auto n = parse_integer(positions);
  return n && *n > 0 && one_hot_width(static_cast<int>(*n)) == source.input_dim() ? static_cast<int>(*n) : 0;
}

}  // namespace metalab
