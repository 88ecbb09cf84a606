// Baselines for few-shot classification (nearest neighbour, pretrain +
// fine-tune) and the optimization-based learners on the same N-way episodes.
#include <gtest/gtest.h>

#include "core/eval/evaluate.h"
#include "core/learners/classification_baselines.h"
#include "core/learners/maml.h"
#include "core/tasks/episodes.h"

namespace metalab {
namespace {

// 12 classes of 30 points in 6 dimensions around well separated centres.
std::unique_ptr<ClassificationSource> blobs(int ways = 3, int shots = 2, int queries = 4) {
  LabeledDataset d;
  d.source = "blobs";
  Rng rng(3);
  const int classes = 12, per = 30, dim = 6;
  std::vector<Eigen::RowVectorXf> centres;
  for (int c = 0; c < classes; ++c) {
    Eigen::RowVectorXf m(dim);
    for (int j = 0; j < dim; ++j) m(j) = static_cast<float>(rng.normal(0, 2));
    centres.push_back(m);
    d.class_names.push_back("k" + std::to_string(c));
  }
  d.x.resize(classes * per, dim);
  for (int c = 0; c < classes; ++c)
    for (int i = 0; i < per; ++i) {
      for (int j = 0; j < dim; ++j) d.x(c * per + i, j) = centres[static_cast<std::size_t>(c)](j) + static_cast<float>(rng.normal(0, 0.7));
      d.y.push_back(c);
    }
  EpisodeConfig e;
  e.ways = ways;
  e.shots = shots;
  e.queries = queries;
  ClassSplitConfig split;
  split.train_fraction = 0.5;
  return make_dataset_source("blobs", std::move(d), split, e, true);
}

LearnerConfig config(const std::string& learner, const TaskSource& src) {
  LearnerConfig c;
  c.learner = learner;
  c.model.backbone = "mlp";
  c.model.input_dim = src.input_dim();
  c.model.hidden = {32, 32};
  c.model.output_dim = src.output_dim();
  c.model.classification = true;
  c.meta_batch = 2;
  c.seed = 4;
  return c;
}

// Mean query accuracy after `steps` steps on n meta-test tasks (the same n for a learner and its baseline).
double accuracy(const Learner& l, const TaskSource& src, int steps, int n = 40) {
  return eval::evaluate_learner(l, eval::sample_tasks(src, Split::MetaTest, n, 77), steps).metric.back().mean;
}

TEST(NearestNeighbour, OneNearestNeighbourLogits) {
  auto src = blobs();
  LearnerConfig c = config("nearest", *src);
  auto l = make_learner(c);
  EXPECT_FALSE(l->iterative());
  EXPECT_TRUE(l->params().empty());
  Task t;
  t.num_classes = 2;
  t.support_x = Matrix::Zero(3, 6);
  t.support_x(1, 0) = 10;
  t.support_x(2, 0) = 4;
  t.support_y = (Matrix(3, 1) << 0, 1, 1).finished();
  Matrix q = Matrix::Zero(2, 6);
  q(0, 0) = 1;  // nearest: support 0 (class 0), distance 1; class 1 nearest is row 2, distance 9
  q(1, 0) = 3;  // nearest: row 2 (class 1), distance 1
  const Matrix logits = l->adapt(t, 5)[0](q);
  EXPECT_FLOAT_EQ(logits(0, 0), -1.0f);
  EXPECT_FLOAT_EQ(logits(0, 1), -9.0f);
  EXPECT_FLOAT_EQ(logits(1, 1), -1.0f);
  EXPECT_GT(accuracy(*l, *src, 0), 0.8);
  c.distance = "cosine";
  EXPECT_GT(accuracy(*make_learner(c), *src, 0), 0.6);
}

TEST(Pretrain, GlobalClassifierThenNewHead) {
  auto src = blobs();
  LearnerConfig c = config("pretrain", *src);
  EXPECT_THROW(make_learner(c), std::invalid_argument);  // pretrain_classes is required
  c.pretrain_classes = static_cast<int>(src->class_split().train.size());
  auto l = make_learner(c);
  auto* p = dynamic_cast<ClassificationPretrain*>(l.get());
  ASSERT_NE(p, nullptr);
  Rng rng(5);
  for (int i = 0; i < 150; ++i) l->meta_step({src->sample(Split::MetaTrain, rng), src->sample(Split::MetaTrain, rng)});
  EXPECT_EQ(static_cast<int>(p->class_ids().size()), c.pretrain_classes);  // every training class seen
  const Task t = src->sample(Split::MetaTest, rng);
  const auto path = l->adapt(t, 50);
  ASSERT_EQ(path.size(), 51u);
  // Step 0: the new head is zero, every class equally likely.
  EXPECT_TRUE(path[0](t.query_x).isZero());
  EXPECT_GT(accuracy(*l, *src, 50), 0.8);
  // Checkpoint round trip keeps the class ids.
  auto back = load_learner(load_safetensors(save_safetensors(l->save()), "mem"));
  EXPECT_EQ(dynamic_cast<ClassificationPretrain&>(*back).class_ids(), p->class_ids());
  EXPECT_TRUE(back->adapt(t, 10).back()(t.query_x).isApprox(l->adapt(t, 10).back()(t.query_x), 1e-4f));
  // Fine-tuning the body as well works too.
  c.finetune_body = true;
  auto ft = make_learner(c);
  ft->load(l->save());
  EXPECT_GT(accuracy(*ft, *src, 20, 10), 0.6);
}

TEST(Pretrain, NeedsSourceClassesAndEnoughOutputs) {
  auto src = blobs();
  LearnerConfig c = config("pretrain", *src);
  c.pretrain_classes = 3;
  auto l = make_learner(c);
  Rng rng(6);
  Task t = src->sample(Split::MetaTrain, rng);
  Task anonymous = t;
  anonymous.classes.clear();
  EXPECT_THROW(l->meta_step({anonymous}), std::invalid_argument);
  EXPECT_THROW(
      {
        for (int i = 0; i < 20; ++i) l->meta_step({src->sample(Split::MetaTrain, rng)});
      },
      std::invalid_argument);  // 6 training classes do not fit 3 outputs
}

TEST(ClassificationConfig, NewFieldsRoundTrip) {
  LearnerConfig c;
  c.learner = "pretrain";
  c.model.classification = true;
  c.model.output_dim = 5;
  c.pretrain_classes = 42;
  c.finetune_body = true;
  c.distance = "cosine";
  const LearnerConfig back = LearnerConfig::from_metadata(c.to_metadata());
  EXPECT_EQ(back.pretrain_classes, 42);
  EXPECT_TRUE(back.finetune_body);
  EXPECT_EQ(back.distance, "cosine");
  c.distance = "manhattan";
  EXPECT_THROW(c.validate(), std::invalid_argument);
  for (const char* name : {"protonet", "matchingnet", "nearest"}) {
    bool listed = false;
    for (const auto& n : learner_names()) listed = listed || n == name;
    EXPECT_TRUE(listed) << name;
  }
}

// MAML, FOMAML, Meta-SGD, ANIL and Reptile train on N-way episodes through
// Model's classification head and beat chance on held-out classes.
TEST(OptimizationLearners, WorkOnClassificationEpisodes) {
  auto src = blobs(3, 2, 4);
  for (const char* name : {"maml", "fomaml", "metasgd", "anil", "reptile"}) {
    LearnerConfig c = config(name, *src);
    c.inner_lr = 0.1f;
    c.inner_steps = 2;
    c.outer_lr = 0.003f;
    if (std::string(name) == "reptile") c.reptile_epsilon = 0.3f;
    auto l = make_learner(c);
    Rng rng(8);
    for (int i = 0; i < 60; ++i) {
      const StepStats s = l->meta_step({src->sample(Split::MetaTrain, rng), src->sample(Split::MetaTrain, rng)});
      ASSERT_TRUE(std::isfinite(s.loss)) << name;
    }
    const double acc = accuracy(*l, *src, 5);
    EXPECT_GT(acc, 0.6) << name;  // chance is 1/3
  }
}

TEST(OptimizationLearners, Conv4OnGlyphEpisodes) {
  GlyphSourceConfig g;
  g.glyph.size = 12;
  g.num_classes = 40;
  EpisodeConfig e;
  e.ways = 3;
  e.shots = 1;
  e.queries = 2;
  auto src = make_glyph_source(g, e);
  for (const char* name : {"maml", "anil", "protonet", "pretrain"}) {
    LearnerConfig c;
    c.learner = name;
    c.model.backbone = "conv4";
    c.model.input_dim = 144;
    c.model.image_height = c.model.image_width = 12;
    c.model.conv_hidden = 8;
    c.model.conv_blocks = 2;
    c.model.output_dim = 3;
    c.model.classification = true;
    c.pretrain_classes = static_cast<int>(src->class_split().train.size());
    c.meta_batch = 2;
    auto l = make_learner(c);
    Rng rng(9);
    for (int i = 0; i < 3; ++i) l->meta_step({src->sample(Split::MetaTrain, rng), src->sample(Split::MetaTrain, rng)});
    const Task t = src->sample(Split::MetaTest, rng);
    const Matrix out = l->adapt(t, 2).back()(t.query_x);
    EXPECT_EQ(out.rows(), 6) << name;
    EXPECT_EQ(out.cols(), 3) << name;
    EXPECT_TRUE(out.allFinite()) << name;
  }
}

}  // namespace
}  // namespace metalab
