// The gene lab: the synthetic promoter generator made visible (sequences as
// coloured bases with the planted motifs, each cell type's motif weights),
// adaptation to an unseen cell type from K sequences, and the same for real
// tissue expression data (a held-out gene predicted from landmark genes).
// The models are the regression lab's "promoter" and "genes" sessions.
#pragma once

#include <string>

#include "web/app/app_state.h"

namespace metalab::web {

void draw_gene_lab(AppState& state);
std::string gene_status_json(const AppState& state);

}  // namespace metalab::web
