// The training loop: exact resume from a checkpoint, identical weights for any
// thread count, validation that never disturbs the training stream, and the
// Rng state's text form.
#include "core/learners/trainer.h"

#include <gtest/gtest.h>

#include "core/tasks/regression_sources.h"
#include "native/cli/thread_pool.h"

namespace metalab {
namespace {

LearnerConfig small_config(const std::string& learner) {
  LearnerConfig c;
  c.learner = learner;
  c.model.hidden = {16, 16};
  c.meta_batch = 5;
  c.seed = 11;
  if (learner == "reptile") c.inner_steps = 3;
  return c;
}

void expect_same_weights(const Learner& a, const Learner& b) {
  ASSERT_EQ(a.params().size(), b.params().size());
  for (std::size_t i = 0; i < a.params().size(); ++i)
    EXPECT_EQ(a.params()[i].value(), b.params()[i].value()) << a.params().name(i);
}

std::shared_ptr<const TaskSource> sinusoid() { return std::make_shared<SinusoidSource>(); }

TEST(RngState, RoundTripsThroughText) {
  Rng a(123);
  a.normal();  // leaves a cached spare normal deviate
  const std::string text = rng_state_to_string(a.state());
  Rng b(0);
  b.set_state(rng_state_from_string(text));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(a.normal(), b.normal());
  EXPECT_EQ(a.next_u64(), b.next_u64());
  EXPECT_TRUE(a.state() == b.state());
  Rng c(5);
  const Rng::State s = c.state();
  EXPECT_TRUE(rng_state_from_string(rng_state_to_string(s)) == s);
  EXPECT_THROW(rng_state_from_string("nonsense"), std::invalid_argument);
  EXPECT_THROW(rng_state_from_string("0:0:0:0:-"), std::invalid_argument);
  EXPECT_THROW(rng_state_from_string("1:2:3:xyz:-"), std::invalid_argument);
}

TEST(Trainer, ResumeEqualsUninterruptedRun) {
  for (const std::string learner : {"maml", "metasgd", "reptile"}) {
    SCOPED_TRACE(learner);
    TrainerOptions opts;
    opts.val_every = 4;
    opts.val_tasks = 3;
    Trainer full(make_learner(small_config(learner)), sinusoid(), opts);
    LearnerConfig b = small_config(learner);
    b.learner = "pretrain";
    full.add_baseline(make_learner(b));
    full.step(12);

    Trainer first(make_learner(small_config(learner)), sinusoid(), opts);
    first.add_baseline(make_learner(b));
    first.step(7);
    // Through the bytes of a safetensors file, as the CLI does.
    const Checkpoint main = load_safetensors(save_safetensors(first.checkpoint(0)), "main");
    const Checkpoint base = load_safetensors(save_safetensors(first.checkpoint(1)), "base");
    auto resumed = Trainer::resume(main, {base}, sinusoid());
    EXPECT_EQ(resumed->iteration(), 7);
    EXPECT_EQ(resumed->options().val_every, 4);
    resumed->step(5);
    EXPECT_EQ(resumed->iteration(), 12);
    expect_same_weights(full.learner(), resumed->learner());
    expect_same_weights(full.baseline(0), resumed->baseline(0));
    EXPECT_TRUE(full.rng_state() == resumed->rng_state());
    // The records after the resume point agree too.
    EXPECT_EQ(full.history().back().loss, resumed->history().back().loss);
    EXPECT_EQ(full.history().back().val_loss, resumed->history().back().val_loss);
  }
}

TEST(Trainer, ThreadCountDoesNotChangeTheWeights) {
  for (const std::string learner : {"maml", "anil", "reptile"}) {
    SCOPED_TRACE(learner);
    Trainer one(make_learner(small_config(learner)), sinusoid());
    one.step(6);
    ThreadPool pool(2);
    Trainer two(make_learner(small_config(learner)), sinusoid());
    two.set_parallel(pool.parallel_for());
    two.step(6);
    expect_same_weights(one.learner(), two.learner());
  }
}

TEST(Trainer, ValidationDoesNotDisturbTraining) {
  Trainer plain(make_learner(small_config("fomaml")), sinusoid());
  TrainerOptions opts;
  opts.val_every = 2;
  opts.val_tasks = 4;
  Trainer validated(make_learner(small_config("fomaml")), sinusoid(), opts);
  const auto records = validated.step(6);
  plain.step(6);
  expect_same_weights(plain.learner(), validated.learner());
  ASSERT_EQ(records.size(), 6u);
  EXPECT_TRUE(std::isnan(records[0].val_loss));
  EXPECT_TRUE(std::isfinite(records[1].val_loss));
  EXPECT_EQ(records[5].iteration, 6);
  EXPECT_EQ(validated.validation_tasks().size(), 4u);
}

TEST(Trainer, CheckpointRecordsTaskAndState) {
  Trainer t(make_learner(small_config("maml")), sinusoid());
  t.step(2);
  const Checkpoint c = t.checkpoint();
  EXPECT_EQ(c.metadata.at("task.name"), "sinusoid");
  EXPECT_EQ(c.metadata.at("task.support"), "10");
  EXPECT_EQ(c.metadata.at("iteration"), "2");
  EXPECT_NE(c.metadata.at("trainer.rng").find(':'), std::string::npos);
  EXPECT_NE(find_tensor(c, "optim.step"), nullptr);
}

TEST(Trainer, ResumeRejectsAnotherTaskSource) {
  Trainer t(make_learner(small_config("maml")), sinusoid());
  t.step(1);
  SinusoidConfig other;
  other.support_size = 5;
  EXPECT_THROW(Trainer::resume(t.checkpoint(), {}, std::make_shared<SinusoidSource>(other)), std::invalid_argument);
  Checkpoint no_state = t.checkpoint();
  no_state.metadata.erase("trainer.rng");
  EXPECT_THROW(Trainer::resume(no_state, {}, sinusoid()), FormatError);
}

TEST(Trainer, RejectsAModelOfTheWrongWidth) {
  LearnerConfig c = small_config("maml");
  c.model.input_dim = 3;
  EXPECT_THROW(Trainer(make_learner(c), sinusoid()), std::invalid_argument);
}

TEST(Trainer, DivergenceIsReportedWithTheIteration) {
  LearnerConfig c = small_config("maml");
  c.inner_lr = 1e6f;
  Trainer t(make_learner(c), sinusoid());
  try {
    t.step(20);
    FAIL() << "expected a DivergenceError";
  } catch (const DivergenceError& e) {
    EXPECT_NE(std::string(e.what()).find("iteration"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace metalab
