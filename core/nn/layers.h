// Layers as pure functions of explicit parameters, and their seeded
// initialisation. Each layer is a small shape description with
//   init(Rng&, prefix)               -> Params with named tensors
//   forward(params, prefix, input)   -> output
// so the same layer serves ordinary training, MAML's fast weights and ANIL's
// "adapt only the head". Parameter names follow "<prefix>.weight",
// "<prefix>.bias" (PyTorch's convention, so checkpoints read naturally).
//
// Shapes: a Linear weight is [in, out] (x * W + b, rows are examples); a Conv2d
// weight is [k*k*C_in, C_out] over pixel-major images (see autodiff/ops.h).
#pragma once

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/common/rng.h"
#include "core/nn/params.h"

namespace metalab::nn {

enum class Activation { ReLU, Tanh, Sigmoid, None };
const char* activation_name(Activation a);
Activation parse_activation(const std::string& name);  // "relu", "tanh", "sigmoid", "none"

template <typename T>
Tensor<T> activate(Activation a, const Tensor<T>& x) {
  switch (a) {
    case Activation::ReLU: return ad::relu(x);
    case Activation::Tanh: return ad::tanh(x);
    case Activation::Sigmoid: return ad::sigmoid(x);
    case Activation::None: return x;
  }
  return x;
}

// TorchDefault is PyTorch's nn.Linear initialisation, U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
// used for MLPs so results compare directly with PyTorch implementations.
enum class Init { KaimingNormal, XavierUniform, TorchDefault, Zeros };

// A rows x cols matrix drawn for a layer with the given fan-in and fan-out.
template <typename T>
Mat<T> init_matrix(Init kind, int rows, int cols, int fan_in, int fan_out, Rng& rng) {
  Mat<T> m(rows, cols);
  switch (kind) {
    case Init::KaimingNormal: {  // He et al. 2015: keeps ReLU activations' variance
      const double std = std::sqrt(2.0 / fan_in);
      for (int i = 0; i < m.size(); ++i) m.data()[i] = static_cast<T>(rng.normal(0.0, std));
      break;
    }
    case Init::XavierUniform: {  // Glorot & Bengio 2010: for tanh/sigmoid
      const double a = std::sqrt(6.0 / (fan_in + fan_out));
      for (int i = 0; i < m.size(); ++i) m.data()[i] = static_cast<T>(rng.uniform(-a, a));
      break;
    }
    case Init::TorchDefault: {
      const double a = 1.0 / std::sqrt(static_cast<double>(fan_in));
      for (int i = 0; i < m.size(); ++i) m.data()[i] = static_cast<T>(rng.uniform(-a, a));
      break;
    }
    case Init::Zeros: m.setZero(); break;
  }
  return m;
}

struct Linear {
  int in = 1, out = 1;
  Init init_kind = Init::KaimingNormal;

  template <typename T>
  void init(Params<T>& params, const std::string& prefix, Rng& rng) const {
    params.add(prefix + ".weight", Tensor<T>(init_matrix<T>(init_kind, in, out, in, out, rng), true));
    // PyTorch draws biases like weights; the other schemes start them at zero.
    params.add(prefix + ".bias", Tensor<T>(init_kind == Init::TorchDefault ? init_matrix<T>(init_kind, 1, out, in, out, rng)
                                                                          : Mat<T>(Mat<T>::Zero(1, out)),
                                           true));
  }
  template <typename T>
  Tensor<T> forward(const Params<T>& params, const std::string& prefix, const Tensor<T>& x) const {
    return ad::linear(x, params.at(prefix + ".weight"), params.at(prefix + ".bias"));
  }
};

// A multilayer perceptron: sizes = {in, hidden..., out}; the activation
// follows every layer but the last. Layers are named "layer0", "layer1", ...
struct MLP {
  std::vector<int> sizes{1, 40, 40, 1};
  Activation activation = Activation::ReLU;

  void validate() const;
  int num_layers() const { return static_cast<int>(sizes.size()) - 1; }
  std::string layer_name(int i) const { return "layer" + std::to_string(i); }
  Linear layer(int i) const {
    return Linear{sizes[i], sizes[i + 1], Init::TorchDefault};
  }

