// The few-shot classification task families, built from string options like
// every other family (make_task_source in task_factory.h calls this), so a
// checkpoint's "task.*" metadata rebuilds exactly the episodes it was trained
// on. The core opens no files: the caller hands over the data (TaskData).
//
// Names: glyphs (synthetic), csv (rows of a table, a label column), images
// (the files of a folder of class folders), idx (IDX image + label bytes).
// Options (defaults in brackets):
//   every task  ways [5], shots [1], queries [15], test_ways, test_shots,
//               test_queries [0 = as training], split_seed [0],
//               train_fraction [glyphs 0.7, others 0.6], validation_fraction [glyphs 0.1, others 0]
//   glyphs      glyph_size [28], glyph_classes [1200], glyph_drawings [20], glyph_seed [0]
//   csv         label (the label column; required), standardize [true];
//               rows, features: checks that the table is the one a checkpoint was trained on
//   images      images (the folder's name, for the record), image_size [28], invert [false], rotations [false]
//   idx         idx_images, idx_labels (the files' names, for the record)
//
//   TaskData data;
//   data.table = &table;
//   auto src = make_classification_task({{"name", "csv"}, {"label", "tissue"}, {"ways", "3"}}, data);
//   src->description();   // task.name=csv, task.label=tissue, task.ways=3, task.shots=1, ...
#pragma once

#include <map>
#include <memory>
#include <string>

#include "core/tasks/episodes.h"
#include "core/tasks/task_factory.h"

namespace metalab {

// The source with description() = "task.<key>" for every option read (and
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

// Builds the source from options["name"] and the other options. Throws
// OptionError naming the option (an unknown one, a malformed value, a label
// column the table lacks, missing data), std::invalid_argument for settings
// the data cannot satisfy, DataError / FormatError for bad data.
std::unique_ptr<ClassificationTaskSource> make_classification_task(const TaskOptions& options, const TaskData& data);

}  // namespace metalab
