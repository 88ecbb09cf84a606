#include "web/app/classification_lab.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <limits>

#include <Eigen/Eigenvalues>
#include <imgui.h>

#include "core/io/idx.h"
#include "core/io/safetensors.h"
#include "core/learners/protonet.h"
#include "core/tasks/regression_sources.h"  // task_options_from_metadata
#include "core/tasks/sequence_episodes.h"  // CachedBank
#include "web/app/app.h"
#include "web/app/app_state.h"
#include "web/app/checkpoint_io.h"
#include "web/app/lab_widgets.h"
#include "web/app/plot.h"

namespace metalab::web {

namespace {

constexpr int kGlyphSize = 14;  // page glyphs: 14 x 14 (28 x 28 with Conv4 is too slow to train live)
constexpr int kTestSteps = 5;   // fomaml: adaptation steps on a new episode
constexpr double kRefreshWhileTrainingMs = 300;
constexpr std::uint64_t kEpisodeStream = 0x45504953ULL;  // "EPIS"

const ImU32 kClassColors[10] = {IM_COL32(31, 119, 180, 255), IM_COL32(255, 127, 14, 255), IM_COL32(44, 160, 44, 255),
                                IM_COL32(214, 39, 40, 255),  IM_COL32(148, 103, 189, 255), IM_COL32(140, 86, 75, 255),
                                IM_COL32(227, 119, 194, 255), IM_COL32(127, 127, 127, 255), IM_COL32(188, 189, 34, 255),
                                IM_COL32(23, 190, 207, 255)};
ImU32 class_color(int k, int alpha = 255) {
  const ImU32 c = kClassColors[static_cast<std::size_t>(((k % 10) + 10) % 10)];
  return (c & 0x00FFFFFFu) | (static_cast<ImU32>(alpha) << 24);
}

int queries_for(const std::string& dataset) { return dataset == "glyphs" || dataset == "fashion" ? 5 : 3; }

// The Fashion-MNIST subset the page fetches (web/CMakeLists.txt writes it from
// Debian's dataset-fashion-mnist: 100 test images a class, uncompressed IDX).
constexpr const char* kFashionImages = "data/fashion-mnist-images.idx";
constexpr const char* kFashionLabels = "data/fashion-mnist-labels.idx";

// Data the page fetches after start-up may still be on its way.
bool waiting_for_asset(const AppState& st, const std::string& dataset) {
  if (dataset == "tissue") return st.models.assets.genes_error.empty() && !st.models.assets.has(kGenesCsv);
  if (dataset == "fashion") return !st.models.assets.has(kFashionImages) || !st.models.assets.has(kFashionLabels);
  return false;
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

// The checkpoint scripts/make-web-checkpoints.sh writes for a learner on glyphs ("" for other data).
std::string shipped_name(const ClassificationLabState& c) {
  return c.dataset == "glyphs" ? "checkpoints/" + c.learner + "-glyphs14.safetensors" : "";
}

// The task options `metalab train --task glyphs` records ("task.*") for the
// current setup: a shipped checkpoint must match every one of them.
std::map<std::string, std::string> glyph_task_options(const ClassificationLabState& c) {
  const GlyphSourceConfig g = page_glyphs(c.seed);
  char tf[32], vf[32];
  std::snprintf(tf, sizeof tf, "%.17g", g.train_fraction);
  std::snprintf(vf, sizeof vf, "%.17g", g.validation_fraction);
  return {{"name", "glyphs"},
          {"glyph_size", std::to_string(g.glyph.size)},
          {"glyph_classes", std::to_string(g.num_classes)},
          {"glyph_drawings", std::to_string(g.instances)},
          {"glyph_seed", std::to_string(g.seed)},
          {"split_seed", std::to_string(g.split_seed)},
          {"train_fraction", tf},
          {"validation_fraction", vf},
          {"ways", std::to_string(c.ways)},
          {"shots", std::to_string(c.shots)},
          {"queries", std::to_string(queries_for(c.dataset))},
          {"test_ways", "0"},
          {"test_shots", "0"},
          {"test_queries", "0"}};
}

// Numbers compare by value ("0.7" == "0.69999999999999996"), the rest as text.
bool same_setting(const std::string& a, const std::string& b) {
  char* ea = nullptr;
  char* eb = nullptr;
  const double x = std::strtod(a.c_str(), &ea), y = std::strtod(b.c_str(), &eb);
  if (!a.empty() && !b.empty() && *ea == 0 && *eb == 0) return x == y;
  return a == b;
}

// The episodes of the lab's setup (data, ways, shots, seed); null and *why if
// they cannot be made (data still on its way, too few classes...).
std::shared_ptr<const ClassificationSource> make_source(AppState& st, ClassificationLabState& c, std::string* why) {
  EpisodeConfig ep;
  ep.ways = c.ways;
  ep.shots = c.shots;
  ep.queries = queries_for(c.dataset);
  try {
    if (c.dataset == "glyphs") {
      // As make_glyph_source, but the meta-test classes are rendered once and
      // kept (evaluation episodes then cost no rendering; training renders on demand).
      const GlyphSourceConfig g = page_glyphs(c.seed);
      g.validate();
      ClassSplit split = split_classes(g.num_classes, g.train_fraction, g.validation_fraction, g.split_seed);
      if (!c.glyph_bank || c.glyph_bank_seed != c.seed) {
        c.glyph_bank = std::make_shared<CachedBank>(std::make_shared<GlyphBank>(g), split.test);
        c.glyph_bank_seed = c.seed;
      }
      return std::make_shared<ClassificationSource>("glyphs", c.glyph_bank, std::move(split), ep);
    }
    ClassSplitConfig split;
    split.seed = c.seed;
    if (c.dataset == "tissue") {
      const CsvTable* table = genes_table(st.models.assets);
      if (!table) {
        *why = st.models.assets.genes_error.empty() ? std::string("waiting for ") + kGenesCsv
                                                     : st.models.assets.genes_error;
        return nullptr;
      }
      LabeledDataset d = dataset_from_table(*table, "tissue");
      d.source = "tissue expression";
      split.train_fraction = 0.55;  // 7 tissues: 4 to meta-train, 3 to meta-test
      return make_dataset_source("tissue", std::move(d), split, ep, true);
    }
    if (c.dataset == "fashion") {
      const auto& files = st.models.assets.files;
      const auto images = files.find(kFashionImages), labels = files.find(kFashionLabels);
      if (images == files.end() || labels == files.end()) {
        *why = std::string("waiting for ") + kFashionImages + " (a page built without Debian's dataset-fashion-mnist has none)";
        return nullptr;
      }
      LabeledDataset d = dataset_from_idx(parse_idx_images(images->second, kFashionImages),
                                          parse_idx_labels(labels->second, kFashionLabels), fashion_mnist_class_names());
      d.source = "Fashion-MNIST";
      split.train_fraction = 0.5;  // 10 classes: 5 to meta-train, 5 to meta-test
      return make_dataset_source("fashion", std::move(d), split, ep, false);
    }
    if (!c.byo.dataset) {
      *why = "no data uploaded yet: use \"Upload data...\" (a CSV, or images named class_xxx.png)";
      return nullptr;
    }
    split.train_fraction = 0.5;
    return make_dataset_source(c.byo.name, *c.byo.dataset, split, ep, !c.byo.dataset->images());
  } catch (const std::exception& e) {
    *why = e.what();
    return nullptr;
  }
}

LearnerConfig lab_learner_config(const ClassificationLabState& c, const TaskSource& src, const std::string& learner) {
  LearnerConfig cfg;
  cfg.learner = learner;
  cfg.model.backbone = "mlp";
  cfg.model.input_dim = src.input_dim();
  cfg.model.hidden = {64, 32};
  cfg.model.output_dim = c.ways;
  cfg.model.classification = true;
  cfg.outer_lr = 1e-3f;
  cfg.meta_batch = learner == "fomaml" ? 4 : 2;
  cfg.inner_lr = 0.1f;
  cfg.inner_steps = 1;
  cfg.seed = c.seed;
  return cfg;
}

// How a checkpoint's setup differs from the current one (its first
// differences; "" when it was trained on exactly this setup). Throws for
// metadata that is not a learner's.
std::string setup_mismatch(const Checkpoint& ckpt, const ClassificationLabState& c, const TaskSource& src) {
  std::vector<std::string> diff;
  const TaskOptions task = task_options_from_metadata(ckpt.metadata);
  for (const auto& [k, v] : glyph_task_options(c)) {
    const auto it = task.find(k);
    if (it == task.end() || !same_setting(it->second, v))
      diff.push_back(k + " " + (it == task.end() ? "?" : it->second) + " (here " + v + ")");
  }
  const LearnerConfig have = LearnerConfig::from_metadata(ckpt.metadata);
  const LearnerConfig need = lab_learner_config(c, src, c.learner);
  const auto check = [&](const char* what, bool same) {
    if (!same) diff.push_back(std::string("a different ") + what);
  };
  check("learner", have.learner == need.learner);
  check("distance", have.distance == need.distance);
  check("network", have.model.backbone == need.model.backbone && have.model.hidden == need.model.hidden &&
                       have.model.activation == need.model.activation &&
                       have.model.input_dim == need.model.input_dim && have.model.output_dim == need.model.output_dim &&
                       have.model.classification == need.model.classification);
  std::string s;
  for (std::size_t i = 0; i < diff.size() && i < 3; ++i) s += (i ? ", " : "") + diff[i];
  return s + (diff.size() > 3 ? ", ..." : "");
}

// The checkpoint (from `file`) as the lab's model, if it was trained on exactly
// the current setup; otherwise null and *why says why.
std::unique_ptr<Learner> fitting_model(const Checkpoint& ckpt, const std::string& file, const ClassificationLabState& c,
                                       const TaskSource& src, std::string* why) {
  try {
    const std::string diff = setup_mismatch(ckpt, c, src);
    if (diff.empty()) return load_learner(ckpt);
    *why = file + " was trained on another setup: " + diff;
  } catch (const std::exception& e) {
    *why = "could not load " + file + ": " + e.what();
  }
  return nullptr;
}

// A shipped (or uploaded) checkpoint from the asset store, as fitting_model.
std::unique_ptr<Learner> shipped_model(const AssetStore& assets, const std::string& file,
                                       const ClassificationLabState& c, const TaskSource& src, std::string* why) {
  Checkpoint ckpt;
  try {
    ckpt = load_safetensors(assets.files.at(file), file);
  } catch (const std::exception& e) {
    *why = "could not load " + file + ": " + e.what();
    return nullptr;
  }
  return fitting_model(ckpt, file, c, src, why);
}

// What an uploaded checkpoint was checked against: it applies while these stay.
std::string setup_string(const ClassificationLabState& c) {
  return c.learner + "|" + c.dataset + "|" + std::to_string(c.ways) + "|" + std::to_string(c.shots) + "|" +
         std::to_string(c.seed);
}

bool is_upload(const std::string& file) { return file.rfind("uploads/", 0) == 0; }

void rebuild(AppState& st, ClassificationLabState& c) {
  const std::string shipped = shipped_name(c);
  std::string file = c.want_shipped && !shipped.empty() && st.models.assets.has(shipped) ? shipped : "";
  if (c.want_shipped && !c.upload_file.empty() && c.upload_setup == setup_string(c) &&
      st.models.assets.has(c.upload_file))
    file = c.upload_file;
  // Data still on its way is part of the key: the lab builds again once it has arrived.
  const ClassificationLabState::Key key{c.learner, c.dataset, c.ways, c.shots, c.seed, c.byo.version, file,
                                        !waiting_for_asset(st, c.dataset)};
  if (c.built_for == key && (c.source || !c.error.empty())) return;
  c.built_for = key;
  c.source.reset();
  c.model.reset();
  c.nearest.reset();
  c.error.clear();
  c.shipped_file.clear();
  c.shipped_mismatch.clear();
  std::string why;
  auto src = make_source(st, c, &why);
  if (!src) {
    c.error = why;
    return;
  }
  try {
    if (!key.shipped.empty()) c.model = shipped_model(st.models.assets, key.shipped, c, *src, &c.shipped_mismatch);
    if (c.model) {
      c.shipped_file = key.shipped;
      c.shipped_iteration = c.model->iteration();
    } else {
      c.model = make_learner(lab_learner_config(c, *src, c.learner));
    }
    c.nearest = make_learner(lab_learner_config(c, *src, "nearest"));
  } catch (const std::exception& e) {
    c.error = e.what();
    c.model.reset();
    return;
  }
  c.source = src;
  c.train_rng = Rng(c.seed * 0x9E3779B97F4A7C15ULL + 17);
  c.curve_rng = Rng(c.seed + 0xC0FFEE);
  ++c.version;
  c.loss_it.clear();
  c.loss.clear();
  c.acc.clear();
  c.episode_for_index = -1;
  c.shot_sources.assign(ClassificationLabState::kMaxShots, nullptr);
  c.shot_errors.assign(ClassificationLabState::kMaxShots, "");
  // The same examples with 1..10 shots (the data is shared, not rebuilt per shot count).
  for (int s = 1; s <= ClassificationLabState::kMaxShots; ++s) {
    const auto i = static_cast<std::size_t>(s - 1);
    if (s == c.shots) {
      c.shot_sources[i] = src;
      continue;
    }
    EpisodeConfig ep = src->episodes();
    ep.shots = s;
    try {
      c.shot_sources[i] = src->with_episodes(ep);
    } catch (const std::exception& e) {
      c.shot_errors[i] = e.what();
    }
  }
  c.shown.clear();
  c.shown_nn.clear();
  c.curve_version = -1;
  c.shown_iteration = -1;
}

void train_one(ClassificationLabState& c) {
  std::vector<Task> batch;
  for (int i = 0; i < c.model->config().meta_batch; ++i) batch.push_back(c.source->sample(Split::MetaTrain, c.train_rng));
  const StepStats s = c.model->meta_step(batch);
  c.loss_it.push_back(static_cast<float>(c.model->iteration()));
  c.loss.push_back(static_cast<float>(s.loss));
  c.acc.push_back(static_cast<float>(s.metric));
  ++c.version;
}

void tick(AppState& st, ClassificationLabState& c) {
  c.train_ms = 0;
  if (!c.playing || !c.model) return;
  const double t0 = now_ms();
  // What the other labs' training left of the budget, at most 4 ms (headroom for slow machines).
  const double budget = std::clamp(st.models.budget_ms - st.models.train_ms, 1.0, 4.0);
  int n = 0;
  try {
    do {
      const double a = now_ms();
      train_one(c);
      ++n;
      const double one = now_ms() - a;
      c.iter_ms = c.iter_ms == 0 ? one : 0.9 * c.iter_ms + 0.1 * one;
    } while (now_ms() - t0 + c.iter_ms < budget);
  } catch (const std::exception& e) {
    c.error = std::string("Training stopped: ") + e.what();
    c.playing = false;
  }
  c.train_ms = now_ms() - t0;
  st.models.train_ms += c.train_ms;  // the next frame's budget accounts for it
  c.rate_window_s += static_cast<double>(ImGui::GetIO().DeltaTime);
  c.rate_window_iters += n;
  if (c.rate_window_s > 0.5) {
    c.its_per_s = static_cast<double>(c.rate_window_iters) / c.rate_window_s;
    c.rate_window_s = 0;
    c.rate_window_iters = 0;
  }
}

Matrix embed_rows(const Learner& l, const Matrix& x) {
  if (const auto* m = dynamic_cast<const MetricLearner*>(&l)) return m->embed(x);
  ad::NoGradGuard no_grad;
  return l.model().embed(l.params(), Tensorf(x)).value();
}

// Predicted labels and their probabilities for a task's queries.
void classify(const Learner& l, const Task& t, std::vector<int>* pred, std::vector<float>* conf) {
  const auto path = l.adapt(t, l.iterative() ? kTestSteps : 0);
  const Matrix logits = path.back()(t.query_x);
  pred->assign(static_cast<std::size_t>(logits.rows()), 0);
  if (conf) conf->assign(static_cast<std::size_t>(logits.rows()), 0.0f);
  for (Eigen::Index i = 0; i < logits.rows(); ++i) {
    Eigen::Index best = 0;
    const float mx = logits.row(i).maxCoeff(&best);
    (*pred)[static_cast<std::size_t>(i)] = static_cast<int>(best);
    if (conf) {
      double z = 0;
      for (Eigen::Index k = 0; k < logits.cols(); ++k) z += std::exp(static_cast<double>(logits(i, k) - mx));
      (*conf)[static_cast<std::size_t>(i)] = static_cast<float>(1.0 / z);
    }
  }
}

double accuracy_of(const Learner& l, const Task& t) {
  std::vector<int> p;
  classify(l, t, &p, nullptr);
  int ok = 0;
  for (std::size_t i = 0; i < p.size(); ++i) ok += p[i] == static_cast<int>(t.query_y(static_cast<Eigen::Index>(i), 0));
  return p.empty() ? 0.0 : static_cast<double>(ok) / static_cast<double>(p.size());
}

void update_episode(ClassificationLabState& c) {
  if (!c.model) return;
  const bool new_episode = c.episode_for_index != c.episode_index;
  if (!new_episode && c.episode_for_version == c.version) return;
  if (!new_episode && c.playing && now_ms() - c.episode_at_ms < kRefreshWhileTrainingMs) return;
  try {
    if (new_episode) {
      Rng r(c.seed ^ kEpisodeStream ^ (static_cast<std::uint64_t>(c.episode_index) * 0x100000001B3ULL));
      c.episode = c.source->sample_episode(Split::MetaTest, r);
      c.episode_for_index = c.episode_index;
    }
    const Task& t = c.episode.task;
    classify(*c.model, t, &c.predicted, &c.confidence);
    int ok = 0;
    for (std::size_t i = 0; i < c.predicted.size(); ++i)
      ok += c.predicted[i] == static_cast<int>(t.query_y(static_cast<Eigen::Index>(i), 0));
    c.episode_accuracy = c.predicted.empty() ? 0 : static_cast<double>(ok) / static_cast<double>(c.predicted.size());
    // PCA of support + query embeddings: the two leading eigenvectors of the covariance.
    Matrix x(t.support_x.rows() + t.query_x.rows(), t.support_x.cols());
    x << t.support_x, t.query_x;
    Matrix e = embed_rows(*c.model, x);
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
    c.px.resize(n);
    c.py.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      c.px[i] = static_cast<float>(p(static_cast<Eigen::Index>(i), 0));
      c.py[i] = static_cast<float>(p(static_cast<Eigen::Index>(i), 1));
    }
    const int ways = t.num_classes;
    c.proto_x.assign(static_cast<std::size_t>(ways), 0.0f);
    c.proto_y.assign(static_cast<std::size_t>(ways), 0.0f);
    std::vector<int> cnt(static_cast<std::size_t>(ways), 0);
    for (Eigen::Index i = 0; i < t.support_x.rows(); ++i) {
      const int k = static_cast<int>(t.support_y(i, 0));
      if (k < 0 || k >= ways) continue;
      c.proto_x[static_cast<std::size_t>(k)] += c.px[static_cast<std::size_t>(i)];
      c.proto_y[static_cast<std::size_t>(k)] += c.py[static_cast<std::size_t>(i)];
      ++cnt[static_cast<std::size_t>(k)];
    }
    for (int k = 0; k < ways; ++k)
      if (cnt[static_cast<std::size_t>(k)] > 0) {
        c.proto_x[static_cast<std::size_t>(k)] /= static_cast<float>(cnt[static_cast<std::size_t>(k)]);
        c.proto_y[static_cast<std::size_t>(k)] /= static_cast<float>(cnt[static_cast<std::size_t>(k)]);
      }
    // Checksum: predictions, confidences and projections.
    double h = 0;
    for (std::size_t i = 0; i < c.predicted.size(); ++i) h += (i + 1) * (c.predicted[i] + 0.5 * c.confidence[i]);
    for (std::size_t i = 0; i < n; ++i) h += 0.001 * (i + 1) * (c.px[i] - 0.5 * c.py[i]);
    char b[48];
    std::snprintf(b, sizeof b, "%.6g", h);
    c.checksum = b;
  } catch (const std::exception& ex) {
    c.error = ex.what();
  }
  c.episode_for_version = c.version;
  c.episode_at_ms = now_ms();
}

// A few meta-test episodes per frame for the accuracy-vs-shots curve.
void tick_curve(ClassificationLabState& c) {
  if (!c.model) return;
  constexpr int K = ClassificationLabState::kMaxShots;
  if (c.curve_version == -1 || (c.curve_next >= K * ClassificationLabState::kCurveEpisodes && c.curve_version != c.version)) {
    c.curve_version = c.version;
    c.curve_next = 0;
    c.cur_sum.assign(K, 0.0);
    c.cur_nn_sum.assign(K, 0.0);
    c.cur_n.assign(K, 0);
  }
  if (c.curve_next >= K * ClassificationLabState::kCurveEpisodes) return;
  const double t0 = now_ms();
  try {
    while (c.curve_next < K * ClassificationLabState::kCurveEpisodes && now_ms() - t0 < 1.5) {
      const int s = c.curve_next % K;
      ++c.curve_next;
      const auto& src = c.shot_sources[static_cast<std::size_t>(s)];
      if (!src) continue;
      const Task t = src->sample(Split::MetaTest, c.curve_rng);
      c.cur_sum[static_cast<std::size_t>(s)] += accuracy_of(*c.model, t);
      c.cur_nn_sum[static_cast<std::size_t>(s)] += accuracy_of(*c.nearest, t);
      ++c.cur_n[static_cast<std::size_t>(s)];
    }
  } catch (const std::exception& e) {
    c.error = e.what();
    c.curve_next = K * ClassificationLabState::kCurveEpisodes;
  }
  if (c.curve_next >= K * ClassificationLabState::kCurveEpisodes) {
    c.shown.assign(K, std::numeric_limits<double>::quiet_NaN());
    c.shown_nn = c.shown;
    for (int s = 0; s < K; ++s)
      if (c.cur_n[static_cast<std::size_t>(s)] > 0) {
        c.shown[static_cast<std::size_t>(s)] = c.cur_sum[static_cast<std::size_t>(s)] / c.cur_n[static_cast<std::size_t>(s)];
        c.shown_nn[static_cast<std::size_t>(s)] =
            c.cur_nn_sum[static_cast<std::size_t>(s)] / c.cur_n[static_cast<std::size_t>(s)];
      }
    c.shown_iteration = c.model->iteration();
  }
}

// --- drawing -----------------------------------------------------------------

void draw_gray_image(ImDrawList* dl, ImVec2 p, float size, const float* px, int h, int w) {
  const float cw = size / static_cast<float>(w), ch = size / static_cast<float>(h);
  dl->AddRectFilled(p, ImVec2(p.x + size, p.y + size), IM_COL32(0, 0, 0, 255));
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const float v = std::clamp(px[y * w + x], 0.0f, 1.0f);
      if (v < 0.03f) continue;
      const int g = static_cast<int>(v * 255.0f);
      dl->AddRectFilled(ImVec2(p.x + x * cw, p.y + y * ch), ImVec2(p.x + (x + 1) * cw, p.y + (y + 1) * ch),
                        IM_COL32(g, g, g, 255));
    }
}

// A row of features as a compact heat strip (z-scores, blue - white - red), averaged into bins.
void draw_heat_strip(ImDrawList* dl, ImVec2 p, float w, float h, const float* v, int n) {
  const int bins = std::max(1, std::min(n, static_cast<int>(w / 2.0f)));
  const float bw = w / static_cast<float>(bins);
  for (int b = 0; b < bins; ++b) {
    const int lo = b * n / bins, hi = std::max(lo + 1, (b + 1) * n / bins);
    float m = 0;
    for (int i = lo; i < hi; ++i) m += v[i];
    m = std::clamp(m / static_cast<float>(hi - lo) / 2.0f, -1.0f, 1.0f);
    const int a = static_cast<int>(255 * (1 - std::fabs(m)));
    const ImU32 col = m > 0 ? IM_COL32(255, a, a, 255) : IM_COL32(a, a, 255, 255);
    dl->AddRectFilled(ImVec2(p.x + b * bw, p.y), ImVec2(p.x + (b + 1) * bw, p.y + h), col);
  }
}

void draw_sample(ImDrawList* dl, const ClassificationSource& src, ImVec2 p, float size, float strip_w, const Matrix& x,
                 Eigen::Index row) {
  const Eigen::RowVectorXf r = x.row(row);
  if (src.images() && src.image_channels() == 1)
    draw_gray_image(dl, p, size, r.data(), src.image_height(), src.image_width());
  else if (src.images()) {  // colour images: draw the mean over channels
    const int ch = src.image_channels(), n = src.image_height() * src.image_width();
    std::vector<float> g(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      float s = 0;
      for (int k = 0; k < ch; ++k) s += r(i * ch + k);
      g[static_cast<std::size_t>(i)] = s / static_cast<float>(ch);
    }
    draw_gray_image(dl, p, size, g.data(), src.image_height(), src.image_width());
  } else {
    draw_heat_strip(dl, p, strip_w, size, r.data(), static_cast<int>(r.size()));
  }
}

void draw_episode(AppState& st, ClassificationLabState& c, float width) {
  const float fs = ImGui::GetFontSize();
  const Task& t = c.episode.task;
  const ClassificationSource& src = *c.source;
  const bool img = src.images();
  const int ways = t.num_classes;
  const int shots = static_cast<int>(t.support_x.rows()) / std::max(1, ways);
  const int queries = static_cast<int>(t.query_x.rows()) / std::max(1, ways);
  const int shown_shots = std::min(shots, 5);
  const float label_w = fs * 6.5f;
  // Support and query images share the row: label, shots, a gap, queries with their prediction text.
  // In a narrow panel, show only the queries that fit at the smallest cell size (the rest are
  // still classified and counted; a "+N" says how many are hidden).
  const float min_cell = fs * 1.2f;
  const float room = width - label_w - fs * 1.5f - (min_cell + 4.0f) * static_cast<float>(shown_shots) - fs * 1.5f;
  const int shown_queries =
      img ? std::clamp(static_cast<int>(room / (min_cell + fs * 2.6f + 4.0f)), 1, std::max(1, queries)) : queries;
  const float cell = img ? std::clamp((width - label_w - fs * 1.5f - 4.0f * static_cast<float>(shown_shots) -
                                       (fs * 2.6f + 4.0f) * static_cast<float>(shown_queries) -
                                       (shown_queries < queries ? fs * 1.5f : 0.0f)) /
                                          static_cast<float>(shown_shots + shown_queries),
                                      min_cell, fs * 3.2f)
                         : fs * 0.9f;
  const float strip_w = img ? cell : std::max(fs * 4.0f, (width * 0.45f - label_w) / static_cast<float>(shown_shots) - 4.0f);
  const float item_w = img ? cell : strip_w;
  const float q_item_w = img ? cell : strip_w;
  const float row_h = img ? cell + fs * 0.4f : std::max(cell * 1.0f, fs * 1.0f) * static_cast<float>(std::max(1, queries)) * 0.0f + fs * 1.3f;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 o = ImGui::GetCursorScreenPos();
  const float qx = o.x + label_w + (item_w + 4.0f) * static_cast<float>(shown_shots) + fs * 1.5f;
  dl->AddText(ImVec2(o.x, o.y), ImGui::GetColorU32(ImGuiCol_Text), "Support (by class)");
  dl->AddText(ImVec2(qx, o.y), ImGui::GetColorU32(ImGuiCol_Text), "Queries: prediction, confidence");
  const float top = o.y + fs * 1.4f;
  float y = top;
  const ImU32 good = IM_COL32(40, 170, 60, 255), bad = IM_COL32(220, 40, 40, 255);
  for (int k = 0; k < ways; ++k) {
    const float rh = img ? row_h : fs * 1.25f * static_cast<float>(std::max(1, std::max(shots > 5 ? 1 : 1, queries)));
    char name[64];
    const int cls = k < static_cast<int>(c.episode.classes.size()) ? c.episode.classes[static_cast<std::size_t>(k)] : k;
    std::string cname = src.bank().class_name(cls);
    if (cname.size() > 9) cname = cname.substr(0, 9);
    std::snprintf(name, sizeof name, "%d: %s", k, cname.c_str());
    dl->AddRectFilled(ImVec2(o.x, y + 2), ImVec2(o.x + fs * 0.5f, y + fs * 0.9f), class_color(k));
    dl->AddText(ImVec2(o.x + fs * 0.7f, y), ImGui::GetColorU32(ImGuiCol_Text), name);
    for (int s = 0; s < shown_shots; ++s) {
      const ImVec2 p(o.x + label_w + (item_w + 4.0f) * static_cast<float>(s), img ? y : y + fs * 1.2f * 0);
      if (img) {
        draw_sample(dl, src, p, cell, strip_w, t.support_x, k * shots + s);
        dl->AddRect(ImVec2(p.x - 1, p.y - 1), ImVec2(p.x + cell + 1, p.y + cell + 1), class_color(k), 0, 0, 2.0f);
      } else {
        draw_sample(dl, src, ImVec2(p.x, y + fs * 0.1f), fs * 0.8f, strip_w, t.support_x, k * shots + s);
      }
    }
    if (shots > shown_shots)
      dl->AddText(ImVec2(o.x + label_w + (item_w + 4.0f) * static_cast<float>(shown_shots), y),
                  ImGui::GetColorU32(ImGuiCol_TextDisabled), ("+" + std::to_string(shots - shown_shots)).c_str());
    // Queries of this class (true class k), each with its prediction.
    if (shown_queries < queries)
      dl->AddText(ImVec2(qx + (cell + fs * 2.6f + 4.0f) * static_cast<float>(shown_queries), y),
                  ImGui::GetColorU32(ImGuiCol_TextDisabled), ("+" + std::to_string(queries - shown_queries)).c_str());
    for (int q = 0; q < shown_queries; ++q) {
      const int row = k * queries + q;
      if (row >= static_cast<int>(c.predicted.size())) break;
      const int pred = c.predicted[static_cast<std::size_t>(row)];
      const bool ok = pred == k;
      const float qw = img ? cell + fs * 2.6f : q_item_w + fs * 4.0f;
      ImVec2 p = img ? ImVec2(qx + (qw + 4.0f) * static_cast<float>(q), y)
                     : ImVec2(qx, y + fs * 1.25f * static_cast<float>(q));
      if (!img && q > 0 && false) p.y += 0;
      if (img) {
        draw_sample(dl, src, p, cell, strip_w, t.query_x, row);
        dl->AddRect(ImVec2(p.x - 2, p.y - 2), ImVec2(p.x + cell + 2, p.y + cell + 2), ok ? good : bad, 0, 0, 3.0f);
      } else {
        draw_sample(dl, src, ImVec2(p.x, p.y + fs * 0.1f), fs * 0.8f, strip_w, t.query_x, row);
        dl->AddRect(ImVec2(p.x - 2, p.y - 1), ImVec2(p.x + strip_w + 2, p.y + fs * 1.0f), ok ? good : bad, 0, 0, 2.5f);
      }
      char lab[32];
      std::snprintf(lab, sizeof lab, "%d", pred);
      const float tx = img ? p.x + cell + 4.0f : p.x + strip_w + 6.0f;
      dl->AddRectFilled(ImVec2(tx, p.y + 2), ImVec2(tx + fs * 0.45f, p.y + fs * 0.9f), class_color(pred));
      dl->AddText(ImVec2(tx + fs * 0.55f, p.y), ok ? good : bad, lab);
      std::snprintf(lab, sizeof lab, "%.0f%%", 100.0f * c.confidence[static_cast<std::size_t>(row)]);
      dl->AddText(ImGui::GetFont(), fs * 0.8f, ImVec2(tx, p.y + fs * 0.95f), ImGui::GetColorU32(ImGuiCol_TextDisabled), lab);
    }
    y += img ? rh + fs * 1.0f : rh + fs * 0.3f;
  }
  const float h = y - o.y;
  ImGui::InvisibleButton("episode_view", ImVec2(width, std::max(h, fs * 4.0f)));
  c.rects.episode = last_item_rect();
  (void)st;
}

void draw_embedding(AppState& st, ClassificationLabState& c, ImVec2 size) {
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton("embedding_plot", size);
  c.rects.embedding = last_item_rect();
  if (c.px.empty()) return;
  float xmin = 1e30f, xmax = -1e30f, ymin = 1e30f, ymax = -1e30f;
  for (std::size_t i = 0; i < c.px.size(); ++i) {
    xmin = std::min(xmin, c.px[i]), xmax = std::max(xmax, c.px[i]);
    ymin = std::min(ymin, c.py[i]), ymax = std::max(ymax, c.py[i]);
  }
  const float padx = std::max(1e-3f, (xmax - xmin) * 0.08f), pady = std::max(1e-3f, (ymax - ymin) * 0.08f);
  PlotRange r{xmin - padx, xmax + padx, ymin - pady, ymax + pady};
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const LegendItem legend[] = {{"support", LegendItem::Kind::Dot, IM_COL32(120, 120, 120, 255), 4.0f},
                               {"query (ring: wrong)", LegendItem::Kind::Dot, IM_COL32(120, 120, 120, 120), 4.0f,
                                IM_COL32(0, 0, 0, 255)},
                               {"class mean (prototype)", LegendItem::Kind::Dot, IM_COL32(20, 20, 20, 255), 6.0f}};
  Plot plot(dl, p0, ImVec2(p0.x + size.x, p0.y + size.y), r, PlotColors::from_style(st.ui.dark_theme), "PC 1",
            "PC 2", legend, 3);
  // Decision regions: nearest projected prototype on a grid.
  const int G = 36;
  const ImVec2 a = plot.inner_min(), b = plot.inner_max();
  const float gw = (b.x - a.x) / G, gh = (b.y - a.y) / G;
  const int ways = static_cast<int>(c.proto_x.size());
  for (int gy = 0; gy < G; ++gy)
    for (int gx = 0; gx < G; ++gx) {
      const double x = r.x_min + (gx + 0.5) / G * (r.x_max - r.x_min);
      const double y = r.y_max - (gy + 0.5) / G * (r.y_max - r.y_min);
      int best = 0;
      double bd = 1e300;
      for (int k = 0; k < ways; ++k) {
        const double dx = x - c.proto_x[static_cast<std::size_t>(k)], dy = y - c.proto_y[static_cast<std::size_t>(k)];
        if (dx * dx + dy * dy < bd) bd = dx * dx + dy * dy, best = k;
      }
      dl->AddRectFilled(ImVec2(a.x + gx * gw, a.y + gy * gh), ImVec2(a.x + (gx + 1) * gw, a.y + (gy + 1) * gh),
                        class_color(best, 40));
    }
  const Task& t = c.episode.task;
  const auto ns = static_cast<std::size_t>(t.support_x.rows());
  const float rad = ImGui::GetFontSize() * 0.28f;
  for (std::size_t i = 0; i < c.px.size(); ++i) {
    const ImVec2 q = plot.to_screen(c.px[i], c.py[i]);
    if (i < ns) {
      dl->AddCircleFilled(q, rad, class_color(static_cast<int>(t.support_y(static_cast<Eigen::Index>(i), 0))));
    } else {
      const std::size_t j = i - ns;
      const int truth = static_cast<int>(t.query_y(static_cast<Eigen::Index>(j), 0));
      const bool ok = j < c.predicted.size() && c.predicted[j] == truth;
      const ImVec2 d(rad * 1.1f, rad * 1.1f);
      dl->AddRectFilled(ImVec2(q.x - d.x, q.y - d.y), ImVec2(q.x + d.x, q.y + d.y), class_color(truth, 150));
      if (!ok) dl->AddCircle(q, rad * 2.2f, IM_COL32(220, 40, 40, 255), 0, 2.0f);
    }
  }
  for (int k = 0; k < ways; ++k) {
    const ImVec2 q = plot.to_screen(c.proto_x[static_cast<std::size_t>(k)], c.proto_y[static_cast<std::size_t>(k)]);
    const float s = rad * 2.2f;
    dl->AddTriangleFilled(ImVec2(q.x, q.y - s), ImVec2(q.x - s, q.y + s * 0.8f), ImVec2(q.x + s, q.y + s * 0.8f),
                          class_color(k));
    dl->AddTriangle(ImVec2(q.x, q.y - s), ImVec2(q.x - s, q.y + s * 0.8f), ImVec2(q.x + s, q.y + s * 0.8f),
                    IM_COL32(0, 0, 0, 255), 2.0f);
  }
}

void draw_curve(AppState& st, ClassificationLabState& c, ImVec2 size) {
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton("shots_plot", size);
  c.rects.curve = last_item_rect();
  const LabColors col = LabColors::get(st.ui.dark_theme);
  const LegendItem legend[] = {{c.learner == "protonet" ? "ProtoNet" : c.learner == "matchingnet" ? "Matching net" : "MAML (first order)",
                                LegendItem::Kind::Line, col.meta, 2.5f},
                               {"1-nearest neighbour (raw features)", LegendItem::Kind::Line, col.faint, 2.0f}};
  Plot plot(ImGui::GetWindowDrawList(), p0, ImVec2(p0.x + size.x, p0.y + size.y),
            PlotRange{0.5, ClassificationLabState::kMaxShots + 0.5, 0, 1}, PlotColors::from_style(st.ui.dark_theme),
            "shots per class (K)", "test accuracy", legend, 2);
  if (c.ways > 0) {
    const ImVec2 a = plot.to_screen(0.5, 1.0 / c.ways), b = plot.to_screen(ClassificationLabState::kMaxShots + 0.5, 1.0 / c.ways);
    ImGui::GetWindowDrawList()->AddLine(a, b, col.diagonal, 1.0f);
  }
  const auto line = [&](const std::vector<double>& v, ImU32 color) {
    std::vector<float> xs, ys;
    for (std::size_t s = 0; s < v.size(); ++s) {
      xs.push_back(static_cast<float>(s + 1));
      ys.push_back(static_cast<float>(v[s]));
    }
    plot_polyline(plot, xs.data(), ys.data(), static_cast<int>(xs.size()), color, 2.5f);
    for (std::size_t s = 0; s < v.size(); ++s)
      if (std::isfinite(ys[s])) ImGui::GetWindowDrawList()->AddCircleFilled(plot.to_screen(xs[s], ys[s]), 3.5f, color);
  };
  line(c.shown_nn, col.faint);
  line(c.shown, col.meta);
}

void draw_help(const ClassificationLabState& c) {
  ImGui::PushTextWrapPos(0);
  ImGui::TextUnformatted(
      "Each episode is a tiny classification problem about classes the model never saw in training: a few labelled "
      "examples per class (the support set, left) and new examples to label (the queries, right; green border = "
      "right, red = wrong, with the model's confidence).");
  if (c.learner == "protonet")
    ImGui::TextUnformatted(
        "Prototypical network: a network maps every example to a point (its embedding). The prototype of a class is "
        "the mean embedding of its support examples; a query gets the class of the nearest prototype.");
  else if (c.learner == "matchingnet")
    ImGui::TextUnformatted(
        "Matching network: a query is compared with every support example (cosine similarity of embeddings, times "
        "10 so that the softmax attention can focus on the closest ones); the prediction is an attention-weighted "
        "vote of their labels.");
  else
    ImGui::TextUnformatted(
        "First-order MAML: a classifier whose starting weights are meta-learned so that 5 gradient steps on the "
        "support set are enough. The embedding shown is its last hidden layer before adaptation.");
  ImGui::TextUnformatted(
      "Embedding: the support (dots) and query (squares) embeddings projected to 2-D with PCA; triangles are the class "
      "means, the shading shows which class mean is nearest in this projection. Training pulls each class together "
      "and the classes apart.");
  ImGui::TextUnformatted(
      "In the page, glyphs are 14 x 14 and the embedding is a small MLP (64-32), so that training fits in a frame; "
      "the native CLI trains Conv4 on 28 x 28. Fashion-MNIST: 100 photos of each of 10 clothing classes; 5 classes "
      "meta-train, the other 5 are the test episodes' classes.");
  ImGui::PopTextWrapPos();
}

}  // namespace

