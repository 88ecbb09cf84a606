#include "core/tasks/episodes.h"

#include <algorithm>
#include <gtest/gtest.h>

#include <set>
#include <stdexcept>

namespace metalab {
namespace {

// classes x per_class examples; example j of class c has features (c, j, c * 100 + j).
LabeledDataset toy(int classes, int per_class, std::vector<int> sizes = {}) {
  LabeledDataset d;
  d.source = "toy";
  int total = 0;
  for (int c = 0; c < classes; ++c) total += sizes.empty() ? per_class : sizes[static_cast<std::size_t>(c)];
  d.x.resize(total, 3);
  int r = 0;
  for (int c = 0; c < classes; ++c) {
    d.class_names.push_back("c" + std::to_string(c));
    const int n = sizes.empty() ? per_class : sizes[static_cast<std::size_t>(c)];
    for (int j = 0; j < n; ++j, ++r) {
      d.x.row(r) << static_cast<float>(c), static_cast<float>(j), static_cast<float>(c * 100 + j);
      d.y.push_back(c);
    }
  }
  return d;
}

EpisodeConfig episodes(int ways, int shots, int queries) {
  EpisodeConfig e;
  e.ways = ways;
  e.shots = shots;
  e.queries = queries;
  return e;
}

TEST(Episodes, ShapesLabelsAndRemapping) {
  ClassSplitConfig split;
  split.train_fraction = 0.5;
  auto src = make_dataset_source("toy", toy(10, 8), split, episodes(3, 2, 4));
  Rng rng(1);
  for (int i = 0; i < 20; ++i) {
    const Episode e = src->sample_episode(Split::MetaTrain, rng);
    const Task& t = e.task;
    ASSERT_EQ(t.num_classes, 3);
    ASSERT_EQ(t.support_x.rows(), 6);
    ASSERT_EQ(t.query_x.rows(), 12);
    ASSERT_EQ(t.classes, e.classes);
    std::set<std::pair<int, int>> used;  // (class, example) never repeats within an episode
    for (int r = 0; r < 6; ++r) {
      const int label = static_cast<int>(t.support_y(r, 0));
      ASSERT_EQ(label, r / 2);  // class by class
      // The row really is an example of the class behind its label.
      ASSERT_EQ(static_cast<int>(t.support_x(r, 0)), e.classes[static_cast<std::size_t>(label)]);
      ASSERT_TRUE(used.insert({e.classes[static_cast<std::size_t>(label)], static_cast<int>(t.support_x(r, 1))}).second);
    }
    for (int r = 0; r < 12; ++r) {
      const int label = static_cast<int>(t.query_y(r, 0));
      ASSERT_EQ(label, r / 4);
      ASSERT_EQ(static_cast<int>(t.query_x(r, 0)), e.classes[static_cast<std::size_t>(label)]);
      ASSERT_TRUE(used.insert({e.classes[static_cast<std::size_t>(label)], static_cast<int>(t.query_x(r, 1))}).second);
    }
  }
}

TEST(Episodes, LabelsMeanDifferentClassesAcrossEpisodes) {
  auto src = make_dataset_source("toy", toy(10, 8), ClassSplitConfig{}, episodes(2, 1, 1));
  Rng rng(2);
  std::set<int> behind_label0;
  for (int i = 0; i < 50; ++i) behind_label0.insert(src->sample(Split::MetaTrain, rng).classes[0]);
  EXPECT_GT(behind_label0.size(), 3u);
}

TEST(Episodes, SplitsNeverMix) {
  ClassSplitConfig split;
  split.train_fraction = 0.5;
  split.validation_fraction = 0.2;
  split.seed = 3;
  auto src = make_dataset_source("toy", toy(20, 5), split, episodes(3, 1, 2));
  const ClassSplit& s = src->class_split();
  std::set<int> train(s.train.begin(), s.train.end()), val(s.validation.begin(), s.validation.end()),
      test(s.test.begin(), s.test.end());
  EXPECT_EQ(train.size() + val.size() + test.size(), 20u);
  Rng rng(4);
  for (int i = 0; i < 100; ++i) {
    for (int c : src->sample(Split::MetaTrain, rng).classes) ASSERT_TRUE(train.count(c));
    for (int c : src->sample(Split::MetaValidation, rng).classes) ASSERT_TRUE(val.count(c));
    for (int c : src->sample(Split::MetaTest, rng).classes) ASSERT_TRUE(test.count(c));
  }
}

TEST(Episodes, SameSeedSameEpisodes) {
  auto src = make_glyph_source(GlyphSourceConfig{}, episodes(5, 1, 3));
  Rng a(9), b(9);
  for (int i = 0; i < 3; ++i) {
    const Task x = src->sample(Split::MetaTest, a), y = src->sample(Split::MetaTest, b);
    EXPECT_TRUE(x.support_x == y.support_x);
    EXPECT_TRUE(x.query_x == y.query_x);
    EXPECT_EQ(x.classes, y.classes);
  }
}

// Another episode shape over the same examples: the bank is shared, the episodes
// are those a source built with that shape draws, and an impossible shape throws.
TEST(Episodes, WithEpisodesSharesTheBank) {
  GlyphSourceConfig g;
  g.num_classes = 40;
  g.instances = 6;
  const auto one = make_glyph_source(g, episodes(5, 1, 2));
  EpisodeConfig five = episodes(5, 3, 2);
  const auto derived = one->with_episodes(five);
  EXPECT_EQ(&derived->bank(), &one->bank());
  EXPECT_EQ(derived->episodes().shots, 3);
  EXPECT_EQ(derived->description(), make_glyph_source(g, five)->description());
  Rng a(4), b(4);
  const Task x = derived->sample(Split::MetaTest, a), y = make_glyph_source(g, five)->sample(Split::MetaTest, b);
  EXPECT_EQ(x.support_x, y.support_x);
  EXPECT_EQ(x.query_y, y.query_y);
  EXPECT_THROW(one->with_episodes(episodes(5, 6, 2)), std::invalid_argument);  // 6 + 2 a class, 6 drawings
}

TEST(Episodes, TestShotsAndWaysMayDiffer) {
  EpisodeConfig e = episodes(10, 1, 5);
  e.test_ways = 5;
  e.test_shots = 5;
  e.test_queries = 2;
  auto src = make_glyph_source(GlyphSourceConfig{}, e);
  Rng rng(1);
  const Task tr = src->sample(Split::MetaTrain, rng);
  EXPECT_EQ(tr.num_classes, 10);
  EXPECT_EQ(tr.support_x.rows(), 10);
  EXPECT_EQ(tr.query_x.rows(), 50);
  const Task te = src->sample(Split::MetaTest, rng);
  EXPECT_EQ(te.num_classes, 5);
  EXPECT_EQ(te.support_x.rows(), 25);
  EXPECT_EQ(te.query_x.rows(), 10);
  EXPECT_EQ(src->output_dim(), 10);
  EXPECT_EQ(src->input_dim(), 28 * 28);
  EXPECT_TRUE(src->images());
  EXPECT_EQ(src->description().at("task.test_shots"), "5");
}

TEST(Episodes, SmallClassesSkippedWithWarning) {
  ClassSplitConfig split;
  split.train_classes = {"c0", "c1", "c2", "c3"};
  split.test_classes = {"c4", "c5", "c6"};
  auto src = make_dataset_source("toy", toy(7, 0, {10, 10, 3, 10, 10, 10, 10}), split, episodes(3, 2, 2));
  ASSERT_EQ(src->warnings().size(), 1u);
  EXPECT_NE(src->warnings()[0].find("'c2'"), std::string::npos) << src->warnings()[0];
  EXPECT_NE(src->warnings()[0].find("3 examples"), std::string::npos) << src->warnings()[0];
  EXPECT_EQ(src->usable_classes(Split::MetaTrain), (std::vector<int>{0, 1, 3}));
  Rng rng(1);
  for (int i = 0; i < 30; ++i)
    for (int c : src->sample(Split::MetaTrain, rng).classes) EXPECT_NE(c, 2);
}

TEST(Episodes, TooFewClassesIsAnErrorThatSaysSo) {
  ClassSplitConfig split;
  split.train_classes = {"c0", "c1", "c2"};
  split.test_classes = {"c3", "c4"};
  try {
    make_dataset_source("toy", toy(5, 10), split, episodes(3, 1, 1));
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("meta-test"), std::string::npos) << m;
    EXPECT_NE(m.find("2 usable classes"), std::string::npos) << m;
    EXPECT_NE(m.find("3 ways"), std::string::npos) << m;
  }
  // A validation split that is too small only fails when sampled.
  split.test_classes = {"c3", "c4", "c5"};
  split.validation_classes = {"c6"};
  auto src = make_dataset_source("toy", toy(7, 10), split, episodes(3, 1, 1));
  EXPECT_EQ(src->warnings().size(), 1u);
  Rng rng(1);
  EXPECT_THROW(src->sample(Split::MetaValidation, rng), std::invalid_argument);
  EXPECT_NO_THROW(src->sample(Split::MetaTest, rng));
}

TEST(Episodes, StandardisationUsesMetaTrainClassesOnly) {
  ClassSplitConfig split;
  split.train_classes = {"c0", "c1"};
  split.test_classes = {"c2", "c3"};
  auto src = make_dataset_source("toy", toy(4, 6), split, episodes(2, 1, 1), /*standardize=*/true);
  // Feature 0 is the class id: over classes 0 and 1 its mean is 0.5.
  EXPECT_FLOAT_EQ(src->standardization.mean(0), 0.5f);
  EXPECT_FLOAT_EQ(src->standardization.mean(1), 2.5f);
  const auto& bank = dynamic_cast<const DatasetBank&>(src->bank());
  const Matrix& x = bank.dataset().x;
  // Train-class features have mean 0; test classes lie beyond (not re-centred with their own data).
  double train_mean = 0;
  for (int c : {0, 1})
    for (int i = 0; i < 6; ++i) train_mean += x(bank.row(c, i), 0);
  EXPECT_NEAR(train_mean / 12, 0.0, 1e-5);
  EXPECT_GT(x(bank.row(3, 0), 0), 2.0f);
}

TEST(Episodes, SplitByGroupsAndNames) {
  LabeledDataset d = toy(6, 4);
  d.class_groups = {"background/a", "background/a", "background/b", "evaluation/c", "evaluation/c", "evaluation/d"};
  ClassSplitConfig by_group;
  by_group.train_groups = {"background"};
  by_group.test_groups = {"evaluation"};
  ClassSplit s = make_class_split(d, by_group);
  EXPECT_EQ(s.train, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(s.test, (std::vector<int>{3, 4, 5}));
  by_group.test_groups = {"nope"};
  EXPECT_THROW(make_class_split(d, by_group), DataError);
  ClassSplitConfig by_name;
  by_name.train_classes = {"c0", "c0"};
  EXPECT_THROW(make_class_split(d, by_name), DataError);
  by_name.train_classes = {"zz"};
  EXPECT_THROW(make_class_split(d, by_name), DataError);
}

TEST(Episodes, RandomSplitKeepsRotationsTogether) {
  LabeledDataset d = toy(12, 3);
  for (int c = 0; c < 12; ++c) d.class_base.push_back(c - c % 4);  // 3 characters x 4 rotations
  ClassSplitConfig cfg;
  cfg.train_fraction = 0.34;
  cfg.validation_fraction = 0.33;
  for (std::uint64_t seed = 0; seed < 5; ++seed) {
    cfg.seed = seed;
    const ClassSplit s = make_class_split(d, cfg);
    for (const auto* part : {&s.train, &s.validation, &s.test}) {
      ASSERT_EQ(part->size(), 4u);
      for (int c : *part) EXPECT_EQ(c - c % 4, (*part)[0] - (*part)[0] % 4);
    }
  }
}

TEST(Episodes, TableAndIdxDatasets) {
  const CsvTable t = parse_csv_string("kind,a,b\nx,1,2\ny,3,4\nx,5,6\n", "t.csv");
  const LabeledDataset d = dataset_from_table(t, "kind");
  EXPECT_EQ(d.num_classes(), 2);
  EXPECT_EQ(d.feature_dim(), 2);
  EXPECT_EQ(d.y, (std::vector<int>{0, 1, 0}));
  EXPECT_EQ(dataset_from_table(t, "", 0).class_names, (std::vector<std::string>{"x", "y"}));

  IdxArray images, labels;
  images.source = "img";
  labels.source = "lab";
  images.dims = {3, 2, 2};
  images.data = {0, 255, 0, 255, 1, 2, 3, 4, 9, 9, 9, 9};
  labels.dims = {3};
  labels.data = {1, 0, 1};
  const LabeledDataset m = dataset_from_idx(images, labels);
  EXPECT_EQ(m.num_classes(), 2);
  EXPECT_EQ(m.image_height, 2);
  EXPECT_FLOAT_EQ(m.x(0, 1), 1.0f);
  labels.dims = {2};
  labels.data = {1, 0};
  EXPECT_THROW(dataset_from_idx(images, labels), DataError);
}

TEST(Episodes, InvalidConfig) {
  EXPECT_THROW(make_glyph_source(GlyphSourceConfig{}, episodes(1, 1, 1)), std::invalid_argument);
  EXPECT_THROW(make_glyph_source(GlyphSourceConfig{}, episodes(5, 0, 1)), std::invalid_argument);
  EpisodeConfig e = episodes(5, 1, 1);
  e.test_shots = -1;
  EXPECT_THROW(make_glyph_source(GlyphSourceConfig{}, e), std::invalid_argument);
  GlyphSourceConfig g;
  g.instances = 20;
  EXPECT_THROW(make_glyph_source(g, episodes(5, 10, 11)), std::invalid_argument);  // every class too small
}

// A feature non-zero in one meta-train row has a tiny deviation; dividing by
// it would put that row sqrt(n) deviations away and let the feature decide
// every distance. Its scale is raised to the other features' median deviation;
// features with different units keep their own scales.
TEST(Episodes, StandardisationFloorsTheScaleOfNearConstantFeatures) {
  LabeledDataset d;
  d.source = "rare";
  const int n = 100, dense = 19;
  d.x = Matrix::Zero(n, dense + 1);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < dense; ++j) d.x(i, j) = static_cast<float>(((i * (j + 3)) % 7) - 3) * (j == 0 ? 100.0f : 1.0f);
    d.y.push_back(i % 2);
  }
  d.x(5, dense) = 1.0f;  // the rare feature: one row of 100
  d.class_names = {"a", "b"};
  LabeledDataset raw = d;
  const Standardization s = standardize_features(d, {0, 1});
  std::vector<float> dense_scales(s.std.data(), s.std.data() + dense);
  std::sort(dense_scales.begin(), dense_scales.end());
  EXPECT_EQ(s.floored, 1);
  EXPECT_FLOAT_EQ(s.std(dense), dense_scales[dense / 2]);
  // Its one non-zero row stays within the range of the other features.
  EXPECT_LT(std::abs(d.x(5, dense)), d.x.leftCols(dense).cwiseAbs().maxCoeff());
  // A feature in other units (x100) is still z-scored with its own deviation.
  const float sd0 = s.std(0);
  EXPECT_GT(sd0, 50.0f * dense_scales[dense / 2]);
  EXPECT_NEAR(d.x(7, 0), (raw.x(7, 0) - s.mean(0)) / sd0, 1e-5);
}
}  // namespace
}  // namespace metalab
