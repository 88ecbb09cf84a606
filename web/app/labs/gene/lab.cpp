#include "web/app/labs/gene/lab.h"

#include <algorithm>

#include "core/common/rng.h"
#include "core/tasks/regression_sources.h"
#include "web/app/page/status.h"

namespace metalab::web {

namespace {
constexpr std::uint64_t kPromoterStream = 0x50524F4D4F544552ULL;  // "PROMOTER"
constexpr std::uint64_t kGeneStream = 0x47454E4553ULL;            // "GENES"
constexpr int kOtherCellTypes = 7;

Rng task_stream(std::uint64_t seed, int index) {
  Rng tasks(seed);
  Rng t = tasks.split();
  for (int i = 0; i < index; ++i) t = tasks.split();
  return t;
}
}  // namespace

PromoterDraw draw_promoter_task(const PromoterSource& source, std::uint64_t seed, int index) {
  const PromoterDistribution& pd = source.distribution();
  Rng t = task_stream(seed ^ kPromoterStream, index);
  PromoterDraw d;
  d.task = pd.sample_detailed(Split::MetaTest, t);
  const auto& train = pd.cell_types(Split::MetaTrain);
  for (int i = 0; i < kOtherCellTypes && i < static_cast<int>(train.size()); ++i)
    d.other_cell_types.push_back(train[static_cast<std::size_t>(i)]);
  return d;
}

GeneExpressionTask draw_gene_task(const GeneExpressionSource& source, std::uint64_t seed, int index) {
  Rng t = task_stream(seed ^ kGeneStream, index);
  return source.distribution().sample_detailed(Split::MetaTest, t);
}

nlohmann::json gene_status(const GeneLab& lab) {
  const GeneSettings& s = lab.settings;
  const bool promoter = s.data == "promoter";
  const AdaptedModels* p = promoter ? lab.view.promoter_predictions.last() : lab.view.gene_predictions.last();
  const int k = std::clamp(s.adapt, 0, kAdaptSteps);
  const auto loss = [&](int which) -> nlohmann::json {
    if (!p) return nullptr;
    const AdaptedPredictions& a = p->of(which);
    if (!a.ok() || static_cast<int>(a.loss.size()) <= k) return nullptr;
    return a.loss[static_cast<std::size_t>(k)];
  };
  const PromoterDraw* pd = lab.view.promoter.last();
  const GeneExpressionTask* gd = lab.view.gene.last();
  return {{"tab", promoter ? 0 : 1},
          {"data", s.data},
          {"adapt_step", s.adapt},
          {"cell_type", pd ? pd->task.cell_type : 0},
          {"gene", gd ? gd->gene_name : ""},
          {"checksum", lab.view.checksum},
          {"loss", {{"meta", loss(0)}, {"pretrain", loss(1)}, {"scratch", loss(2)}}},
          {"points", p ? p->eval_y.rows() : 0},
          {"rects", rects_json(lab.view.rects)}};
}

}  // namespace metalab::web
