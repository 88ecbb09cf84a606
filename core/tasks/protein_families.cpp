#include "core/tasks/protein_families.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <set>
#include <stdexcept>

#include "core/tasks/sequence_features.h"

namespace metalab {

namespace {

std::string family_of(const Sequence& s, const std::string& source) {
  const std::string& d = s.description;
  const auto e = d.find_first_of(" \t");
  const std::string f = d.substr(0, e);
  if (f.empty())
    throw DataError(source + ": line " + std::to_string(s.line) + ": sequence '" + s.name +
                    "' has no family (expected '>NAME FAMILY' headers)");
  return f;
}

}  // namespace

FamilyTable protein_families(const SequenceSet& sequences) {
  std::map<std::string, int> count;
  for (const Sequence& s : sequences.sequences) ++count[family_of(s, sequences.source)];
  FamilyTable t;
  for (const auto& [name, n] : count) {
    t.names.push_back(name);
    t.members.push_back(n);
  }
  return t;
}

std::unique_ptr<DescribedClassificationSource> make_protein_family_source(const SequenceSet& sequences,
                                                                          const Options& options) {
  OptionReader r(options, "protein-families task option");
  r.ignore("name");
  const EpisodeConfig episodes = read_episode_options(r, 5);
  const std::string features = r.choice("features", "onehot", {"onehot", "kmer", "length"});
  const bool onehot = features == "onehot", kmer = features == "kmer";
  for (const char* key : {"length", "crop", "kmer_max"})
    if ((std::string(key) == "kmer_max" ? !kmer : !onehot) && r.has(key))
      throw std::invalid_argument(std::string("protein-families task option '") + key + "' does not apply to features=" +
                                  features);
  const int length = onehot ? static_cast<int>(r.integer("length", 128, 1, 100000)) : 0;
  const bool random_crop = onehot && r.choice("crop", "centre", {"centre", "random"}) == "random";
  const int kmer_max = kmer ? static_cast<int>(r.integer("kmer_max", 2, 1, 3)) : 0;
  const std::uint64_t seed = static_cast<std::uint64_t>(r.integer("split_seed", 0, 0, LLONG_MAX));
  std::vector<std::string> test_list = r.list("test_families"), train_list = r.list("train_families");

  const FamilyTable fam = protein_families(sequences);
  Fingerprint fp;
  for (const Sequence& s : sequences.sequences) {
    fp.add(s.description);
    fp.add(s.residues);
  }
  r.check("sequences", std::to_string(sequences.size()));
  r.check("families", std::to_string(fam.names.size()));
  r.check("data_hash", fp.hex());
  r.finish();
  if (fam.names.size() < 2) throw DataError(sequences.source + ": needs sequences of at least two families");

  LabeledDataset d;
  d.source = sequences.source;
  d.class_names = fam.names;
  const int width = onehot ? one_hot_width(length) : kmer ? kmer_width(kmer_max) : 1;
  d.x.resize(sequences.size(), width);
  Rng crop_rng(seed ^ 0x63726f70ULL);  // "crop": the windows depend on split_seed only
  for (int i = 0; i < sequences.size(); ++i) {
    const Sequence& s = sequences.sequences[static_cast<std::size_t>(i)];
    const int n = static_cast<int>(s.residues.size());
    const int start = random_crop && n > length ? static_cast<int>(crop_rng.below(static_cast<std::uint64_t>(n - length + 1)))
                                                : centred_start(s.residues.size(), length);
    try {
      if (onehot)
        one_hot_window(s.residues, start, length, d.x.row(i).data());
      else if (kmer)
        kmer_frequencies(s.residues, kmer_max, d.x.row(i).data());
      else
        d.x(i, 0) = static_cast<float>(std::log(static_cast<double>(std::max(n, 1))));
    } catch (const std::invalid_argument& e) {
      throw DataError(sequences.source + ": line " + std::to_string(s.line) + ": sequence '" + s.name + "', " + e.what());
    }
    const auto it = std::lower_bound(fam.names.begin(), fam.names.end(), family_of(s, sequences.source));
    d.y.push_back(static_cast<int>(it - fam.names.begin()));
  }

  ClassSplitConfig split_cfg;
  if (!test_list.empty() || !train_list.empty()) {
    if (test_list.empty() || train_list.empty())
      throw std::invalid_argument("protein-families: give both train_families and test_families, or neither");
    std::set<std::string> named(test_list.begin(), test_list.end());
    named.insert(train_list.begin(), train_list.end());
    for (const std::string& f : fam.names)
      if (!named.count(f))
        throw std::invalid_argument("protein-families: family '" + f + "' is in neither train_families nor test_families");
    split_cfg.train_classes = train_list;
    split_cfg.test_classes = test_list;
  } else {
    // Stratified by size: pairs of neighbours in size order, one of each to meta-test.
    std::vector<int> order(fam.names.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
      return fam.members[static_cast<std::size_t>(a)] > fam.members[static_cast<std::size_t>(b)];
    });
    Rng rng(seed);
    for (std::size_t i = 0; i < order.size(); i += 2) {
      const std::string& a = fam.names[static_cast<std::size_t>(order[i])];
      if (i + 1 == order.size()) {
        split_cfg.train_classes.push_back(a);
        break;
      }
      const std::string& b = fam.names[static_cast<std::size_t>(order[i + 1])];
      const bool flip = rng.below(2) == 1;
      split_cfg.train_classes.push_back(flip ? b : a);
      split_cfg.test_classes.push_back(flip ? a : b);
    }
    std::sort(split_cfg.train_classes.begin(), split_cfg.train_classes.end());
    std::sort(split_cfg.test_classes.begin(), split_cfg.test_classes.end());
  }
  r.record("train_families", join(split_cfg.train_classes));
  r.record("test_families", join(split_cfg.test_classes));
  d.validate();
  ClassSplit split = make_class_split(d, split_cfg);
  return std::make_unique<DescribedClassificationSource>("protein-families", std::make_shared<DatasetBank>(std::move(d)),
                                                         std::move(split), episodes, described_options("protein-families", r.used()));
}

}  // namespace metalab
