#include "core/learners/matchingnet.h"

namespace metalab {

MatchingNetwork::MatchingNetwork(LearnerConfig config) : MetricLearner(std::move(config)) {}

EmbeddingClassifier MatchingNetwork::classifier(const Tensorf& support, const std::vector<int>& labels,
                                                int ways) const {
  const Tensorf y(one_hot(labels, ways));
  const float scale = config_.cosine_scale;
  return [support, y, scale](const Tensorf& q) {
    const Tensorf attention = ad::softmax(ad::cosine_similarity(q, support) * scale);
    // p(y = k | x) is a convex combination of one-hot rows: strictly positive
    // (every class has a support point and softmax weights are positive).
    return ad::log(ad::matmul(attention, y));
  };
}

Matrix MatchingNetwork::attention(const Task& task, const Matrix& queries) const {
  validate_task(model_, task, "matchingnet");
  model_.check_input(queries, "matchingnet");
  ad::NoGradGuard no_grad;
  return ad::softmax(ad::cosine_similarity(Tensorf(embed(queries)), Tensorf(embed(task.support_x))) *
                     config_.cosine_scale)
      .value();
}

}  // namespace metalab
