#include "web/app/memory_lab.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <iterator>

#include <imgui.h>

#include "core/io/safetensors.h"
#include "core/tasks/regression_sources.h"  // task_options_from_metadata
#include "web/app/app.h"
#include "web/app/app_state.h"
#include "web/app/checkpoint_io.h"
#include "web/app/lab_widgets.h"
#include "web/app/plot.h"

namespace metalab::web {

namespace {

// The tiny live models (Reset): their episodes and sizes.
constexpr int kLiveSize = 14, kLiveWays = 3, kLiveInstances = 6;
constexpr int kEvalEpisodes = 32;
constexpr double kEvalBudgetMs = 3.0;  // evaluation time per frame (at least one episode)
const char* const kArch[3] = {"mann", "lstm", "feedforward"};
const char* const kArchTitle[3] = {"MANN (LSTM + memory)", "LSTM", "Feed-forward"};
// Written by scripts/make-web-checkpoints.sh; all three were trained on the same episodes.
const char* const kShippedFiles[3] = {"checkpoints/mann-glyphs14.safetensors", "checkpoints/lstm-glyphs14.safetensors",
                                      "checkpoints/feedforward-glyphs14.safetensors"};
constexpr std::uint64_t kEpisodeStream = 0x4D454D4FULL;  // "MEMO"
constexpr std::uint64_t kEvalStream = 0x4556414CULL;     // "EVAL"

// Forget what was computed for the previous models or source.
void clear_derived(MemoryLabState& m) {
  for (int a = 0; a < 3; ++a) {
    m.by_instance[a].clear();
    m.overall[a] = 0;
    m.eval_iteration[a] = -1;
  }
  m.eval_next = 0;
  m.eval_episodes.clear();
  m.eval_rng = Rng(m.seed ^ kEvalStream);
  m.partial.clear();
  m.partial_iteration = -1;
  m.trace_index = -1;
  m.credit = 0;
  m.iter_ms = 0;
  ++m.version;
}

void set_source(MemoryLabState& m, std::shared_ptr<const SequenceEpisodeSource> src) {
  m.ways = src->config().ways;
  m.instances = src->config().instances;
  m.image_size = src->image_height();
  m.source = std::move(src);
}

// The three shipped networks and the episodes they were trained on. On any
// problem: false with m.error set, and nothing changed.
bool load_shipped(const AssetStore& assets, MemoryLabState& m) {
  try {
    std::unique_ptr<MannLearner> models[3];
    TaskOptions task;
    for (int a = 0; a < 3; ++a) {
      const std::string file = kShippedFiles[a];
      Checkpoint ckpt = load_safetensors(assets.files.at(file), file);
      const TaskOptions t = task_options_from_metadata(ckpt.metadata);
      // Trained further here, they take 1 episode per update instead of 16 (batch_of):
      // a quarter of the step size keeps the noisier updates from undoing what they learned.
      const auto lr = ckpt.metadata.find("outer_lr");
      if (lr != ckpt.metadata.end()) {
        char quarter[32];
        std::snprintf(quarter, sizeof quarter, "%.9g", std::stod(lr->second) / 4);
        lr->second = quarter;
      }
      if (a == 0) task = t;
      else if (t != task) throw std::invalid_argument(file + " was trained on other episodes than " + kShippedFiles[0]);
      std::unique_ptr<Learner> l = load_learner(ckpt);
      if (l->kind() != kArch[a] || !dynamic_cast<MannLearner*>(l.get()))
        throw std::invalid_argument(file + " holds a '" + l->kind() + "' learner, not '" + kArch[a] + "'");
      models[a].reset(static_cast<MannLearner*>(l.release()));
    }
    const std::string name = task.count("name") ? task.at("name") : "";
    task.erase("name");
    task["cache"] = "false";  // render glyphs on demand: caching all classes up front takes seconds in wasm
    std::shared_ptr<const SequenceEpisodeSource> src = make_sequence_source(name, task, nullptr);
    if (src->input_dim() != models[0]->config().model.input_dim || src->image_height() <= 0)
      throw std::invalid_argument("the recorded task does not fit the networks' inputs");
    // Everything loaded: commit.
    set_source(m, std::move(src));
    for (int a = 0; a < 3; ++a) {
      m.shipped_iterations[a] = models[a]->iteration();
      m.models[a] = std::move(models[a]);
    }
    m.shipped = true;
    m.training = false;  // one BPTT update of these takes longer than a frame: the user decides
    m.error.clear();
    return true;
  } catch (const std::exception& e) {
    m.shipped_failed = true;
    m.error = std::string("Could not load the shipped networks (") + e.what() +
              "); showing tiny networks trained here instead.";
    return false;
  }
}

void build_live(MemoryLabState& m) {
  m.shipped = false;
  try {
    GlyphSourceConfig g;
    g.glyph.size = kLiveSize;
    g.num_classes = 400;
    g.seed = m.seed;
    g.split_seed = m.seed;
    SequenceEpisodeConfig e;
    e.ways = kLiveWays;
    e.instances = kLiveInstances;
    set_source(m, make_glyph_sequence_source(g, e));
    for (int a = 0; a < 3; ++a) {
      LearnerConfig c;
      c.learner = kArch[a];
      c.model.input_dim = kLiveSize * kLiveSize;
      c.model.output_dim = kLiveWays;
      c.model.classification = true;
      c.model.hidden = {a == 2 ? 64 : 32};
      c.memory_slots = 24;
      c.memory_width = 16;
      c.read_heads = 1;
      c.outer_lr = 2e-3f;
      c.grad_clip = 10.0f;
      c.meta_batch = 2;
      c.seed = m.seed + static_cast<std::uint64_t>(a);
      m.models[a] = std::make_unique<MannLearner>(c);
    }
    m.training = true;  // tiny models: an iteration fits in a frame
  } catch (const std::exception& ex) {
    m.error = ex.what();
    for (auto& p : m.models) p.reset();
    m.source.reset();
  }
}

constexpr double kWaitForShippedMs = 3000;

// false while the shipped checkpoints may still be on their way (the page
// fetches them after start-up): better a moment's wait than building and
// throwing away the tiny models. After kWaitForShippedMs the tiny models start,
// and the shipped ones still replace them when they arrive.
bool waited_enough(const AssetStore& assets, MemoryLabState& m) {
  if (m.built || !m.want_shipped || m.shipped_tried) return true;
  for (const char* f : kShippedFiles)
    if (!assets.has(f)) {
      if (m.wait_since_ms < 0) m.wait_since_ms = now_ms();
      return now_ms() - m.wait_since_ms > kWaitForShippedMs;
    }
  return true;
}

void build(const AssetStore& assets, MemoryLabState& m) {
  if (!waited_enough(assets, m)) return;
  bool have_shipped = m.want_shipped && !m.shipped_tried;
  for (const char* f : kShippedFiles) have_shipped = have_shipped && assets.has(f);
  // The checkpoints arrive after start-up: until then the tiny models run; then they are swapped in once.
  if (m.built && m.built_seed == m.seed && !have_shipped) return;
  const bool seed_only = m.built && m.shipped && m.want_shipped && !have_shipped;
  m.built = true;
  m.built_seed = m.seed;
  m.train_rng = Rng(m.seed * 31 + 7);
  if (seed_only) {  // the shipped networks stay; the seed draws other episodes
    clear_derived(m);
    return;
  }
  m.error.clear();
  if (have_shipped) m.shipped_tried = true;
  if (!(have_shipped && load_shipped(assets, m))) build_live(m);
  clear_derived(m);
}

// Episodes per update: the shipped networks were trained on 16, but here one
// update must stay near a frame, so they take one at a time.
int batch_of(const MemoryLabState& m, const MannLearner& l) { return m.shipped ? 1 : l.config().meta_batch; }

void train_one(MemoryLabState& m) {
  const int a = m.next_model;
  const double t0 = now_ms();
  MannLearner& l = *m.models[a];
  std::vector<Matrix> xs;
  std::vector<std::vector<int>> ys;
  for (int b = 0; b < batch_of(m, l); ++b) {
    SequenceEpisode e = m.source->sample_episode(Split::MetaTrain, m.train_rng);
    xs.push_back(std::move(e.x));
    ys.push_back(std::move(e.labels));
  }
  m.next_model = (m.next_model + 1) % 3;
  l.train_sequences(xs, ys);
  m.last_iter_ms[a] = now_ms() - t0;
  ++m.version;
}

void tick(AppState& st, MemoryLabState& m) {
  m.train_ms = 0;
  if (!m.training || !m.models[0]) return;
  const double t0 = now_ms();
  const double budget = std::max(1.0, st.models.budget_ms - st.models.train_ms);
  // An iteration longer than the budget runs only every few frames (credit), so
  // that the mean training time per frame stays within the budget.
  m.credit = std::min(m.credit + budget, 4.0 * budget + m.iter_ms);
  int n = 0;
  try {
    while (m.credit >= m.iter_ms && now_ms() - t0 + m.iter_ms < std::max(budget, m.iter_ms + 0.5)) {
      const double a = now_ms();
      train_one(m);
      ++n;
      const double one = now_ms() - a;
      m.iter_ms = m.iter_ms == 0 ? one : 0.8 * m.iter_ms + 0.2 * one;
      m.credit -= one;
    }
  } catch (const std::exception& e) {
    m.error = std::string("Training stopped: ") + e.what();
    m.training = false;
  }
  m.train_ms = now_ms() - t0;
  st.models.train_ms += m.train_ms;
  m.rate_window_s += static_cast<double>(ImGui::GetIO().DeltaTime);
  m.rate_window_iters += n;
  if (m.rate_window_s > 0.5) {
    m.its_per_s = static_cast<double>(m.rate_window_iters) / m.rate_window_s;
    m.rate_window_s = 0;
    m.rate_window_iters = 0;
  }
}

void update_trace(MemoryLabState& m) {
  if (!m.models[0]) return;
  const bool fresh = m.trace_index != m.episode_index;
  if (!fresh && (m.trace_version == m.version || now_ms() - m.trace_at_ms < 500)) return;
  try {
    if (fresh) {
      Rng r(m.seed ^ kEpisodeStream ^ (static_cast<std::uint64_t>(m.episode_index) * 0x9E3779B97F4A7C15ULL));
      m.episode = m.source->sample_episode(Split::MetaTest, r);
      m.trace_index = m.episode_index;
      m.step = static_cast<int>(m.episode.labels.size()) / 2;  // mid-episode: the memory already holds bindings
    }
    m.trace = m.models[0]->record_episode(m.episode.x, m.episode.labels, m.episode.instance);
    double h = 0;
    for (int t = 0; t < m.trace.steps(); ++t) h += (t + 1) * (m.trace.predictions[static_cast<std::size_t>(t)] + 0.1 * m.trace.probabilities(t, 0));
    char b[32];
    std::snprintf(b, sizeof b, "%.6g", h);
    m.checksum = b;
  } catch (const std::exception& e) {
    m.error = e.what();
  }
  m.trace_version = m.version;
  m.trace_at_ms = now_ms();
}

// Accuracy by presentation: one model at a time (again every 2 s while
// training), a few episodes per frame so that no frame stalls. While the
// models train, an evaluation finishes on the weights as they move and is
// labelled with the iteration it started at.
void update_accuracy(MemoryLabState& m) {
  m.eval_ms = 0;
  if (!m.models[0]) return;
  const int a = m.eval_next;
  MannLearner& model = *m.models[a];
  if (m.partial.empty()) {
    if (m.eval_iteration[a] == model.iteration()) {
      m.eval_next = (a + 1) % 3;
      return;
    }
    if (now_ms() - m.eval_at_ms < 2000 && !m.by_instance[a].empty()) return;
    m.partial.assign(1, InstanceAccuracy(m.instances));
    m.partial_done = 0;
    m.partial_iteration = model.iteration();
  }
  const double t0 = now_ms();
  try {
    do {
      const auto i = static_cast<std::size_t>(m.partial_done);
      if (i >= m.eval_episodes.size()) m.eval_episodes.push_back(m.source->sample_episode(Split::MetaTest, m.eval_rng));
      const SequenceEpisode& ep = m.eval_episodes[i];
      const Matrix logits = model.predict_sequences({ep.x}, {ep.labels}).front();
      std::vector<int> p(static_cast<std::size_t>(logits.rows()));
      for (Eigen::Index t = 0; t < logits.rows(); ++t) {
        Eigen::Index best = 0;
        logits.row(t).maxCoeff(&best);
        p[static_cast<std::size_t>(t)] = static_cast<int>(best);
      }
      m.partial.front().add(ep, p);
      ++m.partial_done;
    } while (m.partial_done < kEvalEpisodes && now_ms() - t0 < kEvalBudgetMs);
  } catch (const std::exception& e) {
    m.error = e.what();
    m.partial.clear();
    m.eval_iteration[a] = model.iteration();  // do not retry every frame
    m.eval_next = (a + 1) % 3;
    return;
  }
  m.eval_ms = now_ms() - t0;
  if (m.partial_done < kEvalEpisodes) return;
  const InstanceAccuracy& acc = m.partial.front();
  m.by_instance[a].assign(static_cast<std::size_t>(m.instances), 0.0);
  for (int k = 1; k <= m.instances; ++k) m.by_instance[a][static_cast<std::size_t>(k - 1)] = acc.accuracy(k);
  m.overall[a] = acc.overall();
  m.eval_iteration[a] = m.partial_iteration;
  m.partial.clear();
  m.eval_next = (a + 1) % 3;
  m.eval_at_ms = now_ms();
}

ImU32 heat(float v, float lo, float hi) {  // white -> dark blue
  const float t = hi > lo ? std::clamp((v - lo) / (hi - lo), 0.0f, 1.0f) : 0.0f;
  return IM_COL32(static_cast<int>(255 - 230 * t), static_cast<int>(255 - 190 * t), static_cast<int>(255 - 100 * t), 255);
}
ImU32 diverging(float v, float scale) {
  const float t = std::clamp(v / scale, -1.0f, 1.0f);
  const int a = static_cast<int>(255 * (1 - std::fabs(t)));
  return t > 0 ? IM_COL32(255, a, a, 255) : IM_COL32(a, a, 255, 255);
}

// A heatmap of rows x cols values (value(r, c)) in a box; returns the box.
template <typename F>
void draw_heatmap(ImDrawList* dl, ImVec2 p, ImVec2 size, int rows, int cols, F color) {
  const float cw = size.x / static_cast<float>(cols), ch = size.y / static_cast<float>(rows);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c)
      dl->AddRectFilled(ImVec2(p.x + c * cw, p.y + r * ch), ImVec2(p.x + (c + 1) * cw, p.y + (r + 1) * ch), color(r, c));
  dl->AddRect(p, ImVec2(p.x + size.x, p.y + size.y), IM_COL32(120, 120, 120, 255));
}

// time x slots heatmap of one per-step quantity (rows: slots, columns: steps), with a cursor at `step`.
void draw_over_time(MemoryLabState& m, const char* title, const std::vector<Matrix>& per_step, ImVec2 size) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  ImGui::TextUnformatted(title);
  const ImVec2 p = ImGui::GetCursorScreenPos();
  ImGui::Dummy(size);
  const int T = static_cast<int>(per_step.size());
  if (T == 0) return;
  const int N = static_cast<int>(per_step[0].cols());
  float hi = 1e-6f;
  for (const Matrix& w : per_step) hi = std::max(hi, w.colwise().sum().maxCoeff());
  draw_heatmap(dl, p, size, N, T, [&](int r, int c) {
    const Matrix& w = per_step[static_cast<std::size_t>(c)];
    return heat(w.col(r).sum(), 0.0f, hi);
  });
  const float cw = size.x / static_cast<float>(T);
  dl->AddRect(ImVec2(p.x + m.step * cw, p.y), ImVec2(p.x + (m.step + 1) * cw, p.y + size.y), IM_COL32(230, 60, 30, 255),
              0, 0, 2.0f);
}

