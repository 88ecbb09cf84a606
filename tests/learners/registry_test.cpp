// Tests of core/learners/registry: every entry builds the learner it names,
// and what an entry says a learner is (iterative, meta-trained, the tasks it
// takes) is what the learner does; checkpoints are routed by their task.
#include "core/learners/registry.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/learners/maml.h"
#include "core/learners/mann.h"
#include "core/tasks/episodes.h"
#include "core/tasks/sequence_episodes.h"

namespace metalab {
namespace {

// The usage example of registry.h, as written there.
TEST(LearnerRegistry, HeaderExampleCompilesAndHolds) {
  const LearnerInfo& info = learner_info("anil");
  EXPECT_STREQ(info.title, "ANIL");
  EXPECT_TRUE(info.accepts(TaskKind::Classification));
  EXPECT_TRUE(info.iterative());
  EXPECT_TRUE(info.head_only());
  LearnerConfig config;
  config.learner = info.name;
  std::unique_ptr<Learner> learner = make_learner(config);  // info.make(config)
  EXPECT_EQ(&learner->info(), &info);
  int menu = 0;
  for (const LearnerInfo& l : learner_registry())
    if (l.accepts(TaskKind::Regression)) ++menu;
  EXPECT_EQ(menu, 7);  // the MAML family, Reptile, pretrain, scratch
}

TEST(LearnerRegistry, NamesAreUniqueAndEntriesComplete) {
  std::set<std::string> names;
  for (const LearnerInfo& l : learner_registry()) {
    EXPECT_TRUE(names.insert(l.name).second) << l.name;
    EXPECT_EQ(std::string(l.title_key), "learner." + std::string(l.name));
    EXPECT_GT(std::string(l.title).size(), 2u) << l.name;
    EXPECT_GT(std::string(l.summary).size(), 20u) << l.name;
    EXPECT_NE(l.tasks, 0u) << l.name;
    EXPECT_NE(l.make, nullptr) << l.name;
    EXPECT_EQ(find_learner(l.name), &l);
  }
  EXPECT_EQ(learner_names().size(), learner_registry().size());
  EXPECT_EQ(learner_names().front(), "maml");
  EXPECT_EQ(find_learner("nope"), nullptr);
  try {
    learner_info("nope");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("unknown learner 'nope' (expected one of: maml, fomaml"), std::string::npos)
        << e.what();
  }
  LearnerConfig c;
  c.learner = "nope";
  EXPECT_THROW(c.validate(), std::invalid_argument);
  EXPECT_EQ(learners_using("cosine_scale"), std::vector<std::string>{"matchingnet"});
  EXPECT_EQ(join_names({"a", "b", "c"}), "a, b or c");
}

// --- every learner on a small task of each kind it accepts -------------------

std::shared_ptr<const TaskSource> source_of(TaskKind kind) {
  if (kind == TaskKind::Regression) return std::make_shared<SinusoidSource>();
  GlyphSourceConfig g;
  g.glyph.size = 8;
  g.num_classes = 12;
  g.instances = 6;
  if (kind == TaskKind::Classification) {
    EpisodeConfig e;
    e.ways = 3;
    e.shots = 2;
    e.queries = 2;
    return make_glyph_source(g, e);
  }
  SequenceEpisodeConfig s;
  s.ways = 3;
  s.instances = 4;
  return make_glyph_sequence_source(g, s);
}

LearnerConfig config_for(const LearnerInfo& info, const TaskSource& src) {
  LearnerConfig c;
  c.learner = info.name;
  c.model.input_dim = src.input_dim();
  c.model.output_dim = src.output_dim();
  c.model.classification = src.classification();
  c.model.hidden = info.recurrent() ? std::vector<int>{8} : std::vector<int>{8, 8};
  c.memory_slots = 8;
  c.memory_width = 4;
  c.read_heads = 1;
  c.pretrain_classes = src.classification() ? 12 : 0;
  c.meta_batch = 2;
  return c;
}

bool same_params(const ParamsF& a, const ParamsF& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].value() != b[i].value()) return false;
  return true;
}

TEST(LearnerRegistry, EntriesDescribeWhatTheLearnersDo) {
  for (const LearnerInfo& info : learner_registry()) {
    for (TaskKind kind : kAllTaskKinds) {
      if (!info.accepts(kind)) continue;
      SCOPED_TRACE(std::string(info.name) + " on " + task_kind_description(kind));
      const auto src = source_of(kind);
      std::unique_ptr<Learner> l = make_learner(config_for(info, *src));
      EXPECT_EQ(&l->info(), &info);
      EXPECT_EQ(l->iterative(), info.iterative());
      Rng rng(3);
      const Task t = src->sample(Split::MetaTest, rng);
      EXPECT_EQ(l->adapt(t, 2).size(), info.iterative() ? 3u : 1u);
      // Meta-training changes the weights exactly when the entry says there is something to train.
      const ParamsF before = l->params().clone();
      l->meta_step({src->sample(Split::MetaTrain, rng), src->sample(Split::MetaTrain, rng)});
      EXPECT_EQ(!same_params(before, l->params()), info.meta_trained());
      // What it saves is itself again.
      EXPECT_EQ(&load_learner(l->save())->info(), &info);
    }
  }
}