const std::vector<std::string>& classification_learners() {
  static const std::vector<std::string> v{"protonet", "matchingnet", "fomaml"};
  return v;
}
const std::vector<std::string>& classification_datasets() {
  static const std::vector<std::string> v{"glyphs", "fashion", "tissue", "custom"};
  return v;
}

std::string classification_checkpoint_bytes(const ClassificationLabState& c, std::string* file_name) {
  if (!c.model) throw std::logic_error("no model to save yet");
  Checkpoint ckpt = c.model->save();
  // The episodes it was trained on, as `metalab train --task glyphs` records them.
  if (c.dataset == "glyphs")
    for (const auto& [k, v] : glyph_task_options(c)) ckpt.metadata["task." + k] = v;
  else
    ckpt.metadata["task.name"] = c.dataset;
  if (file_name)
    *file_name = "metalab-" + c.learner + "-" + c.dataset + "-it" + std::to_string(c.model->iteration()) + ".safetensors";
  return save_safetensors(ckpt);
}

std::string classification_receive_checkpoint(AppState& st, const std::string& name, const std::string& bytes,
                                              const Checkpoint& ckpt) {
  const std::string learner = get_metadata_or(ckpt, "learner", "?");
  const auto& learners = classification_learners();
  if (std::find(learners.begin(), learners.end(), learner) == learners.end())
    return name + " holds a '" + learner + "' model; the classification lab takes protonet, matchingnet and fomaml";
  const TaskOptions task = task_options_from_metadata(ckpt.metadata);
  const auto setting = [&](const char* key) -> std::string {
    const auto it = task.find(key);
    return it == task.end() ? "" : it->second;
  };
  if (setting("name") != "glyphs")
    return name + " was trained on '" + setting("name") + "' episodes; the page takes checkpoints of its own glyph "
           "setups (14 x 14, 300 classes; see scripts/make-web-checkpoints.sh)";
  // The setup the checkpoint was trained on; the other settings must be the page's.
  ClassificationLabState probe;
  probe.learner = learner;
  probe.dataset = "glyphs";
  try {
    probe.ways = std::stoi(setting("ways"));
    probe.shots = std::stoi(setting("shots"));
    probe.seed = std::stoull(setting("glyph_seed"));
  } catch (const std::exception&) {
    return name + ": its task settings (ways, shots, glyph_seed) are missing or not numbers";
  }
  if (probe.ways < 2 || probe.ways > 10 || probe.shots < 1 || probe.shots > ClassificationLabState::kMaxShots)
    return name + ": " + std::to_string(probe.ways) + "-way " + std::to_string(probe.shots) +
           "-shot is outside the lab's range (2-10 ways, 1-10 shots)";
  std::string why;
  const auto src = make_source(st, probe, &why);
  if (!src) return name + ": " + why;
  if (!fitting_model(ckpt, name, probe, *src, &why)) return why;
  // Kept with the assets: the lab rebuilds its model from there (rebuild()).
  const std::string key = "uploads/" + name;
  st.models.assets.files[key] = bytes;
  ClassificationLabState& c = st.classification;
  c.learner = probe.learner;
  c.dataset = "glyphs";
  c.ways = probe.ways;
  c.shots = probe.shots;
  c.seed = probe.seed;
  c.upload_file = key;
  c.upload_setup = setup_string(c);
  c.want_shipped = true;
  c.playing = false;
  return "";
}

