#include "core/tasks/gene_expression.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>
#include <stdexcept>

namespace metalab {

namespace {

[[noreturn]] void invalid(const std::string& what) { throw std::invalid_argument("gene expression: " + what); }

int split_index(Split s) { return static_cast<int>(s); }

// Standard deviation used as a divisor: a constant column is left at 0 after
// centring rather than divided by zero.
float safe_std(double var) {
  const double sd = std::sqrt(std::max(var, 0.0));
  return sd > 1e-12 ? static_cast<float>(sd) : 1.0f;
}

}  // namespace

void GeneExpressionConfig::validate() const {
  if (landmark_genes.empty() && num_landmarks < 1)
    invalid("num_landmarks L must be >= 1, got " + std::to_string(num_landmarks));
  if (support_size < 1) invalid("support size K must be >= 1, got " + std::to_string(support_size));
  if (query_size < 1) invalid("query size must be >= 1, got " + std::to_string(query_size));
  if (!(train_fraction > 0.0 && train_fraction < 1.0))
    invalid("train_fraction must be in (0, 1), got " + std::to_string(train_fraction));
  if (!(validation_fraction > 0.0 && validation_fraction < 1.0))
    invalid("validation_fraction must be in (0, 1), got " + std::to_string(validation_fraction));
  if (!(train_fraction + validation_fraction < 1.0))
    invalid("train_fraction + validation_fraction must be < 1 (meta-test gets the rest), got " +
            std::to_string(train_fraction + validation_fraction));
}

GeneExpressionDistribution::GeneExpressionDistribution(Matrix expression, std::vector<std::string> gene_names,
                                                       GeneExpressionConfig config,
                                                       std::vector<std::string> sample_labels)
    : config_(std::move(config)),
      raw_(std::move(expression)),
      gene_names_(std::move(gene_names)),
      sample_labels_(std::move(sample_labels)) {
  config_.validate();
  const int n = num_samples(), g = num_genes();
  if (static_cast<int>(gene_names_.size()) != g)
    invalid(std::to_string(gene_names_.size()) + " gene names for " + std::to_string(g) + " expression columns");
  if (!sample_labels_.empty() && static_cast<int>(sample_labels_.size()) != n)
    invalid(std::to_string(sample_labels_.size()) + " sample labels for " + std::to_string(n) + " samples");
  if (!raw_.allFinite()) invalid("expression matrix has NaN or infinite values");
  const int kq = config_.support_size + config_.query_size;
  if (kq > n)
    invalid("support size K + query size = " + std::to_string(kq) + " exceeds the " + std::to_string(n) +
            " samples (support and query rows are disjoint)");

  Rng base(config_.split_seed);
  Rng landmark_rng = base.split();
  Rng split_rng = base.split();

  // Landmarks.
  if (!config_.landmark_genes.empty()) {
    for (const auto& name : config_.landmark_genes) {
      const auto it = std::find(gene_names_.begin(), gene_names_.end(), name);
      if (it == gene_names_.end()) invalid("landmark gene '" + name + "' is not a column of the data");
      const int c = static_cast<int>(it - gene_names_.begin());
      if (std::find(landmarks_.begin(), landmarks_.end(), c) != landmarks_.end())
        invalid("landmark gene '" + name + "' is listed twice");
      landmarks_.push_back(c);
    }
  } else {
    const int L = config_.num_landmarks;
    if (L >= g)
      invalid("num_landmarks L = " + std::to_string(L) + " must be smaller than the number of genes (" +
              std::to_string(g) + "), so that some genes are left as targets");
    std::vector<int> order(g);
    std::iota(order.begin(), order.end(), 0);
    switch (config_.landmark_choice) {
      case LandmarkChoice::First: break;
      case LandmarkChoice::Random: landmark_rng.shuffle(order); break;
      case LandmarkChoice::TopVariance: {
        std::vector<double> var(g);
        for (int c = 0; c < g; ++c) {
          const double mean = raw_.col(c).cast<double>().mean();
          var[c] = (raw_.col(c).cast<double>().array() - mean).square().mean();
        }
        std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return var[a] > var[b]; });
        break;
      }
    }
    landmarks_.assign(order.begin(), order.begin() + L);
  }
  const int L = static_cast<int>(landmarks_.size());
  if (L >= g) invalid("all " + std::to_string(g) + " genes are landmarks; none is left as a target");

  // Target genes and their split.
  split_of_.assign(g, -2);
  for (int c : landmarks_) split_of_[c] = -1;
  std::vector<int> targets;
  for (int c = 0; c < g; ++c)
    if (split_of_[c] != -1) targets.push_back(c);
  split_rng.shuffle(targets);
  const int t = static_cast<int>(targets.size());
  const int n_train = static_cast<int>(std::lround(t * config_.train_fraction));
  const int n_val = static_cast<int>(std::lround(t * config_.validation_fraction));
  const int n_test = t - n_train - n_val;
  const int counts[3] = {n_train, n_val, n_test};
  for (int s = 0; s < 3; ++s) {
    if (counts[s] < 1) {
      std::ostringstream msg;
      msg << split_name(static_cast<Split>(s)) << " split is empty: " << t << " target genes with fractions "
          << config_.train_fraction << " / " << config_.validation_fraction << " / rest (use more genes, fewer "
          << "landmarks or other fractions)";
      invalid(msg.str());
    }
  }
  int next = 0;
  for (int s = 0; s < 3; ++s) {
    splits_[s].assign(targets.begin() + next, targets.begin() + next + counts[s]);
    for (int c : splits_[s]) split_of_[c] = s;
    next += counts[s];
  }

  // Feature standardisation (landmarks are inputs of every split).
  feature_mean_.resize(L);
  feature_std_.resize(L);
  features_.resize(n, L);
  for (int j = 0; j < L; ++j) {
    const auto col = raw_.col(landmarks_[j]).cast<double>();
    const double mean = col.mean();
    feature_mean_(j) = static_cast<float>(mean);
    feature_std_(j) = safe_std((col.array() - mean).square().mean());
    features_.col(j) = (raw_.col(landmarks_[j]).array() - feature_mean_(j)) / feature_std_(j);
  }

  // Target standardisation.
  target_offset_ = Eigen::VectorXf::Zero(g);
  target_scale_ = Eigen::VectorXf::Ones(g);
  if (config_.target_scaling == TargetScaling::MetaTrainPooled) {
    double sum = 0.0, count = 0.0;
    for (int c : splits_[0]) {
      sum += raw_.col(c).cast<double>().sum();
      count += n;
    }
    const double mean = sum / count;
    double ss = 0.0;
    for (int c : splits_[0]) ss += (raw_.col(c).cast<double>().array() - mean).square().sum();
    const float scale = safe_std(ss / count);
    for (int c = 0; c < g; ++c) {
      if (split_of_[c] < 0) continue;
      target_offset_(c) = static_cast<float>(mean);
      target_scale_(c) = scale;
    }
  } else {
    for (int c = 0; c < g; ++c) {
      if (split_of_[c] < 0) continue;
      const auto col = raw_.col(c).cast<double>();
      const double mean = col.mean();
      target_offset_(c) = static_cast<float>(mean);
      target_scale_(c) = safe_std((col.array() - mean).square().mean());
    }
  }
}

