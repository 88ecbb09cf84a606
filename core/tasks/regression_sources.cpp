#include "core/tasks/regression_sources.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <set>
#include <stdexcept>

namespace metalab {

namespace {

[[noreturn]] void bad(const std::string& family, const std::string& key, const std::string& value,
                      const std::string& expected) {
  throw std::invalid_argument(family + " task option '" + key + "': expected " + expected + ", got '" + value + "'");
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ',') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  for (auto& x : out) {
    const auto b = x.find_first_not_of(" \t");
    const auto e = x.find_last_not_of(" \t");
    x = b == std::string::npos ? std::string() : x.substr(b, e - b + 1);
  }
  return out;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
  return s;
}

bool parse_double(const std::string& s, double* out) {
  if (s.empty() || std::isspace(static_cast<unsigned char>(s[0]))) return false;
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || errno == ERANGE || !std::isfinite(v)) return false;
  *out = v;
  return true;
}

bool parse_int(const std::string& s, long long* out) {
  if (s.empty()) return false;
  std::size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (i == s.size()) return false;
  for (std::size_t j = i; j < s.size(); ++j)
    if (!std::isdigit(static_cast<unsigned char>(s[j]))) return false;
  errno = 0;
  const long long v = std::strtoll(s.c_str(), nullptr, 10);
  if (errno == ERANGE) return false;
  *out = v;
  return true;
}

// Reads options of one family, rejecting keys it does not know.
class OptionReader {
 public:
  OptionReader(std::string family, const TaskOptions& options, const std::vector<std::string>& known)
      : family_(std::move(family)), options_(options) {
    for (const auto& [key, value] : options) {
      if (key == "name") continue;
      if (std::find(known.begin(), known.end(), key) == known.end())
        throw std::invalid_argument("unknown " + family_ + " task option '" + key + "' (known: " + join(known) + ")");
    }
  }
  const std::string* find(const std::string& key) const {
    auto it = options_.find(key);
    return it == options_.end() ? nullptr : &it->second;
  }
  void get(const std::string& key, double* v) const {
    if (const std::string* s = find(key))
      if (!parse_double(*s, v)) bad(family_, key, *s, "a number");
  }
  void get(const std::string& key, int* v) const {
    if (const std::string* s = find(key)) {
      long long x = 0;
      if (!parse_int(*s, &x) || x < -2147483647LL || x > 2147483647LL) bad(family_, key, *s, "an integer");
      *v = static_cast<int>(x);
    }
  }
  void get(const std::string& key, std::uint64_t* v) const {
    if (const std::string* s = find(key)) {
      long long x = 0;
      if (!parse_int(*s, &x) || x < 0) bad(family_, key, *s, "a non-negative integer");
      *v = static_cast<std::uint64_t>(x);
    }
  }
  void get_range(const std::string& key, double* lo, double* hi) const {
    if (const std::string* s = find(key)) {
      const auto parts = split_list(*s);
      if (parts.size() != 2 || !parse_double(parts[0], lo) || !parse_double(parts[1], hi))
        bad(family_, key, *s, "two numbers 'lo,hi'");
    }
  }
  const std::string& family() const { return family_; }

 private:
  std::string family_;
  const TaskOptions& options_;
};

const std::vector<std::string>& sinusoid_keys() {
  static const std::vector<std::string> k{"support", "query", "amplitude", "phase", "x"};
  return k;
}
const std::vector<std::string>& promoter_keys() {
  static const std::vector<std::string> k{"support",     "query",      "features",          "kmer_max",
                                          "sequence_length", "cell_types", "seed",           "noise_sd",
                                          "gc_content",  "plant_probability", "weight_sd",   "basal_sd",
                                          "position_decay", "train_fraction", "validation_fraction"};
  return k;
}
const std::vector<std::string>& genes_keys() {
  static const std::vector<std::string> k{"support",        "query",          "landmarks",          "landmark_choice",
                                          "target_scaling", "split_seed",     "train_fraction",     "validation_fraction",
                                          "label_columns",  "samples",        "genes",              "data_hash"};
  return k;
}

const char* features_name(PromoterFeatures f) {
  switch (f) {
    case PromoterFeatures::Kmer: return "kmer";
    case PromoterFeatures::OneHot: return "onehot";
    case PromoterFeatures::MotifScores: return "motif";
  }
  return "?";
}

