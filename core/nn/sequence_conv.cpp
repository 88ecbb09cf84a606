#include "core/nn/sequence_conv.h"

#include <stdexcept>

namespace metalab::nn {

void Conv1d::validate() const {
  if (length < 1 || channels < 1 || hidden < 1 || blocks < 1 || kernel < 1)
    throw std::invalid_argument("Conv1d: length, channels, hidden width, blocks and kernel must all be >= 1");
  if (kernel % 2 == 0)
    throw std::invalid_argument("Conv1d: kernel width " + std::to_string(kernel) +
                                " must be odd (the output is centred on each position)");
  int len = length;
  for (int i = 0; i < blocks; ++i) {
    if (len < 2)
      throw std::invalid_argument("Conv1d: a sequence of " + std::to_string(length) + " positions is too short for " +
                                  std::to_string(blocks) + " pooling blocks");
    len /= 2;
  }
}

int Conv1d::output_length() const {
  int len = length;
  for (int i = 0; i < blocks; ++i) len /= 2;
  return len;
}

std::vector<int> Conv1d::shift_index(int n, int len, int offset) {
  std::vector<int> index(static_cast<std::size_t>(n) * static_cast<std::size_t>(len));
  const int zero_row = n * len;
  for (int s = 0; s < n; ++s)
    for (int i = 0; i < len; ++i) {
      const int j = i + offset;
      index[static_cast<std::size_t>(s * len + i)] = (j >= 0 && j < len) ? s * len + j : zero_row;
    }
  return index;
}

std::vector<int> Conv1d::pool_index(int n, int len, int parity) {
  const int half = len / 2;
  std::vector<int> index(static_cast<std::size_t>(n) * static_cast<std::size_t>(half));
  for (int s = 0; s < n; ++s)
    for (int i = 0; i < half; ++i) index[static_cast<std::size_t>(s * half + i)] = s * len + 2 * i + parity;
  return index;
}

}  // namespace metalab::nn
