// Every task family MetaLab knows, in one table: its name (what --task, a
// JSON config, the page's URL and a checkpoint's "task.name" say), the kind
// of tasks it makes, a title, the data it needs, and its factory. Every
// family is built the same way, from string options (read by OptionReader,
// core/common/options.h) and the data the caller has already read: the core
// opens no files, so the CLI reads them natively and the page hands over
// what was fetched or uploaded.
//
//   auto sin = make_task_source({{"name", "sinusoid"}, {"support", "5"}});
//   TaskData data;
//   data.table = &table;                          // a parsed CSV (load_csv / parse_csv)
//   auto csv = make_task_source({{"name", "csv"}, {"label", "tissue"}, {"ways", "3"}}, data);
//   auto again = make_task_source(task_options_from_metadata(ckpt.metadata), data);   // a checkpoint's tasks
//   find_task_family("idx")->input == TaskInput::IdxFiles;   // what the caller must read
//   find_task_family("mri-regions")->files;                  // {"t1", "atlas", "atlas_names"}: options naming files
//   same_task_setup({{"train_fraction", "0.70"}}, {{"train_fraction", "0.7"}});   // true
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/options.h"
#include "core/io/csv.h"
#include "core/io/images.h"
#include "core/tasks/task_kind.h"
#include "core/tasks/task_source.h"

namespace metalab {

using TaskOptions = Options;  // "name" plus the family's options

// What a family needs besides its options, read by the caller.
enum class TaskInput {
  None,        // synthetic (sinusoid, promoter, glyphs, glyph-sequences)
  Table,       // a CSV table (genes, csv, table-sequences)
  ImageFiles,  // the files of an image folder (images; option "images" names the folder)
  IdxFiles,    // an IDX image file and its label file, uncompressed (idx; options "idx_images", "idx_labels")
  Files,       // the files the family's file options name (TaskFamily::files), uncompressed
};

// The data handed to a factory; only what its family's TaskInput says is read.
struct TaskData {
  const CsvTable* table = nullptr;
  const std::vector<ImageFile>* image_files = nullptr;  // e.g. read_image_folder(root), or uploads
  std::string_view idx_images, idx_labels;              // the files' bytes
  std::map<std::string, std::string_view> files;        // Files: file option -> the bytes of the file it names
};

struct TaskFamily {
  const char* name;   // "sinusoid"
  TaskKind kind;
  const char* title;  // "Sinusoids (Finn et al. 2017)"
  TaskInput input;
  std::unique_ptr<TaskSource> (*make)(const TaskOptions& options, const TaskData& data);
  std::vector<std::string> files = {};  // Files: the options that name the files ("fasta")
};

// In the order the CLI and the page list them.
const std::vector<TaskFamily>& task_families();
const TaskFamily* find_task_family(std::string_view name);  // nullptr if unknown
// The kind of a family's tasks; std::invalid_argument listing the names for an unknown one.
TaskKind task_kind(std::string_view family);
std::vector<std::string> task_family_names(TaskKind kind);
std::vector<std::string> task_family_names();

// The source options["name"] names, built by its family's factory.
// std::invalid_argument for an unknown or missing name; OptionError naming the
// option for a bad option; std::invalid_argument for settings the data cannot
// satisfy; DataError / FormatError for bad data. description() of the result
// is "task.name" plus "task.<option>" for every option, so that
// make_task_source(task_options_from_metadata(description()), data) rebuilds it.
std::unique_ptr<TaskSource> make_task_source(const TaskOptions& options, const TaskData& data = {});

// "task.<key>" entries of a checkpoint's metadata (or of a description()) ->
// options, prefix removed.
TaskOptions task_options_from_metadata(const std::map<std::string, std::string>& metadata);

// One setting in which two task setups differ.
struct TaskSettingDifference {
  std::string key;
  std::string theirs;  // "" when `theirs` lacks the key
  std::string ours;
  bool missing = false;  // theirs lacks the key
};
// The settings of `ours` that `theirs` lacks or sets differently, values
// compared as same_option_value does (numbers by value: "0.70" == "0.7").
// Options that change how tasks are produced but not which ("cache": glyphs
// rendered up front or on demand; the names of a family's files, whose
// contents task.data_hash checks) are not compared. Keys only `theirs` has
// are not differences: `ours` says what matters.
std::vector<TaskSettingDifference> task_setup_differences(const TaskOptions& theirs, const TaskOptions& ours);
bool same_task_setup(const TaskOptions& theirs, const TaskOptions& ours);
// "ways 5 (here 3), shots ? (here 1), ..." (at most `most` of them).
std::string describe_differences(const std::vector<TaskSettingDifference>& differences, std::size_t most = 3);

}  // namespace metalab
