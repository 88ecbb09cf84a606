// Sequence episodes, their Task form, banks for glyphs and table rows, and
// accuracy by presentation (sequence_episodes.h).
#include "core/tasks/sequence_episodes.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <climits>
#include <stdexcept>

#include "core/common/options.h"
#include "core/tasks/task_factory.h"

namespace metalab {

namespace {
int index_of(Split s) { return s == Split::MetaTrain ? 0 : s == Split::MetaValidation ? 1 : 2; }
constexpr Split kSplits[3] = {Split::MetaTrain, Split::MetaValidation, Split::MetaTest};

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}
}  // namespace

void SequenceEpisodeConfig::validate() const {
  if (ways < 2) throw std::invalid_argument("sequence episodes: ways must be >= 2");
  if (instances < 1) throw std::invalid_argument("sequence episodes: instances must be >= 1");
  if (query_per_class < 0 || query_per_class >= instances)
    throw std::invalid_argument("sequence episodes: query_per_class must be in [0, instances)");
}

Matrix delayed_labels(const std::vector<int>& labels, int ways) {
  Matrix m = Matrix::Zero(static_cast<Eigen::Index>(labels.size()), ways);
  for (std::size_t t = 1; t < labels.size(); ++t) {
    const int y = labels[t - 1];
    if (y < 0 || y >= ways)
      throw std::invalid_argument("delayed_labels: label " + std::to_string(y) + " outside [0, " +
                                  std::to_string(ways) + ")");
    m(static_cast<Eigen::Index>(t), y) = 1.0f;
  }
  return m;
}

Task episode_to_task(const SequenceEpisode& e, int query_per_class) {
  std::vector<int> per_class(static_cast<std::size_t>(e.ways), 0);
  for (int y : e.labels) ++per_class[static_cast<std::size_t>(y)];
  for (int c = 0; c < e.ways; ++c)
    if (per_class[static_cast<std::size_t>(c)] <= query_per_class)
      throw std::invalid_argument("episode_to_task: class " + std::to_string(c) + " has " +
                                  std::to_string(per_class[static_cast<std::size_t>(c)]) +
                                  " presentations, not more than the " + std::to_string(query_per_class) + " queries");
  std::vector<int> support, query;
  for (int t = 0; t < e.steps(); ++t) {
    const int y = e.labels[static_cast<std::size_t>(t)];
    const bool is_query = e.instance[static_cast<std::size_t>(t)] > per_class[static_cast<std::size_t>(y)] - query_per_class;
    (is_query ? query : support).push_back(t);
  }
  auto gather = [&](const std::vector<int>& rows, Matrix& x, Matrix& y) {
    x.resize(static_cast<Eigen::Index>(rows.size()), e.x.cols());
    y.resize(static_cast<Eigen::Index>(rows.size()), 1);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      x.row(static_cast<Eigen::Index>(i)) = e.x.row(rows[i]);
      y(static_cast<Eigen::Index>(i), 0) = static_cast<float>(e.labels[static_cast<std::size_t>(rows[i])]);
    }
  };
  Task t;
  gather(support, t.support_x, t.support_y);
  gather(query, t.query_x, t.query_y);
  t.num_classes = e.ways;
  t.classes = e.classes;
  t.info = std::to_string(e.ways) + "-way sequence of " + std::to_string(e.steps()) + " steps";
  return t;
}

// ---------------------------------------------------------------- source

SequenceEpisodeSource::SequenceEpisodeSource(std::string name, std::shared_ptr<const ExampleBank> bank,
                                             ClassSplit split, SequenceEpisodeConfig config,
                                             std::map<std::string, std::string> description)
    : SequenceEpisodeSource(std::move(name), {bank, bank, bank}, std::move(split), config, std::move(description)) {}

SequenceEpisodeSource::SequenceEpisodeSource(std::string name, std::array<std::shared_ptr<const ExampleBank>, 3> banks,
                                             ClassSplit split, SequenceEpisodeConfig config,
                                             std::map<std::string, std::string> description)
    : name_(std::move(name)), banks_(std::move(banks)), split_(std::move(split)), config_(config),
      extra_(std::move(description)) {
  init();
}

