#include "web/app/labs/gene/view.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <imgui.h>

#include "core/tasks/regression_sources.h"
#include "web/app/labs/gene/lab.h"
#include "web/app/labs/regression/view.h"  // regression_learner_title, update_rule_text
#include "web/app/page/app_state.h"
#include "web/app/page/fingerprint.h"
#include "web/app/ui/plot.h"
#include "web/app/ui/settings_controls.h"
#include "web/app/ui/strings.h"
#include "web/app/ui/widgets.h"

namespace metalab::web {

namespace {

// A synthetic cell type by its number ("cell type 17" in core/tasks/promoter.h), in the page's language.
std::string cell_type_title(int index) { return format_tr("ui.gene.cell_type", {{"n", std::to_string(index)}}); }

constexpr int kSequencesShown = 4;

ImU32 base_color(char b, bool dark) {
  switch (b) {
    case 'A': return dark ? IM_COL32(70, 170, 90, 255) : IM_COL32(110, 200, 120, 255);
    case 'C': return dark ? IM_COL32(70, 120, 210, 255) : IM_COL32(120, 165, 235, 255);
    case 'G': return dark ? IM_COL32(210, 160, 40, 255) : IM_COL32(245, 195, 80, 255);
    case 'T': return dark ? IM_COL32(200, 70, 70, 255) : IM_COL32(235, 120, 115, 255);
    default: return IM_COL32(128, 128, 128, 255);
  }
}

// Diverging colour for a weight in [-1, 1] (blue negative, red positive).
ImU32 weight_color(double v, bool dark) {
  const float t = static_cast<float>(std::clamp(v, -1.0, 1.0));
  const float base = dark ? 0.18f : 1.0f;
  float r = base, g = base, b = base;
  if (t > 0) {
    r = base + (0.85f - base) * t;
    g = base + (0.2f - base) * t;
    b = base + (0.15f - base) * t;
  } else {
    r = base + (0.15f - base) * -t;
    g = base + (0.35f - base) * -t;
    b = base + (0.8f - base) * -t;
  }
  return ImGui::GetColorU32(ImVec4(r, g, b, 1.0f));
}

std::string short_motif_name(const std::string& n) {
  if (n == "TATA box") return "TATA";
  if (n == "CAAT box") return "CAAT";
  if (n == "GC box") return "GC";
  return n;
}

// Predicted (up) vs true (across) for the three models at one step; y values
// mapped through `scale`/`offset` (to show raw units).
void draw_scatter(AppState& st, GeneLab& g, const AdaptedModels& c, const std::string& meta_name, ImVec2 size,
                  const char* x_title, float scale, float offset, Rect* rect) {
  const float fs = ImGui::GetFontSize();
  const LabColors col = LabColors::get(st.ui.dark_theme);
  const float dot = std::max(3.0f, fs * 0.28f);
  const int step = std::clamp(g.settings.adapt, 0, kAdaptSteps);
  const bool show[3] = {g.view.show_meta, g.view.show_pretrain, g.view.show_scratch};
  const ImU32 colors[3] = {col.meta, col.pretrain, col.scratch};
  const AdaptedPredictions* preds[3] = {&c.meta, &c.pre, &c.scratch};
  const std::string names[3] = {regression_learner_title(meta_name), tr("ui.regression.pretrain"),
                                 tr("ui.regression.scratch")};
  std::string labels[3];
  std::vector<LegendItem> legend;
  legend.push_back({tr("ui.regression.diagonal"), LegendItem::Kind::Line, col.diagonal, 1.0f});
  float lo = 1e30f, hi = -1e30f;
  for (Eigen::Index i = 0; i < c.eval_y.rows(); ++i) {
    lo = std::min(lo, c.eval_y(i, 0) * scale + offset);
    hi = std::max(hi, c.eval_y(i, 0) * scale + offset);
  }
  for (int m = 0; m < 3; ++m) {
    if (!show[m]) continue;
    const AdaptedPredictions* p = preds[m];
    if (p->ok() && static_cast<int>(p->loss.size()) > step) {
      labels[m] = format_tr("ui.gene.model_mse",
                            {{"model", names[m]}, {"mse", fixed(p->loss[static_cast<std::size_t>(step)], 3)}});
      for (float v : p->by_step[static_cast<std::size_t>(step)])
        if (std::isfinite(v)) {
          lo = std::min(lo, v * scale + offset);
          hi = std::max(hi, v * scale + offset);
        }
    } else {
      labels[m] = names[m];
    }
    legend.push_back({labels[m].c_str(), LegendItem::Kind::Dot, colors[m], dot});
  }
  if (!(hi > lo)) {
    lo = -1;
    hi = 1;
  }
  const float pad = (hi - lo) * 0.08f;
  ImGui::Dummy(size);  // not a widget: a finger dragging here scrolls
  *rect = last_item_rect();
  const PlotRange range{lo - pad, hi + pad, lo - pad, hi + pad};
  Plot plot(ImGui::GetWindowDrawList(), ImGui::GetItemRectMin(), ImGui::GetItemRectMax(), range,
            PlotColors::from_style(st.ui.dark_theme), x_title, nullptr, legend.data(), static_cast<int>(legend.size()));
  ImGui::GetWindowDrawList()->AddLine(plot.to_screen(range.x_min, range.x_min), plot.to_screen(range.x_max, range.x_max),
                                      col.diagonal, 1.0f);
  const int n = static_cast<int>(c.eval_y.rows());
  std::vector<float> tx(static_cast<std::size_t>(n)), py(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) tx[static_cast<std::size_t>(i)] = c.eval_y(i, 0) * scale + offset;
  for (int m = 2; m >= 0; --m) {
    const AdaptedPredictions* p = preds[m];
    if (!show[m] || !p->ok() || static_cast<int>(p->by_step[static_cast<std::size_t>(step)].size()) != n) continue;
    for (int i = 0; i < n; ++i) py[static_cast<std::size_t>(i)] = p->by_step[static_cast<std::size_t>(step)][static_cast<std::size_t>(i)] * scale + offset;
    plot.points(tx.data(), py.data(), n, colors[m], col.support_outline, dot);
  }
}

std::uint64_t task_fingerprint(const Task& t) { return Fingerprint().add(t.support_x).add(t.support_y).add(t.query_x).value(); }

const AdaptedModels& predictions(Memo<std::tuple<long long, long long, std::uint64_t>, AdaptedModels>& memo, GeneLab& g,
                                 const RegressionJob& job, const Task& task) {
  const long long shown = g.view.clock.follow(job.weights_version(), now_ms(), job.playing);
  return memo.get({job.id(), shown, task_fingerprint(task)},
                  [&] { return adapt_models(job, task, task.query_x, task.query_y); });
}

void draw_adapt_controls(AppState& st, GeneLab& g, const std::string& meta_name) {
  const float fs = ImGui::GetFontSize();
  ImGui::SetNextItemWidth(std::min(fs * 11.0f, ImGui::GetContentRegionAvail().x));
  draw_setting_control(g.settings, gene_settings(), "adapt");
  g.view.rects["adapt_slider"] = last_item_rect();
  const std::string title = regression_learner_title(meta_name);
  const float box = ImGui::GetFrameHeight() + ImGui::GetStyle().ItemInnerSpacing.x;
  same_line_if_fits(box + ImGui::CalcTextSize(title.c_str()).x);
  ImGui::Checkbox((title + "###show_meta").c_str(), &g.view.show_meta);
  same_line_if_fits(box + ImGui::CalcTextSize(tr("ui.regression.show_pretrain")).x);
  ImGui::Checkbox(tr_id("ui.regression.show_pretrain", "show_pretrain").c_str(), &g.view.show_pretrain);
  same_line_if_fits(box + ImGui::CalcTextSize(tr("ui.regression.show_scratch")).x);
  ImGui::Checkbox(tr_id("ui.regression.show_scratch", "show_scratch").c_str(), &g.view.show_scratch);
  (void)st;
}

// Play / pause of the shown model's meta-training (Space), with its iteration count.
void draw_training_toggle(AppState& st, RegressionJob& job) {
  if (st.shortcuts.play_pause) job.playing = !job.playing;
  if (st.shortcuts.step) job.request_step();
  const char* label = tr(job.playing ? "ui.gene.pause" : "ui.gene.train");
  same_line_if_fits(ImGui::CalcTextSize(label).x + ImGui::GetStyle().FramePadding.x * 2);
  if (ImGui::Button((std::string(label) + "###train").c_str())) job.playing = !job.playing;
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tr("ui.gene.train.tip"));
  const std::string line = format_tr("ui.gene.training", {{"learner", regression_learner_title(job.settings().learner)},
                                                          {"it", std::to_string(job.iteration())}});
  same_line_if_fits(ImGui::CalcTextSize(line.c_str()).x);
  ImGui::TextDisabled("%s", line.c_str());
}

// Checksum of what is shown (for the browser test).
std::string checksum_of(const AdaptedModels& p) {
  double sum = 0;
  for (const auto& v : p.meta.by_step)
    for (float x : v) sum += x;
  char b[48];
  std::snprintf(b, sizeof b, "%.9g", sum);
  return b;
}

// Sequences as coloured bases, planted motifs boxed and labelled, TSS at the right.
void draw_sequences(AppState& st, const PromoterDistribution& pd, const PromoterTask& t, float width) {
  const float fs = ImGui::GetFontSize();
  const bool dark = st.ui.dark_theme;
  const int n = std::min<int>(kSequencesShown, static_cast<int>(t.support.size()));
  const float label_w = fs * 7.5f;
  const int len = pd.config().sequence_length;
  const float cell = std::max(2.0f, std::floor((width - label_w - fs * 2.5f) / static_cast<float>(len)));
  const float row_h = fs * 2.35f, strip_h = fs * 1.0f;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const ImU32 text = ImGui::GetColorU32(ImGuiCol_Text);
  const ImU32 planted = dark ? IM_COL32(255, 255, 255, 255) : IM_COL32(20, 20, 20, 255);
  const ImU32 chance = dark ? IM_COL32(160, 160, 160, 255) : IM_COL32(120, 120, 120, 255);
  const bool letters = cell >= fs * 0.62f;
  const float small = fs * 0.8f;
  for (int i = 0; i < n; ++i) {
    const PromoterSequence& seq = t.support[static_cast<std::size_t>(i)];
    const float y = origin.y + i * row_h + fs * 1.05f;  // strip top (labels above it)
    char label[64];
    std::snprintf(label, sizeof label, "%s  y = %+.2f", format_tr("ui.gene.seq", {{"n", std::to_string(i + 1)}}).c_str(),
                  t.task.support_y(i, 0));
    dl->AddText(ImVec2(origin.x, y + (strip_h - fs) * 0.5f), text, label);
    const float x0 = origin.x + label_w;
    for (int b = 0; b < len && b < static_cast<int>(seq.sequence.size()); ++b) {
      const char base = seq.sequence[static_cast<std::size_t>(b)];
      const ImVec2 a(x0 + b * cell, y), z(x0 + (b + 1) * cell, y + strip_h);
      dl->AddRectFilled(a, z, base_color(base, dark));
      if (letters) {
        const char s[2] = {base, 0};
        const ImVec2 ts = ImGui::CalcTextSize(s);
        dl->AddText(ImGui::GetFont(), small, ImVec2(a.x + (cell - ts.x * small / fs) * 0.5f, a.y + (strip_h - small) * 0.5f),
                    dark ? IM_COL32(15, 15, 15, 255) : IM_COL32(25, 25, 25, 255), s);
      }
    }
    // TSS marker after the last base.
    const float tx = x0 + len * cell + fs * 0.3f;
    dl->AddLine(ImVec2(tx, y + strip_h), ImVec2(tx, y - fs * 0.2f), text, 1.5f);
    dl->AddTriangleFilled(ImVec2(tx, y - fs * 0.45f), ImVec2(tx, y + fs * 0.05f), ImVec2(tx + fs * 0.5f, y - fs * 0.2f), text);
    float last_label_end = -1e9f;
    for (const MotifSite& site : seq.sites) {
      const Motif& m = pd.config().motifs[static_cast<std::size_t>(site.motif)];
      const float a = x0 + site.position * cell, z = a + static_cast<float>(m.consensus.size()) * cell;
      dl->AddRect(ImVec2(a - 1, y - 1), ImVec2(z + 1, y + strip_h + 1), site.planted ? planted : chance, 0, 0,
                  site.planted ? 2.0f : 1.0f);
      std::string name = short_motif_name(m.name);
      if (!site.planted) name += "?";
      const float w = ImGui::CalcTextSize(name.c_str()).x * small / fs;
      const float lx = std::max(a, last_label_end + fs * 0.3f);
      dl->AddText(ImGui::GetFont(), small, ImVec2(lx, y - small - 1), site.planted ? planted : chance, name.c_str());
      last_label_end = lx + w;
    }
  }
  ImGui::Dummy(ImVec2(width, n * row_h + fs * 0.1f));
  // Key: base colours, motif boxes, TSS.
  const ImVec2 k = ImGui::GetCursorScreenPos();
  float x = k.x + label_w;
  for (const char b : {'A', 'C', 'G', 'T'}) {
    dl->AddRectFilled(ImVec2(x, k.y + fs * 0.15f), ImVec2(x + fs * 0.8f, k.y + fs * 0.95f), base_color(b, dark));
    const char s[2] = {b, 0};
    dl->AddText(ImVec2(x + fs * 1.0f, k.y), text, s);
    x += fs * 2.2f;
  }
  const char* key = tr("ui.gene.sequence_key");
  dl->AddText(ImVec2(x + fs * 0.5f, k.y), ImGui::GetColorU32(ImGuiCol_TextDisabled), key);
  ImGui::Dummy(ImVec2(width, fs * 1.2f));
}

// Cell types x (motifs, interactions, basal) heat strip; the held-out cell type on top.
void draw_weight_strip(AppState& st, GeneLab& g, const PromoterDraw& draw, const PromoterDistribution& pd, float width) {
  const float fs = ImGui::GetFontSize();
  const bool dark = st.ui.dark_theme;
  const auto& motifs = pd.config().motifs;
  const auto& inter = pd.config().interactions;
  std::vector<std::string> cols;
  for (const Motif& m : motifs) cols.push_back(short_motif_name(m.name));
  for (const MotifInteraction& x : inter) cols.push_back(short_motif_name(x.a) + "x" + short_motif_name(x.b));
  cols.push_back(tr("ui.gene.basal"));
  std::vector<int> rows{draw.task.cell_type};
  for (int c : draw.other_cell_types) rows.push_back(c);
  const float label_w = fs * 8.5f;
  const float cell_w = std::max(fs * 1.5f, (width - label_w) / static_cast<float>(cols.size()));
  const float cell_h = fs * 1.25f, header_h = fs * 2.2f;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 o = ImGui::GetCursorScreenPos();
  const ImU32 text = ImGui::GetColorU32(ImGuiCol_Text);
  const float small = fs * 0.78f;
  double maxabs = 0.1;
  for (int c : rows) {
    const CellType& ct = pd.cell_type(c);
    for (double w : ct.motif_weights) maxabs = std::max(maxabs, std::fabs(w));
    for (double w : ct.interaction_weights) maxabs = std::max(maxabs, std::fabs(w));
    maxabs = std::max(maxabs, std::fabs(ct.basal));
  }
  bool crowded = false;
  for (const std::string& c : cols) crowded = crowded || ImGui::CalcTextSize(c.c_str()).x * small / fs > cell_w * 0.92f;
  for (std::size_t j = 0; j < cols.size(); ++j) {
    const float w = ImGui::CalcTextSize(cols[j].c_str()).x * small / fs;
    const float cx = o.x + label_w + (static_cast<float>(j) + 0.5f) * cell_w;
    // Crowded: alternate two rows so that neighbours never overlap.
    const float dy = crowded && j % 2 == 1 ? -small * 1.05f : 0.0f;
    dl->AddText(ImGui::GetFont(), small, ImVec2(cx - w * 0.5f, o.y + header_h - small + dy), text, cols[j].c_str());
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const CellType& ct = pd.cell_type(rows[i]);
    const float y = o.y + header_h + fs * 0.2f + static_cast<float>(i) * cell_h;
    std::string label = cell_type_title(rows[i]) + (i == 0 ? " *" : "");
    dl->AddText(ImGui::GetFont(), small, ImVec2(o.x, y + (cell_h - small) * 0.5f), text, label.c_str());
    std::vector<double> vals(ct.motif_weights);
    vals.insert(vals.end(), ct.interaction_weights.begin(), ct.interaction_weights.end());
    vals.push_back(ct.basal);
    for (std::size_t j = 0; j < vals.size() && j < cols.size(); ++j) {
      const ImVec2 a(o.x + label_w + static_cast<float>(j) * cell_w + 1, y + 1);
      const ImVec2 z(a.x + cell_w - 2, a.y + cell_h - 2);
      dl->AddRectFilled(a, z, weight_color(vals[j] / maxabs, dark));
    }
    if (i == 0)
      dl->AddRect(ImVec2(o.x + label_w, y), ImVec2(o.x + label_w + cell_w * static_cast<float>(cols.size()), y + cell_h),
                  text, 0, 0, 2.0f);
  }
  const float h = header_h + fs * 0.2f + static_cast<float>(rows.size()) * cell_h;
  ImGui::Dummy(ImVec2(width, h));
  g.view.rects["weights"] = Rect{o.x, o.y, width, h};
  // Colour key.
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
  ImGui::TextWrapped("%s", format_tr("ui.gene.weights_key", {{"max", fixed(maxabs, 2)}}).c_str());
  ImGui::PopStyleColor();
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tr("ui.gene.weights_key.tip"));
}

