// The four biomedical task families behind the one task factory
// (task_factory.h), built from string options and the bytes of their files
// like every other family, so that the CLI, the page and a checkpoint's
// "task.*" metadata name them the same way:
//
//   protein-families  N-way K-shot over Pfam / Swiss-Prot families (protein_families.h);
//                     file option fasta (a FASTA with '>NAME FAMILY' headers)
//   protein-ss        each task one protein chain, 3 states per residue (protein_ss.h);
//                     a table (chain, sequence, structure[, entry]), e.g. assets/data/transducin_ss.csv
//   mri-regions       N-way K-shot over brain regions of one MRI (mri_regions.h);
//                     file options t1, atlas (NIfTI-1 volumes), atlas_names (CSV: label, name)
//   cell-stages       N-way K-shot over developmental stages of single cells (cell_stages.h);
//                     a table (stage, embryo, genes...), e.g. assets/data/guo_cells.csv
//
//   TaskData data;
//   data.files["fasta"] = fasta_bytes;   // what the option "fasta" names, read by the caller
//   auto src = make_task_source({{"name", "protein-families"}, {"fasta", "protein_families.fasta"}}, data);
//
// A file option's value is the file's name, recorded in description() and
// used in error messages; the bytes come in TaskData::files.
#pragma once

#include <memory>

#include "core/tasks/task_factory.h"

namespace metalab {

// std::invalid_argument / OptionError for bad options or a missing file's
// bytes; DataError / FormatError naming the file for bad data.
std::unique_ptr<TaskSource> make_biomedical_task(const TaskOptions& options, const TaskData& data);

// The positions of the one-hot residue windows (20 channels each) a source's
// inputs are, for the conv1d backbone: protein-families with features=onehot
// (task.length), protein-ss (task.window); 0 for any other source.
int residue_positions(const TaskSource& source);

}  // namespace metalab
