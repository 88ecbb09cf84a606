// The external memory of the memory-augmented neural network (MANN, Santoro et
// al. 2016, "One-shot learning with memory-augmented neural networks"):
// content-based addressing, reads, and least-recently-used access (LRUA)
// writes, for a batch of independent episodes at once.
//
// Notation (as in the paper): N memory slots of width M, R heads, B episodes.
// Every episode has its own memory; all of them live in one matrix so that a
// step of the whole batch is a handful of graph nodes:
//
//   memory           [B*N, M]   rows b*N .. b*N+N-1 are episode b's slots
//   keys, add        [B*R, M]   row b*R + i belongs to head i of episode b
//   read/write w     [B*R, N]   one weighting over the N slots per head
//   usage            [B, N]     a plain matrix (no gradient, see below)
//
// One step t of the LRUA memory, for each episode (heads i = 1..R):
//   w_w_i(t) = sigmoid(alpha_i) w_r_i(t-1) + (1 - sigmoid(alpha_i)) w_lu(t-1)
//   M_t      = M_{t-1} with its least-used slot zeroed + sum_i w_w_i(t)^T a_i(t)
//   w_r_i(t) = softmax_j(beta_i * cos(k_i(t), M_t(j)))       (content addressing)
//   r_i(t)   = sum_j w_r_i(t)(j) M_t(j)
//   w_u(t)   = gamma w_u(t-1) + sum_i w_r_i(t) + sum_i w_w_i(t)
//   w_lu(t)  = 1 on the R smallest entries of w_u(t), 0 elsewhere
// Everything from the controller's outputs (keys k, add vectors a, gates
// alpha, sharpness beta) to the reads is built from differentiable autodiff
// ops, so backpropagation through time works. The usage only decides which
// slots are "least used": a ranking, which is piecewise constant, so w_lu and
// the zeroed slot are non-differentiable constants (as in the paper) and the
// usage is kept as plain values.
#pragma once

#include <vector>

#include "core/autodiff/ops.h"

namespace metalab::mann {

using ad::Mat;
using ad::Tensor;

// softmax_j(strength * cos(key, memory_j)) for every head of every episode.
// keys [B*R, M], strength [B*R, 1] (positive), memory [B*N, M] -> [B*R, N].
// eps is added under the square root of each row norm, so empty (all-zero)
// slots have similarity 0 instead of NaN.
template <typename T>
Tensor<T> content_weights(const Tensor<T>& keys, const Tensor<T>& strength, const Tensor<T>& memory, int batch,
                          T eps = T(1e-6));

// r = w M per episode: weights [B*R, N], memory [B*N, M] -> [B*R, M].
template <typename T>
Tensor<T> read_memory(const Tensor<T>& weights, const Tensor<T>& memory, int batch);

// M + w^T a per episode (each head adds the outer product of its weighting and
// its add vector): memory [B*N, M], weights [B*R, N], add [B*R, M] -> [B*N, M].
template <typename T>
Tensor<T> write_memory(const Tensor<T>& memory, const Tensor<T>& weights, const Tensor<T>& add, int batch);

// memory with slot slots[b] of episode b set to zero (a constant mask).
template <typename T>
Tensor<T> zero_slots(const Tensor<T>& memory, const std::vector<int>& slots, int num_slots);

// LRUA write weights gate * prev_read + (1 - gate) * least_used, with gate =
// sigmoid(alpha) [B*R, 1], prev_read [B*R, N] and least_used [B*R, N] constant.
template <typename T>
Tensor<T> lrua_write_weights(const Tensor<T>& gate, const Tensor<T>& prev_read, const Mat<T>& least_used);

// w_u(t) = gamma w_u(t-1) + sum over heads of read and write weights.
// usage [B, N]; read, write [B*R, N].
template <typename T>
Mat<T> update_usage(const Mat<T>& usage, const Mat<T>& read, const Mat<T>& write, T gamma);

// The least-used slots of each episode's usage [B, N]: `mask` is 1 on the n
// smallest usages of each row (ties go to the lower slot index), `slot` the
// single smallest (the one zeroed before the next write).
template <typename T>
struct LeastUsed {
  Mat<T> mask;            // [B, N]
  std::vector<int> slot;  // B entries
};
template <typename T>
LeastUsed<T> least_used(const Mat<T>& usage, int n);

// Repeats each row of a [B, N] matrix for the R heads of its episode -> [B*R, N].
template <typename T>
Mat<T> repeat_rows(const Mat<T>& m, int times);

}  // namespace metalab::mann
