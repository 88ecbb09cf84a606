#include "web/app/labs/classification/settings.h"

#include "web/app/page/learners.h"

namespace metalab::web {

std::vector<Choice> classification_learners() { return page_learner_choices(PageLab::Classification); }

std::vector<Choice> classification_datasets() {
  return {{"glyphs", "Glyphs (14x14)"},
          {"fashion", "Fashion-MNIST"},
          {"tissue", "Tissue expression"},
          {"proteins", "Protein families"},
          {"mri", "Brain regions (MRI)"},
          {"cells", "Single-cell stages"},
          {"custom", "Your data"}};
}

int max_ways(const std::string& dataset) {
  if (dataset == "tissue") return 3;
  // proteins: 8 held-out families; cells: 6 stages in each split.
  if (dataset == "fashion" || dataset == "proteins" || dataset == "cells") return 5;
  return 10;
}

const SettingsTable<ClassificationSettings>& classification_settings() {
  using S = ClassificationSettings;
  using Set = Setting<S>;
  static const SettingsTable<S> table(
      "classification",
      {Set::choice("learner", &S::learner, {}, "Learner")
           .choices([](const S&) { return classification_learners(); })
           .restarts(),
       Set::choice("dataset", &S::dataset, classification_datasets(), "Data").restarts(),
       Set::integer("ways", &S::ways, 2, 10, "ways", "Classes per episode (N-way)")
           .upper([](const S& s) { return static_cast<double>(max_ways(s.dataset)); })
           .restarts(),
       Set::integer("shots", &S::shots, 1, kMaxShots, "shots", "Labelled examples per class (K-shot)").restarts(),
       Set::seed("seed", &S::seed, "seed %llu", "Seed: the class split, initialisation, training and test episodes")
           .restarts(),
       Set::integer("episode", &S::episode, 0, 1000000, "episode %d", "The meta-test episode shown").view_only(),
       Set::choice("you", &S::you,
                   {{"off", "The model labels the queries"},
                    {"label", "You label the queries"},
                    {"compare", "Your labels beside the model's"}},
                   "You are the learner")
           .view_only()});
  return table;
}

}  // namespace metalab::web
