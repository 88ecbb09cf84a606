#include "core/tasks/regression_sources.h"

#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "core/common/options.h"
#include "core/tasks/task_factory.h"

namespace metalab {

namespace {

const char* features_name(PromoterFeatures f) {
  switch (f) {
    case PromoterFeatures::Kmer: return "kmer";
    case PromoterFeatures::OneHot: return "onehot";
    case PromoterFeatures::MotifScores: return "motif";
  }
  return "?";
}

std::unique_ptr<TaskSource> make_sinusoid(const TaskOptions& options) {
  OptionReader r(options, "sinusoid task option");
  r.ignore("name");
  SinusoidConfig c;
  c.support_size = static_cast<int>(r.integer("support", c.support_size));
  c.query_size = static_cast<int>(r.integer("query", c.query_size));
  const auto amplitude = r.reals("amplitude", {c.amplitude_min, c.amplitude_max});
  const auto phase = r.reals("phase", {c.phase_min, c.phase_max});
  const auto x = r.reals("x", {c.x_min, c.x_max});
  r.finish();
  c.amplitude_min = amplitude[0];
  c.amplitude_max = amplitude[1];
  c.phase_min = phase[0];
  c.phase_max = phase[1];
  c.x_min = x[0];
  c.x_max = x[1];
  c.validate();
  return std::make_unique<SinusoidSource>(c);
}

std::unique_ptr<TaskSource> make_promoter(const TaskOptions& options) {
  OptionReader r(options, "promoter task option");
  r.ignore("name");
  PromoterConfig c;
  c.support_size = static_cast<int>(r.integer("support", c.support_size));
  c.query_size = static_cast<int>(r.integer("query", c.query_size));
  const std::string features = r.choice("features", features_name(c.features), {"kmer", "onehot", "motif"},
                                        {{"one-hot", "onehot"}, {"motifs", "motif"}});
  c.features = features == "kmer" ? PromoterFeatures::Kmer
               : features == "onehot" ? PromoterFeatures::OneHot
                                      : PromoterFeatures::MotifScores;
  c.kmer_max = static_cast<int>(r.integer("kmer_max", c.kmer_max));
  c.sequence_length = static_cast<int>(r.integer("sequence_length", c.sequence_length));
  c.num_cell_types = static_cast<int>(r.integer("cell_types", c.num_cell_types));
  c.seed = static_cast<std::uint64_t>(r.integer("seed", static_cast<long long>(c.seed), 0, LLONG_MAX));
  c.noise_sd = r.real("noise_sd", c.noise_sd);
  c.gc_content = r.real("gc_content", c.gc_content);
  c.plant_probability = r.real("plant_probability", c.plant_probability);
  c.weight_sd = r.real("weight_sd", c.weight_sd);
  c.basal_sd = r.real("basal_sd", c.basal_sd);
  c.position_decay = r.real("position_decay", c.position_decay);
  c.train_fraction = r.real("train_fraction", c.train_fraction);
  c.validation_fraction = r.real("validation_fraction", c.validation_fraction);
  r.finish();
  return std::make_unique<PromoterSource>(c);
}

std::unique_ptr<TaskSource> make_genes(const TaskOptions& options, const CsvTable* table) {
  OptionReader r(options, "genes task option");
  r.ignore("name");
  GeneExpressionConfig c;
  c.support_size = static_cast<int>(r.integer("support", c.support_size));
  c.query_size = static_cast<int>(r.integer("query", c.query_size));
  // A count of landmark genes, or their names.
  const std::vector<std::string> landmarks = r.list("landmarks", {std::to_string(c.num_landmarks)});
  if (landmarks.size() == 1 && parse_integer(landmarks[0])) {
    c.num_landmarks = static_cast<int>(r.integer("landmarks", c.num_landmarks, 1, 1000000));
  } else {
    c.landmark_genes = landmarks;
  }
  const std::string choice = r.choice("landmark_choice", "top-variance", {"top-variance", "first", "random"},
                                      {{"top_variance", "top-variance"}});
  c.landmark_choice = choice == "first" ? LandmarkChoice::First
                      : choice == "random" ? LandmarkChoice::Random
                                           : LandmarkChoice::TopVariance;
  c.target_scaling = r.choice("target_scaling", "pooled", {"pooled", "per-gene"}, {{"per_gene", "per-gene"}}) == "per-gene"
                         ? TargetScaling::PerGene
                         : TargetScaling::MetaTrainPooled;
  c.split_seed = static_cast<std::uint64_t>(r.integer("split_seed", static_cast<long long>(c.split_seed), 0, LLONG_MAX));
  c.train_fraction = r.real("train_fraction", c.train_fraction);
  c.validation_fraction = r.real("validation_fraction", c.validation_fraction);
  c.label_columns = r.list("label_columns", c.label_columns);
  // What description() wrote: checks that the data is the data a checkpoint was trained on.
  const std::string samples = r.text("samples"), genes = r.text("genes"), data_hash = r.text("data_hash");
  r.finish();
  if (!table) throw std::invalid_argument("genes tasks need an expression table (a CSV file with --csv)");
  auto src = std::make_unique<GeneExpressionSource>(GeneExpressionDistribution::from_csv(*table, c));
  const GeneExpressionDistribution& d = src->distribution();
  auto check = [&](const std::string& expected, const std::string& actual, const char* what) {
    if (!expected.empty() && expected != actual)
      throw std::invalid_argument("genes: the data in " + table->source + " is not the data this task was defined on (" +
                                  what + ": expected " + expected + ", got " + actual + ")");
  };
  check(samples, std::to_string(d.num_samples()), "samples");
  check(genes, std::to_string(d.num_genes()), "genes");
  check(data_hash, src->data_hash(), "data fingerprint");
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

std::unique_ptr<TaskSource> make_regression_source(const std::string& name, const TaskOptions& options,
                                                   const CsvTable* table) {
  if (name == "sinusoid") return make_sinusoid(options);
  if (name == "promoter") return make_promoter(options);
  if (name == "genes") return make_genes(options, table);
  throw std::invalid_argument("unknown regression task '" + name + "' (expected " +
                              join(task_family_names(TaskKind::Regression)) + ")");
}

std::unique_ptr<TaskSource> make_regression_source(const TaskOptions& options, const CsvTable* table) {
  auto it = options.find("name");
  if (it == options.end()) throw std::invalid_argument("task options have no 'name'");
  return make_regression_source(it->second, options, table);
}

}  // namespace metalab
