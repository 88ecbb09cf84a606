// Sequence episodes for the memory-augmented network
// (core/tasks/sequence_episodes.h): what an episode contains, delayed-label
// alignment, the Task form, class and row splits, standardisation with
// meta-train statistics, and accuracy by presentation with its interval.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/io/csv.h"
#include "core/learners/mann.h"
#include "core/tasks/sequence_episodes.h"
#include "core/tasks/task_factory.h"

namespace metalab {
namespace {

GlyphSourceConfig small_glyphs() {
  GlyphSourceConfig g;
  g.glyph.size = 12;
  g.num_classes = 40;
  g.instances = 12;
  g.train_fraction = 0.6;
  g.validation_fraction = 0.1;
  g.seed = 3;
  g.split_seed = 4;
  return g;
}

TEST(MannEpisodes, AnEpisodeHoldsEveryClassInstancesTimesInOneRandomOrder) {
  SequenceEpisodeConfig cfg;  // 5 ways, 10 instances
  auto src = make_glyph_sequence_source(small_glyphs(), cfg);
  Rng rng(1);
  const SequenceEpisode e = src->sample_episode(Split::MetaTrain, rng);
  ASSERT_EQ(e.steps(), 50);
  EXPECT_EQ(e.x.rows(), 50);
  EXPECT_EQ(e.x.cols(), 144);
  EXPECT_EQ(e.ways, 5);
  // Distinct classes from the meta-train split.
  const std::set<int> classes(e.classes.begin(), e.classes.end());
  EXPECT_EQ(classes.size(), 5u);
  for (int c : e.classes) {
    const auto& train = src->usable_classes(Split::MetaTrain);
    EXPECT_NE(std::find(train.begin(), train.end(), c), train.end());
  }
  // Every label 10 times; instance numbers count presentations in order;
  // the items of a class are distinct; x_t is that class's item.
  std::vector<int> seen(5, 0);
  std::vector<std::set<int>> items(5);
  for (int t = 0; t < 50; ++t) {
    const int y = e.labels[t];
    ASSERT_GE(y, 0);
    ASSERT_LT(y, 5);
    EXPECT_EQ(e.instance[t], ++seen[y]);
    EXPECT_TRUE(items[y].insert(e.items[t]).second) << "item repeated in an episode";
    const Matrix expected = render_glyph(e.classes[y], e.items[t], small_glyphs().glyph, 3);
    EXPECT_EQ(Matrix(e.x.row(t)), expected);
  }
  for (int c = 0; c < 5; ++c) EXPECT_EQ(seen[c], 10);
  // Not sorted by class: the order is shuffled.
  EXPECT_FALSE(std::is_sorted(e.labels.begin(), e.labels.end()));
}

TEST(MannEpisodes, LabelsAreReshuffledEveryEpisodeAndSplitsAreDisjoint) {
  SequenceEpisodeConfig cfg;
  cfg.ways = 3;
  cfg.instances = 2;
  auto src = make_glyph_sequence_source(small_glyphs(), cfg);
  const auto& train = src->usable_classes(Split::MetaTrain);
  const auto& test = src->usable_classes(Split::MetaTest);
  for (int c : test) EXPECT_EQ(std::find(train.begin(), train.end(), c), train.end()) << "class " << c;
  // The same class gets different labels in different episodes.
  Rng rng(2);
  std::map<int, std::set<int>> labels_of_class;
  for (int i = 0; i < 300; ++i) {
    const SequenceEpisode e = src->sample_episode(Split::MetaTrain, rng);
    for (int y = 0; y < 3; ++y) labels_of_class[e.classes[y]].insert(y);
  }
  int reshuffled = 0;
  for (const auto& [c, ys] : labels_of_class) reshuffled += ys.size() > 1;
  EXPECT_GT(reshuffled, static_cast<int>(labels_of_class.size()) / 2);
  // Test episodes use test classes only.
  const SequenceEpisode e = src->sample_episode(Split::MetaTest, rng);
  for (int c : e.classes) EXPECT_NE(std::find(test.begin(), test.end(), c), test.end());
  // Same seed, same episode.
  Rng a(9), b(9);
  EXPECT_EQ(src->sample_episode(Split::MetaTrain, a).x, src->sample_episode(Split::MetaTrain, b).x);
}

TEST(MannEpisodes, DelayedLabelsMatchTheNetworkInputs) {
  SequenceEpisodeConfig cfg;
  cfg.ways = 4;
  cfg.instances = 3;
  auto src = make_glyph_sequence_source(small_glyphs(), cfg);
  Rng rng(3);
  const SequenceEpisode e = src->sample_episode(Split::MetaTrain, rng);
  const Matrix d = delayed_labels(e.labels, 4);
  ASSERT_EQ(d.rows(), 12);
  EXPECT_TRUE(d.row(0).isZero());
  for (int t = 1; t < 12; ++t) {
    EXPECT_EQ(d.row(t).sum(), 1.0f);
    EXPECT_EQ(d(t, e.labels[t - 1]), 1.0f) << "t " << t;
  }
  // The network's step inputs carry exactly these one-hot columns after x_t.
  const std::vector<Mat<float>> in = sequence_inputs<float>({e.x}, {e.labels}, 4);
  for (int t = 0; t < 12; ++t) {
    EXPECT_EQ(Matrix(in[t].leftCols(144)), Matrix(e.x.row(t)));
    EXPECT_EQ(Matrix(in[t].rightCols(4)), Matrix(d.row(t)));
  }
}

TEST(MannEpisodes, TaskFormHoldsOutTheLastPresentationsOfEachClass) {
  SequenceEpisodeConfig cfg;
  cfg.ways = 3;
  cfg.instances = 4;
  cfg.query_per_class = 1;
  auto src = make_glyph_sequence_source(small_glyphs(), cfg);
  Rng rng(4);
  const SequenceEpisode e = src->sample_episode(Split::MetaTrain, rng);
  const Task t = episode_to_task(e, 1);
  EXPECT_EQ(t.support_x.rows(), 9);
  EXPECT_EQ(t.query_x.rows(), 3);
  EXPECT_EQ(t.num_classes, 3);
  EXPECT_EQ(t.classes, e.classes);
  // Support is the sequence without the 4th presentations, in order.
  int s = 0, q = 0;
  for (int step = 0; step < e.steps(); ++step) {
    if (e.instance[step] == 4) {
      EXPECT_EQ(Matrix(t.query_x.row(q)), Matrix(e.x.row(step)));
      EXPECT_EQ(t.query_y(q++, 0), static_cast<float>(e.labels[step]));
    } else {
      EXPECT_EQ(Matrix(t.support_x.row(s)), Matrix(e.x.row(step)));
      EXPECT_EQ(t.support_y(s++, 0), static_cast<float>(e.labels[step]));
    }
  }
  EXPECT_THROW(episode_to_task(e, 4), std::invalid_argument);
  // As a TaskSource: same shapes, metadata names the episodes.
  Rng r2(5);
  const Task t2 = src->sample(Split::MetaTest, r2);
  EXPECT_EQ(t2.support_x.rows() + t2.query_x.rows(), 12);
  EXPECT_EQ(src->output_dim(), 3);
  EXPECT_TRUE(src->classification());
  EXPECT_EQ(src->description().at("task.episodes"), "sequence");
}

TEST(MannEpisodes, TissueRowsAreSplitByRowAndStandardisedWithMetaTrainRows) {
  const CsvTable table = load_csv_file(std::string(METALAB_SOURCE_DIR) + "/assets/data/tissue_gene_expression.csv");
  LabeledDataset data = dataset_from_table(table, "tissue");
  const Matrix raw = data.x;
  SequenceEpisodeConfig cfg;
  cfg.ways = 5;
  cfg.instances = 5;
  auto src = make_table_sequence_source("tissue", data, cfg, 0.5, 0.0, 7);
  EXPECT_EQ(src->input_dim(), 500);
  // 7 tissues; placenta (6 samples) has 3 rows per split, fewer than 5: left out with a note.
  EXPECT_EQ(src->usable_classes(Split::MetaTrain).size(), 6u);
  EXPECT_EQ(src->usable_classes(Split::MetaTest).size(), 6u);
  EXPECT_FALSE(src->warnings().empty());
  Rng validation_rng(1);
  EXPECT_THROW(src->sample_episode(Split::MetaValidation, validation_rng), std::invalid_argument);
  // Disjoint rows: no standardised meta-test row equals a meta-train row.
  const ExampleBank& train = src->bank(Split::MetaTrain);
  const ExampleBank& test = src->bank(Split::MetaTest);
  std::vector<Matrix> train_rows;
  Eigen::RowVectorXd sum = Eigen::RowVectorXd::Zero(500), sq = Eigen::RowVectorXd::Zero(500);
  int n = 0;
  for (int c = 0; c < train.num_classes(); ++c)
    for (int i = 0; i < train.class_size(c); ++i) {
      Matrix r(1, 500);
      train.example(c, i, r.data());
      train_rows.push_back(r);
      sum += r.row(0).cast<double>();
      sq += r.row(0).cast<double>().cwiseProduct(r.row(0).cast<double>());
      ++n;
    }
  int test_rows = 0;
  for (int c = 0; c < test.num_classes(); ++c)
    for (int i = 0; i < test.class_size(c); ++i) {
      Matrix r(1, 500);
      test.example(c, i, r.data());
      for (const Matrix& t : train_rows) ASSERT_NE(r, t);
      ++test_rows;
    }
  // 189 samples, 4 of them exact duplicates (liver) kept once.
  EXPECT_EQ(n + test_rows, 185);
  EXPECT_EQ(src->description().at("task.duplicates_dropped"), "4");
  // Meta-train features have mean 0 and standard deviation 1 (meta-train statistics).
  const Eigen::RowVectorXd mean = sum / n;
  const Eigen::RowVectorXd var = sq / n - mean.cwiseProduct(mean);
  for (int j = 0; j < 500; ++j) {
    EXPECT_NEAR(mean(j), 0.0, 1e-4) << "feature " << j;
    if (src->standardization.std(j) != 1.0f) {
      EXPECT_NEAR(var(j), 1.0, 1e-3) << "feature " << j;
    }
  }
  // The statistics are those of the meta-train rows of the raw data, not of all rows.
  Eigen::RowVectorXd all_mean = raw.cast<double>().colwise().mean();
  double differ = 0;
  for (int j = 0; j < 500; ++j) differ = std::max(differ, std::abs(all_mean(j) - src->standardization.mean(j)));
  EXPECT_GT(differ, 1e-3);
  // Episodes: 5 tissues x 5 samples.
  Rng rng(8);
  const SequenceEpisode e = src->sample_episode(Split::MetaTest, rng);
  EXPECT_EQ(e.steps(), 25);
}

std::map<std::string, std::string> strip_task_prefix(const std::map<std::string, std::string>& description) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : description)
    if (k.rfind("task.", 0) == 0 && k != "task.name") out[k.substr(5)] = v;
  return out;
}

