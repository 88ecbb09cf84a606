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
#include "web/app/ui/strings.h"
#include "web/app/ui/widgets.h"

namespace metalab::web {

namespace {

constexpr int kGrid = 200;  // x samples of the sinusoid curves
constexpr std::uint64_t kHeldOutStream = 0x48454C444F5554ULL;  // "HELDOUT"

// The job's origins, notices and errors (job.cpp, lab.cpp) are English state
// that the status and the tests read; shown, each is matched against the
// English of these keys and drawn in the page's language (shown_job_text).
// Longer templates first, where one could match another's text.
constexpr const char* kJobTexts[] = {
    "ui.regression.origin.fresh",          "ui.regression.origin.shipped",
    "ui.regression.origin.uploaded",       "ui.regression.notice.reset",
    "ui.regression.notice.model",          "ui.regression.notice.adopted",
    "ui.regression.notice.learner",        "ui.regression.notice.network",
    "ui.regression.notice.baseline",       "ui.regression.notice.loaded",
    "ui.regression.error.downloading",     "ui.regression.error.not_loaded",
    "ui.regression.error.not_checkpoint",  "ui.regression.error.other_learner",
    "ui.regression.error.other_task",      "ui.regression.error.classifier",
    "ui.regression.error.not_mlp",         "ui.regression.error.inputs",
    "ui.regression.error.layers",          "ui.regression.error.relu",
    "ui.regression.error.baseline",        "ui.regression.error.no_support"};

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
    h.info = b;  // shown from h.truth (heldout_line)
  } else if (const auto* p = dynamic_cast<const PromoterSource*>(&job.source())) {
    const PromoterTask pt = p->distribution().sample_detailed(Split::MetaTest, t);
    h.task = pt.task;
    h.info = format_tr("ui.gene.cell_type", {{"n", std::to_string(pt.cell_type)}});  // heldout_line words it
  } else if (const auto* g = dynamic_cast<const GeneExpressionSource*>(&job.source())) {
    const GeneExpressionTask gt = g->distribution().sample_detailed(Split::MetaTest, t);
    h.task = gt.task;
    h.info = gt.gene_name;
  } else {
    h.task = job.source().sample(Split::MetaTest, t);
    h.info = h.task.info;
  }
  return h;
}

// "held-out task: ..." in the page's language.
std::string heldout_line(const RegressionJob& job, const HeldOutTask& h) {
  if (job.task() == "sinusoid")
    return format_tr("ui.regression.heldout.sinusoid",
                     {{"a", fixed(h.truth.amplitude, 2)}, {"phase", fixed(h.truth.phase, 2)}});
  if (job.task() == "promoter") return format_tr("ui.regression.heldout.promoter", {{"cell", h.info}});
  if (job.task() == "genes") return format_tr("ui.regression.heldout.genes", {{"gene", h.info}});
  return format_tr("ui.regression.heldout.other", {{"info", h.info}});
}

