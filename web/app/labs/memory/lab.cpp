#include "web/app/labs/memory/lab.h"

#include <algorithm>
#include <cstdio>

#include "web/app/page/scheduler.h"
#include "web/app/page/status.h"

namespace metalab::web {

namespace {
constexpr double kWaitForShippedMs = 3000;
constexpr double kReevaluateMs = 2000;
constexpr std::uint64_t kEpisodeStream = 0x4D454D4FULL;  // "MEMO"
constexpr std::uint64_t kEvalStream = 0x4556414CULL;     // "EVAL"

bool shipped_arrived(const AssetStore& assets) {
  for (const char* f : kShippedMemoryFiles)
    if (!assets.has(f)) return false;
  return true;
}
}  // namespace

// --- the job --------------------------------------------------------------------

void sync_memory(MemoryLab& lab, const AssetStore& assets, bool visible) {
  using Mode = MemoryLab::Mode;
  if (lab.rebuild_requested) {
    lab.rebuild_requested = false;
    lab.built.clear();  // even when tiny networks are shown: start them again
    lab.accuracy.clear();
  }
  Mode mode = Mode::Live;
  if (lab.want_shipped && !lab.shipped_failed) {
    if (shipped_arrived(assets)) {
      mode = Mode::Shipped;
    } else {
      // Better a moment's wait than building and throwing away the tiny networks.
      if (lab.waiting_since_ms < 0) lab.waiting_since_ms = now_ms();
      if (now_ms() - lab.waiting_since_ms < kWaitForShippedMs && !lab.job()) mode = Mode::Waiting;
    }
  }
  const std::uint64_t seed = lab.settings.seed;
  lab.built.get({mode, mode == Mode::Live ? seed : 0}, [&]() -> std::unique_ptr<MemoryJob> {
    if (mode == Mode::Waiting) return nullptr;
    if (mode == Mode::Shipped) {
      try {
        lab.error.clear();
        return MemoryJob::shipped(assets, seed);
      } catch (const std::exception& e) {
        lab.shipped_failed = true;
        lab.error = std::string("Could not load the shipped networks (") + e.what() +
                    "); showing tiny networks trained here instead.";
      }
    }
    try {
      return MemoryJob::live(seed);
    } catch (const std::exception& e) {
      lab.error = e.what();
      return nullptr;
    }
  });
  MemoryJob* job = lab.job();
  if (job && job->seed() != seed) job->reseed(seed);  // the shipped networks stay; the seed draws other episodes
  lab.accuracy.follow(job, seed, visible);
}

void reset_memory(MemoryLab& lab) {
  lab.want_shipped = false;
  lab.rebuild_requested = true;
}

void use_shipped_memory(MemoryLab& lab) {
  lab.want_shipped = true;
  lab.rebuild_requested = true;
}

bool shipped_memory_available(const MemoryLab& lab, const AssetStore& assets) {
  const MemoryJob* job = lab.job();
  return job && !job->from_shipped() && !lab.shipped_failed && shipped_arrived(assets);
}

std::string memory_receive_checkpoint(MemoryLab& lab, const std::string& name, const Checkpoint& ckpt) {
  MemoryJob* job = lab.job();
  if (!job) return "the memory lab has no networks yet; open it first";
  const std::string why = job->receive(name, ckpt);
  if (why.empty()) lab.accuracy.clear();
  return why;
}

std::string memory_checkpoint_bytes(const MemoryLab& lab, std::string* file_name) {
  const MemoryJob* job = lab.job();
  if (!job) throw std::logic_error("no network to save yet");
  return job->checkpoint_bytes(file_name);
}

// --- accuracy by presentation ------------------------------------------------------

void PresentationAccuracyJob::follow(const MemoryJob* job, std::uint64_t seed, bool visible) {
  visible_ = visible;
  const std::tuple<long long, std::uint64_t> key{job ? job->id() : -1, seed};
  job_ = job;
  if (key == following_) return;
  following_ = key;
  rng_ = Rng(seed ^ kEvalStream);
  episodes_.clear();
  clear();
}

void PresentationAccuracyJob::clear() {
  for (auto& v : by_instance) v.clear();
  overall.fill(0);
  evaluated_at.fill(-1);
  evaluating = 0;
  done = 0;
  error.clear();
  finished_at_ms_ = -1e18;
}

bool PresentationAccuracyJob::due(int a) const {
  if (!job_ || !error.empty()) return false;
  if (evaluated_at[static_cast<std::size_t>(a)] == job_->model(a).iteration() &&
      !by_instance[static_cast<std::size_t>(a)].empty())
    return false;
  return by_instance[static_cast<std::size_t>(a)].empty() || now_ms() - finished_at_ms_ >= kReevaluateMs;
}

bool PresentationAccuracyJob::wants_time() const {
  if (!job_ || !visible_ || !error.empty()) return false;
  if (done > 0) return true;
  for (int a = 0; a < kMemoryModels; ++a)
    if (due(a)) return true;
  return false;
}

void PresentationAccuracyJob::step() {
  if (done == 0) {  // pick the next network that needs it
    int a = evaluating;
    for (int tries = 0; tries < kMemoryModels && !due(a); ++tries) a = (a + 1) % kMemoryModels;
    if (!due(a)) return;
    evaluating = a;
    partial_ = InstanceAccuracy(job_->instances());
    partial_iteration_ = job_->model(a).iteration();
  }
  const MannLearner& model = job_->model(evaluating);
  const auto i = static_cast<std::size_t>(done);
  if (i >= episodes_.size()) episodes_.push_back(job_->source().sample_episode(Split::MetaTest, rng_));
  const SequenceEpisode& ep = episodes_[i];
  const Matrix logits = model.predict_sequences({ep.x}, {ep.labels}).front();
  std::vector<int> p(static_cast<std::size_t>(logits.rows()));
  for (Eigen::Index t = 0; t < logits.rows(); ++t) {
    Eigen::Index best = 0;
    logits.row(t).maxCoeff(&best);
    p[static_cast<std::size_t>(t)] = static_cast<int>(best);
  }
  partial_.add(ep, p);
  if (++done < kEpisodes) return;
  // While the networks train, an evaluation finishes on weights that moved; it
  // is labelled with the iteration it started at.
  const auto a = static_cast<std::size_t>(evaluating);
  by_instance[a].assign(static_cast<std::size_t>(job_->instances()), 0.0);
  for (int k = 1; k <= job_->instances(); ++k) by_instance[a][static_cast<std::size_t>(k - 1)] = partial_.accuracy(k);
  overall[a] = partial_.overall();
  evaluated_at[a] = partial_iteration_;
  done = 0;
  evaluating = (evaluating + 1) % kMemoryModels;
  finished_at_ms_ = now_ms();
}

void PresentationAccuracyJob::fail(const std::string& message) {
  error = message;
  done = 0;
}

// --- the episode replayed -----------------------------------------------------------

EpisodeTrace trace_episode(const MemoryJob& job, std::uint64_t seed, int episode_index) {
  EpisodeTrace t;
  try {
    Rng r(seed ^ kEpisodeStream ^ (static_cast<std::uint64_t>(episode_index) * 0x9E3779B97F4A7C15ULL));
    t.episode = job.source().sample_episode(Split::MetaTest, r);
    t.trace = job.model(0).record_episode(t.episode.x, t.episode.labels, t.episode.instance);
    double h = 0;
    for (int s = 0; s < t.trace.steps(); ++s)
      h += (s + 1) * (t.trace.predictions[static_cast<std::size_t>(s)] + 0.1 * t.trace.probabilities(s, 0));
    char b[32];
    std::snprintf(b, sizeof b, "%.6g", h);
    t.checksum = b;
  } catch (const std::exception& e) {
    t.error = e.what();
  }
  return t;
}

// --- status ---------------------------------------------------------------------------

nlohmann::json memory_status(const MemoryLab& lab) {
  const MemoryJob* job = lab.job();
  const EpisodeTrace* t = lab.view.trace.last();
  nlohmann::json iterations = nlohmann::json::array(), shipped_it = nlohmann::json::array(),
                 last_ms = nlohmann::json::array(), overall = nlohmann::json::array(),
                 evaluated = nlohmann::json::array(), by_instance = nlohmann::json::array();
  for (int a = 0; a < kMemoryModels; ++a) {
    iterations.push_back(job ? job->model(a).iteration() : 0L);
    shipped_it.push_back(job && job->from_shipped() ? job->shipped_iteration(a) : 0L);
    last_ms.push_back(job ? std::round(job->last_step_ms(a) * 10) / 10 : 0.0);
    overall.push_back(lab.accuracy.overall[static_cast<std::size_t>(a)]);
    evaluated.push_back(lab.accuracy.evaluated_at[static_cast<std::size_t>(a)]);
    by_instance.push_back(lab.accuracy.by_instance[static_cast<std::size_t>(a)]);
  }
  std::string error = lab.error;
  if (error.empty() && job) error = job->error;
  if (error.empty() && t) error = t->error;
  if (error.empty()) error = lab.accuracy.error;
  return {{"seed", lab.settings.seed},
          {"episode_index", lab.settings.episode},
          {"step", lab.view.step},
          {"steps", t ? t->trace.steps() : 0},
          {"replaying", lab.view.replaying},
          {"training", job && job->playing},
          {"iterations", iterations},
          {"overall", overall},
          {"train_ms", job ? job->timing.frame_ms : 0.0},
          {"iter_ms", job ? job->timing.step_ms : 0.0},
          {"last_iter_ms", last_ms},
          {"eval_ms", lab.accuracy.timing.frame_ms},
          {"weights", job && job->from_shipped() ? "shipped" : "live"},
          {"shipped_iterations", shipped_it},
          {"ways", job ? job->ways() : 0},
          {"instances", job ? job->instances() : 0},
          {"image_size", job ? job->image_size() : 0},
          {"eval_iteration", evaluated},
          {"checksum", t ? t->checksum : ""},
          {"rects", rects_json(lab.view.rects)},
          {"uploaded", job && !job->uploaded.empty() ? 1 : 0},
          {"by_instance", by_instance},
          {"error", error}};
}

}  // namespace metalab::web
