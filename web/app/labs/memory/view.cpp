#include "web/app/labs/memory/view.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <imgui.h>

#include "web/app/labs/memory/lab.h"
#include "web/app/page/app_state.h"
#include "web/app/page/checkpoints.h"
#include "web/app/ui/plot.h"
#include "web/app/ui/strings.h"
#include "web/app/ui/widgets.h"

namespace metalab::web {

namespace {

// The three networks' names, in the order of MemoryJob::model().
const char* const kModelKeys[kMemoryModels] = {"ui.memory.model_mann", "ui.memory.model_lstm", "ui.memory.model_ff"};

bool button(const char* key, const char* id) { return ImGui::Button(tr_id(key, id).c_str()); }

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
  const std::string ways = std::to_string(job.ways());
  ImGui::TextUnformatted(
      format_tr("ui.memory.help.episode", {{"ways", ways}, {"instances", std::to_string(job.instances())}}).c_str());
  ImGui::TextUnformatted(tr("ui.memory.help.mann"));
  ImGui::TextUnformatted(format_tr("ui.memory.help.accuracy", {{"ways", ways}}).c_str());
  ImGui::TextUnformatted(tr(job.from_shipped() ? "ui.memory.help.shipped" : "ui.memory.help.live"));
  ImGui::PopTextWrapPos();
}

// "Weights: ..." - which networks the view shows.
std::string weights_line(const MemoryJob& job) {
  if (job.from_shipped()) {
    const LearnerConfig& c = job.model(0).config();
    const long more = job.model(0).iteration() - job.shipped_iteration(0);
    std::string s = format_tr(more > 0 ? "ui.memory.weights_shipped_more" : "ui.memory.weights_shipped",
                              {{"it", std::to_string(job.shipped_iteration(0))},
                               {"hidden", std::to_string(c.model.hidden.empty() ? 0 : c.model.hidden[0])},
                               {"slots", std::to_string(c.memory_slots)},
                               {"width", std::to_string(c.memory_width)},
                               {"heads", std::to_string(c.read_heads)},
                               {"ways", std::to_string(job.ways())},
                               {"instances", std::to_string(job.instances())},
                               {"size", std::to_string(job.image_size())},
                               {"more", std::to_string(more)}});
    if (!job.uploaded.empty()) s += format_tr("ui.memory.weights_uploaded", {{"what", job.uploaded}});
    return s;
  }
  return format_tr("ui.memory.weights_live", {{"mann", std::to_string(job.model(0).iteration())},
                                              {"lstm", std::to_string(job.model(1).iteration())},
                                              {"ff", std::to_string(job.model(2).iteration())}});
}

}  // namespace