// The placeholder values that fill the template `english` to give `text`, if
// it does: each value ends at the first occurrence of the literal after it,
// the last one at the literal that ends the text.
bool match_template(const std::string& english, const std::string& text, Placeholders* values) {
  std::vector<std::string> literals(1), names;
  for (std::size_t i = 0; i < english.size(); ++i) {
    const std::size_t close = english[i] == '{' ? english.find('}', i) : std::string::npos;
    if (close == std::string::npos) {
      literals.back() += english[i];
      continue;
    }
    names.push_back(english.substr(i + 1, close - i - 1));
    literals.emplace_back();
    i = close;
  }
  if (names.empty()) return text == english;
  if (text.compare(0, literals[0].size(), literals[0]) != 0) return false;
  const std::string& tail = literals.back();
  if (text.size() < literals[0].size() + tail.size() || text.compare(text.size() - tail.size(), tail.size(), tail) != 0)
    return false;
  std::size_t at = literals[0].size();
  values->clear();
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::size_t end = i + 1 == names.size() ? text.size() - tail.size() : text.find(literals[i + 1], at);
    if (end == std::string::npos || end < at) return false;
    values->push_back({names[i], text.substr(at, end - at)});
    at = end + literals[i + 1].size();
  }
  return true;
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
  const std::string names[3] = {regression_learner_title(s.settings().learner), tr("ui.regression.pretrain"),
                                 tr("ui.regression.scratch")};
  std::string labels[3];
  std::vector<LegendItem> legend;
  std::string support_label;
  if (sinus) {
    legend.push_back({tr("ui.regression.ground_truth"), LegendItem::Kind::Line, col.truth, line});
    support_label = format_tr("ui.regression.support_points",
                              {{"n", std::to_string(held.task.support_x.rows())}});
    legend.push_back({support_label.c_str(), LegendItem::Kind::Dot, col.support, dot, col.support_outline});
  } else {
    legend.push_back({tr("ui.regression.diagonal"), LegendItem::Kind::Line, col.diagonal, 1.0f});
  }
  for (int m = 0; m < 3; ++m) {
    if (!show[m]) continue;
    const AdaptedPredictions* p = &c.of(m);
    labels[m] = p->ok() && static_cast<int>(p->loss.size()) > step
                    ? format_tr("ui.regression.model_loss",
                                {{"model", names[m]}, {"loss", fixed(p->loss[static_cast<std::size_t>(step)], 3)}})
                    : names[m];
    legend.push_back({labels[m].c_str(), sinus ? LegendItem::Kind::Line : LegendItem::Kind::Dot, colors[m], sinus ? line : dot * 0.8f});
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
            sinus ? "x" : tr("ui.regression.true_axis"), sinus ? "y" : nullptr, legend.data(), static_cast<int>(legend.size()));
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
                                            ? tr("ui.regression.no_support")
                                            : shown_job_text(st, c.meta.error).c_str());
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
      {tr("ui.regression.meta_train"), LegendItem::Kind::Line, meta_faint, thick},
      {tr("ui.regression.meta_val"), LegendItem::Kind::Line, col.meta, thick},
      {tr("ui.regression.pretrain_train"), LegendItem::Kind::Line, pre_faint, thick},
      {tr("ui.regression.pretrain_val"), LegendItem::Kind::Line, col.pretrain, thick},
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
            tr("ui.regression.loss_axis"), nullptr, legend, 4);
  plot_log_curve(plot, c.it, c.pre_train, pre_faint, thin);
  plot_log_curve(plot, c.it, c.train, meta_faint, thin);
  plot_log_curve(plot, c.val_it, c.pre_val, col.pretrain, thick, c.val_it.size() < 40);
  plot_log_curve(plot, c.val_it, c.val, col.meta, thick, c.val_it.size() < 40);
  if (c.it.empty()) {
    const char* msg = tr(s.iteration() > 0 ? "ui.regression.play_continues" : "ui.regression.play_starts");
    const ImVec2 a = plot.inner_min();
    ImGui::GetWindowDrawList()->AddText(ImVec2(a.x + fs * 0.5f, a.y + fs * 0.4f), PlotColors::from_style(st.ui.dark_theme).text, msg);
  }
}


void draw_gradient_panel(AppState& st, const MetaGradientCompare& g, const RegressionJob& s) {
  const float fs = ImGui::GetFontSize();
  const LabColors col = LabColors::get(st.ui.dark_theme);
  draw_heading(st, tr("ui.regression.gradient.title"));
  if (!g.available) {
    ImGui::TextWrapped("%s", format_tr("ui.regression.gradient.none", {{"learner", regression_learner_title(s.settings().learner)}}).c_str());
    return;
  }
  if (!g.error.empty()) {
    ImGui::TextWrapped("%s", format_tr("ui.regression.gradient.error", {{"error", shown_job_text(st, g.error)}}).c_str());
    return;
  }
  const double mx = std::max(g.exact_norm, g.first_order_norm);
  const float bar_w = std::max(fs * 6.0f, ImGui::GetContentRegionAvail().x - fs * 12.5f);
  const auto g4 = [](double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.4g", v);
    return std::string(b);
  };
  draw_value_bar(mx > 0 ? static_cast<float>(g.exact_norm / mx) : 0.0f, bar_w, col.meta,
                 format_tr("ui.regression.gradient.exact", {{"norm", g4(g.exact_norm)}}).c_str());
  draw_value_bar(mx > 0 ? static_cast<float>(g.first_order_norm / mx) : 0.0f, bar_w, col.scratch,
                 format_tr("ui.regression.gradient.first_order", {{"norm", g4(g.first_order_norm)}}).c_str());
  draw_value_bar(static_cast<float>(std::max(0.0, g.cosine)), bar_w, col.truth,
                 format_tr("ui.regression.gradient.cosine", {{"cosine", fixed(g.cosine, 4)}}).c_str());
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
  ImGui::TextWrapped("%s", format_tr("ui.regression.gradient.note", {{"ms", fixed(g.ms, 1)}}).c_str());
  ImGui::PopStyleColor();
}


void draw_help(AppState& st, const RegressionJob& s) {
  ImGui::TextWrapped("%s", update_rule_text(s.settings().learner));
  ImGui::Spacing();
  ImGui::TextWrapped("%s", tr(st.regression.settings.task == "sinusoid" ? "ui.regression.help.adapt_sinusoid"
                                                                         : "ui.regression.help.adapt_samples"));
  ImGui::Spacing();
  ImGui::TextWrapped("%s", tr("ui.regression.help.baselines"));
  ImGui::Spacing();
  ImGui::TextWrapped("%s", format_tr("ui.regression.help.curves", {{"tasks", "20"}}).c_str());
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
  ImGui::TextDisabled("%s", tr("ui.regression.restarts"));
}