std::unique_ptr<TaskSource> make_sinusoid(const TaskOptions& options) {
  OptionReader r("sinusoid", options, sinusoid_keys());
  SinusoidConfig c;
  r.get("support", &c.support_size);
  r.get("query", &c.query_size);
  r.get_range("amplitude", &c.amplitude_min, &c.amplitude_max);
  r.get_range("phase", &c.phase_min, &c.phase_max);
  r.get_range("x", &c.x_min, &c.x_max);
  c.validate();
  return std::make_unique<SinusoidSource>(c);
}

std::unique_ptr<TaskSource> make_promoter(const TaskOptions& options) {
  OptionReader r("promoter", options, promoter_keys());
  PromoterConfig c;
  r.get("support", &c.support_size);
  r.get("query", &c.query_size);
  if (const std::string* f = r.find("features")) {
    if (*f == "kmer") c.features = PromoterFeatures::Kmer;
    else if (*f == "onehot" || *f == "one-hot") c.features = PromoterFeatures::OneHot;
    else if (*f == "motif" || *f == "motifs") c.features = PromoterFeatures::MotifScores;
    else bad("promoter", "features", *f, "kmer, onehot or motif");
  }
  r.get("kmer_max", &c.kmer_max);
  r.get("sequence_length", &c.sequence_length);
  r.get("cell_types", &c.num_cell_types);
  r.get("seed", &c.seed);
  r.get("noise_sd", &c.noise_sd);
  r.get("gc_content", &c.gc_content);
  r.get("plant_probability", &c.plant_probability);
  r.get("weight_sd", &c.weight_sd);
  r.get("basal_sd", &c.basal_sd);
  r.get("position_decay", &c.position_decay);
  r.get("train_fraction", &c.train_fraction);
  r.get("validation_fraction", &c.validation_fraction);
  return std::make_unique<PromoterSource>(c);
}

std::unique_ptr<TaskSource> make_genes(const TaskOptions& options, const CsvTable* table) {
  OptionReader r("genes", options, genes_keys());
  if (!table) throw std::invalid_argument("genes tasks need an expression table (a CSV file with --csv)");
  GeneExpressionConfig c;
  r.get("support", &c.support_size);
  r.get("query", &c.query_size);
  if (const std::string* l = r.find("landmarks")) {
    long long count = 0;
    if (parse_int(*l, &count)) {
      if (count < 1 || count > 1000000) bad("genes", "landmarks", *l, "a positive count or gene names");
      c.num_landmarks = static_cast<int>(count);
    } else {
      c.landmark_genes = split_list(*l);
      for (const auto& g : c.landmark_genes)
        if (g.empty()) bad("genes", "landmarks", *l, "a count or comma-separated gene names (one is empty)");
    }
  }
  if (const std::string* s = r.find("landmark_choice")) {
    if (*s == "top-variance" || *s == "top_variance") c.landmark_choice = LandmarkChoice::TopVariance;
    else if (*s == "first") c.landmark_choice = LandmarkChoice::First;
    else if (*s == "random") c.landmark_choice = LandmarkChoice::Random;
    else bad("genes", "landmark_choice", *s, "top-variance, first or random");
  }
  if (const std::string* s = r.find("target_scaling")) {
    if (*s == "pooled") c.target_scaling = TargetScaling::MetaTrainPooled;
    else if (*s == "per-gene" || *s == "per_gene") c.target_scaling = TargetScaling::PerGene;
    else bad("genes", "target_scaling", *s, "pooled or per-gene");
  }
  r.get("split_seed", &c.split_seed);
  r.get("train_fraction", &c.train_fraction);
  r.get("validation_fraction", &c.validation_fraction);
  if (const std::string* s = r.find("label_columns"); s && !s->empty()) c.label_columns = split_list(*s);
  auto src = std::make_unique<GeneExpressionSource>(GeneExpressionDistribution::from_csv(*table, c));
  const GeneExpressionDistribution& d = src->distribution();
  auto check = [&](const char* key, const std::string& actual, const char* what) {
    if (const std::string* expected = r.find(key); expected && *expected != actual)
      throw std::invalid_argument("genes: the data in " + table->source + " is not the data this task was defined on (" +
                                  what + ": expected " + *expected + ", got " + actual + ")");
  };
  check("samples", std::to_string(d.num_samples()), "samples");
  check("genes", std::to_string(d.num_genes()), "genes");
  check("data_hash", src->data_hash(), "data fingerprint");
  return src;
}

}  // namespace

