#include "web/app/labs/classification/lab.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <limits>

#include <Eigen/Eigenvalues>

#include "core/io/idx.h"
#include "core/tasks/sequence_episodes.h"  // CachedBank
#include "core/tasks/classification_tasks.h"
#include "core/tasks/task_factory.h"
#include "web/app/page/status.h"

namespace metalab::web {

namespace {

constexpr int kGlyphSize = 14;  // page glyphs: 14 x 14 (28 x 28 with Conv4 is too slow to train live)
constexpr std::uint64_t kEpisodeStream = 0x45504953ULL;  // "EPIS"

int queries_for(const std::string& dataset) { return dataset == "glyphs" || dataset == "fashion" ? 5 : 3; }

// The biomedical data sets: core's task family (core/tasks/biomedical_tasks.h),
// the assets its file options name, and its table.
struct BioDataset {
  const char* dataset;
  const char* family;
  std::vector<std::pair<const char*, const char*>> files;  // file option -> asset
  const char* table;                                       // asset of its CSV table, or null
};
const BioDataset* bio_dataset(const std::string& dataset) {
  static const std::vector<BioDataset> sets{
      {"proteins", "protein-families", {{"fasta", kProteinFamiliesFasta}}, nullptr},
      {"mri", "mri-regions", {{"t1", kMriT1}, {"atlas", kMriAtlas}, {"atlas_names", kMriAtlasNames}}, nullptr},
      {"cells", "cell-stages", {}, kCellsCsv}};
  for (const BioDataset& b : sets)
    if (dataset == b.dataset) return &b;
  return nullptr;
}

// Data the page fetches after start-up may still be on its way.
bool data_arrived(const AssetStore& assets, const std::string& dataset) {
  if (dataset == "tissue") return !assets.waiting_for_genes();
  if (dataset == "fashion") return assets.has(kFashionImages) && assets.has(kFashionLabels);
  if (const BioDataset* b = bio_dataset(dataset)) {
    for (const auto& [key, asset] : b->files)
      if (!assets.has(asset)) return false;
    return !b->table || assets.has(b->table);
  }
  return true;
}

// Episodes of a biomedical family, built by core's task factory exactly as
// `metalab train --task <family> --task-seed <seed>` builds them (the shipped
// checkpoints were trained so), from the files its options name.
std::shared_ptr<const ClassificationSource> make_family_source(const std::string& family, const ClassificationSettings& s,
                                                               TaskOptions files, const TaskData& data) {
  TaskOptions options{{"name", family},
                      {"ways", std::to_string(s.ways)},
                      {"shots", std::to_string(s.shots)},
                      {"queries", std::to_string(queries_for(s.dataset))},
                      {"split_seed", std::to_string(s.seed)}};
  options.insert(files.begin(), files.end());
  std::shared_ptr<const TaskSource> owner(make_task_source(options, data));
  const auto* cls = dynamic_cast<const ClassificationTaskSource*>(owner.get());
  if (!cls) throw std::logic_error(family + " is not an episode source");
  // The episodes, kept alive with the factory's wrapper around them.
  return std::shared_ptr<const ClassificationSource>(owner, &cls->inner());
}

// A shipped biomedical data set, from the fetched assets.
std::shared_ptr<const ClassificationSource> make_bio_source(const BioDataset& b, const ClassificationSettings& s,
                                                            const AssetStore& assets) {
  const auto bytes = [&](const char* asset) -> const std::string& {
    const std::string* found = assets.find(asset);
    if (!found) throw std::invalid_argument(std::string("waiting for ") + asset);
    return *found;
  };
  TaskData data;
  TaskOptions files;
  for (const auto& [key, asset] : b.files) {
    data.files[key] = bytes(asset);
    files[key] = asset;
  }
  CsvTable table;
  if (b.table) {
    table = parse_csv_string(bytes(b.table), b.table);
    data.table = &table;
  }
  return make_family_source(b.family, s, files, data);
}

// The page's glyph alphabet and class split for a seed.
GlyphSourceConfig page_glyphs(std::uint64_t seed) {
  GlyphSourceConfig g;
  g.glyph.size = kGlyphSize;
  g.num_classes = 300;
  g.seed = seed;
  g.split_seed = seed;
  return g;
}

// The glyph setup as core's task factory describes it (every option with its
// default), i.e. the "task.*" settings `metalab train --task glyphs` records.
// A checkpoint must match every one of them; the page's own episodes (built
// below with the meta-test classes rendered once) are the factory's episodes
// (tests/web checks this).
TaskOptions glyph_task_options(const ClassificationSettings& s) {
  const GlyphSourceConfig g = page_glyphs(s.seed);
  const TaskOptions options{{"name", "glyphs"},
                            {"glyph_size", std::to_string(g.glyph.size)},
                            {"glyph_classes", std::to_string(g.num_classes)},
                            {"glyph_seed", std::to_string(g.seed)},
                            {"split_seed", std::to_string(g.split_seed)},
                            {"ways", std::to_string(s.ways)},
                            {"shots", std::to_string(s.shots)},
                            {"queries", std::to_string(queries_for(s.dataset))}};
  return task_options_from_metadata(make_task_source(options)->description());
}

// The episodes of a setup; throws with the reason when they cannot be made.
std::shared_ptr<const ClassificationSource> make_source(const ClassificationSettings& s, AssetStore& assets,
                                                        ClassificationLab& lab) {
  const ByoData& byo = lab.byo;
  EpisodeConfig ep;
  ep.ways = s.ways;
  ep.shots = s.shots;
  ep.queries = queries_for(s.dataset);
  if (s.dataset == "glyphs") {
    const GlyphSourceConfig g = page_glyphs(s.seed);
    g.validate();
    ClassSplit split = split_classes(g.num_classes, g.train_fraction, g.validation_fraction, g.split_seed);
    // The meta-test glyphs, rendered once per seed (evaluation episodes then
    // cost no rendering; training renders on demand).
    std::shared_ptr<const ExampleBank> bank = lab.glyph_bank.get(s.seed, [&] {
      return std::shared_ptr<const ExampleBank>(std::make_shared<CachedBank>(std::make_shared<GlyphBank>(g), split.test));
    });
    return std::make_shared<ClassificationSource>("glyphs", bank, std::move(split), ep);
  }
  if (const BioDataset* b = bio_dataset(s.dataset)) return make_bio_source(*b, s, assets);
  ClassSplitConfig split;
  split.seed = s.seed;
  if (s.dataset == "tissue") {
    const CsvTable* table = assets.genes_table();
    if (!table)
      throw std::invalid_argument(assets.genes_error().empty() ? std::string("waiting for ") + kGenesCsv
                                                               : assets.genes_error());
    LabeledDataset d = dataset_from_table(*table, "tissue");
    d.source = "tissue expression";
    split.train_fraction = 0.55;  // 7 tissues: 4 to meta-train, 3 to meta-test
    return make_dataset_source("tissue", std::move(d), split, ep, true);
  }
  if (s.dataset == "fashion") {
    const std::string* images = assets.find(kFashionImages);
    const std::string* labels = assets.find(kFashionLabels);
    if (!images || !labels)
      throw std::invalid_argument(std::string("waiting for ") + kFashionImages +
                                  " (a page built without Debian's dataset-fashion-mnist has none)");
    LabeledDataset d = dataset_from_idx(parse_idx_images(*images, kFashionImages),
                                        parse_idx_labels(*labels, kFashionLabels), fashion_mnist_class_names());
    d.source = "Fashion-MNIST";
    split.train_fraction = 0.5;  // 10 classes: 5 to meta-train, 5 to meta-test
    return make_dataset_source("fashion", std::move(d), split, ep, false);
  }
  if (!byo.dataset) throw std::invalid_argument("no data uploaded yet: use \"Upload data...\" (a CSV, a FASTA, or images named class_xxx.png)");
  if (!byo.fasta.empty()) {  // protein sequences: the protein-families episodes of the uploaded file
    TaskData data;
    data.files["fasta"] = byo.fasta;
    return make_family_source("protein-families", s, {{"fasta", byo.name}}, data);
  }
  split.train_fraction = 0.5;
  return make_dataset_source(byo.name, *byo.dataset, split, ep, !byo.dataset->images());
}

// How a checkpoint's setup differs from s (its first differences; "" when
// it was trained on exactly this setup). Throws for metadata that is not a learner's.
std::string setup_mismatch(const Checkpoint& ckpt, const ClassificationSettings& s, const TaskSource& src) {
  std::vector<std::string> diff;
  // The page's glyph episodes are its own (rendered once per seed); the
  // biomedical ones describe themselves (every option, the data's hash).
  const TaskOptions ours = s.dataset == "glyphs" ? glyph_task_options(s) : task_options_from_metadata(src.description());
  for (const TaskSettingDifference& d : task_setup_differences(task_options_from_metadata(ckpt.metadata), ours))
    diff.push_back(d.key + " " + (d.missing ? "?" : d.theirs) + " (here " + d.ours + ")");
  const LearnerConfig have = LearnerConfig::from_metadata(ckpt.metadata);
  const LearnerConfig need = classification_learner_config(s, src, s.learner);
  const auto check = [&](const char* what, bool same) {
    if (!same) diff.push_back(std::string("a different ") + what);
  };
  check("learner", have.learner == need.learner);
  check("distance", have.distance == need.distance);
  check("network", have.model.backbone == need.model.backbone && have.model.hidden == need.model.hidden &&
                       (need.model.backbone == "mlp" ||
                        (have.model.conv_hidden == need.model.conv_hidden && have.model.conv_blocks == need.model.conv_blocks &&
                         have.model.conv_kernel == need.model.conv_kernel)) &&
                       have.model.activation == need.model.activation &&
                       have.model.input_dim == need.model.input_dim && have.model.output_dim == need.model.output_dim &&
                       have.model.classification == need.model.classification);
  std::string out;
  for (std::size_t i = 0; i < diff.size() && i < 3; ++i) out += (i ? ", " : "") + diff[i];
  return out + (diff.size() > 3 ? ", ..." : "");
}

// The checkpoint as the lab's model, if it was trained on exactly the setup;
// otherwise null and *why says why.
std::unique_ptr<Learner> fitting_model(const Checkpoint& ckpt, const std::string& file, const ClassificationSettings& s,
                                       const TaskSource& src, std::string* why) {
  try {
    const std::string diff = setup_mismatch(ckpt, s, src);
    if (diff.empty()) return load_learner(ckpt);
    *why = file + " was trained on another setup: " + diff;
  } catch (const std::exception& e) {
    *why = "could not load " + file + ": " + e.what();
  }
  return nullptr;
}

// What an uploaded checkpoint was checked against: it applies while these stay.
std::string setup_string(const ClassificationSettings& s) {
  return s.learner + "|" + s.dataset + "|" + std::to_string(s.ways) + "|" + std::to_string(s.shots) + "|" +
         std::to_string(s.seed);
}

ClassificationLab::Built build(const ClassificationSettings& s, AssetStore& assets, ClassificationLab& lab,
                               const std::string& file) {
  ClassificationLab::Built b;
  try {
    std::shared_ptr<const ClassificationSource> src = make_source(s, assets, lab);
    std::unique_ptr<Learner> model;
    std::string mismatch;
    if (!file.empty()) {
      try {
        model = fitting_model(load_safetensors(*assets.find(file), file), file, s, *src, &mismatch);
      } catch (const std::exception& e) {
        mismatch = "could not load " + file + ": " + e.what();
      }
    }
    const bool from_file = model != nullptr;
    if (!model) model = make_learner(classification_learner_config(s, *src, s.learner));
    std::unique_ptr<Learner> nearest = make_learner(classification_learner_config(s, *src, "nearest"));
    b.job = std::make_unique<ClassificationJob>(s, src, std::move(model), std::move(nearest));
    b.job->mismatch = mismatch;
    if (from_file) {
      b.job->weights_file = file;
      b.job->weights_uploaded = file.rfind("uploads/", 0) == 0;
      b.job->weights_iteration = b.job->iteration();
    }
  } catch (const std::exception& e) {
    b.job.reset();
    b.error = e.what();
  }
  return b;
}

}  // namespace

std::string shipped_classification_checkpoint(const ClassificationSettings& s) {
  if (s.dataset == "glyphs") return "checkpoints/" + s.learner + "-glyphs14.safetensors";
  if (const BioDataset* b = bio_dataset(s.dataset); b && s.learner == "protonet")
    return "checkpoints/protonet-" + std::string(b->family) + ".safetensors";
  return "";
}

void sync_classification(ClassificationLab& lab, AssetStore& assets, bool visible) {
  ClassificationSettings& s = lab.settings;
  if (lab.reset_requested) {
    lab.reset_requested = false;
    lab.want_shipped = false;
    lab.upload_file.clear();
    lab.built.clear();
  }
  // Uploaded data: at most half its classes per episode (the other half is meta-test).
  if (s.dataset == "custom" && lab.byo.dataset) {
    const int most = std::clamp(lab.byo.dataset->num_classes() / 2, 2, 10);
    if (s.ways > most) {
      lab.notice = "ways=" + std::to_string(s.ways) + " became " + std::to_string(most) + ": the uploaded data has " +
                   std::to_string(lab.byo.dataset->num_classes()) + " classes, half of them meta-test";
      s.ways = most;
    }
  }
  classification_settings().validate(s);
  const std::string shipped = shipped_classification_checkpoint(s);
  std::string file = lab.want_shipped && !shipped.empty() && assets.has(shipped) ? shipped : "";
  if (lab.want_shipped && !lab.upload_file.empty() && lab.upload_setup == setup_string(s) && assets.has(lab.upload_file))
    file = lab.upload_file;
  const ClassificationLab::JobKey key{s.learner, s.dataset, s.ways, s.shots, s.seed,
                                     lab.byo.version, file, data_arrived(assets, s.dataset)};
  lab.built.get(key, [&] { return build(s, assets, lab, file); });  // a rebuilt job starts paused
  lab.curve.follow(lab.job(), visible);
}

void reset_classification(ClassificationLab& lab) { lab.reset_requested = true; }

// --- accuracy vs shots --------------------------------------------------------

bool ShotCurveJob::wants_time() const {
  if (!job_ || !visible_) return false;
  return next_ < kMaxShots * kEpisodes || computed_for_ != job_->weights_version();
}

void ShotCurveJob::follow(const ClassificationJob* job, bool visible) {
  visible_ = visible;
  if ((job ? job->id() : -1) == job_id_) return;
  job_ = job;
  job_id_ = job ? job->id() : -1;
  shown.clear();
  shown_nn.clear();
  shown_iteration = -1;
  error.clear();
  sources_.clear();
  computed_for_ = -1;
  next_ = kMaxShots * kEpisodes;
  if (!job) return;
  rng_ = Rng(job->settings().seed + 0xC0FFEE);
  // The same examples with 1..10 shots (the data is shared, not rebuilt per shot count).
  const ClassificationSource& src = job->source();
  for (int s = 1; s <= kMaxShots; ++s) {
    if (s == job->settings().shots) {
      sources_.push_back(job->source_ptr());
      continue;
    }
    EpisodeConfig ep = src.episodes();
    ep.shots = s;
    try {
      sources_.push_back(src.with_episodes(ep));
    } catch (const std::exception&) {
      sources_.push_back(nullptr);  // e.g. too few examples per class for that many shots
    }
  }
}

void ShotCurveJob::restart() {
  computed_for_ = job_->weights_version();
  next_ = 0;
  sum_.assign(kMaxShots, 0.0);
  nn_sum_.assign(kMaxShots, 0.0);
  n_.assign(kMaxShots, 0);
}

void ShotCurveJob::step() {
  if (next_ >= kMaxShots * kEpisodes) restart();
  const int s = next_ % kMaxShots;
  ++next_;
  const auto& src = sources_[static_cast<std::size_t>(s)];
  if (src) {
    const Task t = src->sample(Split::MetaTest, rng_);
    sum_[static_cast<std::size_t>(s)] += accuracy_on(job_->model(), t);
    nn_sum_[static_cast<std::size_t>(s)] += accuracy_on(job_->nearest(), t);
    ++n_[static_cast<std::size_t>(s)];
  }
  if (next_ < kMaxShots * kEpisodes) return;
  shown.assign(kMaxShots, std::numeric_limits<double>::quiet_NaN());
  shown_nn = shown;
  for (int k = 0; k < kMaxShots; ++k) {
    const auto i = static_cast<std::size_t>(k);
    if (n_[i] == 0) continue;
    shown[i] = sum_[i] / n_[i];
    shown_nn[i] = nn_sum_[i] / n_[i];
  }
  shown_iteration = job_->iteration();
}

void ShotCurveJob::fail(const std::string& message) {
  error = message;
  next_ = kMaxShots * kEpisodes;
  if (job_) computed_for_ = job_->weights_version();  // not again until the weights change
}

// --- the episode shown ----------------------------------------------------------

EpisodeAnalysis analyse_episode(const ClassificationJob& job, std::uint64_t seed, int episode_index) {
  EpisodeAnalysis a;
  try {
    Rng r(seed ^ kEpisodeStream ^ (static_cast<std::uint64_t>(episode_index) * 0x100000001B3ULL));
    a.episode = job.source().sample_episode(Split::MetaTest, r);
    const Task& t = a.episode.task;
    classify(job.model(), t, &a.predicted, &a.confidence);
    int ok = 0;
    for (std::size_t i = 0; i < a.predicted.size(); ++i)
      ok += a.predicted[i] == static_cast<int>(t.query_y(static_cast<Eigen::Index>(i), 0));
    a.accuracy = a.predicted.empty() ? 0 : static_cast<double>(ok) / static_cast<double>(a.predicted.size());
    // PCA of support + query embeddings: the two leading eigenvectors of the covariance.
    Matrix x(t.support_x.rows() + t.query_x.rows(), t.support_x.cols());
    x << t.support_x, t.query_x;
    Matrix e = embed_rows(job.model(), x);
    const Eigen::RowVectorXf mean = e.colwise().mean();
    e.rowwise() -= mean;
    const Eigen::MatrixXd cov = (e.transpose() * e).cast<double>();
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(cov);
    const Eigen::Index d = cov.rows();
    Eigen::MatrixXd basis(d, 2);
    for (int j = 0; j < 2; ++j) {
      Eigen::VectorXd v = Eigen::VectorXd::Zero(d);
      if (d - 1 - j >= 0) v = eig.eigenvectors().col(d - 1 - j);
      Eigen::Index arg = 0;
      v.cwiseAbs().maxCoeff(&arg);
      if (d > 0 && v(arg) < 0) v = -v;  // a stable orientation
      basis.col(j) = v;
    }
    const Eigen::MatrixXd p = e.cast<double>() * basis;
    const auto n = static_cast<std::size_t>(p.rows());
    a.px.resize(n);
    a.py.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      a.px[i] = static_cast<float>(p(static_cast<Eigen::Index>(i), 0));
      a.py[i] = static_cast<float>(p(static_cast<Eigen::Index>(i), 1));
    }
    const int ways = t.num_classes;
    a.proto_x.assign(static_cast<std::size_t>(ways), 0.0f);
    a.proto_y.assign(static_cast<std::size_t>(ways), 0.0f);
    std::vector<int> cnt(static_cast<std::size_t>(ways), 0);
    for (Eigen::Index i = 0; i < t.support_x.rows(); ++i) {
      const int k = static_cast<int>(t.support_y(i, 0));
      if (k < 0 || k >= ways) continue;
      a.proto_x[static_cast<std::size_t>(k)] += a.px[static_cast<std::size_t>(i)];
      a.proto_y[static_cast<std::size_t>(k)] += a.py[static_cast<std::size_t>(i)];
      ++cnt[static_cast<std::size_t>(k)];
    }
    for (int k = 0; k < ways; ++k)
      if (cnt[static_cast<std::size_t>(k)] > 0) {
        a.proto_x[static_cast<std::size_t>(k)] /= static_cast<float>(cnt[static_cast<std::size_t>(k)]);
        a.proto_y[static_cast<std::size_t>(k)] /= static_cast<float>(cnt[static_cast<std::size_t>(k)]);
      }
    // Checksum: predictions, confidences and projections.
    double h = 0;
    for (std::size_t i = 0; i < a.predicted.size(); ++i) h += (i + 1) * (a.predicted[i] + 0.5 * a.confidence[i]);
    for (std::size_t i = 0; i < n; ++i) h += 0.001 * (i + 1) * (a.px[i] - 0.5 * a.py[i]);
    char b[48];
    std::snprintf(b, sizeof b, "%.6g", h);
    a.checksum = b;
  } catch (const std::exception& ex) {
    a.error = ex.what();
  }
  return a;
}