void draw_promoter_tab(AppState& st, GeneLab& g) {
  const float fs = ImGui::GetFontSize();
  RegressionJob* job = st.regression.ready_job("promoter");
  if (!job) {
    ImGui::TextWrapped("%s", format_tr("ui.gene.preparing_promoter", {{"error", shown_job_text(st, g.job_error)}}).c_str());
    return;
  }
  const auto* src = dynamic_cast<const PromoterSource*>(&job->source());
  if (!src) return;
  const PromoterDistribution& pd = src->distribution();
  const GeneSettings& s = g.settings;
  const PromoterDraw& draw = g.view.promoter.get({job->id(), s.seed, s.cell, job->settings().k},
                                                 [&] { return draw_promoter_task(*src, s.seed, s.cell); });
  const AdaptedModels& p = predictions(g.view.promoter_predictions, g, *job, draw.task.task);

  const ImVec2 avail = ImGui::GetContentRegionAvail();
  ImGui::TextWrapped("%s", format_tr("ui.gene.promoter_intro", {{"cell", cell_type_title(draw.task.cell_type)},
                                                                 {"k", std::to_string(draw.task.support.size())},
                                                                 {"shown", std::to_string(kSequencesShown)}})
                               .c_str());
  ImGui::BeginGroup();
  draw_sequences(st, pd, draw.task, avail.x);
  ImGui::EndGroup();
  g.view.rects["sequences"] = last_item_rect();

  const ImVec2 rest = ImGui::GetContentRegionAvail();
  // Phones and narrow windows: one column, the view scrolls.
  const bool narrow = rest.x < fs * 44.0f;
  const float left_w = narrow ? rest.x : std::floor(rest.x * 0.5f);
  if (!narrow) ImGui::BeginChild("weights_col", ImVec2(left_w, rest.y), false);
  draw_heading(st, tr("ui.gene.weights_title"));
  draw_weight_strip(st, g, draw, pd, ImGui::GetContentRegionAvail().x);
  if (ImGui::Button(tr_id("ui.gene.new_cell_type", "new_cell_type").c_str())) ++g.settings.cell;
  g.view.rects["new_cell_type"] = last_item_rect();
  draw_training_toggle(st, *job);
  ImGui::Spacing();
  if (!st.ui.presenter && ImGui::CollapsingHeader(tr_id("ui.what_am_i_looking_at", "what").c_str(),
                                                  ImGuiTreeNodeFlags_DefaultOpen)) {
    ImGui::TextWrapped("%s", tr("ui.gene.help.promoters"));
    ImGui::Spacing();
    ImGui::TextWrapped("%s", tr("ui.gene.help.network"));
    ImGui::Spacing();
    ImGui::TextWrapped("%s", update_rule_text(job->settings().learner));
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    ImGui::TextWrapped("%s", tr("ui.gene.help.promoter_curves"));
    ImGui::PopStyleColor();
  }
  if (!narrow) {
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("promoter_scatter_col", ImVec2(0, rest.y), false, ImGuiWindowFlags_NoScrollbar);
  }
  draw_heading(st, tr("ui.gene.promoter_scatter_title"));
  const ImVec2 a = ImGui::GetContentRegionAvail();
  draw_scatter(st, g, p, job->settings().learner,
               ImVec2(a.x, narrow ? a.x * 0.85f : std::max(fs * 10.0f, a.y - ImGui::GetFrameHeightWithSpacing() - fs * 0.3f)),
               tr("ui.gene.promoter_axis"), 1.0f, 0.0f, &g.view.rects["promoter_scatter"]);
  draw_adapt_controls(st, g, job->settings().learner);
  if (!narrow) ImGui::EndChild();
  g.view.checksum = checksum_of(p);
}

