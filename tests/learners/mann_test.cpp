// The memory-augmented network (core/learners/memory.h, core/learners/mann.h):
// memory properties (a write then a read of the same key returns what was
// written; LRUA picks the least-used slot), delayed-label alignment, batching,
// gradients of whole episodes against central finite differences in double
// precision, and the Learner plumbing (registration, config round trip,
// checkpoints, one-shot adapt, memory traces).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/io/strict_json.h"
#include "core/learners/mann.h"

namespace metalab {
namespace {

using MD = ad::Mat<double>;
using TD = ad::Tensor<double>;

// Tolerances (double precision). Central differences with h = 1e-6 have
// truncation error ~h^2 and rounding error ~1e-16 / h = 1e-10 relative to the
// loss, so agreement to 1e-6 (absolute near zero, relative above 1) leaves a
// wide margin while a wrong rule is off by O(1).
constexpr double kStep = 1e-6;
constexpr double kGradTolerance = 1e-6;
// Values that must agree to float rounding (float forward passes of the same numbers).
constexpr float kFloatTolerance = 1e-5f;

MD random_matrix(Rng& rng, Eigen::Index r, Eigen::Index c, double lo = -1, double hi = 1) {
  MD m(r, c);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = rng.uniform(lo, hi);
  return m;
}

// ---------------------------------------------------------------- memory

TEST(MannMemory, WriteThenReadOfTheSameKeyReturnsTheWrittenVector) {
  // Two episodes, 8 slots of width 5, one head each; memory starts empty.
  const int B = 2, N = 8, M = 5;
  Rng rng(1);
  const TD memory(MD::Zero(B * N, M));
  const MD v = random_matrix(rng, B, M);  // the vector each episode writes
  // Write weights: one-hot on slot 3 (episode 0) and slot 6 (episode 1).
  MD w = MD::Zero(B, N);
  w(0, 3) = 1;
  w(1, 6) = 1;
  const TD written = mann::write_memory(memory, TD(w), TD(v), B);
  // The written slots hold v, every other slot is still zero.
  EXPECT_LE((written.value().row(3) - v.row(0)).cwiseAbs().maxCoeff(), 1e-15);
  EXPECT_LE((written.value().row(N + 6) - v.row(1)).cwiseAbs().maxCoeff(), 1e-15);
  EXPECT_DOUBLE_EQ(written.value().squaredNorm(), v.squaredNorm());
  // Read with the same vector as key and a sharp softmax: the weight falls on
  // the written slot (cosine 1 against 0 for empty slots) and the read is v.
  const TD strength(MD::Constant(B, 1, 60.0));
  const TD weights = mann::content_weights(TD(v), strength, written, B);
  EXPECT_GT(weights.value()(0, 3), 1 - 1e-12);
  EXPECT_GT(weights.value()(1, 6), 1 - 1e-12);
  const TD read = mann::read_memory(weights, written, B);
  EXPECT_LE((read.value() - v).cwiseAbs().maxCoeff(), 1e-12);
}

TEST(MannMemory, ContentWeightsAreDistributionsAndSharpenWithStrength) {
  const int B = 2, N = 6, M = 4, R = 3;
  Rng rng(2);
  const TD memory(random_matrix(rng, B * N, M));
  const TD keys(random_matrix(rng, B * R, M));
  const TD soft = mann::content_weights(keys, TD(MD::Constant(B * R, 1, 0.5)), memory, B);
  const TD sharp = mann::content_weights(keys, TD(MD::Constant(B * R, 1, 20.0)), memory, B);
  ASSERT_EQ(soft.rows(), B * R);
  ASSERT_EQ(soft.cols(), N);
  for (Eigen::Index i = 0; i < soft.rows(); ++i) {
    EXPECT_NEAR(soft.value().row(i).sum(), 1.0, 1e-12);
    EXPECT_NEAR(sharp.value().row(i).sum(), 1.0, 1e-12);
    EXPECT_GT(sharp.value().row(i).maxCoeff(), soft.value().row(i).maxCoeff());
    // Same argmax: sharpening does not change which slot matches best.
    Eigen::Index a, b;
    soft.value().row(i).maxCoeff(&a);
    sharp.value().row(i).maxCoeff(&b);
    EXPECT_EQ(a, b);
  }
  // Episode 1's keys address episode 1's memory only: changing episode 0's
  // memory leaves episode 1's weights unchanged.
  MD other = memory.value();
  other.topRows(N).setRandom();
  const TD again = mann::content_weights(keys, TD(MD::Constant(B * R, 1, 0.5)), TD(other), B);
  EXPECT_LE((again.value().bottomRows(R) - soft.value().bottomRows(R)).cwiseAbs().maxCoeff(), 1e-15);
}

TEST(MannMemory, LeastUsedPicksTheSmallestUsages) {
  MD usage(2, 6);
  usage << 0.9, 0.1, 0.5, 0.05, 0.7, 0.3,  //
      0.0, 0.0, 0.2, 0.0, 0.4, 0.0;           // ties go to the lower slot
  const mann::LeastUsed<double> lu = mann::least_used(usage, 2);
  EXPECT_EQ(lu.slot[0], 3);
  EXPECT_EQ(lu.slot[1], 0);
  MD expected(2, 6);
  expected << 0, 1, 0, 1, 0, 0,  //
      1, 1, 0, 0, 0, 0;
  EXPECT_EQ(lu.mask, expected);
  EXPECT_THROW(mann::least_used(usage, 0), std::invalid_argument);
  EXPECT_THROW(mann::least_used(usage, 7), std::invalid_argument);
}

TEST(MannMemory, LruaWritesGoToTheLeastUsedSlotOrThePreviouslyReadOne) {
  const int N = 5;
  MD usage(1, N);
  usage << 0.8, 0.6, 0.02, 0.9, 0.4;
  const mann::LeastUsed<double> lu = mann::least_used(usage, 1);
  ASSERT_EQ(lu.slot[0], 2);
  MD prev_read = MD::Zero(1, N);
  prev_read(0, 4) = 1;
  // Gate closed (sigmoid(alpha) = 0): the write goes to the least-used slot.
  const TD to_lu = mann::lrua_write_weights(TD(MD::Zero(1, 1)), TD(prev_read), lu.mask);
  EXPECT_EQ(to_lu.value(), lu.mask);
  // Gate open: to the slot read last step.
  const TD to_read = mann::lrua_write_weights(TD(MD::Ones(1, 1)), TD(prev_read), lu.mask);
  EXPECT_EQ(to_read.value(), prev_read);
  // In between: the interpolation.
  const TD mixed = mann::lrua_write_weights(TD(MD::Constant(1, 1, 0.25)), TD(prev_read), lu.mask);
  EXPECT_NEAR(mixed.value()(0, 4), 0.25, 1e-15);
  EXPECT_NEAR(mixed.value()(0, 2), 0.75, 1e-15);
  // The least-used slot is zeroed before the write, in its own episode only.
  Rng rng(3);
  const MD memory = random_matrix(rng, 2 * N, 3);
  const TD zeroed = mann::zero_slots(TD(memory), {2, 0}, N);
  for (int r = 0; r < 2 * N; ++r) {
    const bool cleared = r == 2 || r == N + 0;
    EXPECT_EQ(zeroed.value().row(r).isZero(), cleared) << "row " << r;
    if (!cleared) {
      EXPECT_EQ(zeroed.value().row(r), memory.row(r));
    }
  }
}

TEST(MannMemory, UsageDecaysAndAddsReadAndWriteWeightsOfEveryHead) {
  const int B = 2, R = 2, N = 3;
  MD usage(B, N);
  usage << 1, 2, 3, 4, 5, 6;
  Rng rng(4);
  const MD read = random_matrix(rng, B * R, N, 0, 1), write = random_matrix(rng, B * R, N, 0, 1);
  const MD u = mann::update_usage(usage, read, write, 0.5);
  for (int b = 0; b < B; ++b)
    for (int j = 0; j < N; ++j) {
      double expected = 0.5 * usage(b, j);
      for (int i = 0; i < R; ++i) expected += read(b * R + i, j) + write(b * R + i, j);
      EXPECT_NEAR(u(b, j), expected, 1e-15);
    }
}

// ---------------------------------------------------------------- episodes

TEST(MannEpisodes, PreviousLabelArrivesOneStepLate) {
  // Two episodes of 4 steps, 3 features, 3 classes.
  Rng rng(5);
  std::vector<Matrix> xs{random_matrix(rng, 4, 3).cast<float>(), random_matrix(rng, 4, 3).cast<float>()};
  std::vector<std::vector<int>> labels{{2, 0, 0, 1}, {1, 2, 0, 2}};
  const std::vector<MD> in = sequence_inputs<double>(xs, labels, 3);
  ASSERT_EQ(in.size(), 4u);
  for (int t = 0; t < 4; ++t) {
    ASSERT_EQ(in[t].rows(), 2);
    ASSERT_EQ(in[t].cols(), 6);
    for (int b = 0; b < 2; ++b) {
      // x_t unchanged in the first D columns.
      for (int d = 0; d < 3; ++d) EXPECT_EQ(in[t](b, d), static_cast<double>(xs[b](t, d)));
      // One-hot of y_{t-1} after it; zeros at t = 0.
      for (int c = 0; c < 3; ++c) {
        const double expected = (t > 0 && labels[b][t - 1] == c) ? 1.0 : 0.0;
        EXPECT_EQ(in[t](b, 3 + c), expected) << "t " << t << " episode " << b << " class " << c;
      }
    }
  }
  // Never the current label: at t = 3 of episode 0 the label is 1, the input says 0.
  EXPECT_EQ(in[3](0, 3 + 1), 0.0);
  // Mismatched lengths and bad labels are rejected.
  EXPECT_THROW(sequence_inputs<double>({xs[0], Matrix(xs[1].topRows(3))}, {labels[0], {1, 2, 0}}, 3),
               std::invalid_argument);
  EXPECT_THROW(sequence_inputs<double>({xs[0]}, {{0, 1, 3, 0}}, 3), std::invalid_argument);
}

// ---------------------------------------------------------------- network

SequenceNetConfig tiny_config(SequenceArch arch) {
  SequenceNetConfig c;
  c.arch = arch;
  c.input_dim = 3;
  c.num_classes = 3;
  c.hidden = arch == SequenceArch::FeedForward ? std::vector<int>{5, 4} : std::vector<int>{4};
  c.activation = "tanh";
  c.memory_slots = 6;
  c.memory_width = 3;
  c.read_heads = 2;
  c.usage_decay = 0.9;
  return c;
}

struct TinyEpisodes {
  std::vector<Matrix> xs;
  std::vector<std::vector<int>> labels;
};

TinyEpisodes tiny_episodes(int batch, int steps, int dim, int classes, std::uint64_t seed) {
  Rng rng(seed);
  TinyEpisodes e;
  for (int b = 0; b < batch; ++b) {
    e.xs.push_back(random_matrix(rng, steps, dim).cast<float>());
    std::vector<int> y;
    for (int t = 0; t < steps; ++t) y.push_back(rng.randint(0, classes - 1));
    e.labels.push_back(y);
  }
  return e;
}

double episode_loss(const SequenceNet<double>& net, const nn::Params<double>& p, const std::vector<MD>& inputs,
                    int batch, const std::vector<int>& flat) {
  return ad::cross_entropy(net.forward(p, inputs, batch), flat).item();
}

class MannGradients : public ::testing::TestWithParam<SequenceArch> {};

TEST_P(MannGradients, WholeEpisodeGradientsMatchCentralDifferences) {
  const SequenceNetConfig config = tiny_config(GetParam());
  const SequenceNet<double> net(config);
  Rng rng(7);
  nn::Params<double> params = net.init(rng);
  // Move biases and gates off their initial values so that no term is trivially zero.
  for (std::size_t i = 0; i < params.size(); ++i)
    params[i].mutable_value() += 0.3 * random_matrix(rng, params[i].rows(), params[i].cols());
  const int B = 2, T = 6;
  const TinyEpisodes e = tiny_episodes(B, T, config.input_dim, config.num_classes, 8);
  const std::vector<MD> inputs = sequence_inputs<double>(e.xs, e.labels, config.num_classes);
  std::vector<int> flat;
  for (int t = 0; t < T; ++t)
    for (int b = 0; b < B; ++b) flat.push_back(e.labels[b][t]);

  // What training computes (the recurrent weights' gradients in one product
  // over the steps), checked here against central differences, and the plain
  // walk back through forward(), which must agree with it.
  const auto trained = net.forward_and_grad(params, inputs, B, [&](const TD& logits) { return ad::cross_entropy(logits, flat); });
  const std::vector<TD>& g = trained.grads;
  ASSERT_EQ(g.size(), params.size());
  const TD loss = ad::cross_entropy(net.forward(params, inputs, B), flat);
  EXPECT_NEAR(trained.loss.item(), loss.item(), 1e-14);
  const std::vector<TD> plain = ad::grad(loss, params.tensors());
  for (std::size_t i = 0; i < params.size(); ++i)
    EXPECT_LE((plain[i].value() - g[i].value()).cwiseAbs().maxCoeff(), 1e-12 * std::max(1.0, plain[i].value().cwiseAbs().maxCoeff()))
        << params.name(i);
  int checked = 0;
  double worst = 0;
  for (std::size_t i = 0; i < params.size(); ++i) {
    MD& v = params[i].mutable_value();
    for (Eigen::Index k = 0; k < v.size(); ++k) {
      const double original = v.data()[k];
      v.data()[k] = original + kStep;
      const double up = episode_loss(net, params, inputs, B, flat);
      v.data()[k] = original - kStep;
      const double down = episode_loss(net, params, inputs, B, flat);
      v.data()[k] = original;
      const double numeric = (up - down) / (2 * kStep), analytic = g[i].value().data()[k];
      const double scale = std::max({1.0, std::abs(numeric), std::abs(analytic)});
      worst = std::max(worst, std::abs(numeric - analytic) / scale);
      EXPECT_LE(std::abs(numeric - analytic), kGradTolerance * scale)
          << params.name(i) << " element " << k << ": analytic " << analytic << " numeric " << numeric;
      ++checked;
    }
  }
  EXPECT_EQ(checked, params.num_elements());
  // Every parameter tensor takes part (a zero gradient would hide a broken path).
  for (std::size_t i = 0; i < params.size(); ++i) EXPECT_GT(g[i].value().cwiseAbs().maxCoeff(), 0) << params.name(i);
  char text[32];
  std::snprintf(text, sizeof text, "%.2e", worst);
  RecordProperty("worst_scaled_error", text);
}

INSTANTIATE_TEST_SUITE_P(Archs, MannGradients,
                         ::testing::Values(SequenceArch::Mann, SequenceArch::Lstm, SequenceArch::FeedForward),
                         [](const ::testing::TestParamInfo<SequenceArch>& info) {
                           return std::string(sequence_arch_name(info.param));
                         });

TEST(MannNetwork, EpisodesOfABatchAreIndependent) {
  const SequenceNetConfig config = tiny_config(SequenceArch::Mann);
  const SequenceNet<double> net(config);
  Rng rng(9);
  const nn::Params<double> params = net.init(rng);
  const TinyEpisodes e = tiny_episodes(3, 5, config.input_dim, config.num_classes, 10);
  const MD together = net.forward(params, sequence_inputs<double>(e.xs, e.labels, 3), 3).value();
  for (int b = 0; b < 3; ++b) {
    const MD alone = net.forward(params, sequence_inputs<double>({e.xs[b]}, {e.labels[b]}, 3), 1).value();
    for (int t = 0; t < 5; ++t)
      EXPECT_LE((together.row(t * 3 + b) - alone.row(t)).cwiseAbs().maxCoeff(), 1e-12) << "episode " << b << " t " << t;
  }
}

TEST(MannNetwork, ParameterShapesFollowTheConfig) {
  SequenceNetConfig c = tiny_config(SequenceArch::Mann);
  Rng rng(11);
  const nn::Params<float> p = SequenceNet<float>(c).init(rng);
  const int in = c.input_dim + c.num_classes, H = 4, RM = c.read_heads * c.memory_width;
  EXPECT_EQ(p.at("controller.weight_x").rows(), in);
  EXPECT_EQ(p.at("controller.weight_x").cols(), 4 * H);
  EXPECT_EQ(p.at("controller.weight_r").rows(), RM);
  EXPECT_EQ(p.at("heads.weight").cols(), c.read_heads * (2 * c.memory_width + 2));
  EXPECT_EQ(p.at("output.weight").rows(), H + RM);
  // Forget-gate bias starts at 1.
  EXPECT_EQ(p.at("controller.bias").value()(0, H), 1.0f);
  EXPECT_EQ(p.at("controller.bias").value()(0, 0), 0.0f);
  c.arch = SequenceArch::Lstm;
  const nn::Params<float> q = SequenceNet<float>(c).init(rng);
  EXPECT_FALSE(q.contains("controller.weight_r"));
  EXPECT_FALSE(q.contains("heads.weight"));
  EXPECT_EQ(q.at("output.weight").rows(), H);
  // Invalid configurations name the field.
  c.arch = SequenceArch::Mann;
  c.read_heads = 7;
  EXPECT_THROW(SequenceNet<float>{c}, std::invalid_argument);
  c = tiny_config(SequenceArch::Lstm);
  c.hidden = {4, 4};
  EXPECT_THROW(SequenceNet<float>{c}, std::invalid_argument);
}

// ---------------------------------------------------------------- learner

LearnerConfig tiny_learner(const std::string& kind) {
  LearnerConfig c;
  c.learner = kind;
  c.model.input_dim = 3;
  c.model.output_dim = 3;
  c.model.classification = true;
  c.model.hidden = kind == "feedforward" ? std::vector<int>{6, 5} : std::vector<int>{6};
  c.memory_slots = 7;
  c.memory_width = 4;
  c.read_heads = 2;
  c.usage_decay = 0.9f;
  c.outer_lr = 0.01f;
  c.grad_clip = 10.0f;
  c.seed = 3;
  return c;
}

Task tiny_task(std::uint64_t seed, int support = 6, int query = 4) {
  Rng rng(seed);
  Task t;
  t.num_classes = 3;
  t.support_x = random_matrix(rng, support, 3).cast<float>();
  t.query_x = random_matrix(rng, query, 3).cast<float>();
  t.support_y.resize(support, 1);
  t.query_y.resize(query, 1);
  for (int i = 0; i < support; ++i) t.support_y(i, 0) = static_cast<float>(i % 3);
  for (int i = 0; i < query; ++i) t.query_y(i, 0) = static_cast<float>(rng.randint(0, 2));
  return t;
}

TEST(MannLearner, RegisteredUnderThreeNames) {
  for (const std::string kind : {"mann", "lstm", "feedforward"}) {
    bool listed = false;
    for (const auto& n : learner_names()) listed = listed || n == kind;
    EXPECT_TRUE(listed) << kind;
    auto learner = make_learner(tiny_learner(kind));
    EXPECT_EQ(learner->kind(), kind);
    EXPECT_FALSE(learner->iterative());
    EXPECT_NE(dynamic_cast<MannLearner*>(learner.get()), nullptr);
  }
}

TEST(MannLearner, ConfigRoundTripsThroughMetadata) {
  LearnerConfig c = tiny_learner("mann");
  c.memory_slots = 33;
  c.memory_width = 9;
  c.read_heads = 3;
  c.usage_decay = 0.875f;
  const LearnerConfig back = LearnerConfig::from_metadata(c.to_metadata());
  EXPECT_EQ(back.memory_slots, 33);
  EXPECT_EQ(back.memory_width, 9);
  EXPECT_EQ(back.read_heads, 3);
  EXPECT_EQ(back.usage_decay, 0.875f);
  EXPECT_EQ(back.model.hidden, c.model.hidden);
  c.read_heads = 40;  // more heads than slots
  EXPECT_THROW(c.validate(), std::invalid_argument);
  c = tiny_learner("lstm");
  c.model.hidden = {4, 4};
  EXPECT_THROW(c.validate(), std::invalid_argument);
}

TEST(MannLearner, MetaStepLowersTheLossOnAFixedBatch) {
  for (const std::string kind : {"mann", "lstm", "feedforward"}) {
    MannLearner learner(tiny_learner(kind));
    std::vector<Task> batch{tiny_task(1), tiny_task(2), tiny_task(3)};
    // The same sequences every step (meta_step reorders them per iteration):
    // use train_sequences directly.
    std::vector<Matrix> xs;
    std::vector<std::vector<int>> ys;
    for (const Task& t : batch) {
      xs.push_back(t.support_x);
      ys.push_back(labels_of(t.support_y, 3));
    }
    const double first = learner.train_sequences(xs, ys).loss;
    double last = first;
    for (int i = 0; i < 60; ++i) last = learner.train_sequences(xs, ys).loss;
    EXPECT_LT(last, first) << kind;
    EXPECT_EQ(learner.iteration(), 61);
    const StepStats s = learner.meta_step(batch);
    EXPECT_TRUE(std::isfinite(s.loss));
    EXPECT_TRUE(std::isnan(s.pre_loss));
    EXPECT_GE(s.metric, 0.0);
    EXPECT_LE(s.metric, 1.0);
  }
}

TEST(MannLearner, MetaStepRejectsEpisodesOfDifferentLengths) {
  MannLearner learner(tiny_learner("mann"));
  EXPECT_THROW(learner.meta_step({tiny_task(1, 6, 4), tiny_task(2, 5, 4)}), std::invalid_argument);
  EXPECT_THROW(learner.meta_step({}), std::invalid_argument);
}

TEST(MannLearner, AdaptPredictsEachQueryAsTheNextStep) {
  MannLearner learner(tiny_learner("mann"));
  const Task task = tiny_task(4);
  const std::vector<Predictor> path = learner.adapt(task, 5);
  ASSERT_EQ(path.size(), 1u);
  const Matrix q = path[0](task.query_x);
  ASSERT_EQ(q.rows(), task.query_x.rows());
  ASSERT_EQ(q.cols(), 3);
  // Query k's logits equal the last step of the sequence support ++ query_k.
  const std::vector<int> ys = labels_of(task.support_y, 3);
  for (Eigen::Index k = 0; k < task.query_x.rows(); ++k) {
    Matrix x(task.support_x.rows() + 1, 3);
    x.topRows(task.support_x.rows()) = task.support_x;
    x.bottomRows(1) = task.query_x.row(k);
    std::vector<int> y = ys;
    y.push_back(0);  // its own label is never an input
    const Matrix logits = learner.predict_sequences({x}, {y})[0];
    EXPECT_LE((logits.bottomRows(1) - q.row(k)).cwiseAbs().maxCoeff(), kFloatTolerance) << "query " << k;
  }
  // Wrong widths are rejected with a message.
  EXPECT_THROW(path[0](Matrix::Zero(2, 4)), std::invalid_argument);
}

TEST(MannLearner, CheckpointRestoresPredictionsAndOptimizerState) {
  for (const std::string kind : {"mann", "lstm", "feedforward"}) {
    auto learner = make_learner(tiny_learner(kind));
    for (int i = 0; i < 3; ++i) learner->meta_step({tiny_task(10 + i), tiny_task(20 + i)});
    const Checkpoint ckpt = load_safetensors(save_safetensors(learner->save()), "memory");
    auto back = load_learner(ckpt);
    EXPECT_EQ(back->kind(), kind);
    EXPECT_EQ(back->iteration(), 3);
    const Task task = tiny_task(5);
    EXPECT_EQ(learner->adapt(task, 0)[0](task.query_x), back->adapt(task, 0)[0](task.query_x)) << kind;
    // Identical next steps: the optimizer state came back too.
    const StepStats a = learner->meta_step({tiny_task(30), tiny_task(31)});
    const StepStats b = back->meta_step({tiny_task(30), tiny_task(31)});
    EXPECT_EQ(a.loss, b.loss) << kind;
    EXPECT_EQ(learner->params().flatten(), back->params().flatten()) << kind;
  }
}

TEST(MannLearner, RecordedEpisodeReplaysTheMemory) {
  MannLearner learner(tiny_learner("mann"));
  const Task task = tiny_task(6, 8, 0);
  const std::vector<int> y = labels_of(task.support_y, 3);
  const MemoryTrace trace = learner.record_episode(task.support_x, y, {1, 1, 1, 2, 2, 2, 3, 3});
  ASSERT_EQ(trace.steps(), 8);
  ASSERT_EQ(trace.memory.size(), 8u);
  EXPECT_EQ(trace.slots, 7);
  EXPECT_EQ(trace.heads, 2);
  // The recorded predictions are the network's outputs for the same sequence.
  const Matrix logits = learner.predict_sequences({task.support_x}, {y})[0];
  for (int t = 0; t < 8; ++t) {
    Eigen::Index best;
    logits.row(t).maxCoeff(&best);
    EXPECT_EQ(trace.predictions[t], best);
    EXPECT_NEAR(trace.probabilities.row(t).sum(), 1.0f, kFloatTolerance);
    EXPECT_EQ(trace.memory[t].rows(), 7);
    EXPECT_EQ(trace.memory[t].cols(), 4);
    EXPECT_EQ(trace.read_weights[t].rows(), 2);
    EXPECT_EQ(trace.write_weights[t].cols(), 7);
    for (int i = 0; i < 2; ++i) EXPECT_NEAR(trace.read_weights[t].row(i).sum(), 1.0f, kFloatTolerance);
  }
  // Step 0 writes only to least-used slots of an empty memory (slots 0 and 1
  // for two heads); the first zeroed slot is slot 0.
  EXPECT_EQ(trace.zeroed_slot[0], 0);
  for (int j = 2; j < 7; ++j) EXPECT_EQ(trace.write_weights[0].col(j).cwiseAbs().maxCoeff(), 0.0f);
  // Usage after step 0 = read + write weights summed over heads.
  const Matrix u0 = trace.read_weights[0].colwise().sum() + trace.write_weights[0].colwise().sum();
  EXPECT_LE((trace.usage[0] - u0).cwiseAbs().maxCoeff(), kFloatTolerance);
  // Memory after step t = memory after t-1, zeroed slot cleared, plus the write.
  for (int t = 1; t < 8; ++t) {
    Matrix expected = trace.memory[t - 1];
    expected.row(trace.zeroed_slot[t]).setZero();
    // The add vectors are not recorded; check the rows nobody wrote to instead.
    for (int j = 0; j < 7; ++j) {
      if (trace.write_weights[t].col(j).cwiseAbs().maxCoeff() == 0.0f) {
        EXPECT_EQ(trace.memory[t].row(j), expected.row(j)) << "t " << t << " slot " << j;
      }
    }
  }

  const Json json = parse_json(memory_trace_to_json(trace));
  EXPECT_EQ(json.at("learner"), "mann");
  EXPECT_EQ(json.at("steps").size(), 8u);
  EXPECT_EQ(json.at("steps").at(0).at("prev_label"), -1);
  EXPECT_EQ(json.at("steps").at(3).at("prev_label"), y[2]);
  EXPECT_EQ(json.at("steps").at(3).at("instance"), 2);
  EXPECT_EQ(json.at("steps").at(5).at("memory").size(), 7u);
  // Numbers keep 4 significant digits (the default).
  const double w = json.at("steps").at(5).at("write_weights").at(0).at(0).get<double>();
  char four[32];
  std::snprintf(four, sizeof four, "%.4g", static_cast<double>(trace.write_weights[5](0, 0)));
  EXPECT_EQ(w, std::strtod(four, nullptr));
  // Baselines record inputs and predictions only.
  MannLearner lstm(tiny_learner("lstm"));
  const MemoryTrace lt = lstm.record_episode(task.support_x, y);
  EXPECT_TRUE(lt.memory.empty());
  EXPECT_EQ(parse_json(memory_trace_to_json(lt)).at("steps").size(), 8u);
}

}  // namespace
}  // namespace metalab
