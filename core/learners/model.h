// The network a learner adapts: an MLP for vectors (regression or
// classification), the Conv4 backbone with a linear head for images, or its
// sequence analogue Conv1d (core/nn/sequence_conv.h) with a linear head for
// one-hot residues, plus the task loss (MSE for regression, cross-entropy for
// classification).
//
// Optimization-based learners only need forward(params, x) and loss(); ANIL
// and the transfer baseline also need the split between the body (feature
// extractor) and the head (last linear layer); metric learners use embed().
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/common/matrix.h"
#include "core/nn/layers.h"
#include "core/nn/sequence_conv.h"

namespace metalab {

using Tensorf = ad::Tensor<float>;
using ParamsF = nn::Params<float>;
using ad::Mat;

// 2^26 parameters (256 MB of floats): the largest model a config or a
// checkpoint's metadata may describe; the shipped ones hold under 250,000.
constexpr long long kModelMaxParameters = 1LL << 26;

struct ModelConfig {
  std::string backbone = "mlp";     // "mlp", "conv4" or "conv1d"
  int input_dim = 1;                // mlp: features; conv4: height*width*channels; conv1d: length*channels
  std::vector<int> hidden{40, 40};  // mlp hidden layer sizes
  std::string activation = "relu";  // mlp hidden activation
  int output_dim = 1;               // regression targets, or N for N-way classification
  bool classification = false;
  // conv4 geometry (conv_hidden and conv_blocks serve conv1d too)
  int image_height = 28, image_width = 28, image_channels = 1, conv_hidden = 64, conv_blocks = 4;
  // conv1d geometry: positions, channels per position (20 amino acids), kernel
  // width; in metadata only when the backbone is conv1d.
  int sequence_length = 128, sequence_channels = 20, conv_kernel = 3;

  // std::invalid_argument for sizes out of range, an unknown backbone, or a
  // model that would hold more than kModelMaxParameters parameters.
  void validate() const;
  // An upper bound of the parameter count these sizes give, without building the model.
  double parameter_bound() const;
  void to_metadata(std::map<std::string, std::string>& out, const std::string& prefix = "model.") const;
  static ModelConfig from_metadata(const std::map<std::string, std::string>& in, const std::string& prefix = "model.");
};

class Model {
 public:
  explicit Model(ModelConfig config);
  const ModelConfig& config() const { return config_; }

  ParamsF init(Rng& rng) const;
  // forward, embed(params, x), head and loss take float (training) or double
  // (the finite-difference checks of the learners' meta-gradients); both are
  // instantiated in model.cpp.
  // Raw outputs: predictions (regression) or logits (classification).
  template <typename T>
  ad::Tensor<T> forward(const nn::Params<T>& params, const ad::Tensor<T>& x) const;
  // forward() of several tasks at once, each with its own parameters, in one
  // graph (nn::MLP::forward_per_task has the layout). MLP only: see
  // has_per_task_forward().
  template <typename T>
  ad::Tensor<T> forward_per_task(const nn::Params<T>& params, const ad::Tensor<T>& x, int tasks) const;
  bool has_per_task_forward() const { return config_.backbone == "mlp"; }
  // Features before the head (the embedding of metric learners and ANIL's body).
  template <typename T>
  ad::Tensor<T> embed(const nn::Params<T>& params, const ad::Tensor<T>& x) const;
  // The same with an explicit batch-norm mode (Conv4; the MLP has no batch
  // norm and ignores both): Train normalises with the batch's statistics and
  // updates *stats when given; Eval normalises with *stats (running averages).
  // embed(params, x) above is Train mode without running statistics.
  Tensorf embed(const ParamsF& params, const Tensorf& x, nn::Mode mode,
                std::vector<nn::BatchNormStats<float>>* stats) const;
  // Fresh running statistics, one per batch-norm layer (empty for the MLP).
  std::vector<nn::BatchNormStats<float>> init_batch_norm_stats() const;
  // The head applied to features from embed().
  template <typename T>
  ad::Tensor<T> head(const nn::Params<T>& params, const ad::Tensor<T>& features) const;
  int embedding_dim() const;
  // MSE against targets, or cross-entropy against class indices stored in y.
  template <typename T>
  ad::Tensor<T> loss(const ad::Tensor<T>& output, const Matrix& y) const;
  // Mean squared error, or accuracy in [0, 1] for classification.
  double metric(const Matrix& output, const Matrix& y) const;
  // Whether a parameter belongs to the head (adapted by ANIL).
  bool is_head(const std::string& param_name) const;

  // Checks that x has the model's input width; std::invalid_argument otherwise.
  void check_input(const Matrix& x, const char* what) const;

 private:
  ModelConfig config_;
  nn::MLP mlp_;
  nn::Conv4 conv_;
  nn::Conv1d seq_;
  nn::Linear conv_head_;  // the head of conv4 and conv1d
};

// Class indices stored as floats in a column -> int labels (validated).
std::vector<int> labels_of(const Matrix& y, int num_classes);

}  // namespace metalab