  template <typename T>
  Params<T> init(Rng& rng) const {
    validate();
    Params<T> p;
    for (int i = 0; i < num_layers(); ++i) layer(i).init(p, layer_name(i), rng);
    return p;
  }
  template <typename T>
  Tensor<T> forward(const Params<T>& params, const Tensor<T>& x) const {
    Tensor<T> h = x;
    for (int i = 0; i < num_layers(); ++i) {
      h = layer(i).forward(params, layer_name(i), h);
      if (i + 1 < num_layers()) h = activate(activation, h);
    }
    return h;
  }
  // forward() for several tasks at once, each with its own copy of the
  // weights, in one graph (MAML's meta-batch: one graph of a few hundred
  // nodes instead of one per task). x stacks the tasks' rows, x.rows() / tasks
  // each; every parameter stacks the tasks' copies vertically (a weight of
  // in x out as tasks * in x out, a bias as tasks x out). Row block t of the
  // result is forward() with copy t on task t's rows.
  template <typename T>
  Tensor<T> forward_per_task(const Params<T>& params, const Tensor<T>& x, int tasks) const {
    if (tasks < 1 || x.rows() % tasks != 0)
      throw std::invalid_argument("MLP::forward_per_task: " + std::to_string(x.rows()) + " rows are not " +
                                  std::to_string(tasks) + " equal blocks");
    std::vector<int> task_of_row(static_cast<std::size_t>(x.rows()));
    const Eigen::Index per_task = x.rows() / tasks;
    for (std::size_t r = 0; r < task_of_row.size(); ++r) task_of_row[r] = static_cast<int>(static_cast<Eigen::Index>(r) / per_task);
    Tensor<T> h = x;
    for (int i = 0; i < num_layers(); ++i) {
      const std::string name = layer_name(i);
      h = ad::add(ad::batched_matmul(h, params.at(name + ".weight"), tasks), ad::gather_rows(params.at(name + ".bias"), task_of_row));
      if (i + 1 < num_layers()) h = activate(activation, h);
    }
    return h;
  }
  // Everything but the last layer (ANIL's body, a ProtoNet embedding).
  template <typename T>
  Tensor<T> forward_body(const Params<T>& params, const Tensor<T>& x) const {
    Tensor<T> h = x;
    for (int i = 0; i + 1 < num_layers(); ++i) h = activate(activation, layer(i).forward(params, layer_name(i), h));
    return h;
  }
  std::string head_prefix() const { return layer_name(num_layers() - 1); }
};

// Running statistics of a batch-norm layer (not learned by gradient descent).
template <typename T>
struct BatchNormStats {
  Mat<T> running_mean, running_var;
  T momentum = T(0.1);
  void reset(int channels) {
    running_mean = Mat<T>::Zero(1, channels);
    running_var = Mat<T>::Ones(1, channels);
  }
  void update(const Mat<T>& batch_mean, const Mat<T>& batch_var, long count) {
    // PyTorch's convention: the running variance uses the unbiased estimate.
    const T unbias = count > 1 ? T(count) / T(count - 1) : T(1);
    running_mean = (T(1) - momentum) * running_mean + momentum * batch_mean;
    running_var = (T(1) - momentum) * running_var + momentum * (batch_var * unbias);
  }
};

enum class Mode { Train, Eval };

// The parameters of one convolution + batch-norm block (Conv4's and Conv1d's):
// "<conv>.weight" [fan_in, hidden] (Kaiming normal), "<conv>.bias" zeros,
// "<bn>.weight" ones and "<bn>.bias" zeros.
template <typename T>
void add_conv_block(Params<T>& p, const std::string& conv, const std::string& bn, int fan_in, int fan_out, int hidden,
                    Rng& rng) {
  p.add(conv + ".weight", Tensor<T>(init_matrix<T>(Init::KaimingNormal, fan_in, hidden, fan_in, fan_out, rng), true));
  p.add(conv + ".bias", Tensor<T>(Mat<T>::Zero(1, hidden), true));
  p.add(bn + ".weight", Tensor<T>(Mat<T>::Ones(1, hidden), true));
  p.add(bn + ".bias", Tensor<T>(Mat<T>::Zero(1, hidden), true));
}

template <typename T>
std::vector<BatchNormStats<T>> fresh_batch_norm_stats(int blocks, int channels) {
  std::vector<BatchNormStats<T>> s(static_cast<std::size_t>(blocks));
  for (auto& b : s) b.reset(channels);
  return s;
}

// Batch norm "<bn>.weight/.bias" of a block: in Train mode with the batch's
// statistics (updating *stats when given), in Eval mode with *stats.
template <typename T>
Tensor<T> block_batch_norm(const Params<T>& params, const std::string& bn, const Tensor<T>& h, Mode mode,
                           BatchNormStats<T>* stats) {
  const Tensor<T>& gamma = params.at(bn + ".weight");
  const Tensor<T>& beta = params.at(bn + ".bias");
  if (mode == Mode::Train) {
    auto r = ad::batch_norm_train(h, gamma, beta);
    if (stats) stats->update(r.batch_mean, r.batch_var, h.rows());
    return r.output;
  }
  return ad::batch_norm_eval(h, gamma, beta, stats->running_mean, stats->running_var);
}

// The standard few-shot image backbone (Vinyals et al. 2016; Snell et al. 2017;
// Finn et al. 2017): `blocks` x [conv 3x3 `hidden` channels, batch norm, ReLU,
// 2x2 max-pool]. Input [N, H*W*C] (pixel-major rows), output [N, h*w*hidden].
struct Conv4 {
  int height = 28, width = 28, channels = 1;
  int hidden = 64;
  int blocks = 4;

  void validate() const;
  int output_dim() const;
  std::string conv_name(int i) const { return "conv" + std::to_string(i); }
  std::string bn_name(int i) const { return "bn" + std::to_string(i); }