void draw_help(const MemoryLabState& m) {
  ImGui::PushTextWrapPos(0);
  ImGui::Text(
      "An episode is a sequence of images from %d classes never seen in training, %d of each, shuffled. With each "
      "image the network receives the label of the PREVIOUS image: the label arrives one step late. The labels are "
      "shuffled in every episode, so the first time a class appears the network can only guess; after that, to be "
      "right it must have stored the (image, label) binding in memory and retrieve it when a similar image comes back.",
      m.ways, m.instances);
  ImGui::TextUnformatted(
      "MANN: an LSTM controller writes to an external memory (rows = slots) and reads from it by content: the read "
      "weights are a softmax over the cosine similarity of a key with every slot. Writes go to the last-read slot or "
      "to the least-used one (usage decays over time). The heatmaps show, for every step (columns), how much each slot "
      "(rows) was read, written and used (summed over the read heads).");
  ImGui::Text(
      "Accuracy by presentation: at the 1st presentation every model is at chance (1/%d); a model that learned to use "
      "memory gets better from the 2nd on. The LSTM can only keep a few bindings in its hidden state; the "
      "feed-forward network has no memory at all and stays near chance.",
      m.ways);
  if (m.shipped)
    ImGui::TextUnformatted(
        "These networks were trained natively (scripts/make-web-checkpoints.sh) and shipped with the page. "
        "Reset switches to tiny networks trained here from scratch, in a few minutes: expect modest numbers.");
  else
    ImGui::TextUnformatted(
        "These tiny networks are trained here in the page from scratch: expect modest numbers after a few minutes.");
  ImGui::PopTextWrapPos();
}

