// Tests of core/nn: layers against values worked out by hand (Linear, an MLP
// with its body and head, one LSTM step), Conv4's shapes and names, and what
// Params::clone and Params::detach promise.
#include "core/nn/layers.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/nn/params.h"

namespace metalab::nn {
namespace {

using ad::Mat;
using ad::Tensor;

Mat<double> mat(int rows, int cols, std::initializer_list<double> values) {
  Mat<double> m(rows, cols);
  std::copy(values.begin(), values.end(), m.data());  // row-major
  return m;
}
Tensor<double> leaf(int rows, int cols, std::initializer_list<double> values) {
  return Tensor<double>(mat(rows, cols, values), true);
}

TEST(Linear, IsXTimesWeightPlusBias) {
  Params<double> p;
  p.add("fc.weight", leaf(2, 3, {1, 0, -1, 2, 1, 0}));  // [in, out]
  p.add("fc.bias", leaf(1, 3, {0.5, -0.5, 1}));
  const Linear fc{2, 3};
  const Tensor<double> y = fc.forward(p, "fc", Tensor<double>(mat(2, 2, {1, 2, -1, 0})));
  // row 0: [1*1 + 2*2 + 0.5, 0 + 2 - 0.5, -1 + 0 + 1]; row 1: [-1 + 0.5, -0.5, 1 + 1]
  EXPECT_EQ(y.value(), mat(2, 3, {5.5, 1.5, 0, -0.5, -0.5, 2}));
}

TEST(Linear, InitialisationShapesAndSchemes) {
  Rng rng(1);
  Params<double> p;
  Linear{4, 3, Init::Zeros}.init(p, "a", rng);
  Linear{4, 3, Init::TorchDefault}.init(p, "b", rng);
  EXPECT_EQ(p.names(), (std::vector<std::string>{"a.weight", "a.bias", "b.weight", "b.bias"}));
  EXPECT_EQ(p.at("a.weight").value(), Mat<double>::Zero(4, 3));
  EXPECT_EQ(p.at("b.bias").cols(), 3);
  // PyTorch's default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) = U(-0.5, 0.5) for weights and biases.
  EXPECT_LE(p.at("b.weight").value().cwiseAbs().maxCoeff(), 0.5);
  EXPECT_GT(p.at("b.bias").value().cwiseAbs().maxCoeff(), 0.0);
  EXPECT_TRUE(p.at("a.weight").requires_grad());
}

// sizes {2, 2, 1}, ReLU: x = [1, 1] -> z = [1 + 2 + 0, -1 + 1 - 1] = [3, -1] -> relu [3, 0] -> 2*3 + 5*0 + 0.5.
TEST(MLP, ForwardBodyAndHead) {
  const MLP mlp{{2, 2, 1}, Activation::ReLU};
  Params<double> p;
  p.add("layer0.weight", leaf(2, 2, {1, -1, 2, 1}));
  p.add("layer0.bias", leaf(1, 2, {0, -1}));
  p.add("layer1.weight", leaf(2, 1, {2, 5}));
  p.add("layer1.bias", leaf(1, 1, {0.5}));
  const Tensor<double> x(mat(1, 2, {1, 1}));
  EXPECT_EQ(mlp.forward(p, x).value(), mat(1, 1, {6.5}));
  EXPECT_EQ(mlp.forward_body(p, x).value(), mat(1, 2, {3, 0}));
  EXPECT_EQ(mlp.head_prefix(), "layer1");
  // tanh instead: [tanh 3, tanh -1] . [2, 5] + 0.5
  const MLP tanh_mlp{{2, 2, 1}, Activation::Tanh};
  EXPECT_NEAR(tanh_mlp.forward(p, x).value()(0, 0), 2 * std::tanh(3.0) + 5 * std::tanh(-1.0) + 0.5, 1e-15);
  // Its own initialisation has the same names and shapes.
  Rng rng(2);
  const Params<double> q = mlp.init<double>(rng);
  ASSERT_EQ(q.names(), p.names());
  for (std::size_t i = 0; i < q.size(); ++i) {
    EXPECT_EQ(q[i].rows(), p[i].rows()) << q.name(i);
    EXPECT_EQ(q[i].cols(), p[i].cols()) << q.name(i);
  }
  EXPECT_EQ(parse_activation("sigmoid"), Activation::Sigmoid);
  EXPECT_THROW(parse_activation("gelu"), std::invalid_argument);
}

TEST(MLP, ForwardPerTaskIsForwardWithEachTasksCopy) {
  const MLP mlp{{3, 5, 2}, Activation::Tanh};
  Rng rng(4);
  const int tasks = 3, rows = 4;
  std::vector<Params<double>> copies;
  for (int t = 0; t < tasks; ++t) copies.push_back(mlp.init<double>(rng));
  Params<double> stacked;  // copy t of every parameter at row block t
  for (std::size_t i = 0; i < copies[0].size(); ++i) {
    Mat<double> all(tasks * copies[0][i].rows(), copies[0][i].cols());
    for (int t = 0; t < tasks; ++t) all.middleRows(t * copies[0][i].rows(), copies[0][i].rows()) = copies[t][i].value();
    stacked.add(copies[0].name(i), Tensor<double>(all, true));
  }
  Mat<double> x(tasks * rows, 3);
  for (Eigen::Index k = 0; k < x.size(); ++k) x.data()[k] = rng.uniform(-1, 1);
  const Tensor<double> y = mlp.forward_per_task(stacked, Tensor<double>(x), tasks);
  ASSERT_EQ(y.rows(), tasks * rows);
  for (int t = 0; t < tasks; ++t) {
    const Tensor<double> alone = mlp.forward(copies[t], Tensor<double>(Mat<double>(x.middleRows(t * rows, rows))));
    EXPECT_TRUE(y.value().middleRows(t * rows, rows).isApprox(alone.value(), 1e-14)) << "task " << t;
  }
  EXPECT_THROW(mlp.forward_per_task(stacked, Tensor<double>(Mat<double>(x.topRows(5))), tasks), std::invalid_argument);
}

TEST(Conv4, ShapesNamesAndValidation) {
  // 28 -> 14 -> 7 -> 3 -> 1: the standard backbone gives 64 features.
  EXPECT_EQ((Conv4{28, 28, 1, 64, 4}.output_dim()), 64);
  EXPECT_EQ((Conv4{84, 84, 3, 64, 4}.output_dim()), 5 * 5 * 64);  // miniImageNet
  const Conv4 conv{12, 12, 1, 8, 2};                                 // 12 -> 6 -> 3
  EXPECT_EQ(conv.output_dim(), 3 * 3 * 8);
  Rng rng(3);
  const Params<double> p = conv.init<double>(rng);
  EXPECT_EQ(p.names(), (std::vector<std::string>{"conv0.weight", "conv0.bias", "bn0.weight", "bn0.bias", "conv1.weight",
                                                 "conv1.bias", "bn1.weight", "bn1.bias"}));
  EXPECT_EQ(p.at("conv0.weight").rows(), 9 * 1);  // 3x3 x input channels
  EXPECT_EQ(p.at("conv1.weight").rows(), 9 * 8);
  EXPECT_EQ(p.at("conv1.weight").cols(), 8);
  EXPECT_EQ(p.at("bn1.weight").value(), Mat<double>::Ones(1, 8));
  Mat<double> x(5, 144);
  for (int i = 0; i < x.size(); ++i) x.data()[i] = std::sin(0.37 * i);
  std::vector<BatchNormStats<double>> stats = conv.init_stats<double>();
  const Tensor<double> train = conv.forward(p, Tensor<double>(x), Mode::Train, &stats);
  EXPECT_EQ(train.rows(), 5);
  EXPECT_EQ(train.cols(), 72);
  EXPECT_GE(train.value().minCoeff(), 0.0);  // after ReLU and max-pool
  EXPECT_EQ(conv.forward(p, Tensor<double>(x), Mode::Eval, &stats).cols(), 72);
  EXPECT_THROW(conv.forward(p, Tensor<double>(Mat<double>::Zero(5, 100)), Mode::Train), ad::ShapeError);
  EXPECT_THROW(conv.forward(p, Tensor<double>(x), Mode::Eval), std::invalid_argument);  // no running statistics
  EXPECT_THROW((Conv4{4, 4, 1, 8, 4}.validate()), std::invalid_argument);                // too small for 4 pools
}

// One step, in = hidden = 1: z = x Wx + h Wh + b, gates [i, f, g, o].
TEST(LSTMCell, OneStepByHand) {
  const LSTMCell cell{1, 1};
  Params<double> p;
  p.add("lstm.weight_x", leaf(1, 4, {1, 0, 2, -1}));
  p.add("lstm.weight_h", leaf(1, 4, {0, 1, 1, 2}));
  p.add("lstm.bias", leaf(1, 4, {0, 1, 0, 0}));
  const LSTMCell::State<double> s0{Tensor<double>(mat(1, 1, {0.5})), Tensor<double>(mat(1, 1, {0.25}))};
  const auto s1 = cell.forward(p, "lstm", Tensor<double>(mat(1, 1, {1})), s0);
  const auto sigmoid = [](double v) { return 1 / (1 + std::exp(-v)); };
  // z = [1 + 0 + 0, 0 + 0.5 + 1, 2 + 0.5 + 0, -1 + 1 + 0] = [1, 1.5, 2.5, 0]
  const double i = sigmoid(1), f = sigmoid(1.5), g = std::tanh(2.5), o = sigmoid(0);
  const double c = f * 0.25 + i * g;
  EXPECT_NEAR(s1.c.value()(0, 0), c, 1e-15);
  EXPECT_NEAR(s1.h.value()(0, 0), o * std::tanh(c), 1e-15);
  // Initialisation: forget-gate bias 1, the rest 0; a zero state of the batch's size.
  Rng rng(4);
  Params<double> q;
  LSTMCell{3, 2}.init(q, "c", rng);
  EXPECT_EQ(q.at("c.weight_x").cols(), 8);
  EXPECT_EQ(q.at("c.bias").value(), mat(1, 8, {0, 0, 1, 1, 0, 0, 0, 0}));
  const auto z = LSTMCell{3, 2}.zero_state<double>(4);
  EXPECT_EQ(z.h.value(), Mat<double>::Zero(4, 2));
}

TEST(Params, CloneCopiesValuesIntoNewLeaves) {
  Params<double> p;
  p.add("w", leaf(1, 2, {1, 2}));
  Params<double> c = p.clone();
  EXPECT_EQ(c.names(), p.names());
  EXPECT_EQ(c[0].value(), p[0].value());
  EXPECT_TRUE(c[0].requires_grad());
  c[0].mutable_value()(0, 0) = 9;  // a copy, not a view
  EXPECT_EQ(p[0].value()(0, 0), 1);
  EXPECT_THROW(p.add("w", leaf(1, 1, {0})), std::invalid_argument);  // names are unique
  EXPECT_THROW(p.at("v"), std::out_of_range);
}

TEST(Params, DetachCutsTheGraphToTheOriginal) {
  Params<double> p;
  p.add("w", leaf(1, 2, {1, 2}));
  const Params<double> d = p.detach();
  EXPECT_EQ(d[0].value(), p[0].value());
  EXPECT_FALSE(d[0].requires_grad());
  // A loss through the original has a gradient; through the detached copy none reaches it.
  const Tensor<double> x(mat(2, 1, {3, 4}));
  const auto through = ad::grad(ad::sum(ad::matmul(p[0], x)), {p[0]});
  EXPECT_EQ(through[0].value(), mat(1, 2, {3, 4}));
  const auto cut = ad::grad(ad::sum(ad::matmul(d[0], x)), {p[0]});  // p[0] is not in that graph
  EXPECT_EQ(cut[0].value(), Mat<double>::Zero(1, 2));
  // MAML's fast weights: updated(grads, lr) is theta - lr * g, still connected to theta.
  const Params<double> fast = p.updated(through, 0.5);
  EXPECT_EQ(fast[0].value(), mat(1, 2, {1 - 1.5, 2 - 2}));
  const auto back = ad::grad(ad::sum(fast[0]), {p[0]});
  EXPECT_EQ(back[0].value(), mat(1, 2, {1, 1}));
}

}  // namespace
}  // namespace metalab::nn
