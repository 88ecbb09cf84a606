#include "core/tasks/gene_expression.h"

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <functional>
#include <set>
#include <stdexcept>
#include <string>

namespace metalab {
namespace {

const CsvTable& tissue_table() {
  static const CsvTable t = load_csv_file(std::string(METALAB_SOURCE_DIR) + "/assets/data/tissue_gene_expression.csv");
  return t;
}

// A small synthetic matrix: n samples x g genes with distinct values.
GeneExpressionDistribution small(int n, int g, GeneExpressionConfig cfg) {
  Matrix x(n, g);
  std::vector<std::string> names;
  Rng rng(5);
  for (int c = 0; c < g; ++c) {
    names.push_back("g" + std::to_string(c));
    for (int r = 0; r < n; ++r) x(r, c) = static_cast<float>(rng.normal(c * 0.1, 1.0 + c * 0.01));
  }
  return GeneExpressionDistribution(x, names, cfg);
}

void expect_invalid(const std::function<void()>& f, const char* fragment) {
  try {
    f();
    ADD_FAILURE() << "expected std::invalid_argument mentioning '" << fragment << "'";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

double variance(const Matrix& m, int c) {
  const Eigen::ArrayXd col = m.col(c).cast<double>().array();
  return (col - col.mean()).square().mean();
}

TEST(GeneExpression, TissueDataDefaults) {
  const auto dist = GeneExpressionDistribution::from_csv(tissue_table());
  EXPECT_EQ(dist.num_samples(), 189);
  EXPECT_EQ(dist.num_genes(), 500);
  ASSERT_EQ(dist.landmarks().size(), 20u);
  ASSERT_EQ(dist.sample_labels().size(), 189u);
  EXPECT_EQ(dist.sample_labels().front(), "cerebellum");
  EXPECT_EQ(dist.target_genes(Split::MetaTrain).size(), 336u);  // 480 targets: 70 / 15 / 15 %
  EXPECT_EQ(dist.target_genes(Split::MetaValidation).size(), 72u);
  EXPECT_EQ(dist.target_genes(Split::MetaTest).size(), 72u);

  // Landmarks are the top-variance genes, in decreasing order of variance.
  const Matrix& raw = dist.raw_expression();
  double min_landmark_var = 1e300;
  for (std::size_t j = 0; j < dist.landmarks().size(); ++j) {
    const double v = variance(raw, dist.landmarks()[j]);
    if (j > 0) {
      EXPECT_LE(v, variance(raw, dist.landmarks()[j - 1]));
    }
    min_landmark_var = std::min(min_landmark_var, v);
  }
  for (Split s : {Split::MetaTrain, Split::MetaValidation, Split::MetaTest})
    for (int c : dist.target_genes(s)) ASSERT_LE(variance(raw, c), min_landmark_var);
}

TEST(GeneExpression, SplitsAreDisjointAndCoverAllTargets) {
  const auto dist = GeneExpressionDistribution::from_csv(tissue_table());
  std::set<int> seen(dist.landmarks().begin(), dist.landmarks().end());
  for (Split s : {Split::MetaTrain, Split::MetaValidation, Split::MetaTest}) {
    for (int c : dist.target_genes(s)) {
      EXPECT_TRUE(seen.insert(c).second) << "gene " << c << " in two places";
      EXPECT_EQ(dist.split_of(c), s);
    }
  }
  EXPECT_EQ(seen.size(), 500u);
  EXPECT_THROW(dist.split_of(dist.landmarks()[0]), std::invalid_argument);
}

TEST(GeneExpression, SplitSeedDecidesTheSplit) {
  GeneExpressionConfig a, b;
  b.split_seed = 1;
  const auto da = GeneExpressionDistribution::from_csv(tissue_table(), a);
  const auto da2 = GeneExpressionDistribution::from_csv(tissue_table(), a);
  const auto db = GeneExpressionDistribution::from_csv(tissue_table(), b);
  EXPECT_EQ(da.target_genes(Split::MetaTest), da2.target_genes(Split::MetaTest));
  EXPECT_NE(da.target_genes(Split::MetaTest), db.target_genes(Split::MetaTest));
  EXPECT_EQ(da.landmarks(), db.landmarks());  // top-variance landmarks do not depend on the seed
}

TEST(GeneExpression, SameSeedSameTasks) {
  const auto dist = GeneExpressionDistribution::from_csv(tissue_table());
  Rng r1(9), r2(9);
  for (int i = 0; i < 5; ++i) {
    const GeneExpressionTask a = dist.sample_detailed(Split::MetaTrain, r1);
    const GeneExpressionTask b = dist.sample_detailed(Split::MetaTrain, r2);
    EXPECT_EQ(a.gene, b.gene);
    EXPECT_EQ(a.support_rows, b.support_rows);
    EXPECT_TRUE(a.task.support_x == b.task.support_x);
    EXPECT_TRUE(a.task.query_y == b.task.query_y);
  }
}

TEST(GeneExpression, TaskContents) {
  GeneExpressionConfig cfg;
  cfg.support_size = 5;
  cfg.query_size = 15;
  const auto dist = GeneExpressionDistribution::from_csv(tissue_table(), cfg);
  Rng rng(3);
  for (Split s : {Split::MetaTrain, Split::MetaValidation, Split::MetaTest}) {
    for (int t = 0; t < 20; ++t) {
      const GeneExpressionTask gt = dist.sample_detailed(s, rng);
      const Task& task = gt.task;
      EXPECT_EQ(gt.split, s);
      ASSERT_EQ(task.support_x.rows(), 5);
      ASSERT_EQ(task.support_x.cols(), 20);
      ASSERT_EQ(task.support_y.cols(), 1);
      ASSERT_EQ(task.query_x.rows(), 15);
      EXPECT_EQ(task.num_classes, 0);
      EXPECT_NE(task.info.find(gt.gene_name), std::string::npos);
      // Support and query rows are disjoint.
      std::set<int> rows(gt.support_rows.begin(), gt.support_rows.end());
      for (int r : gt.query_rows) EXPECT_TRUE(rows.insert(r).second);
      EXPECT_EQ(rows.size(), 20u);
      // Values are the standardised data of those rows.
      for (int i = 0; i < 5; ++i) {
        const int r = gt.support_rows[i];
        EXPECT_TRUE(task.support_x.row(i) == dist.features().row(r));
        const float raw = dist.raw_expression()(r, gt.gene);
        EXPECT_NEAR(task.support_y(i, 0), (raw - dist.target_offset(gt.gene)) / dist.target_scale(gt.gene), 1e-5);
        const int lm = dist.landmarks()[0];
        EXPECT_NEAR(task.support_x(i, 0),
                    (dist.raw_expression()(r, lm) - dist.feature_mean()(0)) / dist.feature_std()(0), 1e-5);
      }
    }
  }
}

TEST(GeneExpression, FeaturesStandardised) {
  const auto dist = GeneExpressionDistribution::from_csv(tissue_table());
  const Matrix& f = dist.features();
  for (int j = 0; j < f.cols(); ++j) {
    EXPECT_NEAR(f.col(j).cast<double>().mean(), 0.0, 1e-4);
    EXPECT_NEAR(std::sqrt(variance(f, j)), 1.0, 1e-4);
  }
}

TEST(GeneExpression, PooledTargetScalingUsesMetaTrainOnly) {
  const auto dist = GeneExpressionDistribution::from_csv(tissue_table());
  const auto& train = dist.target_genes(Split::MetaTrain);
  double sum = 0, ss = 0, count = 0;
  for (int c : train)
    for (int r = 0; r < dist.num_samples(); ++r) {
      const double z = (dist.raw_expression()(r, c) - dist.target_offset(c)) / dist.target_scale(c);
      sum += z;
      ss += z * z;
      ++count;
    }
  EXPECT_NEAR(sum / count, 0.0, 1e-3);
  EXPECT_NEAR(ss / count, 1.0, 1e-3);
  // One shared offset and scale: a test gene's own statistics are not used.
  const int test_gene = dist.target_genes(Split::MetaTest)[0];
  EXPECT_EQ(dist.target_offset(test_gene), dist.target_offset(train[0]));
  EXPECT_EQ(dist.target_scale(test_gene), dist.target_scale(train[0]));
}

TEST(GeneExpression, PerGeneTargetScaling) {
  GeneExpressionConfig cfg;
  cfg.target_scaling = TargetScaling::PerGene;
  const auto dist = GeneExpressionDistribution::from_csv(tissue_table(), cfg);
  for (int c : dist.target_genes(Split::MetaTest)) {
    const Eigen::ArrayXd z =
        (dist.raw_expression().col(c).cast<double>().array() - dist.target_offset(c)) / dist.target_scale(c);
    EXPECT_NEAR(z.mean(), 0.0, 1e-4);
    EXPECT_NEAR(std::sqrt(z.square().mean()), 1.0, 1e-4);
  }
}

TEST(GeneExpression, LandmarkChoices) {
  GeneExpressionConfig first;
  first.landmark_choice = LandmarkChoice::First;
  first.num_landmarks = 3;
  const auto d1 = GeneExpressionDistribution::from_csv(tissue_table(), first);
  EXPECT_EQ(d1.landmarks(), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(d1.landmark_names(), (std::vector<std::string>{"MAML1", "LHPP", "SEPT10"}));
  EXPECT_EQ(d1.features().cols(), 3);

  GeneExpressionConfig random;
  random.landmark_choice = LandmarkChoice::Random;
  const auto r1 = GeneExpressionDistribution::from_csv(tissue_table(), random);
  const auto r2 = GeneExpressionDistribution::from_csv(tissue_table(), random);
  random.split_seed = 77;
  const auto r3 = GeneExpressionDistribution::from_csv(tissue_table(), random);
  EXPECT_EQ(r1.landmarks(), r2.landmarks());
  EXPECT_NE(r1.landmarks(), r3.landmarks());

  GeneExpressionConfig named;
  named.landmark_genes = {"VEGFA", "PER3"};
  named.num_landmarks = 999;  // ignored when names are given
  const auto dn = GeneExpressionDistribution::from_csv(tissue_table(), named);
  EXPECT_EQ(dn.landmark_names(), (std::vector<std::string>{"VEGFA", "PER3"}));
  EXPECT_EQ(dn.target_genes(Split::MetaTrain).size() + dn.target_genes(Split::MetaValidation).size() +
                dn.target_genes(Split::MetaTest).size(),
            498u);
}

TEST(GeneExpression, LeukemiaCsvWithGuessedLabelColumns) {
  const CsvTable t = load_csv_file(std::string(METALAB_SOURCE_DIR) + "/assets/data/ALL_top1000.csv");
  GeneExpressionConfig cfg;
  cfg.num_landmarks = 50;
  const auto dist = GeneExpressionDistribution::from_csv(t, cfg);
  EXPECT_EQ(dist.num_samples(), 128);
  EXPECT_EQ(dist.num_genes(), 1000);
  EXPECT_EQ(dist.sample_labels().front(), "01005");
  cfg.label_columns = {"sample", "BT", "mol.biol"};
  EXPECT_EQ(GeneExpressionDistribution::from_csv(t, cfg).num_genes(), 1000);
  cfg.label_columns = {"BT"};  // "sample" and "mol.biol" would then be genes: mol.biol is text
  EXPECT_THROW(GeneExpressionDistribution::from_csv(t, cfg), DataError);
}

// The tasks carry signal: ridge regression on the landmarks, fitted on a
// generous support set, predicts held-out samples of meta-test genes better
// than the support mean does.
TEST(GeneExpression, LandmarksPredictTargets) {
  GeneExpressionConfig cfg;
  cfg.support_size = 60;
  cfg.query_size = 60;
  const auto dist = GeneExpressionDistribution::from_csv(tissue_table(), cfg);
  Rng rng(11);
  double ridge_mse = 0, mean_mse = 0;
  for (int t = 0; t < 40; ++t) {
    const Task task = dist.sample(Split::MetaTest, rng);
    const Eigen::MatrixXd X = task.support_x.cast<double>();
    const Eigen::VectorXd y = task.support_y.col(0).cast<double>();
    const double ybar = y.mean();
    const Eigen::MatrixXd A = X.transpose() * X + 1.0 * Eigen::MatrixXd::Identity(X.cols(), X.cols());
    const Eigen::VectorXd w = A.ldlt().solve(X.transpose() * (y.array() - ybar).matrix());
    const Eigen::VectorXd pred = (task.query_x.cast<double>() * w).array() + ybar;
    const Eigen::VectorXd yq = task.query_y.col(0).cast<double>();
    ridge_mse += (pred - yq).squaredNorm();
    mean_mse += (yq.array() - ybar).square().sum();
  }
  EXPECT_LT(ridge_mse, 0.8 * mean_mse) << "ridge " << ridge_mse << " vs mean " << mean_mse;
}

TEST(GeneExpression, RejectsInvalidSettings) {
  GeneExpressionConfig big_k;
  big_k.support_size = 100;
  big_k.query_size = 100;
  expect_invalid([&] { GeneExpressionDistribution::from_csv(tissue_table(), big_k); }, "exceeds the 189 samples");

  GeneExpressionConfig all_landmarks;
  all_landmarks.num_landmarks = 500;
  expect_invalid([&] { GeneExpressionDistribution::from_csv(tissue_table(), all_landmarks); },
                 "num_landmarks L = 500 must be smaller than the number of genes (500)");

  GeneExpressionConfig zero_l;
  zero_l.num_landmarks = 0;
  expect_invalid([&] { zero_l.validate(); }, "num_landmarks");

  GeneExpressionConfig zero_k;
  zero_k.support_size = 0;
  expect_invalid([&] { zero_k.validate(); }, "support size K");

  GeneExpressionConfig zero_q;
  zero_q.query_size = 0;
  expect_invalid([&] { zero_q.validate(); }, "query size");

  GeneExpressionConfig fractions;
  fractions.train_fraction = 0.9;
  fractions.validation_fraction = 0.1;
  expect_invalid([&] { fractions.validate(); }, "train_fraction + validation_fraction");
  fractions.train_fraction = 1.5;
  expect_invalid([&] { fractions.validate(); }, "train_fraction");

  GeneExpressionConfig few;
  few.num_landmarks = 2;
  few.support_size = 2;
  few.query_size = 2;
  // 5 genes - 2 landmarks = 3 targets: 70 % -> 2, 15 % -> 0: empty meta-validation.
  expect_invalid([&] { small(10, 5, few); }, "meta-validation split is empty");
  EXPECT_NO_THROW(small(10, 12, few));

  GeneExpressionConfig unknown;
  unknown.landmark_genes = {"VEGFA", "NOT_A_GENE"};
  expect_invalid([&] { GeneExpressionDistribution::from_csv(tissue_table(), unknown); }, "'NOT_A_GENE'");
  GeneExpressionConfig twice;
  twice.landmark_genes = {"VEGFA", "VEGFA"};
  expect_invalid([&] { GeneExpressionDistribution::from_csv(tissue_table(), twice); }, "listed twice");

  Matrix nan_data = Matrix::Ones(30, 10);
  nan_data(3, 4) = std::nanf("");
  std::vector<std::string> names(10, "g");
  expect_invalid([&] { GeneExpressionDistribution(nan_data, names, few); }, "NaN");
  expect_invalid([&] { GeneExpressionDistribution(Matrix::Ones(30, 10), {"a"}, few); }, "gene names");
}

TEST(GeneExpression, ConstantGeneDoesNotDivideByZero) {
  GeneExpressionConfig cfg;
  cfg.num_landmarks = 2;
  cfg.landmark_choice = LandmarkChoice::First;
  cfg.support_size = 3;
  cfg.query_size = 3;
  Matrix x = Matrix::Ones(20, 12);  // all constant
  std::vector<std::string> names;
  for (int c = 0; c < 12; ++c) names.push_back("g" + std::to_string(c));
  const GeneExpressionDistribution dist(x, names, cfg);
  Rng rng(1);
  const Task t = dist.sample(Split::MetaTrain, rng);
  EXPECT_TRUE(t.support_x.allFinite());
  EXPECT_TRUE(t.support_y.allFinite());
}

}  // namespace
}  // namespace metalab
