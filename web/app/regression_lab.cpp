#include "web/app/regression_lab.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>

#include <imgui.h>

#include "core/common/rng.h"
#include "core/learners/maml.h"
#include "core/tasks/regression_sources.h"
#include "web/app/app.h"
#include "web/app/checkpoint_io.h"
#include "web/app/lab_widgets.h"
#include "web/app/plot.h"

namespace metalab::web {

namespace {

constexpr int kGrid = 200;                       // x samples of the sinusoid curves
constexpr std::uint64_t kHeldOutStream = 0x48454C444F5554ULL;  // "HELDOUT"
constexpr double kRecomputeWhileTrainingMs = 250;  // adapted predictions refresh rate while training
constexpr double kGradientEveryMs = 600;

// Samples the held-out task for the lab's key.
void update_heldout(RegressionLabState& r, TrainingSession& s) {
  const RegressionLabState::Key key{r.task, s.hp.seed, r.task_index, s.hp.k};
  if (r.task_key == key) return;
  Rng tasks(s.hp.seed ^ kHeldOutStream);
  Rng t = tasks.split();
  for (int i = 0; i < r.task_index; ++i) t = tasks.split();
  if (r.task == "sinusoid") {
    SinusoidConfig c;
    c.support_size = s.hp.k;
    c.query_size = 10;
    const SinusoidDistribution dist(c);
    r.truth = dist.sample_params(t);
    r.heldout = dist.sample_points(r.truth, t);
    char b[96];
    std::snprintf(b, sizeof b, "A = %.2f, phase = %.2f", r.truth.amplitude, r.truth.phase);
    r.task_info = b;
  } else if (const auto* p = dynamic_cast<const PromoterSource*>(s.source.get())) {
    const PromoterTask pt = p->distribution().sample_detailed(Split::MetaTest, t);
    r.heldout = pt.task;
    r.task_info = p->distribution().cell_type(pt.cell_type).name + " (meta-test)";
  } else if (const auto* g = dynamic_cast<const GeneExpressionSource*>(s.source.get())) {
    const GeneExpressionTask gt = g->distribution().sample_detailed(Split::MetaTest, t);
    r.heldout = gt.task;
    r.task_info = "gene " + gt.gene_name + " (meta-test)";
  } else {
    r.heldout = s.source->sample(Split::MetaTest, t);
    r.task_info = r.heldout.info;
  }
  r.task_key = key;
  r.dragging = -1;
  ++r.task_version;
}

void update_predictions(RegressionLabState& r, TrainingSession& s) {
  AdaptCache& c = r.cache;
  const bool task_changed = c.task_version != r.task_version || c.task_name != r.task;
  const bool model_changed = c.session_version != s.version;
  if (!task_changed && !model_changed) return;
  const double now = now_ms();
  if (!task_changed && s.playing && now - c.computed_ms < kRecomputeWhileTrainingMs) return;
  if (r.task == "sinusoid") {
    c.eval_x.resize(kGrid, 1);
    c.eval_y.resize(kGrid, 1);
    const SinusoidConfig cfg;
    for (int i = 0; i < kGrid; ++i) {
      const double x = cfg.x_min + (cfg.x_max - cfg.x_min) * i / (kGrid - 1);
      c.eval_x(i, 0) = static_cast<float>(x);
      c.eval_y(i, 0) = static_cast<float>(r.truth(x));
    }
  } else {
    c.eval_x = r.heldout.query_x;
    c.eval_y = r.heldout.query_y;
  }
  const int steps = LabLimits::kAdaptSteps;
  c.meta = adapt_predictions(s.main->learner(), r.heldout, steps, c.eval_x, &c.eval_y);
  c.pre = adapt_predictions(s.pretrain->learner(), r.heldout, steps, c.eval_x, &c.eval_y);
  c.scratch = adapt_predictions(*s.scratch, r.heldout, steps, c.eval_x, &c.eval_y);
  c.session_version = s.version;
  c.task_version = r.task_version;
  c.task_name = r.task;
  c.computed_ms = now;
  // A checksum of every prediction of the meta-learner (the browser test compares it).
  double sum = 0;
  for (std::size_t k = 0; k < c.meta.by_step.size(); ++k)
    for (std::size_t i = 0; i < c.meta.by_step[k].size(); ++i)
      sum += static_cast<double>(c.meta.by_step[k][i]) * (1.0 + 0.01 * static_cast<double>(k) + 0.001 * static_cast<double>(i % 97));
  char b[48];
  std::snprintf(b, sizeof b, "%.9g", sum);
  r.checksum = c.meta.ok() ? b : "none";
}

void update_gradient(RegressionLabState& r, TrainingSession& s) {
  const double now = now_ms();
  const bool task_changed = r.grad_task_version != r.task_version;
  if (!task_changed && r.grad_session_version == s.version) return;
  if (!task_changed && now - r.grad_at_ms < kGradientEveryMs) return;
  if (r.heldout.support_x.rows() == 0) {
    r.grad = MetaGradientCompare{};
    r.grad.available = dynamic_cast<const GradientMetaLearner*>(&s.main->learner()) != nullptr;
    r.grad.error = "add a support point";
  } else {
    const double t0 = now_ms();
    r.grad = compare_meta_gradients(s.main->learner(), r.heldout);
    r.grad_ms = now_ms() - t0;
  }
  r.grad_task_version = r.task_version;
  r.grad_session_version = s.version;
  r.grad_at_ms = now;
}

// Support-point editing on the sinusoid plot: click adds, drag moves, right-click removes.
void edit_support_points(RegressionLabState& r, const Plot& plot, bool hovered, float radius) {
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
  Task& t = r.heldout;
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
      r.dragging = near;
    } else {
      float x, y;
      to_data(io.MousePos, &x, &y);
      const Eigen::Index n = t.support_x.rows();
      t.support_x.conservativeResize(n + 1, 1);
      t.support_y.conservativeResize(n + 1, 1);
      t.support_x(n, 0) = x;
      t.support_y(n, 0) = y;
      r.dragging = static_cast<int>(n);
      ++r.task_version;
    }
  }
  if (r.dragging >= 0) {
    if (!ImGui::IsMouseDown(ImGuiMouseButton_Left) || r.dragging >= t.support_x.rows()) {
      r.dragging = -1;
    } else if (io.MouseDelta.x != 0 || io.MouseDelta.y != 0) {
      float x, y;
      to_data(io.MousePos, &x, &y);
      t.support_x(r.dragging, 0) = x;
      t.support_y(r.dragging, 0) = y;
      ++r.task_version;
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
    r.dragging = -1;
    ++r.task_version;
  }
  if (hovered && (near >= 0 || r.dragging >= 0)) ImGui::SetMouseCursor(ImGuiMouseCursor_Hand);
}

const AdaptedPredictions* model_predictions(const AdaptCache& c, int which) {
  return which == 0 ? &c.meta : which == 1 ? &c.pre : &c.scratch;
}

void draw_adaptation_plot(AppState& st, TrainingSession& s, ImVec2 size) {
  RegressionLabState& r = st.regression;
  const float fs = ImGui::GetFontSize();
  const LabColors col = LabColors::get(st.ui.dark_theme);
  const float line = std::max(1.5f, fs * 0.16f), dot = std::max(3.0f, fs * 0.33f);
  const bool sinus = r.task == "sinusoid";
  ImGui::InvisibleButton("adapt_plot", size, ImGuiButtonFlags_MouseButtonLeft | ImGuiButtonFlags_MouseButtonRight);
  const bool hovered = ImGui::IsItemHovered();
  r.rects.plot = last_item_rect();
  const ImVec2 pmin = ImGui::GetItemRectMin(), pmax = ImGui::GetItemRectMax();
  const AdaptCache& c = r.cache;
  const int step = std::clamp(r.adapt_step, 0, LabLimits::kAdaptSteps);

  const bool show[3] = {r.show_meta, r.show_pretrain, r.show_scratch};
  const ImU32 colors[3] = {col.meta, col.pretrain, col.scratch};
  const char* names[3] = {learner_title(s.hp.learner), "Pretrain + fine-tune", "Scratch"};
  char labels[3][96];
  std::vector<LegendItem> legend;
  char support_label[64];
  if (sinus) {
    legend.push_back({"ground truth", LegendItem::Kind::Line, col.truth, line});
    std::snprintf(support_label, sizeof support_label, "%d support points", static_cast<int>(r.heldout.support_x.rows()));
  } else {
    std::snprintf(support_label, sizeof support_label, "prediction = truth");
    legend.push_back({support_label, LegendItem::Kind::Line, col.diagonal, 1.0f});
  }
  if (sinus) legend.push_back({support_label, LegendItem::Kind::Dot, col.support, dot, col.support_outline});
  for (int m = 0; m < 3; ++m) {
    if (!show[m]) continue;
    const AdaptedPredictions* p = model_predictions(c, m);
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
      const AdaptedPredictions* p = model_predictions(c, m);
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
    edit_support_points(r, plot, hovered, dot);
    plot.curve(r.truth, col.truth, line);
    const int n = static_cast<int>(c.eval_x.rows());
    std::vector<float> xs(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) xs[static_cast<std::size_t>(i)] = c.eval_x(i, 0);
    for (int m = 2; m >= 0; --m) {
      const AdaptedPredictions* p = model_predictions(c, m);
      if (!show[m] || !p->ok() || static_cast<int>(p->by_step[static_cast<std::size_t>(step)].size()) != n) continue;
      plot_polyline(plot, xs.data(), p->by_step[static_cast<std::size_t>(step)].data(), n, colors[m], line);
    }
    std::vector<float> sx(static_cast<std::size_t>(r.heldout.support_x.rows())), sy(sx.size());
    for (std::size_t i = 0; i < sx.size(); ++i) {
      sx[i] = r.heldout.support_x(static_cast<Eigen::Index>(i), 0);
      sy[i] = r.heldout.support_y(static_cast<Eigen::Index>(i), 0);
    }
    plot.points(sx.data(), sy.data(), static_cast<int>(sx.size()), col.support, col.support_outline, dot);
  } else {
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddLine(plot.to_screen(range.x_min, range.x_min), plot.to_screen(range.x_max, range.x_max), col.diagonal, 1.0f);
    const int n = static_cast<int>(c.eval_y.rows());
    std::vector<float> ty(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) ty[static_cast<std::size_t>(i)] = c.eval_y(i, 0);
    for (int m = 2; m >= 0; --m) {
      const AdaptedPredictions* p = model_predictions(c, m);
      if (!show[m] || !p->ok() || static_cast<int>(p->by_step[static_cast<std::size_t>(step)].size()) != n) continue;
      plot.points(ty.data(), p->by_step[static_cast<std::size_t>(step)].data(), n, colors[m], col.support_outline, dot * 0.8f);
    }
  }
  if (!c.meta.error.empty()) {
    const ImVec2 a = plot.inner_min();
    ImGui::GetWindowDrawList()->AddText(ImVec2(a.x + fs * 0.5f, a.y + fs * 0.3f), col.meta,
                                        sinus && r.heldout.support_x.rows() == 0
                                            ? "No support points: click in the plot to add some."
                                            : c.meta.error.c_str());
  }
}

void draw_loss_plot(AppState& st, const TrainingSession& s, ImVec2 size) {
  const float fs = ImGui::GetFontSize();
  const LabColors col = LabColors::get(st.ui.dark_theme);
  const LossCurves& c = s.curves;
  ImGui::InvisibleButton("loss_plot", size);
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

void draw_gradient_panel(AppState& st, const RegressionLabState& r, const TrainingSession& s) {
  const float fs = ImGui::GetFontSize();
  const LabColors col = LabColors::get(st.ui.dark_theme);
  draw_heading(st, "Meta-gradient of this task");
  if (!r.grad.available) {
    ImGui::TextWrapped("%s has no second-order meta-gradient to compare: its outer step moves the initialisation "
                       "towards the adapted weights (first order by construction).",
                       learner_title(s.hp.learner));
    return;
  }
  if (!r.grad.error.empty()) {
    ImGui::TextWrapped("Not available: %s", r.grad.error.c_str());
    return;
  }
  const double mx = std::max(r.grad.exact_norm, r.grad.first_order_norm);
  const float bar_w = std::max(fs * 6.0f, ImGui::GetContentRegionAvail().x - fs * 12.5f);
  char b[96];
  std::snprintf(b, sizeof b, "exact (2nd order)  %.4g", r.grad.exact_norm);
  draw_value_bar(mx > 0 ? static_cast<float>(r.grad.exact_norm / mx) : 0.0f, bar_w, col.meta, b);
  std::snprintf(b, sizeof b, "first order  %.4g", r.grad.first_order_norm);
  draw_value_bar(mx > 0 ? static_cast<float>(r.grad.first_order_norm / mx) : 0.0f, bar_w, col.scratch, b);
  std::snprintf(b, sizeof b, "cosine  %.4f", r.grad.cosine);
  draw_value_bar(static_cast<float>(std::max(0.0, r.grad.cosine)), bar_w, col.truth, b);
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
  ImGui::TextWrapped("Norms of the meta-gradient grad_theta L_query(theta') of the held-out task, exact and "
                     "first-order, and the cosine between them (%.1f ms for both).", r.grad_ms);
  ImGui::PopStyleColor();
}

void draw_help(AppState& st, const TrainingSession& s) {
  ImGui::TextWrapped("%s", update_rule_text(s.hp.learner));
  ImGui::Spacing();
  if (st.regression.task == "sinusoid")
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

void same_line_if_fits(float next_width) {
  const ImGuiStyle& style = ImGui::GetStyle();
  const float right_edge = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
  if (ImGui::GetItemRectMax().x + style.ItemSpacing.x + next_width <= right_edge) ImGui::SameLine();
}

void draw_hyper_controls(AppState& st) {
  RegressionLabState& r = st.regression;
  LabHyper& h = r.edit;
  // Two columns of sliders, each naming its value inside the frame.
  if (ImGui::BeginTable("hyper", 2, ImGuiTableFlags_SizingStretchSame)) {
    const auto cell = [] {
      ImGui::TableNextColumn();
      ImGui::SetNextItemWidth(-FLT_MIN);
    };
    cell();
    ImGui::SliderFloat("##alpha", &h.alpha, LabLimits::kAlphaMin, LabLimits::kAlphaMax, "alpha %.4f",
                       ImGuiSliderFlags_Logarithmic | ImGuiSliderFlags_AlwaysClamp);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("alpha: inner-loop (adaptation) step size");
    cell();
    ImGui::SliderFloat("##beta", &h.beta, LabLimits::kBetaMin, LabLimits::kBetaMax, "beta %.5f",
                       ImGuiSliderFlags_Logarithmic | ImGuiSliderFlags_AlwaysClamp);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("beta: meta (outer) step size, Adam");
    cell();
    ImGui::SliderInt("##k", &h.k, LabLimits::kKMin, LabLimits::kKMax, "K %d support", ImGuiSliderFlags_AlwaysClamp);
    r.rects.k_slider = last_item_rect();
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("K: support examples per task (K-shot)");
    cell();
    ImGui::SliderInt("##steps", &h.inner_steps, LabLimits::kStepsMin, LabLimits::kStepsMax, "%d inner steps",
                     ImGuiSliderFlags_AlwaysClamp);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Inner SGD steps per task while meta-training");
    cell();
    ImGui::SliderInt("##batch", &h.meta_batch, LabLimits::kBatchMin, LabLimits::kBatchMax, "meta-batch %d",
                     ImGuiSliderFlags_AlwaysClamp);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Tasks per meta-iteration");
    cell();
    const std::uint64_t one = 1;
    ImGui::InputScalar("##seed", ImGuiDataType_U64, &h.seed, &one, nullptr, "seed %llu");
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Seed: initialisation, training tasks and held-out tasks");
    cell();
    ImGui::SliderInt("##width", &h.width, LabLimits::kWidthMin, LabLimits::kWidthMax, "width %d *", ImGuiSliderFlags_AlwaysClamp);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Hidden units per layer (restarts training)");
    cell();
    ImGui::SliderInt("##depth", &h.depth, LabLimits::kDepthMin, LabLimits::kDepthMax, "depth %d *", ImGuiSliderFlags_AlwaysClamp);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Hidden layers (restarts training)");
    ImGui::EndTable();
  }
  ImGui::TextDisabled("* changing the network restarts training");
}

void draw_checkpoint_controls(AppState& st, TrainingSession& s) {
  RegressionLabState& r = st.regression;
  if (ImGui::Button("Download model")) request_download(st);
  r.rects.download = last_item_rect();
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Save the meta-learner as a .safetensors checkpoint");
  ImGui::SameLine();
  if (ImGui::Button("Upload model...")) st.page.open_file_dialog = true;
  r.rects.upload = last_item_rect();
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Load a .safetensors checkpoint (trained here or with `metalab train`); or drop it on the page");
  same_line_if_fits(ImGui::CalcTextSize("Shipped model").x + ImGui::GetFontSize());
  if (ImGui::Button("Shipped model")) {
    std::string err;
    if (!session_reset(s, st.models.assets, true, &err)) st.page.last_error = err;
    else s.notice = "Model: " + s.origin + ".";
    s.playing = false;
  }
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
  RegressionLabState& r = st.regression;
  LabModels& models = st.models;
  const float fs = ImGui::GetFontSize();
  const ImGuiStyle& style = ImGui::GetStyle();

  // The session this lab shows, kept in line with the controls.
  TrainingSession& s = models.session(r.task);
  if ((!s.ready() || s.hp != r.edit) && !ImGui::IsAnyItemActive()) {
    std::string err;
    if (session_set_hyper(s, r.edit, models.assets, &err)) r.reset_error.clear();
    else r.reset_error = err;
  }
  // Keyboard shortcuts.
  if (s.ready()) {
    if (st.shortcuts.play_pause) s.playing = !s.playing;
    if (st.shortcuts.step) {
      s.playing = false;
      step_training(s);
    }
    if (st.shortcuts.reset) {
      std::string err;
      s.playing = false;
      if (session_reset(s, models.assets, false, &err)) s.notice = "Training reset: fresh random initialisation.";
    }
    if (st.shortcuts.new_sample) ++r.task_index;
  }

  char title[128];
  std::snprintf(title, sizeof title, "Regression lab: %s", task_title(r.task));
  draw_heading(st, title);

  // --- controls ---
  ImGui::SetNextItemWidth(ImGui::CalcTextSize("Promoter -> expression").x + ImGui::GetFrameHeight() + fs);
  if (ImGui::BeginCombo("##task", task_title(r.task))) {
    for (const std::string& t : lab_tasks())
      if (ImGui::Selectable(task_title(t), t == r.task) && t != r.task) {
        r.edit_by_task[r.task] = r.edit;
        r.task = t;
        auto it = r.edit_by_task.find(t);
        if (it != r.edit_by_task.end()) r.edit = it->second;
        else {
          TrainingSession& other = models.session(t);
          if (other.ready()) r.edit = other.hp;  // keep what that session had
        }
      }
    ImGui::EndCombo();
  }
  r.rects.task_combo = last_item_rect();
  same_line_if_fits(fs * 10.0f);
  ImGui::SetNextItemWidth(fs * 10.0f);
  if (ImGui::BeginCombo("##learner", learner_title(r.edit.learner))) {
    for (const std::string& l : lab_learners())
      if (ImGui::Selectable(learner_title(l), l == r.edit.learner)) r.edit.learner = l;
    ImGui::EndCombo();
  }
  r.rects.learner_combo = last_item_rect();
  same_line_if_fits(ImGui::CalcTextSize("Pause (Space)").x + style.FramePadding.x * 2);
  const char* play_label = s.playing ? "Pause (Space)" : " Play (Space)";
  if (ImGui::Button(play_label, ImVec2(ImGui::CalcTextSize("Pause (Space)").x + style.FramePadding.x * 2, 0)) && s.ready())
    s.playing = !s.playing;
  r.rects.play = last_item_rect();
  same_line_if_fits(ImGui::CalcTextSize("Step (S)").x + style.FramePadding.x * 2);
  if (ImGui::Button("Step (S)") && s.ready()) {
    s.playing = false;
    step_training(s);
  }
  r.rects.step = last_item_rect();
  same_line_if_fits(ImGui::CalcTextSize("Reset (R)").x + style.FramePadding.x * 2);
  if (ImGui::Button("Reset (R)") && s.ready()) {
    std::string err;
    s.playing = false;
    if (session_reset(s, models.assets, false, &err)) s.notice = "Training reset: fresh random initialisation.";
  }
  r.rects.reset = last_item_rect();
  same_line_if_fits(ImGui::CalcTextSize("Speed").x + style.ItemSpacing.x + fs * 6.0f);
  ImGui::TextUnformatted("Speed");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(fs * 6.0f);
  const auto& levels = speed_levels();
  if (ImGui::BeginCombo("##speed", levels[static_cast<std::size_t>(std::clamp<int>(s.speed, 0, static_cast<int>(levels.size()) - 1))].label)) {
    for (int i = 0; i < static_cast<int>(levels.size()); ++i)
      if (ImGui::Selectable(levels[static_cast<std::size_t>(i)].label, i == s.speed)) s.speed = i;
    ImGui::EndCombo();
  }
  ImGui::Text("Iteration %ld", s.iteration());
  ImGui::SameLine(0, fs * 1.2f);
  if (s.playing) ImGui::Text("%.0f it/s   %.1f ms per iteration", s.its_per_s, s.iter_ms);
  else ImGui::TextDisabled("paused");
  ImGui::SameLine(0, fs * 1.2f);
  ImGui::TextDisabled("held-out task: %s", r.task_info.c_str());

  // --- banners ---
  if (!r.reset_error.empty()) draw_banner(st, BannerKind::Warning, r.reset_error, "reset_err", false);
  if (!s.error.empty() && draw_banner(st, BannerKind::Error, s.error, "train_err", true)) s.error.clear();
  if (!s.notice.empty() && s.notice != " " && draw_banner(st, BannerKind::Info, s.notice, "notice", true)) s.notice = " ";
  if (!st.page.last_error.empty() && draw_banner(st, BannerKind::Error, st.page.last_error, "io_err", true))
    st.page.last_error.clear();

  if (!s.ready() || s.task != r.task) {  // just switched task: the other session is set up next frame
    ImGui::TextWrapped("Preparing %s ...", task_title(r.task));
    return;
  }
  update_heldout(r, s);
  update_predictions(r, s);
  update_gradient(r, s);

  // --- body: adaptation on the left, training on the right ---
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const bool two_columns = avail.x >= fs * 44.0f;
  const float left_w = two_columns ? std::floor(avail.x * 0.58f) : avail.x;
  const float controls_h = ImGui::GetFrameHeightWithSpacing() * 2 + style.ItemSpacing.y;
  ImGui::BeginChild("adapt_col", ImVec2(left_w, two_columns ? avail.y : avail.y * 0.65f), false,
                    ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
  {
    const ImVec2 a = ImGui::GetContentRegionAvail();
    draw_adaptation_plot(st, s, ImVec2(a.x, std::max(fs * 10.0f, a.y - controls_h)));
    ImGui::SetNextItemWidth(fs * 11.0f);
    ImGui::SliderInt("##adapt_steps", &r.adapt_step, 0, LabLimits::kAdaptSteps, "%d adaptation steps",
                     ImGuiSliderFlags_AlwaysClamp);
    r.rects.adapt_slider = last_item_rect();
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Gradient steps on the support points (0: the meta-learned initialisation)");
    ImGui::SameLine(0, fs);
    ImGui::Checkbox(learner_title(s.hp.learner), &r.show_meta);
    ImGui::SameLine();
    ImGui::Checkbox("pretrain", &r.show_pretrain);
    ImGui::SameLine();
    ImGui::Checkbox("scratch", &r.show_scratch);
    if (ImGui::Button("New held-out task (N)")) ++r.task_index;
    r.rects.new_task = last_item_rect();
    ImGui::SameLine(0, fs);
    if (r.task == "sinusoid") ImGui::TextDisabled("click: add point   drag: move   right-click: remove");
    else ImGui::TextDisabled("K = %d support samples, %d query samples shown", static_cast<int>(r.heldout.support_x.rows()),
                             static_cast<int>(r.heldout.query_x.rows()));
  }
  ImGui::EndChild();
  if (two_columns) ImGui::SameLine();
  ImGui::BeginChild("train_col", ImVec2(0, 0), false);
  {
    const ImVec2 a = ImGui::GetContentRegionAvail();
    draw_loss_plot(st, s, ImVec2(a.x, std::clamp(a.y * 0.33f, fs * 9.0f, fs * 15.0f)));
    draw_gradient_panel(st, r, s);
    if (ImGui::CollapsingHeader("Hyper-parameters", ImGuiTreeNodeFlags_DefaultOpen)) draw_hyper_controls(st);
    if (ImGui::CollapsingHeader("Checkpoints", ImGuiTreeNodeFlags_DefaultOpen)) draw_checkpoint_controls(st, s);
    if (ImGui::CollapsingHeader("What am I looking at?", r.show_help ? ImGuiTreeNodeFlags_DefaultOpen : 0)) draw_help(st, s);
  }
  ImGui::EndChild();
}

std::string regression_status_json(const AppState& st) {
  const RegressionLabState& r = st.regression;
  const auto it = st.models.sessions.find(r.task);
  const TrainingSession* s = it == st.models.sessions.end() ? nullptr : &it->second;
  const LabHyper& h = r.edit;
  const auto loss = [&](const AdaptedPredictions& p) {
    const int k = std::clamp(r.adapt_step, 0, LabLimits::kAdaptSteps);
    char b[32];
    if (!p.ok() || static_cast<int>(p.loss.size()) <= k) return std::string("null");
    std::snprintf(b, sizeof b, "%.6g", p.loss[static_cast<std::size_t>(k)]);
    return std::string(b);
  };
  char buf[1024];
  std::snprintf(buf, sizeof buf,
                "{\"task\":\"%s\",\"learner\":\"%s\",\"alpha\":%g,\"beta\":%g,\"k\":%d,\"steps\":%d,\"batch\":%d,"
                "\"width\":%d,\"depth\":%d,\"seed\":%llu,\"ready\":%s,\"session_learner\":\"%s\",\"iteration\":%ld,"
                "\"playing\":%s,\"its_per_s\":%.1f,\"iter_ms\":%.3f,\"adapt_step\":%d,\"support\":%d,"
                "\"task_index\":%d,\"task_version\":%ld,\"checksum\":\"%s\",\"loss\":{\"meta\":%s,\"pretrain\":%s,"
                "\"scratch\":%s},\"grad\":{\"available\":%s,\"exact\":%.6g,\"first_order\":%.6g,\"cosine\":%.6g},",
                r.task.c_str(), h.learner.c_str(), static_cast<double>(h.alpha), static_cast<double>(h.beta), h.k,
                h.inner_steps, h.meta_batch, h.width, h.depth, static_cast<unsigned long long>(h.seed),
                s && s->ready() ? "true" : "false", s && s->ready() ? s->hp.learner.c_str() : "",
                s ? s->iteration() : 0L, s && s->playing ? "true" : "false", s ? s->its_per_s : 0.0,
                s ? s->iter_ms : 0.0, r.adapt_step, static_cast<int>(r.heldout.support_x.rows()), r.task_index,
                r.task_version, r.checksum.c_str(), loss(r.cache.meta).c_str(), loss(r.cache.pre).c_str(),
                loss(r.cache.scratch).c_str(), r.grad.available ? "true" : "false", r.grad.exact_norm,
                r.grad.first_order_norm, r.grad.cosine);
  std::string out = buf;
  out += "\"origin\":\"" + json_escape(s ? s->origin : "") + "\",\"notice\":\"" +
         json_escape(s && s->notice != " " ? s->notice : "") + "\",\"error\":\"" + json_escape(s ? s->error : "") +
         "\",\"rects\":{\"plot\":" + json_rect(r.rects.plot) + ",\"play\":" + json_rect(r.rects.play) +
         ",\"step\":" + json_rect(r.rects.step) + ",\"reset\":" + json_rect(r.rects.reset) +
         ",\"adapt_slider\":" + json_rect(r.rects.adapt_slider) + ",\"k_slider\":" + json_rect(r.rects.k_slider) +
         ",\"new_task\":" + json_rect(r.rects.new_task) + ",\"download\":" + json_rect(r.rects.download) +
         ",\"upload\":" + json_rect(r.rects.upload) + ",\"task_combo\":" + json_rect(r.rects.task_combo) +
         ",\"learner_combo\":" + json_rect(r.rects.learner_combo) + "}";
  // Data-space to screen mapping of the sinusoid plot is not exposed; the test clicks inside rects.plot.
  out += "}";
  return out;
}

}  // namespace metalab::web
