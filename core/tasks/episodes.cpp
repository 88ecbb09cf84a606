#include "core/tasks/episodes.h"

#include "core/common/options.h"  // join_first

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>
#include <stdexcept>

namespace metalab {

namespace {

std::string fmt(double v) {
  std::ostringstream s;
  s.precision(6);
  s << v;
  return s.str();
}

const char* split_word(Split s) {
  switch (s) {
    case Split::MetaTrain: return "meta-train";
    case Split::MetaValidation: return "meta-validation";
    case Split::MetaTest: return "meta-test";
  }
  return "?";
}

int split_index(Split s) { return s == Split::MetaTrain ? 0 : s == Split::MetaValidation ? 1 : 2; }

constexpr Split kSplits[3] = {Split::MetaTrain, Split::MetaValidation, Split::MetaTest};

// k distinct indices from [0, n), in random order (partial Fisher-Yates).
std::vector<int> choose(int n, int k, Rng& rng, std::vector<int>& scratch) {
  scratch.resize(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) scratch[static_cast<std::size_t>(i)] = i;
  for (int i = 0; i < k; ++i) {
    const int j = i + static_cast<int>(rng.below(static_cast<std::uint64_t>(n - i)));
    std::swap(scratch[static_cast<std::size_t>(i)], scratch[static_cast<std::size_t>(j)]);
  }
  return std::vector<int>(scratch.begin(), scratch.begin() + k);
}

}  // namespace

// ---- LabeledDataset ----

void LabeledDataset::validate() const {
  if (x.rows() == 0) throw DataError(source + ": no examples");
  if (static_cast<Eigen::Index>(y.size()) != x.rows())
    throw DataError(source + ": " + std::to_string(x.rows()) + " examples but " + std::to_string(y.size()) + " labels");
  if (class_names.empty()) throw DataError(source + ": no classes");
  for (std::size_t i = 0; i < y.size(); ++i)
    if (y[i] < 0 || y[i] >= num_classes())
      throw DataError(source + ": example " + std::to_string(i) + " has class " + std::to_string(y[i]) +
                      ", not in [0, " + std::to_string(num_classes()) + ")");
  if (!class_groups.empty() && class_groups.size() != class_names.size())
    throw DataError(source + ": class_groups must have one entry per class");
  if (!class_base.empty()) {
    if (class_base.size() != class_names.size()) throw DataError(source + ": class_base must have one entry per class");
    for (int b : class_base)
      if (b < 0 || b >= num_classes()) throw DataError(source + ": class_base entry out of range");
  }
  if (!x.allFinite()) throw DataError(source + ": features contain NaN or infinity");
  if (images() && static_cast<long>(image_height) * image_width * image_channels != x.cols())
    throw DataError(source + ": image geometry " + std::to_string(image_height) + "x" + std::to_string(image_width) +
                    "x" + std::to_string(image_channels) + " does not match " + std::to_string(x.cols()) + " features");
}

std::vector<std::vector<int>> LabeledDataset::examples_by_class() const {
  std::vector<std::vector<int>> out(static_cast<std::size_t>(num_classes()));
  for (std::size_t i = 0; i < y.size(); ++i) out[static_cast<std::size_t>(y[i])].push_back(static_cast<int>(i));
  return out;
}

LabeledDataset dataset_from_table(const CsvTable& table, const std::string& label_column, int label_index,
                                  const std::vector<std::string>& exclude) {
  LabelledTable t = label_column.empty() ? labelled_features(table, label_index, exclude)
                                         : labelled_features(table, label_column, exclude);
  LabeledDataset d;
  d.source = table.source;
  d.x = std::move(t.x);
  d.y = std::move(t.y);
  d.class_names = std::move(t.classes);
  d.validate();
  return d;
}

LabeledDataset dataset_from_idx(const IdxArray& images, const IdxArray& labels, std::vector<std::string> class_names) {
  if (images.dims.size() != 3 && images.dims.size() != 4)
    throw DataError(images.source + ": expected n x rows x columns images, got " + std::to_string(images.dims.size()) +
                    " dimensions");
  if (labels.dims.size() != 1)
    throw DataError(labels.source + ": expected a 1-D label file, got " + std::to_string(labels.dims.size()) + " dimensions");
  if (images.count() != labels.count())
    throw DataError(images.source + " has " + std::to_string(images.count()) + " images but " + labels.source + " has " +
                    std::to_string(labels.count()) + " labels");
  int max_label = 0;
  for (auto v : labels.data) max_label = std::max<int>(max_label, v);
  if (class_names.empty())
    for (int c = 0; c <= max_label; ++c) class_names.push_back(std::to_string(c));
  if (max_label >= static_cast<int>(class_names.size()))
    throw DataError(labels.source + ": label " + std::to_string(max_label) + " but only " +
                    std::to_string(class_names.size()) + " class names");
  LabeledDataset d;
  d.source = images.source;
  const Eigen::Index n = images.count(), per = images.item_size();
  d.x.resize(n, per);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < per; ++j)
      d.x(i, j) = static_cast<float>(images.data[static_cast<std::size_t>(i * per + j)]) / 255.0f;
  d.y.assign(labels.data.begin(), labels.data.end());
  d.class_names = std::move(class_names);
  d.image_height = static_cast<int>(images.dims[1]);
  d.image_width = static_cast<int>(images.dims[2]);
  d.image_channels = images.dims.size() == 4 ? static_cast<int>(images.dims[3]) : 1;
  d.validate();
  return d;
}