void SequenceEpisodeSource::init() {
  config_.validate();
  if (!banks_[0]) throw std::invalid_argument(name_ + ": no example bank for meta-train");
  for (int s = 0; s < 3; ++s) {
    const auto& bank = banks_[static_cast<std::size_t>(s)];
    if (!bank) continue;
    if (bank->feature_dim() != banks_[0]->feature_dim())
      throw std::invalid_argument(name_ + ": the banks of the splits differ in feature width");
    for (int c : split_.of(kSplits[s])) {
      if (c < 0 || c >= bank->num_classes())
        throw std::invalid_argument(name_ + ": class " + std::to_string(c) + " is outside the bank");
      if (bank->class_size(c) >= config_.instances) {
        usable_[static_cast<std::size_t>(s)].push_back(c);
      } else {
        warnings_.push_back(name_ + ": class '" + bank->class_name(c) + "' has " + std::to_string(bank->class_size(c)) +
                            " examples in " + split_name(kSplits[s]) + ", fewer than the " +
                            std::to_string(config_.instances) + " instances an episode needs; left out");
      }
    }
  }
  for (int s : {0, 2}) {
    if (!banks_[static_cast<std::size_t>(s)]) continue;
    if (static_cast<int>(usable_[static_cast<std::size_t>(s)].size()) < config_.ways)
      throw std::invalid_argument(name_ + ": " + split_name(kSplits[s]) + " has " +
                                  std::to_string(usable_[static_cast<std::size_t>(s)].size()) +
                                  " classes with at least " + std::to_string(config_.instances) +
                                  " examples, an episode needs " + std::to_string(config_.ways));
  }
}

const std::vector<int>& SequenceEpisodeSource::usable_classes(Split split) const {
  return usable_[static_cast<std::size_t>(index_of(split))];
}

const ExampleBank& SequenceEpisodeSource::bank(Split split) const {
  const auto& b = banks_[static_cast<std::size_t>(index_of(split))];
  if (!b) throw std::invalid_argument(name_ + ": no examples for " + split_name(split));
  return *b;
}

SequenceEpisode SequenceEpisodeSource::sample_episode(Split split, Rng& rng) const {
  const ExampleBank& b = bank(split);
  const std::vector<int>& pool = usable_classes(split);
  const int ways = config_.ways, k = config_.instances;
  if (static_cast<int>(pool.size()) < ways)
    throw std::invalid_argument(name_ + ": " + split_name(split) + " has " + std::to_string(pool.size()) +
                                " usable classes, an episode needs " + std::to_string(ways));
  SequenceEpisode e;
  e.split = split;
  e.ways = ways;
  // Classes: a partial Fisher-Yates draw; label = draw order (a fresh shuffle).
  std::vector<int> scratch(pool);
  for (int i = 0; i < ways; ++i) {
    const int j = i + static_cast<int>(rng.below(static_cast<std::uint64_t>(scratch.size() - static_cast<std::size_t>(i))));
    std::swap(scratch[static_cast<std::size_t>(i)], scratch[static_cast<std::size_t>(j)]);
    e.classes.push_back(scratch[static_cast<std::size_t>(i)]);
  }
  // Items: k distinct examples of each class.
  std::vector<std::pair<int, int>> steps;  // (label, item)
  std::vector<int> items;
  for (int label = 0; label < ways; ++label) {
    const int n = b.class_size(e.classes[static_cast<std::size_t>(label)]);
    items.resize(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) items[static_cast<std::size_t>(i)] = i;
    for (int i = 0; i < k; ++i) {
      const int j = i + static_cast<int>(rng.below(static_cast<std::uint64_t>(n - i)));
      std::swap(items[static_cast<std::size_t>(i)], items[static_cast<std::size_t>(j)]);
      steps.emplace_back(label, items[static_cast<std::size_t>(i)]);
    }
  }
  // One random order for the whole sequence.
  rng.shuffle(steps);
  const int T = static_cast<int>(steps.size());
  e.x.resize(T, b.feature_dim());
  std::vector<int> seen(static_cast<std::size_t>(ways), 0);
  for (int t = 0; t < T; ++t) {
    const auto [label, item] = steps[static_cast<std::size_t>(t)];
    b.example(e.classes[static_cast<std::size_t>(label)], item, e.x.row(t).data());
    e.labels.push_back(label);
    e.items.push_back(item);
    e.instance.push_back(++seen[static_cast<std::size_t>(label)]);
  }
  return e;
}

