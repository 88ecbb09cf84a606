#include "core/learners/learner.h"

#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "core/common/options.h"
#include "core/learners/registry.h"

namespace metalab {

namespace {

std::string fmt(double v) {
  std::ostringstream s;
  s.precision(9);
  s << v;
  return s.str();
}

}  // namespace

void sequential_for(int n, const std::function<void(int)>& body) {
  for (int i = 0; i < n; ++i) body(i);
}

void LearnerConfig::validate() const {
  const LearnerInfo& info = learner_info(learner);  // throws for an unknown name, listing the known ones
  model.validate();
  auto positive = [](const char* name, double v) {
    if (!(v > 0) || !std::isfinite(v))
      throw std::invalid_argument(std::string("learner config: ") + name + " must be a positive number, got " + fmt(v));
  };
  positive("inner_lr", inner_lr);
  positive("outer_lr", outer_lr);
  positive("metasgd_init_lr", metasgd_init_lr);
  positive("reptile_epsilon", reptile_epsilon);
  positive("scratch_lr", scratch_lr);
  if (inner_steps < 1) throw std::invalid_argument("learner config: inner_steps must be >= 1");
  if (meta_batch < 1) throw std::invalid_argument("learner config: meta_batch must be >= 1");
  if (!(grad_clip >= 0)) throw std::invalid_argument("learner config: grad_clip must be >= 0");
  positive("cosine_scale", cosine_scale);
  if (distance != "euclidean" && distance != "cosine")
    throw std::invalid_argument("learner config: distance must be euclidean or cosine, got '" + distance + "'");
  if (pretrain_classes < 0) throw std::invalid_argument("learner config: pretrain_classes must be >= 0");
  if (memory_slots < 1 || memory_width < 1 || read_heads < 1 || read_heads > memory_slots)
    throw std::invalid_argument("learner config: memory_slots and memory_width must be >= 1, read_heads in [1, memory_slots]");
  if (!(usage_decay >= 0 && usage_decay <= 1)) throw std::invalid_argument("learner config: usage_decay must be in [0, 1]");
  if (outer_optimizer != "adam" && outer_optimizer != "sgd" && outer_optimizer != "rmsprop")
    throw std::invalid_argument("learner config: outer_optimizer must be adam, sgd or rmsprop, got '" +
                                outer_optimizer + "'");
  if (info.validate) info.validate(*this);
}

std::map<std::string, std::string> LearnerConfig::to_metadata() const {
  std::map<std::string, std::string> m;
  m["learner"] = learner;
  model.to_metadata(m);
  m["inner_lr"] = fmt(inner_lr);
  m["inner_steps"] = std::to_string(inner_steps);
  m["outer_lr"] = fmt(outer_lr);
  m["outer_optimizer"] = outer_optimizer;
  m["meta_batch"] = std::to_string(meta_batch);
  m["grad_clip"] = fmt(grad_clip);
  m["first_order"] = first_order ? "true" : "false";
  m["metasgd_init_lr"] = fmt(metasgd_init_lr);
  m["reptile_epsilon"] = fmt(reptile_epsilon);
  m["scratch_lr"] = fmt(scratch_lr);
  m["memory_slots"] = std::to_string(memory_slots);
  m["memory_width"] = std::to_string(memory_width);
  m["read_heads"] = std::to_string(read_heads);
  m["usage_decay"] = fmt(usage_decay);
  m["seed"] = std::to_string(seed);
  m["distance"] = distance;
  m["cosine_scale"] = fmt(cosine_scale);
  m["pretrain_classes"] = std::to_string(pretrain_classes);
  m["finetune_body"] = finetune_body ? "true" : "false";
  return m;
}

LearnerConfig LearnerConfig::from_metadata(const std::map<std::string, std::string>& m) {
  LearnerConfig c;
  auto it = m.find("learner");
  if (it == m.end()) throw std::invalid_argument("learner config: metadata has no 'learner' entry");
  c.learner = it->second;
  c.model = ModelConfig::from_metadata(m);
  // Metadata holds more than the learner's keys (model.*, task.*, trainer.*): no finish().
  OptionReader r(m, "learner config");
  r.booleans_as_words();
  const auto real = [&r](const char* key, float fallback) { return static_cast<float>(r.real(key, fallback)); };
  const auto integer = [&r](const char* key, int fallback) { return static_cast<int>(r.integer(key, fallback)); };
  c.inner_lr = real("inner_lr", c.inner_lr);
  c.inner_steps = integer("inner_steps", c.inner_steps);
  c.outer_lr = real("outer_lr", c.outer_lr);
  c.outer_optimizer = r.text("outer_optimizer", c.outer_optimizer);
  c.meta_batch = integer("meta_batch", c.meta_batch);
  c.grad_clip = real("grad_clip", c.grad_clip);
  c.first_order = r.boolean("first_order", c.first_order);
  c.metasgd_init_lr = real("metasgd_init_lr", c.metasgd_init_lr);
  c.reptile_epsilon = real("reptile_epsilon", c.reptile_epsilon);
  c.scratch_lr = real("scratch_lr", c.scratch_lr);
  c.memory_slots = integer("memory_slots", c.memory_slots);
  c.memory_width = integer("memory_width", c.memory_width);
  c.read_heads = integer("read_heads", c.read_heads);
  c.usage_decay = real("usage_decay", c.usage_decay);
  c.seed = static_cast<std::uint64_t>(r.integer("seed", 0, 0, std::numeric_limits<long long>::max()));
  c.distance = r.text("distance", c.distance);
  // Checkpoints from before the scale existed were trained unscaled.
  c.cosine_scale = real("cosine_scale", 1.0f);
  c.pretrain_classes = integer("pretrain_classes", c.pretrain_classes);
  c.finetune_body = r.boolean("finetune_body", c.finetune_body);
  c.validate();
  return c;
}

Learner::Learner(LearnerConfig config)
    : config_(std::move(config)), info_((config_.validate(), &learner_info(config_.learner))), model_(config_.model) {}

bool Learner::iterative() const { return info_->iterative(); }

void Learner::check_finite(double x, const char* what) const {
  if (!std::isfinite(x)) {
    std::ostringstream m;
    m << config_.learner << ": " << what << " became " << x << " at iteration " << iteration_
      << " (training diverged; try a smaller learning rate or gradient clipping)";
    throw DivergenceError(m.str());
  }
}

Checkpoint Learner::save() const {
  Checkpoint ckpt;
  ckpt.metadata = config_.to_metadata();
  ckpt.metadata["format"] = "metalab-checkpoint-1";
  ckpt.metadata["iteration"] = std::to_string(iteration_);
  const ParamsF& p = params();
  for (std::size_t i = 0; i < p.size(); ++i) ckpt.add(p.name(i), p[i].value());
  save_extra(ckpt);
  return ckpt;
}

void Learner::load(const Checkpoint& ckpt) {
  const std::string learner = get_metadata(ckpt, "learner");
  if (learner != config_.learner)
    throw FormatError("checkpoint " + ckpt.source + ": holds a '" + learner + "' learner, not '" + config_.learner + "'");
  ParamsF& p = mutable_params();
  for (std::size_t i = 0; i < p.size(); ++i) {
    const TensorEntry& e = expect_matrix(ckpt, p.name(i), p[i].rows(), p[i].cols());
    if (!e.data.allFinite())
      throw FormatError("checkpoint " + ckpt.source + ": tensor '" + p.name(i) + "' contains NaN or infinity");
  }
  const auto iteration = parse_integer(get_metadata_or(ckpt, "iteration", "0"));
  if (!iteration || *iteration < 0)
    throw FormatError("checkpoint " + ckpt.source + ": metadata 'iteration' is not a count: '" +
                      get_metadata_or(ckpt, "iteration", "") + "'");
  load_extra(ckpt);  // may throw before anything changes below
  for (std::size_t i = 0; i < p.size(); ++i) p[i].mutable_value() = get_tensor(ckpt, p.name(i)).data;
  iteration_ = static_cast<long>(*iteration);
}

const TensorEntry& expect_matrix(const Checkpoint& ckpt, const std::string& name, Eigen::Index rows, Eigen::Index cols) {
  const TensorEntry& e = get_tensor(ckpt, name);
  const std::vector<std::int64_t> full{rows, cols};
  const bool ok = e.shape == full || (rows == 1 && e.shape == std::vector<std::int64_t>{cols}) ||
                  (rows == 1 && cols == 1 && e.shape.empty());
  if (!ok)
    throw FormatError("checkpoint " + ckpt.source + ": tensor '" + name + "' has shape " + format_shape(e.shape) +
                      ", model expects " + format_shape(full));
  return e;
}

void Learner::save_extra(Checkpoint&) const {}
void Learner::load_extra(const Checkpoint&) {}

}  // namespace metalab
