// Developmental stage of single cells from their expression: N-way K-shot
// episodes whose classes are embryo stages (2C .. 64C in Guo et al.'s mouse
// qPCR, assets/data/guo_cells.csv), each cell a vector of 48 genes.
//
//   CsvTable t = parse_csv_string(text, "guo_cells.csv");
//   auto src = make_cell_stage_source(t, {{"hold_out", "cells"}, {"ways", "5"}});
//   Task e = src->sample(Split::MetaTest, rng);
//
// Six stages are too few to hold out five of them, so what meta-test holds
// out is a choice (option hold_out):
//   cells   [default] every split has every stage, but different embryos:
//           within each stage the embryos are shuffled (split_seed) and the
//           first round(train_fraction x embryos) (at least one, at most all
//           but one) give meta-train cells, the rest meta-test cells; cells
//           of one embryo never straddle the split. Few-shot classification
//           of new cells (from new embryos), 5-way possible.
//   stages  the stages themselves are split (train_fraction of the 6, by
//           split_seed): test episodes ask about stages never seen, with at
//           most as many ways as test stages (3 by default).
//   genes   the 48 genes are split into two panels (train_fraction of them,
//           by split_seed) and cells as in `cells`: meta-train episodes see
//           only the train panel's genes, meta-test episodes only the other
//           panel's (the other columns are 0, the meta-train mean after
//           standardising). A network's weights for the test panel were never
//           trained, so this asks whether anything learned transfers to
//           genes never measured in training; a metric learner's test
//           embedding rests on untrained weights.
// The class of an episode label is, for cells and genes, a (split, stage)
// pair: class k < 6 is stage k's meta-train cells, 6 + k its meta-test cells
// (class_name is the stage either way).
// Options (defaults in brackets):
//   ways [5] (stages: 3), shots [1], queries [5], test_ways, test_shots, test_queries [0 = as training]
//   hold_out cells | stages | genes [cells]; split_seed [0]; train_fraction [0.5]
//   standardize [true]: z-scores per gene with means and deviations of the meta-train cells
//   test_stages (stages) / test_genes (genes): explicit comma-separated lists
//           instead of the seeded split; description() records the lists used
//   label [stage], group [embryo]: the label and grouping columns; every other
//           column except `cell` is a gene
//   cells, genes, data_hash: written by description(); checked when given.
#pragma once

#include <memory>

#include "core/io/csv.h"
#include "core/tasks/bio_common.h"

namespace metalab {

// std::invalid_argument for bad options (or too few classes for the ways);
// DataError for a table without the columns or with non-numeric genes.
std::unique_ptr<DescribedClassificationSource> make_cell_stage_source(const CsvTable& table,
                                                                      const Options& options);

}  // namespace metalab
