// Synthetic promoter -> expression tasks: a generative model of gene
// regulation simple enough to explain on a slide, for the browser's "gene lab".
//
// The generative model
// --------------------
// 1. A promoter is a DNA sequence of length L (default 100 bp) upstream of the
//    transcription start site (TSS), which sits just after its last base.
//    Background bases are drawn independently: G and C each with probability
//    gc_content / 2, A and T each with (1 - gc_content) / 2 (0.5: uniform).
// 2. Regulatory motifs (transcription-factor binding sites) are planted: each
//    motif independently with probability plant_probability, at a uniformly
//    random position that does not overlap a motif planted before it (a few
//    tries, else it is left out). The default motifs, with the shared weight
//    w_m (how strongly a bound site changes expression, in log units):
//      TATA box   TATAAA      +1.2  TBP; core promoter, ~30 bp before the TSS
//      CAAT box   CCAAT       +0.6  NF-Y
//      GC box     GGGCGG      +0.8  Sp1
//      E-box      CACGTG      +0.5  bHLH factors (MYC/MAX, CLOCK)
//      CRE        TGACGTCA    +0.7  CREB (cAMP response)
//      NF-kB      GGGACTTTCC  +0.4  NF-kB (inflammation)
//      AP-1       TGACTCA     +0.5  FOS/JUN
//      ZEB        CAGGTA      -0.8  ZEB1/2, a repressor
//    Motifs are found by scanning the forward strand for exact matches, so an
//    occurrence that arises by chance in the background counts as well (it is
//    reported with planted = false).
// 3. Position effect: an occurrence whose last base is d bp before the TSS
//    counts p(d) = exp(-d / position_decay) (decay 40 bp): near the TSS ~1,
//    at the far 5' end ~0.1. A motif's score s_m is the sum of p(d) over its
//    occurrences.
// 4. A task is a cell type c, which has its own weights drawn once from a
//    shared prior: w_cm = w_m + weight_sd * z, v_c = v + weight_sd * z,
//    basal level b_c = basal_sd * z (z standard normal, weight_sd 0.5).
// 5. Expression of a promoter in cell type c:
//      y = b_c + sum_m w_cm s_m + sum_(a,b) v_c,ab s_a s_b + noise_sd * z
//    with two interaction terms by default: TATA x GC box synergy (v = +0.6)
//    and AP-1 x NF-kB cooperation (v = +0.5); noise_sd = 0.1.
// What transfers between tasks is which motifs matter, where, and together
// with what; what must be adapted from K examples is the cell type's weights.
//
// Inputs (configurable): k-mer frequencies for k = 1..kmer_max (default 3:
// 4 + 16 + 64 = 84 features; k-mers in lexicographic order ACGT, k = 1 block
// first; each block divided by its number of windows L - k + 1, so it sums to
// 1), or one-hot (4 x L, base-major: feature b * L + i is 1 when base i is
// "ACGT"[b], so it reshapes to a 4-row image). k-mer counts cannot see
// position or a whole 6-10 bp motif: a teaching point, and why one-hot exists.
// A third choice, MotifScores, hands the model the true s_m (one feature per
// motif): the "perfect representation" baseline, with which a linear model
// fits a cell type from a handful of examples; meta-learning on raw k-mers or
// one-hot has to discover such a representation from the meta-train tasks.
//
// Cell types (default 100) are split into meta-train / meta-validation /
// meta-test (70/15/15) by seed; every task draws fresh sequences.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/common/rng.h"
#include "core/tasks/task.h"

namespace metalab {

struct Motif {
  std::string name;       // e.g. "TATA box"
  std::string consensus;  // over A, C, G, T
  double weight = 0.0;    // shared prior mean w_m
};

struct MotifInteraction {
  std::string a, b;     // motif names
  double weight = 0.0;  // shared prior mean v_ab of the s_a * s_b term
};

std::vector<Motif> default_promoter_motifs();
std::vector<MotifInteraction> default_motif_interactions();

enum class PromoterFeatures { Kmer, OneHot, MotifScores };

struct PromoterConfig {
  int sequence_length = 100;  // L, bp
  double gc_content = 0.5;    // background G+C probability, in (0, 1)
  std::vector<Motif> motifs = default_promoter_motifs();
  std::vector<MotifInteraction> interactions = default_motif_interactions();
  double plant_probability = 0.4;  // per motif per sequence
  double position_decay = 40.0;    // bp
  double weight_sd = 0.5;          // cell type's spread around the shared weights
  double basal_sd = 0.5;
  double noise_sd = 0.1;
  int num_cell_types = 100;
  double train_fraction = 0.70, validation_fraction = 0.15;  // meta-test gets the rest
  std::uint64_t seed = 0;  // draws the cell types and their split
  PromoterFeatures features = PromoterFeatures::Kmer;
  int kmer_max = 3;  // 1..6
  int support_size = 10;  // K
  int query_size = 10;

