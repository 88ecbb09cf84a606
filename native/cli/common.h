// Shared pieces of the `metalab` subcommands: errors, the task flags that
// train and eval share, checkpoint and data loading with one-line errors,
// the help formatter, JSON config files.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/io/csv.h"
#include "core/io/safetensors.h"
#include "core/io/strict_json.h"
#include "core/tasks/task_factory.h"

namespace metalab::cli {

// A user-facing error: printed as one line "metalab <command>: error: <message>".
class CliError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Exit codes.
constexpr int kExitOk = 0;
constexpr int kExitError = 1;      // bad input: files, data, settings
constexpr int kExitUsage = 2;      // bad command line (flags)
constexpr int kExitDiverged = 3;   // training produced NaN or infinity
constexpr int kExitInterrupted = 130;

// Help text: every option lists its default as "(default: X)".
class HelpFormatter : public CLI::Formatter {
 public:
  std::string make_option_opts(const CLI::Option* opt) const override;
  std::string make_option_desc(const CLI::Option* opt) const override;
};

// Flags that choose and configure a task distribution (train; eval overrides).
struct TaskFlags {
  std::string task = "sinusoid";
  std::string csv;
  int support = 10;
  int query = 10;
  std::string landmarks = "20";
  std::string landmark_choice = "top-variance";
  std::string target_scaling = "pooled";
  std::string features = "kmer";
  int kmer_max = 3;
  int cell_types = 100;
  int sequence_length = 100;
  std::uint64_t task_seed = 0;
  std::vector<std::string> task_options;  // key=value
  // Classification episodes (glyphs, csv, images, idx).
  int ways = 5, shots = 1, queries = 15, test_ways = 0, test_shots = 0, test_queries = 0;
  std::string label_column;
  std::string images;
  std::string idx_images, idx_labels;
  int image_size = 28;
  // Biomedical files (protein-families, mri-regions); the tables of
  // protein-ss and cell-stages come with --csv.
  std::string fasta, t1, atlas, atlas_names;

  // Registers the flags on a subcommand (group "Task").
  void add_to(CLI::App& app);
  // The factory options for the chosen task from the flags; CliError for a
  // flag that does not apply to the task (e.g. --landmarks with sinusoid).
  // `flags`, if given, receives the flag each option came from.
  TaskOptions options(const CLI::App& app, bool only_given, std::map<std::string, std::string>* flags = nullptr) const;
};

// Opens a CSV file; CliError naming the file if unreadable or malformed.
CsvTable read_csv(const std::string& path);

// Builds a task source with the core's factory (make_task_source), after
// reading the files its family needs (the CSV, the image folder, the IDX
// files); converts every failure to a CliError that names `what` (e.g.
// "--task genes" or "checkpoint X"), or the flag a bad option came from
// (`flags`: option key -> flag, from TaskFlags::options).
std::shared_ptr<TaskSource> build_source(const TaskOptions& options, const std::string& csv_path,
                                         const std::string& what, const std::map<std::string, std::string>& flags = {});

// `path` made absolute (against the current folder); "" stays "".
std::string absolute_path(const std::string& path);
// The table a checkpoint was trained on (its "data.csv", "" if none);
// CliError naming where the path came from when that file cannot be opened.
std::string recorded_table(const Checkpoint& checkpoint, const std::string& what);

// Loads a checkpoint; CliError naming the file for a missing, unreadable,
// truncated or malformed file.
Checkpoint read_checkpoint(const std::string& path, const std::string& flag);

// The default file name of a baseline saved next to OUT:
// "run.safetensors" -> "run.pretrain.safetensors".
std::string baseline_path(const std::string& out, const std::string& baseline);
// A path relative to the directory of `base` (unless absolute).
std::string sibling_path(const std::string& base, const std::string& name);
std::string file_name(const std::string& path);

// The JSON document in `path` (parse_json: duplicate keys are errors too);
// CliError "FLAG PATH: invalid JSON at byte N: ..." if it cannot be read or parsed.
Json read_json_file(const std::string& flag, const std::string& path);

// Applies a JSON config file to a parsed subcommand: every key is the long
// name of one of its options ("inner_lr" or "inner-lr"); an option given on
// the command line wins. CliError naming the file and key for unknown keys,
// values of the wrong type, invalid JSON. `excluded` options may not appear.
void apply_json_config(CLI::App& app, const std::string& path, const std::vector<std::string>& excluded);

// "1.23e-05"-style compact number for tables.
std::string fmt(double v, int precision = 4);
bool stdout_is_terminal();

// Threads go where the work is. Several tasks per meta-batch are spread over
// the CLI's thread pool, one task per thread, and every matrix product stays
// on its own thread; a single large task per step (a Conv4 episode of
// ProtoNet) is spread inside Eigen's matrix products instead (OpenMP builds;
// a no-op otherwise). Never both, so the cores are not oversubscribed.
void set_matrix_product_threads(int threads);

}  // namespace metalab::cli
