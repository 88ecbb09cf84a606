// Which learners each lab of the page offers, with their titles, and where a
// checkpoint belongs: the page's side of core's learner registry
// (core/learners/registry.h), so that no view compares learner names.
#pragma once

#include <string>
#include <vector>

#include "web/app/page/settings.h"

namespace metalab::web {

enum class PageLab { Regression, Classification, Memory };

// The learners a lab offers, in menu order (value: the registry name; title: its title).
std::vector<Choice> page_learner_choices(PageLab lab);
// The registry's title of a learner ("MAML (second order)"); the name itself if unknown.
std::string learner_title(const std::string& name);
// The lab that takes checkpoints of this learner and task family (task: the
// checkpoint's "task.name", may be empty).
PageLab lab_for_checkpoint(const std::string& learner, const std::string& task);

}  // namespace metalab::web
