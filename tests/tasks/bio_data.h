// The shipped biomedical data sets (assets/data), parsed once per test
// process, and helpers the task tests share.
#pragma once

#include <map>
#include <string>

#include "core/io/csv.h"
#include "core/io/nifti.h"
#include "core/io/sequences.h"
#include "core/tasks/bio_common.h"
#include "core/tasks/mri_regions.h"
#include "tests/support/error_text.h"

namespace metalab::testing {

using test::read_asset;

inline const SequenceSet& protein_family_data() {
  static const SequenceSet s = parse_fasta(read_asset("protein_families.fasta"), "protein_families.fasta");
  return s;
}
inline const std::vector<StructureChain>& transducin_chains() {
  static const std::vector<StructureChain> c =
      structure_chains_from_table(parse_csv_string(read_asset("transducin_ss.csv"), "transducin_ss.csv"));
  return c;
}
struct MriData {
  NiftiVolume t1, labels;
  std::map<int, std::string> names;
};
inline const MriData& mri_data() {
  static const MriData d{parse_nifti(read_asset("colin27_t1_2mm.nii"), "colin27_t1_2mm.nii"),
                         parse_nifti(read_asset("colin27_aal_2mm.nii"), "colin27_aal_2mm.nii"),
                         region_names_from_table(parse_csv_string(read_asset("aal_regions.csv"), "aal_regions.csv"))};
  return d;
}
inline const CsvTable& guo_table() {
  static const CsvTable t = parse_csv_string(read_asset("guo_cells.csv"), "guo_cells.csv");
  return t;
}

// "task.<key>" entries of a description -> options (what a checkpoint rebuild does).
inline Options options_from_description(const std::map<std::string, std::string>& d) {
  Options o;
  for (const auto& [k, v] : d)
    if (k.compare(0, 5, "task.") == 0 && k != "task.name") o[k.substr(5)] = v;
  return o;
}

}  // namespace metalab::testing