TEST(MannEpisodes, FactoryOptionsRoundTripThroughTheDescription) {
  const std::map<std::string, std::string> options{{"glyph_classes", "40"}, {"glyph_size", "12"},
                                                   {"glyph_drawings", "12"}, {"ways", "3"},
                                                   {"instances", "4"},       {"train_fraction", "0.6"},
                                                   {"validation_fraction", "0.1"}, {"cache", "false"}};
  auto src = make_sequence_source("glyph-sequences", options);
  const auto d = src->description();
  EXPECT_EQ(d.at("task.name"), "glyph-sequences");
  EXPECT_EQ(src->name(), "glyph-sequences");
  auto again = make_sequence_source(d.at("task.name"), strip_task_prefix(d));
  EXPECT_EQ(again->description(), d);
  Rng a(3), b(3);
  EXPECT_EQ(src->sample_episode(Split::MetaTest, a).x, again->sample_episode(Split::MetaTest, b).x);
  // Defaults: the paper's 5-way, 10-instance episodes of 20 x 20 glyphs.
  const auto defaults = make_sequence_source("glyph-sequences", {{"glyph_classes", "30"}, {"cache", "false"}});
  EXPECT_EQ(defaults->input_dim(), 400);
  EXPECT_EQ(defaults->config().steps(), 50);
  // Errors name the option.
  try {
    make_sequence_source("glyph-sequences", {{"glyph_sise", "12"}});
    FAIL() << "expected an error for an unknown option";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("glyph_sise"), std::string::npos) << e.what();
  }
  EXPECT_THROW(make_sequence_source("glyph-sequences", {{"ways", "two"}}), std::invalid_argument);
  EXPECT_THROW(make_sequence_source("glyph-sequences", {{"ways", "1"}}), std::invalid_argument);
  EXPECT_THROW(make_sequence_source("sequences", {}), std::invalid_argument);
  EXPECT_EQ(task_kind("table-sequences"), TaskKind::Sequence);
  EXPECT_EQ(task_kind("glyphs"), TaskKind::Classification);

  // A table: the label column is guessed, and a different table is refused.
  const CsvTable table = load_csv_file(std::string(METALAB_SOURCE_DIR) + "/assets/data/tissue_gene_expression.csv");
  auto tissue = make_sequence_source("table-sequences", {{"instances", "5"}}, &table);
  const auto td = tissue->description();
  EXPECT_EQ(td.at("task.label"), "tissue");
  EXPECT_EQ(td.at("task.rows"), "189");
  EXPECT_EQ(make_sequence_source("table-sequences", strip_task_prefix(td), &table)->description(), td);
  auto changed = strip_task_prefix(td);
  changed["features"] = "20";
  EXPECT_THROW(make_sequence_source("table-sequences", changed, &table), std::invalid_argument);
  EXPECT_THROW(make_sequence_source("table-sequences", {}, nullptr), std::invalid_argument);
}