Task SequenceEpisodeSource::sample(Split split, Rng& rng) const {
  return episode_to_task(sample_episode(split, rng), config_.query_per_class);
}

std::map<std::string, std::string> SequenceEpisodeSource::description() const {
  if (exact_description_) return extra_;
  std::map<std::string, std::string> d = extra_;
  d["task.name"] = name_;
  d["task.episodes"] = "sequence";
  d["task.ways"] = std::to_string(config_.ways);
  d["task.instances"] = std::to_string(config_.instances);
  d["task.query_per_class"] = std::to_string(config_.query_per_class);
  return d;
}

// ---------------------------------------------------------------- banks

CachedBank::CachedBank(std::shared_ptr<const ExampleBank> bank, const std::vector<int>& classes)
    : bank_(std::move(bank)) {
  if (!bank_) throw std::invalid_argument("CachedBank: no bank");
  std::vector<int> which = classes;
  if (which.empty())
    for (int c = 0; c < bank_->num_classes(); ++c) which.push_back(c);
  offset_.assign(static_cast<std::size_t>(bank_->num_classes()), -1);
  long rows = 0;
  for (int c : which) {
    if (c < 0 || c >= bank_->num_classes()) throw std::invalid_argument("CachedBank: class out of range");
    if (offset_[static_cast<std::size_t>(c)] >= 0) continue;
    offset_[static_cast<std::size_t>(c)] = static_cast<int>(rows);
    rows += bank_->class_size(c);
  }
  data_.resize(rows, bank_->feature_dim());
  for (int c = 0; c < bank_->num_classes(); ++c) {
    const int o = offset_[static_cast<std::size_t>(c)];
    if (o < 0) continue;
    for (int i = 0; i < bank_->class_size(c); ++i) bank_->example(c, i, data_.row(o + i).data());
  }
}

void CachedBank::example(int cls, int i, float* out) const {
  const int o = offset_[static_cast<std::size_t>(cls)];
  if (o < 0) {
    bank_->example(cls, i, out);
    return;
  }
  std::copy(data_.row(o + i).data(), data_.row(o + i).data() + data_.cols(), out);
}

std::unique_ptr<SequenceEpisodeSource> make_glyph_sequence_source(const GlyphSourceConfig& g,
                                                                  const SequenceEpisodeConfig& config, bool cache) {
  g.validate();
  ClassSplit split = split_classes(g.num_classes, g.train_fraction, g.validation_fraction, g.split_seed);
  std::shared_ptr<const ExampleBank> bank = std::make_shared<GlyphBank>(g);
  if (cache) bank = std::make_shared<CachedBank>(bank);
  std::map<std::string, std::string> desc{
      {"task.source", "glyphs"},
      {"task.glyph_seed", std::to_string(g.seed)},
      {"task.split_seed", std::to_string(g.split_seed)},
      {"task.glyph_classes", std::to_string(g.num_classes)},
      {"task.glyph_instances", std::to_string(g.instances)},
      {"task.glyph_size", std::to_string(g.glyph.size)},
      {"task.train_fraction", fmt(g.train_fraction)},
      {"task.validation_fraction", fmt(g.validation_fraction)}};
  return std::make_unique<SequenceEpisodeSource>("glyph-sequences", std::move(bank), std::move(split), config,
                                                 std::move(desc));
}

