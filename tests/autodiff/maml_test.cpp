// Exact second-order MAML meta-gradient of a 1-40-40-1 ReLU MLP on a sinusoid
// task (Finn et al. 2017, section 5.1), checked against central finite
// differences of the whole adapt-then-evaluate computation, and shown to
// differ from the first-order approximation.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "core/tasks/sinusoid.h"
#include "tests/autodiff/gradcheck.h"

namespace metalab::ad::testing {
namespace {

using Eigen::Index;

constexpr double kInnerLearningRate = 0.01;  // alpha
// The meta-gradient is a first derivative of the post-adaptation query loss,
// so the first-derivative step and tolerance apply (see gradcheck.h).
constexpr double kMamlStep = kFiniteDiffStep;
constexpr double kMamlTolerance = kGradTolerance;
// The exact and first-order meta-gradients must differ by at least this much
// (relative, in the Euclidean norm) for the second-order term to count as present.
constexpr double kMinSecondOrderEffect = 1e-3;

const char* const kNames[] = {"W1", "b1", "W2", "b2", "W3", "b3"};

// 1-40-40-1: Kaiming-uniform weights as in PyTorch's default nn.Linear
// initialisation (a = sqrt(5): U(-1/sqrt(fan_in), 1/sqrt(fan_in))) and small
// random biases U(-0.1, 0.1). (Kaiming-normal with std sqrt(2 / fan_in) makes
// alpha = 0.01 diverge on inputs in [-5, 5]: the support loss grows thirtyfold
// in the first inner step, so the test would not look at a realistic regime.)
std::vector<MD> init_mlp(Rng& rng) {
  std::vector<MD> p;
  for (const auto& [fan_in, fan_out] : std::vector<std::pair<Index, Index>>{{1, 40}, {40, 40}, {40, 1}}) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
    p.push_back(uniform(rng, fan_in, fan_out, -bound, bound));
    p.push_back(uniform(rng, 1, fan_out, -0.1, 0.1));
  }
  return p;
}

TD forward(const std::vector<TD>& p, const TD& x) {
  const TD h1 = relu(linear(x, p[0], p[1]));
  const TD h2 = relu(linear(h1, p[2], p[3]));
  return linear(h2, p[4], p[5]);
}

struct Data {
  TD support_x, support_y, query_x, query_y;
};

Data sinusoid_task(std::uint64_t seed) {
  Rng rng(seed);
  const Task t = SinusoidDistribution().sample(rng);
  return {TD(t.support_x.cast<double>()), TD(t.support_y.cast<double>()), TD(t.query_x.cast<double>()),
          TD(t.query_y.cast<double>())};
}

// theta' after `steps` SGD steps on the support loss. With create_graph the
// inner gradients are recorded (exact MAML); without, they are constants
// (first-order MAML: theta' still depends on theta through the identity path).
std::vector<TD> adapt(const std::vector<TD>& theta, const Data& d, int steps, bool create_graph) {
  std::vector<TD> fast = theta;
  for (int s = 0; s < steps; ++s) {
    const std::vector<TD> g = grad(mse(forward(fast, d.support_x), d.support_y), fast, GradOptions{create_graph});
    for (std::size_t i = 0; i < fast.size(); ++i) {
      if (!create_graph) {
        EXPECT_FALSE(tracks_grad(g[i]));
      }
      fast[i] = sub(fast[i], mul_scalar(g[i], kInnerLearningRate));
    }
  }
  return fast;
}

struct MetaResult {
  double loss;
  std::vector<MD> gradient;
};

MetaResult meta_gradient(const std::vector<MD>& theta_values, const Data& d, int steps, bool second_order) {
  const std::vector<TD> theta = make_leaves(theta_values, true);
  const TD meta_loss = mse(forward(adapt(theta, d, steps, second_order), d.query_x), d.query_y);
  MetaResult r{meta_loss.item(), {}};
  for (const TD& g : grad(meta_loss, theta)) r.gradient.push_back(g.value());
  return r;
}

// The post-adaptation query loss, the whole inner loop recomputed.
double meta_loss_value(const std::vector<MD>& theta_values, const Data& d, int steps) {
  const std::vector<TD> theta = make_leaves(theta_values, true);
  return mse(forward(adapt(theta, d, steps, false), d.query_x), d.query_y).item();
}

struct Coordinate {
  int param;
  Index flat;
};

// A random subset of coordinates spread over the hidden layers, plus every
// coordinate of the last layer (W3, b3).
std::vector<Coordinate> coordinates(const std::vector<MD>& theta, Rng& rng) {
  const int per_param[] = {15, 10, 25, 10};  // W1, b1, W2, b2: 60 in all
  std::vector<Coordinate> out;
  for (int p = 0; p < 4; ++p) {
    std::vector<Index> all(static_cast<std::size_t>(theta[p].size()));
    std::iota(all.begin(), all.end(), Index{0});
    rng.shuffle(all);
    for (int k = 0; k < per_param[p]; ++k) out.push_back({p, all[static_cast<std::size_t>(k)]});
  }
  for (int p = 4; p < 6; ++p)
    for (Index k = 0; k < theta[p].size(); ++k) out.push_back({p, k});
  return out;
}

double norm(const std::vector<MD>& v) {
  double s = 0;
  for (const auto& m : v) s += m.squaredNorm();
  return std::sqrt(s);
}

void check_maml(int steps, std::uint64_t seed) {
  SCOPED_TRACE("MAML with " + std::to_string(steps) + " inner step(s)");
  Rng rng(seed);
  const std::vector<MD> theta = init_mlp(rng);
  const Data data = sinusoid_task(seed + 1);

  const MetaResult exact = meta_gradient(theta, data, steps, /*second_order=*/true);
  const MetaResult first_order = meta_gradient(theta, data, steps, /*second_order=*/false);
  EXPECT_DOUBLE_EQ(exact.loss, first_order.loss) << "recording the graph must not change values";
  EXPECT_DOUBLE_EQ(exact.loss, meta_loss_value(theta, data, steps));
  {
    // A sane regime: the inner steps make progress on the support set.
    const std::vector<TD> leaves = make_leaves(theta, true);
    const double before = mse(forward(leaves, data.support_x), data.support_y).item();
    const double after = mse(forward(adapt(leaves, data, steps, false), data.support_x), data.support_y).item();
    EXPECT_LT(after, before);
  }

  int failures = 0, checked = 0;
  double worst = 0, worst_first_order = 0;
  for (const Coordinate c : coordinates(theta, rng)) {
    std::vector<MD> plus = theta, minus = theta;
    plus[c.param].data()[c.flat] += kMamlStep;
    minus[c.param].data()[c.flat] -= kMamlStep;
    const double numeric = (meta_loss_value(plus, data, steps) - meta_loss_value(minus, data, steps)) / (2 * kMamlStep);
    const double analytic = exact.gradient[c.param].data()[c.flat];
    const double fo = first_order.gradient[c.param].data()[c.flat];
    const double scale = std::max({1.0, std::abs(analytic), std::abs(numeric)});
    worst = std::max(worst, std::abs(analytic - numeric) / scale);
    worst_first_order = std::max(worst_first_order, std::abs(fo - numeric) / scale);
    ++checked;
    if (!agree(analytic, numeric, kMamlTolerance) && failures++ < 10)
      ADD_FAILURE() << kNames[c.param] << "[" << c.flat << "]: meta-gradient " << analytic << " vs finite difference "
                    << numeric << " (first-order " << fo << ")";
  }
  EXPECT_EQ(failures, 0) << failures << " of " << checked << " coordinates disagree; worst scaled error " << worst;
  EXPECT_EQ(checked, 60 + 41);

  // The second-order term is really there: first-order MAML is clearly off,
  // both in norm and against the finite differences.
  std::vector<MD> difference;
  for (std::size_t i = 0; i < theta.size(); ++i) difference.push_back(exact.gradient[i] - first_order.gradient[i]);
  const double relative = norm(difference) / norm(exact.gradient);
  EXPECT_GT(relative, kMinSecondOrderEffect) << "|exact - first-order| / |exact|";
  EXPECT_GT(worst_first_order, 1000 * kMamlTolerance) << "first-order MAML should not pass the finite-difference check";
  std::ostringstream summary;
  summary << std::scientific << std::setprecision(2) << "worst scaled error " << worst << ", first-order: worst scaled error "
          << worst_first_order << ", relative difference " << relative;
  ::testing::Test::RecordProperty("summary", summary.str());
}

TEST(Maml, SecondOrderMetaGradientOneInnerStep) { check_maml(1, 301); }

TEST(Maml, SecondOrderMetaGradientThreeInnerSteps) { check_maml(3, 302); }

}  // namespace
}  // namespace metalab::ad::testing