TEST(MannEpisodes, AccuracyByPresentationWithIntervals) {
  // Two ways, two presentations each: labels 0 1 0 1, instances 1 1 2 2.
  SequenceEpisode e;
  e.ways = 2;
  e.labels = {0, 1, 0, 1};
  e.instance = {1, 1, 2, 2};
  e.x = Matrix::Zero(4, 1);
  InstanceAccuracy acc(2);
  acc.add(e, {1, 1, 0, 1});  // first presentations: 1 of 2; second: 2 of 2
  acc.add(e, {1, 0, 0, 0});  // first: 0 of 2; second: 1 of 2
  EXPECT_EQ(acc.episodes(), 2);
  EXPECT_DOUBLE_EQ(acc.accuracy(1), 0.25);
  EXPECT_DOUBLE_EQ(acc.accuracy(2), 0.75);
  EXPECT_DOUBLE_EQ(acc.overall(), 4.0 / 8.0);
  // Per-episode accuracies at presentation 1: 0.5 and 0 -> sd = 0.3536, CI = 1.96 * sd / sqrt(2).
  EXPECT_NEAR(acc.ci95(1), 1.96 * std::sqrt(0.125) / std::sqrt(2.0), 1e-12);
  EXPECT_NE(acc.table({1, 2, 10}).find("75.0%"), std::string::npos);
  EXPECT_THROW(acc.add(e, {0, 1}), std::invalid_argument);
  EXPECT_THROW(acc.accuracy(3), std::invalid_argument);
}

}  // namespace
}  // namespace metalab