void draw_checkpoint_controls(AppState& st, RegressionJob& s) {
  Rects& rects = st.regression.view.rects;
  if (ImGui::Button(tr_id("ui.regression.download", "download").c_str()))
    offer_download(st, [&s](std::string* name) { return s.checkpoint_bytes(name); });
  rects["download"] = last_item_rect();
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tr("ui.regression.download.tip"));
  ImGui::SameLine();
  if (ImGui::Button(tr_id("ui.regression.upload", "upload").c_str())) st.page.open_file_dialog = true;
  rects["upload"] = last_item_rect();
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tr("ui.regression.upload.tip"));
  same_line_if_fits(ImGui::CalcTextSize(tr("ui.regression.shipped")).x + ImGui::GetFontSize());
  if (ImGui::Button(tr_id("ui.regression.shipped", "shipped").c_str()))
    st.regression.restart = RegressionLab::Restart::Shipped;
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tr("ui.regression.shipped.tip"));
  ImGui::TextWrapped("%s", format_tr("ui.regression.weights", {{"origin", shown_job_text(st, s.origin)}}).c_str());
}

}  // namespace

const char* update_rule_text(const std::string& learner) {
  static const std::pair<const char*, const char*> rules[] = {{"maml", "ui.regression.rule.maml"},
                                                              {"fomaml", "ui.regression.rule.fomaml"},
                                                              {"metasgd", "ui.regression.rule.metasgd"},
                                                              {"anil", "ui.regression.rule.anil"},
                                                              {"reptile", "ui.regression.rule.reptile"}};
  for (const auto& [name, key] : rules)
    if (learner == name) return tr(key);
  return "";
}

std::string regression_learner_title(const std::string& learner) {
  const SettingsTable<RegressionSettings>& table = regression_settings();
  const std::string key = table.choice_key(*table.find("learner"), learner);
  const std::string text = tr(key);
  return text != key ? text : learner_title(learner);
}

