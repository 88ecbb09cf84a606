// The biomedical task sources (protein families, protein secondary structure,
// MRI regions, single-cell stages) on the shipped data: episodes keep the
// meta-train / meta-test split, a description rebuilds the same episodes,
// bad options are named; and the sequence encoders they use.
#include <gtest/gtest.h>

#include <cmath>

#include <algorithm>
#include <set>

#include "core/tasks/cell_stages.h"
#include "core/tasks/mri_regions.h"
#include "core/tasks/protein_families.h"
#include "core/tasks/protein_ss.h"
#include "core/tasks/sequence_features.h"
#include "tests/tasks/bio_data.h"

namespace metalab {
namespace {

using testing::options_from_description;

bool same_task(const Task& a, const Task& b) {
  return a.support_x == b.support_x && a.support_y == b.support_y && a.query_x == b.query_x &&
         a.query_y == b.query_y && a.classes == b.classes;
}

// ---- Sequence features ----

TEST(SequenceFeatures, OneHotWindowsCentreAndPad) {
  std::vector<float> f(static_cast<std::size_t>(one_hot_width(4)));
  // Shorter than the window: centred, zero rows on both sides ((2 - 4) / 2 = -1).
  one_hot_window("AC", centred_start(2, 4), 4, f.data());
  auto at = [&](int pos, char aa) { return f[static_cast<std::size_t>(pos * 20 + amino_acid_index(aa))]; };
  EXPECT_FLOAT_EQ(at(1, 'A'), 1.0f);
  EXPECT_FLOAT_EQ(at(2, 'C'), 1.0f);
  float total = 0;
  for (float v : f) total += v;
  EXPECT_FLOAT_EQ(total, 2.0f);  // positions 0 and 3 are "no residue"
  // Longer: the middle 4 of 8 (2 cut at each end); ambiguous letters share their weight.
  one_hot_window("MMBZXJUO", centred_start(8, 4), 4, f.data());
  EXPECT_FLOAT_EQ(at(0, 'D'), 0.5f);
  EXPECT_FLOAT_EQ(at(0, 'N'), 0.5f);
  EXPECT_FLOAT_EQ(at(1, 'Q'), 0.5f);
  EXPECT_FLOAT_EQ(at(2, 'W'), 1.0f / 20);
  EXPECT_FLOAT_EQ(at(3, 'L'), 0.5f);
  EXPECT_THROW(one_hot_window("MK1", 0, 3, f.data()), std::invalid_argument);
}

TEST(SequenceFeatures, KmerFrequenciesSumToOnePerBlock) {
  std::vector<float> f(static_cast<std::size_t>(kmer_width(2)));
  ASSERT_EQ(f.size(), 420u);
  kmer_frequencies("AAC", 2, f.data());
  EXPECT_FLOAT_EQ(f[static_cast<std::size_t>(amino_acid_index('A'))], 2.0f / 3);
  EXPECT_FLOAT_EQ(f[static_cast<std::size_t>(20 + amino_acid_index('A') * 20 + amino_acid_index('A'))], 0.5f);
  EXPECT_FLOAT_EQ(f[static_cast<std::size_t>(20 + amino_acid_index('A') * 20 + amino_acid_index('C'))], 0.5f);
  // An X breaks the windows that contain it: "AXA" has 2 standard 1-mers and no 2-mer.
  kmer_frequencies("AXA", 2, f.data());
  EXPECT_FLOAT_EQ(f[static_cast<std::size_t>(amino_acid_index('A'))], 1.0f);
  float two = 0;
  for (std::size_t i = 20; i < f.size(); ++i) two += f[i];
  EXPECT_FLOAT_EQ(two, 0.0f);
  EXPECT_THROW(kmer_width(4), std::invalid_argument);
}

// ---- Protein families ----

TEST(ProteinFamilies, EpisodesKeepTheFamilySplit) {
  auto src = make_protein_family_source(testing::protein_family_data(), {{"length", "64"}});
  const ClassSplit& s = src->class_split();
  EXPECT_EQ(s.train.size() + s.test.size(), 17u);
  EXPECT_TRUE(s.validation.empty());
  const std::set<int> test(s.test.begin(), s.test.end()), train(s.train.begin(), s.train.end());
  for (int c : s.train) EXPECT_EQ(test.count(c), 0u);
  // Stratified by size: the two largest families (Globin and fn3, 100 each) are split up.
  const auto fam = protein_families(testing::protein_family_data());
  std::vector<int> by_size(fam.names.size());
  for (std::size_t i = 0; i < by_size.size(); ++i) by_size[i] = static_cast<int>(i);
  std::stable_sort(by_size.begin(), by_size.end(), [&](int a, int b) { return fam.members[a] > fam.members[b]; });
  EXPECT_NE(test.count(by_size[0]), test.count(by_size[1]));
  Rng rng(4);
  for (int i = 0; i < 200; ++i) {
    const Split sp = i % 2 ? Split::MetaTest : Split::MetaTrain;
    const Task t = src->sample(sp, rng);
    EXPECT_EQ(t.support_x.cols(), 64 * 20);
    for (int c : t.classes) EXPECT_EQ((sp == Split::MetaTest ? test : train).count(c), 1u) << c;
  }
  // The description names the split it used, and rebuilds the same episodes.
  const auto d = src->description();
  EXPECT_EQ(d.at("task.name"), "protein-families");
  EXPECT_EQ(d.at("task.sequences"), "515");
  EXPECT_FALSE(d.at("task.test_families").empty());
  auto again = make_protein_family_source(testing::protein_family_data(), options_from_description(d));
  Rng a(9), b(9);
  EXPECT_TRUE(same_task(src->sample(Split::MetaTest, a), again->sample(Split::MetaTest, b)));
  EXPECT_EQ(again->description(), d);
  // Another episode shape over the same data: described as such, and rebuilt alike.
  EpisodeConfig five = src->episodes();
  five.shots = 5;
  five.queries = 2;
  auto reshaped = src->with_described_episodes(five);
  EXPECT_EQ(&reshaped->bank(), &src->bank());
  EXPECT_EQ(reshaped->description().at("task.shots"), "5");
  auto rebuilt = make_protein_family_source(testing::protein_family_data(), options_from_description(reshaped->description()));
  Rng c(9), e(9);
  EXPECT_TRUE(same_task(reshaped->sample(Split::MetaTest, c), rebuilt->sample(Split::MetaTest, e)));
}

TEST(ProteinFamilies, OptionsAndDataAreChecked) {
  const SequenceSet& data = testing::protein_family_data();
  auto kmer = make_protein_family_source(data, {{"features", "kmer"}, {"kmer_max", "1"}});
  EXPECT_EQ(kmer->input_dim(), 20);
  EXPECT_THROW(make_protein_family_source(data, {{"colour", "red"}}), std::invalid_argument);
  EXPECT_THROW(make_protein_family_source(data, {{"features", "pssm"}}), std::invalid_argument);
  EXPECT_THROW(make_protein_family_source(data, {{"length", "0"}}), std::invalid_argument);
  EXPECT_THROW(make_protein_family_source(data, {{"features", "kmer"}, {"length", "64"}}), std::invalid_argument);
  // The length diagnostic: one feature, the log length.
  auto by_length = make_protein_family_source(data, {{"features", "length"}});
  EXPECT_EQ(by_length->input_dim(), 1);
  EXPECT_FLOAT_EQ(dynamic_cast<const DatasetBank&>(by_length->bank()).dataset().x(0, 0),
                  std::log(static_cast<float>(data.sequences[0].residues.size())));
  EXPECT_THROW(make_protein_family_source(data, {{"features", "length"}, {"kmer_max", "2"}}), std::invalid_argument);
  EXPECT_THROW(make_protein_family_source(data, {{"crop", "left"}}), std::invalid_argument);
  // Random crops no longer than the shortest sequence (63) never show padding, so never show length.
  auto cropped = make_protein_family_source(data, {{"crop", "random"}, {"length", "40"}});
  const auto& rows = dynamic_cast<const DatasetBank&>(cropped->bank()).dataset().x;
  EXPECT_FLOAT_EQ(rows.rowwise().sum().minCoeff(), 40.0f);
  EXPECT_FLOAT_EQ(rows.rowwise().sum().maxCoeff(), 40.0f);
  auto centred = make_protein_family_source(data, {{"length", "40"}});
  EXPECT_NE(rows, dynamic_cast<const DatasetBank&>(centred->bank()).dataset().x);
  EXPECT_THROW(make_protein_family_source(data, {{"test_families", "Globin"}}), std::invalid_argument);  // no train list
  // A checkpoint's data fingerprint that does not match this data.
  EXPECT_THROW(make_protein_family_source(data, {{"data_hash", "0123456789abcdef"}}), std::invalid_argument);
  // 5-shot with 5 queries: families of fewer than 10 members are skipped, with a note.
  auto five = make_protein_family_source(data, {{"shots", "5"}, {"queries", "2"}});
  EXPECT_GE(five->usable_classes(Split::MetaTest).size(), 5u);
  SequenceSet unlabelled;
  unlabelled.source = "u.fa";
  unlabelled.sequences.push_back({"a", "", "MKV", 1});
  unlabelled.sequences.push_back({"b", "", "MKV", 3});
  EXPECT_THROW(make_protein_family_source(unlabelled, {}), DataError);
}

// ---- Protein secondary structure ----

TEST(ProteinSs, EachTaskIsOneChainOfItsSplit) {
  auto src = make_protein_ss_source(testing::transducin_chains(), {});
  const auto& chains = src->chains();
  std::set<std::string> train_entries, test_entries;
  for (int c : src->chain_split().train) train_entries.insert(chains[static_cast<std::size_t>(c)].group);
  for (int c : src->chain_split().test) test_entries.insert(chains[static_cast<std::size_t>(c)].group);
  for (const auto& e : test_entries) EXPECT_EQ(train_entries.count(e), 0u) << "entry " << e << " in both splits";
  EXPECT_EQ(train_entries.size() + test_entries.size(), 36u);
  Rng rng(2);
  for (int i = 0; i < 100; ++i) {
    const Split sp = i % 2 ? Split::MetaTest : Split::MetaTrain;
    const ChainTask t = src->sample_chain(sp, rng);
    const auto& pool = sp == Split::MetaTest ? src->chain_split().test : src->chain_split().train;
    EXPECT_TRUE(std::count(pool.begin(), pool.end(), t.chain)) << t.chain;
    EXPECT_EQ(t.split, sp);
    ASSERT_EQ(t.task.support_x.rows(), 15);  // 5 per state
    ASSERT_EQ(t.task.query_x.rows(), 45);
    // Labels are the states of the chain's residues, support and query disjoint.
    const std::string& ss = chains[static_cast<std::size_t>(t.chain)].structure;
    for (int r = 0; r < 15; ++r)
      EXPECT_EQ(kStructureStates[static_cast<int>(t.task.support_y(r, 0))], ss[static_cast<std::size_t>(t.support_residues[static_cast<std::size_t>(r)])]);
    for (int q : t.query_residues)
      EXPECT_FALSE(std::count(t.support_residues.begin(), t.support_residues.end(), q));
  }
  // queries = 0: every residue not in the support set is a query.
  auto rest = make_protein_ss_source(testing::transducin_chains(), {{"queries", "0"}, {"window", "9"}});
  const ChainTask t = rest->sample_chain(Split::MetaTest, rng);
  EXPECT_EQ(t.task.query_x.rows() + 15, static_cast<long>(chains[static_cast<std::size_t>(t.chain)].residues.size()));
  EXPECT_EQ(t.task.query_x.cols(), 9 * 20);
  // The window is centred on its residue.
  std::vector<float> f(9 * 20), g(9 * 20);
  rest->features(t.chain, 0, f.data());
  one_hot_window(chains[static_cast<std::size_t>(t.chain)].residues, -4, 9, g.data());
  EXPECT_EQ(f, g);
  // Rebuilt from its description, the same tasks.
  auto again = make_protein_ss_source(testing::transducin_chains(), options_from_description(src->description()));
  Rng a(5), b(5);
  EXPECT_TRUE(same_task(src->sample(Split::MetaTest, a), again->sample(Split::MetaTest, b)));
  EXPECT_THROW(make_protein_ss_source(testing::transducin_chains(), {{"window", "8"}}), std::invalid_argument);
  EXPECT_THROW(make_protein_ss_source(testing::transducin_chains(), {{"shots", "500"}}), std::invalid_argument);
}

// ---- MRI regions ----

TEST(MriRegions, PatchesComeFromTheirRegionAndRegionPairsStayTogether) {
  const auto& mri = testing::mri_data();
  auto src = make_mri_region_source(mri.t1, mri.labels, mri.names, {{"patch", "16"}});
  const MriPatchBank& bank = mri_patch_bank(*src);
  EXPECT_EQ(bank.num_classes(), 116);
  EXPECT_EQ(src->input_dim(), 256);
  EXPECT_TRUE(src->images());
  const ClassSplit& s = src->class_split();
  std::set<std::string> train_pairs, test_pairs;
  for (int c : s.train) train_pairs.insert(region_pair(bank.class_name(c)));
  for (int c : s.test) test_pairs.insert(region_pair(bank.class_name(c)));
  for (const auto& p : test_pairs) EXPECT_EQ(train_pairs.count(p), 0u) << p << " has a hemisphere in each split";
  EXPECT_EQ(s.train.size() + s.test.size(), 116u);
  float peak = 0;
  for (float v : mri.t1.data) peak = std::max(peak, v);
  Rng rng(6);
  const std::set<int> test(s.test.begin(), s.test.end());
  for (int i = 0; i < 50; ++i) {
    const Episode e = src->sample_episode(Split::MetaTest, rng);
    for (int c : e.classes) EXPECT_EQ(test.count(c), 1u);
    // The centre voxel of every support patch carries its class's label.
    for (std::size_t r = 0; r < e.support_items.size(); ++r) {
      const int cls = e.classes[r];  // 1 shot: row r is label r
      const auto v = bank.centre(cls, e.support_items[r]);
      EXPECT_FLOAT_EQ(mri.labels.at(v[0], v[1], v[2]), static_cast<float>(bank.label(cls)));
      // Pixel (row 7, column 8) of a 16-pixel patch is the centre voxel.
      EXPECT_FLOAT_EQ(e.task.support_x(static_cast<long>(r), 7 * 16 + 8), mri.t1.at(v[0], v[1], v[2]) / peak);
    }
  }
  auto again = make_mri_region_source(mri.t1, mri.labels, mri.names, options_from_description(src->description()));
  Rng a(8), b(8);
  EXPECT_TRUE(same_task(src->sample(Split::MetaTest, a), again->sample(Split::MetaTest, b)));
  // Volumes on different grids are refused.
  NiftiVolume small = mri.labels;
  small.dim[0] = 10;
  small.data.resize(10 * 106 * 73);
  EXPECT_THROW(make_mri_region_source(mri.t1, small, mri.names, {}), DataError);
  EXPECT_THROW(make_mri_region_source(mri.t1, mri.labels, mri.names, {{"train_fraction", "1"}}), std::invalid_argument);
}

// ---- Single-cell stages ----

TEST(CellStages, HoldingOutCellsKeepsEmbryosApart) {
  const CsvTable& t = testing::guo_table();
  auto src = make_cell_stage_source(t, {});
  ASSERT_EQ(src->bank().num_classes(), 12);  // (split, stage) pairs
  EXPECT_EQ(src->bank().class_name(0), "2C");
  EXPECT_EQ(src->bank().class_name(11), "64C");
  // Every embryo's cells are in one split only.
  const auto& bank = dynamic_cast<const DatasetBank&>(src->bank());
  const int group_col = t.column_index("embryo");
  std::map<std::string, std::set<bool>> split_of_embryo;
  for (int c = 0; c < 12; ++c)
    for (int i = 0; i < bank.class_size(c); ++i)
      split_of_embryo[t.rows[static_cast<std::size_t>(bank.row(c, i))][static_cast<std::size_t>(group_col)]].insert(c < 6);
  EXPECT_EQ(split_of_embryo.size(), 42u);
  for (const auto& [embryo, splits] : split_of_embryo) EXPECT_EQ(splits.size(), 1u) << embryo;
  Rng rng(1);
  for (int i = 0; i < 100; ++i) {
    const Task e = src->sample(Split::MetaTest, rng);
    for (int c : e.classes) EXPECT_GE(c, 6);
    const Task tr = src->sample(Split::MetaTrain, rng);
    for (int c : tr.classes) EXPECT_LT(c, 6);
  }
  auto again = make_cell_stage_source(t, options_from_description(src->description()));
  Rng a(3), b(3);
  EXPECT_TRUE(same_task(src->sample(Split::MetaTest, a), again->sample(Split::MetaTest, b)));
}

TEST(CellStages, HoldingOutStagesOrGenes) {
  const CsvTable& t = testing::guo_table();
  auto stages = make_cell_stage_source(t, {{"hold_out", "stages"}});
  EXPECT_EQ(stages->episodes().ways, 3);
  EXPECT_EQ(stages->class_split().test.size(), 3u);
  const std::string held = stages->description().at("task.test_stages");
  Rng rng(2);
  for (int i = 0; i < 20; ++i)
    for (int c : stages->sample(Split::MetaTest, rng).classes)
      EXPECT_NE(held.find(stages->bank().class_name(c)), std::string::npos);
  // More ways than held-out stages: refused with the reason.
  EXPECT_THROW(make_cell_stage_source(t, {{"hold_out", "stages"}, {"ways", "5"}}), std::invalid_argument);
  auto chosen = make_cell_stage_source(t, {{"hold_out", "stages"}, {"test_stages", "2C,64C"}, {"ways", "2"}});
  EXPECT_EQ(chosen->description().at("task.test_stages"), "2C,64C");
  // Genes: meta-train episodes show only the train panel, meta-test only the other.
  auto genes = make_cell_stage_source(t, {{"hold_out", "genes"}});
  const std::string test_genes = genes->description().at("task.test_genes");
  std::vector<bool> is_test;
  for (const auto& col : t.columns)
    if (col != "cell" && col != "stage" && col != "embryo") is_test.push_back(("," + test_genes + ",").find("," + col + ",") != std::string::npos);
  ASSERT_EQ(is_test.size(), 48u);
  for (Split sp : {Split::MetaTrain, Split::MetaTest}) {
    const Task e = genes->sample(sp, rng);
    for (int g = 0; g < 48; ++g) {
      const bool shown = is_test[static_cast<std::size_t>(g)] == (sp == Split::MetaTest);
      if (!shown) {
        EXPECT_EQ(e.support_x.col(g).cwiseAbs().maxCoeff(), 0.0f) << g;
      }
    }
  }
  EXPECT_THROW(make_cell_stage_source(t, {{"hold_out", "tissues"}}), std::invalid_argument);
  EXPECT_THROW(make_cell_stage_source(t, {{"test_genes", "Actb"}}), std::invalid_argument);  // not hold_out=genes
}

}  // namespace
}  // namespace metalab