std::unique_ptr<SequenceEpisodeSource> make_table_sequence_source(const std::string& name, LabeledDataset dataset,
                                                                  const SequenceEpisodeConfig& config,
                                                                  double train_fraction, double validation_fraction,
                                                                  std::uint64_t seed) {
  dataset.validate();
  if (!(train_fraction > 0 && train_fraction < 1) || !(validation_fraction >= 0) ||
      train_fraction + validation_fraction >= 1)
    throw std::invalid_argument(name + ": row fractions must satisfy 0 < train, 0 <= validation, train + validation < 1");
  // Drop exact duplicates (same features and class), keeping the first.
  std::vector<char> duplicate(static_cast<std::size_t>(dataset.x.rows()), 0);
  int duplicates = 0;
  auto same = [&](Eigen::Index i, Eigen::Index j) {
    return dataset.y[static_cast<std::size_t>(i)] == dataset.y[static_cast<std::size_t>(j)] &&
           dataset.x.row(i) == dataset.x.row(j);
  };
  for (Eigen::Index i = 0; i < dataset.x.rows(); ++i)
    for (Eigen::Index j = 0; j < i && !duplicate[static_cast<std::size_t>(i)]; ++j)
      if (!duplicate[static_cast<std::size_t>(j)] && same(i, j)) {
        duplicate[static_cast<std::size_t>(i)] = 1;
        ++duplicates;
      }
  // Split every class's rows.
  Rng rng(seed);
  std::array<std::vector<int>, 3> rows;
  for (const std::vector<int>& all_members : dataset.examples_by_class()) {
    std::vector<int> m;
    for (int r : all_members)
      if (!duplicate[static_cast<std::size_t>(r)]) m.push_back(r);
    rng.shuffle(m);
    const int n = static_cast<int>(m.size());
    const int n_train = static_cast<int>(std::lround(train_fraction * n));
    const int n_val = static_cast<int>(std::lround(validation_fraction * n));
    for (int i = 0; i < n; ++i) {
      const int s = i < n_train ? 0 : i < n_train + n_val ? 1 : 2;
      rows[static_cast<std::size_t>(s)].push_back(m[static_cast<std::size_t>(i)]);
    }
  }
  // Standardise with meta-train rows only.
  Standardization stats;
  const Eigen::Index d = dataset.x.cols();
  stats.mean = Eigen::RowVectorXf::Zero(d);
  stats.std = Eigen::RowVectorXf::Ones(d);
  if (!rows[0].empty()) {
    Eigen::RowVectorXd sum = Eigen::RowVectorXd::Zero(d), sq = Eigen::RowVectorXd::Zero(d);
    for (int r : rows[0]) {
      const Eigen::RowVectorXd v = dataset.x.row(r).cast<double>();
      sum += v;
      sq += v.cwiseProduct(v);
    }
    const double n = static_cast<double>(rows[0].size());
    for (Eigen::Index j = 0; j < d; ++j) {
      const double mean = sum(j) / n;
      const double var = std::max(0.0, sq(j) / n - mean * mean);
      stats.mean(j) = static_cast<float>(mean);
      stats.std(j) = var > 1e-12 ? static_cast<float>(std::sqrt(var)) : 1.0f;
    }
  }
  for (Eigen::Index i = 0; i < dataset.x.rows(); ++i)
    dataset.x.row(i) = (dataset.x.row(i) - stats.mean).cwiseQuotient(stats.std);
  // One bank per split holding that split's rows.
  std::array<std::shared_ptr<const ExampleBank>, 3> banks;
  ClassSplit split;
  for (int s = 0; s < 3; ++s) {
    const auto& r = rows[static_cast<std::size_t>(s)];
    if (r.empty()) continue;
    LabeledDataset part;
    part.source = dataset.source + " (" + split_name(kSplits[s]) + " rows)";
    part.class_names = dataset.class_names;
    part.x.resize(static_cast<Eigen::Index>(r.size()), d);
    for (std::size_t i = 0; i < r.size(); ++i) {
      part.x.row(static_cast<Eigen::Index>(i)) = dataset.x.row(r[i]);
      part.y.push_back(dataset.y[static_cast<std::size_t>(r[i])]);
    }
    banks[static_cast<std::size_t>(s)] = std::make_shared<DatasetBank>(std::move(part));
    std::vector<int>& ids = s == 0 ? split.train : s == 1 ? split.validation : split.test;
    for (int c = 0; c < dataset.num_classes(); ++c) ids.push_back(c);
  }
  std::map<std::string, std::string> desc{{"task.source", dataset.source},
                                          {"task.split", "rows"},
                                          {"task.split_seed", std::to_string(seed)},
                                          {"task.train_fraction", fmt(train_fraction)},
                                          {"task.validation_fraction", fmt(validation_fraction)},
                                          {"task.standardize", "meta-train rows"}};
  desc["task.duplicates_dropped"] = std::to_string(duplicates);
  auto src = std::make_unique<SequenceEpisodeSource>(name, banks, std::move(split), config, std::move(desc));
  src->standardization = std::move(stats);
  if (duplicates > 0)
    src->add_warning(name + ": " + std::to_string(duplicates) + " rows identical to an earlier row of the same class were dropped");
  return src;
}

