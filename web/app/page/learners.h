// Which learners each lab of the page offers, with their titles, and where a
// checkpoint belongs: the page's side of core's learner registry
// (core/learners/registry.h), so that no view compares learner names. A lab
// offers the registry's learners of its task kind and family, in the
// registry's order; adding a learner there adds it here.
#pragma once

#include <string>
#include <vector>

#include "core/io/safetensors.h"
#include "web/app/page/settings.h"

namespace metalab::web {

enum class PageLab { Regression, Classification, Memory };

// The learners a lab offers, in menu order (value: the registry name; title: its title).
std::vector<Choice> page_learner_choices(PageLab lab);
// The registry's title of a learner ("MAML (second order)"); the name itself if unknown.
std::string learner_title(const std::string& name);
// The lab that takes a checkpoint, from what it says it was trained on
// (core's checkpoint_task_kind; plain learner files go to the regression lab).
PageLab lab_for_checkpoint(const Checkpoint& ckpt);

}  // namespace metalab::web
