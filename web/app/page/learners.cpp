#include "web/app/page/learners.h"

#include "core/learners/registry.h"

namespace metalab::web {

std::string learner_title(const std::string& name) {
  const LearnerInfo* info = find_learner(name);
  return info ? info->title : name;
}

std::vector<Choice> page_learner_choices(PageLab lab) {
  std::vector<Choice> out;
  for (const LearnerInfo& l : learner_registry()) {
    bool offered = false;
    switch (lab) {
      // The optimization-based meta-learners, with the two baselines beside them.
      case PageLab::Regression: offered = l.family == LearnerFamily::Optimization && l.accepts(TaskKind::Regression); break;
      // What trains live in a frame: the metric learners and first-order MAML
      // (second-order MAML on episodes is left to the command line).
      case PageLab::Classification:
        offered = l.accepts(TaskKind::Classification) &&
                  (l.family == LearnerFamily::Metric || (l.inner_loop() && l.first_order()));
        break;
      // The memory network and its two baselines.
      case PageLab::Memory: offered = l.accepts(TaskKind::Sequence); break;
    }
    if (offered) out.push_back({l.name, l.title});
  }
  return out;
}

PageLab lab_for_checkpoint(const Checkpoint& ckpt) {
  switch (checkpoint_task_kind(ckpt).value_or(TaskKind::Regression)) {
    case TaskKind::Sequence: return PageLab::Memory;
    case TaskKind::Classification: return PageLab::Classification;
    case TaskKind::Regression: return PageLab::Regression;
  }
  return PageLab::Regression;
}

}  // namespace metalab::web