// ---------------------------------------------------------------- factory

std::unique_ptr<SequenceEpisodeSource> make_sequence_source(const std::string& name,
                                                            const std::map<std::string, std::string>& options,
                                                            const CsvTable* table) {
  if (!find_task_family(name) || task_kind(name) != TaskKind::Sequence) {
    std::string known;
    for (const auto& n : task_family_names(TaskKind::Sequence)) known += (known.empty() ? "" : " or ") + n;
    throw std::invalid_argument("unknown sequence task '" + name + "' (expected " + known + ")");
  }
  const bool glyphs = name == "glyph-sequences";
  OptionReader o(options, name + " task option");
  SequenceEpisodeConfig sc;
  sc.ways = static_cast<int>(o.integer("ways", sc.ways, 2));
  sc.instances = static_cast<int>(o.integer("instances", sc.instances, 1));
  sc.query_per_class = static_cast<int>(o.integer("query_per_class", sc.query_per_class, 0));
  std::unique_ptr<SequenceEpisodeSource> src;
  if (glyphs) {
    GlyphSourceConfig g;
    g.glyph.size = static_cast<int>(o.integer("glyph_size", 20, 8));
    g.num_classes = static_cast<int>(o.integer("glyph_classes", 1600, 3));
    g.instances = static_cast<int>(o.integer("glyph_drawings", 20, 1));
    g.seed = static_cast<std::uint64_t>(o.integer("glyph_seed", 1, 0, LLONG_MAX));
    g.split_seed = static_cast<std::uint64_t>(o.integer("split_seed", 1, 0, LLONG_MAX));
    g.train_fraction = o.real("train_fraction", 0.75);
    g.validation_fraction = o.real("validation_fraction", 0.05);
    const bool cache = o.boolean("cache", true);
    o.finish();
    sc.validate();
    src = make_glyph_sequence_source(g, sc, cache);
  } else {
    std::string label = o.text("label");
    const double train = o.real("train_fraction", 0.5), validation = o.real("validation_fraction", 0.0);
    const auto seed = static_cast<std::uint64_t>(o.integer("split_seed", 0, 0, LLONG_MAX));
    // What description() wrote: checks that the table is the one a checkpoint was trained on.
    const std::string rows_given = o.text("rows"), features_given = o.text("features");
    o.finish();
    sc.validate();
    if (!table) throw std::invalid_argument("table-sequences: needs a CSV table (--csv)");
    if (label.empty()) {
      const std::vector<std::string> text_columns = non_numeric_columns(*table);
      if (text_columns.size() != 1)
        throw std::invalid_argument("table-sequences: cannot guess the label column (" +
                                    std::to_string(text_columns.size()) +
                                    " non-numeric columns); give the option label");
      label = o.text("label", text_columns[0]);
    }
    std::vector<std::string> exclude;
    for (const auto& c : non_numeric_columns(*table))
      if (c != label) exclude.push_back(c);
    LabeledDataset data = dataset_from_table(*table, label, -1, exclude);
    const std::string rows = std::to_string(data.num_examples()), features = std::to_string(data.feature_dim());
    if (!rows_given.empty() && rows_given != rows)
      throw std::invalid_argument("table-sequences: the table has " + rows + " rows, the checkpoint's had " + rows_given);
    if (!features_given.empty() && features_given != features)
      throw std::invalid_argument("table-sequences: the table has " + features + " feature columns, the checkpoint's had " +
                                  features_given);
    o.text("rows", rows);
    o.text("features", features);
    src = make_table_sequence_source(name, std::move(data), sc, train, validation, seed);
  }
  std::map<std::string, std::string> desc{{"task.name", name}};
  for (const auto& [k, v] : o.used()) desc["task." + k] = v;
  src->set_description(std::move(desc));
  return src;
}

