#include "core/tasks/classification_tasks.h"

#include <climits>
#include <stdexcept>

#include "core/io/idx.h"
#include "core/io/images.h"

namespace metalab {

ClassificationTaskSource::ClassificationTaskSource(std::unique_ptr<ClassificationSource> inner,
                                                   std::map<std::string, std::string> options)
    : inner_(std::move(inner)), options_(std::move(options)) {}

std::map<std::string, std::string> ClassificationTaskSource::description() const {
  std::map<std::string, std::string> d;
  for (const auto& [k, v] : options_) d["task." + k] = v;
  return d;
}

std::unique_ptr<ClassificationTaskSource> make_classification_task(const TaskOptions& options, const TaskData& data) {
  const auto name_it = options.find("name");
  const std::string name = name_it == options.end() ? "" : name_it->second;
  if (!find_task_family(name) || task_kind(name) != TaskKind::Classification)
    throw std::invalid_argument("unknown classification task '" + name + "'");
  const std::string context = name + " task option";
  OptionReader r(options, context);
  r.ignore("name");
  EpisodeConfig e;
  e.ways = static_cast<int>(r.integer("ways", 5, 2));
  e.shots = static_cast<int>(r.integer("shots", 1, 1));
  e.queries = static_cast<int>(r.integer("queries", 15, 1));
  e.test_ways = static_cast<int>(r.integer("test_ways", 0, 0));
  e.test_shots = static_cast<int>(r.integer("test_shots", 0, 0));
  e.test_queries = static_cast<int>(r.integer("test_queries", 0, 0));
  const bool glyphs = name == "glyphs";
  ClassSplitConfig split;
  split.seed = static_cast<std::uint64_t>(r.integer("split_seed", 0, 0, LLONG_MAX));
  split.train_fraction = r.real("train_fraction", glyphs ? 0.7 : 0.6, 0.0, 1.0);
  split.validation_fraction = r.real("validation_fraction", glyphs ? 0.1 : 0.0, 0.0, 1.0);

  std::unique_ptr<ClassificationSource> src;
  if (glyphs) {
    GlyphSourceConfig g;
    g.glyph.size = static_cast<int>(r.integer("glyph_size", 28, 4));
    g.num_classes = static_cast<int>(r.integer("glyph_classes", 1200, 3));
    g.instances = static_cast<int>(r.integer("glyph_drawings", 20, 2));
    g.seed = static_cast<std::uint64_t>(r.integer("glyph_seed", 0, 0, LLONG_MAX));
    g.split_seed = split.seed;
    g.train_fraction = split.train_fraction;
    g.validation_fraction = split.validation_fraction;
    r.finish();
    src = make_glyph_source(g, e);
  } else if (name == "csv") {
    const std::string label = r.text("label");
    const bool standardize = r.boolean("standardize", true);
    const std::string rows_given = r.text("rows"), features_given = r.text("features");
    r.finish();
    if (!data.table) throw OptionError(context, "label", label, "csv tasks need a table (a CSV file with --csv)");
    const CsvTable& table = *data.table;
    if (label.empty())
      throw OptionError(context, "label", label, "give the label column (the column holding each row's class)");
    if (table.find_column(label) < 0)
      throw OptionError(context, "label", label, "no such column in " + table.source + ": '" + label + "'");
    LabeledDataset d = dataset_from_table(table, label);
    const std::string rows = std::to_string(d.num_examples()), features = std::to_string(d.feature_dim());
    if (!rows_given.empty() && rows_given != rows)
      throw std::invalid_argument(table.source + " has " + rows + " rows, the checkpoint was trained on a table of " +
                                  rows_given);
    if (!features_given.empty() && features_given != features)
      throw std::invalid_argument(table.source + " has " + features +
                                  " feature columns, the checkpoint was trained on " + features_given);
    r.text("rows", rows);  // recorded for the checkpoint's description
    r.text("features", features);
    src = make_dataset_source("csv", std::move(d), split, e, standardize);
  } else if (name == "images") {
    const std::string root = r.text("images");
    ImageLoadOptions io;
    io.height = io.width = static_cast<int>(r.integer("image_size", 28, 4));
    io.invert = r.boolean("invert", false);
    io.rotations = r.boolean("rotations", false);
    r.finish();
    if (!data.image_files)
      throw OptionError(context, "images", root, "images tasks need the image files (a folder with --images DIR)");
    src = make_dataset_source("images",
                              dataset_from_images(load_images_from_memory(*data.image_files, io, root.empty() ? "<images>" : root)),
                              split, e);
  } else {  // idx
    const std::string images = r.text("idx_images"), labels = r.text("idx_labels");
    r.finish();
    if (data.idx_images.empty() || data.idx_labels.empty())
      throw OptionError(context, data.idx_images.empty() ? "idx_images" : "idx_labels",
                        data.idx_images.empty() ? images : labels,
                        "idx tasks need the bytes of an IDX image file and of its label file");
    LabeledDataset d = dataset_from_idx(parse_idx_images(data.idx_images, images.empty() ? "<idx images>" : images),
                                        parse_idx_labels(data.idx_labels, labels.empty() ? "<idx labels>" : labels));
    src = make_dataset_source("idx", std::move(d), split, e);
  }
  std::map<std::string, std::string> used = r.used();
  used["name"] = name;
  return std::make_unique<ClassificationTaskSource>(std::move(src), std::move(used));
}

}  // namespace metalab