// --- you are the learner ----------------------------------------------------------

int YouAnswers::answered() const {
  return static_cast<int>(std::count_if(answers.begin(), answers.end(), [](int a) { return a >= 0; }));
}

int YouAnswers::right() const {
  int n = 0;
  for (std::size_t i = 0; i < answers.size() && i < truth.size(); ++i) n += answers[i] >= 0 && answers[i] == truth[i];
  return n;
}

YouAnswers you_questions(const Episode& e, std::uint64_t seed, int episode_index) {
  YouAnswers y;
  const Task& t = e.task;
  const int ways = std::max(1, t.num_classes);
  const int queries = static_cast<int>(t.query_x.rows()) / ways;
  for (int k = 0; k < ways; ++k)
    for (int q = 0; q < std::min(queries, kYouQueriesPerClass); ++q) y.rows.push_back(k * queries + q);
  // A fixed shuffle of the seed and episode (Fisher-Yates on the page's RNG).
  Rng r(seed ^ 0x594F55ULL ^ (static_cast<std::uint64_t>(episode_index) * 0x9E3779B97F4A7C15ULL));
  for (std::size_t i = y.rows.size(); i > 1; --i) std::swap(y.rows[i - 1], y.rows[static_cast<std::size_t>(r.next_u64() % i)]);
  for (int row : y.rows) y.truth.push_back(static_cast<int>(t.query_y(row, 0)));
  y.answers.assign(y.rows.size(), -1);
  return y;
}