std::map<std::string, std::string> PromoterSource::description() const {
  const PromoterConfig& c = dist_.config();
  return {{"task.name", "promoter"},
          {"task.support", std::to_string(c.support_size)},
          {"task.query", std::to_string(c.query_size)},
          {"task.features", features_name(c.features)},
          {"task.kmer_max", std::to_string(c.kmer_max)},
          {"task.sequence_length", std::to_string(c.sequence_length)},
          {"task.cell_types", std::to_string(c.num_cell_types)},
          {"task.seed", std::to_string(c.seed)},
          {"task.noise_sd", format_exact(c.noise_sd)},
          {"task.gc_content", format_exact(c.gc_content)},
          {"task.plant_probability", format_exact(c.plant_probability)},
          {"task.weight_sd", format_exact(c.weight_sd)},
          {"task.basal_sd", format_exact(c.basal_sd)},
          {"task.position_decay", format_exact(c.position_decay)},
          {"task.train_fraction", format_exact(c.train_fraction)},
          {"task.validation_fraction", format_exact(c.validation_fraction)}};
}

std::string GeneExpressionSource::data_hash() const {
  std::uint64_t h = 1469598103934665603ULL;
  auto mix = [&h](const void* data, std::size_t n) {
    const unsigned char* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < n; ++i) {
      h ^= p[i];
      h *= 1099511628211ULL;
    }
  };
  const Matrix& m = dist_.raw_expression();
  for (Eigen::Index r = 0; r < m.rows(); ++r)
    for (Eigen::Index c = 0; c < m.cols(); ++c) {
      const float v = m(r, c);
      std::uint32_t bits;
      std::memcpy(&bits, &v, sizeof bits);
      const unsigned char le[4] = {static_cast<unsigned char>(bits), static_cast<unsigned char>(bits >> 8),
                                   static_cast<unsigned char>(bits >> 16), static_cast<unsigned char>(bits >> 24)};
      mix(le, 4);
    }
  for (const auto& g : dist_.gene_names()) mix(g.c_str(), g.size() + 1);
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::map<std::string, std::string> GeneExpressionSource::description() const {
  const GeneExpressionConfig& c = dist_.config();
  std::map<std::string, std::string> d{
      {"task.name", "genes"},
      {"task.support", std::to_string(c.support_size)},
      {"task.query", std::to_string(c.query_size)},
      {"task.landmarks", join(dist_.landmark_names())},
      {"task.target_scaling", c.target_scaling == TargetScaling::PerGene ? "per-gene" : "pooled"},
      {"task.split_seed", std::to_string(c.split_seed)},
      {"task.train_fraction", format_exact(c.train_fraction)},
      {"task.validation_fraction", format_exact(c.validation_fraction)},
      {"task.samples", std::to_string(dist_.num_samples())},
      {"task.genes", std::to_string(dist_.num_genes())},
      {"task.data_hash", data_hash()}};
  if (!c.label_columns.empty()) d["task.label_columns"] = join(c.label_columns);
  return d;
}

const std::vector<std::string>& regression_source_names() {
  static const std::vector<std::string> names{"sinusoid", "promoter", "genes"};
  return names;
}

std::vector<std::string> regression_source_options(const std::string& name) {
  if (name == "sinusoid") return sinusoid_keys();
  if (name == "promoter") return promoter_keys();
  if (name == "genes") return genes_keys();
  throw std::invalid_argument("unknown task '" + name + "' (expected one of: " + join(regression_source_names()) + ")");
}

std::unique_ptr<TaskSource> make_regression_source(const std::string& name, const TaskOptions& options,
                                                   const CsvTable* table) {
  if (name == "sinusoid") return make_sinusoid(options);
  if (name == "promoter") return make_promoter(options);
  if (name == "genes") return make_genes(options, table);
  throw std::invalid_argument("unknown task '" + name + "' (expected one of: " + join(regression_source_names()) + ")");
}

std::unique_ptr<TaskSource> make_regression_source(const TaskOptions& options, const CsvTable* table) {
  auto it = options.find("name");
  if (it == options.end()) throw std::invalid_argument("task options have no 'name'");
  return make_regression_source(it->second, options, table);
}

TaskOptions task_options_from_metadata(const std::map<std::string, std::string>& metadata) {
  TaskOptions out;
  for (const auto& [key, value] : metadata)
    if (key.rfind("task.", 0) == 0) out[key.substr(5)] = value;
  return out;
}

}  // namespace metalab
