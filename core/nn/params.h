// Model parameters as an ordered, named list of tensors.
//
// A model in MetaLab is a shape description plus a pure function
// forward(params, x). MAML's "fast weights" are then just another Params:
//   Params<float> fast = params.updated(grads, alpha);   // theta - alpha * g
// and every learner, checkpoint and view handles parameters the same way.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/autodiff/ops.h"

namespace metalab::nn {

using ad::Mat;
using ad::Tensor;

template <typename T>
class Params {
 public:
  Params() = default;

  // Appends a named tensor; names must be unique.
  void add(std::string name, Tensor<T> tensor) {
    for (const auto& n : names_)
      if (n == name) throw std::invalid_argument("Params: duplicate parameter name '" + name + "'");
    names_.push_back(std::move(name));
    tensors_.push_back(std::move(tensor));
  }

  std::size_t size() const { return tensors_.size(); }
  bool empty() const { return tensors_.empty(); }
  const Tensor<T>& operator[](std::size_t i) const { return tensors_[i]; }
  Tensor<T>& operator[](std::size_t i) { return tensors_[i]; }
  const std::string& name(std::size_t i) const { return names_[i]; }
  const std::vector<std::string>& names() const { return names_; }
  const std::vector<Tensor<T>>& tensors() const { return tensors_; }

  bool contains(const std::string& name) const { return find(name) >= 0; }
  const Tensor<T>& at(const std::string& name) const {
    const int i = find(name);
    if (i < 0) throw std::out_of_range("Params: no parameter named '" + name + "'");
    return tensors_[static_cast<std::size_t>(i)];
  }

  // Independent leaves with copied values, marked to require grad: the
  // meta-parameters a learner owns.
  Params clone() const { return map([](const Tensor<T>& t) { return Tensor<T>(t.value(), true); }); }
  // Leaves with copied values and no grad (evaluation, snapshots).
  Params detach() const { return map([](const Tensor<T>& t) { return t.detach(); }); }

  // theta - lr * grad, recorded in the graph if grads or params require grad.
  Params updated(const std::vector<Tensor<T>>& grads, T lr) const {
    check_grads(grads);
    Params out;
    for (std::size_t i = 0; i < size(); ++i) out.add(names_[i], ad::sub(tensors_[i], ad::mul_scalar(grads[i], lr)));
    return out;
  }
  // theta - lr (.) grad with a learned per-element step size (Meta-SGD).
  Params updated(const std::vector<Tensor<T>>& grads, const Params& lrs) const {
    check_grads(grads);
    if (lrs.size() != size()) throw std::invalid_argument("Params::updated: step sizes and parameters differ in count");
    Params out;
    for (std::size_t i = 0; i < size(); ++i)
      out.add(names_[i], ad::sub(tensors_[i], ad::mul(lrs[i], grads[i])));
    return out;
  }

  // Total number of scalar parameters.
  long num_elements() const {
    long n = 0;
    for (const auto& t : tensors_) n += static_cast<long>(t.size());
    return n;
  }

  // All values flattened into one column vector, and back (for tests, norms, cosines).
  Eigen::Matrix<T, Eigen::Dynamic, 1> flatten() const {
    Eigen::Matrix<T, Eigen::Dynamic, 1> v(num_elements());
    long k = 0;
    for (const auto& t : tensors_) {
      v.segment(k, t.size()) = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, 1>>(t.value().data(), t.size());
      k += static_cast<long>(t.size());
    }
    return v;
  }

  // A copy converted to another scalar type (e.g. float checkpoint -> double test).
  template <typename U>
  Params<U> cast(bool requires_grad = false) const {
    Params<U> out;
    for (std::size_t i = 0; i < size(); ++i)
      out.add(names_[i], Tensor<U>(tensors_[i].value().template cast<U>(), requires_grad));
    return out;
  }

 private:
  template <typename F>
  Params map(F f) const {
    Params out;
    out.names_ = names_;
    out.tensors_.reserve(tensors_.size());
    for (const auto& t : tensors_) out.tensors_.push_back(f(t));
    return out;
  }
  int find(const std::string& name) const {
    for (std::size_t i = 0; i < names_.size(); ++i)
      if (names_[i] == name) return static_cast<int>(i);
    return -1;
  }
  void check_grads(const std::vector<Tensor<T>>& grads) const {
    if (grads.size() != size())
      throw std::invalid_argument("Params::updated: " + std::to_string(grads.size()) + " gradients for " +
                                  std::to_string(size()) + " parameters");
  }

  std::vector<std::string> names_;
  std::vector<Tensor<T>> tensors_;
};

// Flattens a gradient list like Params::flatten.
template <typename T>
Eigen::Matrix<T, Eigen::Dynamic, 1> flatten(const std::vector<Tensor<T>>& tensors) {
  long n = 0;
  for (const auto& t : tensors) n += static_cast<long>(t.size());
  Eigen::Matrix<T, Eigen::Dynamic, 1> v(n);
  long k = 0;
  for (const auto& t : tensors) {
    v.segment(k, t.size()) = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, 1>>(t.value().data(), t.size());
    k += static_cast<long>(t.size());
  }
  return v;
}

}  // namespace metalab::nn
