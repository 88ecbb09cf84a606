#include "web/app/labs/gene/settings.h"

#include "web/app/labs/regression/settings.h"  // kAdaptSteps

namespace metalab::web {

const SettingsTable<GeneSettings>& gene_settings() {
  using S = GeneSettings;
  using Set = Setting<S>;
  static const SettingsTable<S> table(
      "gene",
      {Set::choice("data", &S::data,
                   {{"promoter", "Synthetic promoters"}, {"genes", "Tissue expression (real data)"}}, "Data"),
       Set::seed("seed", &S::seed, "seed %llu", "Draws the held-out cell types and genes"),
       Set::integer("cell", &S::cell, 0, 1000000, "cell type %d", "Which held-out cell type"),
       Set::integer("gene", &S::gene, 0, 1000000, "gene %d", "Which held-out gene"),
       Set::integer("adapt", &S::adapt, 0, kAdaptSteps, "%d adaptation steps",
                    "Gradient steps on the K support samples (0: the meta-learned initialisation)")});
  return table;
}

}  // namespace metalab::web
