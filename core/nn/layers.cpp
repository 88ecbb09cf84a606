#include "core/nn/layers.h"

#include <stdexcept>

namespace metalab::nn {

const char* activation_name(Activation a) {
  switch (a) {
    case Activation::ReLU: return "relu";
    case Activation::Tanh: return "tanh";
    case Activation::Sigmoid: return "sigmoid";
    case Activation::None: return "none";
  }
  return "?";
}

Activation parse_activation(const std::string& name) {
  if (name == "relu") return Activation::ReLU;
  if (name == "tanh") return Activation::Tanh;
  if (name == "sigmoid") return Activation::Sigmoid;
  if (name == "none") return Activation::None;
  throw std::invalid_argument("unknown activation '" + name + "' (expected relu, tanh, sigmoid or none)");
}

void MLP::validate() const {
  if (sizes.size() < 2) throw std::invalid_argument("MLP: need at least input and output sizes");
  for (std::size_t i = 0; i < sizes.size(); ++i)
    if (sizes[i] < 1)
      throw std::invalid_argument("MLP: layer size " + std::to_string(i) + " is " + std::to_string(sizes[i]) +
                                  " (must be >= 1)");
}

void Conv4::validate() const {
  if (height < 1 || width < 1 || channels < 1 || hidden < 1 || blocks < 1)
    throw std::invalid_argument("Conv4: image size, channels, hidden width and blocks must all be >= 1");
  int h = height, w = width;
  for (int i = 0; i < blocks; ++i) {
    if (h < 2 || w < 2)
      throw std::invalid_argument("Conv4: a " + std::to_string(height) + "x" + std::to_string(width) +
                                  " image is too small for " + std::to_string(blocks) + " pooling blocks");
    h /= 2;
    w /= 2;
  }
}

int Conv4::output_dim() const {
  int h = height, w = width;
  for (int i = 0; i < blocks; ++i) {
    h /= 2;
    w /= 2;
  }
  return h * w * hidden;
}

}  // namespace metalab::nn
