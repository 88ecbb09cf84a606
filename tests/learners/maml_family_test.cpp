// Behaviour of the optimization-based learners: first-order steps are SGD
// steps, Meta-SGD with frozen step sizes is MAML, ANIL leaves the body alone in
// the inner loop, checkpoints round-trip, and MAML learns to learn sinusoids
// better than the transfer-learning baseline on a small budget.
#include <gtest/gtest.h>

#include <cmath>

#include "core/learners/maml.h"
#include "core/learners/reptile.h"
#include "core/tasks/sinusoid.h"

namespace metalab {
namespace {

std::vector<Task> sinusoid_batch(int n, Rng& rng, int k = 10) {
  SinusoidConfig cfg;
  cfg.support_size = k;
  cfg.query_size = k;
  SinusoidDistribution dist(cfg);
  std::vector<Task> tasks;
  for (int i = 0; i < n; ++i) tasks.push_back(dist.sample(rng));
  return tasks;
}

LearnerConfig sinusoid_config(const std::string& learner) {
  LearnerConfig c;
  c.learner = learner;
  c.seed = 3;
  return c;
}

double query_mse(const Learner& learner, const std::vector<Task>& tasks, int steps) {
  double total = 0;
  for (const Task& t : tasks) {
    const auto path = learner.adapt(t, steps);
    const Matrix pred = path.back()(t.query_x);
    total += static_cast<double>((pred - t.query_y).squaredNorm()) / static_cast<double>(t.query_y.rows());
  }
  return total / static_cast<double>(tasks.size());
}

TEST(FirstOrderMAML, InnerStepIsAManualSGDStep) {
  // With one task, the adapted predictor after one step must equal a network
  // whose weights were moved by exactly -alpha * grad of the support loss.
  auto learner = make_learner(sinusoid_config("fomaml"));
  Rng rng(1);
  const Task task = sinusoid_batch(1, rng)[0];
  const Model& model = learner->model();
  ParamsF manual = learner->params().clone();
  const Tensorf loss = model.loss(model.forward(manual, Tensorf(task.support_x)), task.support_y);
  const auto g = ad::grad(loss, manual.tensors());
  for (std::size_t i = 0; i < manual.size(); ++i)
    manual[i].mutable_value() -= learner->config().inner_lr * g[i].value();
  ad::NoGradGuard no_grad;
  const Matrix expected = model.forward(manual, Tensorf(task.query_x)).value();
  const Matrix adapted = learner->adapt(task, 1)[1](task.query_x);
  EXPECT_LT((expected - adapted).cwiseAbs().maxCoeff(), 1e-5f);
}

TEST(FirstOrderMAML, MetaGradientIsTheQueryGradientAtAdaptedWeights) {
  auto learner = make_learner(sinusoid_config("fomaml"));
  auto* maml = dynamic_cast<GradientMetaLearner*>(learner.get());
  ASSERT_NE(maml, nullptr);
  Rng rng(2);
  const Task task = sinusoid_batch(1, rng)[0];
  const Model& model = learner->model();
  ParamsF adapted = learner->params().clone();
  const Tensorf loss = model.loss(model.forward(adapted, Tensorf(task.support_x)), task.support_y);
  const auto g = ad::grad(loss, adapted.tensors());
  for (std::size_t i = 0; i < adapted.size(); ++i)
    adapted[i].mutable_value() -= learner->config().inner_lr * g[i].value();
  const Tensorf qloss = model.loss(model.forward(adapted, Tensorf(task.query_x)), task.query_y);
  const auto expected = nn::flatten(ad::grad(qloss, adapted.tensors()));
  const auto got = nn::flatten(maml->task_gradient(task, /*first_order=*/true).grads);
  ASSERT_EQ(expected.size(), got.size());
  EXPECT_LT((expected - got).cwiseAbs().maxCoeff(), 1e-4f * (1.0f + expected.cwiseAbs().maxCoeff()));
}

TEST(MAML, SecondOrderMetaGradientDiffersFromFirstOrder) {
  auto learner = make_learner(sinusoid_config("maml"));
  auto* maml = dynamic_cast<GradientMetaLearner*>(learner.get());
  Rng rng(4);
  const Task task = sinusoid_batch(1, rng)[0];
  const auto exact = nn::flatten(maml->task_gradient(task, false).grads);
  const auto approx = nn::flatten(maml->task_gradient(task, true).grads);
  const double rel = static_cast<double>((exact - approx).norm() / exact.norm());
  EXPECT_GT(rel, 1e-4) << "the second-order term vanished";
  EXPECT_LT(rel, 1.0) << "first- and second-order meta-gradients should be close for a small alpha";
}

TEST(MetaSGD, FrozenStepSizesEqualMAML) {
  LearnerConfig mc = sinusoid_config("maml");
  LearnerConfig sc = sinusoid_config("metasgd");
  sc.metasgd_init_lr = mc.inner_lr;
  auto maml = make_learner(mc);
  auto metasgd = make_learner(sc);
  auto* msgd = dynamic_cast<GradientMetaLearner*>(metasgd.get());
  msgd->freeze_step_sizes(true);
  Rng rng(5);
  for (int it = 0; it < 5; ++it) {
    const auto batch = sinusoid_batch(4, rng);
    const StepStats a = maml->meta_step(batch);
    const StepStats b = metasgd->meta_step(batch);
    EXPECT_NEAR(a.loss, b.loss, 1e-5 * (1 + std::abs(a.loss)));
  }
  const auto pa = maml->params().flatten();
  const auto pb = metasgd->params().flatten();
  EXPECT_LT((pa - pb).cwiseAbs().maxCoeff(), 1e-5f);
  for (std::size_t i = 0; i < msgd->step_sizes().size(); ++i)
    EXPECT_EQ(msgd->step_sizes()[i].value().maxCoeff(), mc.inner_lr);
}

TEST(MetaSGD, LearnsItsStepSizes) {
  auto learner = make_learner(sinusoid_config("metasgd"));
  auto* msgd = dynamic_cast<GradientMetaLearner*>(learner.get());
  const auto before = nn::flatten(msgd->step_sizes().tensors());
  Rng rng(6);
  for (int it = 0; it < 3; ++it) learner->meta_step(sinusoid_batch(4, rng));
  const auto after = nn::flatten(msgd->step_sizes().tensors());
  EXPECT_GT((after - before).cwiseAbs().maxCoeff(), 1e-5f);
}

TEST(ANIL, InnerLoopAdaptsOnlyTheHead) {
  auto learner = make_learner(sinusoid_config("anil"));
  auto* anil = dynamic_cast<GradientMetaLearner*>(learner.get());
  const ParamsF& p = learner->params();
  int heads = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    EXPECT_EQ(anil->adapts(i), p.name(i).rfind("layer2.", 0) == 0) << p.name(i);
    heads += anil->adapts(i);
  }
  EXPECT_EQ(heads, 2);
  // Changing the body's first layer changes nothing in how the head adapts
  // except through the features; here check the adapted body equals the meta body.
  Rng rng(7);
  const Task task = sinusoid_batch(1, rng)[0];
  const auto path = learner->adapt(task, 3);
  ASSERT_EQ(path.size(), 4u);
  const Matrix before = path[0](task.query_x);
  const Matrix after = path[3](task.query_x);
  EXPECT_GT((before - after).cwiseAbs().maxCoeff(), 1e-6f);
}

TEST(Learners, CheckpointRoundTripGivesIdenticalPredictions) {
  for (const std::string name : {"maml", "fomaml", "metasgd", "anil", "reptile", "pretrain", "scratch"}) {
    LearnerConfig cfg = sinusoid_config(name);
    if (name == "reptile") cfg.inner_steps = 3;
    auto learner = make_learner(cfg);
    Rng rng(8);
    for (int it = 0; it < 3; ++it) learner->meta_step(sinusoid_batch(4, rng));
    const Checkpoint ckpt = load_safetensors(save_safetensors(learner->save()), "roundtrip");
    auto restored = load_learner(ckpt);
    EXPECT_EQ(restored->kind(), name);
    EXPECT_EQ(restored->iteration(), 3);
    const Task task = sinusoid_batch(1, rng)[0];
    const auto a = learner->adapt(task, 2);
    const auto b = restored->adapt(task, 2);
    for (int s = 0; s <= 2; ++s) EXPECT_TRUE(a[s](task.query_x) == b[s](task.query_x)) << name << " step " << s;
    // Training continues identically (optimizer state restored too).
    const auto batch = sinusoid_batch(4, rng);
    EXPECT_EQ(learner->meta_step(batch).loss, restored->meta_step(batch).loss) << name;
    EXPECT_TRUE(learner->params().flatten() == restored->params().flatten()) << name;
  }
}

TEST(Learners, MismatchedCheckpointIsRejectedAndChangesNothing) {
  auto small = make_learner(sinusoid_config("maml"));
  LearnerConfig wide = sinusoid_config("maml");
  wide.model.hidden = {20, 20};
  auto other = make_learner(wide);
  Checkpoint ckpt = other->save();
  const auto before = small->params().flatten();
  try {
    small->load(ckpt);
    FAIL() << "a checkpoint of another shape was accepted";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("layer0.weight"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(small->params().flatten() == before);

  Checkpoint wrong_kind = make_learner(sinusoid_config("reptile"))->save();
  EXPECT_THROW(small->load(wrong_kind), FormatError);

  Checkpoint missing = small->save();
  missing.tensors.erase(missing.tensors.begin());
  EXPECT_THROW(small->load(missing), FormatError);

  Checkpoint bad_meta = small->save();
  bad_meta.metadata["inner_steps"] = "many";
  EXPECT_THROW(load_learner(bad_meta), FormatError);

  Checkpoint poisoned = small->save();
  poisoned.tensors[0].second.data(0, 0) = std::nanf("");
  EXPECT_THROW(small->load(poisoned), FormatError);
}

TEST(Learners, DivergenceIsReported) {
  LearnerConfig cfg = sinusoid_config("maml");
  cfg.inner_lr = 1e6f;  // an absurd step size blows the adapted weights up
  auto learner = make_learner(cfg);
  Rng rng(9);
  EXPECT_THROW(
      {
        for (int it = 0; it < 20; ++it) learner->meta_step(sinusoid_batch(4, rng));
      },
      DivergenceError);
}

TEST(Learners, InvalidConfigIsRejected) {
  LearnerConfig c = sinusoid_config("maml");
  c.learner = "magic";
  EXPECT_THROW(make_learner(c), std::invalid_argument);
  c = sinusoid_config("maml");
  c.inner_steps = 0;
  EXPECT_THROW(make_learner(c), std::invalid_argument);
  c = sinusoid_config("maml");
  c.inner_lr = -1;
  EXPECT_THROW(make_learner(c), std::invalid_argument);
  c = sinusoid_config("maml");
  c.model.hidden = {0};
  EXPECT_THROW(make_learner(c), std::invalid_argument);
}

// The learning test: on a small budget MAML's initialisation adapts to new
// sinusoids better than pretraining on the pooled tasks does, the effect of
// Finn et al.'s Figure 2.
TEST(MAMLLearning, BeatsPretrainedBaselineOnHeldOutSinusoids) {
  auto maml = make_learner(sinusoid_config("maml"));
  auto pretrain = make_learner(sinusoid_config("pretrain"));
  LearnerConfig fast = sinusoid_config("maml");
  Rng train_rng(11);
  for (int it = 0; it < 600; ++it) {
    const auto batch = sinusoid_batch(10, train_rng);
    maml->meta_step(batch);
    pretrain->meta_step(batch);
  }
  Rng test_rng(12345);
  const auto held_out = sinusoid_batch(200, test_rng);
  const double maml_mse = query_mse(*maml, held_out, 10);
  const double pretrain_mse = query_mse(*pretrain, held_out, 10);
  const double untrained = query_mse(*make_learner(sinusoid_config("maml")), held_out, 10);
  EXPECT_LT(maml_mse, 0.8 * pretrain_mse) << "maml " << maml_mse << " pretrain " << pretrain_mse;
  EXPECT_LT(maml_mse, 0.8 * untrained) << "maml " << maml_mse << " untrained " << untrained;
}

TEST(ReptileLearning, ImprovesOverItsInitialisation) {
  LearnerConfig cfg = sinusoid_config("reptile");
  cfg.inner_steps = 5;
  auto reptile = make_learner(cfg);
  Rng test_rng(54321);
  const auto held_out = sinusoid_batch(100, test_rng);
  const double before = query_mse(*reptile, held_out, 10);
  Rng train_rng(13);
  for (int it = 0; it < 500; ++it) reptile->meta_step(sinusoid_batch(10, train_rng));
  const double after = query_mse(*reptile, held_out, 10);
  EXPECT_LT(after, 0.8 * before) << "before " << before << " after " << after;
}

}  // namespace
}  // namespace metalab
