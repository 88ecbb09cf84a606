#include "web/app/labs/regression/view.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>

#include <imgui.h>

#include "core/common/rng.h"
#include "core/tasks/regression_sources.h"
#include "web/app/labs/regression/lab.h"
#include "web/app/page/app_state.h"
#include "web/app/page/checkpoints.h"
#include "web/app/page/fingerprint.h"
#include "web/app/page/learners.h"
#include "web/app/ui/plot.h"
#include "web/app/ui/settings_controls.h"
#include "web/app/ui/widgets.h"

namespace metalab::web {

namespace {

constexpr int kGrid = 200;  // x samples of the sinusoid curves
constexpr std::uint64_t kHeldOutStream = 0x48454C444F5554ULL;  // "HELDOUT"

// Task `index` of the held-out stream of the seed, for the job's source.
HeldOutTask draw_heldout(const RegressionJob& job, std::uint64_t seed, int index, int k) {
  Rng tasks(seed ^ kHeldOutStream);
  Rng t = tasks.split();
  for (int i = 0; i < index; ++i) t = tasks.split();
  HeldOutTask h;
  if (job.task() == "sinusoid") {
    SinusoidConfig c;
    c.support_size = k;
    c.query_size = 10;
    const SinusoidDistribution dist(c);
    h.truth = dist.sample_params(t);
    h.task = dist.sample_points(h.truth, t);
    char b[96];
    std::snprintf(b, sizeof b, "A = %.2f, phase = %.2f", h.truth.amplitude, h.truth.phase);
    h.info = b;
  } else if (const auto* p = dynamic_cast<const PromoterSource*>(&job.source())) {
    const PromoterTask pt = p->distribution().sample_detailed(Split::MetaTest, t);
    h.task = pt.task;
    h.info = p->distribution().cell_type(pt.cell_type).name + " (meta-test)";
  } else if (const auto* g = dynamic_cast<const GeneExpressionSource*>(&job.source())) {
    const GeneExpressionTask gt = g->distribution().sample_detailed(Split::MetaTest, t);
    h.task = gt.task;
    h.info = "gene " + gt.gene_name + " (meta-test)";
  } else {
    h.task = job.source().sample(Split::MetaTest, t);
    h.info = h.task.info;
  }
  return h;
}

// What the three models predict on the held-out task: on a grid under the true
// curve (sinusoid) or on its query samples.
AdaptedModels predict(const RegressionJob& job, const HeldOutTask& h) {
  if (job.task() != "sinusoid") return adapt_models(job, h.task, h.task.query_x, h.task.query_y);
  Matrix x(kGrid, 1), y(kGrid, 1);
  const SinusoidConfig cfg;
  for (int i = 0; i < kGrid; ++i) {
    const double xi = cfg.x_min + (cfg.x_max - cfg.x_min) * i / (kGrid - 1);
    x(i, 0) = static_cast<float>(xi);
    y(i, 0) = static_cast<float>(h.truth(xi));
  }
  return adapt_models(job, h.task, std::move(x), std::move(y));
}

// A checksum of every prediction of the meta-learner (the browser test compares it).
std::string checksum_of(const AdaptedPredictions& meta) {
  if (!meta.ok()) return "none";
  double sum = 0;
  for (std::size_t k = 0; k < meta.by_step.size(); ++k)
    for (std::size_t i = 0; i < meta.by_step[k].size(); ++i)
      sum += static_cast<double>(meta.by_step[k][i]) * (1.0 + 0.01 * static_cast<double>(k) + 0.001 * static_cast<double>(i % 97));
  char b[48];
  std::snprintf(b, sizeof b, "%.9g", sum);
  return b;
}

// Support-point editing on the sinusoid plot: click adds, drag moves, right-click removes.
void edit_support_points(RegressionViewState& v, Task& t, const Plot& plot, bool hovered, float radius) {
  const ImGuiIO& io = ImGui::GetIO();
  const ImVec2 mn = plot.inner_min(), mx = plot.inner_max();
  const SinusoidConfig cfg;
  const double ymax = cfg.amplitude_max * 1.2;
  const auto to_data = [&](ImVec2 p, float* x, float* y) {
    const double tx = (p.x - mn.x) / std::max(1.0f, mx.x - mn.x);
    const double ty = (mx.y - p.y) / std::max(1.0f, mx.y - mn.y);
    *x = static_cast<float>(std::clamp(cfg.x_min + tx * (cfg.x_max - cfg.x_min), cfg.x_min, cfg.x_max));
    *y = static_cast<float>(std::clamp(-ymax + ty * 2 * ymax, -ymax, ymax));
  };
  int near = -1;
  float best = radius * 1.8f;
  for (Eigen::Index i = 0; i < t.support_x.rows(); ++i) {
    const ImVec2 p = plot.to_screen(t.support_x(i, 0), t.support_y(i, 0));
    const float d = std::hypot(p.x - io.MousePos.x, p.y - io.MousePos.y);
    if (d < best) {
      best = d;
      near = static_cast<int>(i);
    }
  }
  const bool inside = io.MousePos.x >= mn.x && io.MousePos.x <= mx.x && io.MousePos.y >= mn.y && io.MousePos.y <= mx.y;
  if (hovered && inside && ImGui::IsMouseClicked(ImGuiMouseButton_Left)) {
    if (near >= 0) {
      v.dragging = near;
    } else {
      float x, y;
      to_data(io.MousePos, &x, &y);
      const Eigen::Index n = t.support_x.rows();
      t.support_x.conservativeResize(n + 1, 1);
      t.support_y.conservativeResize(n + 1, 1);
      t.support_x(n, 0) = x;
      t.support_y(n, 0) = y;
      v.dragging = static_cast<int>(n);
    }
  }
  if (v.dragging >= 0) {
    if (!ImGui::IsMouseDown(ImGuiMouseButton_Left) || v.dragging >= t.support_x.rows()) {
      v.dragging = -1;
    } else if (io.MouseDelta.x != 0 || io.MouseDelta.y != 0) {
      float x, y;
      to_data(io.MousePos, &x, &y);
      t.support_x(v.dragging, 0) = x;
      t.support_y(v.dragging, 0) = y;
    }
  }
  if (hovered && near >= 0 && ImGui::IsMouseClicked(ImGuiMouseButton_Right)) {
    const Eigen::Index n = t.support_x.rows();
    for (Eigen::Index i = near; i + 1 < n; ++i) {
      t.support_x(i, 0) = t.support_x(i + 1, 0);
      t.support_y(i, 0) = t.support_y(i + 1, 0);
    }
    t.support_x.conservativeResize(n - 1, 1);
    t.support_y.conservativeResize(n - 1, 1);
    v.dragging = -1;
  }
  if (hovered && (near >= 0 || v.dragging >= 0)) ImGui::SetMouseCursor(ImGuiMouseCursor_Hand);
}


void draw_adaptation_plot(AppState& st, const RegressionJob& s, HeldOutTask& held, const AdaptedModels& c, ImVec2 size) {
  RegressionLab& lab = st.regression;
  RegressionViewState& v = lab.view;
  const float fs = ImGui::GetFontSize();
  const LabColors col = LabColors::get(st.ui.dark_theme);
  const float line = std::max(1.5f, fs * 0.16f), dot = std::max(3.0f, fs * 0.33f);
  const bool sinus = lab.settings.task == "sinusoid";
  ImGui::InvisibleButton("adapt_plot", size, ImGuiButtonFlags_MouseButtonLeft | ImGuiButtonFlags_MouseButtonRight);
  const bool hovered = ImGui::IsItemHovered();
  v.rects["plot"] = last_item_rect();
  const ImVec2 pmin = ImGui::GetItemRectMin(), pmax = ImGui::GetItemRectMax();
  const int step = std::clamp(lab.settings.adapt, 0, kAdaptSteps);

  const bool show[3] = {v.show_meta, v.show_pretrain, v.show_scratch};
  const ImU32 colors[3] = {col.meta, col.pretrain, col.scratch};
  const std::string meta_title = learner_title(s.settings().learner);
  const char* names[3] = {meta_title.c_str(), "Pretrain + fine-tune", "Scratch"};
  char labels[3][96];
  std::vector<LegendItem> legend;
  char support_label[64];
  if (sinus) {
    legend.push_back({"ground truth", LegendItem::Kind::Line, col.truth, line});
    std::snprintf(support_label, sizeof support_label, "%d support points", static_cast<int>(held.task.support_x.rows()));
  } else {
    std::snprintf(support_label, sizeof support_label, "prediction = truth");
    legend.push_back({support_label, LegendItem::Kind::Line, col.diagonal, 1.0f});
  }
  if (sinus) legend.push_back({support_label, LegendItem::Kind::Dot, col.support, dot, col.support_outline});
  for (int m = 0; m < 3; ++m) {
    if (!show[m]) continue;
    const AdaptedPredictions* p = &c.of(m);
    if (p->ok() && static_cast<int>(p->loss.size()) > step)
      std::snprintf(labels[m], sizeof labels[m], "%s (loss %.3f)", names[m], p->loss[static_cast<std::size_t>(step)]);
    else
      std::snprintf(labels[m], sizeof labels[m], "%s", names[m]);
    legend.push_back({labels[m], sinus ? LegendItem::Kind::Line : LegendItem::Kind::Dot, colors[m], sinus ? line : dot * 0.8f});
  }

  PlotRange range;
  if (sinus) {
    const SinusoidConfig cfg;
    const double ymax = cfg.amplitude_max * 1.2;
    range = PlotRange{cfg.x_min, cfg.x_max, -ymax, ymax};
  } else {
    float lo = 1e30f, hi = -1e30f;
    for (Eigen::Index i = 0; i < c.eval_y.rows(); ++i) {
      lo = std::min(lo, c.eval_y(i, 0));
      hi = std::max(hi, c.eval_y(i, 0));
    }
    for (int m = 0; m < 3; ++m) {
      const AdaptedPredictions* p = &c.of(m);
      if (!show[m] || !p->ok()) continue;
      for (float v : p->by_step[static_cast<std::size_t>(step)])
        if (std::isfinite(v)) {
          lo = std::min(lo, v);
          hi = std::max(hi, v);
        }
    }
    if (!(hi > lo)) {
      lo = -1;
      hi = 1;
    }
    const float pad = (hi - lo) * 0.08f;
    range = PlotRange{lo - pad, hi + pad, lo - pad, hi + pad};
  }
  Plot plot(ImGui::GetWindowDrawList(), pmin, pmax, range, PlotColors::from_style(st.ui.dark_theme),
            sinus ? "x" : "true (up: predicted)", sinus ? "y" : nullptr, legend.data(), static_cast<int>(legend.size()));
  if (sinus) {
    edit_support_points(v, held.task, plot, hovered, dot);
    plot.curve(held.truth, col.truth, line);
    const int n = static_cast<int>(c.eval_x.rows());
    std::vector<float> xs(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) xs[static_cast<std::size_t>(i)] = c.eval_x(i, 0);
    for (int m = 2; m >= 0; --m) {
      const AdaptedPredictions* p = &c.of(m);
      if (!show[m] || !p->ok() || static_cast<int>(p->by_step[static_cast<std::size_t>(step)].size()) != n) continue;
      plot_polyline(plot, xs.data(), p->by_step[static_cast<std::size_t>(step)].data(), n, colors[m], line);
    }
    std::vector<float> sx(static_cast<std::size_t>(held.task.support_x.rows())), sy(sx.size());
    for (std::size_t i = 0; i < sx.size(); ++i) {
      sx[i] = held.task.support_x(static_cast<Eigen::Index>(i), 0);
      sy[i] = held.task.support_y(static_cast<Eigen::Index>(i), 0);
    }
    plot.points(sx.data(), sy.data(), static_cast<int>(sx.size()), col.support, col.support_outline, dot);
  } else {
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddLine(plot.to_screen(range.x_min, range.x_min), plot.to_screen(range.x_max, range.x_max), col.diagonal, 1.0f);
    const int n = static_cast<int>(c.eval_y.rows());
    std::vector<float> ty(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) ty[static_cast<std::size_t>(i)] = c.eval_y(i, 0);
    for (int m = 2; m >= 0; --m) {
      const AdaptedPredictions* p = &c.of(m);
      if (!show[m] || !p->ok() || static_cast<int>(p->by_step[static_cast<std::size_t>(step)].size()) != n) continue;
      plot.points(ty.data(), p->by_step[static_cast<std::size_t>(step)].data(), n, colors[m], col.support_outline, dot * 0.8f);
    }
  }
  if (!c.meta.error.empty()) {
    const ImVec2 a = plot.inner_min();
    ImGui::GetWindowDrawList()->AddText(ImVec2(a.x + fs * 0.5f, a.y + fs * 0.3f), col.meta,
                                        sinus && held.task.support_x.rows() == 0
                                            ? "No support points: click in the plot to add some."
                                            : c.meta.error.c_str());
  }
}


void draw_loss_plot(AppState& st, const RegressionJob& s, ImVec2 size) {
  const float fs = ImGui::GetFontSize();
  const LabColors col = LabColors::get(st.ui.dark_theme);
  const LossCurves& c = s.curves();
  ImGui::Dummy(size);  // not a widget: a finger dragging here scrolls
  const ImVec2 pmin = ImGui::GetItemRectMin(), pmax = ImGui::GetItemRectMax();
  const float thin = std::max(1.0f, fs * 0.08f), thick = std::max(1.5f, fs * 0.15f);
  const ImU32 meta_faint = (col.meta & 0x00FFFFFF) | (90u << 24), pre_faint = (col.pretrain & 0x00FFFFFF) | (90u << 24);
  const LegendItem legend[] = {
      {"meta-train", LegendItem::Kind::Line, meta_faint, thick},
      {"meta-val", LegendItem::Kind::Line, col.meta, thick},
      {"pretrain train", LegendItem::Kind::Line, pre_faint, thick},
      {"pretrain val", LegendItem::Kind::Line, col.pretrain, thick},
  };
  double x0 = 0, x1 = 1, y0 = -2, y1 = 1;
  if (!c.it.empty()) {
    x0 = c.it.front() - 1;
    x1 = std::max<double>(c.it.back(), x0 + 10);
    double lo = 1e30, hi = -1e30;
    const auto scan = [&](const std::vector<float>& v) {
      for (float y : v)
        if (std::isfinite(y) && y > 0) {
          lo = std::min(lo, std::log10(static_cast<double>(y)));
          hi = std::max(hi, std::log10(static_cast<double>(y)));
        }
    };
    scan(c.train);
    scan(c.pre_train);
    scan(c.val);
    scan(c.pre_val);
    if (hi >= lo) {
      y0 = std::floor(lo * 2) / 2 - 0.1;
      y1 = std::ceil(hi * 2) / 2 + 0.1;
    }
  }
  Plot plot(ImGui::GetWindowDrawList(), pmin, pmax, PlotRange{x0, x1, y0, y1}, PlotColors::from_style(st.ui.dark_theme),
            "iteration (loss: log10 scale)", nullptr, legend, 4);
  plot_log_curve(plot, c.it, c.pre_train, pre_faint, thin);
  plot_log_curve(plot, c.it, c.train, meta_faint, thin);
  plot_log_curve(plot, c.val_it, c.pre_val, col.pretrain, thick, c.val_it.size() < 40);
  plot_log_curve(plot, c.val_it, c.val, col.meta, thick, c.val_it.size() < 40);
  if (c.it.empty()) {
    const char* msg = s.iteration() > 0 ? "Play (Space) continues training" : "Play (Space) starts meta-training";
    const ImVec2 a = plot.inner_min();
    ImGui::GetWindowDrawList()->AddText(ImVec2(a.x + fs * 0.5f, a.y + fs * 0.4f), PlotColors::from_style(st.ui.dark_theme).text, msg);
  }
}


void draw_gradient_panel(AppState& st, const MetaGradientCompare& g, const RegressionJob& s) {
  const float fs = ImGui::GetFontSize();
  const LabColors col = LabColors::get(st.ui.dark_theme);
  draw_heading(st, "Meta-gradient of this task");
  if (!g.available) {
    ImGui::TextWrapped("%s has no second-order meta-gradient to compare: its outer step moves the initialisation "
                       "towards the adapted weights (first order by construction).",
                       learner_title(s.settings().learner).c_str());
    return;
  }
  if (!g.error.empty()) {
    ImGui::TextWrapped("Not available: %s", g.error.c_str());
    return;
  }
  const double mx = std::max(g.exact_norm, g.first_order_norm);
  const float bar_w = std::max(fs * 6.0f, ImGui::GetContentRegionAvail().x - fs * 12.5f);
  char b[96];
  std::snprintf(b, sizeof b, "exact (2nd order)  %.4g", g.exact_norm);
  draw_value_bar(mx > 0 ? static_cast<float>(g.exact_norm / mx) : 0.0f, bar_w, col.meta, b);
  std::snprintf(b, sizeof b, "first order  %.4g", g.first_order_norm);
  draw_value_bar(mx > 0 ? static_cast<float>(g.first_order_norm / mx) : 0.0f, bar_w, col.scratch, b);
  std::snprintf(b, sizeof b, "cosine  %.4f", g.cosine);
  draw_value_bar(static_cast<float>(std::max(0.0, g.cosine)), bar_w, col.truth, b);
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
  ImGui::TextWrapped("Norms of the meta-gradient grad_theta L_query(theta') of the held-out task, exact and "
                     "first-order, and the cosine between them (%.1f ms for both).", g.ms);
  ImGui::PopStyleColor();
}


void draw_help(AppState& st, const RegressionJob& s) {
  ImGui::TextWrapped("%s", update_rule_text(s.settings().learner));
  ImGui::Spacing();
  if (st.regression.settings.task == "sinusoid")
    ImGui::TextWrapped(
        "Adaptation panel: a held-out sine wave (blue) and its K support points (orange). Each model starts from its "
        "own initialisation and takes the chosen number of gradient steps on the support points only; the legend "
        "gives each model's mean squared error against the whole true curve. Click to add a point, drag to move one, "
        "right-click to remove one.");
  else
    ImGui::TextWrapped(
        "Adaptation panel: the held-out task's query samples, true value across, prediction up. Points on the grey "
        "diagonal are predicted exactly. Each model adapts on the K support samples only.");
  ImGui::Spacing();
  ImGui::TextWrapped(
      "Baselines: 'Pretrain + fine-tune' is one network trained on all meta-training tasks pooled together, then "
      "fine-tuned with the same alpha; 'Scratch' is a fresh network trained on the support set alone (Adam).");
  ImGui::Spacing();
  ImGui::TextWrapped(
      "Loss curves: the query loss after adaptation on meta-training batches (faint) and on %d fixed meta-validation "
      "tasks (bold), for the meta-learner (red) and the pretrain baseline (green).",
      20);
}


void draw_hyper_controls(RegressionSettings& h, Rects& rects) {
  const SettingsTable<RegressionSettings>& table = regression_settings();
  // Two columns of sliders, each naming its value inside the frame.
  if (ImGui::BeginTable("hyper", 2, ImGuiTableFlags_SizingStretchSame)) {
    for (const char* key : {"alpha", "beta", "K", "steps", "batch", "seed", "width", "depth"}) {
      ImGui::TableNextColumn();
      ImGui::SetNextItemWidth(-FLT_MIN);
      draw_setting_control(h, table, key);
      if (std::string(key) == "K") rects["k_slider"] = last_item_rect();
    }
    ImGui::EndTable();
  }
  ImGui::TextDisabled("* changing the network restarts training");
}

void draw_checkpoint_controls(AppState& st, RegressionJob& s) {
  Rects& rects = st.regression.view.rects;
  if (ImGui::Button("Download model"))
    offer_download(st, [&s](std::string* name) { return s.checkpoint_bytes(name); });
  rects["download"] = last_item_rect();
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Save the meta-learner as a .safetensors checkpoint");
  ImGui::SameLine();
  if (ImGui::Button("Upload model...")) st.page.open_file_dialog = true;
  rects["upload"] = last_item_rect();
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Load a .safetensors checkpoint (trained here or with `metalab train`); or drop it on the page");
  same_line_if_fits(ImGui::CalcTextSize("Shipped model").x + ImGui::GetFontSize());
  if (ImGui::Button("Shipped model")) st.regression.restart = RegressionLab::Restart::Shipped;
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Go back to the checkpoint shipped with the page (if it fits this network)");
  ImGui::TextWrapped("Weights: %s", s.origin.c_str());
}

}  // namespace

const char* update_rule_text(const std::string& learner) {
  if (learner == "maml")
    return "MAML learns an initialisation theta from which one or a few gradient steps fit any task. Inner step, per "
           "task i, on its support set: theta_i' = theta - alpha * grad L_support_i(theta). Outer step, over a batch "
           "of tasks: theta <- theta - beta * grad_theta sum_i L_query_i(theta_i'). The outer gradient goes through "
           "the inner step (second derivatives): that is the 'exact' meta-gradient in the panel.";
  if (learner == "fomaml")
    return "First-order MAML: the same inner step theta_i' = theta - alpha * grad L_support_i(theta), but the outer "
           "step uses the query gradient at the adapted weights as if theta_i' did not depend on theta: "
           "theta <- theta - beta * sum_i grad L_query_i(theta_i'). No second derivatives: cheaper, usually almost as "
           "good (compare the cosine in the meta-gradient panel).";
  if (learner == "metasgd")
    return "Meta-SGD learns the step size too: one alpha per weight. Inner step: theta_i' = theta - alpha (*) grad "
           "L_support_i(theta), element-wise. Outer step: (theta, alpha) <- (theta, alpha) - beta * grad sum_i "
           "L_query_i(theta_i'). The learned alphas decide which weights adapt, and how fast.";
  if (learner == "anil")
    return "ANIL (almost no inner loop): only the last layer (the head) adapts to a task; the body is a feature "
           "extractor learned by the outer loop alone. Inner step on the head w: w_i' = w - alpha * grad_w "
           "L_support_i. Outer step on everything: theta <- theta - beta * grad sum_i L_query_i.";
  if (learner == "reptile")
    return "Reptile: for each task, take the inner SGD steps on its support set from theta to reach phi_i, then move "
           "theta towards the adapted weights: theta <- theta + epsilon * (mean_i phi_i - theta). No query set and "
           "no second derivatives; more inner steps make it work better.";
  return "";
}

void draw_regression_lab(AppState& st) {
  RegressionLab& lab = st.regression;
  RegressionViewState& v = lab.view;
  RegressionSettings& h = lab.settings;
  Rects& rects = v.rects;
  const float fs = ImGui::GetFontSize();
  const ImGuiStyle& style = ImGui::GetStyle();
  RegressionJob* s = lab.shown();

  // Keyboard shortcuts.
  if (s) {
    if (st.shortcuts.play_pause) s->playing = !s->playing;
    if (st.shortcuts.step) s->request_step();
    if (st.shortcuts.reset) lab.restart = RegressionLab::Restart::Fresh;
    if (st.shortcuts.new_sample) ++v.task_index;
  }

  const std::string title = "Regression lab: " + regression_task_title(h.task);
  draw_heading(st, title.c_str());

  // --- controls ---
  const SettingsTable<RegressionSettings>& table = regression_settings();
  ImGui::SetNextItemWidth(ImGui::CalcTextSize("Promoter -> expression").x + ImGui::GetFrameHeight() + fs);
  std::string task = h.task;
  if (draw_setting_control(h, table, "task")) {
    std::swap(task, h.task);  // switch_task keeps what each task family had
    lab.switch_task(task);
  }
  rects["task_combo"] = last_item_rect();
  same_line_if_fits(fs * 10.0f);
  ImGui::SetNextItemWidth(fs * 10.0f);
  draw_setting_control(h, table, "learner");
  rects["learner_combo"] = last_item_rect();
  same_line_if_fits(ImGui::CalcTextSize("Pause (Space)").x + style.FramePadding.x * 2);
  const char* play_label = s && s->playing ? "Pause (Space)" : " Play (Space)";
  if (ImGui::Button(play_label, ImVec2(ImGui::CalcTextSize("Pause (Space)").x + style.FramePadding.x * 2, 0)) && s)
    s->playing = !s->playing;
  rects["play"] = last_item_rect();
  same_line_if_fits(ImGui::CalcTextSize("Step (S)").x + style.FramePadding.x * 2);
  if (ImGui::Button("Step (S)") && s) s->request_step();
  rects["step"] = last_item_rect();
  same_line_if_fits(ImGui::CalcTextSize("Reset (R)").x + style.FramePadding.x * 2);
  if (ImGui::Button("Reset (R)") && s) lab.restart = RegressionLab::Restart::Fresh;
  rects["reset"] = last_item_rect();
  same_line_if_fits(ImGui::CalcTextSize("Speed").x + style.ItemSpacing.x + fs * 6.0f);
  ImGui::TextUnformatted("Speed");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(fs * 6.0f);
  const auto& levels = speed_levels();
  if (s && ImGui::BeginCombo("##speed", levels[static_cast<std::size_t>(std::clamp<int>(s->speed, 0, static_cast<int>(levels.size()) - 1))].label)) {
    for (int i = 0; i < static_cast<int>(levels.size()); ++i)
      if (ImGui::Selectable(levels[static_cast<std::size_t>(i)].label, i == s->speed)) s->speed = i;
    ImGui::EndCombo();
  }

  // --- banners ---
  if (!lab.apply_error.empty()) draw_banner(st, BannerKind::Warning, lab.apply_error, "reset_err", false);
  if (!st.page.last_error.empty() && draw_banner(st, BannerKind::Error, st.page.last_error, "io_err", true))
    st.page.last_error.clear();
  if (!s) {  // just switched task: its job is built before the next frame
    ImGui::TextWrapped("Preparing %s ...", regression_task_title(h.task).c_str());
    return;
  }
  if (!s->error.empty() && draw_banner(st, BannerKind::Error, s->error, "train_err", true)) s->error.clear();
  if (!s->notice.empty() && draw_banner(st, BannerKind::Info, s->notice, "notice", true)) s->notice.clear();

  // --- derived data: the held-out task (which the user may edit), predictions, meta-gradients ---
  HeldOutTask& held = v.heldout.edit({h.task, s->settings().seed, v.task_index, s->settings().k},
                                     [&] { return draw_heldout(*s, s->settings().seed, v.task_index, s->settings().k); });
  const std::uint64_t task_key = Fingerprint().add(held.task.support_x).add(held.task.support_y).add(held.info).value();
  const long long weights = v.predictions_clock.follow(s->weights_version(), now_ms(), s->playing);
  const AdaptedModels& predictions = v.predictions.get({s->id(), weights, task_key}, [&] { return predict(*s, held); });
  v.checksum = checksum_of(predictions.meta);
  const long long grad_weights = v.gradient_clock.follow(s->weights_version(), now_ms(), s->playing);
  const MetaGradientCompare& grad = v.gradient.get({s->id(), grad_weights, task_key},
                                                   [&] { return compare_meta_gradients(s->meta_learner(), held.task); });

  char line[160];
  std::snprintf(line, sizeof line, "Iteration %ld", s->iteration());
  ImGui::TextUnformatted(line);
  if (s->playing) std::snprintf(line, sizeof line, "%.0f it/s   %.1f ms per iteration", s->timing.steps_per_s, s->timing.step_ms);
  else std::snprintf(line, sizeof line, "paused");
  same_line_if_fits(ImGui::CalcTextSize(line).x + fs * 1.2f);
  ImGui::TextDisabled("%s", line);
  std::snprintf(line, sizeof line, "held-out task: %s", held.info.c_str());
  same_line_if_fits(ImGui::CalcTextSize(line).x + fs * 1.2f);
  ImGui::TextDisabled("%s", line);

  // --- body: adaptation on the left, training on the right; one column (the
  // view scrolls) on phones and narrow windows ---
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const bool two_columns = avail.x >= fs * 44.0f;
  const float left_w = two_columns ? std::floor(avail.x * 0.58f) : avail.x;
  const float controls_h = ImGui::GetFrameHeightWithSpacing() * 2 + style.ItemSpacing.y;
  if (two_columns)
    ImGui::BeginChild("adapt_col", ImVec2(left_w, avail.y), false,
                      ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
  {
    const ImVec2 a = ImGui::GetContentRegionAvail();
    const float plot_h = two_columns ? std::max(fs * 10.0f, a.y - controls_h) : std::max(fs * 10.0f, a.x * 0.8f);
    draw_adaptation_plot(st, *s, held, predictions, ImVec2(a.x, plot_h));
    ImGui::SetNextItemWidth(std::min(fs * 11.0f, a.x));
    draw_setting_control(h, table, "adapt");
    rects["adapt_slider"] = last_item_rect();
    const std::string meta_title = learner_title(s->settings().learner);
    const float box = ImGui::GetFrameHeight() + style.ItemInnerSpacing.x;
    same_line_if_fits(box + ImGui::CalcTextSize(meta_title.c_str()).x + fs);
    ImGui::Checkbox(meta_title.c_str(), &v.show_meta);
    same_line_if_fits(box + ImGui::CalcTextSize("pretrain").x);
    ImGui::Checkbox("pretrain", &v.show_pretrain);
    same_line_if_fits(box + ImGui::CalcTextSize("scratch").x);
    ImGui::Checkbox("scratch", &v.show_scratch);
    if (ImGui::Button("New held-out task (N)")) ++v.task_index;
    rects["new_task"] = last_item_rect();
    if (h.task == "sinusoid")
      std::snprintf(line, sizeof line, "click: add point   drag: move   right-click: remove");
    else
      std::snprintf(line, sizeof line, "K = %d support samples, %d query samples shown",
                    static_cast<int>(held.task.support_x.rows()), static_cast<int>(held.task.query_x.rows()));
    same_line_if_fits(ImGui::CalcTextSize(line).x + fs);
    ImGui::TextDisabled("%s", line);
  }
  if (two_columns) {
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("train_col", ImVec2(0, 0), false);
  }
  {
    const ImVec2 a = ImGui::GetContentRegionAvail();
    draw_loss_plot(st, *s, ImVec2(a.x, two_columns ? std::clamp(a.y * 0.33f, fs * 9.0f, fs * 15.0f) : std::max(fs * 9.0f, a.x * 0.6f)));
    ImGui::BeginGroup();
    draw_gradient_panel(st, grad, *s);
    ImGui::EndGroup();
    rects["gradient"] = last_item_rect();
    if (ImGui::CollapsingHeader("Hyper-parameters", ImGuiTreeNodeFlags_DefaultOpen)) draw_hyper_controls(h, rects);
    if (ImGui::CollapsingHeader("Checkpoints", ImGuiTreeNodeFlags_DefaultOpen)) draw_checkpoint_controls(st, *s);
    if (!st.ui.presenter &&
        ImGui::CollapsingHeader("What am I looking at?", v.show_help ? ImGuiTreeNodeFlags_DefaultOpen : 0))
      draw_help(st, *s);
  }
  if (two_columns) ImGui::EndChild();
}

}  // namespace metalab::web