void draw_genes_tab(AppState& st, GeneLab& g) {
  const float fs = ImGui::GetFontSize();
  RegressionJob* job = st.regression.ready_job("genes");
  if (!job) {
    ImGui::TextWrapped("%s", format_tr("ui.gene.preparing_genes", {{"error", shown_job_text(st, g.job_error)}}).c_str());
    return;
  }
  const auto* src = dynamic_cast<const GeneExpressionSource*>(&job->source());
  if (!src) return;
  const GeneExpressionDistribution& gd = src->distribution();
  const GeneSettings& s = g.settings;
  const GeneExpressionTask& task = g.view.gene.get({job->id(), s.seed, s.gene, job->settings().k},
                                                   [&] { return draw_gene_task(*src, s.seed, s.gene); });
  const AdaptedModels& p = predictions(g.view.gene_predictions, g, *job, task.task);

  const ImVec2 rest = ImGui::GetContentRegionAvail();
  const bool narrow = rest.x < fs * 44.0f;  // phones: one column, the view scrolls
  const float left_w = narrow ? rest.x : std::floor(rest.x * 0.36f);
  if (!narrow) ImGui::BeginChild("genes_info", ImVec2(left_w, rest.y), false);
  ImGui::TextUnformatted(tr("ui.gene.heldout_gene"));
  draw_heading(st, task.gene_name.c_str());
  ImGui::TextWrapped("%s", format_tr("ui.gene.gene_intro", {{"k", std::to_string(task.support_rows.size())},
                                                             {"query", std::to_string(task.query_rows.size())}})
                               .c_str());
  if (ImGui::Button(tr_id("ui.gene.new_gene", "new_gene").c_str())) ++g.settings.gene;
  g.view.rects["new_gene"] = last_item_rect();
  draw_training_toggle(st, *job);
  ImGui::Spacing();
  if (ImGui::CollapsingHeader(tr_id("ui.gene.support_samples", "support_samples").c_str(), 0)) {
    for (std::size_t i = 0; i < task.support_rows.size(); ++i) {
      const int row = task.support_rows[i];
      const std::string tissue = row < static_cast<int>(gd.sample_labels().size()) ? gd.sample_labels()[static_cast<std::size_t>(row)] : "?";
      ImGui::BulletText("%s", format_tr("ui.gene.sample", {{"n", std::to_string(row + 1)},
                                                           {"tissue", tissue},
                                                           {"value", fixed(gd.raw_expression()(row, task.gene), 2)}})
                                  .c_str());
    }
  }
  if (ImGui::CollapsingHeader(tr_id("ui.gene.landmarks", "landmarks").c_str(), 0)) {
    std::string names;
    for (const std::string& n : gd.landmark_names()) names += (names.empty() ? "" : ", ") + n;
    ImGui::TextWrapped("%s", names.c_str());
  }
  if (!st.ui.presenter && ImGui::CollapsingHeader(tr_id("ui.what_am_i_looking_at", "what").c_str(),
                                                  ImGuiTreeNodeFlags_DefaultOpen)) {
    ImGui::TextWrapped("%s", format_tr("ui.gene.help.genes", {{"genes", std::to_string(gd.num_genes())},
                                                             {"samples", std::to_string(gd.num_samples())},
                                                             {"landmarks", std::to_string(gd.landmarks().size())}})
                                 .c_str());
    ImGui::Spacing();
    ImGui::TextWrapped("%s", update_rule_text(job->settings().learner));
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    ImGui::TextWrapped("%s", tr("ui.gene.help.genes_curves"));
    ImGui::PopStyleColor();
  }
  if (!narrow) {
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("genes_scatter_col", ImVec2(0, rest.y), false, ImGuiWindowFlags_NoScrollbar);
  }
  draw_heading(st, format_tr("ui.gene.genes_scatter_title", {{"gene", task.gene_name}}).c_str());
  const ImVec2 a = ImGui::GetContentRegionAvail();
  draw_scatter(st, g, p, job->settings().learner,
               ImVec2(a.x, narrow ? a.x * 0.85f : std::max(fs * 10.0f, a.y - ImGui::GetFrameHeightWithSpacing() - fs * 0.3f)),
               tr("ui.gene.genes_axis"), gd.target_scale(task.gene), gd.target_offset(task.gene),
               &g.view.rects["gene_scatter"]);
  draw_adapt_controls(st, g, job->settings().learner);
  if (!narrow) ImGui::EndChild();
  g.view.checksum = checksum_of(p);
}

}  // namespace

