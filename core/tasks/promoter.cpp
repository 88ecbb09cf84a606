#include "core/tasks/promoter.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>
#include <stdexcept>

namespace metalab {

namespace {

[[noreturn]] void invalid(const std::string& what) { throw std::invalid_argument("promoter: " + what); }

std::string num(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

void require_finite_nonnegative(const char* field, double v) {
  if (!std::isfinite(v) || v < 0.0) invalid(std::string(field) + " must be finite and >= 0, got " + num(v));
}

constexpr char kBases[] = "ACGT";

int base_index(char c) {
  switch (c) {
    case 'A': return 0;
    case 'C': return 1;
    case 'G': return 2;
    case 'T': return 3;
  }
  return -1;
}

int motif_index(const std::vector<Motif>& motifs, const std::string& name) {
  for (std::size_t m = 0; m < motifs.size(); ++m)
    if (motifs[m].name == name) return static_cast<int>(m);
  return -1;
}

constexpr int kPlantTries = 20;  // tries for a non-overlapping position before a motif is left out
constexpr int kMaxSequenceLength = 100000;

}  // namespace

std::vector<Motif> default_promoter_motifs() {
  return {
      {"TATA box", "TATAAA", 1.2},  {"CAAT box", "CCAAT", 0.6},   {"GC box", "GGGCGG", 0.8},
      {"E-box", "CACGTG", 0.5},     {"CRE", "TGACGTCA", 0.7},     {"NF-kB", "GGGACTTTCC", 0.4},
      {"AP-1", "TGACTCA", 0.5},     {"ZEB", "CAGGTA", -0.8},
  };
}

std::vector<MotifInteraction> default_motif_interactions() {
  return {{"TATA box", "GC box", 0.6}, {"AP-1", "NF-kB", 0.5}};
}

void PromoterConfig::validate() const {
  if (motifs.empty()) invalid("motifs must not be empty");
  std::size_t longest = 0;
  for (std::size_t m = 0; m < motifs.size(); ++m) {
    const Motif& motif = motifs[m];
    if (motif.name.empty()) invalid("motifs[" + std::to_string(m) + "] has an empty name");
    if (motif_index(motifs, motif.name) != static_cast<int>(m))
      invalid("motifs: the name '" + motif.name + "' is used twice");
    if (motif.consensus.empty()) invalid("motif '" + motif.name + "' has an empty consensus");
    for (char c : motif.consensus)
      if (base_index(c) < 0)
        invalid("motif '" + motif.name + "' consensus '" + motif.consensus + "' must use only A, C, G, T");
    if (!std::isfinite(motif.weight)) invalid("motif '" + motif.name + "' weight must be finite");
    longest = std::max(longest, motif.consensus.size());
  }
  for (const auto& in : interactions) {
    if (motif_index(motifs, in.a) < 0 || motif_index(motifs, in.b) < 0)
      invalid("interaction '" + in.a + "' x '" + in.b + "' names a motif that is not in motifs");
    if (!std::isfinite(in.weight)) invalid("interaction '" + in.a + "' x '" + in.b + "' weight must be finite");
  }
  if (sequence_length < static_cast<int>(longest) || sequence_length > kMaxSequenceLength)
    invalid("sequence_length must be between the longest motif (" + std::to_string(longest) + " bp) and " +
            std::to_string(kMaxSequenceLength) + ", got " + std::to_string(sequence_length));
  if (!(gc_content > 0.0 && gc_content < 1.0)) invalid("gc_content must be in (0, 1), got " + num(gc_content));
  if (!(plant_probability >= 0.0 && plant_probability <= 1.0))
    invalid("plant_probability must be in [0, 1], got " + num(plant_probability));
  if (!(position_decay > 0.0) || !std::isfinite(position_decay))
    invalid("position_decay must be finite and > 0, got " + num(position_decay));
  require_finite_nonnegative("weight_sd", weight_sd);
  require_finite_nonnegative("basal_sd", basal_sd);
  require_finite_nonnegative("noise_sd", noise_sd);
  if (num_cell_types < 3) invalid("num_cell_types must be >= 3 (one per split at least), got " +
                                  std::to_string(num_cell_types));
  if (!(train_fraction > 0.0 && train_fraction < 1.0))
    invalid("train_fraction must be in (0, 1), got " + num(train_fraction));
  if (!(validation_fraction > 0.0 && validation_fraction < 1.0))
    invalid("validation_fraction must be in (0, 1), got " + num(validation_fraction));
  if (!(train_fraction + validation_fraction < 1.0))
    invalid("train_fraction + validation_fraction must be < 1 (meta-test gets the rest), got " +
            num(train_fraction + validation_fraction));
  if (kmer_max < 1 || kmer_max > 6) invalid("kmer_max must be in 1..6, got " + std::to_string(kmer_max));
  if (features == PromoterFeatures::Kmer && kmer_max > sequence_length)
    invalid("kmer_max (" + std::to_string(kmer_max) + ") must not exceed sequence_length");
  if (support_size < 1) invalid("support size K must be >= 1, got " + std::to_string(support_size));
  if (query_size < 1) invalid("query size must be >= 1, got " + std::to_string(query_size));
}

PromoterDistribution::PromoterDistribution(PromoterConfig config) : config_(std::move(config)) {
  config_.validate();
  for (const auto& in : config_.interactions)
    interaction_motifs_.emplace_back(motif_index(config_.motifs, in.a), motif_index(config_.motifs, in.b));

  Rng base(config_.seed);
  Rng type_rng = base.split();
  Rng split_rng = base.split();
  const int n = config_.num_cell_types;
  for (int c = 0; c < n; ++c) {
    CellType t;
    t.id = c;
    t.name = "cell type " + std::to_string(c);
    t.basal = config_.basal_sd * type_rng.normal();
    for (const auto& m : config_.motifs) t.motif_weights.push_back(m.weight + config_.weight_sd * type_rng.normal());
    for (const auto& in : config_.interactions)
      t.interaction_weights.push_back(in.weight + config_.weight_sd * type_rng.normal());
    cell_types_.push_back(std::move(t));
  }

  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  split_rng.shuffle(order);
  const int n_train = static_cast<int>(std::lround(n * config_.train_fraction));
  const int n_val = static_cast<int>(std::lround(n * config_.validation_fraction));
  const int counts[3] = {n_train, n_val, n - n_train - n_val};
  split_of_.assign(n, 0);
  int next = 0;
  for (int s = 0; s < 3; ++s) {
    if (counts[s] < 1)
      invalid(std::string(split_name(static_cast<Split>(s))) + " split is empty: " + std::to_string(n) +
              " cell types with fractions " + num(config_.train_fraction) + " / " +
              num(config_.validation_fraction) + " / rest (use more num_cell_types)");
    splits_[s].assign(order.begin() + next, order.begin() + next + counts[s]);
    for (int c : splits_[s]) split_of_[c] = s;
    next += counts[s];
  }
}

int PromoterDistribution::num_features() const {
  if (config_.features == PromoterFeatures::OneHot) return 4 * config_.sequence_length;
  if (config_.features == PromoterFeatures::MotifScores) return static_cast<int>(config_.motifs.size());
  int total = 0;
  for (int k = 1, p = 4; k <= config_.kmer_max; ++k, p *= 4) total += p;
  return total;
}

std::vector<std::string> PromoterDistribution::feature_names() const {
  std::vector<std::string> names;
  if (config_.features == PromoterFeatures::OneHot) {
    for (int b = 0; b < 4; ++b)
      for (int i = 0; i < config_.sequence_length; ++i) names.push_back(std::string(1, kBases[b]) + "@" + std::to_string(i));
    return names;
  }
  if (config_.features == PromoterFeatures::MotifScores) {
    for (const auto& m : config_.motifs) names.push_back(m.name);
    return names;
  }
  for (int k = 1, p = 4; k <= config_.kmer_max; ++k, p *= 4) {
    for (int code = 0; code < p; ++code) {
      std::string kmer(k, 'A');
      for (int i = k - 1, c = code; i >= 0; --i, c /= 4) kmer[i] = kBases[c % 4];
      names.push_back(kmer);
    }
  }
  return names;
}

const CellType& PromoterDistribution::cell_type(int id) const {
  if (id < 0 || id >= num_cell_types())
    invalid("cell type " + std::to_string(id) + " out of range (" + std::to_string(num_cell_types()) + ")");
  return cell_types_[id];
}

const std::vector<int>& PromoterDistribution::cell_types(Split split) const {
  return splits_[static_cast<int>(split)];
}

Split PromoterDistribution::split_of(int cell_type_id) const {
  cell_type(cell_type_id);  // validates
  return static_cast<Split>(split_of_[cell_type_id]);
}

PromoterSequence PromoterDistribution::sample_sequence(Rng& rng) const {
  const int len = config_.sequence_length;
  const double gc = config_.gc_content;
  PromoterSequence out;
  out.sequence.resize(len);
  for (int i = 0; i < len; ++i) {
    const double u = rng.uniform();
    out.sequence[i] = u < gc / 2 ? 'G' : u < gc ? 'C' : u < gc + (1 - gc) / 2 ? 'A' : 'T';
  }
  // Planted intervals [start, end), so later motifs never overwrite earlier ones.
  std::vector<std::pair<int, int>> used;
  std::vector<MotifSite> planted;
  for (int m = 0; m < static_cast<int>(config_.motifs.size()); ++m) {
    if (!(rng.uniform() < config_.plant_probability)) continue;
    const std::string& motif = config_.motifs[m].consensus;
    const int mlen = static_cast<int>(motif.size());
    for (int attempt = 0; attempt < kPlantTries; ++attempt) {
      const int pos = rng.randint(0, len - mlen);
      const bool overlaps = std::any_of(used.begin(), used.end(), [&](const std::pair<int, int>& iv) {
        return pos < iv.second && iv.first < pos + mlen;
      });
      if (overlaps) continue;
      out.sequence.replace(pos, mlen, motif);
      used.emplace_back(pos, pos + mlen);
      planted.push_back({m, pos, true});
      break;
    }
  }
  out.sites = find_motifs(out.sequence);
  for (auto& site : out.sites)
    for (const auto& p : planted)
      if (p.motif == site.motif && p.position == site.position) site.planted = true;
  return out;
}

std::vector<MotifSite> PromoterDistribution::find_motifs(const std::string& sequence) const {
  std::vector<MotifSite> sites;
  for (int m = 0; m < static_cast<int>(config_.motifs.size()); ++m) {
    const std::string& motif = config_.motifs[m].consensus;
    for (std::size_t pos = sequence.find(motif); pos != std::string::npos; pos = sequence.find(motif, pos + 1))
      sites.push_back({m, static_cast<int>(pos), false});
  }
  std::sort(sites.begin(), sites.end(), [](const MotifSite& a, const MotifSite& b) {
    return a.position != b.position ? a.position < b.position : a.motif < b.motif;
  });
  return sites;
}

double PromoterDistribution::position_effect(int motif, int position) const {
  const int end = position + static_cast<int>(config_.motifs.at(motif).consensus.size());
  const int d = config_.sequence_length - end;  // bp between the motif's last base and the TSS
  return std::exp(-static_cast<double>(std::max(d, 0)) / config_.position_decay);
}

std::vector<double> PromoterDistribution::motif_scores(const std::string& sequence) const {
  return motif_scores(find_motifs(sequence));
}

std::vector<double> PromoterDistribution::motif_scores(const std::vector<MotifSite>& sites) const {
  std::vector<double> s(config_.motifs.size(), 0.0);
  for (const auto& site : sites) s[site.motif] += position_effect(site.motif, site.position);
  return s;
}

ExpressionBreakdown PromoterDistribution::explain(const CellType& type, const std::string& sequence,
                                                  Rng* noise) const {
  return explain_scores(type, motif_scores(sequence), noise);
}

ExpressionBreakdown PromoterDistribution::explain_scores(const CellType& type, const std::vector<double>& s,
                                                         Rng* noise) const {
  ExpressionBreakdown out;
  out.basal = type.basal;
  out.total = type.basal;
  for (std::size_t m = 0; m < s.size(); ++m) {
    out.motif.push_back(type.motif_weights[m] * s[m]);
    out.total += out.motif.back();
  }
  for (std::size_t i = 0; i < interaction_motifs_.size(); ++i) {
    out.interaction.push_back(type.interaction_weights[i] * s[interaction_motifs_[i].first] *
                              s[interaction_motifs_[i].second]);
    out.total += out.interaction.back();
  }
  if (noise) {
    out.noise = config_.noise_sd * noise->normal();
    out.total += out.noise;
  }
  return out;
}

Eigen::RowVectorXf PromoterDistribution::featurize(const std::string& sequence) const {
  const int len = config_.sequence_length;
  if (static_cast<int>(sequence.size()) != len)
    invalid("sequence has " + std::to_string(sequence.size()) + " bases, expected sequence_length " +
            std::to_string(len));
  std::vector<int> b(len);
  for (int i = 0; i < len; ++i) {
    b[i] = base_index(sequence[i]);
    if (b[i] < 0) invalid("sequence has '" + std::string(1, sequence[i]) + "' at position " + std::to_string(i) +
                          " (only A, C, G, T)");
  }
  Eigen::RowVectorXf f = Eigen::RowVectorXf::Zero(num_features());
  if (config_.features == PromoterFeatures::MotifScores) {
    const std::vector<double> s = motif_scores(sequence);
    for (std::size_t m = 0; m < s.size(); ++m) f(static_cast<Eigen::Index>(m)) = static_cast<float>(s[m]);
    return f;
  }
  if (config_.features == PromoterFeatures::OneHot) {
    for (int i = 0; i < len; ++i) f(b[i] * len + i) = 1.0f;
    return f;
  }
  int offset = 0;
  for (int k = 1, p = 4; k <= config_.kmer_max; ++k, p *= 4) {
    const int windows = len - k + 1;
    const float inc = 1.0f / static_cast<float>(windows);
    for (int i = 0; i < windows; ++i) {
      int code = 0;
      for (int j = 0; j < k; ++j) code = code * 4 + b[i + j];
      f(offset + code) += inc;
    }
    offset += p;
  }
  return f;
}

PromoterTask PromoterDistribution::sample_detailed(Split split, Rng& rng) const {
  const std::vector<int>& types = cell_types(split);
  return task_for_cell_type(types[static_cast<std::size_t>(rng.below(types.size()))], rng);
}

PromoterTask PromoterDistribution::task_for_cell_type(int id, Rng& rng) const {
  PromoterTask out;
  out.split = split_of(id);
  out.cell_type = id;
  const CellType& type = cell_types_[id];
  auto fill = [&](int n, std::vector<PromoterSequence>& seqs, Matrix& x, Matrix& y) {
    x.resize(n, num_features());
    y.resize(n, 1);
    for (int i = 0; i < n; ++i) {
      seqs.push_back(sample_sequence(rng));
      x.row(i) = featurize(seqs.back().sequence);
      y(i, 0) = static_cast<float>(explain_scores(type, motif_scores(seqs.back().sites), &rng).total);
    }
  };
  fill(config_.support_size, out.support, out.task.support_x, out.task.support_y);
  fill(config_.query_size, out.query, out.task.query_x, out.task.query_y);
  out.task.num_classes = 0;
  out.task.info = type.name + " (" + split_name(out.split) + ")";
  return out;
}

}  // namespace metalab
