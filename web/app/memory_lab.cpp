#include "web/app/memory_lab.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>

#include <imgui.h>

#include "web/app/app.h"
#include "web/app/app_state.h"
#include "web/app/lab_widgets.h"
#include "web/app/plot.h"

namespace metalab::web {

namespace {

constexpr int kSize = 14, kWays = 3, kInstances = 6, kEvalEpisodes = 12;
const char* const kArch[3] = {"mann", "lstm", "feedforward"};
const char* const kArchTitle[3] = {"MANN (LSTM + memory)", "LSTM", "Feed-forward"};
constexpr std::uint64_t kEpisodeStream = 0x4D454D4FULL;  // "MEMO"
constexpr std::uint64_t kEvalStream = 0x4556414CULL;     // "EVAL"

void build(MemoryLabState& m) {
  if (m.built && m.built_seed == m.seed) return;
  m.built = true;
  m.built_seed = m.seed;
  m.error.clear();
  try {
    GlyphSourceConfig g;
    g.glyph.size = kSize;
    g.num_classes = 400;
    g.seed = m.seed;
    g.split_seed = m.seed;
    SequenceEpisodeConfig e;
    e.ways = kWays;
    e.instances = kInstances;
    m.source = make_glyph_sequence_source(g, e);
    for (int a = 0; a < 3; ++a) {
      LearnerConfig c;
      c.learner = kArch[a];
      c.model.input_dim = kSize * kSize;
      c.model.output_dim = kWays;
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
      m.by_instance[a].clear();
      m.eval_iteration[a] = -1;
    }
  } catch (const std::exception& ex) {
    m.error = ex.what();
    for (auto& p : m.models) p.reset();
    m.source.reset();
  }
  m.train_rng = Rng(m.seed * 31 + 7);
  m.trace_index = -1;
  ++m.version;
}

void train_one(MemoryLabState& m) {
  MannLearner& l = *m.models[m.next_model];
  m.next_model = (m.next_model + 1) % 3;
  std::vector<Matrix> xs;
  std::vector<std::vector<int>> ys;
  for (int b = 0; b < l.config().meta_batch; ++b) {
    SequenceEpisode e = m.source->sample_episode(Split::MetaTrain, m.train_rng);
    xs.push_back(std::move(e.x));
    ys.push_back(std::move(e.labels));
  }
  l.train_sequences(xs, ys);
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
      m.step = 0;
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

// Accuracy by presentation: one model at a time, every 2 s while training.
void update_accuracy(MemoryLabState& m) {
  if (!m.models[0]) return;
  const int a = m.eval_next;
  if (m.eval_iteration[a] == m.models[a]->iteration()) return;
  if (now_ms() - m.eval_at_ms < 2000 && !m.by_instance[a].empty()) return;
  try {
    Rng r(m.seed ^ kEvalStream);
    std::vector<SequenceEpisode> eps;
    std::vector<Matrix> xs;
    std::vector<std::vector<int>> ys;
    for (int i = 0; i < kEvalEpisodes; ++i) {
      eps.push_back(m.source->sample_episode(Split::MetaTest, r));
      xs.push_back(eps.back().x);
      ys.push_back(eps.back().labels);
    }
    const std::vector<Matrix> logits = m.models[a]->predict_sequences(xs, ys);
    InstanceAccuracy acc(kInstances);
    for (std::size_t i = 0; i < eps.size(); ++i) {
      std::vector<int> p(static_cast<std::size_t>(logits[i].rows()));
      for (Eigen::Index t = 0; t < logits[i].rows(); ++t) {
        Eigen::Index best = 0;
        logits[i].row(t).maxCoeff(&best);
        p[static_cast<std::size_t>(t)] = static_cast<int>(best);
      }
      acc.add(eps[i], p);
    }
    m.by_instance[a].assign(kInstances, 0.0);
    for (int k = 1; k <= kInstances; ++k) m.by_instance[a][static_cast<std::size_t>(k - 1)] = acc.accuracy(k);
    m.overall[a] = acc.overall();
    m.eval_iteration[a] = m.models[a]->iteration();
  } catch (const std::exception& e) {
    m.error = e.what();
  }
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

void draw_help() {
  ImGui::PushTextWrapPos(0);
  ImGui::TextUnformatted(
      "An episode is a sequence of images from 3 classes never seen in training, 6 of each, shuffled. With each image "
      "the network receives the label of the PREVIOUS image: the label arrives one step late. The labels are shuffled "
      "in every episode, so the first time a class appears the network can only guess; after that, to be right it "
      "must have stored the (image, label) binding in memory and retrieve it when a similar image comes back.");
  ImGui::TextUnformatted(
      "MANN: an LSTM controller writes to an external memory (rows = slots) and reads from it by content: the read "
      "weights are a softmax over the cosine similarity of a key with every slot. Writes go to the last-read slot or "
      "to the least-used one (usage decays over time). The heatmaps show, for every step (columns), how much each slot "
      "(rows) was read, written and used.");
  ImGui::TextUnformatted(
      "Accuracy by presentation: at the 1st presentation every model is at chance (1/3); a model that learned to use "
      "memory gets better from the 2nd on. The feed-forward network has no memory at all and stays near chance. The "
      "models are small and trained here in the page for a few minutes at most: expect modest numbers.");
  ImGui::PopTextWrapPos();
}

}  // namespace

void draw_memory_lab(AppState& st) {
  MemoryLabState& m = st.memory;
  const float fs = ImGui::GetFontSize();
  build(m);
  tick(st, m);
  draw_heading(st, "Memory lab");
  if (ImGui::Button(m.training ? "Pause training (Space)" : "Train (Space)")) m.training = !m.training;
  m.rects.train = last_item_rect();
  if (st.shortcuts.play_pause) m.training = !m.training;
  ImGui::SameLine();
  if (ImGui::Button("New episode (E)")) ++m.episode_index;
  m.rects.new_episode = last_item_rect();
  if (st.shortcuts.new_sample) ++m.episode_index;  // N or E
  ImGui::SameLine();
  if (ImGui::Button("Reset")) m.built = false;
  if (m.models[0]) {
    ImGui::SameLine();
    ImGui::Text("iterations: MANN %ld, LSTM %ld, FF %ld   %.0f it/s", m.models[0]->iteration(), m.models[1]->iteration(),
                m.models[2]->iteration(), m.training ? m.its_per_s : 0.0);
  }
  if (!m.error.empty()) draw_banner(st, BannerKind::Warning, m.error, "mem_error", false);
  if (!m.models[0]) return;
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
    const float cw = s / kSize;
    dl->AddRectFilled(p, ImVec2(p.x + s, p.y + s), IM_COL32(0, 0, 0, 255));
    for (int y = 0; y < kSize; ++y)
      for (int x = 0; x < kSize; ++x) {
        const int g = static_cast<int>(std::clamp(row(y * kSize + x), 0.0f, 1.0f) * 255);
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
    if (!m.trace.instance.empty()) ImGui::Text("presentation #%d of this class", m.trace.instance[ts]);
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
    if (ImGui::CollapsingHeader("What am I looking at?", m.show_help ? ImGuiTreeNodeFlags_DefaultOpen : 0)) draw_help();
  }
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("mem_right", ImVec2(0, 0), false);
  {
    const float w = ImGui::GetContentRegionAvail().x;
    const float h = std::max(fs * 4.0f, (ImGui::GetContentRegionAvail().y - fs * 16.0f) / 3.0f);
    const ImVec2 wp = ImGui::GetCursorScreenPos();
    draw_over_time(m, "Read weights (rows: slots, columns: steps)", m.trace.read_weights, ImVec2(w, h));
    draw_over_time(m, "Write weights", m.trace.write_weights, ImVec2(w, h));
    draw_over_time(m, "Usage", m.trace.usage, ImVec2(w, h));
    m.rects.weights = LabRect{wp.x, wp.y, w, ImGui::GetCursorScreenPos().y - wp.y};
    // Accuracy by presentation.
    ImGui::Text("Accuracy by presentation (%d meta-test episodes)", kEvalEpisodes);
    const ImVec2 p0 = ImGui::GetCursorScreenPos();
    const ImVec2 sz(w, std::max(fs * 9.0f, ImGui::GetContentRegionAvail().y - fs * 0.5f));
    ImGui::InvisibleButton("accuracy_plot", sz);
    m.rects.accuracy = last_item_rect();
    const LabColors col = LabColors::get(st.ui.dark_theme);
    const ImU32 colors[3] = {col.meta, col.pretrain, col.scratch};
    char labels[3][64];
    LegendItem legend[3];
    for (int a = 0; a < 3; ++a) {
      std::snprintf(labels[a], sizeof labels[a], "%s (%.0f%%)", kArchTitle[a], 100.0 * m.overall[a]);
      legend[a] = {labels[a], LegendItem::Kind::Line, colors[a], 2.5f};
    }
    Plot plot(dl, p0, ImVec2(p0.x + sz.x, p0.y + sz.y), PlotRange{0.7, kInstances + 0.3, 0, 1},
              PlotColors::from_style(st.ui.dark_theme), "presentation of the class", "accuracy", legend, 3);
    dl->AddLine(plot.to_screen(0.7, 1.0 / kWays), plot.to_screen(kInstances + 0.3, 1.0 / kWays), col.diagonal, 1.0f);
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

std::string memory_status_json(const AppState& st) {
  const MemoryLabState& m = st.memory;
  char b[640];
  std::snprintf(b, sizeof b,
                ",\"memory\":{\"seed\":%llu,\"episode_index\":%d,\"step\":%d,\"steps\":%d,\"replaying\":%s,"
                "\"training\":%s,\"iterations\":[%ld,%ld,%ld],\"overall\":[%.4f,%.4f,%.4f],\"train_ms\":%.3f,"
                "\"checksum\":\"%s\",\"rects\":{\"play\":%s,\"next\":%s,\"new_episode\":%s,\"memory\":%s}}",
                static_cast<unsigned long long>(m.seed), m.episode_index, m.step, m.trace.steps(),
                m.replaying ? "true" : "false", m.training ? "true" : "false",
                m.models[0] ? m.models[0]->iteration() : 0L, m.models[1] ? m.models[1]->iteration() : 0L,
                m.models[2] ? m.models[2]->iteration() : 0L, m.overall[0], m.overall[1], m.overall[2], m.train_ms,
                m.checksum.c_str(), json_rect(m.rects.play).c_str(), json_rect(m.rects.next).c_str(),
                json_rect(m.rects.new_episode).c_str(), json_rect(m.rects.memory).c_str());
  return b;
}

}  // namespace metalab::web
