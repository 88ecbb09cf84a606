// Few-shot classification episodes: N-way K-shot tasks cut from a labelled
// dataset (images or table rows), with classes split into meta-train,
// meta-validation and meta-test so that test episodes ask about classes never
// seen during meta-training.
//
//   LabeledDataset d = dataset_from_table(load_csv_file("tissue.csv"), "tissue");
//   ClassSplitConfig split;  split.train_fraction = 0.5;  split.seed = 1;
//   EpisodeConfig ep;        ep.ways = 3;  ep.shots = 5;  ep.queries = 5;
//   auto src = make_dataset_source("tissue", std::move(d), split, ep, /*standardize=*/true);
//   for (auto& w : src->warnings()) std::cerr << w << "\n";   // e.g. classes too small
//   Task t = src->sample(Split::MetaTrain, rng);
//
// An episode picks N distinct classes of the split uniformly, then K + Q
// distinct examples of each: K go to the support set, Q to the query set.
// Labels are remapped to 0..N-1 in the order the classes were drawn (a class
// has a different label in every episode, so nothing can memorise labels);
// Task::classes records which source class each label stands for. Support and
// query rows come class by class (label 0's K rows, then label 1's...).
// Meta-training episodes use (ways, shots, queries); validation and test
// episodes use (test_ways, test_shots, test_queries), which default to the
// same (Snell et al. 2017 trained with more ways than they tested).
//
// A class with fewer than K + Q examples cannot give an episode: it is left
// out of its split with a message in warnings(). A split with fewer than N
// usable classes throws std::invalid_argument saying so (at construction for
// meta-train and meta-test; for meta-validation when it is sampled).
//
// Data can come from anything that implements ExampleBank: an in-memory
// LabeledDataset (CSV tables, IDX files such as Fashion-MNIST, image folders
// such as Omniglot) or the synthetic glyphs, rendered on demand so that
// thousands of classes cost no memory.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/io/csv.h"
#include "core/io/idx.h"
#include "core/io/images.h"
#include "core/tasks/glyphs.h"
#include "core/tasks/task_source.h"

namespace metalab {

// Examples x features with a class per example.
struct LabeledDataset {
  std::string source = "<dataset>";      // display name used in messages
  Matrix x;                              // examples x features
  std::vector<int> y;                    // class of each example, in [0, num_classes())
  std::vector<std::string> class_names;  // one per class
  // Optional, one per class when present: a group (e.g. Omniglot's alphabet or
  // "images_background"), and the class it was derived from (rotation
  // augmentation: the four rotations of a character share it, so random
  // splits keep them together). Empty when not used.
  std::vector<std::string> class_groups;
  std::vector<int> class_base;
  // Image geometry when rows are images (pixel-major, see autodiff/ops.h); 0 for tables.
  int image_height = 0, image_width = 0, image_channels = 0;

