// "Gene expression across genes": few-shot regression tasks cut from a real
// expression matrix (samples x genes), e.g. assets/data/tissue_gene_expression.csv.
//
// The idea is the landmark-gene one behind the L1000 assay: measure a few
// landmark genes and infer the rest. Here
//   inputs  x = the expression of L landmark genes in one sample (L = 20),
//   target  y = the expression of one other gene in that sample,
//   a task  = one target gene: K support samples to adapt on and Q query
//             samples (disjoint rows) to be judged on.
// What transfers between tasks is how genes co-vary across tissues; a
// meta-learner that has seen many target genes should fit a new gene from a
// handful of samples better than a model trained from scratch.
//
// Splits: the non-landmark genes are shuffled with split_seed and cut into
// meta-train / meta-validation / meta-test (70/15/15 by default), so test
// tasks ask about genes never seen during meta-training. Samples are shared by
// all splits (each task draws its own K + Q rows).
//
// Landmarks (decided once, at construction): the L genes of highest variance
// across all samples by default (they carry the most signal; ties go to the
// earlier column), or the first L columns, or L chosen at random with
// split_seed, or named explicitly. Landmarks are in every task's input and
// never a target.
//
// Standardisation, computed once from meta-training data only:
//   features: each landmark gene minus its mean, divided by its standard
//     deviation over the samples. Landmark values are the inputs of every
//     split, so these statistics reveal nothing about held-out target genes.
//   targets (default MetaTrainPooled): minus the mean and divided by the
//     standard deviation of all meta-train target values pooled together. One
//     shared scale, so no held-out gene's own statistics leak into its task,
//     and each gene keeps its own level, which the learner must infer from the
//     support set. PerGene z-scores every gene with its own mean and standard
//     deviation over all samples: easier tasks, at the price of a mild leak
//     (a test gene's mean and spread use its query rows too).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/common/rng.h"
#include "core/io/csv.h"
#include "core/tasks/task.h"

namespace metalab {

enum class LandmarkChoice { TopVariance, First, Random };
enum class TargetScaling { MetaTrainPooled, PerGene };

struct GeneExpressionConfig {
  int num_landmarks = 20;                    // L; ignored when landmark_genes is given
  std::vector<std::string> landmark_genes;   // explicit landmark columns, by name
  LandmarkChoice landmark_choice = LandmarkChoice::TopVariance;
  int support_size = 10;                     // K
  int query_size = 10;                       // Q
  double train_fraction = 0.70;              // of the target genes
  double validation_fraction = 0.15;         // meta-test gets the rest
  std::uint64_t split_seed = 0;              // target-gene split (and Random landmarks)
  TargetScaling target_scaling = TargetScaling::MetaTrainPooled;
  // For from_csv: the columns that are not genes (labels, ids). Empty: guessed
  // with non_numeric_columns() ("tissue"; "sample", "BT", "mol.biol").
  std::vector<std::string> label_columns;

  // Checks what can be checked without data; throws std::invalid_argument
  // naming the field. The distribution's constructor checks the rest (L and
  // K + Q against the data's size, landmark names, empty splits).
  void validate() const;
};

// A sampled task plus what a view needs to explain it.
struct GeneExpressionTask {
  Task task;
  int gene = -1;                  // target gene: column in gene_names()
  std::string gene_name;
  Split split = Split::MetaTrain;
  std::vector<int> support_rows;  // sample (row) indices of the support set
  std::vector<int> query_rows;
};

class GeneExpressionDistribution {
 public:
  // expression: samples x genes (any finite values, e.g. log expression);
  // gene_names: one per column; sample_labels: optional, one per row (e.g. the
  // tissue), kept for display only.
  GeneExpressionDistribution(Matrix expression, std::vector<std::string> gene_names,
                             GeneExpressionConfig config = {}, std::vector<std::string> sample_labels = {});
  // From a CSV table: config.label_columns (or the guessed ones) are dropped,
  // every other column is a gene (DataError if a cell is not a finite number);
  // the first label column becomes sample_labels().
  static GeneExpressionDistribution from_csv(const CsvTable& table, GeneExpressionConfig config = {});

  const GeneExpressionConfig& config() const { return config_; }
  int num_samples() const { return static_cast<int>(raw_.rows()); }
  int num_genes() const { return static_cast<int>(raw_.cols()); }
  const std::vector<std::string>& gene_names() const { return gene_names_; }
  const std::vector<std::string>& sample_labels() const { return sample_labels_; }
  const Matrix& raw_expression() const { return raw_; }

  // Landmark genes (columns), in choice order: by decreasing variance for TopVariance.
  const std::vector<int>& landmarks() const { return landmarks_; }
  std::vector<std::string> landmark_names() const;
  // Target genes (columns) of a split, in shuffled order.
  const std::vector<int>& target_genes(Split split) const;
  // Which split a gene's tasks belong to; throws std::invalid_argument for a landmark.
  Split split_of(int gene) const;

  // Standardised inputs for every sample (num_samples x L) and the statistics used.
  const Matrix& features() const { return features_; }
  const Eigen::VectorXf& feature_mean() const { return feature_mean_; }
  const Eigen::VectorXf& feature_std() const { return feature_std_; }
  // y_standardised = (y_raw - target_offset(gene)) / target_scale(gene).
  float target_offset(int gene) const;
  float target_scale(int gene) const;

  // A task for a uniformly chosen target gene of the split.
  GeneExpressionTask sample_detailed(Split split, Rng& rng) const;
  Task sample(Split split, Rng& rng) const { return sample_detailed(split, rng).task; }
  // A task for one given target gene (any split), fresh rows from rng.
  GeneExpressionTask task_for_gene(int gene, Rng& rng) const;

 private:
  GeneExpressionConfig config_;
  Matrix raw_;
  std::vector<std::string> gene_names_;
  std::vector<std::string> sample_labels_;
  std::vector<int> landmarks_;
  std::vector<int> splits_[3];
  std::vector<int> split_of_;  // per gene: 0, 1, 2 for the splits, -1 for a landmark
  Matrix features_;
  Eigen::VectorXf feature_mean_, feature_std_;
  Eigen::VectorXf target_offset_, target_scale_;  // per gene (unused for landmarks)
};

}  // namespace metalab
