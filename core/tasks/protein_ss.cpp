#include "core/tasks/protein_ss.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "core/tasks/sequence_features.h"

namespace metalab {

namespace {

int split_slot(Split s) { return s == Split::MetaTrain ? 0 : s == Split::MetaValidation ? 1 : 2; }

const char* split_word(Split s) {
  return s == Split::MetaTrain ? "meta-train" : s == Split::MetaValidation ? "meta-validation" : "meta-test";
}

int state_label(char s) { return s == 'H' ? 0 : s == 'E' ? 1 : 2; }

}  // namespace

void ProteinSsConfig::validate() const {
  if (shots < 1) throw std::invalid_argument("protein-ss: shots must be >= 1, got " + std::to_string(shots));
  if (queries < 0) throw std::invalid_argument("protein-ss: queries must be >= 0, got " + std::to_string(queries));
  if (window < 1 || window % 2 == 0)
    throw std::invalid_argument("protein-ss: window must be odd and >= 1 (centred on the residue), got " +
                                std::to_string(window));
}

ProteinSsSource::ProteinSsSource(std::vector<StructureChain> chains, ClassSplit split, ProteinSsConfig config,
                                 std::map<std::string, std::string> description)
    : chains_(std::move(chains)), split_(std::move(split)), config_(config), description_(std::move(description)) {
  config_.validate();
  by_state_.resize(chains_.size());
  for (std::size_t c = 0; c < chains_.size(); ++c) {
    const StructureChain& ch = chains_[c];
    if (ch.structure.size() != ch.residues.size())
      throw std::invalid_argument("protein-ss: chain '" + ch.name + "' has residues and states of different lengths");
    for (std::size_t i = 0; i < ch.structure.size(); ++i)
      by_state_[c][static_cast<std::size_t>(state_label(ch.structure[i]))].push_back(static_cast<int>(i));
  }
  const int need = config_.shots + (config_.queries > 0 ? config_.queries : 1);
  for (Split s : {Split::MetaTrain, Split::MetaValidation, Split::MetaTest}) {
    for (int c : split_.of(s)) {
      if (c < 0 || c >= static_cast<int>(chains_.size())) throw std::invalid_argument("protein-ss: no chain " + std::to_string(c));
      const auto& st = by_state_[static_cast<std::size_t>(c)];
      int fewest = static_cast<int>(std::min({st[0].size(), st[1].size(), st[2].size()}));
      if (fewest < need)
        warnings_.push_back("protein-ss: chain '" + chains_[static_cast<std::size_t>(c)].name + "' (" + split_word(s) +
                            ") has only " + std::to_string(fewest) + " residues of some state, fewer than K + Q = " +
                            std::to_string(need) + "; skipped");
      else
        usable_[split_slot(s)].push_back(c);
    }
  }
  for (Split s : {Split::MetaTrain, Split::MetaTest})
    if (usable_[split_slot(s)].empty())
      throw std::invalid_argument(std::string("protein-ss: no ") + split_word(s) +
                                  " chain has K + Q residues of every state: use fewer shots or queries");
}

int ProteinSsSource::input_dim() const { return one_hot_width(config_.window); }

const std::vector<int>& ProteinSsSource::usable_chains(Split split) const { return usable_[split_slot(split)]; }

void ProteinSsSource::features(int chain, int position, float* out) const {
  one_hot_window(chains_[static_cast<std::size_t>(chain)].residues, position - config_.window / 2, config_.window, out);
}

ChainTask ProteinSsSource::sample_chain(Split split, Rng& rng) const {
  const auto& pool = usable_[split_slot(split)];
  if (pool.empty()) throw std::invalid_argument(std::string("protein-ss: the ") + split_word(split) + " split has no chains");
  return task_for_chain(pool[static_cast<std::size_t>(rng.below(pool.size()))], rng);
}

ChainTask ProteinSsSource::task_for_chain(int chain, Rng& rng) const {
  if (chain < 0 || chain >= static_cast<int>(chains_.size()))
    throw std::invalid_argument("protein-ss: no chain " + std::to_string(chain));
  const StructureChain& ch = chains_[static_cast<std::size_t>(chain)];
  const auto& st = by_state_[static_cast<std::size_t>(chain)];
  const int k = config_.shots, q = config_.queries;
  ChainTask out;
  out.chain = chain;
  out.split = Split::MetaTrain;
  for (Split s : {Split::MetaValidation, Split::MetaTest})
    if (std::count(split_.of(s).begin(), split_.of(s).end(), chain)) out.split = s;
  std::vector<char> in_support(ch.residues.size(), 0);
  for (int label = 0; label < 3; ++label) {
    std::vector<int> pos = st[static_cast<std::size_t>(label)];
    if (static_cast<int>(pos.size()) < k + (q > 0 ? q : 1))
      throw std::invalid_argument("protein-ss: chain '" + ch.name + "' has too few residues of state " +
                                  std::string(1, kStructureStates[label]));
    // Partial Fisher-Yates: the first K (+ Q) positions are a uniform sample.
    const int take = q > 0 ? k + q : k;
    for (int i = 0; i < take; ++i)
      std::swap(pos[static_cast<std::size_t>(i)],
                pos[static_cast<std::size_t>(i) + static_cast<std::size_t>(rng.below(pos.size() - static_cast<std::size_t>(i)))]);
    for (int i = 0; i < k; ++i) {
      out.support_residues.push_back(pos[static_cast<std::size_t>(i)]);
      in_support[static_cast<std::size_t>(pos[static_cast<std::size_t>(i)])] = 1;
    }
    for (int i = k; i < (q > 0 ? k + q : 0); ++i) out.query_residues.push_back(pos[static_cast<std::size_t>(i)]);
  }
  if (q == 0)
    for (std::size_t i = 0; i < ch.residues.size(); ++i)
      if (!in_support[i]) out.query_residues.push_back(static_cast<int>(i));
  Task& t = out.task;
  t.num_classes = 3;
  t.classes = {0, 1, 2};
  auto fill = [&](const std::vector<int>& residues, Matrix& x, Matrix& y) {
    x.resize(static_cast<Eigen::Index>(residues.size()), input_dim());
    y.resize(static_cast<Eigen::Index>(residues.size()), 1);
    for (std::size_t i = 0; i < residues.size(); ++i) {
      features(chain, residues[i], x.row(static_cast<Eigen::Index>(i)).data());
      y(static_cast<Eigen::Index>(i), 0) = static_cast<float>(state_label(ch.structure[static_cast<std::size_t>(residues[i])]));
    }
  };
  fill(out.support_residues, t.support_x, t.support_y);
  fill(out.query_residues, t.query_x, t.query_y);
  std::ostringstream info;
  info << ch.name << " (" << split_word(out.split) << "): " << k << " residues per state, " << out.query_residues.size()
       << " queries";
  t.info = info.str();
  return out;
}

std::unique_ptr<ProteinSsSource> make_protein_ss_source(std::vector<StructureChain> chains,
                                                        const Options& options) {
  OptionReader r(options, "protein-ss task option");
  r.ignore("name");
  ProteinSsConfig c;
  c.shots = static_cast<int>(r.integer("shots", 5, 1, 10000));
  c.queries = static_cast<int>(r.integer("queries", 15, 0, 10000));
  c.window = static_cast<int>(r.integer("window", 15, 1, 1001));
  c.validate();
  const std::uint64_t seed = static_cast<std::uint64_t>(r.integer("split_seed", 0, 0, LLONG_MAX));
  const double fraction = r.real("train_fraction", 0.7, 0.0, 1.0);
  if (chains.size() < 2) throw std::invalid_argument("protein-ss: needs at least two chains (one to train, one to test)");
  Fingerprint fp;
  for (const StructureChain& ch : chains) {
    fp.add(ch.name);
    fp.add(ch.group);
    fp.add(ch.residues);
    fp.add(ch.structure);
  }
  r.check("chains", std::to_string(chains.size()));
  r.check("data_hash", fp.hex());
  r.finish();
  // Groups in order of first appearance; a chain without one is its own group.
  std::vector<std::string> groups;
  std::vector<int> group_of(chains.size());
  for (std::size_t i = 0; i < chains.size(); ++i) {
    const std::string g = chains[i].group.empty() ? "chain:" + chains[i].name : chains[i].group;
    auto it = std::find(groups.begin(), groups.end(), g);
    group_of[i] = static_cast<int>(it - groups.begin());
    if (it == groups.end()) groups.push_back(g);
  }
  if (groups.size() < 2) throw std::invalid_argument("protein-ss: all chains are in one group: nothing to hold out");
  if (!(fraction > 0 && fraction < 1))
    throw std::invalid_argument("protein-ss task option 'train_fraction': must be strictly between 0 and 1");
  const ClassSplit gs = split_classes(static_cast<int>(groups.size()), fraction, 0.0, seed);
  ClassSplit split;
  for (std::size_t i = 0; i < chains.size(); ++i) {
    const int g = group_of[i];
    (std::count(gs.train.begin(), gs.train.end(), g) ? split.train : split.test).push_back(static_cast<int>(i));
  }
  if (split.test.empty()) throw std::invalid_argument("protein-ss: train_fraction leaves no chain for meta-test");
  return std::make_unique<ProteinSsSource>(std::move(chains), std::move(split), c, described_options("protein-ss", r.used()));
}

}  // namespace metalab