GeneExpressionDistribution GeneExpressionDistribution::from_csv(const CsvTable& table, GeneExpressionConfig config) {
  const std::vector<std::string> labels =
      config.label_columns.empty() ? non_numeric_columns(table) : config.label_columns;
  NumericTable data = numeric_features(table, labels);
  std::vector<std::string> sample_labels;
  if (!labels.empty()) {
    const int c = table.column_index(labels.front());
    for (const auto& row : table.rows) sample_labels.push_back(row[c]);
  }
  return GeneExpressionDistribution(std::move(data.x), std::move(data.feature_names), std::move(config),
                                    std::move(sample_labels));
}

std::vector<std::string> GeneExpressionDistribution::landmark_names() const {
  std::vector<std::string> names;
  for (int c : landmarks_) names.push_back(gene_names_[c]);
  return names;
}

const std::vector<int>& GeneExpressionDistribution::target_genes(Split split) const {
  return splits_[split_index(split)];
}

Split GeneExpressionDistribution::split_of(int gene) const {
  if (gene < 0 || gene >= num_genes())
    invalid("gene index " + std::to_string(gene) + " out of range (" + std::to_string(num_genes()) + " genes)");
  if (split_of_[gene] < 0) invalid("gene '" + gene_names_[gene] + "' is a landmark, not a target");
  return static_cast<Split>(split_of_[gene]);
}

float GeneExpressionDistribution::target_offset(int gene) const {
  split_of(gene);  // validates
  return target_offset_(gene);
}

float GeneExpressionDistribution::target_scale(int gene) const {
  split_of(gene);
  return target_scale_(gene);
}

GeneExpressionTask GeneExpressionDistribution::sample_detailed(Split split, Rng& rng) const {
  const std::vector<int>& genes = target_genes(split);
  const int gene = genes[static_cast<std::size_t>(rng.below(genes.size()))];
  return task_for_gene(gene, rng);
}

GeneExpressionTask GeneExpressionDistribution::task_for_gene(int gene, Rng& rng) const {
  GeneExpressionTask out;
  out.split = split_of(gene);
  out.gene = gene;
  out.gene_name = gene_names_[gene];

  // K + Q distinct rows: a partial Fisher-Yates shuffle.
  const int n = num_samples(), k = config_.support_size, q = config_.query_size;
  std::vector<int> rows(n);
  std::iota(rows.begin(), rows.end(), 0);
  for (int i = 0; i < k + q; ++i) {
    const int j = i + static_cast<int>(rng.below(static_cast<std::uint64_t>(n - i)));
    std::swap(rows[i], rows[j]);
  }
  out.support_rows.assign(rows.begin(), rows.begin() + k);
  out.query_rows.assign(rows.begin() + k, rows.begin() + k + q);

  const float offset = target_offset_(gene), scale = target_scale_(gene);
  auto fill = [&](const std::vector<int>& idx, Matrix& x, Matrix& y) {
    const int m = static_cast<int>(idx.size());
    x.resize(m, features_.cols());
    y.resize(m, 1);
    for (int i = 0; i < m; ++i) {
      x.row(i) = features_.row(idx[i]);
      y(i, 0) = (raw_(idx[i], gene) - offset) / scale;
    }
  };
  fill(out.support_rows, out.task.support_x, out.task.support_y);
  fill(out.query_rows, out.task.query_x, out.task.query_y);
  out.task.num_classes = 0;
  out.task.info = "gene " + out.gene_name + " (" + split_name(out.split) + "), " + std::to_string(k) +
                  " support / " + std::to_string(q) + " query samples";
  return out;
}

}  // namespace metalab
