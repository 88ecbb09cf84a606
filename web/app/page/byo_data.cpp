#include "web/app/page/byo_data.h"

#include <algorithm>
#include <cctype>
#include <exception>
#include <set>

#include "core/io/csv.h"
#include "core/io/sequences.h"
#include "core/tasks/protein_families.h"

namespace metalab::web {

namespace {

std::string lower_ext(const std::string& name) {
  const auto dot = name.find_last_of('.');
  if (dot == std::string::npos) return "";
  std::string e = name.substr(dot + 1);
  for (char& c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return e;
}

// "cat_01.png" -> "cat/cat_01.png"; "cat/01.png" stays; "" when no class can be read.
std::string image_path(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const auto us = name.find('_');
  if (us == std::string::npos || us == 0) return "";
  return name.substr(0, us) + "/" + name;
}

void set_images(ByoData& byo, std::vector<ImageFile> files) {
  ImageLoadOptions opt;
  opt.height = opt.width = kByoImageSize;
  opt.channels = 1;
  ImageSet set = load_images_from_memory(files, opt, "uploaded images");
  LabeledDataset d = dataset_from_images(std::move(set));
  d.source = "uploaded images";
  d.validate();
  const int n = d.num_examples(), k = d.num_classes();
  byo.images = std::move(files);
  byo.fasta.clear();
  byo.dataset = std::make_shared<const LabeledDataset>(std::move(d));
  byo.name = std::to_string(n) + " images, " + std::to_string(k) + " classes";
  ++byo.version;
}

}  // namespace

bool byo_accepts(const std::string& file_name) {
  const std::string e = lower_ext(file_name);
  return e == "csv" || e == "png" || e == "jpg" || e == "jpeg" || e == "fa" || e == "fasta" || e == "faa";
}

void byo_clear(ByoData& byo) {
  const long v = byo.version, u = byo.uploads;
  byo = ByoData{};
  byo.version = v + 1;
  byo.uploads = u;
}

void byo_receive(ByoData& byo, const std::string& file_name, const std::string& bytes, const Strings& strings) {
  ++byo.uploads;
  const std::string name = file_name.empty() ? "the uploaded file" : file_name;
  const std::string ext = lower_ext(name);
  try {
    if (ext == "csv") {
      const CsvTable table = parse_csv_string(bytes, name);
      if (table.num_rows() < 2) throw DataError(name + ": needs a header and at least two data rows");
      // The label: among the text columns, the one with the fewest distinct
      // values that still has at least two (an id column is all distinct).
      std::vector<std::string> text_cols = non_numeric_columns(table);
      std::string label = text_cols.empty() ? table.columns.at(0) : text_cols.front();
      std::size_t best = 0;
      for (const std::string& col : text_cols) {
        const int ci = table.column_index(col);
        std::set<std::string> distinct;
        for (const auto& row : table.rows) distinct.insert(row[static_cast<std::size_t>(ci)]);
        if (distinct.size() >= 2 && distinct.size() < table.rows.size() && (best == 0 || distinct.size() < best)) {
          best = distinct.size();
          label = col;
        }
      }
      std::vector<std::string> exclude;
      for (const std::string& col : text_cols)
        if (col != label) exclude.push_back(col);
      LabeledDataset d = dataset_from_table(table, label, -1, exclude);
      d.source = name;
      d.validate();
      if (d.num_classes() < 2)
        throw DataError(name + ": the label column '" + label + "' has only one class (need at least 2)");
      const int rows = d.num_examples(), k = d.num_classes(), f = d.feature_dim();
      byo.dataset = std::make_shared<const LabeledDataset>(std::move(d));
      byo.images.clear();
      byo.fasta.clear();
      byo.name = name;
      ++byo.version;
      byo.error.clear();
      byo.message = strings.format("ui.upload.table_loaded", {{"file", name},
                                                              {"rows", std::to_string(rows)},
                                                              {"classes", std::to_string(k)},
                                                              {"label", label},
                                                              {"features", std::to_string(f)}});
      return;
    }
    if (ext == "png" || ext == "jpg" || ext == "jpeg") {
      const std::string path = image_path(name);
      if (path.empty())
        throw DataError(name + ": cannot tell the class; name image files <class>_<anything>.png (e.g. cat_01.png)");
      decode_image(bytes, name, 1);  // a broken image is named here, before anything changes
      std::vector<ImageFile> files = byo.images;
      files.erase(std::remove_if(files.begin(), files.end(), [&](const ImageFile& f) { return f.path == path; }),
                  files.end());
      files.push_back({path, bytes});
      set_images(byo, std::move(files));
      byo.error.clear();
      byo.message = strings.format("ui.upload.image_added", {{"file", name}, {"set", byo.name}});
      return;
    }
    if (ext == "fa" || ext == "fasta" || ext == "faa") {
      const SequenceSet seqs = parse_fasta(bytes, name);
      // The lab's episodes come from core's protein-families task; built once
      // here, so that a file it cannot use is refused now, with the reason.
      auto src = make_protein_family_source(seqs, {{"ways", "2"}, {"queries", "1"}});
      const FamilyTable families = protein_families(seqs);
      byo.dataset = std::make_shared<const LabeledDataset>(dynamic_cast<const DatasetBank&>(src->bank()).dataset());
      byo.images.clear();
      byo.fasta = bytes;
      byo.name = name;
      ++byo.version;
      byo.error.clear();
      byo.message = strings.format("ui.upload.fasta_loaded", {{"file", name},
                                                              {"sequences", std::to_string(seqs.size())},
                                                              {"families", std::to_string(families.names.size())}});
      return;
    }
    throw DataError(name + ": not a CSV, FASTA, PNG or JPEG file");
  } catch (const std::exception& e) {
    byo.error = strings.format("ui.upload.not_loaded", {{"reason", e.what()}});
    byo.message.clear();
  }
}

}  // namespace metalab::web