LabeledDataset dataset_from_images(ImageSet images) {
  LabeledDataset d;
  d.source = images.source;
  d.x = std::move(images.images);
  d.y = std::move(images.labels);
  d.class_names = std::move(images.class_names);
  d.class_groups = std::move(images.class_groups);
  d.class_base = std::move(images.class_base);
  d.image_height = images.height;
  d.image_width = images.width;
  d.image_channels = images.channels;
  d.validate();
  return d;
}

const std::vector<std::string>& fashion_mnist_class_names() {
  static const std::vector<std::string> names{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                              "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return names;
}

// ---- Class splits ----

ClassSplit make_class_split(const LabeledDataset& d, const ClassSplitConfig& cfg) {
  const int n = d.num_classes();
  ClassSplit out;
  const bool by_names = !cfg.train_classes.empty() || !cfg.validation_classes.empty() || !cfg.test_classes.empty();
  const bool by_groups = !cfg.train_groups.empty() || !cfg.validation_groups.empty() || !cfg.test_groups.empty();
  if (by_names) {
    std::vector<int> owner(static_cast<std::size_t>(n), -1);
    const std::vector<std::string>* lists[3] = {&cfg.train_classes, &cfg.validation_classes, &cfg.test_classes};
    std::vector<int>* outs[3] = {&out.train, &out.validation, &out.test};
    for (int s = 0; s < 3; ++s)
      for (const std::string& name : *lists[s]) {
        auto it = std::find(d.class_names.begin(), d.class_names.end(), name);
        if (it == d.class_names.end())
          throw DataError(d.source + ": no class named '" + name + "' (classes: " + join_first(d.class_names, 8) + ")");
        const int c = static_cast<int>(it - d.class_names.begin());
        if (owner[static_cast<std::size_t>(c)] >= 0)
          throw DataError(d.source + ": class '" + name + "' is named in two splits (or twice)");
        owner[static_cast<std::size_t>(c)] = s;
        outs[s]->push_back(c);
      }
    return out;
  }
  if (by_groups) {
    if (d.class_groups.empty()) throw DataError(d.source + ": has no class groups to split by");
    const std::vector<std::string>* lists[3] = {&cfg.train_groups, &cfg.validation_groups, &cfg.test_groups};
    std::vector<int>* outs[3] = {&out.train, &out.validation, &out.test};
    std::set<std::string> known(d.class_groups.begin(), d.class_groups.end());
    std::set<std::string> seen;
    for (int s = 0; s < 3; ++s)
      for (const std::string& g : *lists[s]) {
        if (!seen.insert(g).second) throw DataError(d.source + ": group '" + g + "' is named in two splits (or twice)");
        bool any = false;
        for (const auto& k : known) any = any || k == g || k.compare(0, g.size() + 1, g + "/") == 0;
        if (!any) throw DataError(d.source + ": no class group named '" + g + "'");
      }
    // A class belongs to the split naming the longest group that contains it.
    for (int c = 0; c < n; ++c) {
      const std::string& cg = d.class_groups[static_cast<std::size_t>(c)];
      int best = -1;
      std::size_t best_len = 0;
      for (int s = 0; s < 3; ++s)
        for (const std::string& g : *lists[s])
          if ((cg == g || cg.compare(0, g.size() + 1, g + "/") == 0) && (best < 0 || g.size() > best_len)) {
            best = s;
            best_len = g.size();
          }
      if (best >= 0) outs[best]->push_back(c);
    }
    return out;
  }
  // Random: split the base classes, then give every class its base's split.
  std::vector<int> bases;
  std::vector<int> base_of(static_cast<std::size_t>(n));
  for (int c = 0; c < n; ++c) {
    base_of[static_cast<std::size_t>(c)] = d.class_base.empty() ? c : d.class_base[static_cast<std::size_t>(c)];
    if (base_of[static_cast<std::size_t>(c)] == c) bases.push_back(c);
  }
  const ClassSplit b = split_classes(static_cast<int>(bases.size()), cfg.train_fraction, cfg.validation_fraction, cfg.seed);
  const std::vector<int>* lists[3] = {&b.train, &b.validation, &b.test};
  std::vector<int>* outs[3] = {&out.train, &out.validation, &out.test};
  for (int s = 0; s < 3; ++s)
    for (int i : *lists[s]) {
      const int base = bases[static_cast<std::size_t>(i)];
      for (int c = 0; c < n; ++c)
        if (base_of[static_cast<std::size_t>(c)] == base) outs[s]->push_back(c);
    }
  return out;
}

Standardization standardize_features(LabeledDataset& d, const std::vector<int>& classes) {
  std::vector<bool> use(static_cast<std::size_t>(d.num_classes()), false);
  for (int c : classes) use.at(static_cast<std::size_t>(c)) = true;
  const Eigen::Index f = d.x.cols();
  Eigen::RowVectorXd sum = Eigen::RowVectorXd::Zero(f), sq = Eigen::RowVectorXd::Zero(f);
  long count = 0;
  for (Eigen::Index i = 0; i < d.x.rows(); ++i)
    if (use[static_cast<std::size_t>(d.y[static_cast<std::size_t>(i)])]) {
      const Eigen::RowVectorXd r = d.x.row(i).cast<double>();
      sum += r;
      sq += r.cwiseProduct(r);
      ++count;
    }
  if (count == 0) throw DataError(d.source + ": no examples in the classes used for standardisation");
  Standardization s;
  const Eigen::RowVectorXd mean = sum / static_cast<double>(count);
  Eigen::RowVectorXd var = (sq / static_cast<double>(count) - mean.cwiseProduct(mean)).cwiseMax(0.0);
  if (count > 1) var *= static_cast<double>(count) / static_cast<double>(count - 1);
  s.mean = mean.cast<float>();
  s.std = var.cwiseSqrt().cast<float>();
  // Near-constant features: a gene that is non-zero in one meta-train cell has
  // a tiny deviation, and dividing by it would make it dominate every distance
  // on held-out cells (nearest neighbour at chance on sparse expression
  // tables). A feature whose meta-train values differ from their most common
  // value in fewer than kNearConstantRows rows (or 5%) is scaled by at least
  // the median deviation of the other features; a constant one by that too.
  std::vector<int> train_rows;
  for (Eigen::Index i = 0; i < d.x.rows(); ++i)
    if (use[static_cast<std::size_t>(d.y[static_cast<std::size_t>(i)])]) train_rows.push_back(static_cast<int>(i));
  const long rare_below = std::max<long>(kNearConstantRows, count / 20);
  std::vector<bool> near_constant(static_cast<std::size_t>(f), false);
  std::vector<float> values(train_rows.size()), spread;
  for (Eigen::Index j = 0; j < f; ++j) {
    for (std::size_t k = 0; k < train_rows.size(); ++k) values[k] = d.x(train_rows[k], j);
    std::sort(values.begin(), values.end());
    long mode_run = 0;
    for (std::size_t k = 0, start = 0; k <= values.size(); ++k)
      if (k == values.size() || values[k] != values[start]) {
        mode_run = std::max<long>(mode_run, static_cast<long>(k - start));
        start = k;
      }
    near_constant[static_cast<std::size_t>(j)] = count - mode_run < rare_below;
    if (!near_constant[static_cast<std::size_t>(j)] && s.std(j) > 1e-6f) spread.push_back(s.std(j));
  }
  float floor = 1.0f;
  if (!spread.empty()) {
    std::nth_element(spread.begin(), spread.begin() + static_cast<std::ptrdiff_t>(spread.size() / 2), spread.end());
    floor = spread[spread.size() / 2];
  }
  for (Eigen::Index j = 0; j < f; ++j) {
    if (!(s.std(j) > 1e-6f)) {
      s.std(j) = floor;
    } else if (near_constant[static_cast<std::size_t>(j)] && s.std(j) < floor) {
      s.std(j) = floor;
      ++s.floored;
    }
  }
  for (Eigen::Index i = 0; i < d.x.rows(); ++i) d.x.row(i) = (d.x.row(i) - s.mean).cwiseQuotient(s.std);
  return s;
}

// ---- Episode settings ----

void EpisodeConfig::validate() const {
  auto fail = [](const std::string& m) { throw std::invalid_argument("episodes: " + m); };
  if (ways < 2) fail("ways must be >= 2, got " + std::to_string(ways));
  if (shots < 1) fail("shots must be >= 1, got " + std::to_string(shots));
  if (queries < 0) fail("queries must be >= 0, got " + std::to_string(queries));
  if (test_ways != 0 && test_ways < 2) fail("test_ways must be 0 (as training) or >= 2");
  if (test_shots < 0) fail("test_shots must be >= 0");
  if (test_queries < 0) fail("test_queries must be >= 0");
  if (ways > 1000 || shots > 10000 || queries > 10000 || test_ways > 1000 || test_shots > 10000 || test_queries > 10000)
    fail("ways, shots or queries unreasonably large");
}

// ---- Banks ----

DatasetBank::DatasetBank(LabeledDataset dataset) : data_(std::move(dataset)) {
  data_.validate();
  by_class_ = data_.examples_by_class();
}

void DatasetBank::example(int cls, int i, float* out) const {
  const Eigen::Index r = row(cls, i);
  std::copy(data_.x.row(r).data(), data_.x.row(r).data() + data_.x.cols(), out);
}

void GlyphSourceConfig::validate() const {
  glyph.validate();
  if (num_classes < 3) throw std::invalid_argument("glyphs: num_classes must be >= 3");
  if (instances < 1) throw std::invalid_argument("glyphs: instances must be >= 1");
}

GlyphBank::GlyphBank(GlyphSourceConfig config) : config_(std::move(config)) { config_.validate(); }

void GlyphBank::example(int cls, int i, float* out) const {
  const Matrix m = render_glyph(cls, i, config_.glyph, config_.seed);
  std::copy(m.data(), m.data() + m.size(), out);
}

// ---- ClassificationSource ----

ClassificationSource::ClassificationSource(std::string name, std::shared_ptr<const ExampleBank> bank, ClassSplit split,
                                           EpisodeConfig episodes, std::map<std::string, std::string> description)
    : name_(std::move(name)), bank_(std::move(bank)), split_(std::move(split)), episodes_(episodes),
      extra_(std::move(description)) {
  if (!bank_) throw std::invalid_argument("ClassificationSource: no example bank");
  episodes_.validate();
  const int n = bank_->num_classes();
  std::vector<int> owner(static_cast<std::size_t>(n), -1);
  for (Split s : kSplits) {
    const int k = episodes_.shots_for(s) + episodes_.queries_for(s);
    for (int c : split_.of(s)) {
      if (c < 0 || c >= n)
        throw std::invalid_argument(name_ + ": class " + std::to_string(c) + " in the " + split_word(s) +
                                    " split is not a class of the data (0.." + std::to_string(n - 1) + ")");
      if (owner[static_cast<std::size_t>(c)] >= 0)
        throw std::invalid_argument(name_ + ": class '" + bank_->class_name(c) + "' is in two splits");
      owner[static_cast<std::size_t>(c)] = split_index(s);
      const int size = bank_->class_size(c);
      if (size < k)
        warnings_.push_back(name_ + ": class '" + bank_->class_name(c) + "' (" + split_word(s) + ") has " +
                            std::to_string(size) + " examples, fewer than K + Q = " +
                            std::to_string(episodes_.shots_for(s)) + " + " + std::to_string(episodes_.queries_for(s)) +
                            "; skipped");
      else
        usable_[split_index(s)].push_back(c);
    }
  }
  for (Split s : kSplits) {
    const auto& u = usable_[split_index(s)];
    if (static_cast<int>(u.size()) >= episodes_.ways_for(s)) continue;
    if (s == Split::MetaValidation) {
      if (!split_.validation.empty())
        warnings_.push_back(name_ + ": the meta-validation split has " + std::to_string(u.size()) +
                            " usable classes, fewer than " + std::to_string(episodes_.ways_for(s)) +
                            " ways: no validation episodes");
      continue;
    }
    check_split(s);
  }
}

void ClassificationSource::check_split(Split s) const {
  const auto& u = usable_[split_index(s)];
  const int ways = episodes_.ways_for(s);
  if (static_cast<int>(u.size()) >= ways) return;
  const int all = static_cast<int>(split_.of(s).size());
  std::string why = name_ + ": the " + std::string(split_word(s)) + " split has " + std::to_string(u.size()) +
                    " usable classes";
  if (all != static_cast<int>(u.size()))
    why += " (" + std::to_string(all) + " in all; the others have fewer than K + Q = " +
           std::to_string(episodes_.shots_for(s) + episodes_.queries_for(s)) + " examples)";
  why += ", fewer than the " + std::to_string(ways) + " ways of an episode";
  if (s == Split::MetaTrain)
    why += ": use fewer ways or give meta-training more classes";
  else
    why += ": use fewer test ways, fewer shots/queries, or give the split more classes";
  throw std::invalid_argument(why);
}

int ClassificationSource::output_dim() const {
  return std::max(episodes_.ways, episodes_.test_ways);
}

const std::vector<int>& ClassificationSource::usable_classes(Split split) const { return usable_[split_index(split)]; }

Episode ClassificationSource::sample_episode(Split split, Rng& rng) const {
  check_split(split);
  const auto& pool = usable_[split_index(split)];
  std::vector<int> scratch;
  const std::vector<int> pick = choose(static_cast<int>(pool.size()), episodes_.ways_for(split), rng, scratch);
  std::vector<int> classes;
  for (int i : pick) classes.push_back(pool[static_cast<std::size_t>(i)]);
  return episode_for_classes(split, classes, rng);
}

Episode ClassificationSource::episode_for_classes(Split split, const std::vector<int>& classes, Rng& rng) const {
  const int n = static_cast<int>(classes.size());
  if (n < 2) throw std::invalid_argument(name_ + ": an episode needs at least 2 classes");
  const int k = episodes_.shots_for(split), q = episodes_.queries_for(split);
  for (std::size_t i = 0; i < classes.size(); ++i) {
    const int c = classes[i];
    if (c < 0 || c >= bank_->num_classes()) throw std::invalid_argument(name_ + ": no class " + std::to_string(c));
    if (bank_->class_size(c) < k + q)
      throw std::invalid_argument(name_ + ": class '" + bank_->class_name(c) + "' has fewer than K + Q examples");
    for (std::size_t j = 0; j < i; ++j)
      if (classes[j] == c) throw std::invalid_argument(name_ + ": an episode's classes must be distinct");
  }
  const int d = bank_->feature_dim();
  Episode e;
  e.split = split;
  e.classes = classes;
  Task& t = e.task;
  t.num_classes = n;
  t.classes = classes;
  t.support_x.resize(static_cast<Eigen::Index>(n) * k, d);
  t.support_y.resize(static_cast<Eigen::Index>(n) * k, 1);
  t.query_x.resize(static_cast<Eigen::Index>(n) * q, d);
  t.query_y.resize(static_cast<Eigen::Index>(n) * q, 1);
  std::vector<int> scratch;
  for (int label = 0; label < n; ++label) {
    const int c = classes[static_cast<std::size_t>(label)];
    const std::vector<int> items = choose(bank_->class_size(c), k + q, rng, scratch);
    for (int j = 0; j < k + q; ++j) {
      const int item = items[static_cast<std::size_t>(j)];
      const bool support = j < k;
      const Eigen::Index row = static_cast<Eigen::Index>(label) * (support ? k : q) + (support ? j : j - k);
      Matrix& x = support ? t.support_x : t.query_x;
      bank_->example(c, item, x.row(row).data());
      (support ? t.support_y : t.query_y)(row, 0) = static_cast<float>(label);
      (support ? e.support_items : e.query_items).push_back(item);
    }
  }
  std::ostringstream info;
  info << n << "-way " << k << "-shot (" << split_word(split) << "): ";
  std::vector<std::string> names;
  for (int c : classes) names.push_back(bank_->class_name(c));
  info << join_first(names, 10);
  t.info = info.str();
  return e;
}

std::map<std::string, std::string> ClassificationSource::description() const {
  std::map<std::string, std::string> m = extra_;
  m["task.name"] = name_;
  m["task.ways"] = std::to_string(episodes_.ways);
  m["task.shots"] = std::to_string(episodes_.shots);
  m["task.queries"] = std::to_string(episodes_.queries);
  m["task.test_ways"] = std::to_string(episodes_.ways_for(Split::MetaTest));
  m["task.test_shots"] = std::to_string(episodes_.shots_for(Split::MetaTest));
  m["task.test_queries"] = std::to_string(episodes_.queries_for(Split::MetaTest));
  m["task.classes"] = std::to_string(bank_->num_classes());
  m["task.classes_train"] = std::to_string(split_.train.size());
  m["task.classes_validation"] = std::to_string(split_.validation.size());
  m["task.classes_test"] = std::to_string(split_.test.size());
  if (images())
    m["task.image"] = std::to_string(image_height()) + "x" + std::to_string(image_width()) + "x" +
                      std::to_string(image_channels());
  return m;
}

std::unique_ptr<ClassificationSource> make_glyph_source(const GlyphSourceConfig& g, const EpisodeConfig& episodes) {
  g.validate();
  ClassSplit split = split_classes(g.num_classes, g.train_fraction, g.validation_fraction, g.split_seed);
  std::map<std::string, std::string> desc{
      {"task.glyph_seed", std::to_string(g.seed)},
      {"task.split_seed", std::to_string(g.split_seed)},
      {"task.instances", std::to_string(g.instances)},
      {"task.glyph_size", std::to_string(g.glyph.size)},
      {"task.glyph_strokes", std::to_string(g.glyph.strokes_min) + "," + std::to_string(g.glyph.strokes_max)},
      {"task.train_fraction", fmt(g.train_fraction)},
      {"task.validation_fraction", fmt(g.validation_fraction)}};
  return std::make_unique<ClassificationSource>("glyphs", std::make_shared<GlyphBank>(g), std::move(split), episodes,
                                                std::move(desc));
}

std::unique_ptr<ClassificationSource> ClassificationSource::with_episodes(const EpisodeConfig& episodes) const {
  auto src = std::make_unique<ClassificationSource>(name_, bank_, split_, episodes, extra_);
  src->standardization = standardization;
  return src;
}

std::unique_ptr<ClassificationSource> make_dataset_source(const std::string& name, LabeledDataset dataset,
                                                          const ClassSplitConfig& split_cfg,
                                                          const EpisodeConfig& episodes, bool standardize) {
  dataset.validate();
  ClassSplit split = make_class_split(dataset, split_cfg);
  Standardization stats;
  if (standardize) stats = standardize_features(dataset, split.train);
  std::map<std::string, std::string> desc{{"task.source", dataset.source},
                                          {"task.split_seed", std::to_string(split_cfg.seed)},
                                          {"task.standardize", standardize ? "true" : "false"}};
  auto names_of = [&](const std::vector<int>& ids) {
    std::string s;
    for (int c : ids) s += (s.empty() ? "" : ",") + dataset.class_names[static_cast<std::size_t>(c)];
    return s;
  };
  if (dataset.num_classes() <= 64) {
    desc["task.train_classes"] = names_of(split.train);
    desc["task.validation_classes"] = names_of(split.validation);
    desc["task.test_classes"] = names_of(split.test);
  }
  auto src = std::make_unique<ClassificationSource>(name, std::make_shared<DatasetBank>(std::move(dataset)),
                                                    std::move(split), episodes, std::move(desc));
  src->standardization = std::move(stats);
  return src;
}

}  // namespace metalab
