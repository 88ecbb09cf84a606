// Settings of the gene lab: what a URL or a lesson can set.
//   #view=gene&data=promoter&seed=1&cell=0&gene=0&adapt=5
// data picks the tab (synthetic promoters or real tissue expression); cell
// and gene pick the held-out cell type and gene drawn from the seed. The
// models are the regression lab's promoter and genes jobs, with the settings
// the regression lab has for them.
#pragma once

#include <cstdint>
#include <string>

#include "web/app/page/settings.h"

namespace metalab::web {

struct GeneSettings {
  std::string data = "promoter";  // promoter, genes
  std::uint64_t seed = 1;         // draws the held-out cell types and genes
  int cell = 0;                   // held-out cell type draw ("New cell type" presses)
  int gene = 0;                   // held-out gene draw ("New gene" presses)
  int adapt = 5;                  // adaptation steps shown
};

const SettingsTable<GeneSettings>& gene_settings();

}  // namespace metalab::web
