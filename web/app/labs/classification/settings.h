// Settings of the classification lab: what a URL or a lesson can set.
//   #view=classification&learner=protonet&dataset=glyphs&ways=5&shots=1&seed=1&episode=0
// learner, dataset, ways, shots and seed rebuild the lab's job (another model
// or other episodes); episode picks the meta-test episode shown; you=label
// makes the student the learner (they label the episode's queries by tapping,
// the model's predictions stay hidden), you=compare shows their answers
// beside the model's on the same queries.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "web/app/page/settings.h"

namespace metalab::web {

struct ClassificationSettings {
  std::string learner = "protonet";  // one of classification_learners()
  std::string dataset = "glyphs";    // glyphs, fashion, tissue, proteins, mri, cells, custom (uploaded)
  int ways = 5, shots = 1;
  std::uint64_t seed = 1;
  int episode = 0;  // the meta-test episode shown ("New episode" presses)
  std::string you = "off";  // off, label (the student labels the queries), compare (with the model)
};

const SettingsTable<ClassificationSettings>& classification_settings();
std::vector<Choice> classification_learners();
std::vector<Choice> classification_datasets();
// Most ways a data set allows: half its classes go to meta-test (tissue: 3 of
// 7, Fashion-MNIST: 5 of 10, protein families 5 of 8 held out; cells: 5 of
// the 6 stages, which both splits hold); for uploaded data the lab clamps
// further once it knows the classes.
int max_ways(const std::string& dataset);
// The accuracy-vs-shots curve and the shots slider go up to this.
constexpr int kMaxShots = 10;

}  // namespace metalab::web
