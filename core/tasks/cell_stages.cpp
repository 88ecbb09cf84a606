#include "core/tasks/cell_stages.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <set>
#include <stdexcept>

namespace metalab {

namespace {

// "2C" < "4C" < ... < "64C": by leading number, then by text.
bool stage_less(const std::string& a, const std::string& b) {
  const long na = std::strtol(a.c_str(), nullptr, 10), nb = std::strtol(b.c_str(), nullptr, 10);
  return na != nb ? na < nb : a < b;
}

}  // namespace

std::unique_ptr<DescribedClassificationSource> make_cell_stage_source(const CsvTable& table,
                                                                      const Options& options) {
  OptionReader r(options, "cell-stages task option");
  r.ignore("name");
  const std::string hold_out = r.choice("hold_out", "cells", {"cells", "stages", "genes"});
  const EpisodeConfig episodes = read_episode_options(r, 5, hold_out == "stages" ? 3 : 5);
  const std::uint64_t seed = static_cast<std::uint64_t>(r.integer("split_seed", 0, 0, LLONG_MAX));
  const double fraction = r.real("train_fraction", 0.5, 0.0, 1.0);
  if (!(fraction > 0 && fraction < 1))
    throw std::invalid_argument("cell-stages task option 'train_fraction': must be strictly between 0 and 1");
  const bool standardize = r.boolean("standardize", true);
  const std::string label = r.choice("label", "stage", {table.columns.begin(), table.columns.end()});
  const std::string group = r.choice("group", "embryo", {table.columns.begin(), table.columns.end()});
  const std::vector<std::string> test_stages_opt = hold_out == "stages" ? r.list("test_stages") : std::vector<std::string>{};
  const std::vector<std::string> test_genes_opt = hold_out == "genes" ? r.list("test_genes") : std::vector<std::string>{};
  if (hold_out != "stages" && r.has("test_stages"))
    throw std::invalid_argument("cell-stages task option 'test_stages' applies to hold_out=stages only");
  if (hold_out != "genes" && r.has("test_genes"))
    throw std::invalid_argument("cell-stages task option 'test_genes' applies to hold_out=genes only");

  std::vector<std::string> exclude{group};
  if (table.find_column("cell") >= 0 && label != "cell" && group != "cell") exclude.push_back("cell");
  LabelledTable t = labelled_features(table, label, exclude);
  const int gcol = table.column_index(group);
  const int n = static_cast<int>(t.x.rows()), genes = static_cast<int>(t.x.cols());
  Fingerprint fp;
  for (const auto& f : t.feature_names) fp.add(f);
  for (int i = 0; i < n; ++i) {
    fp.add(t.labels[static_cast<std::size_t>(i)]);
    fp.add(table.rows[static_cast<std::size_t>(i)][static_cast<std::size_t>(gcol)]);
  }
  fp.add(t.x.data(), static_cast<std::size_t>(t.x.size()) * sizeof(float));
  r.check("cells", std::to_string(n));
  r.check("genes", std::to_string(genes));
  r.check("data_hash", fp.hex());
  r.finish();

  // Stages in natural order.
  std::vector<std::string> stages = t.classes;
  std::sort(stages.begin(), stages.end(), stage_less);
  const int S = static_cast<int>(stages.size());
  if (S < 2) throw DataError(table.source + ": needs cells of at least two stages in column '" + label + "'");
  std::vector<int> stage_of(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i)
    stage_of[static_cast<std::size_t>(i)] = static_cast<int>(
        std::find(stages.begin(), stages.end(), t.labels[static_cast<std::size_t>(i)]) - stages.begin());

  // Which rows are meta-train cells (cells and genes modes): embryos split within each stage.
  std::vector<char> train_row(static_cast<std::size_t>(n), 1);
  if (hold_out != "stages") {
    Rng rng(seed);
    for (int s = 0; s < S; ++s) {
      std::vector<std::string> embryos;
      for (int i = 0; i < n; ++i) {
        const std::string& g = table.rows[static_cast<std::size_t>(i)][static_cast<std::size_t>(gcol)];
        if (stage_of[static_cast<std::size_t>(i)] == s && std::find(embryos.begin(), embryos.end(), g) == embryos.end())
          embryos.push_back(g);
      }
      rng.shuffle(embryos);
      const int e = static_cast<int>(embryos.size());
      const int keep = e < 2 ? e : std::min(e - 1, std::max(1, static_cast<int>(std::lround(fraction * e))));
      const std::set<std::string> train(embryos.begin(), embryos.begin() + keep);
      for (int i = 0; i < n; ++i)
        if (stage_of[static_cast<std::size_t>(i)] == s)
          train_row[static_cast<std::size_t>(i)] = train.count(table.rows[static_cast<std::size_t>(i)][static_cast<std::size_t>(gcol)]) > 0;
    }
  }

  LabeledDataset d;
  d.source = table.source;
  d.x = std::move(t.x);
  ClassSplit split;
  if (hold_out == "stages") {
    d.class_names = stages;
    for (int i = 0; i < n; ++i) d.y.push_back(stage_of[static_cast<std::size_t>(i)]);
    std::vector<std::string> test_names = test_stages_opt;
    if (test_names.empty()) {
      const ClassSplit ss = split_classes(S, fraction, 0.0, seed);
      for (int s : ss.test) test_names.push_back(stages[static_cast<std::size_t>(s)]);
      std::sort(test_names.begin(), test_names.end(), stage_less);
    }
    for (const auto& name : test_names)
      if (std::find(stages.begin(), stages.end(), name) == stages.end())
        throw std::invalid_argument("cell-stages task option 'test_stages': no stage '" + name + "' (stages: " +
                                    join(stages, ", ") + ")");
    for (int s = 0; s < S; ++s)
      (std::count(test_names.begin(), test_names.end(), stages[static_cast<std::size_t>(s)]) ? split.test : split.train)
          .push_back(s);
    if (split.train.empty() || split.test.empty())
      throw std::invalid_argument("cell-stages: hold_out=stages needs stages in both meta-train and meta-test");
    r.record("test_stages", join(test_names));
  } else {
    for (int half = 0; half < 2; ++half)
      for (int s = 0; s < S; ++s) d.class_names.push_back(stages[static_cast<std::size_t>(s)]);
    for (int i = 0; i < n; ++i)
      d.y.push_back(stage_of[static_cast<std::size_t>(i)] + (train_row[static_cast<std::size_t>(i)] ? 0 : S));
    for (int s = 0; s < S; ++s) {
      split.train.push_back(s);
      split.test.push_back(S + s);
    }
  }
  d.validate();
  if (standardize) standardize_features(d, split.train);
  if (hold_out == "genes") {
    std::vector<std::string> test_names = test_genes_opt;
    if (test_names.empty()) {
      const ClassSplit gs = split_classes(genes, fraction, 0.0, seed);
      std::vector<int> ids = gs.test;
      std::sort(ids.begin(), ids.end());
      for (int g : ids) test_names.push_back(t.feature_names[static_cast<std::size_t>(g)]);
    }
    std::vector<char> test_gene(static_cast<std::size_t>(genes), 0);
    for (const auto& name : test_names) {
      auto it = std::find(t.feature_names.begin(), t.feature_names.end(), name);
      if (it == t.feature_names.end())
        throw std::invalid_argument("cell-stages task option 'test_genes': no gene '" + name + "' in " + table.source);
      test_gene[static_cast<std::size_t>(it - t.feature_names.begin())] = 1;
    }
    const int held = static_cast<int>(std::count(test_gene.begin(), test_gene.end(), 1));
    if (held == 0 || held == genes)
      throw std::invalid_argument("cell-stages: hold_out=genes needs genes in both panels");
    for (int i = 0; i < n; ++i)
      for (int g = 0; g < genes; ++g)
        if (static_cast<bool>(test_gene[static_cast<std::size_t>(g)]) == static_cast<bool>(train_row[static_cast<std::size_t>(i)]))
          d.x(i, g) = 0.0f;
    r.record("test_genes", join(test_names));
  }
  return std::make_unique<DescribedClassificationSource>("cell-stages", std::make_shared<DatasetBank>(std::move(d)),
                                                         std::move(split), episodes, described_options("cell-stages", r.used()));
}

}  // namespace metalab
