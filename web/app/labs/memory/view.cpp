#include "web/app/labs/memory/view.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <imgui.h>

#include "web/app/labs/memory/lab.h"
#include "web/app/page/app_state.h"
#include "web/app/page/checkpoints.h"
#include "web/app/ui/plot.h"
#include "web/app/ui/widgets.h"

namespace metalab::web {

namespace {

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
void draw_over_time(int step, const char* title, const std::vector<Matrix>& per_step, ImVec2 size) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  ImGui::TextWrapped("%s", title);
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
  dl->AddRect(ImVec2(p.x + step * cw, p.y), ImVec2(p.x + (step + 1) * cw, p.y + size.y), IM_COL32(230, 60, 30, 255),
              0, 0, 2.0f);
}

void draw_help(const MemoryJob& job) {
  ImGui::PushTextWrapPos(0);
  ImGui::Text(
      "An episode is a sequence of images from %d classes never seen in training, %d of each, shuffled. With each "
      "image the network receives the label of the PREVIOUS image: the label arrives one step late. The labels are "
      "shuffled in every episode, so the first time a class appears the network can only guess; after that, to be "
      "right it must have stored the (image, label) binding in memory and retrieve it when a similar image comes back.",
      job.ways(), job.instances());
  ImGui::TextUnformatted(
      "MANN: an LSTM controller writes to an external memory (rows = slots) and reads from it by content: the read "
      "weights are a softmax over the cosine similarity of a key with every slot. Writes go to the last-read slot or "
      "to the least-used one (usage decays over time). The heatmaps show, for every step (columns), how much each slot "
      "(rows) was read, written and used (summed over the read heads).");
  ImGui::Text(
      "Accuracy by presentation: at the 1st presentation every model is at chance (1/%d); a model that learned to use "
      "memory gets better from the 2nd on. The LSTM can only keep a few bindings in its hidden state; the "
      "feed-forward network has no memory at all and stays near chance.",
      job.ways());
  if (job.from_shipped())
    ImGui::TextUnformatted(
        "These networks were trained natively (scripts/make-web-checkpoints.sh) and shipped with the page. "
        "Reset switches to tiny networks trained here from scratch, in a few minutes: expect modest numbers.");
  else
    ImGui::TextUnformatted(
        "These tiny networks are trained here in the page from scratch: expect modest numbers after a few minutes.");
  ImGui::PopTextWrapPos();
}

// "Weights: ..." - which networks the view shows.
std::string weights_line(const MemoryJob& job) {
  char b[256];
  if (job.from_shipped()) {
    const LearnerConfig& c = job.model(0).config();
    const long more = job.model(0).iteration() - job.shipped_iteration(0);
    std::snprintf(b, sizeof b,
                  "Weights: shipped checkpoints, trained natively for %ld iterations (MANN controller %d, memory "
                  "%d x %d, %d heads; %d-way episodes of %d presentations, %dx%d glyphs)",
                  job.shipped_iteration(0), c.model.hidden.empty() ? 0 : c.model.hidden[0], c.memory_slots,
                  c.memory_width, c.read_heads, job.ways(), job.instances(), job.image_size(), job.image_size());
    std::string s = b;
    if (more > 0) s += ", then " + std::to_string(more) + " iterations here";
    return s + "." + (job.uploaded.empty() ? "" : " Uploaded: " + job.uploaded + ".");
  }
  std::snprintf(b, sizeof b, "Weights: trained here from scratch, iteration %ld (MANN), %ld (LSTM), %ld (FF).",
                job.model(0).iteration(), job.model(1).iteration(), job.model(2).iteration());
  return b;
}

}  // namespace

