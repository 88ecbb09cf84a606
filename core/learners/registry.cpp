#include "core/learners/registry.h"

#include <algorithm>
#include <stdexcept>

#include "core/learners/baselines.h"
#include "core/learners/classification_baselines.h"
#include "core/learners/maml.h"
#include "core/learners/mann.h"
#include "core/learners/matchingnet.h"
#include "core/learners/protonet.h"
#include "core/learners/reptile.h"

namespace metalab {

namespace {

template <typename L>
std::unique_ptr<Learner> make(const LearnerConfig& c) {
  return std::make_unique<L>(c);
}

// Regression keeps the pretrain baseline of Finn et al.; a classifier gets
// the transfer baseline of Chen et al. (a global classifier, then a new head).
std::unique_ptr<Learner> make_pretrain(const LearnerConfig& c) {
  if (c.model.classification) return std::make_unique<ClassificationPretrain>(c);
  return std::make_unique<PretrainBaseline>(c);
}

void validate_pretrain(const LearnerConfig& c) {
  if (c.model.classification && c.pretrain_classes < 2)
    throw std::invalid_argument(
        "learner config: pretrain on classification needs pretrain_classes (the number of meta-training classes, >= 2)");
}

void validate_sequence_net(const LearnerConfig& c) { SequenceNetConfig::from_learner(c); }  // throws naming the problem

constexpr TaskKinds kRegressionAndEpisodes = TaskKind::Regression | TaskKind::Classification | TaskKind::Sequence;
constexpr TaskKinds kRegressionAndClassification = TaskKind::Regression | TaskKind::Classification;
constexpr TaskKinds kClassification = static_cast<TaskKinds>(TaskKind::Classification);
constexpr TaskKinds kSequences = static_cast<TaskKinds>(TaskKind::Sequence);
constexpr unsigned kMamlTraits = kIterative | kInnerLoop | kOutputHead | kMetaTrained;

}  // namespace

const std::vector<LearnerInfo>& learner_registry() {
  using F = LearnerFamily;
  // name, family, title, translation key, summary, tasks, traits, default meta-batch, settings, factory, validate
  static const std::vector<LearnerInfo> registry{
      {"maml", F::Optimization, "MAML (second order)", "learner.maml",
       "learns an initialisation that a few gradient steps adapt, differentiating through those steps",
       kRegressionAndEpisodes, kMamlTraits, 0, {"first_order"}, make<GradientMetaLearner>, nullptr},
      {"fomaml", F::Optimization, "MAML (first order)", "learner.fomaml",
       "MAML without second derivatives: the meta-gradient is the query gradient after adaptation",
       kRegressionAndEpisodes, kMamlTraits | kFirstOrder, 0, {}, make<GradientMetaLearner>, nullptr},
      {"metasgd", F::Optimization, "Meta-SGD", "learner.metasgd",
       "MAML that also learns a step size for every parameter", kRegressionAndEpisodes, kMamlTraits | kStepSizes, 0,
       {"first_order", "metasgd_init_lr"}, make<GradientMetaLearner>, nullptr},
      {"anil", F::Optimization, "ANIL", "learner.anil",
       "MAML whose inner loop adapts only the output head; the body is learned by the outer loop",
       kRegressionAndEpisodes, kMamlTraits | kHeadOnly, 0, {"first_order"}, make<GradientMetaLearner>, nullptr},
      {"reptile", F::Optimization, "Reptile", "learner.reptile",
       "moves the initialisation towards the weights a few SGD steps reach on each task", kRegressionAndEpisodes,
       kMamlTraits, 0, {"reptile_epsilon"}, make<Reptile>, nullptr},
      {"pretrain", F::Baseline, "Pretrain + fine-tune", "learner.pretrain",
       "transfer learning: one network trained on all meta-training data pooled, fine-tuned on the support set",
       kRegressionAndClassification, kIterative | kOutputHead | kMetaTrained, 0, {"pretrain_classes", "finetune_body"},
       make_pretrain, validate_pretrain},
      {"scratch", F::Baseline, "Scratch", "learner.scratch",
       "no meta-training: a fresh network trained on the support set alone", kRegressionAndEpisodes,
       kIterative | kOutputHead, 0, {"scratch_lr"}, make<ScratchBaseline>, nullptr},
      {"protonet", F::Metric, "ProtoNet", "learner.protonet",
       "prototypical network: classifies by the distance to each class's mean embedding", kClassification,
       kMetaTrained, 1, {"distance"}, make<PrototypicalNetwork>, nullptr},
      {"matchingnet", F::Metric, "Matching network", "learner.matchingnet",
       "attention over the embedded support set by cosine similarity, a soft nearest neighbour", kClassification,
       kMetaTrained, 1, {"cosine_scale"}, make<MatchingNetwork>, nullptr},
      {"nearest", F::Baseline, "Nearest neighbour", "learner.nearest",
       "the class of the nearest support example in raw feature space; nothing to train", kClassification, 0, 1,
       {"distance"}, make<NearestNeighbour>, nullptr},
      {"mann", F::ModelBased, "Memory-augmented network", "learner.mann",
       "an LSTM controller with an external memory that binds inputs to labels within an episode (Santoro et al.)",
       kSequences, kOutputHead | kMetaTrained | kRecurrent | kMemory, 0,
       {"memory_slots", "memory_width", "read_heads", "usage_decay"}, make<MannLearner>, validate_sequence_net},
      {"lstm", F::Baseline, "LSTM", "learner.lstm",
       "the memory network's controller alone: an LSTM reading the episode, no external memory", kSequences,
       kOutputHead | kMetaTrained | kRecurrent, 0, {}, make<MannLearner>, validate_sequence_net},
      {"feedforward", F::Baseline, "Feed-forward network", "learner.feedforward",
       "sees one example and the previous label at a time, no memory: the memory network's floor", kSequences,
       kOutputHead | kMetaTrained, 0, {}, make<MannLearner>, validate_sequence_net},
  };
  return registry;
}

const char* learner_family_name(LearnerFamily family) {
  switch (family) {
    case LearnerFamily::Optimization: return "optimization-based";
    case LearnerFamily::Metric: return "metric-based";
    case LearnerFamily::ModelBased: return "model-based";
    case LearnerFamily::Baseline: return "baseline";
  }
  return "?";
}

bool LearnerInfo::uses(std::string_view setting) const {
  return std::find(settings.begin(), settings.end(), setting) != settings.end();
}

const LearnerInfo* find_learner(std::string_view name) {
  for (const LearnerInfo& l : learner_registry())
    if (name == l.name) return &l;
  return nullptr;
}

std::string join_names(const std::vector<std::string>& names, const char* last) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i)
    out += (i == 0 ? "" : i + 1 == names.size() ? last : ", ") + names[i];
  return out;
}

