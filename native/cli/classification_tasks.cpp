#include "native/cli/classification_tasks.h"

#include <set>
#include <stdexcept>

#include "native/cli/common.h"
#include "native/data/gz.h"

namespace metalab::cli {

bool is_classification_task(const std::string& name) {
  return name == "glyphs" || name == "csv" || name == "images" || name == "idx";
}

ClassificationTaskSource::ClassificationTaskSource(std::unique_ptr<ClassificationSource> inner,
                                                   std::map<std::string, std::string> options)
    : inner_(std::move(inner)), options_(std::move(options)) {}

std::map<std::string, std::string> ClassificationTaskSource::description() const {
  std::map<std::string, std::string> d;
  for (const auto& [k, v] : options_) d["task." + k] = v;
  return d;
}

namespace {

class Reader {
 public:
  Reader(const std::map<std::string, std::string>& o, std::set<std::string> allowed) : o_(o), allowed_(std::move(allowed)) {
    for (const auto& [k, v] : o)
      if (k != "name" && !allowed_.count(k)) {
        std::string list;
        for (const auto& a : allowed_) list += (list.empty() ? "" : ", ") + a;
        throw CliError("task option '" + k + "' does not apply to --task " + o.at("name") + " (known: " + list + ")");
      }
  }
  std::string text(const std::string& k, const std::string& def) {
    auto it = o_.find(k);
    const std::string v = it == o_.end() ? def : it->second;
    used_[k] = v;
    return v;
  }
  int integer(const std::string& k, int def, int lo) {
    const std::string v = text(k, std::to_string(def));
    try {
      std::size_t n = 0;
      const int x = std::stoi(v, &n);
      if (n != v.size() || x < lo) throw std::invalid_argument("");
      return x;
    } catch (const std::exception&) {
      throw CliError("task option " + k + "=" + v + ": expected an integer >= " + std::to_string(lo));
    }
  }
  double real(const std::string& k, double def) {
    const std::string v = text(k, format_exact(def));
    try {
      std::size_t n = 0;
      const double x = std::stod(v, &n);
      if (n != v.size() || x < 0 || x > 1) throw std::invalid_argument("");
      return x;
    } catch (const std::exception&) {
      throw CliError("task option " + k + "=" + v + ": expected a number in [0, 1]");
    }
  }
  bool flag(const std::string& k, bool def) {
    const std::string v = text(k, def ? "true" : "false");
    if (v == "true" || v == "1") return true;
    if (v == "false" || v == "0") return false;
    throw CliError("task option " + k + "=" + v + ": expected true or false");
  }
  std::map<std::string, std::string> used() const { return used_; }

 private:
  const std::map<std::string, std::string>& o_;
  std::set<std::string> allowed_;
  std::map<std::string, std::string> used_;
};

}  // namespace

std::unique_ptr<ClassificationTaskSource> make_classification_task(const std::map<std::string, std::string>& options,
                                                                   const CsvTable* table, const std::string& csv_path) {
  const std::string name = options.at("name");
  std::set<std::string> allowed{"ways", "shots", "queries", "test_ways", "test_shots", "test_queries", "split_seed",
                                "train_fraction", "validation_fraction"};
  if (name == "glyphs") allowed.insert({"glyph_size", "glyph_classes", "glyph_drawings", "glyph_seed"});
  if (name == "csv") allowed.insert({"label", "standardize", "rows", "features"});
  if (name == "images") allowed.insert({"images", "image_size", "invert", "rotations"});
  if (name == "idx") allowed.insert({"idx_images", "idx_labels"});
  Reader r(options, allowed);
  EpisodeConfig e;
  e.ways = r.integer("ways", 5, 2);
  e.shots = r.integer("shots", 1, 1);
  e.queries = r.integer("queries", 15, 1);
  e.test_ways = r.integer("test_ways", 0, 0);
  e.test_shots = r.integer("test_shots", 0, 0);
  e.test_queries = r.integer("test_queries", 0, 0);
  const bool glyphs = name == "glyphs";
  ClassSplitConfig split;
  split.seed = static_cast<std::uint64_t>(r.integer("split_seed", 0, 0));
  split.train_fraction = r.real("train_fraction", glyphs ? 0.7 : 0.6);
  split.validation_fraction = r.real("validation_fraction", glyphs ? 0.1 : 0.0);
  std::unique_ptr<ClassificationSource> src;
  try {
    if (glyphs) {
      GlyphSourceConfig g;
      g.glyph.size = r.integer("glyph_size", 28, 4);
      g.num_classes = r.integer("glyph_classes", 1200, 3);
      g.instances = r.integer("glyph_drawings", 20, 2);
      g.seed = static_cast<std::uint64_t>(r.integer("glyph_seed", 0, 0));
      g.split_seed = split.seed;
      g.train_fraction = split.train_fraction;
      g.validation_fraction = split.validation_fraction;
      src = make_glyph_source(g, e);
    } else if (name == "csv") {
      if (!table) throw CliError("--task csv needs a table: give --csv FILE");
      const std::string label = r.text("label", "");
      if (label.empty()) throw CliError("--task csv: give the label column with --label-column NAME (" + csv_path + ")");
      if (table->find_column(label) < 0)
        throw CliError("--label-column " + label + ": no such column in " + csv_path);
      const bool standardize = r.flag("standardize", true);
      LabeledDataset d = dataset_from_table(*table, label);
      const std::string rows = std::to_string(d.num_examples()), features = std::to_string(d.feature_dim());
      if (options.count("rows") && options.at("rows") != rows)
        throw CliError(csv_path + " has " + rows + " rows, the checkpoint was trained on a table of " +
                       options.at("rows"));
      if (options.count("features") && options.at("features") != features)
        throw CliError(csv_path + " has " + features + " feature columns, the checkpoint was trained on " +
                       options.at("features"));
      r.text("rows", rows);
      r.text("features", features);
      src = make_dataset_source("csv", std::move(d), split, e, standardize);
    } else if (name == "images") {
      const std::string root = r.text("images", "");
      if (root.empty()) throw CliError("--task images: give the image folder with --images DIR");
      ImageLoadOptions io;
      io.height = io.width = r.integer("image_size", 28, 4);
      io.invert = r.flag("invert", false);
      io.rotations = r.flag("rotations", false);
      src = make_dataset_source("images", dataset_from_images(load_image_folder(root, io)), split, e);
    } else if (name == "idx") {
      const std::string ip = r.text("idx_images", ""), lp = r.text("idx_labels", "");
      if (ip.empty() || lp.empty()) throw CliError("--task idx: give --idx-images FILE and --idx-labels FILE");
      LabeledDataset d = dataset_from_idx(parse_idx_images(read_maybe_gzipped_file(ip), ip),
                                          parse_idx_labels(read_maybe_gzipped_file(lp), lp));
      src = make_dataset_source("idx", std::move(d), split, e);
    } else {
      throw CliError("unknown classification task '" + name + "'");
    }
  } catch (const DataError& ex) {
    throw CliError(ex.what());
  } catch (const std::invalid_argument& ex) {
    throw CliError("--task " + name + ": " + ex.what());
  } catch (const std::runtime_error& ex) {
    if (dynamic_cast<const CliError*>(&ex)) throw;
    throw CliError("--task " + name + ": " + ex.what());
  }
  std::map<std::string, std::string> used = r.used();
  used["name"] = name;
  return std::make_unique<ClassificationTaskSource>(std::move(src), std::move(used));
}

}  // namespace metalab::cli