  int num_classes() const { return static_cast<int>(class_names.size()); }
  int num_examples() const { return static_cast<int>(x.rows()); }
  int feature_dim() const { return static_cast<int>(x.cols()); }
  bool images() const { return image_height > 0; }
  // DataError (naming source) if sizes disagree, a label is out of range, a
  // value is not finite, or the image geometry does not match the width.
  void validate() const;
  // Example indices of every class, in dataset order.
  std::vector<std::vector<int>> examples_by_class() const;
};

// A table: the label column (by name, or by 0-based index when label_column is
// empty; negative counts from the end) and every other column not excluded as
// features. DataError as labelled_features() (core/io/csv.h).
LabeledDataset dataset_from_table(const CsvTable& table, const std::string& label_column, int label_index = -1,
                                  const std::vector<std::string>& exclude = {});
// IDX images (n x h x w, or n x h x w x c) and labels (n), pixels scaled to
// [0, 1]. Class names default to "0", "1", ...; DataError if counts disagree.
LabeledDataset dataset_from_idx(const IdxArray& images, const IdxArray& labels,
                                std::vector<std::string> class_names = {});
// Decoded image folders (core/io/images.h).
LabeledDataset dataset_from_images(ImageSet images);

// Names of Fashion-MNIST's ten classes, in label order.
const std::vector<std::string>& fashion_mnist_class_names();

// How to split classes. Precedence: explicit class names, then group names,
// then a random split by seed (of class_base when present).
struct ClassSplitConfig {
  double train_fraction = 0.6;
  double validation_fraction = 0.0;  // meta-test gets the rest
  std::uint64_t seed = 0;
  std::vector<std::string> train_groups, validation_groups, test_groups;
  std::vector<std::string> train_classes, validation_classes, test_classes;
};
// DataError for an unknown or repeated name; std::invalid_argument for bad fractions.
ClassSplit make_class_split(const LabeledDataset& dataset, const ClassSplitConfig& config);

// Per-feature z-scores with means and standard deviations computed over the
// examples of the given classes only (meta-training classes: nothing about
// held-out classes leaks into the features). A near-constant feature (its
// meta-train values differ from the most common one in fewer than
// kNearConstantRows rows, or 5% of them: a gene non-zero in one cell) is
// scaled by at least the median deviation of the other features, so that it
// cannot dominate distances; a constant feature by that median too.
constexpr long kNearConstantRows = 3;
struct Standardization {
  Eigen::RowVectorXf mean, std;
  int floored = 0;  // near-constant features whose scale was raised to the median
};
Standardization standardize_features(LabeledDataset& dataset, const std::vector<int>& classes);

struct EpisodeConfig {
  int ways = 5, shots = 1, queries = 15;                 // meta-training episodes
  int test_ways = 0, test_shots = 0, test_queries = 0;   // validation/test; 0 = as training
  int ways_for(Split s) const { return s == Split::MetaTrain || test_ways == 0 ? ways : test_ways; }
  int shots_for(Split s) const { return s == Split::MetaTrain || test_shots == 0 ? shots : test_shots; }
  int queries_for(Split s) const { return s == Split::MetaTrain || test_queries == 0 ? queries : test_queries; }
  // std::invalid_argument naming the field (ways >= 2, shots >= 1, queries >= 0).
  void validate() const;
};

// Where episodes get their examples.
class ExampleBank {
 public:
  virtual ~ExampleBank() = default;
  virtual int num_classes() const = 0;
  virtual int class_size(int cls) const = 0;
  virtual int feature_dim() const = 0;
  // Writes example i of class cls (feature_dim() floats) to out.
  virtual void example(int cls, int i, float* out) const = 0;
  virtual std::string class_name(int cls) const = 0;
  virtual int image_height() const { return 0; }
  virtual int image_width() const { return 0; }
  virtual int image_channels() const { return 0; }
};

// An in-memory LabeledDataset as a bank.
class DatasetBank : public ExampleBank {
 public:
  explicit DatasetBank(LabeledDataset dataset);
  const LabeledDataset& dataset() const { return data_; }
  int num_classes() const override { return data_.num_classes(); }
  int class_size(int cls) const override { return static_cast<int>(by_class_[static_cast<std::size_t>(cls)].size()); }
  int feature_dim() const override { return data_.feature_dim(); }
  void example(int cls, int i, float* out) const override;
  std::string class_name(int cls) const override { return data_.class_names[static_cast<std::size_t>(cls)]; }
  int image_height() const override { return data_.image_height; }
  int image_width() const override { return data_.image_width; }
  int image_channels() const override { return data_.image_channels; }
  // Row in dataset().x of example i of class cls.
  int row(int cls, int i) const { return by_class_[static_cast<std::size_t>(cls)][static_cast<std::size_t>(i)]; }

