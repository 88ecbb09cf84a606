// The memory-augmented network, its LSTM and feed-forward baselines, and the
// learner that trains them on episodes (mann.h).
#include "core/learners/mann.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <stdexcept>

#include "core/io/strict_json.h"
#include "core/learners/adaptation.h"
#include "core/learners/registry.h"

namespace metalab {

using ad::Mat;
using ad::Tensor;

// ---------------------------------------------------------------- config

const char* sequence_arch_name(SequenceArch arch) {
  switch (arch) {
    case SequenceArch::Mann: return "mann";
    case SequenceArch::Lstm: return "lstm";
    case SequenceArch::FeedForward: return "feedforward";
  }
  return "?";
}

void SequenceNetConfig::validate() const {
  const std::string who = std::string(sequence_arch_name(arch)) + ": ";
  if (input_dim < 1) throw std::invalid_argument(who + "input_dim must be >= 1");
  if (num_classes < 2) throw std::invalid_argument(who + "num_classes (model output size) must be >= 2");
  if (hidden.empty()) throw std::invalid_argument(who + "hidden must hold at least one size");
  for (int h : hidden)
    if (h < 1) throw std::invalid_argument(who + "hidden sizes must be >= 1");
  if (arch != SequenceArch::FeedForward && hidden.size() != 1)
    throw std::invalid_argument(who + "model.hidden must hold one size, the LSTM controller's (e.g. 200), got " +
                                std::to_string(hidden.size()) + " sizes");
  if (arch == SequenceArch::FeedForward) nn::parse_activation(activation);
  if (arch == SequenceArch::Mann) {
    if (memory_slots < 1) throw std::invalid_argument(who + "memory_slots must be >= 1");
    if (memory_width < 1) throw std::invalid_argument(who + "memory_width must be >= 1");
    if (read_heads < 1 || read_heads > memory_slots)
      throw std::invalid_argument(who + "read_heads must be in [1, memory_slots]");
    if (!(usage_decay >= 0 && usage_decay <= 1)) throw std::invalid_argument(who + "usage_decay must be in [0, 1]");
    if (!(cosine_eps > 0)) throw std::invalid_argument(who + "cosine_eps must be > 0");
  }
  // An upper bound of the weights and the memory these sizes give, in double
  // (sizes from a checkpoint's metadata may overflow any integer product),
  // refused above kModelMaxParameters before anything is allocated
  // (tests/fuzz/regressions/safetensors).
  const double reads = arch == SequenceArch::Mann ? static_cast<double>(read_heads) * memory_width : 0;
  double bound = 0, prev = static_cast<double>(input_dim) + num_classes + reads;
  for (int h : hidden) bound += 4.0 * h * (prev + h + 1), prev = h;
  if (arch == SequenceArch::Mann)
    bound += 2.0 * prev * read_heads * (memory_width + 4) + static_cast<double>(memory_slots) * memory_width;
  bound += (prev + reads + 1) * num_classes;
  if (!(bound <= static_cast<double>(kModelMaxParameters)))
    throw std::invalid_argument(who + "more than " + std::to_string(kModelMaxParameters) +
                                " parameters and memory cells (the sizes claim about " +
                                std::to_string(static_cast<long long>(std::min(bound, 9e18))) + ")");
}

SequenceNetConfig SequenceNetConfig::from_learner(const LearnerConfig& config) {
  SequenceNetConfig c;
  const LearnerInfo& info = learner_info(config.learner);
  const auto sequence_only = [](const LearnerInfo& l) { return l.tasks == static_cast<TaskKinds>(TaskKind::Sequence); };
  if (!sequence_only(info)) {
    std::vector<std::string> nets;
    for (const LearnerInfo& l : learner_registry())
      if (sequence_only(l)) nets.emplace_back(l.name);
    throw std::invalid_argument("'" + config.learner + "' is not a sequence network (expected " + join_names(nets) + ")");
  }
  c.arch = info.memory() ? SequenceArch::Mann : info.recurrent() ? SequenceArch::Lstm : SequenceArch::FeedForward;
  c.input_dim = config.model.input_dim;
  c.num_classes = config.model.output_dim;
  c.hidden = config.model.hidden;
  c.activation = config.model.activation;
  c.memory_slots = config.memory_slots;
  c.memory_width = config.memory_width;
  c.read_heads = config.read_heads;
  c.usage_decay = config.usage_decay;
  c.validate();
  return c;
}

// ---------------------------------------------------------------- state

namespace {
// Rows of m in blocks of `block` rows, each block repeated `copies` times.
template <typename T>
Mat<T> repeat_blocks(const Mat<T>& m, Eigen::Index block, int copies) {
  if (m.size() == 0 || block == 0) return m;
  const Eigen::Index blocks = m.rows() / block;
  Mat<T> out(m.rows() * copies, m.cols());
  for (Eigen::Index b = 0; b < blocks; ++b)
    for (int c = 0; c < copies; ++c) out.middleRows((b * copies + c) * block, block) = m.middleRows(b * block, block);
  return out;
}
template <typename T>
Tensor<T> repeat_blocks(const Tensor<T>& t, int batch, int copies) {
  if (!t.defined()) return t;
  return Tensor<T>(repeat_blocks(t.value(), t.rows() / batch, copies));
}
}  // namespace

template <typename T>
SequenceState<T> SequenceState<T>::repeated(int copies) const {
  if (copies < 1) throw std::invalid_argument("SequenceState::repeated: copies must be >= 1");
  SequenceState<T> s;
  s.batch = batch * copies;
  s.h = repeat_blocks(h, batch, copies);
  s.c = repeat_blocks(c, batch, copies);
  s.reads = repeat_blocks(reads, batch, copies);
  s.memory = repeat_blocks(memory, batch, copies);
  s.read_weights = repeat_blocks(read_weights, batch, copies);
  s.usage = repeat_blocks(usage, usage.rows() / std::max(batch, 1), copies);
  s.least_used = repeat_blocks(least_used, least_used.rows() / std::max(batch, 1), copies);
  for (int v : zero_slot)
    for (int c2 = 0; c2 < copies; ++c2) s.zero_slot.push_back(v);
  s.steps = steps;
  return s;
}

// ---------------------------------------------------------------- network

template <typename T>
SequenceNet<T>::SequenceNet(SequenceNetConfig config) : config_(std::move(config)) {
  config_.validate();
  if (config_.arch == SequenceArch::FeedForward) {
    mlp_.sizes = {step_input_dim()};
    for (int h : config_.hidden) mlp_.sizes.push_back(h);
    mlp_.sizes.push_back(config_.num_classes);
    mlp_.activation = nn::parse_activation(config_.activation);
  }
}

template <typename T>
typename SequenceNet<T>::P SequenceNet<T>::init(Rng& rng) const {
  if (config_.arch == SequenceArch::FeedForward) return mlp_.template init<T>(rng);
  const int in = step_input_dim(), H = config_.hidden[0];
  const bool mann = config_.arch == SequenceArch::Mann;
  const int R = config_.read_heads, M = config_.memory_width, RM = mann ? R * M : 0;
  using nn::Init;
  using nn::init_matrix;
  P p;
  // The LSTM's input is [x_t, y_{t-1}, r_{t-1}]; its weight is split by part
  // so the constant part and the reads are separate products. Xavier fan-in
  // counts the whole input.
  p.add("controller.weight_x", Tensor<T>(init_matrix<T>(Init::XavierUniform, in, 4 * H, in + RM, H, rng), true));
  if (mann)
    p.add("controller.weight_r", Tensor<T>(init_matrix<T>(Init::XavierUniform, RM, 4 * H, in + RM, H, rng), true));
  p.add("controller.weight_h", Tensor<T>(init_matrix<T>(Init::XavierUniform, H, 4 * H, H, H, rng), true));
  Mat<T> bias = Mat<T>::Zero(1, 4 * H);
  bias.middleCols(H, H).setOnes();  // forget gate bias 1 (as nn::LSTMCell)
  p.add("controller.bias", Tensor<T>(std::move(bias), true));
  if (mann) {
    const int heads_out = R * (2 * M + 2);  // keys, add vectors, write gates, sharpness
    p.add("heads.weight", Tensor<T>(init_matrix<T>(Init::XavierUniform, H, heads_out, H, heads_out, rng), true));
    p.add("heads.bias", Tensor<T>(Mat<T>(Mat<T>::Zero(1, heads_out)), true));
  }
  const int out_in = H + RM, C = config_.num_classes;
  p.add("output.weight", Tensor<T>(init_matrix<T>(Init::XavierUniform, out_in, C, out_in, C, rng), true));
  p.add("output.bias", Tensor<T>(Mat<T>(Mat<T>::Zero(1, C)), true));
  return p;
}

template <typename T>
SequenceState<T> SequenceNet<T>::initial_state(int batch) const {
  if (batch < 1) throw std::invalid_argument("SequenceNet: batch must be >= 1");
  SequenceState<T> s;
  s.batch = batch;
  if (config_.arch == SequenceArch::FeedForward) return s;
  const int H = config_.hidden[0];
  s.h = Tensor<T>::zeros(batch, H);
  s.c = Tensor<T>::zeros(batch, H);
  if (config_.arch == SequenceArch::Mann) {
    const int N = config_.memory_slots, M = config_.memory_width, R = config_.read_heads;
    s.reads = Tensor<T>::zeros(batch, R * M);
    s.memory = Tensor<T>::zeros(static_cast<Eigen::Index>(batch) * N, M);
    s.read_weights = Tensor<T>::zeros(static_cast<Eigen::Index>(batch) * R, N);
    s.usage = Mat<T>::Zero(batch, N);
    const mann::LeastUsed<T> lu = mann::least_used(s.usage, R);
    s.least_used = mann::repeat_rows(lu.mask, R);
    s.zero_slot = lu.slot;
  }
  return s;
}

template <typename T>
void SequenceNet<T>::check_step_input(const Mat<T>& input, int batch, const std::string& which) const {
  if (input.rows() != batch || input.cols() != step_input_dim())
    throw ad::ShapeError(std::string(sequence_arch_name(config_.arch)) + ": " + which + " is [" +
                         std::to_string(input.rows()) + "x" + std::to_string(input.cols()) + "], expected [" +
                         std::to_string(batch) + "x" + std::to_string(step_input_dim()) + "] (x_t and one-hot y_{t-1})");
}

template <typename T>
Tensor<T> SequenceNet<T>::step(const P& params, SequenceState<T>& s, const Mat<T>& input, StepRecord<T>* record) const {
  check_step_input(input, s.batch, "step input");
  const Tensor<T> in(input);
  if (config_.arch == SequenceArch::FeedForward) {
    ++s.steps;
    return mlp_.forward(params, in);
  }
  return recurrent_step(params, s, ad::linear(in, params.at("controller.weight_x"), params.at("controller.bias")),
                        record);
}

template <typename T>
Tensor<T> SequenceNet<T>::recurrent_step(const P& params, SequenceState<T>& s, const Tensor<T>& input_gates,
                                         StepRecord<T>* record, RecurrentTerms* recurrent) const {
  ++s.steps;
  const int B = s.batch, H = config_.hidden[0];
  const bool use_memory = config_.arch == SequenceArch::Mann;
  // LSTM controller.
  const Tensor<T> from_h = ad::matmul(s.h, params.at("controller.weight_h"));
  Tensor<T> z = ad::add(input_gates, from_h);
  if (recurrent) {
    recurrent->h_products.push_back(from_h);
    recurrent->h_prev.push_back(s.h.value());
  }
  if (use_memory) {
    const Tensor<T> from_r = ad::matmul(s.reads, params.at("controller.weight_r"));
    z = ad::add(z, from_r);
    if (recurrent) {
      recurrent->r_products.push_back(from_r);
      recurrent->r_prev.push_back(s.reads.value());
    }
  }
  const Tensor<T> gi = ad::sigmoid(ad::slice_cols(z, 0, H));
  const Tensor<T> gf = ad::sigmoid(ad::slice_cols(z, H, H));
  const Tensor<T> gg = ad::tanh(ad::slice_cols(z, 2 * H, H));
  const Tensor<T> go = ad::sigmoid(ad::slice_cols(z, 3 * H, H));
  s.c = ad::add(ad::mul(gf, s.c), ad::mul(gi, gg));
  s.h = ad::mul(go, ad::tanh(s.c));
  if (!use_memory) return ad::linear(s.h, params.at("output.weight"), params.at("output.bias"));

  // Heads.
  const int N = config_.memory_slots, M = config_.memory_width, R = config_.read_heads;
  const Tensor<T> hp = ad::linear(s.h, params.at("heads.weight"), params.at("heads.bias"));
  const Tensor<T> key_add = ad::tanh(ad::slice_cols(hp, 0, 2 * R * M));
  const Tensor<T> keys = ad::reshape(ad::slice_cols(key_add, 0, R * M), B * R, M);
  const Tensor<T> adds = ad::reshape(ad::slice_cols(key_add, R * M, R * M), B * R, M);
  const Tensor<T> gate = ad::reshape(ad::sigmoid(ad::slice_cols(hp, 2 * R * M, R)), B * R, 1);
  const Tensor<T> beta = ad::reshape(ad::softplus(ad::slice_cols(hp, 2 * R * M + R, R)), B * R, 1);

  // LRUA write: to the slots read last step or to the least-used ones.
  const Tensor<T> write_w = mann::lrua_write_weights(gate, s.read_weights, s.least_used);
  const std::vector<int> zeroed = s.zero_slot;
  s.memory = mann::write_memory(mann::zero_slots(s.memory, zeroed, N), write_w, adds, B);
  // Content-based read from the updated memory.
  s.read_weights = mann::content_weights(keys, beta, s.memory, B, static_cast<T>(config_.cosine_eps));
  const Tensor<T> r = mann::read_memory(s.read_weights, s.memory, B);
  s.reads = ad::reshape(r, B, R * M);
  // Usage and the least-used slots for the next step (constants).
  s.usage = mann::update_usage(s.usage, s.read_weights.value(), write_w.value(), static_cast<T>(config_.usage_decay));
  const mann::LeastUsed<T> lu = mann::least_used(s.usage, R);
  s.least_used = mann::repeat_rows(lu.mask, R);
  s.zero_slot = lu.slot;

  if (record) {
    record->memory = s.memory.value().topRows(N);
    record->read_weights = s.read_weights.value().topRows(R);
    record->write_weights = write_w.value().topRows(R);
    record->usage = s.usage.topRows(1);
    record->reads = r.value().topRows(R);
    record->zeroed_slot = zeroed.empty() ? -1 : zeroed[0];
  }
  return ad::linear(ad::concat_cols(std::vector<Tensor<T>>{s.h, s.reads}), params.at("output.weight"),
                    params.at("output.bias"));
}

template <typename T>
Tensor<T> SequenceNet<T>::forward(const P& params, const std::vector<Mat<T>>& inputs, int batch) const {
  if (inputs.empty()) throw std::invalid_argument("SequenceNet::forward: no steps");
  if (config_.arch != SequenceArch::FeedForward) return unroll(params, inputs, batch, nullptr);
  SequenceState<T> state = initial_state(batch);
  std::vector<Tensor<T>> logits;
  logits.reserve(inputs.size());
  for (const Mat<T>& x : inputs) logits.push_back(step(params, state, x));
  return ad::concat_rows(logits);
}

template <typename T>
Tensor<T> SequenceNet<T>::unroll(const P& params, const std::vector<Mat<T>>& inputs, int batch,
                                 RecurrentTerms* recurrent) const {
  SequenceState<T> state = initial_state(batch);
  std::vector<Tensor<T>> logits;
  logits.reserve(inputs.size());
  const Tensor<T> gates = input_gates(params, inputs, batch);
  for (std::size_t t = 0; t < inputs.size(); ++t)
    logits.push_back(recurrent_step(params, state, ad::slice_rows(gates, static_cast<Eigen::Index>(t) * batch, batch),
                                    nullptr, recurrent));
  return ad::concat_rows(logits);
}

// One weight gradient for W_x instead of one per step, summed (the bulk of a
// one-episode update's memory traffic).
template <typename T>
Tensor<T> SequenceNet<T>::input_gates(const P& params, const std::vector<Mat<T>>& inputs, int batch) const {
  Mat<T> all(static_cast<Eigen::Index>(batch) * static_cast<Eigen::Index>(inputs.size()), step_input_dim());
  for (std::size_t t = 0; t < inputs.size(); ++t) {
    check_step_input(inputs[t], batch, "step " + std::to_string(t) + " input");
    all.middleRows(static_cast<Eigen::Index>(t) * batch, batch) = inputs[t];
  }
  return ad::linear(Tensor<T>(std::move(all)), params.at("controller.weight_x"), params.at("controller.bias"));
}

template <typename T>
typename SequenceNet<T>::Trained SequenceNet<T>::forward_and_grad(
    const P& params, const std::vector<Mat<T>>& inputs, int batch,
    const std::function<Tensor<T>(const Tensor<T>&)>& loss_of) const {
  Trained out;
  if (config_.arch == SequenceArch::FeedForward) {
    out.logits = forward(params, inputs, batch);
    out.loss = loss_of(out.logits);
    out.grads = ad::grad(out.loss, params.tensors());
    return out;
  }
  if (inputs.empty()) throw std::invalid_argument("SequenceNet::forward_and_grad: no steps");
  const bool use_memory = config_.arch == SequenceArch::Mann;
  // The recurrent weights as constants: the walk back then computes no weight
  // gradient per step, only the gradients of the products h_{t-1} W_h and
  // r_{t-1} W_r (= dz_t), from which the weight gradients are one product each.
  P constant_recurrent;
  std::size_t weight_h = params.size(), weight_r = params.size();
  for (std::size_t i = 0; i < params.size(); ++i) {
    const std::string& name = params.name(i);
    if (name == "controller.weight_h") weight_h = i;
    if (name == "controller.weight_r") weight_r = i;
    constant_recurrent.add(name, i == weight_h || i == weight_r ? params[i].detach() : params[i]);
  }
  RecurrentTerms terms;
  out.logits = unroll(constant_recurrent, inputs, batch, &terms);
  out.loss = loss_of(out.logits);

  std::vector<Tensor<T>> wanted = params.tensors();
  wanted.insert(wanted.end(), terms.h_products.begin(), terms.h_products.end());
  wanted.insert(wanted.end(), terms.r_products.begin(), terms.r_products.end());
  std::vector<Tensor<T>> g = ad::grad(out.loss, wanted);
  const std::size_t n = params.size(), steps = inputs.size();
  // sum_t left_t^T dproduct_t, as one product of the stacked factors.
  auto weight_gradient = [&](const std::vector<Mat<T>>& left, std::size_t first_product) {
    const Eigen::Index rows = left[0].rows();
    Mat<T> a(rows * static_cast<Eigen::Index>(steps), left[0].cols());
    Mat<T> d(rows * static_cast<Eigen::Index>(steps), g[first_product].cols());
    for (std::size_t t = 0; t < steps; ++t) {
      a.middleRows(static_cast<Eigen::Index>(t) * rows, rows) = left[t];
      d.middleRows(static_cast<Eigen::Index>(t) * rows, rows) = g[first_product + t].value();
    }
    ad::NoGradGuard values;
    return ad::matmul(Tensor<T>(std::move(a)), Tensor<T>(std::move(d)), true, false);
  };
  out.grads.assign(g.begin(), g.begin() + static_cast<std::ptrdiff_t>(n));
  out.grads.at(weight_h) = weight_gradient(terms.h_prev, n);
  if (use_memory) out.grads.at(weight_r) = weight_gradient(terms.r_prev, n + steps);
  return out;
}

template <typename T>
std::vector<Mat<T>> sequence_inputs(const std::vector<Matrix>& xs, const std::vector<std::vector<int>>& labels,
                                    int num_classes) {
  if (xs.empty() || xs.size() != labels.size())
    throw std::invalid_argument("sequence_inputs: need one label list per episode and at least one episode");
  const Eigen::Index steps = xs[0].rows(), dim = xs[0].cols();
  for (std::size_t b = 0; b < xs.size(); ++b) {
    if (xs[b].rows() != steps || xs[b].cols() != dim)
      throw std::invalid_argument("sequence_inputs: episode " + std::to_string(b) + " is [" +
                                  std::to_string(xs[b].rows()) + "x" + std::to_string(xs[b].cols()) +
                                  "], episode 0 is [" + std::to_string(steps) + "x" + std::to_string(dim) +
                                  "] (a batch needs episodes of one length)");
    if (static_cast<Eigen::Index>(labels[b].size()) != steps)
      throw std::invalid_argument("sequence_inputs: episode " + std::to_string(b) + " has " +
                                  std::to_string(labels[b].size()) + " labels for " + std::to_string(steps) + " inputs");
    for (int y : labels[b])
      if (y < 0 || y >= num_classes)
        throw std::invalid_argument("sequence_inputs: label " + std::to_string(y) + " is outside [0, " +
                                    std::to_string(num_classes) + ")");
  }
  const Eigen::Index B = static_cast<Eigen::Index>(xs.size());
  std::vector<Mat<T>> out;
  out.reserve(static_cast<std::size_t>(steps));
  for (Eigen::Index t = 0; t < steps; ++t) {
    Mat<T> m = Mat<T>::Zero(B, dim + num_classes);
    for (Eigen::Index b = 0; b < B; ++b) {
      m.row(b).head(dim) = xs[static_cast<std::size_t>(b)].row(t).template cast<T>();
      if (t > 0) m(b, dim + labels[static_cast<std::size_t>(b)][static_cast<std::size_t>(t - 1)]) = T(1);
    }
    out.push_back(std::move(m));
  }
  return out;
}

template struct SequenceState<float>;
template struct SequenceState<double>;
template class SequenceNet<float>;
template class SequenceNet<double>;
template std::vector<Mat<float>> sequence_inputs<float>(const std::vector<Matrix>&, const std::vector<std::vector<int>>&,
                                                        int);
template std::vector<Mat<double>> sequence_inputs<double>(const std::vector<Matrix>&,
                                                          const std::vector<std::vector<int>>&, int);

// ---------------------------------------------------------------- trace JSON

namespace {
// Numbers rounded to `digits` significant digits (a trace is for looking at,
// and full floats would triple its size); NaN and infinity become null.
class TraceNumbers {
 public:
  explicit TraceNumbers(int digits) : digits_(digits) {}
  Json number(double v) const {
    if (!std::isfinite(v)) return nullptr;
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.*g", digits_, v);
    return std::strtod(buf, nullptr);
  }
  Json row(const Matrix& m, Eigen::Index r) const {
    Json out = Json::array();
    for (Eigen::Index j = 0; j < m.cols(); ++j) out.push_back(number(m(r, j)));
    return out;
  }
  Json matrix(const Matrix& m) const {
    Json out = Json::array();
    for (Eigen::Index i = 0; i < m.rows(); ++i) out.push_back(row(m, i));
    return out;
  }