// --- checkpoints in and out -----------------------------------------------------

std::string classification_checkpoint_bytes(const ClassificationLab& lab, std::string* file_name) {
  const ClassificationJob* job = lab.job();
  if (!job) throw std::logic_error("no model to save yet");
  const ClassificationSettings& s = job->settings();
  Checkpoint ckpt = job->model().save();
  // The episodes it was trained on, as `metalab train --task glyphs` records them.
  if (s.dataset == "glyphs")
    for (const auto& [k, v] : glyph_task_options(s)) ckpt.metadata["task." + k] = v;
  else if (const BioDataset* b = bio_dataset(s.dataset)) {
    for (const auto& [k, v] : job->source().description()) ckpt.metadata[k] = v;  // task.*: `metalab eval` rebuilds them
    for (const auto& [key, asset] : b->files) ckpt.metadata["task." + std::string(key)] = asset;
  } else
    ckpt.metadata["task.name"] = s.dataset;
  if (file_name)
    *file_name = "metalab-" + s.learner + "-" + s.dataset + "-it" + std::to_string(job->iteration()) + ".safetensors";
  return save_safetensors(ckpt);
}

std::string classification_receive_checkpoint(ClassificationLab& lab, AssetStore& assets, const std::string& name,
                                              const std::string& bytes, const Checkpoint& ckpt) {
  const std::string learner = get_metadata_or(ckpt, "learner", "?");
  std::string offered;
  bool found = false;
  for (const Choice& c : classification_learners()) {
    found = found || c.value == learner;
    offered += (offered.empty() ? "" : ", ") + c.value;
  }
  if (!found) return name + " holds a '" + learner + "' model; the classification lab takes " + offered;
  const TaskOptions task = task_options_from_metadata(ckpt.metadata);
  const auto setting = [&](const char* key) -> std::string {
    const auto it = task.find(key);
    return it == task.end() ? "" : it->second;
  };
  if (setting("name") != "glyphs")
    return name + " was trained on '" + setting("name") + "' episodes; the page takes checkpoints of its own glyph "
           "setups (14 x 14, 300 classes; see scripts/make-web-checkpoints.sh)";
  // The setup the checkpoint was trained on; the other settings must be the page's.
  ClassificationSettings probe;
  probe.learner = learner;
  probe.dataset = "glyphs";
  const SettingsTable<ClassificationSettings>& table = classification_settings();
  std::string why;
  for (const char* key : {"ways", "shots"})
    if (!table.set(probe, key, setting(key), &why))
      return name + ": its task setting " + why + " is outside the lab's range";
  if (!table.set(probe, "seed", setting("glyph_seed"), &why))
    return name + ": its task setting glyph_seed='" + setting("glyph_seed") + "' is not a seed";
  std::shared_ptr<const ClassificationSource> src;
  try {
    src = make_source(probe, assets, lab);
  } catch (const std::exception& e) {
    return name + ": " + e.what();
  }
  if (!fitting_model(ckpt, name, probe, *src, &why)) return why;
  // Kept with the assets: the lab builds its model from there (sync_classification).
  const std::string key = "uploads/" + name;
  assets.put(key, bytes);
  probe.episode = lab.settings.episode;
  lab.settings = probe;
  lab.upload_file = key;
  lab.upload_setup = setup_string(probe);
  lab.want_shipped = true;
  if (ClassificationJob* j = lab.job()) j->playing = false;
  return "";
}

