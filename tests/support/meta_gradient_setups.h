// What the meta-gradient tests (tests/learners) share: a MAML-family learner
// as the GradientMetaLearner it is, and small classification episodes with a
// MAML for them (8 x 8 glyphs of 12 classes, 3-way 2-shot with 2 queries per
// class, an MLP with one hidden layer).
//   const auto src = small_glyph_episodes();
//   auto learner = gradient_learner(small_classification_maml(*src, /*hidden=*/6));
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "core/learners/learner.h"
#include "core/learners/maml.h"
#include "core/learners/registry.h"
#include "core/tasks/episodes.h"

namespace metalab {

// make_learner(c) as a GradientMetaLearner (a test failure if it is another kind).
inline std::unique_ptr<GradientMetaLearner> gradient_learner(const LearnerConfig& c) {
  std::unique_ptr<Learner> l = make_learner(c);
  auto* g = dynamic_cast<GradientMetaLearner*>(l.get());
  EXPECT_NE(g, nullptr) << c.learner;
  l.release();
  return std::unique_ptr<GradientMetaLearner>(g);
}

inline std::unique_ptr<ClassificationSource> small_glyph_episodes() {
  GlyphSourceConfig g;
  g.glyph.size = 8;
  g.num_classes = 12;
  g.instances = 6;
  EpisodeConfig e;
  e.ways = 3;
  e.shots = 2;
  e.queries = 2;
  return make_glyph_source(g, e);
}

// MAML, two inner steps of 0.5, on episodes of src.
inline LearnerConfig small_classification_maml(const TaskSource& src, int hidden) {
  LearnerConfig c;
  c.learner = "maml";
  c.model.input_dim = src.input_dim();
  c.model.output_dim = src.output_dim();
  c.model.classification = true;
  c.model.hidden = {hidden};
  c.inner_lr = 0.5f;
  c.inner_steps = 2;
  c.seed = 3;
  return c;
}

}  // namespace metalab
