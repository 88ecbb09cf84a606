// Learning tests, one per biomedical family, on small fixed budgets (seconds;
// they also run under AddressSanitizer): a ProtoNet meta-trained on the
// meta-train split is clearly above chance on held-out meta-test episodes and
// above 1-nearest-neighbour on the raw features of the same episodes. The
// accuracies are printed; timing is never asserted.
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>

#include "core/eval/evaluate.h"
#include "core/learners/learner.h"
#include "core/tasks/cell_stages.h"
#include "core/tasks/mri_regions.h"
#include "core/tasks/protein_families.h"
#include "core/tasks/protein_ss.h"
#include "tests/tasks/bio_data.h"

namespace metalab {
namespace {

LearnerConfig protonet(const TaskSource& src) {
  LearnerConfig c;
  c.learner = "protonet";
  c.model.input_dim = src.input_dim();
  c.model.output_dim = src.output_dim();
  c.model.classification = true;
  c.meta_batch = 1;
  c.outer_lr = 0.002f;
  c.seed = 7;
  return c;
}

struct Accuracies {
  double protonet, nearest;
};

Accuracies train_and_test(LearnerConfig c, const TaskSource& src, int episodes, int test_episodes, const char* what) {
  auto l = make_learner(c);
  Rng rng(11);
  for (int i = 0; i < episodes; ++i) l->meta_step({src.sample(Split::MetaTrain, rng)});
  const auto tasks = eval::sample_tasks(src, Split::MetaTest, test_episodes, 12);
  const double acc = eval::evaluate_learner(*l, tasks, 0).metric[0].mean;
  LearnerConfig nc = c;
  nc.learner = "nearest";
  const double nn = eval::evaluate_learner(*make_learner(nc), tasks, 0).metric[0].mean;
  std::cout << what << ": protonet " << acc << ", raw nearest neighbour " << nn << " (" << episodes
            << " training episodes, " << test_episodes << " test episodes)\n";
  return {acc, nn};
}

TEST(BioLearning, ProtoNetConv1dTellsHeldOutProteinFamiliesApart) {
  // 5-way 1-shot over families never seen in meta-training; centred one-hot
  // windows of 128 residues into a 3-block Conv1d of 16 channels. Much of what
  // it learns is length (the zero rows of shorter sequences; see crop in
  // protein_families.h): with 64 residues ProtoNet and nearest neighbour both
  // stay near 0.38.
  auto src = make_protein_family_source(testing::protein_family_data(), {{"length", "128"}, {"queries", "5"}});
  LearnerConfig c = protonet(*src);
  c.model.backbone = "conv1d";
  c.model.sequence_length = 128;
  c.model.sequence_channels = 20;
  c.model.conv_hidden = 16;
  c.model.conv_blocks = 3;
  c.model.conv_kernel = 5;
  const Accuracies a = train_and_test(c, *src, 150, 100, "protein families 5-way 1-shot");
  EXPECT_GT(a.protonet, 0.2 + 0.2);  // chance is 0.2
  EXPECT_GT(a.protonet, a.nearest + 0.05);
}

TEST(BioLearning, ProtoNetPredictsSecondaryStructureOfHeldOutChains) {
  // 3 states, 5 labelled residues each, 15 balanced queries per state from a
  // held-out chain; windows of 15 residues into an MLP.
  auto src = make_protein_ss_source(testing::transducin_chains(), {});
  LearnerConfig c = protonet(*src);
  c.model.hidden = {64, 32};
  const Accuracies a = train_and_test(c, *src, 200, 100, "protein secondary structure 3 states, 5 shots");
  // Far above chance (1/3): the held-out chains are G-alpha homologues of the
  // meta-training chains (assets/data/README.md), so windows recur.
  EXPECT_GT(a.protonet, 1.0 / 3 + 0.3);
  EXPECT_GT(a.protonet, a.nearest + 0.05);
}

TEST(BioLearning, ProtoNetConv4TellsHeldOutBrainRegionsApart) {
  // 5-way 1-shot over AAL regions held out of meta-training (one subject, 16 x 16 patches at 2 mm).
  const auto& mri = testing::mri_data();
  auto src = make_mri_region_source(mri.t1, mri.labels, mri.names, {{"queries", "5"}});
  LearnerConfig c = protonet(*src);
  c.model.backbone = "conv4";
  c.model.image_height = c.model.image_width = 16;
  c.model.image_channels = 1;
  c.model.conv_hidden = 16;
  c.model.conv_blocks = 4;
  const Accuracies a = train_and_test(c, *src, 150, 100, "MRI regions 5-way 1-shot");
  EXPECT_GT(a.protonet, 0.2 + 0.2);
  EXPECT_GT(a.protonet, a.nearest + 0.05);
}

TEST(BioLearning, ProtoNetClassifiesStagesOfCellsFromHeldOutEmbryos) {
  auto src = make_cell_stage_source(testing::guo_table(), {});
  LearnerConfig c = protonet(*src);
  c.model.hidden = {32, 16};
  const Accuracies a = train_and_test(c, *src, 200, 100, "cell stages 5-way 1-shot (held-out embryos)");
  EXPECT_GT(a.protonet, 0.2 + 0.3);
  EXPECT_GT(a.protonet, a.nearest + 0.05);
}

}  // namespace
}  // namespace metalab

namespace metalab {
namespace {

// The Conv1d backbone serves every learner family, not only ProtoNet:
// matching networks, exact second-order MAML and first-order MAML, each
// meta-trained briefly on secondary-structure windows (15 residues, 2 blocks).
TEST(BioLearning, Conv1dServesMatchingNetworksAndTheMamlFamily) {
  auto src = make_protein_ss_source(testing::transducin_chains(), {{"queries", "5"}});
  const auto tasks = eval::sample_tasks(*src, Split::MetaTest, 50, 21);
  for (const std::string learner : {"matchingnet", "maml", "fomaml"}) {
    LearnerConfig c = protonet(*src);
    c.learner = learner;
    c.model.backbone = "conv1d";
    c.model.sequence_length = 15;
    c.model.sequence_channels = 20;
    c.model.conv_hidden = 16;
    c.model.conv_blocks = 2;
    c.model.conv_kernel = 3;
    c.first_order = learner == "fomaml";
    c.inner_lr = 0.1f;
    c.inner_steps = 1;
    c.meta_batch = learner == "matchingnet" ? 1 : 4;
    auto l = make_learner(c);
    Rng rng(31);
    const double before = eval::evaluate_learner(*l, tasks, l->iterative() ? 1 : 0).metric.back().mean;
    for (int i = 0; i < 60; ++i) {
      std::vector<Task> batch;
      for (int b = 0; b < c.meta_batch; ++b) batch.push_back(src->sample(Split::MetaTrain, rng));
      const StepStats s = l->meta_step(batch);
      ASSERT_TRUE(std::isfinite(s.loss)) << learner << " step " << i;
    }
    const double after = eval::evaluate_learner(*l, tasks, l->iterative() ? 1 : 0).metric.back().mean;
    std::cout << "conv1d " << learner << " on secondary structure: " << before << " -> " << after
              << " (60 meta-steps, 50 test chains)\n";
    EXPECT_GT(after, 1.0 / 3 + 0.15) << learner;
    EXPECT_GT(after, before + 0.05) << learner;
  }
}

}  // namespace
}  // namespace metalab
