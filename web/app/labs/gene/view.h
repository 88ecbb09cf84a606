// The gene lab's view: the synthetic promoter generator made visible
// (sequences as coloured bases with the planted motifs, each cell type's
// motif weights), adaptation to an unseen cell type from K sequences, and the
// same for real tissue expression data (a held-out gene predicted from
// landmark genes). Predicted vs true scatter for the meta-learner and the two
// baselines after the chosen number of adaptation steps.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "core/tasks/gene_expression.h"
#include "core/tasks/promoter.h"
#include "web/app/labs/regression/job.h"
#include "web/app/page/layout.h"
#include "web/app/page/memo.h"

namespace metalab::web {

struct AppState;

struct PromoterDraw {
  PromoterTask task;
  std::vector<int> other_cell_types;  // a few meta-train cell types for the heat strip
};

struct GeneViewState {
  bool show_meta = true, show_pretrain = true, show_scratch = true;
  std::string tab_drawn;  // the tab ImGui showed last frame
  // (job, seed, index, K) -> the held-out task drawn.
  Memo<std::tuple<long long, std::uint64_t, int, int>, PromoterDraw> promoter;
  Memo<std::tuple<long long, std::uint64_t, int, int>, GeneExpressionTask> gene;
  // (job, weights, task) -> predictions of the three models.
  Throttle clock{300};
  Memo<std::tuple<long long, long long, std::uint64_t>, AdaptedModels> promoter_predictions, gene_predictions;
  std::string checksum;  // of the shown meta-learner predictions (browser test)
  Rects rects;
};

void draw_gene_lab(AppState& state);

}  // namespace metalab::web
