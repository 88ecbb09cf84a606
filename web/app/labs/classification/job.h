// The classification lab's job: one few-shot learner (ProtoNet, matching
// network or first-order MAML) on the episodes of the lab's settings, and the
// raw-feature nearest-neighbour baseline it is compared with. step() is one
// meta-training step; the page's scheduler runs it while Train is on.
//
//   ClassificationJob job = build_classification_job(settings, data, weights);   // see lab.h
//   job.playing = true;
//
// Which weights it starts from is decided when it is built: a shipped (or
// uploaded) checkpoint is used only if every setting it records matches the
// lab's setup; otherwise random weights, trained here, and `mismatch` says why.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/common/rng.h"
#include "core/learners/learner.h"
#include "core/tasks/episodes.h"
#include "web/app/labs/classification/settings.h"
#include "web/app/page/job.h"

namespace metalab::web {

class ClassificationJob : public TrainingJob {
 public:
  // Throws (std::invalid_argument, DataError) when the learner cannot be built for the source.
  ClassificationJob(const ClassificationSettings& settings, std::shared_ptr<const ClassificationSource> source,
                    std::unique_ptr<Learner> model, std::unique_ptr<Learner> nearest);

  std::string title() const override { return "Classification lab"; }
  bool ready() const override { return model_ != nullptr; }
  long iteration() const override { return model_->iteration(); }
  void step() override;  // one meta-training step (a meta-batch of episodes)

  const ClassificationSettings& settings() const { return settings_; }
  const ClassificationSource& source() const { return *source_; }
  std::shared_ptr<const ClassificationSource> source_ptr() const { return source_; }
  const Learner& model() const { return *model_; }
  const Learner& nearest() const { return *nearest_; }
  // Training curve, one point per step.
  const std::vector<float>& loss() const { return loss_; }
  const std::vector<float>& accuracy() const { return acc_; }
  // Mean training accuracy over the last n steps (NaN before the first).
  double recent_accuracy(std::size_t n) const;

  // Where the weights came from: the checkpoint file ("" = trained here from
  // scratch), its iteration, and why a shipped checkpoint was not used.
  std::string weights_file, mismatch;
  long weights_iteration = 0;
  bool weights_uploaded = false;

 private:
  ClassificationSettings settings_;
  std::shared_ptr<const ClassificationSource> source_;
  std::unique_ptr<Learner> model_, nearest_;
  Rng train_rng_;
  std::vector<float> loss_, acc_;
};

// The lab's learner configuration on a source ("nearest" for the baseline).
LearnerConfig classification_learner_config(const ClassificationSettings& s, const TaskSource& source,
                                            const std::string& learner);

// Predicted labels and their probabilities for a task's queries (the MAML
// family adapts kTestSteps steps first).
constexpr int kTestSteps = 5;
void classify(const Learner& learner, const Task& task, std::vector<int>* predicted, std::vector<float>* confidence);
double accuracy_on(const Learner& learner, const Task& task);
// The rows' embeddings (a metric learner's, or the network body's).
Matrix embed_rows(const Learner& learner, const Matrix& x);

}  // namespace metalab::web
