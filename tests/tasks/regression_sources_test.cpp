// The promoter and gene-expression TaskSource adapters and the factory that
// builds every regression source from string options (and so from a
// checkpoint's "task.*" metadata).
#include "core/tasks/regression_sources.h"

#include <gtest/gtest.h>

#include <sstream>

namespace metalab {
namespace {

TaskOptions strip(const std::map<std::string, std::string>& description) {
  return task_options_from_metadata(description);
}

void expect_same_tasks(const TaskSource& a, const TaskSource& b, Split split) {
  Rng ra(77), rb(77);
  for (int i = 0; i < 3; ++i) {
    const Task x = a.sample(split, ra), y = b.sample(split, rb);
    EXPECT_EQ(x.support_x, y.support_x);
    EXPECT_EQ(x.support_y, y.support_y);
    EXPECT_EQ(x.query_x, y.query_x);
    EXPECT_EQ(x.query_y, y.query_y);
  }
}

// 30 samples x 12 genes with a label column; gene j = j-th multiple of a
// per-sample factor plus a deterministic wiggle.
CsvTable small_expression_table(int samples = 30) {
  std::ostringstream csv;
  csv << "tissue";
  for (int g = 0; g < 12; ++g) csv << ",G" << g;
  csv << "\n";
  for (int s = 0; s < samples; ++s) {
    csv << "\"t" << s % 3 << "\"";
    for (int g = 0; g < 12; ++g) csv << "," << (s % 7) * 0.3 + g * 0.1 + ((s * 31 + g * 17) % 11) * 0.05;
    csv << "\n";
  }
  return parse_csv_string(csv.str(), "small.csv");
}

TEST(RegressionSources, SinusoidDescriptionRoundTripsExactly) {
  SinusoidSource defaults;
  auto rebuilt = make_regression_source(strip(defaults.description()));
  EXPECT_EQ(rebuilt->name(), "sinusoid");
  EXPECT_EQ(rebuilt->description(), defaults.description());
  expect_same_tasks(defaults, *rebuilt, Split::MetaTrain);
  auto k5 = make_regression_source("sinusoid", {{"support", "5"}, {"amplitude", "1,2"}});
  Rng rng(1);
  const Task t = k5->sample(Split::MetaTest, rng);
  EXPECT_EQ(t.support_x.rows(), 5);
}

TEST(RegressionSources, PromoterFromOptionsAndBack) {
  auto src = make_regression_source("promoter", {{"support", "4"}, {"query", "6"}, {"features", "onehot"},
                                                 {"sequence_length", "40"}, {"cell_types", "20"}, {"seed", "3"}});
  EXPECT_EQ(src->name(), "promoter");
  EXPECT_EQ(src->input_dim(), 4 * 40);
  EXPECT_EQ(src->output_dim(), 1);
  Rng rng(2);
  const Task t = src->sample(Split::MetaTrain, rng);
  EXPECT_EQ(t.support_x.rows(), 4);
  EXPECT_EQ(t.query_x.rows(), 6);
  auto again = make_regression_source(strip(src->description()));
  EXPECT_EQ(again->description(), src->description());
  expect_same_tasks(*src, *again, Split::MetaTest);
  auto kmer = make_regression_source("promoter", {{"kmer_max", "2"}});
  EXPECT_EQ(kmer->input_dim(), 4 + 16);
}

TEST(RegressionSources, GenesFromATableAndBack) {
  const CsvTable table = small_expression_table();
  auto src = make_regression_source("genes", {{"landmarks", "4"}, {"support", "5"}, {"query", "5"}}, &table);
  EXPECT_EQ(src->input_dim(), 4);
  Rng rng(3);
  const Task t = src->sample(Split::MetaValidation, rng);
  EXPECT_EQ(t.support_x.rows(), 5);
  EXPECT_EQ(t.support_x.cols(), 4);
  const auto d = src->description();
  EXPECT_EQ(d.at("task.samples"), "30");
  EXPECT_EQ(d.at("task.genes"), "12");
  EXPECT_EQ(d.at("task.data_hash").size(), 16u);
  auto again = make_regression_source(strip(d), &table);
  expect_same_tasks(*src, *again, Split::MetaTrain);
  // Landmarks by name.
  auto named = make_regression_source("genes", {{"landmarks", "G1,G5"}}, &table);
  EXPECT_EQ(named->input_dim(), 2);
}

TEST(RegressionSources, GenesDetectOtherData) {
  const CsvTable table = small_expression_table();
  auto src = make_regression_source("genes", {{"landmarks", "4"}, {"support", "5"}, {"query", "5"}}, &table);
  const CsvTable other = small_expression_table(29);
  try {
    make_regression_source(strip(src->description()), &other);
    FAIL() << "expected an error for other data";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("small.csv"), std::string::npos) << e.what();
  }
}

TEST(RegressionSources, ErrorsNameTheProblem) {
  auto message = [](const std::function<void()>& f) {
    try {
      f();
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message([] { make_regression_source("circles", {}); }).find("circles"), std::string::npos);
  EXPECT_NE(message([] { make_regression_source("sinusoid", {{"landmarks", "3"}}); }).find("landmarks"),
            std::string::npos);
  EXPECT_NE(message([] { make_regression_source("sinusoid", {{"support", "ten"}}); }).find("support"),
            std::string::npos);
  EXPECT_NE(message([] { make_regression_source("sinusoid", {{"x", "1"}}); }).find("'x'"), std::string::npos);
  EXPECT_NE(message([] { make_regression_source("promoter", {{"features", "wavelets"}}); }).find("features"),
            std::string::npos);
  EXPECT_NE(message([] { make_regression_source("genes", {}); }).find("--csv"), std::string::npos);
  const CsvTable table = small_expression_table();
  // K + Q larger than the 30 samples.
  EXPECT_NE(message([&] { make_regression_source("genes", {{"support", "20"}, {"query", "20"}}, &table); })
                .find("exceeds"),
            std::string::npos);
  EXPECT_NE(message([&] { make_regression_source("genes", {{"landmarks", "NOPE"}}, &table); }).find("NOPE"),
            std::string::npos);
}

TEST(RegressionSources, NamesAndOptionLists) {
  EXPECT_EQ(task_family_names(TaskKind::Regression), (std::vector<std::string>{"sinusoid", "promoter", "genes"}));
  EXPECT_NO_THROW(make_regression_source("sinusoid", {}));
  EXPECT_NO_THROW(make_regression_source("promoter", {}));
  EXPECT_THROW(make_regression_source("genes", {}), std::invalid_argument);  // needs its table
  EXPECT_EQ(format_exact(0.1), "0.1");
  EXPECT_EQ(std::stod(format_exact(3.141592653589793)), 3.141592653589793);
}

}  // namespace
}  // namespace metalab
