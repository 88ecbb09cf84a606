#include "core/tasks/promoter.h"

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <set>
#include <stdexcept>
#include <string>

namespace metalab {
namespace {

void expect_invalid(const std::function<void()>& f, const char* fragment) {
  try {
    f();
    ADD_FAILURE() << "expected std::invalid_argument mentioning '" << fragment << "'";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(Promoter, SameSeedSameWorldAndTasks) {
  const PromoterDistribution a, b;
  for (int c = 0; c < a.num_cell_types(); ++c) {
    EXPECT_EQ(a.cell_type(c).motif_weights, b.cell_type(c).motif_weights);
    EXPECT_EQ(a.cell_type(c).basal, b.cell_type(c).basal);
  }
  EXPECT_EQ(a.cell_types(Split::MetaTest), b.cell_types(Split::MetaTest));
  Rng r1(4), r2(4);
  for (int i = 0; i < 3; ++i) {
    const PromoterTask ta = a.sample_detailed(Split::MetaTrain, r1);
    const PromoterTask tb = b.sample_detailed(Split::MetaTrain, r2);
    EXPECT_EQ(ta.cell_type, tb.cell_type);
    EXPECT_EQ(ta.support[0].sequence, tb.support[0].sequence);
    EXPECT_TRUE(ta.task.support_x == tb.task.support_x);
    EXPECT_TRUE(ta.task.query_y == tb.task.query_y);
  }
  PromoterConfig other;
  other.seed = 1;
  const PromoterDistribution c(other);
  EXPECT_NE(a.cell_type(0).motif_weights, c.cell_type(0).motif_weights);
  EXPECT_NE(a.cell_types(Split::MetaTest), c.cell_types(Split::MetaTest));
}

TEST(Promoter, SplitsDisjointAndComplete) {
  const PromoterDistribution dist;
  std::set<int> seen;
  for (Split s : {Split::MetaTrain, Split::MetaValidation, Split::MetaTest})
    for (int c : dist.cell_types(s)) {
      EXPECT_TRUE(seen.insert(c).second);
      EXPECT_EQ(dist.split_of(c), s);
    }
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_EQ(dist.cell_types(Split::MetaTrain).size(), 70u);
  EXPECT_EQ(dist.cell_types(Split::MetaValidation).size(), 15u);
  EXPECT_EQ(dist.cell_types(Split::MetaTest).size(), 15u);
  Rng rng(2);
  for (int i = 0; i < 50; ++i) {
    const PromoterTask t = dist.sample_detailed(Split::MetaTest, rng);
    EXPECT_EQ(dist.split_of(t.cell_type), Split::MetaTest);
    EXPECT_EQ(t.split, Split::MetaTest);
  }
}

TEST(Promoter, MotifsArePresentWhereReported) {
  const PromoterDistribution dist;
  const auto& motifs = dist.config().motifs;
  Rng rng(8);
  int planted = 0, chance = 0;
  std::vector<int> planted_per_motif(motifs.size(), 0);
  const int n = 2000;
  for (int i = 0; i < n; ++i) {
    const PromoterSequence p = dist.sample_sequence(rng);
    ASSERT_EQ(p.sequence.size(), 100u);
    for (char c : p.sequence) ASSERT_NE(std::string("ACGT").find(c), std::string::npos);
    for (const MotifSite& s : p.sites) {
      const std::string& cons = motifs[s.motif].consensus;
      ASSERT_EQ(p.sequence.substr(s.position, cons.size()), cons);
      if (s.planted) {
        ++planted;
        ++planted_per_motif[s.motif];
      } else {
        ++chance;
      }
    }
    // Reported sites are exactly what a scan finds.
    const std::vector<MotifSite> scan = dist.find_motifs(p.sequence);
    ASSERT_EQ(scan.size(), p.sites.size());
    for (std::size_t j = 0; j < scan.size(); ++j) {
      EXPECT_EQ(scan[j].motif, p.sites[j].motif);
      EXPECT_EQ(scan[j].position, p.sites[j].position);
    }
  }
  // Each motif planted with probability ~0.4 (rarely skipped for lack of room).
  for (std::size_t m = 0; m < motifs.size(); ++m) {
    EXPECT_GT(planted_per_motif[m], 0.35 * n) << motifs[m].name;
    EXPECT_LT(planted_per_motif[m], 0.45 * n) << motifs[m].name;
  }
  EXPECT_GT(chance, 0);  // CCAAT (5 bp) turns up by chance in ~9 % of sequences
  EXPECT_GT(planted, 10 * chance);
}

TEST(Promoter, PlantedMotifsNeverOverlap) {
  PromoterConfig cfg;
  cfg.plant_probability = 1.0;
  cfg.sequence_length = 30;  // crowded: not every motif fits
  const PromoterDistribution dist(cfg);
  Rng rng(1);
  for (int i = 0; i < 200; ++i) {
    const PromoterSequence p = dist.sample_sequence(rng);
    std::vector<std::pair<int, int>> iv;
    for (const auto& s : p.sites)
      if (s.planted) iv.emplace_back(s.position, s.position + static_cast<int>(cfg.motifs[s.motif].consensus.size()));
    for (std::size_t a = 0; a < iv.size(); ++a)
      for (std::size_t b = a + 1; b < iv.size(); ++b)
        EXPECT_FALSE(iv[a].first < iv[b].second && iv[b].first < iv[a].second);
  }
}

TEST(Promoter, KmerFeaturesSumCorrectly) {
  const PromoterDistribution dist;
  ASSERT_EQ(dist.num_features(), 84);
  const auto names = dist.feature_names();
  ASSERT_EQ(names.size(), 84u);
  EXPECT_EQ(names[0], "A");
  EXPECT_EQ(names[3], "T");
  EXPECT_EQ(names[4], "AA");
  EXPECT_EQ(names[4 + 6], "CG");
  EXPECT_EQ(names[20], "AAA");
  EXPECT_EQ(names[83], "TTT");
  Rng rng(5);
  for (int i = 0; i < 20; ++i) {
    const std::string seq = dist.sample_sequence(rng).sequence;
    const Eigen::RowVectorXf f = dist.featurize(seq);
    EXPECT_NEAR(f.segment(0, 4).sum(), 1.0f, 1e-5);
    EXPECT_NEAR(f.segment(4, 16).sum(), 1.0f, 1e-5);
    EXPECT_NEAR(f.segment(20, 64).sum(), 1.0f, 1e-5);
    // Every feature is a count over the windows, checked against a naive count.
    for (int j : {0, 2, 10, 20, 47, 83}) {
      const std::string& kmer = names[j];
      int count = 0;
      for (std::size_t p = 0; p + kmer.size() <= seq.size(); ++p) count += seq.compare(p, kmer.size(), kmer) == 0;
      EXPECT_NEAR(f(j), static_cast<float>(count) / (100 - kmer.size() + 1), 1e-6) << kmer;
    }
  }
  // A known sequence.
  PromoterConfig small;
  small.sequence_length = 10;
  small.kmer_max = 2;
  small.motifs = {{"TATA box", "TATAAA", 1.0}};
  small.interactions = {};
  const PromoterDistribution d2(small);
  const Eigen::RowVectorXf f = d2.featurize("AAAAAAAAAC");
  EXPECT_FLOAT_EQ(f(0), 0.9f);         // A
  EXPECT_FLOAT_EQ(f(1), 0.1f);         // C
  EXPECT_FLOAT_EQ(f(4 + 0), 8.0f / 9);  // AA
  EXPECT_FLOAT_EQ(f(4 + 1), 1.0f / 9);  // AC
}

TEST(Promoter, OneHotFeatures) {
  PromoterConfig cfg;
  cfg.features = PromoterFeatures::OneHot;
  const PromoterDistribution dist(cfg);
  ASSERT_EQ(dist.num_features(), 400);
  EXPECT_EQ(dist.feature_names()[100 + 17], "C@17");
  Rng rng(6);
  const std::string seq = dist.sample_sequence(rng).sequence;
  const Eigen::RowVectorXf f = dist.featurize(seq);
  EXPECT_FLOAT_EQ(f.sum(), 100.0f);
  for (int i = 0; i < 100; ++i) {
    const int b = static_cast<int>(std::string("ACGT").find(seq[i]));
    EXPECT_EQ(f(b * 100 + i), 1.0f);
  }
  const PromoterTask t = dist.sample_detailed(Split::MetaTrain, rng);
  EXPECT_EQ(t.task.support_x.cols(), 400);
}

TEST(Promoter, MotifScoreFeatures) {
  PromoterConfig cfg;
  cfg.features = PromoterFeatures::MotifScores;
  const PromoterDistribution dist(cfg);
  ASSERT_EQ(dist.num_features(), 8);
  EXPECT_EQ(dist.feature_names()[0], "TATA box");
  Rng rng(13);
  const std::string seq = dist.sample_sequence(rng).sequence;
  const Eigen::RowVectorXf f = dist.featurize(seq);
  const std::vector<double> s = dist.motif_scores(seq);
  for (int m = 0; m < 8; ++m) EXPECT_FLOAT_EQ(f(m), static_cast<float>(s[m]));
}

// With the true motif scores as features, ordinary least squares on a
// moderate support set explains most of a held-out cell type's variation:
// the tasks are learnable, the difficulty lies in the representation.
TEST(Promoter, LearnableFromTheRightRepresentation) {
  PromoterConfig cfg;
  cfg.features = PromoterFeatures::MotifScores;
  cfg.support_size = 40;
  cfg.query_size = 200;
  const PromoterDistribution dist(cfg);
  Rng rng(17);
  double sse = 0, sst = 0;
  for (int t = 0; t < 10; ++t) {
    const Task task = dist.sample(Split::MetaTest, rng);
    Eigen::MatrixXd X(task.support_x.rows(), task.support_x.cols() + 1);
    X << task.support_x.cast<double>(), Eigen::VectorXd::Ones(task.support_x.rows());
    const Eigen::VectorXd w = (X.transpose() * X + 1e-3 * Eigen::MatrixXd::Identity(X.cols(), X.cols()))
                                  .ldlt()
                                  .solve(X.transpose() * task.support_y.col(0).cast<double>());
    Eigen::MatrixXd Q(task.query_x.rows(), task.query_x.cols() + 1);
    Q << task.query_x.cast<double>(), Eigen::VectorXd::Ones(task.query_x.rows());
    const Eigen::VectorXd yq = task.query_y.col(0).cast<double>();
    sse += (Q * w - yq).squaredNorm();
    sst += (yq.array() - yq.mean()).square().sum();
  }
  EXPECT_GT(1.0 - sse / sst, 0.8);
}

TEST(Promoter, FeaturizeRejectsBadSequences) {
  const PromoterDistribution dist;
  expect_invalid([&] { dist.featurize("ACGT"); }, "expected sequence_length 100");
  std::string seq(100, 'A');
  seq[7] = 'N';
  expect_invalid([&] { dist.featurize(seq); }, "'N' at position 7");
}

TEST(Promoter, ExpressionFollowsTheModel) {
  PromoterConfig cfg;
  cfg.motifs = {{"TATA box", "TATAAA", 1.0}, {"GC box", "GGGCGG", 0.5}};
  cfg.interactions = {{"TATA box", "GC box", 0.3}};
  const PromoterDistribution dist(cfg);
  // TATA box ending at the TSS (d = 0), GC box ending 40 bp before it.
  std::string seq(100, 'C');
  seq.replace(94, 6, "TATAAA");
  seq.replace(54, 6, "GGGCGG");
  EXPECT_DOUBLE_EQ(dist.position_effect(0, 94), 1.0);
  EXPECT_NEAR(dist.position_effect(1, 54), std::exp(-1.0), 1e-12);
  const CellType& type = dist.cell_type(0);
  const double s_gc = std::exp(-1.0);
  const ExpressionBreakdown e = dist.explain(type, seq);
  const double expected = type.basal + type.motif_weights[0] * 1.0 + type.motif_weights[1] * s_gc +
                          type.interaction_weights[0] * 1.0 * s_gc;
  EXPECT_NEAR(e.total, expected, 1e-9);
  EXPECT_NEAR(e.motif[1], type.motif_weights[1] * s_gc, 1e-12);
  EXPECT_EQ(e.noise, 0.0);
  // Two copies count twice.
  std::string two = seq;
  two.replace(0, 6, "TATAAA");
  EXPECT_NEAR(dist.motif_scores(two)[0], 1.0 + std::exp(-94.0 / 40.0), 1e-12);
  // With an rng, noise of the configured size is added.
  Rng rng(3);
  double ss = 0;
  for (int i = 0; i < 4000; ++i) {
    const double d = dist.expression(type, seq, &rng) - expected;
    ss += d * d;
  }
  EXPECT_NEAR(std::sqrt(ss / 4000), 0.1, 0.01);
}

TEST(Promoter, CellTypesDifferOnTheSameSequence) {
  const PromoterDistribution dist;
  Rng rng(12);
  PromoterSequence p;
  do p = dist.sample_sequence(rng);
  while (p.sites.size() < 3);
  std::set<double> values;
  for (int c = 0; c < 10; ++c) values.insert(dist.expression(dist.cell_type(c), p.sequence));
  EXPECT_EQ(values.size(), 10u);
  // Cell-type weights scatter around the shared prior with sd weight_sd.
  double ss = 0;
  int n = 0;
  for (int c = 0; c < dist.num_cell_types(); ++c)
    for (std::size_t m = 0; m < dist.config().motifs.size(); ++m) {
      const double d = dist.cell_type(c).motif_weights[m] - dist.config().motifs[m].weight;
      ss += d * d;
      ++n;
    }
  EXPECT_NEAR(std::sqrt(ss / n), 0.5, 0.06);
}

TEST(Promoter, TaskRowsMatchTheirSequences) {
  const PromoterDistribution dist;
  Rng rng(21);
  const PromoterTask t = dist.sample_detailed(Split::MetaValidation, rng);
  ASSERT_EQ(t.task.support_x.rows(), 10);
  ASSERT_EQ(t.task.query_x.rows(), 10);
  ASSERT_EQ(t.support.size(), 10u);
  ASSERT_EQ(t.task.support_y.cols(), 1);
  EXPECT_EQ(t.task.num_classes, 0);
  EXPECT_NE(t.task.info.find("meta-validation"), std::string::npos);
  const CellType& type = dist.cell_type(t.cell_type);
  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(t.task.support_x.row(i) == dist.featurize(t.support[i].sequence));
    // Targets are the model's expression plus noise of sd 0.1.
    EXPECT_NEAR(t.task.support_y(i, 0), dist.expression(type, t.support[i].sequence), 0.6);
  }
}

TEST(Promoter, GcBiasShiftsComposition) {
  PromoterConfig cfg;
  cfg.gc_content = 0.7;
  cfg.plant_probability = 0.0;
  const PromoterDistribution dist(cfg);
  Rng rng(9);
  int gc = 0, total = 0;
  for (int i = 0; i < 200; ++i)
    for (char c : dist.sample_sequence(rng).sequence) {
      gc += c == 'G' || c == 'C';
      ++total;
    }
  EXPECT_NEAR(static_cast<double>(gc) / total, 0.7, 0.01);
}

// A pin on the exact numbers: the same seed must give these bits natively and
// in the browser (checked against an Emscripten build under node). If the
// generative model is changed on purpose, update the constant.
TEST(Promoter, GoldenTaskBits) {
  const PromoterDistribution dist;
  Rng rng(42);
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a over the float bits
  auto mix = [&](const Matrix& m) {
    for (Eigen::Index i = 0; i < m.size(); ++i) {
      std::uint32_t u;
      const float f = m.data()[i];
      std::memcpy(&u, &f, 4);
      h = (h ^ u) * 1099511628211ULL;
    }
  };
  for (int t = 0; t < 50; ++t) {
    const Task task = dist.sample(Split::MetaTrain, rng);
    mix(task.support_x);
    mix(task.support_y);
    mix(task.query_y);
  }
  EXPECT_EQ(h, 0xb2a50daab32aa0e0ULL);
}

TEST(Promoter, RejectsInvalidConfigs) {
  auto with = [](const std::function<void(PromoterConfig&)>& edit) {
    PromoterConfig c;
    edit(c);
    return c;
  };
  expect_invalid([&] { PromoterDistribution(with([](PromoterConfig& c) { c.sequence_length = 5; })); },
                 "sequence_length");
  expect_invalid([&] { PromoterDistribution(with([](PromoterConfig& c) { c.gc_content = 1.0; })); }, "gc_content");
  expect_invalid([&] { PromoterDistribution(with([](PromoterConfig& c) { c.plant_probability = -0.1; })); },
                 "plant_probability");
  expect_invalid([&] { PromoterDistribution(with([](PromoterConfig& c) { c.position_decay = 0; })); },
                 "position_decay");
  expect_invalid([&] { PromoterDistribution(with([](PromoterConfig& c) { c.noise_sd = -1; })); }, "noise_sd");
  expect_invalid([&] { PromoterDistribution(with([](PromoterConfig& c) { c.weight_sd = std::nan(""); })); },
                 "weight_sd");
  expect_invalid([&] { PromoterDistribution(with([](PromoterConfig& c) { c.num_cell_types = 2; })); },
                 "num_cell_types");
  expect_invalid([&] { PromoterDistribution(with([](PromoterConfig& c) { c.num_cell_types = 4; })); },
                 "split is empty");
  expect_invalid([&] { PromoterDistribution(with([](PromoterConfig& c) { c.kmer_max = 7; })); }, "kmer_max");
  expect_invalid([&] { PromoterDistribution(with([](PromoterConfig& c) { c.support_size = 0; })); },
                 "support size K");
  expect_invalid([&] { PromoterDistribution(with([](PromoterConfig& c) { c.query_size = 0; })); }, "query size");
  expect_invalid([&] { PromoterDistribution(with([](PromoterConfig& c) { c.train_fraction = 0.9; })); },
                 "train_fraction + validation_fraction");
  expect_invalid([&] { PromoterDistribution(with([](PromoterConfig& c) { c.motifs.clear(); })); }, "motifs");
  expect_invalid([&] { PromoterDistribution(with([](PromoterConfig& c) { c.motifs[0].consensus = "TATAWA"; })); },
                 "only A, C, G, T");
  expect_invalid([&] { PromoterDistribution(with([](PromoterConfig& c) { c.motifs[1].name = "TATA box"; })); },
                 "used twice");
  expect_invalid(
      [&] { PromoterDistribution(with([](PromoterConfig& c) { c.interactions.push_back({"TATA box", "SRF", 1}); })); },
      "names a motif that is not in motifs");
  expect_invalid([&] { PromoterDistribution().cell_type(100); }, "out of range");
}

}  // namespace
}  // namespace metalab