namespace metalab {
namespace {

// The usage example of bio_common.h, as written there.
TEST(BioCommon, HeaderExample) {
  OptionReader r({{"length", "64"}}, "protein-families task option");
  EpisodeConfig e = read_episode_options(r, 5);
  EXPECT_EQ(e.ways, 5);
  EXPECT_EQ(e.shots, 1);
  EXPECT_EQ(e.queries, 5);
  EXPECT_EQ(r.integer("length", 128, 8), 64);
  const auto d = described_options("protein-families", r.used());
  EXPECT_EQ(d.at("task.name"), "protein-families");
  EXPECT_EQ(d.at("task.length"), "64");
  EXPECT_EQ(d.at("task.ways"), "5");
  // test_ways 1 is no episode: refused, naming the option.
  OptionReader one({{"test_ways", "1"}}, "cell-stages task option");
  try {
    read_episode_options(one, 5);
    ADD_FAILURE() << "test_ways=1 accepted";
  } catch (const OptionError& err) {
    EXPECT_EQ(err.key(), "test_ways");
  }
}

// A data-determined value in the options must match the data (OptionReader::check).
TEST(BioCommon, CheckedValuesMustMatchTheData) {
  OptionReader r({{"data_hash", "0123"}}, "mri-regions task option");
  EXPECT_THROW(r.check("data_hash", "abcd"), OptionError);
  OptionReader ok({{"data_hash", "abcd"}}, "mri-regions task option");
  ok.check("data_hash", "abcd");
  ok.record("test_families", "a,b");
  ok.finish();
  EXPECT_EQ(ok.used().at("data_hash"), "abcd");
  EXPECT_EQ(ok.used().at("test_families"), "a,b");
}

}  // namespace
}  // namespace metalab
