// The classification lab: settings, the job (built from the settings, the
// data and the chosen weights), the uploaded data, the accuracy-vs-shots
// evaluation and the view's state.
//
//   ClassificationLab& lab = state.classification;
//   lab.settings.learner = "matchingnet";       // a control, the URL or a lesson step
//   sync_classification(lab, assets);           // before the UI: the job is rebuilt
//   if (ClassificationJob* job = lab.job()) job->playing = true;
#pragma once

#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/io/safetensors.h"
#include "web/app/labs/classification/job.h"
#include "web/app/labs/classification/settings.h"
#include "web/app/labs/classification/view.h"
#include "web/app/page/assets.h"
#include "web/app/page/byo_data.h"
#include "web/app/page/memo.h"

namespace metalab::web {

// Accuracy vs shots (1..kMaxShots) on meta-test episodes, for the model and
// for 1-NN on raw features: a few episodes per step, while the view is
// visible, again whenever the weights have changed since the last curve.
class ShotCurveJob : public Job {
 public:
  static constexpr int kEpisodes = 12;  // per shot count
  std::string title() const override { return "Classification lab: accuracy vs shots"; }
  bool wants_time() const override;
  void step() override;
  void fail(const std::string& message) override;

  // The job to evaluate (null: none) and whether its view is visible.
  void follow(const ClassificationJob* job, bool visible);
  // The last complete curve (NaN where a shot count is impossible) and the iteration it was computed at.
  std::vector<double> shown, shown_nn;
  long shown_iteration = -1;
  std::string error;

 private:
  void restart();
  const ClassificationJob* job_ = nullptr;
  long long job_id_ = -1;
  bool visible_ = false;
  long long computed_for_ = -1;  // weights version of the curve being accumulated
  std::vector<std::shared_ptr<const ClassificationSource>> sources_;  // per shot count; null if impossible
  std::vector<double> sum_, nn_sum_;
  std::vector<int> n_;
  int next_ = kMaxShots * kEpisodes;
  Rng rng_;
};

struct ClassificationLab {
  ClassificationSettings settings;
  // Which weights: the shipped checkpoint (until Reset), or an uploaded one for its setup.
  bool want_shipped = true;
  std::string upload_file;   // "uploads/<name>" in the asset store
  std::string upload_setup;  // the settings it applies to
  ByoData byo;               // uploaded data ("Your data")
  std::string notice;        // e.g. ways lowered to fit the uploaded data
  bool reset_requested = false;  // Reset pressed: the next sync starts from random weights

  struct Built {
    std::unique_ptr<ClassificationJob> job;
    std::string error;  // why there is no job (data on its way, too few classes, ...)
  };
  // (learner, dataset, ways, shots, seed, uploaded data, weights file, data arrived)
  using JobKey = std::tuple<std::string, std::string, int, int, std::uint64_t, long, std::string, bool>;
  Memo<JobKey, Built> built;
  // The page's glyphs of the meta-test classes of a seed, rendered once.
  Memo<std::uint64_t, std::shared_ptr<const ExampleBank>> glyph_bank;
  ShotCurveJob curve;
  ClassificationViewState view;

  ClassificationJob* job() { return built.mutable_last() ? built.mutable_last()->job.get() : nullptr; }
  const ClassificationJob* job() const { return built.last() ? built.last()->job.get() : nullptr; }
  std::string error() const { return built.last() ? built.last()->error : ""; }
};

// Builds or rebuilds the job when the settings, the data or the weights to
// use changed (the glyph bank of the meta-test classes is rendered once per seed).
void sync_classification(ClassificationLab& lab, AssetStore& assets, bool visible);
// Reset: random weights trained here (an uploaded checkpoint is forgotten),
// from the next sync on (views ask; they never destroy the job they draw).
void reset_classification(ClassificationLab& lab);

// The shipped checkpoint for the lab's setup ("" when there is none for it).
std::string shipped_classification_checkpoint(const ClassificationSettings& s);
// The model as safetensors bytes with the task settings of its glyph setup
// (so that the page and `metalab eval` rebuild its episodes); throws if none.
std::string classification_checkpoint_bytes(const ClassificationLab& lab, std::string* file_name);
// Takes an uploaded checkpoint: "" and the lab switches to the checkpoint's
// setup, or why not (and nothing changes). Only the page's glyph setups (the
// others depend on data the page may not have).
std::string classification_receive_checkpoint(ClassificationLab& lab, AssetStore& assets, const std::string& name,
                                              const std::string& bytes, const Checkpoint& ckpt);

// "classification": {...} of the status JSON.
nlohmann::json classification_status(const ClassificationLab& lab);

}  // namespace metalab::web
