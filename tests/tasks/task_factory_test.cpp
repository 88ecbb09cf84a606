// Tests of core/tasks/task_factory: every task family is built by one core
// factory from string options and data the caller read; a description()
// rebuilds the same tasks; errors name the option; two setups compare with
// numbers by value.
#include "core/tasks/task_factory.h"

#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "core/io/idx.h"
#include "core/io/safetensors.h"
#include "core/tasks/classification_tasks.h"
#include "core/tasks/sequence_episodes.h"
#include "tests/support/png_fixture.h"
#include "tests/tasks/bio_data.h"

namespace metalab {
namespace {

// 200 rows, 10 classes x 20, 12 numeric features, label in the first column.
CsvTable small_table() {
  std::ostringstream csv;
  csv << "tissue";
  for (int g = 0; g < 12; ++g) csv << ",g" << g;
  csv << "\n";
  for (int r = 0; r < 200; ++r) {
    csv << "t" << r % 10;
    for (int g = 0; g < 12; ++g) csv << "," << (r % 10) * 1.5 + g * 0.2 + ((r * 13 + g * 7) % 17) * 0.1;
    csv << "\n";
  }
  return parse_csv_string(csv.str(), "small.csv");
}

// 4 class folders x 4 PNGs of 6 x 6, the classes differ in brightness.
std::vector<ImageFile> image_files() {
  std::vector<ImageFile> files;
  for (int c = 0; c < 4; ++c)
    for (int i = 0; i < 4; ++i)
      files.push_back({"class" + std::to_string(c) + "/" + std::to_string(i) + ".png",
                       test::png(6, 6, 1, [&](int y, int x, int) {
                         return static_cast<unsigned char>(40 * c + 5 * i + (x + y) % 3);
                       })});
  return files;
}

// 40 IDX images of 5 x 5, labels 0..4.
std::pair<std::string, std::string> idx_files() {
  IdxArray images, labels;
  images.dims = {40, 5, 5};
  labels.dims = {40};
  for (int n = 0; n < 40; ++n) {
    labels.data.push_back(static_cast<std::uint8_t>(n % 5));
    for (int p = 0; p < 25; ++p) images.data.push_back(static_cast<std::uint8_t>((n % 5) * 50 + (p * n) % 7));
  }
  return {write_idx(images), write_idx(labels)};
}

struct Fixture {
  CsvTable table = small_table();
  std::vector<ImageFile> files = image_files();
  std::pair<std::string, std::string> idx = idx_files();
  // The biomedical families' shipped data (assets/data).
  CsvTable chains = parse_csv_string(test::read_asset("transducin_ss.csv"), "transducin_ss.csv");
  CsvTable cells = parse_csv_string(test::read_asset("guo_cells.csv"), "guo_cells.csv");
  std::map<std::string, std::string> bio_files{{"fasta", test::read_asset("protein_families.fasta")},
                                               {"t1", test::read_asset("colin27_t1_2mm.nii")},
                                               {"atlas", test::read_asset("colin27_aal_2mm.nii")},
                                               {"atlas_names", test::read_asset("aal_regions.csv")}};
  // What a caller reads for `family` (the small table unless the family has its own).
  TaskData data(const std::string& family = "") const {
    TaskData d;
    d.table = family == "protein-ss" ? &chains : family == "cell-stages" ? &cells : &table;
    d.image_files = &files;
    d.idx_images = idx.first;
    d.idx_labels = idx.second;
    for (const auto& [key, bytes] : bio_files) d.files[key] = bytes;
    return d;
  }
};

// Small options for every family, enough to sample from every split.
TaskOptions small_options(const std::string& family) {
  if (family == "sinusoid") return {{"support", "4"}};
  if (family == "promoter") return {{"cell_types", "20"}, {"sequence_length", "30"}};
  if (family == "genes") return {{"landmarks", "3"}, {"support", "4"}, {"query", "4"}};
  if (family == "glyphs") return {{"glyph_size", "8"}, {"glyph_classes", "30"}, {"ways", "3"}};
  if (family == "csv") return {{"label", "tissue"}, {"ways", "2"}, {"shots", "2"}, {"queries", "2"}};
  if (family == "images" || family == "idx")
    return {{"ways", "2"}, {"shots", "1"}, {"queries", "2"}, {"train_fraction", "0.5"}};
  if (family == "protein-families") return {{"fasta", "protein_families.fasta"}, {"length", "32"}};
  if (family == "protein-ss") return {{"shots", "2"}, {"queries", "3"}};
  if (family == "mri-regions") return {{"t1", "t1.nii"}, {"atlas", "aal.nii"}, {"atlas_names", "aal.csv"}, {"patch", "8"}};
  if (family == "cell-stages") return {{"ways", "3"}};
  if (family == "glyph-sequences") return {{"glyph_size", "8"}, {"glyph_classes", "30"}, {"ways", "3"}, {"instances", "3"}};
  return {{"ways", "2"}, {"instances", "3"}};  // table-sequences
}

void expect_same_tasks(const TaskSource& a, const TaskSource& b) {
  Rng ra(11), rb(11);
  for (Split split : {Split::MetaTrain, Split::MetaTest}) {
    const Task x = a.sample(split, ra), y = b.sample(split, rb);
    EXPECT_EQ(x.support_x, y.support_x);
    EXPECT_EQ(x.support_y, y.support_y);
    EXPECT_EQ(x.query_x, y.query_x);
    EXPECT_EQ(x.query_y, y.query_y);
  }
}

// The usage example of task_factory.h, as written there.
TEST(TaskFactory, HeaderExample) {
  const CsvTable table = small_table();
  auto sin = make_task_source({{"name", "sinusoid"}, {"support", "5"}});
  TaskData data;
  data.table = &table;
  auto csv = make_task_source({{"name", "csv"}, {"label", "tissue"}, {"ways", "3"}}, data);
  Checkpoint ckpt;
  ckpt.metadata = csv->description();
  auto again = make_task_source(task_options_from_metadata(ckpt.metadata), data);
  EXPECT_EQ(sin->name(), "sinusoid");
  EXPECT_EQ(csv->output_dim(), 3);
  EXPECT_EQ(again->description(), csv->description());
  EXPECT_EQ(find_task_family("idx")->input, TaskInput::IdxFiles);
  EXPECT_TRUE(same_task_setup({{"train_fraction", "0.70"}}, {{"train_fraction", "0.7"}}));
}

// The usage example of classification_tasks.h, as written there.
TEST(TaskFactory, ClassificationHeaderExample) {
  const CsvTable table = small_table();
  TaskData data;
  data.table = &table;
  auto src = make_classification_task({{"name", "csv"}, {"label", "tissue"}, {"ways", "3"}}, data);
  const auto d = src->description();
  EXPECT_EQ(d.at("task.name"), "csv");
  EXPECT_EQ(d.at("task.label"), "tissue");
  EXPECT_EQ(d.at("task.ways"), "3");
  EXPECT_EQ(d.at("task.shots"), "1");
  EXPECT_EQ(d.at("task.rows"), "200");
}

TEST(TaskFactory, EveryFamilyIsBuiltFromOptionsAndRebuiltFromItsDescription) {
  const Fixture f;
  std::set<std::string> seen;
  for (const TaskFamily& family : task_families()) {
    SCOPED_TRACE(family.name);
    TaskOptions options = small_options(family.name);
    options["name"] = family.name;
    const auto src = make_task_source(options, f.data(family.name));
    EXPECT_EQ(src->name(), family.name);
    EXPECT_EQ(src->kind(), family.kind);
    EXPECT_EQ(task_kind(family.name), family.kind);
    const auto description = src->description();
    EXPECT_EQ(description.at("task.name"), family.name);
    // Every given option is recorded, with the value used (genes records the
    // landmark genes it chose by name, not their count).
    for (const auto& [key, value] : options) {
      if (key == "landmarks") continue;
      ASSERT_TRUE(description.count("task." + key)) << key;
      EXPECT_TRUE(same_option_value(description.at("task." + key), value)) << key;
    }
    const auto again = make_task_source(task_options_from_metadata(description), f.data(family.name));
    EXPECT_EQ(again->description(), description);
    expect_same_tasks(*src, *again);
    seen.insert(family.name);
  }
  EXPECT_EQ(seen.size(), 13u);
  EXPECT_EQ(task_family_names(TaskKind::Classification),
            (std::vector<std::string>{"glyphs", "csv", "images", "idx", "protein-families", "protein-ss", "mri-regions",
                                      "cell-stages"}));
}

// The checkpoints shipped with the page recorded their tasks with earlier
// factories: today's rebuild exactly those tasks, and describe them alike.
TEST(TaskFactory, ShippedCheckpointsRebuildTheirTasks) {
  const std::string root = std::string(METALAB_SOURCE_DIR) + "/";
  const CsvTable tissue = load_csv_file(root + "assets/data/tissue_gene_expression.csv");
  TaskData data;
  data.table = &tissue;
  for (const char* name : {"sinusoid-maml", "promoter-maml", "genes-maml", "protonet-glyphs14", "matchingnet-glyphs14",
                           "mann-glyphs14", "lstm-glyphs14"}) {
    SCOPED_TRACE(name);
    const Checkpoint c = load_safetensors_file(root + "assets/checkpoints/" + name + ".safetensors");
    std::map<std::string, std::string> recorded;
    for (const auto& [k, v] : c.metadata)
      if (k.rfind("task.", 0) == 0) recorded[k] = v;
    ASSERT_FALSE(recorded.empty());
    const auto src = make_task_source(task_options_from_metadata(c.metadata), data);
    EXPECT_EQ(src->description(), recorded);
  }
}

TEST(TaskFactory, FamiliesReadOnlyTheDataTheyNeed) {
  for (const TaskFamily& family : task_families()) {
    if (family.input == TaskInput::None) continue;
    TaskOptions options = small_options(family.name);
    options["name"] = family.name;
    EXPECT_THROW(make_task_source(options), std::invalid_argument) << family.name;  // no data handed over
  }
  // The images family decodes the files with its options.
  const Fixture f;
  auto src = make_task_source(
      {{"name", "images"}, {"image_size", "4"}, {"ways", "2"}, {"queries", "2"}, {"train_fraction", "0.5"}}, f.data());
  EXPECT_TRUE(src->images());
  EXPECT_EQ(src->image_height(), 4);
  EXPECT_EQ(src->input_dim(), 16);
  const auto* cls = dynamic_cast<const ClassificationTaskSource*>(src.get());
  ASSERT_NE(cls, nullptr);
  EXPECT_EQ(cls->inner().class_split().train.size(), 2u);
}

// What went wrong, for f() expected to throw std::invalid_argument.
template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

TEST(TaskFactory, ErrorsNameTheOption) {
  const Fixture f;
  EXPECT_NE(error_of([&] { make_task_source({{"name", "circles"}}); }).find("unknown task 'circles' (expected one of: sinusoid"),
            std::string::npos);
  EXPECT_NE(error_of([&] { make_task_source({}); }).find("no 'name'"), std::string::npos);
  for (const TaskFamily& family : task_families()) {
    TaskOptions options = small_options(family.name);
    options["name"] = family.name;
    options["wayz"] = "3";
    try {
      make_task_source(options, f.data(family.name));
      ADD_FAILURE() << family.name << " took an unknown option";
    } catch (const OptionError& e) {
      EXPECT_EQ(e.key(), "wayz") << family.name;
      EXPECT_NE(std::string(e.what()).find(std::string(family.name) + " task option 'wayz': unknown (known: "),
                std::string::npos)
          << e.what();
    }
  }
  try {
    make_task_source({{"name", "glyphs"}, {"ways", "1"}});
    ADD_FAILURE();
  } catch (const OptionError& e) {
    EXPECT_STREQ(e.what(), "glyphs task option 'ways': expected an integer >= 2, got '1'");
  }
  try {
    make_task_source({{"name", "csv"}, {"label", "organ"}}, f.data());
    ADD_FAILURE();
  } catch (const OptionError& e) {
    EXPECT_EQ(e.key(), "label");
    EXPECT_EQ(e.problem(), "small.csv: no column named 'organ' (columns: 'tissue', 'g0', 'g1', 'g2', 'g3', 'g4', 'g5', 'g6', ... (13 in "
            "all)); columns that hold text: tissue");
  }
  EXPECT_NE(error_of([&] { make_task_source({{"name", "csv"}}, f.data()); }).find("give the label column"),
            std::string::npos);
  EXPECT_NE(error_of([&] { make_task_source({{"name", "promoter"}, {"features", "wavelets"}}); })
                .find("promoter task option 'features': expected kmer, onehot or motif, got 'wavelets'"),
            std::string::npos);
  EXPECT_NE(error_of([&] { make_task_source({{"name", "sinusoid"}, {"amplitude", "1"}}); })
                .find("expected two numbers 'lo,hi', got '1'"),
            std::string::npos);
  // A checkpoint's table check: another table is refused.
  auto src = make_task_source({{"name", "csv"}, {"label", "tissue"}, {"ways", "3"}}, f.data());
  TaskOptions other = task_options_from_metadata(src->description());
  other["rows"] = "201";
  EXPECT_NE(error_of([&] { make_task_source(other, f.data()); }).find("small.csv has 200 rows"), std::string::npos);
}

TEST(TaskSetups, CompareNumbersByValueAndSayHowTheyDiffer) {
  const TaskOptions ours{{"name", "glyphs"}, {"ways", "5"}, {"train_fraction", "0.7"}, {"cache", "true"}};
  EXPECT_TRUE(same_task_setup({{"name", "glyphs"}, {"ways", "5"}, {"train_fraction", "0.69999999999999996"}}, ours));
  EXPECT_TRUE(same_task_setup({{"name", "glyphs"}, {"ways", "5.0"}, {"train_fraction", "0.70"}, {"cache", "false"},
                               {"extra", "x"}},
                              ours));  // cache says how, not which; keys only theirs has do not count
  const auto d = task_setup_differences({{"name", "glyphs"}, {"ways", "3"}}, ours);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].key, "train_fraction");
  EXPECT_TRUE(d[0].missing);
  EXPECT_EQ(d[1].key, "ways");
  EXPECT_EQ(d[1].theirs, "3");
  EXPECT_EQ(d[1].ours, "5");
  EXPECT_FALSE(d[1].missing);
  EXPECT_EQ(describe_differences(d), "train_fraction ? (here 0.7), ways 3 (here 5)");
  EXPECT_EQ(describe_differences(d, 1), "train_fraction ? (here 0.7), ...");
  EXPECT_FALSE(same_task_setup({{"name", "csv"}, {"ways", "5"}, {"train_fraction", "0.7"}}, ours));
}

}  // namespace
}  // namespace metalab
