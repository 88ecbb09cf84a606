#include "core/learners/protonet.h"

#include <gtest/gtest.h>

#include <chrono>

#include "core/eval/evaluate.h"
#include "core/learners/classification_baselines.h"
#include "core/tasks/episodes.h"

namespace metalab {
namespace {

LearnerConfig metric_config(const std::string& learner, const std::string& backbone, int input_dim, int ways,
                            std::vector<int> hidden = {16, 8}) {
  LearnerConfig c;
  c.learner = learner;
  c.model.backbone = backbone;
  c.model.input_dim = input_dim;
  c.model.hidden = std::move(hidden);
  c.model.output_dim = ways;
  c.model.classification = true;
  c.meta_batch = 1;
  c.seed = 3;
  return c;
}

// Mean query accuracy of a learner's one-shot predictor over tasks.
double mean_accuracy(const Learner& l, const std::vector<Task>& tasks) {
  return eval::evaluate_learner(l, tasks, 0).metric[0].mean;
}

// A random task: n classes x k support, q queries, features in d dimensions.
Task random_task(int n, int k, int q, int d, Rng& rng) {
  Task t;
  t.num_classes = n;
  t.support_x.resize(n * k, d);
  t.support_y.resize(n * k, 1);
  t.query_x.resize(n * q, d);
  t.query_y.resize(n * q, 1);
  for (int c = 0; c < n; ++c) {
    for (int i = 0; i < k; ++i) {
      for (int j = 0; j < d; ++j) t.support_x(c * k + i, j) = static_cast<float>(rng.normal(c, 1.0));
      t.support_y(c * k + i, 0) = static_cast<float>(c);
    }
    for (int i = 0; i < q; ++i) {
      for (int j = 0; j < d; ++j) t.query_x(c * q + i, j) = static_cast<float>(rng.normal(c, 1.0));
      t.query_y(c * q + i, 0) = static_cast<float>(c);
    }
  }
  return t;
}

TEST(ProtoNet, PrototypesAreClassMeansOfEmbeddings) {
  auto l = make_learner(metric_config("protonet", "mlp", 6, 3));
  auto& proto = dynamic_cast<PrototypicalNetwork&>(*l);
  Rng rng(1);
  Task t = random_task(3, 4, 2, 6, rng);
  // Shuffle support order: prototypes must not depend on rows being grouped.
  t.support_x.row(0).swap(t.support_x.row(11));
  t.support_y.row(0).swap(t.support_y.row(11));
  const Matrix emb = proto.embed(t.support_x);
  const Matrix protos = proto.prototypes(t);
  ASSERT_EQ(protos.rows(), 3);
  ASSERT_EQ(protos.cols(), 8);
  for (int c = 0; c < 3; ++c) {
    Eigen::RowVectorXf mean = Eigen::RowVectorXf::Zero(8);
    for (int i = 0; i < 12; ++i)
      if (static_cast<int>(t.support_y(i, 0)) == c) mean += emb.row(i) / 4.0f;
    EXPECT_TRUE(protos.row(c).isApprox(mean, 1e-5f)) << "class " << c;
  }
  // Logits are minus squared distances to the prototypes.
  const Matrix logits = l->adapt(t, 0)[0](t.query_x);
  const Matrix qe = proto.embed(t.query_x);
  for (int i = 0; i < qe.rows(); ++i)
    for (int c = 0; c < 3; ++c) EXPECT_NEAR(logits(i, c), -(qe.row(i) - protos.row(c)).squaredNorm(), 1e-3);
}

TEST(ProtoNet, IdentityEmbeddingIsNearestClassMean) {
  // An MLP with no hidden layer has an empty body: the embedding is the identity.
  auto l = make_learner(metric_config("protonet", "mlp", 5, 4, {}));
  EXPECT_TRUE(l->params().empty());
  EXPECT_FALSE(l->iterative());
  Rng rng(2);
  for (int rep = 0; rep < 5; ++rep) {
    const Task t = random_task(4, 3, 5, 5, rng);
    const Matrix logits = l->adapt(t, 0)[0](t.query_x);
    for (int i = 0; i < t.query_x.rows(); ++i) {
      int best = -1;
      double best_d = 1e30;
      for (int c = 0; c < 4; ++c) {
        Eigen::RowVectorXf mean = Eigen::RowVectorXf::Zero(5);
        for (int j = 0; j < 3; ++j) mean += t.support_x.row(c * 3 + j) / 3.0f;
        const double d = (t.query_x.row(i) - mean).squaredNorm();
        if (d < best_d) best_d = d, best = c;
      }
      Eigen::Index arg;
      logits.row(i).maxCoeff(&arg);
      EXPECT_EQ(static_cast<int>(arg), best);
    }
  }
  // meta_step with nothing to learn still works (and counts).
  Rng r2(3);
  EXPECT_NO_THROW(l->meta_step({random_task(4, 3, 5, 5, r2)}));
  EXPECT_EQ(l->iteration(), 1);
}

TEST(ProtoNet, TrainingLowersQueryLossOnTables) {
  auto l = make_learner(metric_config("protonet", "mlp", 6, 3));
  Rng rng(4);
  double first = 0, last = 0;
  for (int it = 0; it < 60; ++it) {
    const StepStats s = l->meta_step({random_task(3, 2, 4, 6, rng)});
    if (it < 10) first += s.loss;
    if (it >= 50) last += s.loss;
  }
  EXPECT_LT(last, first);
}

TEST(ProtoNet, CheckpointRoundTripWithBatchNormStatistics) {
  GlyphSourceConfig g;
  g.glyph.size = 12;
  g.num_classes = 30;
  EpisodeConfig e;
  e.ways = 3;
  e.shots = 1;
  e.queries = 2;
  auto src = make_glyph_source(g, e);
  LearnerConfig c = metric_config("protonet", "conv4", 144, 3);
  c.model.image_height = c.model.image_width = 12;
  c.model.conv_hidden = 8;
  c.model.conv_blocks = 2;
  auto l = make_learner(c);
  Rng rng(5);
  for (int i = 0; i < 3; ++i) l->meta_step({src->sample(Split::MetaTrain, rng)});
  const Checkpoint ck = load_safetensors(save_safetensors(l->save()), "mem");
  EXPECT_NE(find_tensor(ck, "bn1.running_var"), nullptr);
  auto back = load_learner(ck);
  const Task t = src->sample(Split::MetaTest, rng);
  EXPECT_TRUE(l->adapt(t, 0)[0](t.query_x).isApprox(back->adapt(t, 0)[0](t.query_x)));
  // Training both once more keeps them identical (optimizer state restored).
  const Task tr = src->sample(Split::MetaTrain, rng);
  l->meta_step({tr});
  back->meta_step({tr});
  EXPECT_TRUE(l->adapt(t, 0)[0](t.query_x).isApprox(back->adapt(t, 0)[0](t.query_x), 1e-4f));
}

TEST(ProtoNet, PredictorIsASnapshot) {
  auto l = make_learner(metric_config("protonet", "mlp", 6, 3));
  Rng rng(6);
  const Task t = random_task(3, 2, 4, 6, rng);
  const Predictor p = l->adapt(t, 0)[0];
  const Matrix before = p(t.query_x);
  for (int i = 0; i < 5; ++i) l->meta_step({random_task(3, 2, 4, 6, rng)});
  EXPECT_TRUE(p(t.query_x) == before);
}

TEST(ProtoNet, RejectsTasksWithAMissingClass) {
  auto l = make_learner(metric_config("protonet", "mlp", 6, 3));
  Rng rng(7);
  Task t = random_task(3, 2, 4, 6, rng);
  t.support_y(4, 0) = 0;
  t.support_y(5, 0) = 1;  // class 2 has no support example now
  EXPECT_THROW(l->adapt(t, 0), std::invalid_argument);
  EXPECT_THROW(l->meta_step({t}), std::invalid_argument);
}

// The learning test: after a small fixed-seed budget, ProtoNet on synthetic
// glyphs beats 1-nearest-neighbour on raw pixels on held-out classes.
TEST(ProtoNet, BeatsRawNearestNeighbourOnGlyphs) {
  const auto start = std::chrono::steady_clock::now();
  GlyphSourceConfig g;
  g.glyph.size = 16;
  g.num_classes = 300;
  g.seed = 11;
  EpisodeConfig e;
  e.ways = 5;
  e.shots = 1;
  e.queries = 5;
  auto src = make_glyph_source(g, e);
  LearnerConfig c = metric_config("protonet", "conv4", 256, 5);
  c.model.image_height = c.model.image_width = 16;
  c.model.conv_hidden = 32;
  c.model.conv_blocks = 3;
  c.outer_lr = 0.002f;
  auto proto = make_learner(c);
  Rng rng(12);
  for (int i = 0; i < 300; ++i) proto->meta_step({src->sample(Split::MetaTrain, rng)});
  LearnerConfig nc = c;
  nc.learner = "nearest";
  auto nearest = make_learner(nc);
  std::vector<Task> tasks;
  Rng test_rng(13);
  for (int i = 0; i < 200; ++i) tasks.push_back(src->sample(Split::MetaTest, test_rng));
  const double acc_proto = mean_accuracy(*proto, tasks);
  const double acc_nn = mean_accuracy(*nearest, tasks);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "glyphs 5-way 1-shot, 200 test episodes: protonet " << acc_proto << ", raw nearest neighbour "
            << acc_nn << " (" << seconds << " s)\n";
  // The budget is fixed (300 episodes of 16 x 16 glyphs, a 3-block Conv4 of 32
  // channels): about 10 s on an idle core. Timing is reported, never asserted.
  EXPECT_GT(acc_proto, acc_nn + 0.05);
}

}  // namespace
}  // namespace metalab
