// The production GradientMetaLearner's exact (second-order) meta-gradient
// checked against central finite differences of its own post-adaptation query
// loss, in double precision: MAML with one and three inner steps, Meta-SGD
// (the gradient of the learned step sizes too), ANIL (head-only inner loop),
// and MAML on a classification episode (cross-entropy). tests/autodiff/maml_test.cpp
// does the same for a MAML written inside the test; this one checks the code
// that trains.
//
// Why double: the learner trains in float, where a central difference of a
// loss near 1 with step h has rounding error ~1e-7 / h, as large as the
// second-order terms being checked. GradientMetaLearner computes its task
// gradient in one template (compute_task_gradient<T>) that training
// instantiates with float and task_gradient_double with double, from the
// learner's own weights, mask, step sizes and inner-loop settings; so this
// test runs the training code path, only in another precision (and the float
// result is checked against the double one).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "core/learners/maml.h"
#include "core/learners/registry.h"
#include "core/tasks/episodes.h"
#include "core/tasks/sinusoid.h"
#include "tests/autodiff/gradcheck.h"
#include "tests/support/meta_gradient_setups.h"

namespace metalab {
namespace {

using ad::testing::agree;
using ad::testing::kFiniteDiffStep;
using ad::testing::kGradTolerance;
using ParamsD = GradientMetaLearner::ParamsD;

// The exact and first-order meta-gradients must differ by at least this much
// (relative, Euclidean norm) for the check to be about a second-order term.
constexpr double kMinSecondOrderEffect = 1e-3;
// Float (training) against double (this test): the same computation, float rounding apart.
constexpr double kFloatTolerance = 1e-4;

LearnerConfig regression_config(const char* learner, int inner_steps) {
  LearnerConfig c;
  c.learner = learner;
  c.model.input_dim = 1;
  c.model.hidden = {8, 8};
  c.model.activation = "tanh";  // smooth, so finite differences see no kinks
  c.inner_lr = 0.05f;
  c.inner_steps = inner_steps;
  c.metasgd_init_lr = 0.05f;
  c.seed = 7;
  return c;
}

Task sinusoid_task(std::uint64_t seed) {
  SinusoidConfig s;
  s.support_size = 5;
  s.query_size = 6;
  Rng rng(seed);
  return SinusoidDistribution(s).sample(rng);
}

// p with one coordinate moved by delta (parameters first, then step sizes).
std::pair<ParamsD, ParamsD> moved(const ParamsD& params, const ParamsD& steps, std::size_t tensor, Eigen::Index flat,
                                  double delta) {
  ParamsD p = params.clone(), s = steps.clone();
  ParamsD& target = tensor < p.size() ? p : s;
  const std::size_t i = tensor < p.size() ? tensor : tensor - p.size();
  target[i].mutable_value().data()[flat] += delta;
  return {p, s};
}

double norm(const std::vector<ad::Tensor<double>>& v) {
  double s = 0;
  for (const auto& t : v) s += t.value().squaredNorm();
  return std::sqrt(s);
}

// Every coordinate of every trainable tensor: finite differences of
// query_loss against the exact meta-gradient; the first-order one must fail.
void check_meta_gradient(const GradientMetaLearner& learner, const Task& task, const std::string& what) {
  SCOPED_TRACE(what);
  const ParamsD params = learner.params().cast<double>(true);
  const ParamsD steps = learner.step_sizes().cast<double>(true);
  const auto exact = learner.task_gradient_double(task, /*first_order=*/false);
  const auto first = learner.task_gradient_double(task, /*first_order=*/true);
  ASSERT_EQ(exact.grads.size(), params.size() + steps.size());
  EXPECT_DOUBLE_EQ(exact.query_loss, first.query_loss);  // recording the graph does not change values

  int failures = 0, checked = 0;
  double worst = 0, worst_first = 0;
  for (std::size_t t = 0; t < exact.grads.size(); ++t) {
    for (Eigen::Index k = 0; k < exact.grads[t].value().size(); ++k) {
      const auto [p_plus, s_plus] = moved(params, steps, t, k, kFiniteDiffStep);
      const auto [p_minus, s_minus] = moved(params, steps, t, k, -kFiniteDiffStep);
      const double numeric = (learner.task_gradient_double(task, true, &p_plus, &s_plus).query_loss -
                              learner.task_gradient_double(task, true, &p_minus, &s_minus).query_loss) /
                             (2 * kFiniteDiffStep);
      const double analytic = exact.grads[t].value().data()[k], fo = first.grads[t].value().data()[k];
      const double scale = std::max({1.0, std::abs(analytic), std::abs(numeric)});
      worst = std::max(worst, std::abs(analytic - numeric) / scale);
      worst_first = std::max(worst_first, std::abs(fo - numeric) / scale);
      ++checked;
      if (!agree(analytic, numeric, kGradTolerance) && failures++ < 10)
        ADD_FAILURE() << "trainable " << t << "[" << k << "]: meta-gradient " << analytic << " vs finite difference "
                      << numeric;
    }
  }
  EXPECT_EQ(failures, 0) << failures << " of " << checked << " coordinates disagree; worst scaled error " << worst;
  // The second-order term is there, and first-order MAML would not pass.
  std::vector<ad::Tensor<double>> difference;
  for (std::size_t t = 0; t < exact.grads.size(); ++t)
    difference.emplace_back(exact.grads[t].value() - first.grads[t].value());
  EXPECT_GT(norm(difference) / norm(exact.grads), kMinSecondOrderEffect);
  EXPECT_GT(worst_first, 1000 * kGradTolerance);

  // Training's float computation is the same one.
  const auto f = learner.task_gradient(task, false);
  ASSERT_EQ(f.grads.size(), exact.grads.size());
  EXPECT_NEAR(f.query_loss, exact.query_loss, kFloatTolerance * std::max(1.0, exact.query_loss));
  for (std::size_t t = 0; t < f.grads.size(); ++t)
    EXPECT_LE((f.grads[t].value().cast<double>() - exact.grads[t].value()).cwiseAbs().maxCoeff(),
              kFloatTolerance * std::max(1.0, exact.grads[t].value().cwiseAbs().maxCoeff()))
        << "trainable " << t;
}

TEST(GradientMetaLearnerMetaGradient, MamlOneInnerStep) {
  check_meta_gradient(*gradient_learner(regression_config("maml", 1)), sinusoid_task(11), "maml, 1 step");
}

TEST(GradientMetaLearnerMetaGradient, MamlThreeInnerSteps) {
  check_meta_gradient(*gradient_learner(regression_config("maml", 3)), sinusoid_task(12), "maml, 3 steps");
}

TEST(GradientMetaLearnerMetaGradient, MetaSgdStepSizesToo) {
  auto l = gradient_learner(regression_config("metasgd", 2));
  ASSERT_FALSE(l->step_sizes().empty());
  check_meta_gradient(*l, sinusoid_task(13), "metasgd, 2 steps");
}

TEST(GradientMetaLearnerMetaGradient, AnilAdaptsTheHeadOnly) {
  auto l = gradient_learner(regression_config("anil", 2));
  check_meta_gradient(*l, sinusoid_task(14), "anil, 2 steps");
}

TEST(GradientMetaLearnerMetaGradient, MamlOnAClassificationEpisode) {
  const auto src = small_glyph_episodes();
  LearnerConfig c = small_classification_maml(*src, /*hidden=*/6);
  c.model.activation = "tanh";
  Rng rng(5);
  check_meta_gradient(*gradient_learner(c), src->sample(Split::MetaTrain, rng), "maml, 3-way 2-shot");
}

TEST(GradientMetaLearnerMetaGradient, GivenWeightsMustFit) {
  auto l = gradient_learner(regression_config("maml", 1));
  const ParamsD none;
  EXPECT_THROW(l->task_gradient_double(sinusoid_task(1), false, &none), std::invalid_argument);
}

}  // namespace
}  // namespace metalab