// "Weights: ..." - which networks the view shows.
std::string weights_line(const MemoryLabState& m) {
  char b[256];
  if (m.shipped) {
    const LearnerConfig& c = m.models[0]->config();
    const long more = m.models[0]->iteration() - m.shipped_iterations[0];
    std::snprintf(b, sizeof b,
                  "Weights: shipped checkpoints, trained natively for %ld iterations (MANN controller %d, memory "
                  "%d x %d, %d heads; %d-way episodes of %d presentations, %dx%d glyphs)",
                  m.shipped_iterations[0], c.model.hidden.empty() ? 0 : c.model.hidden[0], c.memory_slots,
                  c.memory_width, c.read_heads, m.ways, m.instances, m.image_size, m.image_size);
    std::string s = b;
    if (more > 0) s += ", then " + std::to_string(more) + " iterations here";
    return s + "." + (m.uploaded.empty() ? "" : " Uploaded: " + m.uploaded + ".");
  }
  std::snprintf(b, sizeof b, "Weights: trained here from scratch, iteration %ld (MANN), %ld (LSTM), %ld (FF).",
                m.models[0]->iteration(), m.models[1]->iteration(), m.models[2]->iteration());
  return b;
}

}  // namespace

void draw_memory_lab(AppState& st) {
  MemoryLabState& m = st.memory;
  const float fs = ImGui::GetFontSize();
  build(st.models.assets, m);
  tick(st, m);
  draw_heading(st, "Memory lab");
  const char* train_label = m.training ? "Pause training (Space)" : m.shipped ? "Train further here (Space)" : "Train (Space)";
  if (ImGui::Button(train_label)) m.training = !m.training;
  m.rects.train = last_item_rect();
  if (st.shortcuts.play_pause) m.training = !m.training;
  ImGui::SameLine();
  if (ImGui::Button("New episode (E)")) ++m.episode_index;
  m.rects.new_episode = last_item_rect();
  if (st.shortcuts.new_sample) ++m.episode_index;  // N or E
  ImGui::SameLine();
  if (ImGui::Button(m.shipped ? "Reset (train tiny models here)" : "Reset")) {
    m.want_shipped = false;  // Reset means: from scratch, here
    m.built = false;
    m.uploaded.clear();
  }
  m.rects.reset = last_item_rect();
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Start over with three tiny networks (3-way x 6 episodes) trained live in the page.");
  bool shipped_there = !m.shipped && !m.shipped_failed;
  for (const char* f : kShippedFiles) shipped_there = shipped_there && st.models.assets.has(f);
  if (shipped_there) {
    ImGui::SameLine();
    if (ImGui::Button("Shipped networks")) {  // back to the natively trained ones
      m.want_shipped = true;
      m.shipped_tried = false;
      m.built = false;
      m.uploaded.clear();
    }
    m.rects.use_shipped = last_item_rect();
  } else {
    m.rects.use_shipped = {};
  }
  ImGui::SameLine();
  ImGui::BeginDisabled(!m.models[0]);
  if (ImGui::Button("Download MANN")) {
    offer_download(st, [&m](std::string* name) { return memory_checkpoint_bytes(m, name); });
  }
  ImGui::EndDisabled();
  m.rects.download = last_item_rect();
  if (m.models[0] && m.training) {
    ImGui::SameLine();
    ImGui::Text("%.1f it/s  (%.0f ms per iteration)", m.its_per_s, m.iter_ms);
  }
  if (!m.error.empty()) draw_banner(st, BannerKind::Warning, m.error, "mem_error", false);
  if (!m.built) ImGui::TextUnformatted("Loading the networks shipped with the page...");
  if (!m.models[0]) return;
  ImGui::TextWrapped("%s", weights_line(m).c_str());
  if (m.shipped && m.training && m.iter_ms > 20)
    ImGui::TextDisabled("One update of these networks takes about %.0f ms here: the page runs one every few frames.",
                        m.iter_ms);
  update_trace(m);
  update_accuracy(m);
  const int T = m.trace.steps();
  if (T == 0) return;

  // Replay controls.
  if (m.replaying) {
    m.replay_clock += static_cast<double>(ImGui::GetIO().DeltaTime);
    if (m.replay_clock > 0.5) {
      m.replay_clock = 0;
      if (m.step + 1 < T) ++m.step;
      else m.replaying = false;
    }
  }
  if (ImGui::Button("<##prev") && m.step > 0) --m.step;
  m.rects.prev = last_item_rect();
  ImGui::SameLine();
  if (ImGui::Button(m.replaying ? "Pause replay" : "Play replay")) {
    if (!m.replaying && m.step + 1 >= T) m.step = 0;
    m.replaying = !m.replaying;
  }
  m.rects.play = last_item_rect();
  ImGui::SameLine();
  if (ImGui::Button(">##next") && m.step + 1 < T) ++m.step;
  m.rects.next = last_item_rect();
  ImGui::SameLine();
  ImGui::SetNextItemWidth(std::min(fs * 20.0f, ImGui::GetContentRegionAvail().x));
  ImGui::SliderInt("step", &m.step, 0, T - 1, "step %d", ImGuiSliderFlags_AlwaysClamp);
  m.rects.step_slider = last_item_rect();
  m.step = std::clamp(m.step, 0, T - 1);

  const auto ts = static_cast<std::size_t>(m.step);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float avail = ImGui::GetContentRegionAvail().x;
  ImGui::BeginChild("mem_left", ImVec2(std::max(fs * 16.0f, avail * 0.36f), 0), false);
  {
    // The input and its delayed label.
    const ImVec2 p = ImGui::GetCursorScreenPos();
    const float s = fs * 6.0f;
    ImGui::Dummy(ImVec2(s, s));
    m.rects.input = last_item_rect();
    const Eigen::RowVectorXf row = m.trace.inputs.row(m.step);
    const int n = m.image_size;
    const float cw = s / static_cast<float>(n);
    dl->AddRectFilled(p, ImVec2(p.x + s, p.y + s), IM_COL32(0, 0, 0, 255));
    for (int y = 0; y < n && n * n <= row.size(); ++y)
      for (int x = 0; x < n; ++x) {
        const int g = static_cast<int>(std::clamp(row(y * n + x), 0.0f, 1.0f) * 255);
        if (g > 6) dl->AddRectFilled(ImVec2(p.x + x * cw, p.y + y * cw), ImVec2(p.x + (x + 1) * cw, p.y + (y + 1) * cw), IM_COL32(g, g, g, 255));
      }
    ImGui::SameLine();
    ImGui::BeginGroup();
    const int truth = m.trace.labels[ts];
    const int pred = m.trace.predictions[ts];
    ImGui::Text("step %d of %d", m.step + 1, T);
    if (m.step == 0) ImGui::TextUnformatted("label of previous: none");
    else ImGui::Text("label of previous: %d", m.trace.labels[ts - 1]);
    ImGui::Text("true label: %d", truth);
    ImGui::TextColored(pred == truth ? ImVec4(0.15f, 0.65f, 0.25f, 1) : ImVec4(0.85f, 0.15f, 0.15f, 1), "MANN says: %d (%.0f%%)",
                       pred, 100.0f * m.trace.probabilities(m.step, pred));
    if (!m.trace.instance.empty()) ImGui::Text("presentation %d of %d", m.trace.instance[ts], m.instances);
    ImGui::EndGroup();
    // Memory matrix.
    ImGui::Text("Memory after step %d (%d slots x %d)", m.step + 1, m.trace.slots, m.trace.width);
    const ImVec2 q = ImGui::GetCursorScreenPos();
    const float mw = ImGui::GetContentRegionAvail().x - fs * 0.5f;
    const ImVec2 msz(mw, std::min(fs * 14.0f, mw * 1.2f));
    ImGui::Dummy(msz);
    m.rects.memory = last_item_rect();
    if (ts < m.trace.memory.size()) {
      const Matrix& mem = m.trace.memory[ts];
      const float sc = std::max(1e-3f, mem.cwiseAbs().maxCoeff());
      draw_heatmap(dl, q, msz, static_cast<int>(mem.rows()), static_cast<int>(mem.cols()),
                   [&](int r, int c) { return diverging(mem(r, c), sc); });
    }
    if (ImGui::CollapsingHeader("What am I looking at?", m.show_help ? ImGuiTreeNodeFlags_DefaultOpen : 0)) draw_help(m);
  }
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("mem_right", ImVec2(0, 0), false);
  {
    const float w = ImGui::GetContentRegionAvail().x;
    // The three heatmaps share about half the height; the accuracy plot gets the rest.
    const float h = std::max(fs * 3.0f, (ImGui::GetContentRegionAvail().y * 0.52f - fs * 4.5f) / 3.0f);
    const ImVec2 wp = ImGui::GetCursorScreenPos();
    draw_over_time(m, "Read weights (rows: slots, columns: steps)", m.trace.read_weights, ImVec2(w, h));
    draw_over_time(m, "Write weights", m.trace.write_weights, ImVec2(w, h));
    draw_over_time(m, "Usage", m.trace.usage, ImVec2(w, h));
    m.rects.weights = LabRect{wp.x, wp.y, w, ImGui::GetCursorScreenPos().y - wp.y};
    // Accuracy by presentation.
    if (m.partial.empty())
      ImGui::Text("Accuracy by presentation (%d meta-test episodes)", kEvalEpisodes);
    else
      ImGui::Text("Accuracy by presentation (%d meta-test episodes; evaluating %s: %d)", kEvalEpisodes,
                  kArchTitle[m.eval_next], m.partial_done);
    const ImVec2 p0 = ImGui::GetCursorScreenPos();
    const ImVec2 sz(w, std::max(fs * 9.0f, ImGui::GetContentRegionAvail().y - fs * 0.5f));
    ImGui::InvisibleButton("accuracy_plot", sz);
    m.rects.accuracy = last_item_rect();
    const LabColors col = LabColors::get(st.ui.dark_theme);
    const ImU32 colors[3] = {col.meta, col.pretrain, col.scratch};
    char labels[3][64];
    LegendItem legend[3];
    for (int a = 0; a < 3; ++a) {
      if (m.by_instance[a].empty())  // not evaluated yet
        std::snprintf(labels[a], sizeof labels[a], "%s", kArchTitle[a]);
      else
        std::snprintf(labels[a], sizeof labels[a], "%s (%.0f%%)", kArchTitle[a], 100.0 * m.overall[a]);
      legend[a] = {labels[a], LegendItem::Kind::Line, colors[a], 2.5f};
    }
    Plot plot(dl, p0, ImVec2(p0.x + sz.x, p0.y + sz.y), PlotRange{0.7, m.instances + 0.3, 0, 1},
              PlotColors::from_style(st.ui.dark_theme), "presentation of the class", "accuracy", legend, 3);
    dl->AddLine(plot.to_screen(0.7, 1.0 / m.ways), plot.to_screen(m.instances + 0.3, 1.0 / m.ways), col.diagonal, 1.0f);
    for (int a = 0; a < 3; ++a) {
      const auto& v = m.by_instance[a];
      if (v.empty()) continue;
      std::vector<float> xs, ys;
      for (std::size_t k = 0; k < v.size(); ++k) {
        xs.push_back(static_cast<float>(k + 1));
        ys.push_back(static_cast<float>(v[k]));
      }
      plot_polyline(plot, xs.data(), ys.data(), static_cast<int>(xs.size()), colors[a], 2.5f);
      for (std::size_t k = 0; k < v.size(); ++k) dl->AddCircleFilled(plot.to_screen(xs[k], ys[k]), 3.5f, colors[a]);
    }
  }
  ImGui::EndChild();
}