TEST(LearnerRegistry, GradientVariantsFollowTheirEntries) {
  const auto src = source_of(TaskKind::Regression);
  for (const char* name : {"maml", "fomaml", "metasgd", "anil"}) {
    auto l = make_learner(config_for(learner_info(name), *src));
    auto* g = dynamic_cast<GradientMetaLearner*>(l.get());
    ASSERT_NE(g, nullptr) << name;
    EXPECT_EQ(!g->step_sizes().empty(), l->info().step_sizes()) << name;
    for (std::size_t i = 0; i < g->params().size(); ++i)
      EXPECT_EQ(g->adapts(i), !l->info().head_only() || l->model().is_head(g->params().name(i))) << name;
  }
}

TEST(LearnerRegistry, SequenceNetsGetTheirArchitectureFromTheirEntry) {
  const auto src = source_of(TaskKind::Sequence);
  for (const char* name : {"mann", "lstm", "feedforward"}) {
    auto l = make_learner(config_for(learner_info(name), *src));
    const auto& m = dynamic_cast<const MannLearner&>(*l);
    const SequenceArch expected = l->info().memory() ? SequenceArch::Mann
                                  : l->info().recurrent() ? SequenceArch::Lstm
                                                          : SequenceArch::FeedForward;
    EXPECT_EQ(m.arch(), expected) << name;
    EXPECT_STREQ(sequence_arch_name(m.arch()), name);
  }
  LearnerConfig c = config_for(learner_info("maml"), *src);
  EXPECT_THROW(SequenceNetConfig::from_learner(c), std::invalid_argument);
}

TEST(LearnerRegistry, ChecksOnlyOneLearnerNeeds) {
  LearnerConfig c;
  c.learner = "pretrain";
  c.model.classification = true;
  c.model.output_dim = 5;
  try {
    c.validate();
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("pretrain_classes"), std::string::npos);
  }
  c.pretrain_classes = 10;
  EXPECT_NO_THROW(c.validate());
  c.learner = "lstm";
  c.model.hidden = {4, 4};  // an LSTM has one size
  EXPECT_THROW(c.validate(), std::invalid_argument);
}

// --- checkpoint routing --------------------------------------------------------

TEST(LearnerRegistry, CheckpointsAreRoutedByTheirTask) {
  const std::string dir = std::string(METALAB_SOURCE_DIR) + "/assets/checkpoints/";
  const std::pair<const char*, TaskKind> shipped[] = {
      {"sinusoid-maml", TaskKind::Regression},          {"genes-maml.pretrain", TaskKind::Regression},
      {"protonet-glyphs14", TaskKind::Classification}, {"matchingnet-glyphs14", TaskKind::Classification},
      {"mann-glyphs14", TaskKind::Sequence},            {"feedforward-glyphs14", TaskKind::Sequence}};
  for (const auto& [name, kind] : shipped) {
    const Checkpoint c = load_safetensors_file(dir + name + ".safetensors");
    EXPECT_EQ(checkpoint_task_kind(c), kind) << name;
  }
  // Without "task.name": the one kind its learner takes, else what its model is.
  Checkpoint c;
  c.metadata = {{"learner", "protonet"}};
  EXPECT_EQ(checkpoint_task_kind(c), TaskKind::Classification);
  c.metadata = {{"learner", "lstm"}};
  EXPECT_EQ(checkpoint_task_kind(c), TaskKind::Sequence);
  c.metadata = {{"learner", "maml"}, {"model.classification", "true"}};
  EXPECT_EQ(checkpoint_task_kind(c), TaskKind::Classification);
  c.metadata = {{"learner", "maml"}};
  EXPECT_EQ(checkpoint_task_kind(c), TaskKind::Regression);
  c.metadata = {{"learner", "maml"}, {"task.name", "csv"}};
  EXPECT_EQ(checkpoint_task_kind(c), TaskKind::Classification);
  c.metadata = {{"learner", "maml"}, {"task.name", "proteins-of-the-future"}};
  EXPECT_EQ(checkpoint_task_kind(c), std::nullopt);
  c.metadata = {{"learner", "transformer"}};
  EXPECT_EQ(checkpoint_task_kind(c), std::nullopt);
}

TEST(LearnerRegistry, TaskSourcesReportTheirKind) {
  for (TaskKind kind : kAllTaskKinds) EXPECT_EQ(source_of(kind)->kind(), kind);
  for (const char* family : {"sinusoid", "glyphs", "table-sequences"}) EXPECT_NE(find_task_family(family), nullptr);
  EXPECT_EQ(task_kind("idx"), TaskKind::Classification);
  EXPECT_THROW(task_kind("nope"), std::invalid_argument);
}

}  // namespace
}  // namespace metalab
