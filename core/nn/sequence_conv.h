// Conv1d: the sequence analogue of Conv4 (core/nn/layers.h) for one-hot
// encoded residues (core/tasks/sequence_features.h): `blocks` x [1-D
// convolution of width `kernel` with `hidden` channels, batch norm, ReLU,
// max-pool of 2 along the sequence]. Input [N, L*C] with rows position-major
// (feature i*C + c is channel c at position i, so [N*L, C] is a free reshape);
// output [N, (L / 2^blocks) * hidden], flattened like Conv4's.
//
//   nn::Conv1d net{/*length=*/128, /*channels=*/20, /*hidden=*/64, /*blocks=*/4, /*kernel=*/3};
//   ParamsF p = net.init<float>(rng);
//   Tensorf features = net.forward(p, x, nn::Mode::Train);   // x: [N, 128 * 20]
//
// Variable-length sequences are the caller's business: they are padded or
// cropped to the fixed length L before encoding (padding rows are all zero,
// "no residue"), and the convolution pads each end with zeros too (width
// kernel / 2), so the output length of a convolution equals its input length;
// pooling halves it (an odd last position is dropped, as Conv4 drops an odd
// last row).
//
// Every step is composed of existing differentiable operations (gather_rows,
// concat_cols, linear, batch norm, relu), so gradients of gradients exist and
// exact second-order MAML works through it: the convolution gathers each
// position's k neighbours (a zero row stands in outside the sequence) into a
// [N*L, k*C] matrix and multiplies by the [k*C, hidden] weight (im2col for one
// dimension); max(a, b) of a pooled pair is b + relu(a - b).
// Parameters: "conv<i>.weight" [k*C_in, hidden] (rows ordered offset-major:
// row j*C_in + c is channel c at offset j - k/2), "conv<i>.bias", and
// "bn<i>.weight" / "bn<i>.bias" as in Conv4.
#pragma once

#include <string>
#include <vector>

#include "core/nn/layers.h"

namespace metalab::nn {

struct Conv1d {
  int length = 128, channels = 20;
  int hidden = 64;
  int blocks = 4;
  int kernel = 3;

  // std::invalid_argument if a size is < 1, the kernel is even, or the length
  // does not survive `blocks` halvings.
  void validate() const;
  int output_length() const;
  int output_dim() const { return output_length() * hidden; }
  std::string conv_name(int i) const { return "conv" + std::to_string(i); }
  std::string bn_name(int i) const { return "bn" + std::to_string(i); }

  template <typename T>
  Params<T> init(Rng& rng) const {
    validate();
    Params<T> p;
    int c = channels;
    for (int i = 0; i < blocks; ++i) {
      add_conv_block(p, conv_name(i), bn_name(i), kernel * c, kernel * hidden, hidden, rng);
      c = hidden;
    }
    return p;
  }
  template <typename T>
  std::vector<BatchNormStats<T>> init_stats() const {
    return fresh_batch_norm_stats<T>(blocks, hidden);
  }

  // Rows of the [n*len + 1, C] matrix (the last row is zeros) that position
  // i + offset of each sequence reads, for every row n*len + i.
  static std::vector<int> shift_index(int n, int len, int offset);
  // Rows 2i + parity of each sequence (i < len / 2), for pooling.
  static std::vector<int> pool_index(int n, int len, int parity);

  // One convolution of h [n*len, C_in] -> [n*len, hidden].
  template <typename T>
  Tensor<T> convolve(const Tensor<T>& h, const Tensor<T>& weight, const Tensor<T>& bias, int n, int len) const {
    const Tensor<T> padded = ad::concat_rows(std::vector<Tensor<T>>{h, Tensor<T>::zeros(1, h.cols())});
    std::vector<Tensor<T>> taps;
    for (int j = 0; j < kernel; ++j) taps.push_back(ad::gather_rows(padded, shift_index(n, len, j - kernel / 2)));
    return ad::linear(kernel == 1 ? taps[0] : ad::concat_cols(taps), weight, bias);
  }
  // Max over positions 2i and 2i + 1 of each sequence: [n*len, C] -> [n*(len/2), C].
  template <typename T>
  static Tensor<T> max_pool(const Tensor<T>& h, int n, int len) {
    const Tensor<T> a = ad::gather_rows(h, pool_index(n, len, 0));
    const Tensor<T> b = ad::gather_rows(h, pool_index(n, len, 1));
    return ad::add(b, ad::relu(ad::sub(a, b)));
  }

  // In Train mode batch statistics normalise and, if stats is given, update the
  // running statistics; in Eval mode the running statistics are used.
  template <typename T>
  Tensor<T> forward(const Params<T>& params, const Tensor<T>& x, Mode mode,
                    std::vector<BatchNormStats<T>>* stats = nullptr) const {
    const int n = static_cast<int>(x.rows());
    if (x.cols() != static_cast<long>(length) * channels)
      throw ad::ShapeError("Conv1d: input " + x.shape_string() + " is not N x (" + std::to_string(length) + "*" +
                           std::to_string(channels) + ")");
    if (mode == Mode::Eval && (!stats || stats->size() != static_cast<std::size_t>(blocks)))
      throw std::invalid_argument("Conv1d: evaluation mode needs running statistics for every block");
    int len = length;
    Tensor<T> h = ad::reshape(x, static_cast<long>(n) * len, channels);
    for (int i = 0; i < blocks; ++i) {
      h = convolve(h, params.at(conv_name(i) + ".weight"), params.at(conv_name(i) + ".bias"), n, len);
      h = block_batch_norm(params, bn_name(i), h, mode, stats ? &(*stats)[static_cast<std::size_t>(i)] : nullptr);
      h = max_pool(ad::relu(h), n, len);
      len /= 2;
    }
    return ad::reshape(h, n, static_cast<long>(len) * hidden);
  }
};

}  // namespace metalab::nn