void draw_classification_lab(AppState& st) {
  ClassificationLabState& c = st.classification;
  const float fs = ImGui::GetFontSize();
  // Half the classes go to meta-test: at most that many ways (tissue: 3 of 7).
  if (c.dataset == "tissue") c.ways = std::min(c.ways, 3);
  if (c.dataset == "fashion") c.ways = std::min(c.ways, 5);
  if (c.dataset == "custom" && c.byo.dataset) c.ways = std::clamp(c.ways, 2, std::max(2, c.byo.dataset->num_classes() / 2));
  rebuild(st, c);
  tick(st, c);

  draw_heading(st, "Classification lab");
  // Controls.
  const char* learner_titles[] = {"ProtoNet", "Matching net", "MAML (first order)"};
  const char* dataset_titles[] = {"Glyphs (14x14)", "Fashion-MNIST", "Tissue expression", "Your data"};
  const auto& learners = classification_learners();
  const auto& datasets = classification_datasets();
  int li = static_cast<int>(std::find(learners.begin(), learners.end(), c.learner) - learners.begin());
  int di = static_cast<int>(std::find(datasets.begin(), datasets.end(), c.dataset) - datasets.begin());
  ImGui::SetNextItemWidth(fs * 9);
  if (ImGui::Combo("Learner", &li, learner_titles, 3)) c.learner = learners[static_cast<std::size_t>(li)];
  ImGui::SameLine();
  ImGui::SetNextItemWidth(fs * 13);
  if (ImGui::Combo("Data", &di, dataset_titles, IM_ARRAYSIZE(dataset_titles))) c.dataset = datasets[static_cast<std::size_t>(di)];
  ImGui::SameLine();
  ImGui::SetNextItemWidth(fs * 5);
  int max_ways = c.dataset == "tissue" ? 3 : c.dataset == "fashion" ? 5 : c.dataset == "custom" && c.byo.dataset ? std::max(2, std::min(10, c.byo.dataset->num_classes() / 2)) : 10;
  ImGui::SliderInt("ways", &c.ways, 2, max_ways, "%d", ImGuiSliderFlags_AlwaysClamp);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(fs * 5);
  ImGui::SliderInt("shots", &c.shots, 1, 10, "%d", ImGuiSliderFlags_AlwaysClamp);
  // On the same row only if it fits (narrow windows, large text).
  const char* new_episode = "New episode (E)";
  const float right_edge = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
  if (ImGui::GetItemRectMax().x + ImGui::GetStyle().ItemSpacing.x + ImGui::CalcTextSize(new_episode).x +
          ImGui::GetStyle().FramePadding.x * 2 <= right_edge)
    ImGui::SameLine();
  if (ImGui::Button(new_episode)) ++c.episode_index;
  c.rects.new_episode = last_item_rect();

  if (ImGui::Button(c.playing ? "Pause (Space)" : "Train (Space)") && c.model) c.playing = !c.playing;
  c.rects.play = last_item_rect();
  ImGui::SameLine();
  if (ImGui::Button("Step (S)") && c.model) {
    try { train_one(c); } catch (const std::exception& e) { c.error = e.what(); }
  }
  c.rects.step = last_item_rect();
  ImGui::SameLine();
  const std::string shipped = shipped_name(c);
  const bool shipped_there = !shipped.empty() && st.models.assets.has(shipped);
  // Reset: random weights, trained here (the shipped ones are a button away;
  // an uploaded checkpoint is forgotten).
  if (ImGui::Button("Reset (R)") || st.shortcuts.reset) {
    c.want_shipped = false;
    c.upload_file.clear();
    c.built_for = {};
  }
  c.rects.reset = last_item_rect();
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Start again from random weights and train here.");
  if (shipped_there && c.shipped_file.empty() && !c.want_shipped) {  // after Reset
    ImGui::SameLine();
    if (ImGui::Button("Use shipped weights")) c.want_shipped = true;
    c.rects.use_shipped = last_item_rect();
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s, trained natively (scripts/make-web-checkpoints.sh)", shipped.c_str());
  } else {
    c.rects.use_shipped = {};
  }
  if (st.shortcuts.play_pause && c.model) c.playing = !c.playing;
  if (st.shortcuts.step && c.model) {
    try { train_one(c); } catch (const std::exception& e) { c.error = e.what(); }
  }
  if (st.shortcuts.new_sample) ++c.episode_index;
  ImGui::SameLine();
  if (ImGui::Button("Upload data...")) st.page.open_file_dialog = true;
  c.rects.upload = last_item_rect();
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("A CSV (a label column + numeric features) or images named <class>_<anything>.png\n"
                      "(several at once; 14 x 14 gray in the page). Or drop the files on the page.");
  if (!c.byo.images.empty()) {
    ImGui::SameLine();
    if (ImGui::Button("Clear images")) byo_clear(c.byo);
  }
  ImGui::SameLine();
  ImGui::BeginDisabled(!c.model);
  if (ImGui::Button("Download model")) {
    offer_download(st, [&c](std::string* name) { return classification_checkpoint_bytes(c, name); });
  }
  ImGui::EndDisabled();
  c.rects.download = last_item_rect();
  ImGui::SameLine();
  if (c.model) {
    double recent = 0;
    const std::size_t n = std::min<std::size_t>(50, c.acc.size());
    for (std::size_t i = c.acc.size() - n; i < c.acc.size(); ++i) recent += c.acc[i];
    if (n)  // no training curve yet (e.g. shipped weights): no train accuracy to show
      ImGui::Text("iteration %ld   train acc %.0f%%   %.0f it/s", c.model->iteration(),
                  100.0 * recent / static_cast<double>(n), c.playing ? c.its_per_s : 0.0);
    else
      ImGui::Text("iteration %ld", c.model->iteration());
  }
  if (c.model) {
    if (!c.shipped_file.empty()) {
      const long more = c.model->iteration() - c.shipped_iteration;
      const bool uploaded = is_upload(c.shipped_file);
      ImGui::Text("Weights: %s checkpoint (%s), trained %sfor %ld iterations%s", uploaded ? "uploaded" : "shipped",
                  uploaded ? c.shipped_file.substr(8).c_str() : c.shipped_file.c_str(), uploaded ? "" : "natively ",
                  c.shipped_iteration, more > 0 ? (", then " + std::to_string(more) + " here.").c_str() : ".");
    } else {
      ImGui::Text("Weights: trained here from scratch, iteration %ld.", c.model->iteration());
      if (!c.shipped_mismatch.empty()) {
        ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
        ImGui::TextWrapped("Shipped checkpoint not used: %s.", c.shipped_mismatch.c_str());
        ImGui::PopStyleColor();
      }
    }
  }
  if (!c.byo.error.empty() && draw_banner(st, BannerKind::Error, c.byo.error, "byo_error", true)) c.byo.error.clear();
  if (!c.byo.message.empty() && draw_banner(st, BannerKind::Info, c.byo.message, "byo_msg", true)) c.byo.message.clear();
  if (!c.error.empty()) {
    draw_banner(st, BannerKind::Warning, c.error, "cl_error", false);
    if (!c.model) return;
  }
  if (!c.model) return;
  double t = now_ms();
  update_episode(c);
  c.ms_episode = 0.9 * c.ms_episode + 0.1 * (now_ms() - t);
  t = now_ms();
  tick_curve(c);
  c.ms_curve = 0.9 * c.ms_curve + 0.1 * (now_ms() - t);
  t = now_ms();

  const float avail = ImGui::GetContentRegionAvail().x;
  const float left_w = std::max(fs * 20.0f, avail * 0.56f);
  ImGui::BeginChild("cl_left", ImVec2(left_w, 0), false);
  ImGui::Text("Meta-test episode %d: %d-way %d-shot, %s classes never trained on.  Accuracy %.0f%%", c.episode_index,
              c.episode.task.num_classes, c.shots, c.dataset.c_str(), 100.0 * c.episode_accuracy);
  draw_episode(st, c, left_w - fs);
  c.ms_draw_episode = 0.9 * c.ms_draw_episode + 0.1 * (now_ms() - t);
  if (ImGui::CollapsingHeader("What am I looking at?", c.show_help ? ImGuiTreeNodeFlags_DefaultOpen : 0))
    draw_help(c);
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("cl_right", ImVec2(0, 0), false);
  const float rw = ImGui::GetContentRegionAvail().x;
  const float ph = std::max(fs * 10.0f, (ImGui::GetContentRegionAvail().y - fs * 3.0f) * 0.55f);
  ImGui::TextUnformatted("Embedding (PCA of support + query embeddings)");
  t = now_ms();
  draw_embedding(st, c, ImVec2(rw, ph));
  c.ms_draw_embedding = 0.9 * c.ms_draw_embedding + 0.1 * (now_ms() - t);
  ImGui::Text("Accuracy vs shots (%d test episodes each, iteration %ld)", ClassificationLabState::kCurveEpisodes,
              c.shown_iteration);
  draw_curve(st, c, ImVec2(rw, std::max(fs * 8.0f, ImGui::GetContentRegionAvail().y - fs * 0.5f)));
  ImGui::EndChild();
}

