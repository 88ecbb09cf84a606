// Prototypical networks (Snell, Swersky & Zemel 2017), and the machinery that
// every metric-based learner shares (matching networks build on it too).
//
// A metric learner learns an embedding f: the Conv4 backbone for images, the
// MLP's body (every layer but the last) for table rows; the model's head is
// not used and not part of params(). Classifying a query point is a matter of
// distances to the embedded support set, so "adaptation" to a new task is one
// forward pass over the support set: adapt() returns a single predictor and
// takes no gradient step (iterative() is false).
//
// ProtoNet: the prototype of class c is the mean of its embedded support
// points, c_k = 1/|S_k| sum_{x in S_k} f(x); a query x gets the logits
//     -||f(x) - c_k||^2          (distance "euclidean", the paper's choice)
// or  10 * cos(f(x), c_k)        (distance "cosine": a fixed scale of 10 makes
//                                 the softmax sharp enough to train), and
// p(y = k | x) = softmax over k. Training: episode by episode, minimise the
// query cross-entropy with Adam (config.outer_lr; Snell et al. use 1e-3).
//
// Batch norm (Conv4): during meta-training each episode's support and query
// images are normalised together with their batch statistics, and running
// averages are kept (momentum 0.1); predictors use the running averages, so a
// query's prediction does not depend on which other queries are in its batch.
// The running statistics are saved in checkpoints ("bn<i>.running_mean/var").
// A meta-batch of several episodes averages their gradients and their
// running-statistic updates (in task order: the result does not depend on
// the thread count).
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "core/learners/adaptation.h"

namespace metalab {

// The labels of a classification episode. ways is task.num_classes (or, when
// that is 0, one more than the largest label). std::invalid_argument, naming
// `who`, if a label is not a class index or a class has no support example.
struct EpisodeLabels {
  int ways = 0;
  std::vector<int> support, query;
};
EpisodeLabels episode_labels(const Task& task, const char* who);

// ways x n matrix A with A(k, i) = 1/|S_k| when support point i has label k,
// so A * embeddings are the class means (the prototypes).
Matrix class_mean_matrix(const std::vector<int>& labels, int ways);
// n x ways one-hot rows.
Matrix one_hot(const std::vector<int>& labels, int ways);

// Running batch-norm statistics as checkpoint tensors "bn<i>.running_mean" and
// "bn<i>.running_var"; load checks shapes and values (FormatError).
void save_batch_norm_stats(const std::vector<nn::BatchNormStats<float>>& stats, Checkpoint& ckpt);
void load_batch_norm_stats(const Checkpoint& ckpt, std::vector<nn::BatchNormStats<float>>& stats);

// What a metric learner keeps from a support set: query embeddings -> logits.
using EmbeddingClassifier = std::function<Tensorf(const Tensorf& query_embeddings)>;

class MetricLearner : public Learner {
 public:
  explicit MetricLearner(LearnerConfig config);

  // One Adam step on the mean query cross-entropy of the batch's episodes.
  StepStats meta_step(const std::vector<Task>& batch) override;
  // One predictor: logits for new inputs, from the embedded support set.
  std::vector<Predictor> adapt(const Task& task, int steps) const override;
  const ParamsF& params() const override { return params_; }

  // Embeddings with the learned network, evaluation mode (running batch-norm statistics).
  Matrix embed(const Matrix& x) const;
  const std::vector<nn::BatchNormStats<float>>& batch_norm_stats() const { return stats_; }

  // Builds the classifier of an episode from embedded support points and their
  // labels; differentiable in `support`. Must not capture the learner (the
  // predictors it ends up in outlive later training).
  virtual EmbeddingClassifier classifier(const Tensorf& support, const std::vector<int>& labels, int ways) const = 0;

 protected:
  void save_extra(Checkpoint& ckpt) const override;
  void load_extra(const Checkpoint& ckpt) override;
  ParamsF& mutable_params() override { return params_; }

  ParamsF params_;  // the embedding network (the model without its head)
  std::vector<nn::BatchNormStats<float>> stats_;
  std::unique_ptr<optim::Optimizer<float>> optimizer_;
};

class PrototypicalNetwork : public MetricLearner {
 public:
  explicit PrototypicalNetwork(LearnerConfig config);
  EmbeddingClassifier classifier(const Tensorf& support, const std::vector<int>& labels, int ways) const override;
  // The prototypes of a task's support set (ways x embedding dimension), for views and tests.
  Matrix prototypes(const Task& task) const;
};

}  // namespace metalab
