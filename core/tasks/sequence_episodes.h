// Sequence episodes for model-based meta-learners (the memory-augmented
// network of Santoro et al. 2016, core/learners/mann.h), and the paper's
// evaluation: accuracy by the number of times a class has been seen.
//
// An episode draws `ways` classes of a split (5 by default) and gives them the
// labels 0..ways-1 in a random order (a fresh shuffle every episode, so no
// label means anything across episodes); then `instances` distinct examples of
// each class (10 by default), presented in one random order. A network reads
// the sequence (x_0, -), (x_1, y_0), (x_2, y_1), ...: the label of an input
// arrives one step late (mann.h builds those inputs), and its output at step t
// is its guess for y_t. The first presentation of a class can only be guessed;
// from the second on, a network that remembers can answer.
//
//   auto src = make_glyph_sequence_source(glyphs, SequenceEpisodeConfig{});
//   SequenceEpisode e = src->sample_episode(Split::MetaTrain, rng);
//   e.x.row(t), e.labels[t], e.instance[t]   // instance: 1 = first time its class appears
//
// As a TaskSource (for the CLI and the page), an episode becomes a Task: the
// last `query_per_class` presentations of every class are the query set, the
// rest of the sequence, in order, is the support set.
//
// Examples come from an ExampleBank (core/tasks/episodes.h): synthetic glyphs
// with classes split by seed, or rows of a table. A table with few classes
// (tissues: 7) cannot spare disjoint classes for meta-test, so its rows are
// split instead (every split has every class, different samples), and the
// features are standardised with meta-train rows' means and deviations.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/io/csv.h"
#include "core/tasks/episodes.h"

namespace metalab {

struct SequenceEpisodeConfig {
  int ways = 5;             // classes per episode
  int instances = 10;       // presentations of each class per episode
  int query_per_class = 1;  // Task form: the last presentations of each class become queries
  // std::invalid_argument naming the field.
  void validate() const;
  int steps() const { return ways * instances; }
};

struct SequenceEpisode {
  Matrix x;                   // [steps, D]: x_t
  std::vector<int> labels;    // y_t in [0, ways)
  std::vector<int> instance;  // 1-based: x_t is the instance[t]-th presentation of its class
  std::vector<int> classes;   // source class behind each label 0..ways-1
  std::vector<int> items;     // example index within its class (for views)
  Split split = Split::MetaTrain;
  int ways = 0;
  int steps() const { return static_cast<int>(labels.size()); }
};

// One-hot y_{t-1} for each step: [steps, ways], row 0 all zeros.
Matrix delayed_labels(const std::vector<int>& labels, int ways);

// The Task form of an episode (see the header comment); std::invalid_argument
// if a class has no more than query_per_class presentations.
Task episode_to_task(const SequenceEpisode& episode, int query_per_class);

class SequenceEpisodeSource : public TaskSource {
 public:
  // One bank for every split, classes split by `split`.
  SequenceEpisodeSource(std::string name, std::shared_ptr<const ExampleBank> bank, ClassSplit split,
                        SequenceEpisodeConfig config, std::map<std::string, std::string> description = {});
  // A bank per split (meta-train, meta-validation, meta-test; a null bank
  // means the split cannot be sampled), e.g. disjoint rows of one table.
  SequenceEpisodeSource(std::string name, std::array<std::shared_ptr<const ExampleBank>, 3> banks, ClassSplit split,
                        SequenceEpisodeConfig config, std::map<std::string, std::string> description = {});

  SequenceEpisode sample_episode(Split split, Rng& rng) const;
  Task sample(Split split, Rng& rng) const override;

  std::string name() const override { return name_; }
  int input_dim() const override { return banks_[0]->feature_dim(); }
  int output_dim() const override { return config_.ways; }
  bool classification() const override { return true; }
  TaskKind kind() const override { return TaskKind::Sequence; }
  bool images() const override { return banks_[0]->image_height() > 0; }
  int image_height() const override { return banks_[0]->image_height(); }
  int image_width() const override { return banks_[0]->image_width(); }
  int image_channels() const override { return banks_[0]->image_channels(); }
  std::map<std::string, std::string> description() const override;

  const SequenceEpisodeConfig& config() const { return config_; }
  // Classes of a split with at least `instances` examples (the ones episodes use).
  const std::vector<int>& usable_classes(Split split) const;
  const ExampleBank& bank(Split split) const;
  // Notes about the data: classes left out (too few examples), duplicate rows dropped.
  const std::vector<std::string>& warnings() const { return warnings_; }
  void add_warning(std::string note) { warnings_.push_back(std::move(note)); }
  // Replaces description() by exactly these entries (make_sequence_source's options).
  void set_description(std::map<std::string, std::string> d) {
    extra_ = std::move(d);
    exact_description_ = true;
  }
  Standardization standardization;  // set for tables (empty otherwise)

