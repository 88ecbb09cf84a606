#include "core/learners/adaptation.h"

#include <stdexcept>

namespace metalab {

Predictor make_predictor(const Model& model, const ParamsF& params) {
  ParamsF frozen = params.detach();
  return [model, frozen](const Matrix& x) -> Matrix {
    model.check_input(x, "predict");
    ad::NoGradGuard no_grad;
    return model.forward(frozen, Tensorf(x)).value();
  };
}

void validate_task(const Model& model, const Task& task, const char* who) {
  model.check_input(task.support_x, who);
  if (task.support_x.rows() == 0) throw std::invalid_argument(std::string(who) + ": the support set is empty");
  if (task.support_y.rows() != task.support_x.rows())
    throw std::invalid_argument(std::string(who) + ": support inputs and targets differ in count");
  if (task.query_x.rows() > 0) {
    model.check_input(task.query_x, who);
    if (task.query_y.rows() != task.query_x.rows())
      throw std::invalid_argument(std::string(who) + ": query inputs and targets differ in count");
  }
}

std::vector<Predictor> sgd_adapt_path(const Model& model, const ParamsF& start, const Task& task, int steps, float lr,
                                      const std::vector<bool>* adapt, const ParamsF* lrs) {
  validate_task(model, task, "adapt");
  ad::EnableGradGuard differentiate;  // adaptation needs gradients even inside an evaluation
  std::vector<Predictor> path;
  path.reserve(static_cast<std::size_t>(steps) + 1);
  ParamsF fast = start.detach();
  for (std::size_t i = 0; i < fast.size(); ++i) fast[i].set_requires_grad(!adapt || (*adapt)[i]);
  const Tensorf xs(task.support_x);
  path.push_back(make_predictor(model, fast));
  for (int s = 0; s < steps; ++s) {
    const Tensorf loss = model.loss(model.forward(fast, xs), task.support_y);
    const std::vector<Tensorf> g = ad::grad(loss, fast.tensors());
    ParamsF next;
    for (std::size_t i = 0; i < fast.size(); ++i) {
      Mat<float> v = fast[i].value();
      if (!adapt || (*adapt)[i]) {
        if (lrs) v -= (*lrs)[i].value().cwiseProduct(g[i].value());
        else v -= lr * g[i].value();
      }
      next.add(fast.name(i), Tensorf(std::move(v), !adapt || (*adapt)[i]));
    }
    fast = std::move(next);
    path.push_back(make_predictor(model, fast));
  }
  return path;
}

std::vector<Predictor> adam_adapt_path(const Model& model, const ParamsF& start, const Task& task, int steps, float lr) {
  validate_task(model, task, "adapt");
  ad::EnableGradGuard differentiate;
  std::vector<Predictor> path;
  ParamsF fast = start.clone();
  optim::Adam<float> adam(lr);
  const Tensorf xs(task.support_x);
  path.push_back(make_predictor(model, fast));
  for (int s = 0; s < steps; ++s) {
    const Tensorf loss = model.loss(model.forward(fast, xs), task.support_y);
    adam.step(fast, ad::grad(loss, fast.tensors()));
    path.push_back(make_predictor(model, fast));
  }
  return path;
}

std::unique_ptr<optim::Optimizer<float>> make_outer_optimizer(const LearnerConfig& config) {
  return optim::make_optimizer<float>(config.outer_optimizer, config.outer_lr);
}

void save_optimizer_state(const optim::Optimizer<float>& opt, Checkpoint& ckpt) {
  ckpt.metadata["optimizer"] = opt.name();
  for (const auto& [key, value] : opt.state()) ckpt.add("optim." + key, value);
}

void load_optimizer_state(optim::Optimizer<float>& opt, const ParamsF& params, const Checkpoint& ckpt) {
  const std::string name = get_metadata_or(ckpt, "optimizer", opt.name());
  if (name != opt.name())
    throw FormatError("checkpoint " + ckpt.source + ": optimizer state is for '" + name + "', the learner uses '" +
                      opt.name() + "'");
  optim::State<float> state;
  for (const auto& [key, entry] : ckpt.tensors)
    if (key.rfind("optim.", 0) == 0) state.emplace_back(key.substr(6), entry.data);
  try {
    opt.load_state(state, params);
  } catch (const std::invalid_argument& e) {
    throw FormatError("checkpoint " + ckpt.source + ": " + e.what());
  }
}

std::vector<Tensorf> average_gradients(const std::vector<std::vector<Tensorf>>& per_task) {
  if (per_task.empty()) throw std::invalid_argument("average_gradients: no tasks");
  std::vector<Mat<float>> sums;
  for (const auto& g : per_task[0]) sums.push_back(g.value());
  for (std::size_t t = 1; t < per_task.size(); ++t)
    for (std::size_t i = 0; i < sums.size(); ++i) sums[i] += per_task[t][i].value();
  std::vector<Tensorf> out;
  const float scale = 1.0f / static_cast<float>(per_task.size());
  for (auto& s : sums) out.emplace_back(s * scale);
  return out;
}

}  // namespace metalab
