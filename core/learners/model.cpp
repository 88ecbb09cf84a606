#include "core/learners/model.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "core/common/options.h"

namespace metalab {

namespace {
std::string join_ints(const std::vector<int>& v) {
  std::ostringstream s;
  for (std::size_t i = 0; i < v.size(); ++i) s << (i ? "," : "") << v[i];
  return s.str();
}
}  // namespace

double ModelConfig::parameter_bound() const {
  // In double: sizes from a file may overflow any integer product.
  const double out = output_dim;
  if (backbone == "mlp") {
    double n = 0, prev = input_dim;
    for (int h : hidden) n += (prev + 1) * h, prev = h;
    return n + (prev + 1) * out;
  }
  const double c = conv_hidden, blocks = conv_blocks;
  if (backbone == "conv1d")
    return conv_kernel * (static_cast<double>(sequence_channels) * c + (blocks - 1) * c * c) + 4 * blocks * c +
           (static_cast<double>(sequence_length) * c + 1) * out;
  return 9 * (static_cast<double>(image_channels) * c + (blocks - 1) * c * c) + 4 * blocks * c +
         (static_cast<double>(image_height) * image_width * c + 1) * out;
}

void ModelConfig::validate() const {
  if (backbone != "mlp" && backbone != "conv4" && backbone != "conv1d")
    throw std::invalid_argument("model: unknown backbone '" + backbone + "' (expected mlp, conv4 or conv1d)");
  // Before the geometry's int products below, and before anything is allocated
  // (a checkpoint's metadata may claim any size: tests/fuzz/regressions/safetensors).
  if (!(parameter_bound() <= static_cast<double>(kModelMaxParameters)))
    throw std::invalid_argument("model: more than " + std::to_string(kModelMaxParameters) +
                                " parameters (the sizes claim about " +
                                std::to_string(static_cast<long long>(std::min(parameter_bound(), 9e18))) + ")");
  if (output_dim < 1) throw std::invalid_argument("model: output size must be >= 1");
  if (classification && output_dim < 2) throw std::invalid_argument("model: classification needs at least 2 classes");
  if (backbone == "mlp") {
    if (input_dim < 1) throw std::invalid_argument("model: input size must be >= 1");
    for (int h : hidden)
      if (h < 1) throw std::invalid_argument("model: hidden layer sizes must be >= 1");
    nn::parse_activation(activation);
  } else if (backbone == "conv1d") {
    if (input_dim != sequence_length * sequence_channels)
      throw std::invalid_argument("model: conv1d input size " + std::to_string(input_dim) + " is not " +
                                  std::to_string(sequence_length) + " positions x " +
                                  std::to_string(sequence_channels) + " channels");
    nn::Conv1d{sequence_length, sequence_channels, conv_hidden, conv_blocks, conv_kernel}.validate();
  } else {
    if (input_dim != image_height * image_width * image_channels)
      throw std::invalid_argument("model: conv4 input size " + std::to_string(input_dim) + " is not " +
                                  std::to_string(image_height) + "x" + std::to_string(image_width) + "x" +
                                  std::to_string(image_channels));
    nn::Conv4{image_height, image_width, image_channels, conv_hidden, conv_blocks}.validate();
  }
}

void ModelConfig::to_metadata(std::map<std::string, std::string>& out, const std::string& p) const {
  out[p + "backbone"] = backbone;
  out[p + "input_dim"] = std::to_string(input_dim);
  out[p + "hidden"] = join_ints(hidden);
  out[p + "activation"] = activation;
  out[p + "output_dim"] = std::to_string(output_dim);
  out[p + "classification"] = classification ? "true" : "false";
  out[p + "image_height"] = std::to_string(image_height);
  out[p + "image_width"] = std::to_string(image_width);
  out[p + "image_channels"] = std::to_string(image_channels);
  out[p + "conv_hidden"] = std::to_string(conv_hidden);
  out[p + "conv_blocks"] = std::to_string(conv_blocks);
  if (backbone == "conv1d") {
    out[p + "sequence_length"] = std::to_string(sequence_length);
    out[p + "sequence_channels"] = std::to_string(sequence_channels);
    out[p + "conv_kernel"] = std::to_string(conv_kernel);
  }
}

ModelConfig ModelConfig::from_metadata(const std::map<std::string, std::string>& in, const std::string& p) {
  ModelConfig c;
  OptionReader r(in, "model config");  // the metadata holds other keys too: no finish()
  r.booleans_as_words();
  const auto integer = [&](const char* key, int fallback) { return static_cast<int>(r.integer(p + key, fallback)); };
  c.backbone = r.text(p + "backbone", c.backbone);
  c.input_dim = integer("input_dim", c.input_dim);
  c.hidden = r.integers(p + "hidden", c.hidden);
  c.activation = r.text(p + "activation", c.activation);
  c.output_dim = integer("output_dim", c.output_dim);
  c.classification = r.boolean(p + "classification", c.classification);
  c.image_height = integer("image_height", c.image_height);
  c.image_width = integer("image_width", c.image_width);
  c.image_channels = integer("image_channels", c.image_channels);
  c.conv_hidden = integer("conv_hidden", c.conv_hidden);
  c.conv_blocks = integer("conv_blocks", c.conv_blocks);
  c.sequence_length = integer("sequence_length", c.sequence_length);
  c.sequence_channels = integer("sequence_channels", c.sequence_channels);
  c.conv_kernel = integer("conv_kernel", c.conv_kernel);
  c.validate();
  return c;
}

Model::Model(ModelConfig config) : config_(std::move(config)) {
  config_.validate();
  if (config_.backbone == "mlp") {
    mlp_.sizes = {config_.input_dim};
    for (int h : config_.hidden) mlp_.sizes.push_back(h);
    mlp_.sizes.push_back(config_.output_dim);
    mlp_.activation = nn::parse_activation(config_.activation);
  } else if (config_.backbone == "conv1d") {
    seq_ = nn::Conv1d{config_.sequence_length, config_.sequence_channels, config_.conv_hidden, config_.conv_blocks,
                      config_.conv_kernel};
    conv_head_ = nn::Linear{seq_.output_dim(), config_.output_dim, nn::Init::XavierUniform};
  } else {
    conv_ = nn::Conv4{config_.image_height, config_.image_width, config_.image_channels, config_.conv_hidden,
                      config_.conv_blocks};
    conv_head_ = nn::Linear{conv_.output_dim(), config_.output_dim, nn::Init::XavierUniform};
  }
}

ParamsF Model::init(Rng& rng) const {
  if (config_.backbone == "mlp") return mlp_.init<float>(rng);
  ParamsF p = config_.backbone == "conv1d" ? seq_.init<float>(rng) : conv_.init<float>(rng);
  conv_head_.init(p, "head", rng);
  return p;
}

template <typename T>
ad::Tensor<T> Model::forward(const nn::Params<T>& params, const ad::Tensor<T>& x) const {
  if (config_.backbone == "mlp") return mlp_.forward(params, x);
  return head(params, embed(params, x));
}

template <typename T>
ad::Tensor<T> Model::forward_per_task(const nn::Params<T>& params, const ad::Tensor<T>& x, int tasks) const {
  if (!has_per_task_forward())
    throw std::logic_error("Model::forward_per_task: the " + config_.backbone + " backbone has no per-task forward");
  return mlp_.forward_per_task(params, x, tasks);
}

template <typename T>
ad::Tensor<T> Model::embed(const nn::Params<T>& params, const ad::Tensor<T>& x) const {
  if (config_.backbone == "mlp") return mlp_.forward_body(params, x);
  // MAML-style batch norm: batch statistics at training and test time (transductive).
  if (config_.backbone == "conv1d") return seq_.forward(params, x, nn::Mode::Train);
  return conv_.forward(params, x, nn::Mode::Train);
}

Tensorf Model::embed(const ParamsF& params, const Tensorf& x, nn::Mode mode,
                     std::vector<nn::BatchNormStats<float>>* stats) const {
  if (config_.backbone == "mlp") return mlp_.forward_body(params, x);
  if (config_.backbone == "conv1d") return seq_.forward(params, x, mode, stats);
  return conv_.forward(params, x, mode, stats);
}

std::vector<nn::BatchNormStats<float>> Model::init_batch_norm_stats() const {
  if (config_.backbone == "mlp") return {};
  if (config_.backbone == "conv1d") return seq_.init_stats<float>();
  return conv_.init_stats<float>();
}

template <typename T>
ad::Tensor<T> Model::head(const nn::Params<T>& params, const ad::Tensor<T>& features) const {
  if (config_.backbone == "mlp")
    return mlp_.layer(mlp_.num_layers() - 1).forward(params, mlp_.head_prefix(), features);
  return conv_head_.forward(params, "head", features);
}

int Model::embedding_dim() const {
  if (config_.backbone == "mlp") return mlp_.sizes[mlp_.sizes.size() - 2];
  if (config_.backbone == "conv1d") return seq_.output_dim();
  return conv_.output_dim();
}

bool Model::is_head(const std::string& name) const {
  const std::string prefix = (config_.backbone == "mlp" ? mlp_.head_prefix() : std::string("head")) + ".";
  return name.compare(0, prefix.size(), prefix) == 0;
}

void Model::check_input(const Matrix& x, const char* what) const {
  if (x.cols() != config_.input_dim)
    throw std::invalid_argument(std::string(what) + ": inputs have " + std::to_string(x.cols()) +
                                " features, the model expects " + std::to_string(config_.input_dim));
}

std::vector<int> labels_of(const Matrix& y, int num_classes) {
  if (y.cols() != 1) throw std::invalid_argument("labels must be a single column, got " + std::to_string(y.cols()));
  std::vector<int> labels(static_cast<std::size_t>(y.rows()));
  for (Eigen::Index i = 0; i < y.rows(); ++i) {
    const float v = y(i, 0);
    const int k = static_cast<int>(std::lround(v));
    if (!(std::abs(v - static_cast<float>(k)) < 1e-3f) || k < 0 || k >= num_classes)
      throw std::invalid_argument("label " + std::to_string(v) + " in row " + std::to_string(i) +
                                  " is not a class index in [0, " + std::to_string(num_classes) + ")");
    labels[static_cast<std::size_t>(i)] = k;
  }
  return labels;
}

template <typename T>
ad::Tensor<T> Model::loss(const ad::Tensor<T>& output, const Matrix& y) const {
  // The classes are the output's columns: a metric learner or a new head scores
  // as many classes as the episode has, whatever it was trained on.
  if (config_.classification) return ad::cross_entropy(output, labels_of(y, static_cast<int>(output.cols())));
  return ad::mse(output, ad::Tensor<T>(y.template cast<T>()));
}

double Model::metric(const Matrix& output, const Matrix& y) const {
  if (!config_.classification) return static_cast<double>((output - y).squaredNorm()) / static_cast<double>(y.size());
  const std::vector<int> labels = labels_of(y, static_cast<int>(output.cols()));
  int correct = 0;
  for (Eigen::Index i = 0; i < output.rows(); ++i) {
    Eigen::Index best;
    output.row(i).maxCoeff(&best);
    correct += static_cast<int>(best) == labels[static_cast<std::size_t>(i)];
  }
  return output.rows() ? static_cast<double>(correct) / static_cast<double>(output.rows()) : 0.0;
}

#define METALAB_INSTANTIATE_MODEL(T)                                                                  \
  template ad::Tensor<T> Model::forward<T>(const nn::Params<T>&, const ad::Tensor<T>&) const;         \
  template ad::Tensor<T> Model::embed<T>(const nn::Params<T>&, const ad::Tensor<T>&) const;           \
  template ad::Tensor<T> Model::forward_per_task<T>(const nn::Params<T>&, const ad::Tensor<T>&, int) const; \
  template ad::Tensor<T> Model::head<T>(const nn::Params<T>&, const ad::Tensor<T>&) const;            \
  template ad::Tensor<T> Model::loss<T>(const ad::Tensor<T>&, const Matrix&) const;

METALAB_INSTANTIATE_MODEL(float)
METALAB_INSTANTIATE_MODEL(double)

}  // namespace metalab