 private:
  void init();
  std::string name_;
  std::array<std::shared_ptr<const ExampleBank>, 3> banks_;
  ClassSplit split_;
  SequenceEpisodeConfig config_;
  std::map<std::string, std::string> extra_;
  bool exact_description_ = false;
  std::array<std::vector<int>, 3> usable_;
  std::vector<std::string> warnings_;
};

// Every example of some classes of a bank rendered once and kept in memory
// (glyphs are rendered on demand otherwise: ~50 renders per episode).
class CachedBank : public ExampleBank {
 public:
  // Caches the classes listed (all classes when empty); others are read through.
  CachedBank(std::shared_ptr<const ExampleBank> bank, const std::vector<int>& classes = {});
  int num_classes() const override { return bank_->num_classes(); }
  int class_size(int cls) const override { return bank_->class_size(cls); }
  int feature_dim() const override { return bank_->feature_dim(); }
  void example(int cls, int i, float* out) const override;
  std::string class_name(int cls) const override { return bank_->class_name(cls); }
  int image_height() const override { return bank_->image_height(); }
  int image_width() const override { return bank_->image_width(); }
  int image_channels() const override { return bank_->image_channels(); }

 private:
  std::shared_ptr<const ExampleBank> bank_;
  std::vector<int> offset_;  // per class: first row in data_, or -1 when not cached
  Matrix data_;
};

// Glyph episodes, classes split by glyphs.split_seed. With cache, the classes
// of every split are rendered once up front (1200 classes x 20 instances at
// 20 x 20 take 38 MB and a few seconds).
std::unique_ptr<SequenceEpisodeSource> make_glyph_sequence_source(const GlyphSourceConfig& glyphs,
                                                                  const SequenceEpisodeConfig& config,
                                                                  bool cache = false);

// Table rows (e.g. tissue expression) split by row within every class:
// train_fraction of each class's rows to meta-train, validation_fraction to
// meta-validation, the rest to meta-test, shuffled by seed. Features are
// standardised with meta-train rows' statistics. Identical rows are kept once
// (the tissue data holds 4 duplicated liver samples), so that no sample is in
// two splits or twice in an episode. Classes with fewer rows than `instances`
// in a split are left out of it (see warnings()).
std::unique_ptr<SequenceEpisodeSource> make_table_sequence_source(const std::string& name, LabeledDataset dataset,
                                                                  const SequenceEpisodeConfig& config,
                                                                  double train_fraction, double validation_fraction,
                                                                  std::uint64_t seed);

// The sequence families' factory from string options (make_task_source in
// core/tasks/task_factory.h calls it), so that the CLI, a JSON config, the
// page and a checkpoint's "task.*" metadata describe a sequence source the same way.
// description() of the result returns "task.name" plus "task.<option>" for
// every option below, so make_sequence_source(task_options_from_metadata(...))
// rebuilds exactly the distribution a checkpoint was trained on.
// Names and options (defaults in brackets):
//   every source     ways [5], instances [10], query_per_class [1]
//   glyph-sequences  glyph_size [20], glyph_classes [1600], glyph_drawings [20],
//                    glyph_seed [1], split_seed [1], train_fraction [0.75],
//                    validation_fraction [0.05], cache true|false [true]
//   table-sequences  label: the label column [guessed: the one non-numeric column],
//                    split_seed [0], train_fraction [0.5], validation_fraction [0],
//                    rows, features: checks that the table is the one a
//                    checkpoint was trained on (written by description())
// `table` is the parsed CSV for table-sequences (required there). Throws
// OptionError naming the option for an unknown option or a malformed value,
// std::invalid_argument for an unknown name, DataError for bad data.
std::unique_ptr<SequenceEpisodeSource> make_sequence_source(const std::string& name,
                                                            const std::map<std::string, std::string>& options,
                                                            const CsvTable* table = nullptr);

// Accuracy by presentation number (Santoro et al. 2016, table 1): for each k,
// the fraction of correct predictions at the k-th presentation of a class,
// averaged over episodes, with a 95% interval from the spread of per-episode
// accuracies (normal approximation, mean +- 1.96 sd / sqrt(episodes)).
class InstanceAccuracy {
 public:
  explicit InstanceAccuracy(int instances);
  // predictions[t] is the predicted label for episode.x.row(t).
  void add(const SequenceEpisode& episode, const std::vector<int>& predictions);
  int episodes() const { return episodes_; }
  int instances() const { return static_cast<int>(sum_.size()); }
  double accuracy(int k) const;     // k is 1-based
  double ci95(int k) const;         // half-width of the 95% interval
  double overall() const;           // over every step of every episode
  // "instance  accuracy  95% CI" lines for the given presentations (e.g. 1,2,3,4,5,10).
  std::string table(const std::vector<int>& which, const std::string& title = "") const;

 private:
  int episodes_ = 0;
  std::vector<double> sum_, sum_sq_;  // of per-episode accuracies, per presentation
  long correct_ = 0, total_ = 0;
};

}  // namespace metalab