std::string shown_job_text(const AppState& st, const std::string& text) {
  if (text.empty() || st.strings.language() == Strings::kFallback) return text;
  for (const char* key : kJobTexts) {
    Placeholders values;
    if (!match_template(st.strings.english(key), text, &values)) continue;
    for (auto& [name, value] : values) {
      if (name == "origin") value = shown_job_text(st, value);
      if (name == "learner")
        for (const Choice& c : regression_learners())
          if (c.title == value) value = regression_learner_title(c.value);
    }
    return format_tr(key, values);
  }
  return text;
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

  // --- controls ---
  const SettingsTable<RegressionSettings>& table = regression_settings();
  const Setting<RegressionSettings>& task_setting = *table.find("task");
  const auto task_title = [&](const std::string& t) { return std::string(tr(table.choice_key(task_setting, t))); };
  draw_heading(st, format_tr("ui.regression.title", {{"task", task_title(h.task)}}).c_str());

  float task_w = 0;  // the combo fits its longest title
  for (const Choice& c : regression_tasks()) task_w = std::max(task_w, ImGui::CalcTextSize(task_title(c.value).c_str()).x);
  ImGui::SetNextItemWidth(task_w + ImGui::GetFrameHeight() + fs);
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
  // Play and Pause share one width, so that the buttons after it do not jump.
  const float play_w = std::max(ImGui::CalcTextSize(tr("ui.regression.pause")).x,
                                ImGui::CalcTextSize(tr("ui.regression.play")).x) + style.FramePadding.x * 2;
  same_line_if_fits(play_w);
  const std::string play_label = std::string(tr(s && s->playing ? "ui.regression.pause" : "ui.regression.play")) + "###play";
  if (ImGui::Button(play_label.c_str(), ImVec2(play_w, 0)) && s) s->playing = !s->playing;
  rects["play"] = last_item_rect();
  same_line_if_fits(ImGui::CalcTextSize(tr("ui.regression.step")).x + style.FramePadding.x * 2);
  if (ImGui::Button(tr_id("ui.regression.step", "step").c_str()) && s) s->request_step();
  rects["step"] = last_item_rect();
  same_line_if_fits(ImGui::CalcTextSize(tr("ui.regression.reset")).x + style.FramePadding.x * 2);
  if (ImGui::Button(tr_id("ui.regression.reset", "reset").c_str()) && s)
    lab.restart = RegressionLab::Restart::Fresh;
  rects["reset"] = last_item_rect();
  same_line_if_fits(ImGui::CalcTextSize(tr("ui.regression.speed")).x + style.ItemSpacing.x + fs * 6.0f);
  ImGui::TextUnformatted(tr("ui.regression.speed"));
  ImGui::SameLine();
  ImGui::SetNextItemWidth(fs * 6.0f);
  const auto& levels = speed_levels();
  // "max" is a word; "20 it/s" a number and a unit.
  const auto level_label = [&](std::size_t i) { return levels[i].per_second > 0 ? levels[i].label : tr("ui.regression.speed_max"); };
  if (s && ImGui::BeginCombo("##speed", level_label(static_cast<std::size_t>(std::clamp<int>(s->speed, 0, static_cast<int>(levels.size()) - 1))))) {
    for (int i = 0; i < static_cast<int>(levels.size()); ++i) {
      ImGui::PushID(i);
      if (ImGui::Selectable(level_label(static_cast<std::size_t>(i)), i == s->speed)) s->speed = i;
      ImGui::PopID();
    }
    ImGui::EndCombo();
  }

  // --- banners ---
  if (!lab.apply_error.empty()) draw_banner(st, BannerKind::Warning, shown_job_text(st, lab.apply_error), "reset_err", false);
  if (!st.page.last_error.empty() && draw_banner(st, BannerKind::Error, st.page.last_error, "io_err", true))
    st.page.last_error.clear();
  if (!s) {  // just switched task: its job is built before the next frame
    ImGui::TextWrapped("%s", format_tr("ui.regression.preparing", {{"task", task_title(h.task)}}).c_str());
    return;
  }
  if (!s->error.empty() && draw_banner(st, BannerKind::Error, shown_job_text(st, s->error), "train_err", true))
    s->error.clear();
  if (!s->notice.empty() && draw_banner(st, BannerKind::Info, shown_job_text(st, s->notice), "notice", true))
    s->notice.clear();

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

  ImGui::TextUnformatted(format_tr("ui.regression.iteration", {{"it", std::to_string(s->iteration())}}).c_str());
  std::string line = s->playing ? format_tr("ui.regression.rate", {{"rate", fixed(s->timing.steps_per_s, 0)},
                                                                   {"ms", fixed(s->timing.step_ms, 1)}})
                                : std::string(tr("ui.regression.paused"));
  same_line_if_fits(ImGui::CalcTextSize(line.c_str()).x + fs * 1.2f);
  ImGui::TextDisabled("%s", line.c_str());
  line = heldout_line(*s, held);
  same_line_if_fits(ImGui::CalcTextSize(line.c_str()).x + fs * 1.2f);
  ImGui::TextDisabled("%s", line.c_str());

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
    const std::string meta_title = regression_learner_title(s->settings().learner);
    const float box = ImGui::GetFrameHeight() + style.ItemInnerSpacing.x;
    same_line_if_fits(box + ImGui::CalcTextSize(meta_title.c_str()).x + fs);
    ImGui::Checkbox((meta_title + "###show_meta").c_str(), &v.show_meta);
    same_line_if_fits(box + ImGui::CalcTextSize(tr("ui.regression.show_pretrain")).x);
    ImGui::Checkbox(tr_id("ui.regression.show_pretrain", "show_pretrain").c_str(), &v.show_pretrain);
    same_line_if_fits(box + ImGui::CalcTextSize(tr("ui.regression.show_scratch")).x);
    ImGui::Checkbox(tr_id("ui.regression.show_scratch", "show_scratch").c_str(), &v.show_scratch);
    if (ImGui::Button(tr_id("ui.regression.new_heldout", "new_heldout").c_str())) ++v.task_index;
    rects["new_task"] = last_item_rect();
    line = h.task == "sinusoid"
               ? std::string(tr("ui.regression.edit_hint"))
               : format_tr("ui.regression.samples_shown", {{"k", std::to_string(held.task.support_x.rows())},
                                                           {"query", std::to_string(held.task.query_x.rows())}});
    same_line_if_fits(ImGui::CalcTextSize(line.c_str()).x + fs);
    ImGui::TextDisabled("%s", line.c_str());
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
    if (ImGui::CollapsingHeader(tr_id("ui.regression.hyper", "hyper").c_str(), ImGuiTreeNodeFlags_DefaultOpen))
      draw_hyper_controls(h, rects);
    if (ImGui::CollapsingHeader(tr_id("ui.regression.checkpoints", "checkpoints").c_str(),
                                ImGuiTreeNodeFlags_DefaultOpen))
      draw_checkpoint_controls(st, *s);
    if (!st.ui.presenter && ImGui::CollapsingHeader(tr_id("ui.what_am_i_looking_at", "what").c_str(),
                                                    v.show_help ? ImGuiTreeNodeFlags_DefaultOpen : 0))
      draw_help(st, *s);
  }
  if (two_columns) ImGui::EndChild();
}

}  // namespace metalab::web
