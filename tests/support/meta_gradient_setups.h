// Small classification episodes and a MAML learner for them, shared by the
// meta-gradient tests (tests/learners): 8 x 8 glyphs of 12 classes, 3-way
// 2-shot with 2 queries per class, an MLP with one hidden layer.
//   const auto src = small_glyph_episodes();
//   LearnerConfig c = small_classification_maml(*src, /*hidden=*/6);
#pragma once

#include <memory>

#include "core/learners/learner.h"
#include "core/tasks/episodes.h"

namespace metalab {

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