// ---------------------------------------------------------------- accuracy by instance

InstanceAccuracy::InstanceAccuracy(int instances) {
  if (instances < 1) throw std::invalid_argument("InstanceAccuracy: instances must be >= 1");
  sum_.assign(static_cast<std::size_t>(instances), 0.0);
  sum_sq_.assign(static_cast<std::size_t>(instances), 0.0);
}

void InstanceAccuracy::add(const SequenceEpisode& e, const std::vector<int>& predictions) {
  if (static_cast<int>(predictions.size()) != e.steps())
    throw std::invalid_argument("InstanceAccuracy: " + std::to_string(predictions.size()) + " predictions for " +
                                std::to_string(e.steps()) + " steps");
  const std::size_t K = sum_.size();
  std::vector<int> correct(K, 0), count(K, 0);
  for (int t = 0; t < e.steps(); ++t) {
    const int k = e.instance[static_cast<std::size_t>(t)];
    const bool ok = predictions[static_cast<std::size_t>(t)] == e.labels[static_cast<std::size_t>(t)];
    correct_ += ok;
    ++total_;
    if (k < 1 || k > static_cast<int>(K)) continue;
    count[static_cast<std::size_t>(k - 1)] += 1;
    correct[static_cast<std::size_t>(k - 1)] += ok;
  }
  for (std::size_t k = 0; k < K; ++k) {
    if (count[k] == 0)
      throw std::invalid_argument("InstanceAccuracy: the episode has no presentation " + std::to_string(k + 1));
    const double a = static_cast<double>(correct[k]) / count[k];
    sum_[k] += a;
    sum_sq_[k] += a * a;
  }
  ++episodes_;
}

double InstanceAccuracy::accuracy(int k) const {
  if (k < 1 || k > instances()) throw std::invalid_argument("InstanceAccuracy: no presentation " + std::to_string(k));
  return episodes_ ? sum_[static_cast<std::size_t>(k - 1)] / episodes_ : 0.0;
}

double InstanceAccuracy::ci95(int k) const {
  const double m = accuracy(k);
  if (episodes_ < 2) return 0.0;
  const double n = episodes_;
  const double var = std::max(0.0, (sum_sq_[static_cast<std::size_t>(k - 1)] - n * m * m) / (n - 1));
  return 1.96 * std::sqrt(var / n);
}

double InstanceAccuracy::overall() const { return total_ ? static_cast<double>(correct_) / total_ : 0.0; }

std::string InstanceAccuracy::table(const std::vector<int>& which, const std::string& title) const {
  std::ostringstream o;
  if (!title.empty()) o << title << "\n";
  o << "presentation  accuracy   95% CI      (" << episodes_ << " episodes)\n";
  char buf[96];
  for (int k : which) {
    if (k < 1 || k > instances()) continue;
    std::snprintf(buf, sizeof buf, "%12d  %7.1f%%  +- %5.1f%%\n", k, 100 * accuracy(k), 100 * ci95(k));
    o << buf;
  }
  return o.str();
}

}  // namespace metalab
