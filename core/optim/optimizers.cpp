#include "core/optim/optimizers.h"

#include <cmath>
#include <stdexcept>

namespace metalab::optim {

namespace {

template <typename T>
void check_step(const char* who, const Params<T>& params, const std::vector<Tensor<T>>& grads) {
  if (params.size() != grads.size())
    throw std::invalid_argument(std::string(who) + ": " + std::to_string(grads.size()) + " gradients for " +
                                std::to_string(params.size()) + " parameters");
  for (std::size_t i = 0; i < params.size(); ++i)
    if (grads[i].rows() != params[i].rows() || grads[i].cols() != params[i].cols())
      throw std::invalid_argument(std::string(who) + ": gradient " + grads[i].shape_string() + " for parameter '" +
                                  params.name(i) + "' " + params[i].shape_string());
}

template <typename T>
void ensure_slots(std::vector<Mat<T>>& slots, const Params<T>& params) {
  if (slots.size() == params.size()) return;
  slots.clear();
  for (std::size_t i = 0; i < params.size(); ++i) slots.push_back(Mat<T>::Zero(params[i].rows(), params[i].cols()));
}

template <typename T>
void save_slots(State<T>& out, const std::string& prefix, const std::vector<Mat<T>>& slots, std::size_t count) {
  for (std::size_t i = 0; i < count && i < slots.size(); ++i) out.emplace_back(prefix + std::to_string(i), slots[i]);
}

template <typename T>
const Mat<T>& find_state(const State<T>& state, const std::string& key) {
  for (const auto& [k, v] : state)
    if (k == key) return v;
  throw std::invalid_argument("optimizer state: missing entry '" + key + "'");
}

template <typename T>
void load_slots(const State<T>& state, const std::string& prefix, std::vector<Mat<T>>& slots, const Params<T>& params) {
  slots.clear();
  for (std::size_t i = 0; i < params.size(); ++i) {
    const Mat<T>& v = find_state(state, prefix + std::to_string(i));
    if (v.rows() != params[i].rows() || v.cols() != params[i].cols())
      throw std::invalid_argument("optimizer state: entry '" + prefix + std::to_string(i) + "' has the wrong shape for '" +
                                  params.name(i) + "'");
    slots.push_back(v);
  }
}

}  // namespace

template <typename T>
void SGD<T>::step(Params<T>& params, const std::vector<Tensor<T>>& grads) {
  check_step("SGD", params, grads);
  if (momentum_ != T(0)) ensure_slots(velocity_, params);
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (momentum_ != T(0)) {
      velocity_[i] = momentum_ * velocity_[i] + grads[i].value();
      params[i].mutable_value() -= this->learning_rate * velocity_[i];
    } else {
      params[i].mutable_value() -= this->learning_rate * grads[i].value();
    }
  }
}

template <typename T>
State<T> SGD<T>::state() const {
  State<T> s;
  save_slots(s, "velocity.", velocity_, velocity_.size());
  return s;
}

template <typename T>
void SGD<T>::load_state(const State<T>& state, const Params<T>& params) {
  if (momentum_ == T(0)) return;
  if (state.empty()) {
    velocity_.clear();
    return;
  }
  load_slots(state, "velocity.", velocity_, params);
}

template <typename T>
void Adam<T>::step(Params<T>& params, const std::vector<Tensor<T>>& grads) {
  check_step("Adam", params, grads);
  ensure_slots(m_, params);
  ensure_slots(v_, params);
  ++t_;
  const T c1 = T(1) - std::pow(beta1_, T(t_));
  const T c2 = T(1) - std::pow(beta2_, T(t_));
  const T step_size = this->learning_rate * std::sqrt(c2) / c1;
  for (std::size_t i = 0; i < params.size(); ++i) {
    const Mat<T>& g = grads[i].value();
    m_[i] = beta1_ * m_[i] + (T(1) - beta1_) * g;
    v_[i] = beta2_ * v_[i] + (T(1) - beta2_) * g.cwiseProduct(g);
    // The epsilon is scaled like PyTorch's (added to sqrt(v_hat)).
    params[i].mutable_value().array() -=
        step_size * m_[i].array() / (v_[i].array().sqrt() + eps_ * std::sqrt(c2));
  }
}

