// Conv1d (core/nn/sequence_conv.h): a convolution and pooling that equal the
// textbook definitions, and first and second derivatives of the whole block
// stack against central differences in double precision (what exact
// second-order MAML needs from a backbone).
#include "core/nn/sequence_conv.h"

#include <gtest/gtest.h>

#include "core/learners/model.h"
#include "tests/autodiff/gradcheck.h"

namespace metalab {
namespace {

using namespace ad::testing;

// out[n, i, h] = b[h] + sum_j sum_c x[n, i + j - k/2, c] * W[j * C + c, h], zero outside.
MD reference_conv(const MD& x, const MD& w, const MD& b, int n, int len, int k) {
  const int c_in = static_cast<int>(x.cols()), hidden = static_cast<int>(w.cols());
  MD out(n * len, hidden);
  for (int s = 0; s < n; ++s)
    for (int i = 0; i < len; ++i)
      for (int h = 0; h < hidden; ++h) {
        double v = b(0, h);
        for (int j = 0; j < k; ++j) {
          const int p = i + j - k / 2;
          if (p < 0 || p >= len) continue;
          for (int c = 0; c < c_in; ++c) v += x(s * len + p, c) * w(j * c_in + c, h);
        }
        out(s * len + i, h) = v;
      }
  return out;
}

TEST(Conv1d, ConvolutionAndPoolingMatchTheDefinitions) {
  Rng rng(5);
  for (int k : {1, 3, 5}) {
    nn::Conv1d net{/*length=*/7, /*channels=*/3, /*hidden=*/4, /*blocks=*/1, k};
    const int n = 2, len = 7;
    const MD x = normal(rng, n * len, 3), w = normal(rng, k * 3, 4), b = normal(rng, 1, 4);
    const MD got = net.convolve(TD(x), TD(w), TD(b), n, len).value();
    const MD want = reference_conv(x, w, b, n, len, k);
    EXPECT_LT((got - want).cwiseAbs().maxCoeff(), 1e-12) << "kernel " << k;
  }
  // Pooling: odd length 7 -> 3 positions per sequence, the last position dropped.
  const MD h = normal(rng, 2 * 7, 3);
  const MD p = nn::Conv1d::max_pool(TD(h), 2, 7).value();
  ASSERT_EQ(p.rows(), 6);
  for (int s = 0; s < 2; ++s)
    for (int i = 0; i < 3; ++i)
      for (int c = 0; c < 3; ++c)
        EXPECT_DOUBLE_EQ(p(s * 3 + i, c), std::max(h(s * 7 + 2 * i, c), h(s * 7 + 2 * i + 1, c)));
}

TEST(Conv1d, ValidatesItsGeometry) {
  EXPECT_THROW((nn::Conv1d{8, 20, 16, 4, 2}.validate()), std::invalid_argument);  // even kernel
  EXPECT_THROW((nn::Conv1d{7, 20, 16, 3, 3}.validate()), std::invalid_argument);  // 7 -> 3 -> 1 -> (too short)
  EXPECT_NO_THROW((nn::Conv1d{8, 20, 16, 3, 3}.validate()));
  EXPECT_EQ((nn::Conv1d{128, 20, 64, 4, 3}.output_dim()), 8 * 64);
  EXPECT_EQ((nn::Conv1d{15, 20, 32, 2, 5}.output_length()), 3);
}

// Parameters of a 2-block Conv1d on 2 sequences of 8 positions x 3 channels,
// as a list of matrices: x, then conv0 w/b, bn0 gamma/beta, conv1 w/b, bn1 gamma/beta.
struct Case {
  nn::Conv1d net{8, 3, 3, 2, 3};
  std::vector<MD> values;
  Case() {
    Rng rng(17);
    values.push_back(uniform(rng, 2, 8 * 3, -1, 1));
    int c = 3;
    for (int i = 0; i < 2; ++i) {
      values.push_back(normal(rng, 3 * c, 3, 0.7));
      values.push_back(uniform(rng, 1, 3, -0.3, 0.3));
      values.push_back(uniform(rng, 1, 3, 0.6, 1.4));
      values.push_back(uniform(rng, 1, 3, -0.4, 0.4));
      c = 3;
    }
  }
  TD forward(const std::vector<TD>& v) const {
    nn::Params<double> p;
    for (int i = 0; i < 2; ++i) {
      p.add(net.conv_name(i) + ".weight", v[1 + 4 * i]);
      p.add(net.conv_name(i) + ".bias", v[2 + 4 * i]);
      p.add(net.bn_name(i) + ".weight", v[3 + 4 * i]);
      p.add(net.bn_name(i) + ".bias", v[4 + 4 * i]);
    }
    return net.forward(p, v[0], nn::Mode::Train);
  }
};

TEST(Conv1d, FirstAndSecondDerivativesMatchFiniteDifferences) {
  const Case c;
  // ReLU and max have kinks; with this seed no pre-activation and no pooled
  // pair lies within the finite-difference steps of one (another seed could
  // put one there, which would look like a wrong gradient without being one).
  const Fn f = [&](const std::vector<TD>& v) { return ad::tanh(c.forward(v)); };
  {
    ad::NoGradGuard no_grad;
    ASSERT_EQ(c.forward(make_leaves(c.values, false)).cols(), 2 * 3);
  }
  check_first_and_second("tanh(Conv1d 2 blocks)", f, c.values, 23);
  // A classification loss on top, as ProtoNet or MAML would differentiate it.
  const Fn loss = [&](const std::vector<TD>& v) {
    return ad::cross_entropy(c.forward(v), std::vector<int>{1, 4});
  };
  check_hvp("cross_entropy(Conv1d)", loss, c.values, 29);
}

TEST(Conv1d, IsABackboneOfTheModel) {
  ModelConfig m;
  m.backbone = "conv1d";
  m.sequence_length = 16;
  m.sequence_channels = 20;
  m.input_dim = 16 * 20;
  m.conv_hidden = 8;
  m.conv_blocks = 2;
  m.conv_kernel = 5;
  m.output_dim = 3;
  m.classification = true;
  Model model(m);
  Rng rng(3);
  const ParamsF p = model.init(rng);
  EXPECT_EQ(model.embedding_dim(), 4 * 8);
  EXPECT_EQ(model.init_batch_norm_stats().size(), 2u);
  EXPECT_TRUE(model.is_head("head.weight"));
  EXPECT_FALSE(model.is_head("conv0.weight"));
  Matrix x = Matrix::Random(5, 16 * 20);
  EXPECT_EQ(model.forward(p, Tensorf(x)).cols(), 3);
  // The geometry round-trips through checkpoint metadata, and a mismatch is named.
  std::map<std::string, std::string> meta;
  m.to_metadata(meta);
  EXPECT_EQ(meta.at("model.conv_kernel"), "5");
  const ModelConfig back = ModelConfig::from_metadata(meta);
  EXPECT_EQ(back.sequence_length, 16);
  EXPECT_EQ(back.conv_kernel, 5);
  m.input_dim = 100;
  EXPECT_THROW(m.validate(), std::invalid_argument);
  // Other backbones do not write the conv1d keys.
  std::map<std::string, std::string> mlp_meta;
  ModelConfig{}.to_metadata(mlp_meta);
  EXPECT_EQ(mlp_meta.count("model.sequence_length"), 0u);
}

}  // namespace
}  // namespace metalab