// --- status -----------------------------------------------------------------------

namespace {
// The student's score and the model's on the same queries (current_truth: the
// answer to the query asked now, for the browser test; -1 when done).
nlohmann::json you_status(const ClassificationLab& lab) {
  const YouAnswers* y = lab.view.you.last();
  const EpisodeAnalysis* a = lab.view.analysis.last();
  nlohmann::json model_right = nullptr;
  if (y && a && !a->predicted.empty()) {
    int n = 0;
    for (std::size_t i = 0; i < y->rows.size(); ++i) {
      const auto row = static_cast<std::size_t>(y->rows[i]);
      n += row < a->predicted.size() && a->predicted[row] == y->truth[i];
    }
    model_right = n;
  }
  const int current = y && !y->done() ? y->answered() : -1;
  return {{"mode", lab.settings.you},
          {"total", y ? static_cast<int>(y->rows.size()) : 0},
          {"answered", y ? y->answered() : 0},
          {"right", y ? y->right() : 0},
          {"wrong", y ? y->wrong() : 0},
          {"done", y && y->done()},
          {"model_right", model_right},
          {"current_truth", current >= 0 ? y->truth[static_cast<std::size_t>(current)] : -1}};
}
}  // namespace

nlohmann::json classification_status(const ClassificationLab& lab) {
  const ClassificationSettings& s = lab.settings;
  const ClassificationJob* job = lab.job();
  const EpisodeAnalysis* a = lab.view.analysis.last();
  const auto curve = [](const std::vector<double>& v) {
    nlohmann::json out = nlohmann::json::array();
    for (double x : v) out.push_back(std::isfinite(x) ? std::round(x * 1e4) / 1e4 : -1.0);  // -1: not possible
    return out;
  };
  const std::string weights = !job || job->weights_file.empty() ? "live" : job->weights_uploaded ? "uploaded" : "shipped";
  return {{"learner", s.learner},
          {"dataset", s.dataset},
          {"ways", s.ways},
          {"shots", s.shots},
          {"seed", s.seed},
          {"episode_index", s.episode},
          {"iteration", job ? job->iteration() : 0L},
          {"playing", job && job->playing},
          {"episode_accuracy", a ? a->accuracy : 0.0},
          {"train_ms", job ? job->timing.frame_ms : 0.0},
          {"its_per_s", job ? job->timing.steps_per_s : 0.0},
          {"iter_ms", job ? job->timing.step_ms : 0.0},
          {"ready", job && a && !a->px.empty()},
          {"checksum", a ? a->checksum : ""},
          {"curve", curve(lab.curve.shown)},
          {"curve_nn", curve(lab.curve.shown_nn)},
          {"curve_iteration", lab.curve.shown_iteration},
          {"weights", weights},
          {"shipped_file", job ? job->weights_file : ""},
          {"shipped_iteration", job ? job->weights_iteration : 0L},
          {"shipped_mismatch", job ? job->mismatch : ""},
          {"error", !lab.error().empty() ? lab.error() : job && !job->error.empty() ? job->error : a ? a->error : ""},
          {"notice", lab.notice},
          {"byo",
           {{"name", lab.byo.name},
            {"error", lab.byo.error},
            {"message", lab.byo.message},
            {"uploads", lab.byo.uploads},
            {"version", lab.byo.version}}},
          {"you", you_status(lab)},
          {"rects", rects_json(lab.view.rects)}};
}

}  // namespace metalab::web