  // Throws std::invalid_argument naming the field.
  void validate() const;
};

// One occurrence of a motif in a sequence.
struct MotifSite {
  int motif = -1;     // index into config().motifs
  int position = 0;   // 0-based index of its first base
  bool planted = false;  // false: it arose by chance in the background
};

struct PromoterSequence {
  std::string sequence;
  std::vector<MotifSite> sites;  // every occurrence, by position then motif
};

struct CellType {
  int id = 0;
  std::string name;  // "cell type 17"
  double basal = 0.0;
  std::vector<double> motif_weights;        // w_c, one per motif
  std::vector<double> interaction_weights;  // v_c, one per interaction
};

// y split into its terms (for a bar chart of "why is this promoter strong?").
struct ExpressionBreakdown {
  double basal = 0.0;
  std::vector<double> motif;        // w_cm * s_m, per motif
  std::vector<double> interaction;  // v_c,ab * s_a * s_b, per interaction
  double noise = 0.0;
  double total = 0.0;
};

struct PromoterTask {
  Task task;
  int cell_type = -1;
  Split split = Split::MetaTrain;
  std::vector<PromoterSequence> support, query;  // row i of support_x is support[i]
};

class PromoterDistribution {
 public:
  explicit PromoterDistribution(PromoterConfig config = {});

  const PromoterConfig& config() const { return config_; }
  int num_features() const;
  std::vector<std::string> feature_names() const;  // "A", "CG", "TTA"; "G@17"; or motif names

  int num_cell_types() const { return static_cast<int>(cell_types_.size()); }
  const CellType& cell_type(int id) const;
  const std::vector<int>& cell_types(Split split) const;
  Split split_of(int cell_type) const;

  // A background sequence with motifs planted (rng drives everything).
  PromoterSequence sample_sequence(Rng& rng) const;
  // Every exact forward-strand occurrence of every motif (planted = false).
  std::vector<MotifSite> find_motifs(const std::string& sequence) const;
  // p(d) for an occurrence of `motif` starting at `position`.
  double position_effect(int motif, int position) const;
  // s_m for every motif, of a sequence or of its sites (find_motifs).
  std::vector<double> motif_scores(const std::string& sequence) const;
  std::vector<double> motif_scores(const std::vector<MotifSite>& sites) const;
  // The noise-free expression and its terms; with rng, noise is drawn and added.
  ExpressionBreakdown explain(const CellType& type, const std::string& sequence, Rng* noise = nullptr) const;
  // The same from the motif scores (a sampled sequence's sites are known).
  ExpressionBreakdown explain_scores(const CellType& type, const std::vector<double>& scores, Rng* noise = nullptr) const;
  double expression(const CellType& type, const std::string& sequence, Rng* noise = nullptr) const {
    return explain(type, sequence, noise).total;
  }
  // Input features of one sequence (length must be config().sequence_length,
  // letters ACGT; std::invalid_argument otherwise).
  Eigen::RowVectorXf featurize(const std::string& sequence) const;

  // A task for a uniformly chosen cell type of the split.
  PromoterTask sample_detailed(Split split, Rng& rng) const;
  Task sample(Split split, Rng& rng) const { return sample_detailed(split, rng).task; }
  PromoterTask task_for_cell_type(int cell_type, Rng& rng) const;

 private:
  PromoterConfig config_;
  std::vector<CellType> cell_types_;
  std::vector<int> splits_[3];
  std::vector<int> split_of_;
  std::vector<std::pair<int, int>> interaction_motifs_;  // resolved motif indices
};

}  // namespace metalab
