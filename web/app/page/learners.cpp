#include "web/app/page/learners.h"

#include <algorithm>

namespace metalab::web {

namespace {
struct Entry {
  const char* name;
  const char* title;
};
// Provisional until core/learners/registry.h lands (core-arch).
const Entry kEntries[] = {{"maml", "MAML"},
                          {"fomaml", "First-order MAML"},
                          {"metasgd", "Meta-SGD"},
                          {"anil", "ANIL"},
                          {"reptile", "Reptile"},
                          {"pretrain", "Pretrain + fine-tune"},
                          {"scratch", "Scratch"},
                          {"protonet", "ProtoNet"},
                          {"matchingnet", "Matching net"},
                          {"nearest", "Nearest neighbour"},
                          {"mann", "MANN"},
                          {"lstm", "LSTM"},
                          {"feedforward", "Feed-forward"}};
}  // namespace

std::string learner_title(const std::string& name) {
  for (const Entry& e : kEntries)
    if (name == e.name) return e.title;
  return name;
}

std::vector<Choice> page_learner_choices(PageLab lab) {
  std::vector<std::string> names;
  switch (lab) {
    case PageLab::Regression: names = {"maml", "fomaml", "metasgd", "anil", "reptile"}; break;
    case PageLab::Classification: names = {"protonet", "matchingnet", "fomaml"}; break;
    case PageLab::Memory: names = {"mann", "lstm", "feedforward"}; break;
  }
  std::vector<Choice> out;
  for (const std::string& n : names) out.push_back({n, learner_title(n)});
  return out;
}

PageLab lab_for_checkpoint(const std::string& learner, const std::string& task) {
  if (learner == "mann" || learner == "lstm" || learner == "feedforward") return PageLab::Memory;
  if (learner == "protonet" || learner == "matchingnet" || task == "glyphs" || task == "csv" || task == "images" ||
      task == "idx")
    return PageLab::Classification;
  return PageLab::Regression;
}

}  // namespace metalab::web