const LearnerInfo& learner_info(std::string_view name) {
  if (const LearnerInfo* l = find_learner(name)) return *l;
  throw std::invalid_argument("unknown learner '" + std::string(name) + "' (expected one of: " +
                              join_names(learner_names(), ", ") + ")");
}

const std::vector<std::string>& learner_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const LearnerInfo& l : learner_registry()) n.emplace_back(l.name);
    return n;
  }();
  return names;
}

std::vector<std::string> learner_names(TaskKind kind) {
  std::vector<std::string> out;
  for (const LearnerInfo& l : learner_registry())
    if (l.accepts(kind)) out.emplace_back(l.name);
  return out;
}

std::vector<std::string> learners_using(std::string_view setting) {
  std::vector<std::string> out;
  for (const LearnerInfo& l : learner_registry())
    if (l.uses(setting)) out.emplace_back(l.name);
  return out;
}

std::unique_ptr<Learner> make_learner(const LearnerConfig& config) {
  config.validate();
  return learner_info(config.learner).make(config);
}

std::unique_ptr<Learner> load_learner(const Checkpoint& ckpt) {
  LearnerConfig config;
  try {
    config = LearnerConfig::from_metadata(ckpt.metadata);
  } catch (const std::invalid_argument& e) {
    throw FormatError("checkpoint " + ckpt.source + ": " + e.what());
  }
  auto learner = make_learner(config);
  learner->load(ckpt);
  return learner;
}

std::optional<TaskKind> checkpoint_task_kind(const Checkpoint& ckpt) {
  const LearnerInfo* learner = find_learner(get_metadata_or(ckpt, "learner", ""));
  const std::string task = get_metadata_or(ckpt, "task.name", "");
  if (!task.empty()) {
    const TaskFamily* family = find_task_family(task);
    if (!family) return std::nullopt;
    return family->kind;
  }
  if (!learner) return std::nullopt;
  for (TaskKind kind : kAllTaskKinds)
    if (learner->tasks == static_cast<TaskKinds>(kind)) return kind;
  const bool classifier = get_metadata_or(ckpt, "model.classification", "false") == "true";
  return classifier ? TaskKind::Classification : TaskKind::Regression;
}

}  // namespace metalab