std::string memory_checkpoint_bytes(const MemoryLabState& m, std::string* file_name) {
  if (!m.models[0] || !m.source) throw std::logic_error("no network to save yet");
  Checkpoint ckpt = m.models[0]->save();
  for (const auto& [k, v] : m.source->description()) ckpt.metadata[k] = v;
  if (file_name) *file_name = "metalab-mann-glyph-sequences-it" + std::to_string(m.models[0]->iteration()) + ".safetensors";
  return save_safetensors(ckpt);
}

std::string memory_receive_checkpoint(MemoryLabState& m, const std::string& name, const Checkpoint& ckpt) {
  if (!m.source || !m.models[0]) return "the memory lab has no networks yet; open it first";
  const std::string learner = get_metadata_or(ckpt, "learner", "?");
  const int a = static_cast<int>(std::find(std::begin(kArch), std::end(kArch), learner) - std::begin(kArch));
  if (a >= 3) return name + " holds a '" + learner + "' model; the memory lab takes mann, lstm and feedforward";
  // The episodes must be the ones the lab shows ("cache" only says how glyphs are rendered).
  TaskOptions have = task_options_from_metadata(ckpt.metadata), want = task_options_from_metadata(m.source->description());
  have.erase("cache");
  want.erase("cache");
  std::string diff;
  int n = 0;
  for (const auto& [k, v] : want) {
    const auto it = have.find(k);
    if (it != have.end() && it->second == v) continue;
    if (n++ < 3) diff += (diff.empty() ? "" : ", ") + k + " " + (it == have.end() ? "?" : it->second) + " (here " + v + ")";
  }
  if (n > 0) return name + " was trained on other episodes than the lab shows: " + diff + (n > 3 ? ", ..." : "");
  std::unique_ptr<Learner> l;
  try {
    l = load_learner(ckpt);
  } catch (const std::exception& e) {
    return name + ": " + e.what();
  }
  auto* net = dynamic_cast<MannLearner*>(l.get());
  const ModelConfig& here = m.models[a]->config().model;
  if (!net || net->config().model.input_dim != here.input_dim || net->config().model.output_dim != here.output_dim)
    return name + ": its network does not fit the lab's episodes";
  m.models[a].reset(static_cast<MannLearner*>(l.release()));
  m.uploaded = std::string(kArch[a]) + " from " + name + " (iteration " + std::to_string(m.models[a]->iteration()) + ")";
  m.training = false;
  clear_derived(m);
  return "";
}

