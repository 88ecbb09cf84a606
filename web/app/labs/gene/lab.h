// The gene lab: settings and view state. Its models are the regression lab's
// promoter and genes jobs (web/app/labs/regression/lab.h).
#pragma once

#include <nlohmann/json.hpp>

#include "core/tasks/regression_sources.h"
#include "web/app/labs/gene/settings.h"
#include "web/app/labs/gene/view.h"

namespace metalab::web {

struct GeneLab {
  GeneSettings settings;
  std::string job_error;  // why the regression job of the shown tab is not built (yet)
  GeneViewState view;
};

// Draws of the held-out tasks (task n of the seed's stream, for the job's source).
PromoterDraw draw_promoter_task(const PromoterSource& source, std::uint64_t seed, int index);
GeneExpressionTask draw_gene_task(const GeneExpressionSource& source, std::uint64_t seed, int index);

// "gene": {...} of the status JSON.
nlohmann::json gene_status(const GeneLab& lab);

}  // namespace metalab::web