void draw_memory_lab(AppState& st) {
  MemoryLab& lab = st.memory;
  MemoryViewState& v = lab.view;
  Rects& rects = v.rects;
  const float fs = ImGui::GetFontSize();
  MemoryJob* job = lab.job();
  draw_heading(st, tr("ui.memory.title"));
  const bool training = job && job->playing;
  const char* train_key = training                             ? "ui.memory.pause"
                          : job && job->from_shipped() ? "ui.memory.train_further"
                                                       : "ui.memory.train";
  const auto button_w = [](const char* label) {
    return ImGui::CalcTextSize(label).x + ImGui::GetStyle().FramePadding.x * 2;
  };
  if ((button(train_key, "train") || st.shortcuts.play_pause) && job) job->playing = !job->playing;
  rects["train"] = last_item_rect();
  same_line_if_fits(button_w(tr("ui.memory.new_episode")));
  if (button("ui.memory.new_episode", "new_episode") || st.shortcuts.new_sample) ++lab.settings.episode;
  rects["new_episode"] = last_item_rect();
  const char* reset_key = job && job->from_shipped() ? "ui.memory.reset_shipped" : "ui.memory.reset";
  same_line_if_fits(button_w(tr(reset_key)));
  if (button(reset_key, "reset") || st.shortcuts.reset)
    reset_memory(lab);
  rects["reset"] = last_item_rect();
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tr("ui.memory.reset_tip"));
  if (shipped_memory_available(lab, st.assets)) {
    same_line_if_fits(button_w(tr("ui.memory.use_shipped")));
    if (button("ui.memory.use_shipped", "use_shipped")) use_shipped_memory(lab);  // back to the natively trained ones
    rects["use_shipped"] = last_item_rect();
  } else {
    rects["use_shipped"] = Rect{};
  }
  same_line_if_fits(button_w(tr("ui.memory.download")));
  ImGui::BeginDisabled(!job);
  if (button("ui.memory.download", "download"))
    offer_download(st, [&lab](std::string* name) { return memory_checkpoint_bytes(lab, name); });
  ImGui::EndDisabled();
  rects["download"] = last_item_rect();
  if (job && job->playing) {
    ImGui::SameLine();
    ImGui::TextUnformatted(format_tr("ui.memory.speed", {{"speed", fixed(job->timing.steps_per_s, 1)},
                                                         {"ms", fixed(job->timing.step_ms, 0)}})
                               .c_str());
  }
  if (!lab.error.empty()) draw_banner(st, BannerKind::Warning, lab.error, "mem_error", false);
  if (job && !job->error.empty() && draw_banner(st, BannerKind::Error, format_tr("ui.memory.training_stopped", {{"error", job->error}}),
                                                 "mem_train_error", true))
    job->error.clear();
  if (!job) {
    ImGui::TextUnformatted(tr("ui.memory.loading"));
    return;
  }
  ImGui::TextWrapped("%s", weights_line(*job).c_str());
  if (job->from_shipped() && job->playing && job->timing.step_ms > 20)
    ImGui::TextDisabled("%s", format_tr("ui.memory.slow", {{"ms", fixed(job->timing.step_ms, 0)}}).c_str());

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
  if (button(v.replaying ? "ui.memory.replay_pause" : "ui.memory.replay_play", "replay")) {
    if (!v.replaying && v.step + 1 >= T) v.step = 0;
    v.replaying = !v.replaying;
  }
  rects["play"] = last_item_rect();
  ImGui::SameLine();
  if (ImGui::Button(">##next") && v.step + 1 < T) ++v.step;
  rects["next"] = last_item_rect();
  same_line_if_fits(fs * 8.0f);
  ImGui::SetNextItemWidth(std::min(fs * 20.0f, ImGui::GetContentRegionAvail().x - fs * 3.0f));
  ImGui::SliderInt("###step", &v.step, 0, T - 1,
                   tr("ui.memory.step_format"), ImGuiSliderFlags_AlwaysClamp);
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
    ImGui::TextUnformatted(
        format_tr("ui.memory.step_of", {{"n", std::to_string(v.step + 1)}, {"total", std::to_string(T)}}).c_str());
    if (v.step == 0) ImGui::TextUnformatted(tr("ui.memory.previous_label_none"));
    else ImGui::TextUnformatted(format_tr("ui.memory.previous_label", {{"label", std::to_string(trace.labels[ts - 1])}}).c_str());
    ImGui::TextUnformatted(format_tr("ui.memory.true_label", {{"label", std::to_string(truth)}}).c_str());
    ImGui::TextColored(pred == truth ? ImVec4(0.15f, 0.65f, 0.25f, 1) : ImVec4(0.85f, 0.15f, 0.15f, 1), "%s",
                       format_tr("ui.memory.mann_says", {{"label", std::to_string(pred)},
                                                         {"pct", fixed(100.0f * trace.probabilities(v.step, pred), 0)}})
                           .c_str());
    if (!trace.instance.empty())
      ImGui::TextUnformatted(format_tr("ui.memory.presentation", {{"n", std::to_string(trace.instance[ts])},
                                                                  {"total", std::to_string(job->instances())}})
                                 .c_str());
    ImGui::EndGroup();
    // Memory matrix.
    ImGui::TextUnformatted(format_tr("ui.memory.memory_title", {{"n", std::to_string(v.step + 1)},
                                                                {"slots", std::to_string(trace.slots)},
                                                                {"width", std::to_string(trace.width)}})
                               .c_str());
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
        ImGui::CollapsingHeader(tr_id("ui.what_am_i_looking_at", "help").c_str(),
                                v.show_help ? ImGuiTreeNodeFlags_DefaultOpen : 0))
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
    draw_over_time(v.step, tr("ui.memory.read_weights"), trace.read_weights, ImVec2(w, h));
    draw_over_time(v.step, tr("ui.memory.write_weights"), trace.write_weights, ImVec2(w, h));
    draw_over_time(v.step, tr("ui.memory.usage"), trace.usage, ImVec2(w, h));
    rects["weights"] = Rect{wp.x, wp.y, w, ImGui::GetCursorScreenPos().y - wp.y};
    // Accuracy by presentation.
    const PresentationAccuracyJob& acc = lab.accuracy;
    const std::string episodes = std::to_string(PresentationAccuracyJob::kEpisodes);
    ImGui::TextWrapped("%s", acc.done == 0 ? format_tr("ui.memory.accuracy_title", {{"episodes", episodes}}).c_str()
                                           : format_tr("ui.memory.accuracy_evaluating",
                                                       {{"episodes", episodes},
                                                        {"model", tr(kModelKeys[acc.evaluating])},
                                                        {"done", std::to_string(acc.done)}})
                                                 .c_str());
    const ImVec2 p0 = ImGui::GetCursorScreenPos();
    const ImVec2 sz(w, narrow ? std::max(fs * 10.0f, w * 0.7f) : std::max(fs * 9.0f, ImGui::GetContentRegionAvail().y - fs * 0.5f));
    ImGui::Dummy(sz);  // not a widget: a finger dragging here scrolls
    rects["accuracy"] = last_item_rect();
    const LabColors col = LabColors::get(st.ui.dark_theme);
    const ImU32 colors[3] = {col.meta, col.pretrain, col.scratch};
    std::string labels[3];
    LegendItem legend[3];
    for (int a = 0; a < 3; ++a) {
      if (acc.by_instance[static_cast<std::size_t>(a)].empty())  // not evaluated yet
        labels[a] = tr(kModelKeys[a]);
      else
        labels[a] = format_tr("ui.memory.legend_accuracy", {{"model", tr(kModelKeys[a])},
                                                            {"pct", fixed(100.0 * acc.overall[static_cast<std::size_t>(a)], 0)}});
      legend[a] = {labels[a].c_str(), LegendItem::Kind::Line, colors[a], 2.5f};
    }
    const int instances = job->instances();
    Plot plot(dl, p0, ImVec2(p0.x + sz.x, p0.y + sz.y), PlotRange{0.7, instances + 0.3, 0, 1},
              PlotColors::from_style(st.ui.dark_theme), tr("ui.memory.presentation_axis"),
              tr("ui.memory.accuracy_axis"), legend, 3);
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
      ImGui::CollapsingHeader(tr_id("ui.what_am_i_looking_at", "help").c_str(),
                                v.show_help ? ImGuiTreeNodeFlags_DefaultOpen : 0))
    draw_help(*job);
}

}  // namespace metalab::web