std::string classification_status_json(const AppState& st) {
  const ClassificationLabState& c = st.classification;
  // Accuracy vs shots, -1 where not possible.
  const auto curve_json = [](const std::vector<double>& v) {
    std::string out = "[";
    for (std::size_t i = 0; i < v.size(); ++i) {
      char b[32];
      std::snprintf(b, sizeof b, "%s%.4f", i ? "," : "", std::isfinite(v[i]) ? v[i] : -1.0);
      out += b;
    }
    return out + "]";
  };
  char b[512];
  std::snprintf(b, sizeof b,
                ",\"classification\":{\"learner\":\"%s\",\"dataset\":\"%s\",\"ways\":%d,\"shots\":%d,\"seed\":%llu,"
                "\"episode_index\":%d,\"iteration\":%ld,\"playing\":%s,\"episode_accuracy\":%.4f,\"train_ms\":%.3f,"
                "\"its_per_s\":%.1f,\"ready\":%s,\"ms\":{\"episode\":%.2f,\"curve\":%.2f,\"draw_episode\":%.2f,"
                "\"draw_embedding\":%.2f,\"iteration\":%.2f},",
                c.learner.c_str(), c.dataset.c_str(), c.ways, c.shots, static_cast<unsigned long long>(c.seed),
                c.episode_index, c.model ? c.model->iteration() : 0L, c.playing ? "true" : "false", c.episode_accuracy,
                c.train_ms, c.its_per_s, c.model && !c.px.empty() ? "true" : "false", c.ms_episode, c.ms_curve,
                c.ms_draw_episode, c.ms_draw_embedding, c.iter_ms);
  return std::string(b) + "\"checksum\":\"" + c.checksum + "\",\"curve\":" + curve_json(c.shown) +
         ",\"curve_nn\":" + curve_json(c.shown_nn) + ",\"curve_iteration\":" + std::to_string(c.shown_iteration) +
         ",\"weights\":\"" + (c.shipped_file.empty() ? "live" : is_upload(c.shipped_file) ? "uploaded" : "shipped") + "\",\"shipped_file\":\"" +
         json_escape(c.shipped_file) + "\",\"shipped_iteration\":" + std::to_string(c.shipped_iteration) +
         ",\"shipped_mismatch\":\"" + json_escape(c.shipped_mismatch) + "\",\"error\":\"" +
         json_escape(c.error) + "\",\"byo\":{\"name\":\"" + json_escape(c.byo.name) + "\",\"error\":\"" +
         json_escape(c.byo.error) + "\",\"message\":\"" + json_escape(c.byo.message) +
         "\",\"uploads\":" + std::to_string(c.byo.uploads) + ",\"version\":" + std::to_string(c.byo.version) +
         "},\"rects\":{\"episode\":" + json_rect(c.rects.episode) + ",\"embedding\":" + json_rect(c.rects.embedding) +
         ",\"curve\":" + json_rect(c.rects.curve) + ",\"new_episode\":" + json_rect(c.rects.new_episode) +
         ",\"play\":" + json_rect(c.rects.play) + ",\"reset\":" + json_rect(c.rects.reset) +
         ",\"use_shipped\":" + json_rect(c.rects.use_shipped) +
         ",\"download\":" + json_rect(c.rects.download) + "}}";
}

}  // namespace metalab::web
