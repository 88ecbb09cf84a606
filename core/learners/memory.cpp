// Content addressing, reads, LRUA writes and usage of the MANN's memory (memory.h).
#include "core/learners/memory.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>

namespace metalab::mann {

namespace {
void check_batch(const char* op, Eigen::Index rows, int batch, const char* what) {
  if (batch < 1 || rows % batch != 0)
    throw ad::ShapeError(std::string(op) + ": " + what + " has " + std::to_string(rows) +
                         " rows, not a multiple of the batch " + std::to_string(batch));
}
}  // namespace

template <typename T>
Tensor<T> content_weights(const Tensor<T>& keys, const Tensor<T>& strength, const Tensor<T>& memory, int batch, T eps) {
  check_batch("content_weights", keys.rows(), batch, "keys");
  check_batch("content_weights", memory.rows(), batch, "memory");
  if (strength.rows() != keys.rows() || strength.cols() != 1)
    throw ad::ShapeError("content_weights: strength " + strength.shape_string() + " must be one column per key row " +
                         keys.shape_string());
  const Tensor<T> similarity =
      ad::batched_matmul(ad::normalize_rows(keys, eps), ad::normalize_rows(memory, eps), batch, false, true);
  return ad::softmax(ad::mul(similarity, strength));
}

template <typename T>
Tensor<T> read_memory(const Tensor<T>& weights, const Tensor<T>& memory, int batch) {
  check_batch("read_memory", weights.rows(), batch, "weights");
  return ad::batched_matmul(weights, memory, batch);
}

template <typename T>
Tensor<T> write_memory(const Tensor<T>& memory, const Tensor<T>& weights, const Tensor<T>& add, int batch) {
  check_batch("write_memory", weights.rows(), batch, "weights");
  if (add.rows() != weights.rows())
    throw ad::ShapeError("write_memory: add vectors " + add.shape_string() + " and weights " + weights.shape_string() +
                         " differ in rows (one per head)");
  return ad::add(memory, ad::batched_matmul(weights, add, batch, true, false));
}

template <typename T>
Tensor<T> zero_slots(const Tensor<T>& memory, const std::vector<int>& slots, int num_slots) {
  if (num_slots < 1 || memory.rows() != static_cast<Eigen::Index>(slots.size()) * num_slots)
    throw ad::ShapeError("zero_slots: memory " + memory.shape_string() + " is not " + std::to_string(slots.size()) +
                         " episodes of " + std::to_string(num_slots) + " slots");
  Mat<T> keep = Mat<T>::Ones(memory.rows(), 1);
  for (std::size_t b = 0; b < slots.size(); ++b) {
    if (slots[b] < 0) continue;  // nothing to zero
    if (slots[b] >= num_slots) throw ad::ShapeError("zero_slots: slot " + std::to_string(slots[b]) + " out of range");
    keep(static_cast<Eigen::Index>(b) * num_slots + slots[b], 0) = T(0);
  }
  return ad::mul(memory, Tensor<T>(std::move(keep)));
}

template <typename T>
Tensor<T> lrua_write_weights(const Tensor<T>& gate, const Tensor<T>& prev_read, const Mat<T>& least_used) {
  if (prev_read.rows() != least_used.rows() || prev_read.cols() != least_used.cols() || gate.rows() != prev_read.rows() ||
      gate.cols() != 1)
    throw ad::ShapeError("lrua_write_weights: gate " + gate.shape_string() + ", previous read weights " +
                         prev_read.shape_string() + " and least-used weights [" + std::to_string(least_used.rows()) +
                         "x" + std::to_string(least_used.cols()) + "] do not match");
  // w_lu + gate * (w_r - w_lu): three nodes instead of five.
  const Tensor<T> lu(least_used);
  return ad::add(lu, ad::mul(gate, ad::sub(prev_read, lu)));
}

template <typename T>
Mat<T> update_usage(const Mat<T>& usage, const Mat<T>& read, const Mat<T>& write, T gamma) {
  const Eigen::Index batch = usage.rows(), slots = usage.cols();
  if (batch < 1 || read.rows() % batch != 0 || read.rows() != write.rows() || read.cols() != slots ||
      write.cols() != slots)
    throw ad::ShapeError("update_usage: usage, read and write weights do not match");
  const Eigen::Index heads = read.rows() / batch;
  Mat<T> out = gamma * usage;
  for (Eigen::Index b = 0; b < batch; ++b)
    for (Eigen::Index i = 0; i < heads; ++i) out.row(b) += read.row(b * heads + i) + write.row(b * heads + i);
  return out;
}

template <typename T>
LeastUsed<T> least_used(const Mat<T>& usage, int n) {
  const int slots = static_cast<int>(usage.cols());
  if (n < 1 || n > slots)
    throw std::invalid_argument("least_used: n = " + std::to_string(n) + " must be in [1, " + std::to_string(slots) + "]");
  LeastUsed<T> out;
  out.mask = Mat<T>::Zero(usage.rows(), slots);
  out.slot.resize(static_cast<std::size_t>(usage.rows()));
  std::vector<int> order(static_cast<std::size_t>(slots));
  for (Eigen::Index b = 0; b < usage.rows(); ++b) {
    std::iota(order.begin(), order.end(), 0);
    auto less = [&](int i, int j) { return usage(b, i) < usage(b, j) || (usage(b, i) == usage(b, j) && i < j); };
    std::partial_sort(order.begin(), order.begin() + n, order.end(), less);
    for (int k = 0; k < n; ++k) out.mask(b, order[static_cast<std::size_t>(k)]) = T(1);
    out.slot[static_cast<std::size_t>(b)] = order[0];
  }
  return out;
}

template <typename T>
Mat<T> repeat_rows(const Mat<T>& m, int times) {
  Mat<T> out(m.rows() * times, m.cols());
  for (Eigen::Index b = 0; b < m.rows(); ++b)
    for (int i = 0; i < times; ++i) out.row(b * times + i) = m.row(b);
  return out;
}

#define METALAB_INSTANTIATE_MEMORY(T)                                                                           \
  template Tensor<T> content_weights(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&, int, T);            \
  template Tensor<T> read_memory(const Tensor<T>&, const Tensor<T>&, int);                                     \
  template Tensor<T> write_memory(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&, int);                  \
  template Tensor<T> zero_slots(const Tensor<T>&, const std::vector<int>&, int);                               \
  template Tensor<T> lrua_write_weights(const Tensor<T>&, const Tensor<T>&, const Mat<T>&);                    \
  template Mat<T> update_usage(const Mat<T>&, const Mat<T>&, const Mat<T>&, T);                                \
  template LeastUsed<T> least_used(const Mat<T>&, int);                                                        \
  template Mat<T> repeat_rows(const Mat<T>&, int);

METALAB_INSTANTIATE_MEMORY(float)
METALAB_INSTANTIATE_MEMORY(double)

}  // namespace metalab::mann
