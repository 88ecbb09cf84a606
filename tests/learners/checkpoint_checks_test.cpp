// Checkpoints written elsewhere (PyTorch exports, hand-made files) are checked
// before anything is loaded: every parameter's stored shape, not only its
// element count, and the metadata's values (no "True" read as false, no
// "5.0" read as 5).
#include <gtest/gtest.h>

#include "core/learners/learner.h"

namespace metalab {
namespace {

LearnerConfig sinusoid_maml() {
  LearnerConfig c;
  c.learner = "maml";
  c.seed = 5;
  return c;
}

// The checkpoint with tensor `name` stored under another shape of the same matrix.
Checkpoint reshaped(const Checkpoint& ckpt, const std::string& name, std::vector<std::int64_t> shape) {
  Checkpoint out = ckpt;
  for (auto& [n, t] : out.tensors)
    if (n == name) t.shape = std::move(shape);
  return load_safetensors(save_safetensors(out), "reshaped");
}

std::string load_error(const Checkpoint& ckpt) {
  try {
    load_learner(ckpt);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "";
}

TEST(CheckpointChecks, AParameterStoredWithExtraDimensionsIsRefused) {
  const Checkpoint good = make_learner(sinusoid_maml())->save();
  // Same element count and the same matrix after flattening, but not a [40, 1] weight.
  const std::string err = load_error(reshaped(good, "layer2.weight", {40, 1, 1}));
  EXPECT_NE(err.find("'layer2.weight' has shape [40,1,1], model expects [40,1]"), std::string::npos) << err;
  EXPECT_NE(load_error(reshaped(good, "layer0.bias", {1, 1, 40})), "");
}

TEST(CheckpointChecks, RowsMayBeStoredOneDimensionalAsPyTorchDoes) {
  auto learner = make_learner(sinusoid_maml());
  const Checkpoint good = learner->save();
  Checkpoint flat = reshaped(reshaped(good, "layer0.bias", {40}), "layer2.bias", {});
  auto loaded = load_learner(flat);
  EXPECT_TRUE(loaded->params().flatten() == learner->params().flatten());
}

TEST(CheckpointChecks, BatchNormStatisticsFollowTheSameRule) {
  LearnerConfig c;
  c.learner = "protonet";
  c.model.backbone = "conv4";
  c.model.image_height = c.model.image_width = 16;
  c.model.input_dim = 256;
  c.model.output_dim = 3;
  c.model.classification = true;
  const Checkpoint good = make_learner(c)->save();
  EXPECT_EQ(load_error(reshaped(good, "bn1.running_var", {64})), "");
  const std::string err = load_error(reshaped(good, "bn1.running_var", {1, 64, 1}));
  EXPECT_NE(err.find("bn1.running_var"), std::string::npos) << err;
}
TEST(CheckpointChecks, MetadataValuesAreReadExactly) {
  auto learner = make_learner(sinusoid_maml());
  const Checkpoint good = learner->save();
  const auto with = [&](const std::string& key, const std::string& value) {
    Checkpoint c = good;
    c.metadata[key] = value;
    return c;
  };
  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"model.classification", "True"}, {"first_order", "1"}, {"finetune_body", "yes"},
           {"model.output_dim", "1.0"}, {"model.input_dim", "1e0"}, {"iteration", "ten"}, {"iteration", "3.5"},
           {"iteration", "-1"}}) {
    const std::string err = load_error(with(key, value));
    EXPECT_NE(err.find("'" + key + "'"), std::string::npos) << key << "=" << value << ": " << err;
    EXPECT_NE(err.find(value), std::string::npos) << err;
  }
  // A refused file changes nothing in a learner it is loaded into.
  const auto before = learner->params().flatten();
  EXPECT_THROW(learner->load(with("iteration", "ten")), FormatError);
  EXPECT_TRUE(learner->params().flatten() == before);
  EXPECT_EQ(load_learner(with("first_order", "true"))->config().first_order, true);
  EXPECT_EQ(load_learner(with("iteration", "12"))->iteration(), 12);
}
}  // namespace
}  // namespace metalab