void draw_memory_lab(AppState& st) {
  MemoryLab& lab = st.memory;
  MemoryViewState& v = lab.view;
  Rects& rects = v.rects;
  const float fs = ImGui::GetFontSize();
  MemoryJob* job = lab.job();
  draw_heading(st, "Memory lab");
  const bool training = job && job->playing;
  const char* train_label = training ? "Pause training (Space)" : job && job->from_shipped() ? "Train further here (Space)" : "Train (Space)";
  const auto button_w = [](const char* label) {
    return ImGui::CalcTextSize(label).x + ImGui::GetStyle().FramePadding.x * 2;
  };
  if ((ImGui::Button(train_label) || st.shortcuts.play_pause) && job) job->playing = !job->playing;
  rects["train"] = last_item_rect();
  same_line_if_fits(button_w("New episode (E)"));
  if (ImGui::Button("New episode (E)") || st.shortcuts.new_sample) ++lab.settings.episode;
  rects["new_episode"] = last_item_rect();
  const char* reset_label = job && job->from_shipped() ? "Reset (train tiny models here)" : "Reset";
  same_line_if_fits(button_w(reset_label));
  if (ImGui::Button(reset_label) || st.shortcuts.reset)
    reset_memory(lab);
  rects["reset"] = last_item_rect();
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Start over with three tiny networks (3-way x 6 episodes) trained live in the page.");
  if (shipped_memory_available(lab, st.assets)) {
    same_line_if_fits(button_w("Shipped networks"));
    if (ImGui::Button("Shipped networks")) use_shipped_memory(lab);  // back to the natively trained ones
    rects["use_shipped"] = last_item_rect();
  } else {
    rects["use_shipped"] = Rect{};
  }
  same_line_if_fits(button_w("Download MANN"));
  ImGui::BeginDisabled(!job);
  if (ImGui::Button("Download MANN"))
    offer_download(st, [&lab](std::string* name) { return memory_checkpoint_bytes(lab, name); });
  ImGui::EndDisabled();
  rects["download"] = last_item_rect();
  if (job && job->playing) {
    ImGui::SameLine();
    ImGui::Text("%.1f it/s  (%.0f ms per iteration)", job->timing.steps_per_s, job->timing.step_ms);
  }
  if (!lab.error.empty()) draw_banner(st, BannerKind::Warning, lab.error, "mem_error", false);
  if (job && !job->error.empty() && draw_banner(st, BannerKind::Error, "Training stopped: " + job->error, "mem_train_error", true))
    job->error.clear();
  if (!job) {
    ImGui::TextUnformatted("Loading the networks shipped with the page...");
    return;
  }
  ImGui::TextWrapped("%s", weights_line(*job).c_str());
  if (job->from_shipped() && job->playing && job->timing.step_ms > 20)
    ImGui::TextDisabled("One update of these networks takes about %.0f ms here: the page runs one every few frames.",
                        job->timing.step_ms);

  const MemorySettings& s = lab.settings;
  const long long shown = v.clock.follow(job->weights_version(), now_ms(), job->playing);
  const EpisodeTrace& et = v.trace.get({job->id(), shown, s.seed, s.episode},
                                       [&] { return trace_episode(*job, s.seed, s.episode); });
  if (!et.error.empty()) draw_banner(st, BannerKind::Warning, et.error, "mem_trace_error", false);
  const MemoryTrace& trace = et.trace;
  const int T = trace.steps();
  if (T == 0) return;
  const std::tuple<long long, std::uint64_t, int> episode_key{job->id(), s.seed, s.episode};
  if (v.step_for != episode_key) {  // a new episode: start mid-way, where the memory already holds bindings
    v.step_for = episode_key;
    v.step = T / 2;
  }

  // Replay controls.
  if (v.replaying) {
    v.replay_clock += static_cast<double>(ImGui::GetIO().DeltaTime);
    if (v.replay_clock > 0.5) {
      v.replay_clock = 0;
      if (v.step + 1 < T) ++v.step;
      else v.replaying = false;
    }
  }
  if (ImGui::Button("<##prev") && v.step > 0) --v.step;
  rects["prev"] = last_item_rect();
  ImGui::SameLine();
  if (ImGui::Button(v.replaying ? "Pause replay" : "Play replay")) {
    if (!v.replaying && v.step + 1 >= T) v.step = 0;
    v.replaying = !v.replaying;
  }
  rects["play"] = last_item_rect();
  ImGui::SameLine();
  if (ImGui::Button(">##next") && v.step + 1 < T) ++v.step;
  rects["next"] = last_item_rect();
  same_line_if_fits(fs * 8.0f);
  ImGui::SetNextItemWidth(std::min(fs * 20.0f, ImGui::GetContentRegionAvail().x - fs * 3.0f));
  ImGui::SliderInt("step", &v.step, 0, T - 1, "step %d", ImGuiSliderFlags_AlwaysClamp);
  rects["step_slider"] = last_item_rect();
  v.step = std::clamp(v.step, 0, T - 1);

  const auto ts = static_cast<std::size_t>(v.step);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float avail = ImGui::GetContentRegionAvail().x;
  // Phones and narrow windows: one column (the view scrolls).
  const bool narrow = avail < fs * 44.0f;
  if (!narrow) ImGui::BeginChild("mem_left", ImVec2(std::max(fs * 16.0f, avail * 0.36f), 0), false);
  {
    // The input and its delayed label.
    const ImVec2 p = ImGui::GetCursorScreenPos();
    const float sz = fs * 6.0f;
    ImGui::Dummy(ImVec2(sz, sz));
    rects["input"] = last_item_rect();
    const Eigen::RowVectorXf row = trace.inputs.row(v.step);
    const int n = job->image_size();
    const float cw = sz / static_cast<float>(n);
    dl->AddRectFilled(p, ImVec2(p.x + sz, p.y + sz), IM_COL32(0, 0, 0, 255));
    for (int y = 0; y < n && n * n <= row.size(); ++y)
      for (int x = 0; x < n; ++x) {
        const int g = static_cast<int>(std::clamp(row(y * n + x), 0.0f, 1.0f) * 255);
        if (g > 6) dl->AddRectFilled(ImVec2(p.x + x * cw, p.y + y * cw), ImVec2(p.x + (x + 1) * cw, p.y + (y + 1) * cw), IM_COL32(g, g, g, 255));
      }
    ImGui::SameLine();
    ImGui::BeginGroup();
    const int truth = trace.labels[ts];
    const int pred = trace.predictions[ts];
    ImGui::Text("step %d of %d", v.step + 1, T);
    if (v.step == 0) ImGui::TextUnformatted("label of previous: none");
    else ImGui::Text("label of previous: %d", trace.labels[ts - 1]);
    ImGui::Text("true label: %d", truth);
    ImGui::TextColored(pred == truth ? ImVec4(0.15f, 0.65f, 0.25f, 1) : ImVec4(0.85f, 0.15f, 0.15f, 1), "MANN says: %d (%.0f%%)",
                       pred, 100.0f * trace.probabilities(v.step, pred));
    if (!trace.instance.empty()) ImGui::Text("presentation %d of %d", trace.instance[ts], job->instances());
    ImGui::EndGroup();
    // Memory matrix.
    ImGui::Text("Memory after step %d (%d slots x %d)", v.step + 1, trace.slots, trace.width);
    const ImVec2 q = ImGui::GetCursorScreenPos();
    const float mw = ImGui::GetContentRegionAvail().x - fs * 0.5f;
    const ImVec2 msz(mw, std::min(fs * 14.0f, mw * 1.2f));
    ImGui::Dummy(msz);
    rects["memory"] = last_item_rect();
    if (ts < trace.memory.size()) {
      const Matrix& mem = trace.memory[ts];
      const float sc = std::max(1e-3f, mem.cwiseAbs().maxCoeff());
      draw_heatmap(dl, q, msz, static_cast<int>(mem.rows()), static_cast<int>(mem.cols()),
                   [&](int r, int c) { return diverging(mem(r, c), sc); });
    }
    if (!narrow && !st.ui.presenter &&
        ImGui::CollapsingHeader("What am I looking at?", v.show_help ? ImGuiTreeNodeFlags_DefaultOpen : 0))
      draw_help(*job);
  }
  if (!narrow) {
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("mem_right", ImVec2(0, 0), false);
  }
  {
    const float w = ImGui::GetContentRegionAvail().x;
    // The three heatmaps share about half the height; the accuracy plot gets the rest.
    const float h = narrow ? fs * 4.0f : std::max(fs * 3.0f, (ImGui::GetContentRegionAvail().y * 0.52f - fs * 4.5f) / 3.0f);
    const ImVec2 wp = ImGui::GetCursorScreenPos();
    draw_over_time(v.step, "Read weights (rows: slots, columns: steps)", trace.read_weights, ImVec2(w, h));
    draw_over_time(v.step, "Write weights", trace.write_weights, ImVec2(w, h));
    draw_over_time(v.step, "Usage", trace.usage, ImVec2(w, h));
    rects["weights"] = Rect{wp.x, wp.y, w, ImGui::GetCursorScreenPos().y - wp.y};
    // Accuracy by presentation.
    const PresentationAccuracyJob& acc = lab.accuracy;
    if (acc.done == 0)
      ImGui::TextWrapped("Accuracy by presentation (%d meta-test episodes)", PresentationAccuracyJob::kEpisodes);
    else
      ImGui::TextWrapped("Accuracy by presentation (%d meta-test episodes; evaluating %s: %d)", PresentationAccuracyJob::kEpisodes,
                  kMemoryModelTitles[acc.evaluating], acc.done);
    const ImVec2 p0 = ImGui::GetCursorScreenPos();
    const ImVec2 sz(w, narrow ? std::max(fs * 10.0f, w * 0.7f) : std::max(fs * 9.0f, ImGui::GetContentRegionAvail().y - fs * 0.5f));
    ImGui::Dummy(sz);  // not a widget: a finger dragging here scrolls
    rects["accuracy"] = last_item_rect();
    const LabColors col = LabColors::get(st.ui.dark_theme);
    const ImU32 colors[3] = {col.meta, col.pretrain, col.scratch};
    char labels[3][64];
    LegendItem legend[3];
    for (int a = 0; a < 3; ++a) {
      if (acc.by_instance[static_cast<std::size_t>(a)].empty())  // not evaluated yet
        std::snprintf(labels[a], sizeof labels[a], "%s", kMemoryModelTitles[a]);
      else
        std::snprintf(labels[a], sizeof labels[a], "%s (%.0f%%)", kMemoryModelTitles[a], 100.0 * acc.overall[static_cast<std::size_t>(a)]);
      legend[a] = {labels[a], LegendItem::Kind::Line, colors[a], 2.5f};
    }
    const int instances = job->instances();
    Plot plot(dl, p0, ImVec2(p0.x + sz.x, p0.y + sz.y), PlotRange{0.7, instances + 0.3, 0, 1},
              PlotColors::from_style(st.ui.dark_theme), "presentation of the class", "accuracy", legend, 3);
    dl->AddLine(plot.to_screen(0.7, 1.0 / job->ways()), plot.to_screen(instances + 0.3, 1.0 / job->ways()), col.diagonal, 1.0f);
    for (int a = 0; a < 3; ++a) {
      const auto& values = acc.by_instance[static_cast<std::size_t>(a)];
      if (values.empty()) continue;
      std::vector<float> xs, ys;
      for (std::size_t k = 0; k < values.size(); ++k) {
        xs.push_back(static_cast<float>(k + 1));
        ys.push_back(static_cast<float>(values[k]));
      }
      plot_polyline(plot, xs.data(), ys.data(), static_cast<int>(xs.size()), colors[a], 2.5f);
      for (std::size_t k = 0; k < values.size(); ++k) dl->AddCircleFilled(plot.to_screen(xs[k], ys[k]), 3.5f, colors[a]);
    }
  }
  if (!narrow) ImGui::EndChild();
  if (narrow && !st.ui.presenter &&
      ImGui::CollapsingHeader("What am I looking at?", v.show_help ? ImGuiTreeNodeFlags_DefaultOpen : 0))
    draw_help(*job);
}

}  // namespace metalab::web
