#include "web/app/page/assets.h"

#include <exception>

namespace metalab::web {

void AssetStore::put(const std::string& name, std::string bytes) {
  files_[name] = std::move(bytes);
  if (name == kGenesCsv) {  // a new copy: parse it again
    genes_table_.reset();
    genes_error_.clear();
  }
  ++generation_;
}

const std::string* AssetStore::find(const std::string& name) const {
  const auto it = files_.find(name);
  return it == files_.end() ? nullptr : &it->second;
}

const CsvTable* AssetStore::genes_table() {
  if (genes_table_) return genes_table_.get();
  if (!genes_error_.empty()) return nullptr;
  const std::string* bytes = find(kGenesCsv);
  if (!bytes) return nullptr;
  try {
    genes_table_ = std::make_shared<const CsvTable>(parse_csv_string(*bytes, "tissue_gene_expression.csv"));
  } catch (const std::exception& e) {
    genes_error_ = e.what();
    return nullptr;
  }
  return genes_table_.get();
}

}  // namespace metalab::web
