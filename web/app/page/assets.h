// Files the page fetches after start-up (web/CMakeLists.txt lists them in
// assets.json: shipped checkpoints, the tissue expression CSV, the
// Fashion-MNIST subset, the biomedical data sets) and uploaded checkpoints kept for a lab, by their
// path relative to the site ("checkpoints/sinusoid-maml.safetensors"). The
// desktop window reads the same files from assets/.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "core/io/csv.h"

namespace metalab::web {

constexpr const char* kGenesCsv = "data/tissue_gene_expression.csv";
constexpr const char* kFashionImages = "data/fashion-mnist-images.idx";
constexpr const char* kFashionLabels = "data/fashion-mnist-labels.idx";
// The biomedical data sets of the classification lab (assets/data/README.md).
constexpr const char* kProteinFamiliesFasta = "data/protein_families.fasta";
constexpr const char* kMriT1 = "data/colin27_t1_2mm.nii";
constexpr const char* kMriAtlas = "data/colin27_aal_2mm.nii";
constexpr const char* kMriAtlasNames = "data/aal_regions.csv";
constexpr const char* kCellsCsv = "data/guo_cells.csv";

class AssetStore {
 public:
  void put(const std::string& name, std::string bytes);
  bool has(const std::string& name) const { return files_.count(name) > 0; }
  // The bytes of a file, or null.
  const std::string* find(const std::string& name) const;
  const std::map<std::string, std::string>& files() const { return files_; }
  // Bumps when a file arrives: part of the key of what is built from files.
  long generation() const { return generation_; }

  // The tissue expression table, parsed on first use; null while it has not
  // arrived or when it cannot be parsed (genes_error says why).
  const CsvTable* genes_table();
  const std::string& genes_error() const { return genes_error_; }
  // Whether the expression table is still on its way.
  bool waiting_for_genes() const { return genes_error_.empty() && !has(kGenesCsv); }

 private:
  std::map<std::string, std::string> files_;
  long generation_ = 0;
  std::shared_ptr<const CsvTable> genes_table_;
  std::string genes_error_;
};

}  // namespace metalab::web