std::string memory_status_json(const AppState& st) {
  const MemoryLabState& m = st.memory;
  char b[1536];
  std::snprintf(b, sizeof b,
                ",\"memory\":{\"seed\":%llu,\"episode_index\":%d,\"step\":%d,\"steps\":%d,\"replaying\":%s,"
                "\"training\":%s,\"iterations\":[%ld,%ld,%ld],\"overall\":[%.4f,%.4f,%.4f],\"train_ms\":%.3f,"
                "\"iter_ms\":%.3f,\"last_iter_ms\":[%.1f,%.1f,%.1f],\"eval_ms\":%.3f,\"weights\":\"%s\",\"shipped_iterations\":[%ld,%ld,%ld],"
                "\"ways\":%d,\"instances\":%d,\"image_size\":%d,\"eval_iteration\":[%ld,%ld,%ld],"
                "\"checksum\":\"%s\",\"rects\":{\"play\":%s,\"next\":%s,\"new_episode\":%s,\"memory\":%s,"
                "\"train\":%s,\"reset\":%s,\"use_shipped\":%s,\"download\":%s},\"uploaded\":%d,",
                static_cast<unsigned long long>(m.seed), m.episode_index, m.step, m.trace.steps(),
                m.replaying ? "true" : "false", m.training ? "true" : "false",
                m.models[0] ? m.models[0]->iteration() : 0L, m.models[1] ? m.models[1]->iteration() : 0L,
                m.models[2] ? m.models[2]->iteration() : 0L, m.overall[0], m.overall[1], m.overall[2], m.train_ms,
                m.iter_ms, m.last_iter_ms[0], m.last_iter_ms[1], m.last_iter_ms[2], m.eval_ms, m.shipped ? "shipped" : "live", m.shipped_iterations[0], m.shipped_iterations[1],
                m.shipped_iterations[2], m.ways, m.instances, m.image_size, m.eval_iteration[0], m.eval_iteration[1],
                m.eval_iteration[2], m.checksum.c_str(), json_rect(m.rects.play).c_str(),
                json_rect(m.rects.next).c_str(), json_rect(m.rects.new_episode).c_str(),
                json_rect(m.rects.memory).c_str(), json_rect(m.rects.train).c_str(), json_rect(m.rects.reset).c_str(),
                json_rect(m.rects.use_shipped).c_str(), json_rect(m.rects.download).c_str(), m.uploaded.empty() ? 0 : 1);
  // Accuracy by presentation per model ([] until evaluated).
  std::string out = b;
  out += "\"by_instance\":[";
  for (int a = 0; a < 3; ++a) {
    out += a ? ",[" : "[";
    for (std::size_t k = 0; k < m.by_instance[a].size(); ++k) {
      char v[24];
      std::snprintf(v, sizeof v, "%s%.4f", k ? "," : "", m.by_instance[a][k]);
      out += v;
    }
    out += "]";
  }
  return out + "],\"error\":\"" + json_escape(m.error) + "\"}";
}

}  // namespace metalab::web
