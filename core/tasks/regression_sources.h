// TaskSource adapters for the regression task families beyond the sinusoid,
// and their factory from string options (make_task_source in task_factory.h
// calls it for the regression families), so the CLI, a JSON config, the
// page's URL hash and a checkpoint's "task.*" metadata all describe a task
// distribution the same way:
//
//   auto src = make_regression_source("promoter", {{"support", "5"}, {"features", "onehot"}});
//   auto again = make_regression_source(task_options_from_metadata(ckpt.metadata), nullptr);
//
// description() of every source returns "task.name" plus "task.<option>" for
// every option the factory understands, so a checkpoint rebuilds exactly the
// distribution it was trained on (numbers are written with enough digits to
// round-trip). Options (all optional, defaults in brackets):
//   every task  support K [10], query Q [10]
//   sinusoid    amplitude "lo,hi" [0.1,5], phase "lo,hi" [0,pi], x "lo,hi" [-5,5]
//   promoter    features kmer|onehot|motif [kmer], kmer_max [3], sequence_length [100],
//               cell_types [100], seed [0] (draws the cell types and their split),
//               noise_sd [0.1], gc_content [0.5], plant_probability [0.4],
//               weight_sd [0.5], basal_sd [0.5], position_decay [40],
//               train_fraction [0.7], validation_fraction [0.15]
//   genes       landmarks: a count L [20] or comma-separated gene names,
//               landmark_choice top-variance|first|random [top-variance],
//               target_scaling pooled|per-gene [pooled], split_seed [0],
//               train_fraction [0.7], validation_fraction [0.15],
//               label_columns (comma-separated; default: guessed),
//               samples, genes, data_hash: checks that the data is the data
//               a checkpoint was trained on (written by description()).
// The core never opens files: the genes source takes the parsed CSV table.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/common/options.h"
#include "core/io/csv.h"
#include "core/tasks/gene_expression.h"
#include "core/tasks/promoter.h"
#include "core/tasks/task_factory.h"  // TaskOptions, task_options_from_metadata
#include "core/tasks/task_source.h"

namespace metalab {


// Promoter -> expression regression: one task per cell type.
class PromoterSource : public TaskSource {
 public:
  explicit PromoterSource(PromoterConfig config = {}) : dist_(std::move(config)) {}
  std::string name() const override { return "promoter"; }
  Task sample(Split split, Rng& rng) const override { return dist_.sample(split, rng); }
  int input_dim() const override { return dist_.num_features(); }
  int output_dim() const override { return 1; }
  std::map<std::string, std::string> description() const override;
  const PromoterDistribution& distribution() const { return dist_; }

 private:
  PromoterDistribution dist_;
};

// Landmark genes -> one target gene per task, from an expression table.
class GeneExpressionSource : public TaskSource {
 public:
  explicit GeneExpressionSource(GeneExpressionDistribution dist) : dist_(std::move(dist)) {}
  std::string name() const override { return "genes"; }
  Task sample(Split split, Rng& rng) const override { return dist_.sample(split, rng); }
  int input_dim() const override { return static_cast<int>(dist_.landmarks().size()); }
  int output_dim() const override { return 1; }
  std::map<std::string, std::string> description() const override;
  const GeneExpressionDistribution& distribution() const { return dist_; }
  // A fingerprint of the expression values and gene names (FNV-1a, 16 hex digits).
  std::string data_hash() const;

 private:
  GeneExpressionDistribution dist_;
};

// Builds a source. `table` is the expression table for "genes" (required
// there, ignored otherwise). Throws OptionError (a std::invalid_argument)
// naming the option for an unknown option or a malformed value,
// std::invalid_argument for an unknown name or settings the data cannot
// satisfy (e.g. K + Q larger than the number of samples), and DataError for
// a table whose cells are not numbers.
std::unique_ptr<TaskSource> make_regression_source(const std::string& name, const TaskOptions& options,
                                                   const CsvTable* table = nullptr);
// The same, with the name taken from options["name"].
std::unique_ptr<TaskSource> make_regression_source(const TaskOptions& options_with_name,
                                                   const CsvTable* table = nullptr);

}  // namespace metalab