 private:
  LabeledDataset data_;
  std::vector<std::vector<int>> by_class_;
};

struct GlyphSourceConfig {
  GlyphConfig glyph;          // size, strokes, variation
  int num_classes = 1200;     // the alphabet's size (Omniglot has 1623 characters)
  int instances = 20;         // drawings per class (Omniglot: 20)
  std::uint64_t seed = 0;     // which alphabet
  double train_fraction = 0.7, validation_fraction = 0.1;  // random class split by split_seed
  std::uint64_t split_seed = 0;
  void validate() const;
};

// Synthetic glyphs rendered on demand (deterministic, so nothing is stored).
class GlyphBank : public ExampleBank {
 public:
  explicit GlyphBank(GlyphSourceConfig config);
  const GlyphSourceConfig& config() const { return config_; }
  int num_classes() const override { return config_.num_classes; }
  int class_size(int) const override { return config_.instances; }
  int feature_dim() const override { return config_.glyph.size * config_.glyph.size; }
  void example(int cls, int i, float* out) const override;
  std::string class_name(int cls) const override { return "glyph" + std::to_string(cls); }
  int image_height() const override { return config_.glyph.size; }
  int image_width() const override { return config_.glyph.size; }
  int image_channels() const override { return 1; }

 private:
  GlyphSourceConfig config_;
};

// One episode with what a view needs to explain it.
struct Episode {
  Task task;
  Split split = Split::MetaTrain;
  std::vector<int> classes;        // source class of label 0..N-1 (also task.classes)
  std::vector<int> support_items;  // example index within its class, per support row
  std::vector<int> query_items;
};

// N-way K-shot episodes over an ExampleBank and a class split: a TaskSource.
class ClassificationSource : public TaskSource {
 public:
  // Throws std::invalid_argument if the config is invalid, a split refers to a
  // class outside the bank, or meta-train / meta-test has fewer than N usable classes.
  ClassificationSource(std::string name, std::shared_ptr<const ExampleBank> bank, ClassSplit split,
                       EpisodeConfig episodes, std::map<std::string, std::string> description = {});

  std::string name() const override { return name_; }
  Task sample(Split split, Rng& rng) const override { return sample_episode(split, rng).task; }
  int input_dim() const override { return bank_->feature_dim(); }
  // The largest number of ways of any split (the head size an N-way MAML model needs).
  int output_dim() const override;
  bool classification() const override { return true; }
  bool images() const override { return bank_->image_height() > 0; }
  int image_height() const override { return bank_->image_height(); }
  int image_width() const override { return bank_->image_width(); }
  int image_channels() const override { return bank_->image_channels(); }
  std::map<std::string, std::string> description() const override;

  Episode sample_episode(Split split, Rng& rng) const;
  // The same examples (the bank is shared, not copied), split and description,
  // with episodes of another shape (e.g. more shots). Throws as the constructor.
  std::unique_ptr<ClassificationSource> with_episodes(const EpisodeConfig& episodes) const;
  // An episode over given classes (labels in this order), fresh examples from rng.
  Episode episode_for_classes(Split split, const std::vector<int>& classes, Rng& rng) const;

  const EpisodeConfig& episodes() const { return episodes_; }
  const ExampleBank& bank() const { return *bank_; }
  const ClassSplit& class_split() const { return split_; }
  // The classes episodes of a split draw from (large enough for K + Q).
  const std::vector<int>& usable_classes(Split split) const;
  // Human-readable notes about skipped classes and unusable splits.
  const std::vector<std::string>& warnings() const { return warnings_; }
  // Set by make_dataset_source when features were standardised (empty otherwise).
  Standardization standardization;

 private:
  void check_split(Split s) const;
  std::string name_;
  std::shared_ptr<const ExampleBank> bank_;
  ClassSplit split_;
  EpisodeConfig episodes_;
  std::map<std::string, std::string> extra_;
  std::vector<int> usable_[3];
  std::vector<std::string> warnings_;
};

// Synthetic glyph episodes.
std::unique_ptr<ClassificationSource> make_glyph_source(const GlyphSourceConfig& glyphs, const EpisodeConfig& episodes);
// Episodes from a dataset (table, IDX, image folder): classes split by
// `split`; with standardize, features become z-scores from meta-train classes.
std::unique_ptr<ClassificationSource> make_dataset_source(const std::string& name, LabeledDataset dataset,
                                                          const ClassSplitConfig& split, const EpisodeConfig& episodes,
                                                          bool standardize = false);

}  // namespace metalab
