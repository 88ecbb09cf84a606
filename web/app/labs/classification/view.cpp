#include "web/app/labs/classification/view.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>

#include <imgui.h>

#include "core/tasks/mri_regions.h"
#include "core/tasks/sequence_features.h"
#include "web/app/labs/classification/lab.h"
#include "web/app/page/app_state.h"
#include "web/app/page/checkpoints.h"
#include "web/app/page/learners.h"
#include "web/app/ui/fonts.h"
#include "web/app/ui/plot.h"
#include "web/app/ui/settings_controls.h"
#include "web/app/ui/strings.h"
#include "web/app/ui/widgets.h"

namespace metalab::web {

namespace {

const ImU32 kClassColors[10] = {IM_COL32(31, 119, 180, 255), IM_COL32(255, 127, 14, 255), IM_COL32(44, 160, 44, 255),
                                IM_COL32(214, 39, 40, 255),  IM_COL32(148, 103, 189, 255), IM_COL32(140, 86, 75, 255),
                                IM_COL32(227, 119, 194, 255), IM_COL32(127, 127, 127, 255), IM_COL32(188, 189, 34, 255),
                                IM_COL32(23, 190, 207, 255)};
ImU32 class_color(int k, int alpha = 255) {
  const ImU32 c = kClassColors[static_cast<std::size_t>(((k % 10) + 10) % 10)];
  return (c & 0x00FFFFFFu) | (static_cast<ImU32>(alpha) << 24);
}

// A choice of the settings table in the current language (the learner's or
// the data set's title: the table's keys, settings_text.h).
const char* choice_text(const char* setting, const std::string& value) {
  const SettingsTable<ClassificationSettings>& table = classification_settings();
  return tr(table.choice_key(*table.find(setting), value));
}
const char* learner_text(const std::string& learner) { return choice_text("learner", learner); }

bool button(const char* key, const char* id) { return ImGui::Button(tr_id(key, id).c_str()); }

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

// Amino acids by the class of their side chain (the usual colouring of
// alignment viewers), in the order of kAminoAcids ("ACDEFGHIKLMNPQRSTVWY").
enum ResidueClass { kHydrophobic, kPositive, kNegative, kPolar, kCysteine, kGlycine, kProline, kAromatic, kResidueClasses };
constexpr ResidueClass kResidueClassOf[kNumAminoAcids] = {
    kHydrophobic, kCysteine, kNegative, kNegative, kHydrophobic, kGlycine, kAromatic, kHydrophobic, kPositive, kHydrophobic,
    kHydrophobic, kPolar,    kProline,  kPolar,    kPositive,    kPolar,   kPolar,    kHydrophobic, kHydrophobic, kAromatic};
const ImU32 kResidueColors[kResidueClasses] = {IM_COL32(40, 110, 225, 255), IM_COL32(215, 45, 45, 255),
                                               IM_COL32(185, 60, 190, 255), IM_COL32(35, 165, 65, 255),
                                               IM_COL32(240, 130, 130, 255), IM_COL32(240, 150, 40, 255),
                                               IM_COL32(190, 185, 0, 255),  IM_COL32(20, 165, 170, 255)};
const char* const kResidueClassKeys[kResidueClasses] = {
    "ui.classification.residue_hydrophobic", "ui.classification.residue_positive", "ui.classification.residue_negative",
    "ui.classification.residue_polar",       "ui.classification.residue_cysteine", "ui.classification.residue_glycine",
    "ui.classification.residue_proline",     "ui.classification.residue_aromatic"};

// A one-hot window of residues (positions x 20) as a strip of coloured
// bars, one per residue (or per bin of residues when the strip is narrow);
// the padding of a short sequence stays empty.
void draw_residue_strip(ImDrawList* dl, ImVec2 p, float w, float h, const float* v, int positions) {
  dl->AddRectFilled(p, ImVec2(p.x + w, p.y + h), ImGui::GetColorU32(ImGuiCol_FrameBg));
  const int bins = std::max(1, std::min(positions, static_cast<int>(w / 1.5f)));
  const float bw = w / static_cast<float>(bins);
  // The class of each bin's centre residue (-1: padding); a run of one class is one rectangle.
  const auto class_of = [&](int b) {
    const int i = (2 * b + 1) * positions / (2 * bins);
    const float* one_hot = v + static_cast<std::ptrdiff_t>(i) * kNumAminoAcids;
    const int best = static_cast<int>(std::max_element(one_hot, one_hot + kNumAminoAcids) - one_hot);
    return one_hot[best] > 0.0f ? static_cast<int>(kResidueClassOf[best]) : -1;
  };
  for (int b = 0; b < bins;) {
    const int c = class_of(b);
    int end = b + 1;
    while (end < bins && class_of(end) == c) ++end;
    if (c >= 0) dl->AddRectFilled(ImVec2(p.x + b * bw, p.y), ImVec2(p.x + end * bw, p.y + h), kResidueColors[c]);
    b = end;
  }
}

void draw_residue_legend(ImDrawList* dl, ImVec2 p, float width) {
  const float fs = ImGui::GetFontSize();
  float x = p.x, y = p.y;
  for (int c = 0; c < kResidueClasses; ++c) {
    const char* text = tr(kResidueClassKeys[c]);
    const float w = fs * 1.0f + ImGui::CalcTextSize(text).x + fs * 0.8f;
    if (x + w > p.x + width && x > p.x) x = p.x, y += fs * 1.3f;
    dl->AddRectFilled(ImVec2(x, y + fs * 0.2f), ImVec2(x + fs * 0.7f, y + fs * 0.9f), kResidueColors[c]);
    dl->AddText(ImVec2(x + fs * 0.9f, y), ImGui::GetColorU32(ImGuiCol_Text), text);
    x += w;
  }
  ImGui::Dummy(ImVec2(width, y - p.y + fs * 1.4f));
}

// Where an episode's MRI patches come from: an axial slice of the brain
// through the first support patch, with every patch centre marked (supports
// filled, queries as rings, in their class colours; centres on other slices
// are projected onto this one).
void draw_brain_slice(ClassificationLab& lab, ImDrawList* dl, const MriPatchBank& bank, const Episode& e, ImVec2 p, float size) {
  const float fs = ImGui::GetFontSize();
  const int nx = bank.nx(), ny = bank.ny();
  const int z = e.classes.empty() || e.support_items.empty() ? bank.nz() / 2 : bank.centre(e.classes[0], e.support_items[0])[2];
  const float scale = size / static_cast<float>(std::max(nx, ny));
  const int step = std::max(1, static_cast<int>(2.0f / scale));  // at most a voxel every 2 pixels
  dl->AddRectFilled(p, ImVec2(p.x + nx * scale, p.y + ny * scale), IM_COL32(0, 0, 0, 255));
  for (int y = 0; y < ny; y += step)
    for (int x = 0; x < nx; x += step) {
      const float v = std::clamp(bank.intensity(x, y, z) * 1.2f, 0.0f, 1.0f);
      if (v < 0.04f) continue;
      const int g = static_cast<int>(v * 255.0f);
      const float row = static_cast<float>(ny - y - step);  // anterior up, as the patches
      dl->AddRectFilled(ImVec2(p.x + x * scale, p.y + row * scale), ImVec2(p.x + (x + step) * scale, p.y + (row + step) * scale),
                        IM_COL32(g, g, g, 255));
    }
  const Task& t = e.task;
  const auto mark = [&](int label, int item, bool support) {
    if (label < 0 || label >= static_cast<int>(e.classes.size())) return;
    const auto c = bank.centre(e.classes[static_cast<std::size_t>(label)], item);
    const ImVec2 q(p.x + (c[0] + 0.5f) * scale, p.y + (ny - c[1] - 0.5f) * scale);
    if (support)
      dl->AddCircleFilled(q, fs * 0.3f, class_color(label));
    else
      dl->AddCircle(q, fs * 0.3f, class_color(label), 0, 2.0f);
  };
  for (std::size_t i = 0; i < e.query_items.size(); ++i)
    mark(static_cast<int>(t.query_y(static_cast<Eigen::Index>(i), 0)), e.query_items[i], false);
  for (std::size_t i = 0; i < e.support_items.size(); ++i)
    mark(static_cast<int>(t.support_y(static_cast<Eigen::Index>(i), 0)), e.support_items[i], true);
  // The slice is an item (its rect is in the status JSON); the caption beside it wraps.
  ImGui::SetCursorScreenPos(p);
  ImGui::Dummy(ImVec2(nx * scale, ny * scale));
  lab.view.rects["brain_slice"] = last_item_rect();
  char caption[1024];  // the Chinese caption is about 450 bytes
  std::snprintf(caption, sizeof caption, tr("ui.classification.brain_slice"), z + 1, bank.nz());
  ImGui::SameLine(0.0f, fs * 0.6f);
  ImGui::PushTextWrapPos(0.0f);  // the window's right edge
  ImGui::TextWrapped("%s", caption);
  ImGui::PopTextWrapPos();
}

void draw_sample(ImDrawList* dl, const ClassificationSource& src, ImVec2 p, float size, float strip_w, const Matrix& x,
                 Eigen::Index row) {
  const Eigen::RowVectorXf r = x.row(row);
  if (src.name() == "protein-families" && r.size() % kNumAminoAcids == 0)
    draw_residue_strip(dl, p, strip_w, size, r.data(), static_cast<int>(r.size()) / kNumAminoAcids);
  else if (src.images() && src.image_channels() == 1)
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

void draw_episode(ClassificationLab& lab, const EpisodeAnalysis& c, const ClassificationSource& src, float width) {
  const float fs = ImGui::GetFontSize();
  const Task& t = c.episode.task;
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
  dl->AddText(ImVec2(o.x, o.y), ImGui::GetColorU32(ImGuiCol_Text), tr("ui.classification.support_header"));
  dl->AddText(ImVec2(qx, o.y), ImGui::GetColorU32(ImGuiCol_Text), tr("ui.classification.queries_header"));
  const float top = o.y + fs * 1.4f;
  float y = top;
  const ImU32 good = IM_COL32(40, 170, 60, 255), bad = IM_COL32(220, 40, 40, 255);
  for (int k = 0; k < ways; ++k) {
    const float rh = img ? row_h : fs * 1.25f * static_cast<float>(std::max(1, std::max(shots > 5 ? 1 : 1, queries)));
    char name[64];
    const int cls = k < static_cast<int>(c.episode.classes.size()) ? c.episode.classes[static_cast<std::size_t>(k)] : k;
    const std::string cname = utf8_prefix(src.bank().class_name(cls), 9);  // a class name of the user's data
    std::snprintf(name, sizeof name, "%d: %s", k, checked_text(cname));
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
      // Under the label beside an image; beside it on a strip's one line.
      const ImVec2 at = img ? ImVec2(tx, p.y + fs * 0.95f) : ImVec2(tx + fs * 1.5f, p.y + fs * 0.1f);
      dl->AddText(ImGui::GetFont(), fs * 0.8f, at, ImGui::GetColorU32(ImGuiCol_TextDisabled), lab);
    }
    y += img ? rh + fs * 1.0f : rh + fs * 0.3f;
  }
  const float h = y - o.y;
  ImGui::Dummy(ImVec2(width, std::max(h, fs * 4.0f)));  // not a widget: a finger dragging here scrolls
  lab.view.rects["episode"] = last_item_rect();
}

void draw_embedding(AppState& st, ClassificationLab& lab, const EpisodeAnalysis& c, ImVec2 size) {
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  ImGui::Dummy(size);
  lab.view.rects["embedding"] = last_item_rect();
  if (c.px.empty()) return;
  float xmin = 1e30f, xmax = -1e30f, ymin = 1e30f, ymax = -1e30f;
  for (std::size_t i = 0; i < c.px.size(); ++i) {
    xmin = std::min(xmin, c.px[i]), xmax = std::max(xmax, c.px[i]);
    ymin = std::min(ymin, c.py[i]), ymax = std::max(ymax, c.py[i]);
  }
  const float padx = std::max(1e-3f, (xmax - xmin) * 0.08f), pady = std::max(1e-3f, (ymax - ymin) * 0.08f);
  PlotRange r{xmin - padx, xmax + padx, ymin - pady, ymax + pady};
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const LegendItem legend[] = {
      {tr("ui.classification.legend_support"), LegendItem::Kind::Dot, IM_COL32(120, 120, 120, 255), 4.0f},
      {tr("ui.classification.legend_query"), LegendItem::Kind::Dot, IM_COL32(120, 120, 120, 120), 4.0f,
       IM_COL32(0, 0, 0, 255)},
      {tr("ui.classification.legend_prototype"), LegendItem::Kind::Dot, IM_COL32(20, 20, 20, 255), 6.0f}};
  Plot plot(dl, p0, ImVec2(p0.x + size.x, p0.y + size.y), r, PlotColors::from_style(st.ui.dark_theme),
            tr("ui.classification.pc1_axis"), tr("ui.classification.pc2_axis"), legend, 3);
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

void draw_curve(AppState& st, ClassificationLab& lab, ImVec2 size) {
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  ImGui::Dummy(size);
  lab.view.rects["curve"] = last_item_rect();
  const LabColors col = LabColors::get(st.ui.dark_theme);
  const LegendItem legend[] = {{learner_text(lab.settings.learner), LegendItem::Kind::Line, col.meta, 2.5f},
                               {tr("ui.classification.legend_nn"), LegendItem::Kind::Line, col.faint, 2.0f}};
  Plot plot(ImGui::GetWindowDrawList(), p0, ImVec2(p0.x + size.x, p0.y + size.y),
            PlotRange{0.5, kMaxShots + 0.5, 0, 1}, PlotColors::from_style(st.ui.dark_theme),
            tr("ui.classification.shots_axis"), tr("ui.classification.accuracy_axis"), legend, 2);
  if (const int ways = lab.settings.ways; ways > 0) {
    const ImVec2 a = plot.to_screen(0.5, 1.0 / ways), b = plot.to_screen(kMaxShots + 0.5, 1.0 / ways);
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
  line(lab.curve.shown_nn, col.faint);
  line(lab.curve.shown, col.meta);
}

void draw_help(const ClassificationSettings& s) {
  ImGui::PushTextWrapPos(0);
  ImGui::TextUnformatted(tr("ui.classification.help.episode"));
  if (s.learner == "protonet")
    ImGui::TextUnformatted(tr("ui.classification.help.protonet"));
  else if (s.learner == "matchingnet")
    ImGui::TextUnformatted(tr("ui.classification.help.matchingnet"));
  else
    ImGui::TextUnformatted(tr("ui.classification.help.fomaml"));
  ImGui::TextUnformatted(tr("ui.classification.help.embedding"));
  if (s.dataset == "proteins" || s.dataset == "mri" || s.dataset == "cells")
    ImGui::TextUnformatted(tr(("ui.classification.help." + s.dataset).c_str()));
  ImGui::TextUnformatted(tr("ui.classification.help.page"));
  ImGui::PopTextWrapPos();
}

// "Weights: ..." - which weights the model has.
void draw_weights_line(const ClassificationJob& job) {
  if (!job.weights_file.empty()) {
    const long more = job.iteration() - job.weights_iteration;
    const std::string file = job.weights_uploaded ? job.weights_file.substr(8) : job.weights_file;
    const char* key = job.weights_uploaded ? (more > 0 ? "ui.classification.weights_uploaded_more"
                                                       : "ui.classification.weights_uploaded")
                                           : (more > 0 ? "ui.classification.weights_shipped_more"
                                                       : "ui.classification.weights_shipped");
    // One line (on a phone it is cut at the edge: wrapped, it pushed the "you are the learner" row below
    // the screen). checked_text: an uploaded file's name is the user's.
    ImGui::TextUnformatted(checked_text(format_tr(key, {{"file", file},
                                                        {"it", std::to_string(job.weights_iteration)},
                                                        {"more", std::to_string(more)}})));
    return;
  }
  ImGui::TextUnformatted(format_tr("ui.classification.weights_live", {{"it", std::to_string(job.iteration())}}).c_str());
  if (!job.mismatch.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    ImGui::TextWrapped("%s", format_tr("ui.classification.shipped_unused", {{"why", job.mismatch}}).c_str());
    ImGui::PopStyleColor();
  }
}


// "You are the learner": the support set as tap targets, the query asked now,
// the score, and (you=compare) the model's answers on the same queries.
void draw_you(AppState& st, ClassificationLab& lab, const EpisodeAnalysis& a, const ClassificationSource& src,
              YouAnswers& you) {
  const float fs = ImGui::GetFontSize();
  const ImGuiStyle& style = ImGui::GetStyle();
  Rects& rects = lab.view.rects;
  const Task& t = a.episode.task;
  const int ways = t.num_classes;
  const int shots = static_cast<int>(t.support_x.rows()) / std::max(1, ways);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImU32 good = IM_COL32(40, 170, 60, 255), bad = IM_COL32(220, 40, 40, 255);
  const bool compare = lab.settings.you == "compare";
  const int total = static_cast<int>(you.rows.size());
  const int current = you.done() ? -1 : you.answered();

  ImGui::PushTextWrapPos(0);
  ImGui::TextUnformatted(tr("ui.you.intro"));
  ImGui::PopTextWrapPos();
  // The support set: one example per class (the first shot), each a tap target.
  const float avail = ImGui::GetContentRegionAvail().x;
  const float cell = std::clamp((avail - style.ItemSpacing.x * static_cast<float>(ways)) / static_cast<float>(ways) - 4.0f,
                                fs * 2.5f, fs * 5.5f);
  for (int k = 0; k < ways; ++k) {
    if (k > 0) same_line_if_fits(cell + 4.0f);
    ImGui::PushID(k);
    const ImVec2 p = ImGui::GetCursorScreenPos();
    const bool clicked = ImGui::InvisibleButton("you_class", ImVec2(cell + 4.0f, cell + fs * 1.6f));
    const bool hovered = ImGui::IsItemHovered();
    rects["you_class_" + std::to_string(k)] = last_item_rect();
    ImGui::PopID();
    draw_sample(dl, src, ImVec2(p.x + 2.0f, p.y + 2.0f), cell, cell, t.support_x, k * std::max(1, shots));
    dl->AddRect(ImVec2(p.x, p.y), ImVec2(p.x + cell + 4.0f, p.y + cell + 4.0f), class_color(k), 0, 0,
                hovered && current >= 0 ? 4.0f : 2.5f);
    char name[16];
    std::snprintf(name, sizeof name, "%d", k);
    dl->AddRectFilled(ImVec2(p.x, p.y + cell + fs * 0.35f), ImVec2(p.x + fs * 0.6f, p.y + cell + fs * 1.35f), class_color(k));
    dl->AddText(ImVec2(p.x + fs * 0.8f, p.y + cell + fs * 0.3f), ImGui::GetColorU32(ImGuiCol_Text), name);
    if (clicked && current >= 0) you.answers[static_cast<std::size_t>(current)] = k;
  }
  const int now = you.done() ? -1 : you.answered();  // after this frame's tap
  if (now >= 0) {
    // The query asked now, large, with how far along the student is.
    const float q = std::min(fs * 7.0f, avail * 0.4f);
    ImGui::TextUnformatted(format_tr("ui.you.progress", {{"n", std::to_string(now + 1)}, {"total", std::to_string(total)}}).c_str());
    const ImVec2 p = ImGui::GetCursorScreenPos();
    ImGui::Dummy(ImVec2(q + 6.0f, q + 6.0f));
    rects["you_query"] = last_item_rect();
    draw_sample(dl, src, ImVec2(p.x + 3.0f, p.y + 3.0f), q, q, t.query_x, you.rows[static_cast<std::size_t>(now)]);
    dl->AddRect(p, ImVec2(p.x + q + 6.0f, p.y + q + 6.0f), IM_COL32(230, 160, 20, 255), 0, 0, 3.0f);
    ImGui::SameLine();
    ImGui::PushTextWrapPos(0);
    ImGui::TextUnformatted(tr("ui.you.ask"));
    ImGui::PopTextWrapPos();
  } else {
    rects["you_query"] = Rect{};
  }
  // The answers so far: thumbnails with the label given (right and wrong once all are in).
  const float thumb = fs * 2.2f;
  for (int i = 0; i < total; ++i) {
    const int answer = you.answers[static_cast<std::size_t>(i)];
    if (answer < 0) break;
    if (i > 0) same_line_if_fits(thumb + fs * 1.4f);
    const ImVec2 p = ImGui::GetCursorScreenPos();
    ImGui::Dummy(ImVec2(thumb + fs * 1.2f, thumb + (compare ? fs * 1.2f : 4.0f)));
    draw_sample(dl, src, ImVec2(p.x + 2.0f, p.y + 2.0f), thumb, thumb, t.query_x, you.rows[static_cast<std::size_t>(i)]);
    const bool ok = answer == you.truth[static_cast<std::size_t>(i)];
    dl->AddRect(p, ImVec2(p.x + thumb + 4.0f, p.y + thumb + 4.0f), you.done() ? (ok ? good : bad) : class_color(answer),
                0, 0, 2.5f);
    dl->AddRectFilled(ImVec2(p.x + thumb + 6.0f, p.y + 2.0f), ImVec2(p.x + thumb + fs * 0.5f + 6.0f, p.y + fs * 0.9f),
                      class_color(answer));
    if (compare) {  // the model's label of the same query under it
      const auto row = static_cast<std::size_t>(you.rows[static_cast<std::size_t>(i)]);
      if (row < a.predicted.size()) {
        const int pred = a.predicted[row];
        char b[24];
        std::snprintf(b, sizeof b, "%s %d", tr("ui.you.model_short"), pred);
        dl->AddText(ImGui::GetFont(), fs * 0.8f, ImVec2(p.x, p.y + thumb + 5.0f),
                    pred == you.truth[static_cast<std::size_t>(i)] ? good : bad, b);
      }
    }
  }
  if (you.done()) {
    ImGui::TextUnformatted(format_tr("ui.you.score", {{"right", std::to_string(you.right())}, {"total", std::to_string(total)}}).c_str());
    if (compare) {
      int model = 0;
      for (int i = 0; i < total; ++i) {
        const auto row = static_cast<std::size_t>(you.rows[static_cast<std::size_t>(i)]);
        model += row < a.predicted.size() && a.predicted[row] == you.truth[static_cast<std::size_t>(i)];
      }
      ImGui::TextUnformatted(format_tr("ui.you.model_score", {{"model", learner_text(lab.settings.learner)},
                                                              {"right", std::to_string(model)},
                                                              {"total", std::to_string(total)}})
                                 .c_str());
    } else {
      ImGui::TextDisabled("%s", tr("ui.you.hidden"));
    }
    if (button("ui.you.again", "you_again")) std::fill(you.answers.begin(), you.answers.end(), -1);
    rects["you_again"] = last_item_rect();
  }
}

}  // namespace

void draw_classification_lab(AppState& st) {
  ClassificationLab& lab = st.classification;
  ClassificationSettings& s = lab.settings;
  const SettingsTable<ClassificationSettings>& table = classification_settings();
  const float fs = ImGui::GetFontSize();
  const ImGuiStyle& style = ImGui::GetStyle();
  Rects& rects = lab.view.rects;
  ClassificationJob* job = lab.job();
  // Phones and narrow windows: one column, each control on the row where it fits.
  const bool narrow = ImGui::GetContentRegionAvail().x < fs * 44.0f;
  const auto button_w = [&](const char* label) { return ImGui::CalcTextSize(label).x + style.FramePadding.x * 2; };

  draw_heading(st, tr("ui.classification.title"));
  // Controls.
  const float combo_w = std::min(fs * 13, ImGui::GetContentRegionAvail().x);
  ImGui::SetNextItemWidth(std::min(fs * 9, combo_w));
  draw_setting_control(s, table, "learner");
  rects["learner"] = last_item_rect();
  same_line_if_fits(combo_w);
  ImGui::SetNextItemWidth(combo_w);
  draw_setting_control(s, table, "dataset");
  same_line_if_fits(fs * 5 + ImGui::CalcTextSize(tr("settings.classification.ways")).x + style.ItemInnerSpacing.x);
  ImGui::SetNextItemWidth(fs * 5);
  draw_setting_control(s, table, "ways");
  same_line_if_fits(fs * 5 + ImGui::CalcTextSize(tr("settings.classification.shots")).x + style.ItemInnerSpacing.x);
  ImGui::SetNextItemWidth(fs * 5);
  draw_setting_control(s, table, "shots");
  // On the same row only if it fits (narrow windows, large text).
  same_line_if_fits(button_w(tr("ui.classification.new_episode")));
  if (button("ui.classification.new_episode", "new_episode") || st.shortcuts.new_sample) ++s.episode;
  rects["new_episode"] = last_item_rect();

  const char* train_key = job && job->playing ? "ui.classification.pause" : "ui.classification.train";
  if ((button(train_key, "train") || st.shortcuts.play_pause) && job) job->playing = !job->playing;
  rects["play"] = last_item_rect();
  same_line_if_fits(button_w(tr("ui.classification.step")));
  if ((button("ui.classification.step", "step") || st.shortcuts.step) && job) job->request_step();
  rects["step"] = last_item_rect();
  same_line_if_fits(button_w(tr("ui.classification.reset")));
  const std::string shipped = shipped_classification_checkpoint(s);
  const bool shipped_there = !shipped.empty() && st.assets.has(shipped);
  // Reset: random weights, trained here (the shipped ones are a button away;
  // an uploaded checkpoint is forgotten).
  if (button("ui.classification.reset", "reset") || st.shortcuts.reset) reset_classification(lab);
  rects["reset"] = last_item_rect();
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tr("ui.classification.reset_tip"));
  if (shipped_there && job && job->weights_file.empty() && !lab.want_shipped) {  // after Reset
    same_line_if_fits(button_w(tr("ui.classification.use_shipped")));
    if (button("ui.classification.use_shipped", "use_shipped")) lab.want_shipped = true;
    rects["use_shipped"] = last_item_rect();
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("%s", format_tr("ui.classification.use_shipped_tip", {{"file", shipped}}).c_str());
  } else {
    rects["use_shipped"] = Rect{};
  }
  same_line_if_fits(button_w(tr("ui.classification.upload")));
  if (button("ui.classification.upload", "upload")) st.page.open_file_dialog = true;
  rects["upload"] = last_item_rect();
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tr("ui.classification.upload_tip"));
  if (!lab.byo.images.empty()) {
    same_line_if_fits(button_w(tr("ui.classification.clear_images")));
    if (button("ui.classification.clear_images", "clear_images")) byo_clear(lab.byo);
  }
  same_line_if_fits(button_w(tr("ui.classification.download")));
  ImGui::BeginDisabled(!job);
  if (button("ui.classification.download", "download"))
    offer_download(st, [&lab](std::string* name) { return classification_checkpoint_bytes(lab, name); });
  ImGui::EndDisabled();
  rects["download"] = last_item_rect();
  if (job) {
    const double recent = job->recent_accuracy(50);
    const std::string it = std::to_string(job->iteration());
    // No training curve yet (e.g. shipped weights): no train accuracy to show.
    const std::string line =
        std::isfinite(recent)
            ? format_tr("ui.classification.status_training",
                        {{"it", it},
                         {"acc", fixed(100.0 * recent, 0)},
                         {"speed", fixed(job->playing ? job->timing.steps_per_s : 0.0, 0)}})
            : format_tr("ui.classification.status", {{"it", it}});
    same_line_if_fits(ImGui::CalcTextSize(line.c_str()).x);
    ImGui::TextUnformatted(line.c_str());
    draw_weights_line(*job);
  }
  if (!lab.byo.error.empty() && draw_banner(st, BannerKind::Error, lab.byo.error, "byo_error", true)) lab.byo.error.clear();
  if (!lab.byo.message.empty() && draw_banner(st, BannerKind::Info, lab.byo.message, "byo_msg", true)) lab.byo.message.clear();
  if (!lab.notice.empty() && draw_banner(st, BannerKind::Info, lab.notice, "cl_notice", true)) lab.notice.clear();
  if (!lab.error().empty()) draw_banner(st, BannerKind::Warning, lab.error(), "cl_error", false);
  if (job && !job->error.empty() &&
      draw_banner(st, BannerKind::Error, format_tr("ui.classification.training_stopped", {{"error", job->error}}),
                  "cl_train_error", true))
    job->error.clear();
  if (!job) return;

