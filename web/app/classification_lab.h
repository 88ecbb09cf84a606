// The classification lab: few-shot classification with prototypical and
// matching networks and first-order MAML, on synthetic glyphs (14 x 14 in the
// page, MLP embedding 64-32: a Conv4 on 28 x 28 images is too slow to train
// live in WebAssembly), tissue expression profiles, or the user's own data
// (byo_data.h).
//
// The default setup (ProtoNet, glyphs, 5-way 1-shot, 5 queries, seed 1) opens
// with assets/checkpoints/protonet-glyphs14.safetensors, trained natively on
// exactly that task distribution by scripts/make-web-checkpoints.sh (same
// glyph alphabet and class split, so its meta-test classes are held out).
// A shipped checkpoint is used only when every setting it records matches the
// current setup; otherwise (and after Reset) the model starts from random
// weights and trains live, and the view says which weights it shows.
//
// Panels: the episode (support by class, queries with prediction, confidence
// and a green/red border), the embedding (PCA of support and query
// embeddings, prototypes, nearest-prototype regions), accuracy vs shots
// (1..10, averaged over meta-test episodes, computed a few episodes per frame)
// and live training inside the frame budget.
//
// The state lives in ClassificationLabState (AppState::classification); this
// header does not include app_state.h so that app_state.h can include it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/common/rng.h"
#include "core/learners/learner.h"
#include "core/tasks/episodes.h"
#include "web/app/byo_data.h"
#include "web/app/lab_state.h"

namespace metalab::web {

struct AppState;

struct ClassificationLabState {
  // What the user controls (also in the URL hash).
  std::string learner = "protonet";  // protonet, matchingnet, fomaml
  std::string dataset = "glyphs";    // glyphs, tissue, custom (uploaded)
  int ways = 5, shots = 1;
  std::uint64_t seed = 1;
  int episode_index = 0;  // "New episode" presses
  bool playing = false;
  bool show_help = true;
  bool want_shipped = true;  // false after Reset (start from scratch); "Use shipped weights" sets it again

  // The model and its data (rebuilt when the key changes).
  struct Key {
    std::string learner, dataset;
    int ways = 0, shots = 0;
    std::uint64_t seed = 0;
    long data_version = -1;
    std::string shipped;  // the shipped checkpoint to try ("" when none is there or wanted)
    bool data_arrived = false;  // the data the page fetches after start-up (tissue CSV, Fashion-MNIST) is there
    bool operator==(const Key& o) const {
      return learner == o.learner && dataset == o.dataset && ways == o.ways && shots == o.shots && seed == o.seed &&
             data_version == o.data_version && shipped == o.shipped && data_arrived == o.data_arrived;
    }
  } built_for;
  std::shared_ptr<const ClassificationSource> source;
  std::unique_ptr<Learner> model;
  std::shared_ptr<const ExampleBank> glyph_bank;  // meta-test glyphs rendered once
  std::uint64_t glyph_bank_seed = 0;
  std::unique_ptr<Learner> nearest;  // 1-NN on raw features, for the shots curve
  Rng train_rng;                     // draws the training episodes
  long version = 0;                  // bumps when the weights change
  std::vector<float> loss_it, loss, acc;  // training curve (per iteration)
  double iter_ms = 0, train_ms = 0, its_per_s = 0;
  // Where a frame's time goes (moving averages, ms; in the status JSON).
  double ms_episode = 0, ms_curve = 0, ms_draw_episode = 0, ms_draw_embedding = 0;
  double rate_window_s = 0;
  long rate_window_iters = 0;
  std::string error, notice;
  // Which weights the model has: shipped_file = the checkpoint it came from
  // ("" = trained here from scratch); shipped_mismatch = why the shipped
  // checkpoint for this learner and data was not used.
  std::string shipped_file, shipped_mismatch;
  long shipped_iteration = 0;
  // An uploaded checkpoint (kept in the asset store as "uploads/<name>") and
  // the setup it was checked against: it replaces the shipped one there.
  std::string upload_file, upload_setup;

  // The episode shown, and what the model says about it.
  Episode episode;
  long episode_for_index = -1, episode_for_version = -1;
  double episode_at_ms = 0;
  std::vector<int> predicted;
  std::vector<float> confidence;
  double episode_accuracy = 0;
  // Embedding view: projections (support rows then query rows), prototypes.
  std::vector<float> px, py, proto_x, proto_y;
  std::string checksum;  // of predictions + projections (browser test)

  // Accuracy vs shots (1..10): sums over meta-test episodes.
  static constexpr int kMaxShots = 10, kCurveEpisodes = 12;
  std::vector<std::shared_ptr<const ClassificationSource>> shot_sources;  // per shot count; null if impossible
  std::vector<std::string> shot_errors;
  std::vector<double> cur_sum, cur_nn_sum;
  std::vector<int> cur_n;
  std::vector<double> shown, shown_nn;  // last complete curve (NaN: not possible)
  long curve_version = -1;              // model version the current accumulation is for
  long shown_iteration = -1;
  int curve_next = 0;
  Rng curve_rng;

  ByoData byo;  // uploaded data

  struct Rects {
    LabRect episode, embedding, curve, new_episode, play, step, reset, upload, use_shipped, download;
  } rects;
};

void draw_classification_lab(AppState& state);
// The lab's model as safetensors bytes, with the task settings of its glyph
// setup (so the page and `metalab eval` can rebuild its episodes); throws if
// there is no model.
std::string classification_checkpoint_bytes(const ClassificationLabState& c, std::string* file_name);
// Takes an uploaded checkpoint of a classification learner: "" and the lab
// switches to the checkpoint's setup, or why not (and nothing changes). The
// page's glyph setups only (the others depend on data the page may not have).
// `ckpt` is `bytes` parsed (the caller has done it to see where it belongs).
std::string classification_receive_checkpoint(AppState& state, const std::string& name, const std::string& bytes,
                                              const Checkpoint& ckpt);
// ,"classification":{...} (with the leading comma)
std::string classification_status_json(const AppState& state);
// Learners and datasets of the lab (for the URL hash).
const std::vector<std::string>& classification_learners();
const std::vector<std::string>& classification_datasets();

}  // namespace metalab::web