  template <typename T>
  Params<T> init(Rng& rng) const {
    validate();
    Params<T> p;
    int c = channels;
    for (int i = 0; i < blocks; ++i) {
      add_conv_block(p, conv_name(i), bn_name(i), 9 * c, 9 * hidden, hidden, rng);
      c = hidden;
    }
    return p;
  }
  template <typename T>
  std::vector<BatchNormStats<T>> init_stats() const {
    return fresh_batch_norm_stats<T>(blocks, hidden);
  }

  // In Train mode batch statistics normalise and, if stats is given, update the
  // running statistics; in Eval mode the running statistics are used.
  template <typename T>
  Tensor<T> forward(const Params<T>& params, const Tensor<T>& x, Mode mode,
                    std::vector<BatchNormStats<T>>* stats = nullptr) const {
    const long n = x.rows();
    if (x.cols() != static_cast<long>(height) * width * channels)
      throw ad::ShapeError("Conv4: input " + x.shape_string() + " is not N x (" + std::to_string(height) + "*" +
                           std::to_string(width) + "*" + std::to_string(channels) + ")");
    if (mode == Mode::Eval && (!stats || stats->size() != static_cast<std::size_t>(blocks)))
      throw std::invalid_argument("Conv4: evaluation mode needs running statistics for every block");
    ad::ImageShape shape{static_cast<int>(n), height, width, channels};
    Tensor<T> h = ad::reshape(x, shape.rows(), channels);
    for (int i = 0; i < blocks; ++i) {
      ad::ConvGeometry g{shape, 3, 1, 1};
      h = ad::conv2d(h, params.at(conv_name(i) + ".weight"), params.at(conv_name(i) + ".bias"), g);
      shape.channels = hidden;
      if (mode == Mode::Train) {
        // Batch norm, ReLU and pooling as one node (ops.h); the same as
        // max_pool2(relu(block_batch_norm(...))) up to rounding.
        const Tensor<T>& gamma = params.at(bn_name(i) + ".weight");
        const Tensor<T>& beta = params.at(bn_name(i) + ".bias");
        const long rows = h.rows();
        auto r = ad::batch_norm_relu_pool2_train(h, gamma, beta, shape);
        if (stats) (*stats)[static_cast<std::size_t>(i)].update(r.batch_mean, r.batch_var, rows);
        h = r.output;
      } else {
        h = ad::max_pool2(ad::relu(block_batch_norm(params, bn_name(i), h, mode, &(*stats)[static_cast<std::size_t>(i)])),
                          shape);
      }
      shape.height /= 2;
      shape.width /= 2;
    }
    return ad::reshape(h, n, h.size() / n);
  }
};

// One step of an LSTM cell (Hochreiter & Schmidhuber 1997) with a forget-gate
// bias of 1 at initialisation. Gates are packed [input, forget, cell, output]
// in the 4*hidden columns of "<prefix>.weight_x" [in, 4H], "<prefix>.weight_h"
// [H, 4H] and "<prefix>.bias" [1, 4H].
struct LSTMCell {
  int in = 1, hidden = 1;

  template <typename T>
  void init(Params<T>& params, const std::string& prefix, Rng& rng) const {
    params.add(prefix + ".weight_x", Tensor<T>(init_matrix<T>(Init::XavierUniform, in, 4 * hidden, in, hidden, rng), true));
    params.add(prefix + ".weight_h",
               Tensor<T>(init_matrix<T>(Init::XavierUniform, hidden, 4 * hidden, hidden, hidden, rng), true));
    Mat<T> b = Mat<T>::Zero(1, 4 * hidden);
    b.middleCols(hidden, hidden).setOnes();
    params.add(prefix + ".bias", Tensor<T>(std::move(b), true));
  }

  template <typename T>
  struct State {
    Tensor<T> h, c;
  };
  template <typename T>
  State<T> zero_state(long batch) const {
    return {Tensor<T>::zeros(batch, hidden), Tensor<T>::zeros(batch, hidden)};
  }

  template <typename T>
  State<T> forward(const Params<T>& params, const std::string& prefix, const Tensor<T>& x, const State<T>& s) const {
    const Tensor<T> z = ad::add(ad::linear(x, params.at(prefix + ".weight_x"), params.at(prefix + ".bias")),
                                ad::matmul(s.h, params.at(prefix + ".weight_h")));
    const Tensor<T> i = ad::sigmoid(ad::slice_cols(z, 0, hidden));
    const Tensor<T> f = ad::sigmoid(ad::slice_cols(z, hidden, hidden));
    const Tensor<T> g = ad::tanh(ad::slice_cols(z, 2 * hidden, hidden));
    const Tensor<T> o = ad::sigmoid(ad::slice_cols(z, 3 * hidden, hidden));
    const Tensor<T> c = ad::add(ad::mul(f, s.c), ad::mul(i, g));
    return {ad::mul(o, ad::tanh(c)), c};
  }
};

}  // namespace metalab::nn