template <typename T>
State<T> Adam<T>::state() const {
  State<T> s;
  s.emplace_back("step", Mat<T>::Constant(1, 1, T(t_)));
  save_slots(s, "m.", m_, m_.size());
  save_slots(s, "v.", v_, v_.size());
  return s;
}

template <typename T>
void Adam<T>::load_state(const State<T>& state, const Params<T>& params) {
  // A file's step count: converting a float beyond long's range is undefined.
  const double step = static_cast<double>(find_state(state, "step")(0, 0));
  if (!(step >= 0.0 && step <= 9.0e15 && step == std::floor(step)))
    throw std::invalid_argument("optimizer state: entry 'step' is not a step count (" + std::to_string(step) + ")");
  t_ = static_cast<long>(step);
  if (t_ == 0) {
    m_.clear();
    v_.clear();
    return;
  }
  load_slots(state, "m.", m_, params);
  load_slots(state, "v.", v_, params);
}

template <typename T>
void RMSProp<T>::step(Params<T>& params, const std::vector<Tensor<T>>& grads) {
  check_step("RMSProp", params, grads);
  ensure_slots(sq_, params);
  for (std::size_t i = 0; i < params.size(); ++i) {
    const Mat<T>& g = grads[i].value();
    sq_[i] = decay_ * sq_[i] + (T(1) - decay_) * g.cwiseProduct(g);
    params[i].mutable_value().array() -= this->learning_rate * g.array() / (sq_[i].array().sqrt() + eps_);
  }
}

template <typename T>
State<T> RMSProp<T>::state() const {
  State<T> s;
  save_slots(s, "sq.", sq_, sq_.size());
  return s;
}

template <typename T>
void RMSProp<T>::load_state(const State<T>& state, const Params<T>& params) {
  if (state.empty()) {
    sq_.clear();
    return;
  }
  load_slots(state, "sq.", sq_, params);
}

template <typename T>
T global_norm(const std::vector<Tensor<T>>& grads) {
  T total = T(0);
  for (const auto& g : grads) total += g.value().squaredNorm();
  return std::sqrt(total);
}

template <typename T>
T clip_grad_norm(std::vector<Tensor<T>>& grads, T max_norm) {
  const T norm = global_norm(grads);
  if (!std::isfinite(norm) || norm <= max_norm || max_norm <= T(0)) return norm;
  const T scale = max_norm / norm;
  for (auto& g : grads) g = Tensor<T>(g.value() * scale);
  return norm;
}

template <typename T>
std::unique_ptr<Optimizer<T>> make_optimizer(const std::string& name, T lr) {
  if (name == "sgd") return std::make_unique<SGD<T>>(lr);
  if (name == "adam") return std::make_unique<Adam<T>>(lr);
  if (name == "rmsprop") return std::make_unique<RMSProp<T>>(lr);
  throw std::invalid_argument("unknown optimizer '" + name + "' (expected sgd, adam or rmsprop)");
}

#define METALAB_INSTANTIATE_OPTIM(T)                                                      \
  template class SGD<T>;                                                                 \
  template class Adam<T>;                                                                \
  template class RMSProp<T>;                                                             \
  template T clip_grad_norm(std::vector<Tensor<T>>&, T);                                 \
  template T global_norm(const std::vector<Tensor<T>>&);                                 \
  template std::unique_ptr<Optimizer<T>> make_optimizer(const std::string&, T);

METALAB_INSTANTIATE_OPTIM(float)
METALAB_INSTANTIATE_OPTIM(double)

}  // namespace metalab::optim
