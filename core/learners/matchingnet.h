// Matching networks (Vinyals, Blundell, Lillicrap, Kavukcuoglu & Wierstra 2016),
// without full-context embeddings.
//
// A query x is classified by attention over the embedded support set:
//     a(x, x_i) = softmax_i( s * cos(f(x), f(x_i)) ),
//     p(y = k | x) = sum_i a(x, x_i) [y_i = k],
// a weighted nearest neighbour in embedding space, trained end to end on the
// query log-likelihood log p(y | x), episode by episode, with Adam. The
// predictor returns log p(y | x) as its logits (a softmax of them gives p back).
//
// Left out: the paper's full-context embeddings (a bidirectional LSTM over the
// support set, and an attention LSTM that re-reads it for each query). The
// paper reports they matter little on Omniglot; the plain version is the one
// most re-implementations compare against, and it keeps the learner a
// transparent "soft nearest neighbour" for teaching. The embedding, batch-norm
// handling, training and checkpoints are those of every metric learner (see
// protonet.h). Unlike the paper, the cosine is scaled by s
// (LearnerConfig::cosine_scale, default 10): unscaled, attention over cosines
// in [0, 1] stays close to uniform and training stalls (5-way 1-shot glyphs,
// MLP: 58% with s = 1 against 90% for ProtoNet).
#pragma once

#include "core/learners/protonet.h"

namespace metalab {

class MatchingNetwork : public MetricLearner {
 public:
  explicit MatchingNetwork(LearnerConfig config);
  EmbeddingClassifier classifier(const Tensorf& support, const std::vector<int>& labels, int ways) const override;
  // Attention of each query over the support set (queries x support), for views.
  Matrix attention(const Task& task, const Matrix& queries) const;
};

}  // namespace metalab