  const long long shown_weights = lab.view.clock.follow(job->weights_version(), now_ms(), job->playing);
  const EpisodeAnalysis& a = lab.view.analysis.get({job->id(), shown_weights, s.seed, s.episode},
                                                   [&] { return analyse_episode(*job, s.seed, s.episode); });
  if (!a.error.empty()) draw_banner(st, BannerKind::Warning, a.error, "cl_episode_error", false);

  // You are the learner: the student labels the queries; the model's answers
  // (and everything that shows them) stay hidden until you=compare.
  if (s.you != "off" && a.error.empty()) {
    YouAnswers& you = lab.view.you.edit({s.dataset, s.ways, s.shots, s.seed, s.episode},
                                        [&] { return you_questions(a.episode, s.seed, s.episode); });
    draw_you(st, lab, a, job->source(), you);
    if (s.you == "label") return;
    ImGui::Spacing();
  }

  const float avail = ImGui::GetContentRegionAvail().x;
  const float left_w = narrow ? avail : std::max(fs * 20.0f, avail * 0.56f);
  if (!narrow) ImGui::BeginChild("cl_left", ImVec2(left_w, 0), false);
  // Cells: the held-out split is embryos, and the stages are the same as in training.
  const char* episode_line = s.dataset == "cells" ? "ui.classification.episode_line_cells" : "ui.classification.episode_line";
  ImGui::TextWrapped("%s", format_tr(episode_line, {{"episode", std::to_string(s.episode)},
                                                                       {"ways", std::to_string(a.episode.task.num_classes)},
                                                                       {"shots", std::to_string(s.shots)},
                                                                       {"dataset", choice_text("dataset", s.dataset)},
                                                                       {"acc", fixed(100.0 * a.accuracy, 0)}})
                               .c_str());
  if (a.error.empty()) {
    draw_episode(lab, a, job->source(), left_w - fs);
    // What the biomedical inputs are: the residue colours, where the patches lie.
    const ClassificationSource& src = job->source();
    if (src.name() == "protein-families") draw_residue_legend(ImGui::GetWindowDrawList(), ImGui::GetCursorScreenPos(), left_w - fs);
    if (src.name() == "mri-regions") {
      const float side = std::min(left_w * 0.5f, fs * 12.0f);
      draw_brain_slice(lab, ImGui::GetWindowDrawList(), mri_patch_bank(src), a.episode, ImGui::GetCursorScreenPos(), side);
    }
  }
  if (!narrow && !st.ui.presenter &&
      ImGui::CollapsingHeader(tr_id("ui.what_am_i_looking_at", "help").c_str(),
                              lab.view.show_help ? ImGuiTreeNodeFlags_DefaultOpen : 0))
    draw_help(s);
  if (!narrow) {
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("cl_right", ImVec2(0, 0), false);
  }
  const float rw = ImGui::GetContentRegionAvail().x;
  const float ph = narrow ? rw * 0.85f : std::max(fs * 10.0f, (ImGui::GetContentRegionAvail().y - fs * 3.0f) * 0.55f);
  ImGui::TextWrapped("%s", tr("ui.classification.embedding_title"));
  draw_embedding(st, lab, a, ImVec2(rw, ph));
  ImGui::TextWrapped("%s", format_tr("ui.classification.curve_title",
                                     {{"episodes", std::to_string(ShotCurveJob::kEpisodes)},
                                      {"it", std::to_string(lab.curve.shown_iteration)}})
                               .c_str());
  draw_curve(st, lab, ImVec2(rw, narrow ? rw * 0.7f : std::max(fs * 8.0f, ImGui::GetContentRegionAvail().y - fs * 0.5f)));
  if (narrow && !st.ui.presenter &&
      ImGui::CollapsingHeader(tr_id("ui.what_am_i_looking_at", "help").c_str(),
                              lab.view.show_help ? ImGuiTreeNodeFlags_DefaultOpen : 0))
    draw_help(s);
  if (!narrow) ImGui::EndChild();
}

}  // namespace metalab::web
