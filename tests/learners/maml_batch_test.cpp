// GradientMetaLearner's one-graph meta-batch (compute_batch_gradient, what
// meta_step runs for MLPs) against the plain path it replaces: the mean of
// the per-task meta-gradients of task_gradient, and each task's losses and
// metric, in double precision, for MAML (one and three inner steps),
// first-order MAML, Meta-SGD and MAML on classification episodes; and when
// the batch must take the per-task path instead.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "core/learners/maml.h"
#include "core/learners/registry.h"
#include "core/tasks/episodes.h"
#include "core/tasks/sinusoid.h"
#include "tests/support/meta_gradient_setups.h"

namespace metalab {
namespace {

// Two summation orders of the same double computation.
constexpr double kSameUpToRounding = 1e-11;

LearnerConfig regression_config(const char* learner, int inner_steps) {
  LearnerConfig c;
  c.learner = learner;
  c.model.hidden = {12, 12};
  c.inner_lr = 0.05f;
  c.inner_steps = inner_steps;
  c.metasgd_init_lr = 0.05f;
  c.seed = 9;
  return c;
}

std::vector<Task> sinusoid_batch(int tasks, std::uint64_t seed) {
  SinusoidConfig s;
  s.support_size = 5;
  s.query_size = 7;
  Rng rng(seed);
  SinusoidDistribution dist(s);
  std::vector<Task> batch;
  for (int i = 0; i < tasks; ++i) batch.push_back(dist.sample(rng));
  return batch;
}

double scaled_difference(const Mat<double>& a, const Mat<double>& b) {
  return (a - b).cwiseAbs().maxCoeff() / std::max(1.0, b.cwiseAbs().maxCoeff());
}

void expect_batch_equals_tasks(const GradientMetaLearner& learner, const std::vector<Task>& batch, bool first_order,
                               const std::string& what) {
  SCOPED_TRACE(what);
  ASSERT_TRUE(learner.per_task_batch(batch));
  const auto together = learner.batch_gradient_double(batch, first_order);
  ASSERT_EQ(together.query_loss.size(), batch.size());
  ASSERT_EQ(together.support_loss.size(), batch.size());
  ASSERT_EQ(together.metric.size(), batch.size());
  std::vector<Mat<double>> mean;
  for (std::size_t t = 0; t < batch.size(); ++t) {
    const auto alone = learner.task_gradient_double(batch[t], first_order);
    EXPECT_NEAR(together.query_loss[t], alone.query_loss, kSameUpToRounding) << "task " << t;
    EXPECT_NEAR(together.support_loss[t], alone.support_loss, kSameUpToRounding) << "task " << t;
    EXPECT_NEAR(together.metric[t], alone.metric, kSameUpToRounding) << "task " << t;
    ASSERT_EQ(alone.grads.size(), together.grads.size());
    for (std::size_t i = 0; i < alone.grads.size(); ++i) {
      if (t == 0) mean.push_back(alone.grads[i].value() / static_cast<double>(batch.size()));
      else mean[i] += alone.grads[i].value() / static_cast<double>(batch.size());
    }
  }
  double largest = 0;
  for (std::size_t i = 0; i < mean.size(); ++i) {
    EXPECT_LE(scaled_difference(together.grads[i].value(), mean[i]), kSameUpToRounding) << "trainable " << i;
    largest = std::max(largest, mean[i].cwiseAbs().maxCoeff());
  }
  EXPECT_GT(largest, 1e-3);  // gradients that are there, not two zeros agreeing
}

TEST(MetaBatchInOneGraph, MamlOneInnerStep) {
  expect_batch_equals_tasks(*gradient_learner(regression_config("maml", 1)), sinusoid_batch(6, 1), false, "maml");
}

TEST(MetaBatchInOneGraph, MamlThreeInnerSteps) {
  expect_batch_equals_tasks(*gradient_learner(regression_config("maml", 3)), sinusoid_batch(4, 2), false, "maml x3");
}

TEST(MetaBatchInOneGraph, FirstOrderMaml) {
  expect_batch_equals_tasks(*gradient_learner(regression_config("fomaml", 2)), sinusoid_batch(5, 3), true, "fomaml");
}

TEST(MetaBatchInOneGraph, MetaSgdWithItsStepSizes) {
  auto l = gradient_learner(regression_config("metasgd", 2));
  ASSERT_FALSE(l->step_sizes().empty());
  expect_batch_equals_tasks(*l, sinusoid_batch(3, 4), false, "metasgd");
}

TEST(MetaBatchInOneGraph, MamlOnClassificationEpisodes) {
  const auto src = small_glyph_episodes();
  const LearnerConfig c = small_classification_maml(*src, /*hidden=*/10);
  Rng rng(5);
  std::vector<Task> batch;
  for (int i = 0; i < 4; ++i) batch.push_back(src->sample(Split::MetaTrain, rng));
  expect_batch_equals_tasks(*gradient_learner(c), batch, false, "maml, 3-way 2-shot");
}

TEST(MetaBatchInOneGraph, MetaStepReportsTheTasksMeanLosses) {
  auto l = gradient_learner(regression_config("maml", 1));
  const std::vector<Task> batch = sinusoid_batch(5, 6);
  double query = 0, support = 0;
  for (const Task& t : batch) {
    const auto alone = l->task_gradient(t, false);
    query += alone.query_loss / 5;
    support += alone.support_loss / 5;
  }
  const StepStats s = l->meta_step(batch);
  EXPECT_NEAR(s.loss, query, 1e-5 * std::max(1.0, query));
  EXPECT_NEAR(s.pre_loss, support, 1e-5 * std::max(1.0, support));
}

TEST(MetaBatchInOneGraph, OtherBatchesTakeThePerTaskPath) {
  const auto maml = gradient_learner(regression_config("maml", 1));
  EXPECT_FALSE(maml->per_task_batch(sinusoid_batch(1, 7)));  // nothing to batch
  std::vector<Task> uneven = sinusoid_batch(3, 8);
  uneven[1].support_x.conservativeResize(4, Eigen::NoChange);
  uneven[1].support_y.conservativeResize(4, Eigen::NoChange);
  EXPECT_FALSE(maml->per_task_batch(uneven));
  EXPECT_THROW(maml->batch_gradient_double(uneven, false), std::invalid_argument);
  // ANIL keeps its embed-once inner loop.
  EXPECT_FALSE(gradient_learner(regression_config("anil", 1))->per_task_batch(sinusoid_batch(3, 9)));
}

}  // namespace
}  // namespace metalab
