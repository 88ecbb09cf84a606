// The classification lab's view: the episode (support by class, queries with
// prediction, confidence and a green/red border), the embedding (PCA of
// support and query embeddings, prototypes, nearest-prototype regions),
// accuracy vs shots (1..10, averaged over meta-test episodes) and the training
// controls. It draws from the lab's settings, its job and the derived data
// below, memoised by what they depend on.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "core/tasks/episodes.h"
#include "web/app/page/layout.h"
#include "web/app/page/memo.h"

namespace metalab::web {

struct AppState;
class ClassificationJob;

// What the model says about one episode, and the 2-D picture of its embedding.
struct EpisodeAnalysis {
  Episode episode;
  std::vector<int> predicted;
  std::vector<float> confidence;
  double accuracy = 0;
  std::vector<float> px, py, proto_x, proto_y;  // projections (support rows then query rows), prototypes
  std::string checksum;                         // of predictions + projections (browser test)
  std::string error;
};
EpisodeAnalysis analyse_episode(const ClassificationJob& job, std::uint64_t seed, int episode_index);

// "You are the learner" (you=label / you=compare): the queries the student
// labels, two per class of the episode in a shuffled order (so that their
// order gives nothing away), and the answers so far.
struct YouAnswers {
  std::vector<int> rows;     // query rows of the episode, in the order asked
  std::vector<int> truth;    // their true labels
  std::vector<int> answers;  // the student's labels (-1: not yet)
  int answered() const;
  int right() const;
  int wrong() const { return answered() - right(); }
  bool done() const { return !rows.empty() && answered() == static_cast<int>(rows.size()); }
};
constexpr int kYouQueriesPerClass = 2;
YouAnswers you_questions(const Episode& episode, std::uint64_t seed, int episode_index);

struct ClassificationViewState {
  bool show_help = true;
  // (dataset, ways, shots, seed, episode) -> the student's answers (kept across learners).
  Memo<std::tuple<std::string, int, int, std::uint64_t, int>, YouAnswers> you;
  Throttle clock{300};
  // (job, weights, seed, episode) -> the analysis shown.
  Memo<std::tuple<long long, long long, std::uint64_t, int>, EpisodeAnalysis> analysis;
  Rects rects;
};

void draw_classification_lab(AppState& state);

}  // namespace metalab::web
