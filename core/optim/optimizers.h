// Gradient-descent optimizers over Params: SGD (with momentum), Adam, RMSProp,
// plus clipping by global norm. They update the parameter leaves in place
// (outside any graph) and keep their state as named matrices so a checkpoint
// can save and restore it exactly.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/nn/params.h"

namespace metalab::optim {

using ad::Mat;
using ad::Tensor;
using nn::Params;

// Named optimizer state: "m.layer0.weight", "step", ... (a 1x1 matrix for scalars).
template <typename T>
using State = std::vector<std::pair<std::string, Mat<T>>>;

template <typename T>
class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // params[i] -= update(grads[i]); grads are values (any graph is ignored).
  virtual void step(Params<T>& params, const std::vector<Tensor<T>>& grads) = 0;
  virtual State<T> state() const = 0;
  // Restores state saved by state(); throws std::invalid_argument naming what is
  // missing or mis-shaped.
  virtual void load_state(const State<T>& state, const Params<T>& params) = 0;
  virtual std::string name() const = 0;
  T learning_rate = T(0.001);
};

template <typename T>
class SGD : public Optimizer<T> {
 public:
  explicit SGD(T lr, T momentum = T(0)) : momentum_(momentum) { this->learning_rate = lr; }
  void step(Params<T>& params, const std::vector<Tensor<T>>& grads) override;
  State<T> state() const override;
  void load_state(const State<T>& state, const Params<T>& params) override;
  std::string name() const override { return "sgd"; }

 private:
  T momentum_;
  std::vector<Mat<T>> velocity_;
};

// Kingma & Ba 2015, with bias correction.
template <typename T>
class Adam : public Optimizer<T> {
 public:
  explicit Adam(T lr, T beta1 = T(0.9), T beta2 = T(0.999), T eps = T(1e-8))
      : beta1_(beta1), beta2_(beta2), eps_(eps) {
    this->learning_rate = lr;
  }
  void step(Params<T>& params, const std::vector<Tensor<T>>& grads) override;
  State<T> state() const override;
  void load_state(const State<T>& state, const Params<T>& params) override;
  std::string name() const override { return "adam"; }
  long steps() const { return t_; }

 private:
  T beta1_, beta2_, eps_;
  long t_ = 0;
  std::vector<Mat<T>> m_, v_;
};

// Tieleman & Hinton 2012 (as used by Santoro et al. 2016 for the MANN).
template <typename T>
class RMSProp : public Optimizer<T> {
 public:
  explicit RMSProp(T lr, T decay = T(0.95), T eps = T(1e-8)) : decay_(decay), eps_(eps) { this->learning_rate = lr; }
  void step(Params<T>& params, const std::vector<Tensor<T>>& grads) override;
  State<T> state() const override;
  void load_state(const State<T>& state, const Params<T>& params) override;
  std::string name() const override { return "rmsprop"; }

 private:
  T decay_, eps_;
  std::vector<Mat<T>> sq_;
};

// Scales grads in place so their global L2 norm is at most max_norm; returns
// the norm before clipping. A non-finite norm is returned as is (the caller
// reports divergence) and the gradients are left untouched.
template <typename T>
T clip_grad_norm(std::vector<Tensor<T>>& grads, T max_norm);

// Global L2 norm of a gradient list.
template <typename T>
T global_norm(const std::vector<Tensor<T>>& grads);

// "sgd", "adam", "rmsprop" -> a new optimizer with default hyper-parameters.
template <typename T>
std::unique_ptr<Optimizer<T>> make_optimizer(const std::string& name, T lr);

}  // namespace metalab::optim