void draw_gene_lab(AppState& st) {
  GeneLab& g = st.gene;
  draw_heading(st, tr("ui.gene.title"));
  if (st.shortcuts.new_sample) ++(g.settings.data == "promoter" ? g.settings.cell : g.settings.gene);
  if (ImGui::BeginTabBar("gene_tabs")) {
    // The settings choose the tab (a link, a lesson); a click on a tab changes them.
    const bool select = g.settings.data != g.view.tab_drawn;
    const SettingsTable<GeneSettings>& table = gene_settings();
    const auto tab = [&](const char* value, const char* rect, void (*draw)(AppState&, GeneLab&)) {
      const bool want = select && g.settings.data == value;
      // The tab's title is the data setting's choice title; its ID stays the value.
      const std::string title = std::string(tr(table.choice_key(*table.find("data"), value))) + "###" + value;
      const bool open = ImGui::BeginTabItem(title.c_str(), nullptr, want ? ImGuiTabItemFlags_SetSelected : 0);
      g.view.rects[rect] = last_item_rect();
      if (!open) return;
      if (!select) g.settings.data = value;
      g.view.tab_drawn = value;
      draw(st, g);
      ImGui::EndTabItem();
    };
    tab("promoter", "tab_promoter", draw_promoter_tab);
    tab("genes", "tab_genes", draw_genes_tab);
    ImGui::EndTabBar();
  }
}

}  // namespace metalab::web