 private:
  int digits_;
};
}  // namespace

std::string memory_trace_to_json(const MemoryTrace& t, int digits) {
  const TraceNumbers n(digits < 1 ? 1 : digits > 17 ? 17 : digits);
  Json j = {{"learner", t.learner},         {"slots", t.slots},
            {"width", t.width},             {"heads", t.heads},
            {"num_classes", t.num_classes}, {"input_dim", t.input_dim},
            {"image_height", t.image_height}, {"image_width", t.image_width},
            {"num_steps", t.steps()}};
  Json steps = Json::array();
  const bool memory = !t.memory.empty();
  for (int s = 0; s < t.steps(); ++s) {
    const std::size_t k = static_cast<std::size_t>(s);
    Json step = {{"t", s},
                 {"x", n.row(t.inputs, s)},
                 {"label", t.labels[k]},
                 {"prev_label", s ? t.labels[k - 1] : -1},
                 {"instance", k < t.instance.size() ? t.instance[k] : 0},
                 {"probs", n.row(t.probabilities, s)},
                 {"prediction", t.predictions[k]}};
    if (memory) {
      step["zeroed_slot"] = t.zeroed_slot[k];
      step["write_weights"] = n.matrix(t.write_weights[k]);
      step["read_weights"] = n.matrix(t.read_weights[k]);
      step["usage"] = n.row(t.usage[k], 0);
      step["reads"] = n.matrix(t.reads[k]);
      step["memory"] = n.matrix(t.memory[k]);
    }
    steps.push_back(std::move(step));
  }
  j["steps"] = std::move(steps);
  return j.dump();
}

// ---------------------------------------------------------------- learner

MannLearner::MannLearner(LearnerConfig config)
    : Learner(std::move(config)), net_(SequenceNetConfig::from_learner(config_)) {
  Rng rng(config_.seed);
  params_ = net_.init(rng);
  optimizer_ = make_outer_optimizer(config_);
}

void MannLearner::check_episode(const Matrix& x, const std::vector<int>& labels, const char* who) const {
  const auto& c = net_.config();
  if (x.cols() != c.input_dim)
    throw std::invalid_argument(config_.learner + " " + who + ": inputs have " + std::to_string(x.cols()) +
                                " features, the network expects " + std::to_string(c.input_dim));
  if (x.rows() == 0) throw std::invalid_argument(config_.learner + " " + who + ": the episode is empty");
  if (static_cast<Eigen::Index>(labels.size()) != x.rows())
    throw std::invalid_argument(config_.learner + " " + who + ": " + std::to_string(labels.size()) + " labels for " +
                                std::to_string(x.rows()) + " inputs");
}

StepStats MannLearner::meta_step(const std::vector<Task>& batch) {
  if (batch.empty()) throw std::invalid_argument(config_.learner + ": meta_step needs at least one task");
  const int C = net_.config().num_classes;
  // A different order every iteration, reproducible from (seed, iteration).
  Rng rng(config_.seed ^ (0x9E3779B97F4A7C15ULL * static_cast<std::uint64_t>(iteration_ + 1)));
  std::vector<Matrix> xs;
  std::vector<std::vector<int>> labels;
  for (const Task& task : batch) {
    const Eigen::Index ns = task.support_x.rows(), nq = task.query_x.rows();
    if (task.support_y.rows() != ns || task.query_y.rows() != nq)
      throw std::invalid_argument(config_.learner + ": task inputs and labels differ in count");
    Matrix x(ns + nq, task.support_x.cols());
    if (nq > 0 && task.query_x.cols() != task.support_x.cols())
      throw std::invalid_argument(config_.learner + ": support and query inputs differ in width");
    x.topRows(ns) = task.support_x;
    if (nq > 0) x.bottomRows(nq) = task.query_x;
    std::vector<int> y = labels_of(task.support_y, C);
    if (nq > 0) {
      const std::vector<int> yq = labels_of(task.query_y, C);
      y.insert(y.end(), yq.begin(), yq.end());
    }
    check_episode(x, y, "meta_step");
    std::vector<int> order(y.size());
    std::iota(order.begin(), order.end(), 0);
    rng.shuffle(order);
    Matrix xo(x.rows(), x.cols());
    std::vector<int> yo(y.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
      xo.row(static_cast<Eigen::Index>(i)) = x.row(order[i]);
      yo[i] = y[static_cast<std::size_t>(order[i])];
    }
    xs.push_back(std::move(xo));
    labels.push_back(std::move(yo));
  }
  return train_sequences(xs, labels);
}

StepStats MannLearner::train_sequences(const std::vector<Matrix>& xs, const std::vector<std::vector<int>>& labels) {
  if (xs.empty()) throw std::invalid_argument(config_.learner + ": train_sequences needs at least one episode");
  for (std::size_t b = 0; b < xs.size(); ++b) check_episode(xs[b], labels[b], "train_sequences");
  const int B = static_cast<int>(xs.size());
  const int C = net_.config().num_classes;
  const std::vector<Mat<float>> inputs = sequence_inputs<float>(xs, labels, C);
  const std::size_t steps = inputs.size();
  std::vector<int> flat(steps * static_cast<std::size_t>(B));
  for (std::size_t t = 0; t < steps; ++t)
    for (int b = 0; b < B; ++b) flat[t * B + static_cast<std::size_t>(b)] = labels[static_cast<std::size_t>(b)][t];

  SequenceNet<float>::Trained trained =
      net_.forward_and_grad(params_, inputs, B, [&](const Tensorf& logits) { return ad::cross_entropy(logits, flat); });
  const Tensorf& logits = trained.logits;
  StepStats stats;
  stats.loss = trained.loss.item();
  stats.pre_loss = std::nan("");
  check_finite(stats.loss, "the sequence loss");
  int correct = 0;
  for (Eigen::Index i = 0; i < logits.rows(); ++i) {
    Eigen::Index best;
    logits.value().row(i).maxCoeff(&best);
    correct += static_cast<int>(best) == flat[static_cast<std::size_t>(i)];
  }
  stats.metric = static_cast<double>(correct) / static_cast<double>(flat.size());

  std::vector<Tensorf> grads = std::move(trained.grads);
  stats.grad_norm = config_.grad_clip > 0 ? optim::clip_grad_norm(grads, config_.grad_clip) : optim::global_norm(grads);
  check_finite(stats.grad_norm, "the gradient norm");
  optimizer_->step(params_, grads);
  ++iteration_;
  return stats;
}

std::vector<Matrix> MannLearner::predict_sequences(const std::vector<Matrix>& xs,
                                                   const std::vector<std::vector<int>>& labels) const {
  if (xs.empty()) return {};
  for (std::size_t b = 0; b < xs.size(); ++b) check_episode(xs[b], labels[b], "predict_sequences");
  ad::NoGradGuard no_grad;
  const int B = static_cast<int>(xs.size());
  const std::vector<Mat<float>> inputs = sequence_inputs<float>(xs, labels, net_.config().num_classes);
  const Matrix logits = net_.forward(params_, inputs, B).value();
  std::vector<Matrix> out(xs.size(), Matrix(static_cast<Eigen::Index>(inputs.size()), logits.cols()));
  for (Eigen::Index t = 0; t < static_cast<Eigen::Index>(inputs.size()); ++t)
    for (int b = 0; b < B; ++b) out[static_cast<std::size_t>(b)].row(t) = logits.row(t * B + b);
  return out;
}

std::vector<Predictor> MannLearner::adapt(const Task& task, int steps) const {
  if (steps < 0) throw std::invalid_argument("adapt: steps must be >= 0");
  const SequenceNetConfig& c = net_.config();
  const std::vector<int> y = labels_of(task.support_y, c.num_classes);
  check_episode(task.support_x, y, "adapt");
  const ParamsF frozen = params_.detach();
  auto state = std::make_shared<SequenceState<float>>(net_.initial_state(1));
  {
    ad::NoGradGuard no_grad;
    const std::vector<Mat<float>> inputs = sequence_inputs<float>({task.support_x}, {y}, c.num_classes);
    for (const auto& in : inputs) net_.step(frozen, *state, in);
  }
  const int last = y.back();
  const SequenceNet<float> net = net_;
  const std::string who = config_.learner;
  Predictor predict = [net, frozen, state, last, who](const Matrix& xq) -> Matrix {
    const SequenceNetConfig& nc = net.config();
    if (xq.cols() != nc.input_dim)
      throw std::invalid_argument(who + " predict: inputs have " + std::to_string(xq.cols()) +
                                  " features, the network expects " + std::to_string(nc.input_dim));
    if (xq.rows() == 0) return Matrix(0, nc.num_classes);
    ad::NoGradGuard no_grad;
    // Every query is the next step of its own copy of the episode.
    SequenceState<float> s = state->repeated(static_cast<int>(xq.rows()));
    Mat<float> in = Mat<float>::Zero(xq.rows(), net.step_input_dim());
    in.leftCols(nc.input_dim) = xq;
    in.col(nc.input_dim + last).setOnes();
    return net.step(frozen, s, in).value();
  };
  return {predict};
}

MemoryTrace MannLearner::record_episode(const Matrix& x, const std::vector<int>& labels,
                                        const std::vector<int>& instance) const {
  check_episode(x, labels, "record_episode");
  const SequenceNetConfig& c = net_.config();
  MemoryTrace trace;
  trace.learner = config_.learner;
  if (c.arch == SequenceArch::Mann) {
    trace.slots = c.memory_slots;
    trace.width = c.memory_width;
    trace.heads = c.read_heads;
  }
  trace.num_classes = c.num_classes;
  trace.input_dim = c.input_dim;
  trace.inputs = x;
  trace.labels = labels;
  trace.instance = instance;
  trace.probabilities.resize(x.rows(), c.num_classes);
  ad::NoGradGuard no_grad;
  const std::vector<Mat<float>> inputs = sequence_inputs<float>({x}, {labels}, c.num_classes);
  SequenceState<float> state = net_.initial_state(1);
  for (std::size_t t = 0; t < inputs.size(); ++t) {
    StepRecord<float> rec;
    const Matrix logits = net_.step(params_, state, inputs[t], &rec).value();
    const Matrix p = ad::softmax(Tensorf(logits)).value();
    trace.probabilities.row(static_cast<Eigen::Index>(t)) = p.row(0);
    Eigen::Index best;
    p.row(0).maxCoeff(&best);
    trace.predictions.push_back(static_cast<int>(best));
    if (c.arch == SequenceArch::Mann) {
      trace.memory.push_back(rec.memory);
      trace.read_weights.push_back(rec.read_weights);
      trace.write_weights.push_back(rec.write_weights);
      trace.usage.push_back(rec.usage);
      trace.reads.push_back(rec.reads);
      trace.zeroed_slot.push_back(rec.zeroed_slot);
    }
  }
  return trace;
}

MemoryTrace MannLearner::record_episode(const SequenceEpisode& e) const {
  return record_episode(e.x, e.labels, e.instance);
}

StepStats MannLearner::train_on(const SequenceEpisodeSource& source, Rng& rng) {
  if (source.config().ways != net_.config().num_classes)
    throw std::invalid_argument(config_.learner + ": episodes have " + std::to_string(source.config().ways) +
                                " ways, the network " + std::to_string(net_.config().num_classes) + " outputs");
  std::vector<Matrix> xs;
  std::vector<std::vector<int>> ys;
  for (int b = 0; b < config_.meta_batch; ++b) {
    SequenceEpisode e = source.sample_episode(Split::MetaTrain, rng);
    xs.push_back(std::move(e.x));
    ys.push_back(std::move(e.labels));
  }
  return train_sequences(xs, ys);
}

InstanceAccuracy evaluate_by_instance(const MannLearner& learner, const SequenceEpisodeSource& source, Split split,
                                      int episodes, Rng& rng, int batch) {
  if (episodes < 1 || batch < 1) throw std::invalid_argument("evaluate_by_instance: episodes and batch must be >= 1");
  InstanceAccuracy acc(source.config().instances);
  for (int done = 0; done < episodes;) {
    const int n = std::min(batch, episodes - done);
    std::vector<SequenceEpisode> eps;
    std::vector<Matrix> xs;
    std::vector<std::vector<int>> ys;
    for (int b = 0; b < n; ++b) {
      eps.push_back(source.sample_episode(split, rng));
      xs.push_back(eps.back().x);
      ys.push_back(eps.back().labels);
    }
    const std::vector<Matrix> logits = learner.predict_sequences(xs, ys);
    for (int b = 0; b < n; ++b) {
      std::vector<int> predicted;
      for (Eigen::Index t = 0; t < logits[static_cast<std::size_t>(b)].rows(); ++t) {
        Eigen::Index best;
        logits[static_cast<std::size_t>(b)].row(t).maxCoeff(&best);
        predicted.push_back(static_cast<int>(best));
      }
      acc.add(eps[static_cast<std::size_t>(b)], predicted);
    }
    done += n;
  }
  return acc;
}

void MannLearner::save_extra(Checkpoint& ckpt) const { save_optimizer_state(*optimizer_, ckpt); }
void MannLearner::load_extra(const Checkpoint& ckpt) { load_optimizer_state(*optimizer_, params_, ckpt); }

}  // namespace metalab
