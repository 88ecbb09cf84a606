// Learning curves over held-out tasks: shapes, same tasks for every learner,
// independence from the order in which tasks run, and the step-0 value by hand.
#include "core/eval/evaluate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/autodiff/tensor.h"

namespace metalab::eval {
namespace {

LearnerConfig sinusoid_config(const std::string& learner) {
  LearnerConfig c;
  c.learner = learner;
  c.model.hidden = {16, 16};
  c.seed = 3;
  return c;
}

TEST(Evaluate, SampleTasksIsSeededAndSequential) {
  SinusoidSource src;
  const auto a = sample_tasks(src, Split::MetaTest, 5, 42);
  const auto b = sample_tasks(src, Split::MetaTest, 5, 42);
  const auto c = sample_tasks(src, Split::MetaTest, 5, 43);
  ASSERT_EQ(a.size(), 5u);
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].support_x, b[i].support_x);
    EXPECT_EQ(a[i].query_y, b[i].query_y);
  }
  EXPECT_NE(a[0].support_x, c[0].support_x);
  // The first tasks of a longer draw are the tasks of a shorter one.
  const auto longer = sample_tasks(src, Split::MetaTest, 8, 42);
  EXPECT_EQ(longer[4].query_x, a[4].query_x);
  EXPECT_THROW(sample_tasks(src, Split::MetaTest, 0, 1), std::invalid_argument);
}

TEST(Evaluate, CurveShapeAndStepZeroByHand) {
  SinusoidSource src;
  const auto tasks = sample_tasks(src, Split::MetaTest, 7, 1);
  auto learner = make_learner(sinusoid_config("pretrain"));
  const LearningCurve c = evaluate_learner(*learner, tasks, 3);
  EXPECT_EQ(c.learner, "pretrain");
  EXPECT_EQ(c.steps(), 3);
  ASSERT_EQ(c.loss.size(), 4u);
  ASSERT_EQ(c.per_task_loss[0].size(), 7u);
  // Before adaptation: the MSE of the initial network on each query set.
  std::vector<double> by_hand;
  for (const Task& t : tasks) {
    ad::NoGradGuard no_grad;
    const Matrix out = learner->model().forward(learner->params(), Tensorf(t.query_x)).value();
    by_hand.push_back(static_cast<double>((out - t.query_y).array().square().mean()));
  }
  for (std::size_t i = 0; i < tasks.size(); ++i) EXPECT_NEAR(c.per_task_loss[0][i], by_hand[i], 1e-5 * (1 + by_hand[i]));
  const Summary s = summarize(by_hand);
  EXPECT_NEAR(c.loss[0].mean, s.mean, 1e-5 * (1 + s.mean));
  EXPECT_NEAR(c.loss[0].half_width, s.half_width, 1e-4 * (1 + s.half_width));
  // Regression: the metric is the MSE too.
  EXPECT_NEAR(c.metric[2].mean, c.loss[2].mean, 1e-5 * (1 + c.loss[2].mean));
  // Fine-tuning lowers the support loss, and on sinusoids from an untrained net the query loss with it.
  EXPECT_LT(c.loss[3].mean, c.loss[0].mean);
}

TEST(Evaluate, ResultDoesNotDependOnTaskOrder) {
  SinusoidSource src;
  const auto tasks = sample_tasks(src, Split::MetaTest, 6, 9);
  auto learner = make_learner(sinusoid_config("maml"));
  const LearningCurve forward = evaluate_learner(*learner, tasks, 2);
  const ParallelFor reversed = [](int n, const std::function<void(int)>& body) {
    for (int i = n - 1; i >= 0; --i) body(i);
  };
  const LearningCurve backward = evaluate_learner(*learner, tasks, 2, reversed);
  for (int s = 0; s <= 2; ++s) {
    EXPECT_EQ(forward.per_task_loss[static_cast<std::size_t>(s)], backward.per_task_loss[static_cast<std::size_t>(s)]);
    EXPECT_EQ(forward.loss[static_cast<std::size_t>(s)].mean, backward.loss[static_cast<std::size_t>(s)].mean);
  }
}

TEST(Evaluate, RejectsBadInput) {
  SinusoidSource src;
  auto learner = make_learner(sinusoid_config("scratch"));
  EXPECT_THROW(evaluate_learner(*learner, {}, 1), std::invalid_argument);
  const auto tasks = sample_tasks(src, Split::MetaTest, 2, 1);
  EXPECT_THROW(evaluate_learner(*learner, tasks, -1), std::invalid_argument);
  Task wide = tasks[0];
  wide.query_x = Matrix::Zero(3, 2);
  wide.query_y = Matrix::Zero(3, 1);
  EXPECT_THROW(evaluate_learner(*learner, {wide}, 1), std::invalid_argument);
}

TEST(Evaluate, PairedDifferenceByHand) {
  // d = (0.5, 1.0, 1.5): mean 1, s = 0.5, sem = 0.5 / sqrt(3), t_{0.975, 2} = 4.302653.
  const Summary d = paired_difference({1.5, 3.0, 2.5}, {1.0, 2.0, 1.0});
  EXPECT_NEAR(d.mean, 1.0, 1e-15);
  EXPECT_NEAR(d.sd, 0.5, 1e-15);
  EXPECT_NEAR(d.half_width, 4.302652730 * 0.5 / std::sqrt(3.0), 1e-8);
  EXPECT_THROW(paired_difference({1.0}, {1.0, 2.0}), std::invalid_argument);
}

}  // namespace
}  // namespace metalab::eval
