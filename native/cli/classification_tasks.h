// Few-shot classification task distributions for `metalab train` / `eval`,
// built from string options like the regression ones, so a checkpoint's
// "task.*" metadata rebuilds exactly the episodes it was trained on.
//
// Names: glyphs (synthetic), csv (rows of a table, a label column), images
// (a folder of class folders), idx (IDX image + label files, gzipped or not).
// Options (defaults in brackets):
//   every task  ways [5], shots [1], queries [15], test_ways, test_shots,
//               test_queries [0 = as training], split_seed [0],
//               train_fraction [glyphs 0.7, others 0.6], validation_fraction [glyphs 0.1, others 0]
//   glyphs      glyph_size [28], glyph_classes [1200], glyph_drawings [20], glyph_seed [0]
//   csv         label (the label column; required), standardize [true]
//   images      images (the root folder), image_size [28], invert [false], rotations [false]
//   idx         idx_images, idx_labels (files)
#pragma once

#include <map>
#include <memory>
#include <string>

#include "core/io/csv.h"
#include "core/tasks/episodes.h"

namespace metalab::cli {

bool is_classification_task(const std::string& name);

// The source with description() = "task.<key>" for every option given (and
// the defaults it used), wrapping a ClassificationSource.
class ClassificationTaskSource : public TaskSource {
 public:
  ClassificationTaskSource(std::unique_ptr<ClassificationSource> inner, std::map<std::string, std::string> options);
  std::string name() const override { return options_.at("name"); }
  Task sample(Split split, Rng& rng) const override { return inner_->sample(split, rng); }
  int input_dim() const override { return inner_->input_dim(); }
  int output_dim() const override { return inner_->output_dim(); }
  bool classification() const override { return true; }
  bool images() const override { return inner_->images(); }
  int image_height() const override { return inner_->image_height(); }
  int image_width() const override { return inner_->image_width(); }
  int image_channels() const override { return inner_->image_channels(); }
  std::map<std::string, std::string> description() const override;
  const ClassificationSource& inner() const { return *inner_; }

 private:
  std::unique_ptr<ClassificationSource> inner_;
  std::map<std::string, std::string> options_;
};

// Builds the source; `table` is the parsed CSV for "csv". Throws CliError
// (naming the option, column or file) for bad options or data.
std::unique_ptr<ClassificationTaskSource> make_classification_task(const std::map<std::string, std::string>& options,
                                                                   const CsvTable* table, const std::string& csv_path);

}  // namespace metalab::cli
