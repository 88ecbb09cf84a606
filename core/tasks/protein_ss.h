// Protein secondary structure as few-shot tasks: each protein chain is a task.
// The support set holds K labelled residues of each state (helix, strand,
// coil); the query set asks for the state of other residues of the same
// chain. A residue is seen through a window of residues centred on it
// (one-hot, core/tasks/sequence_features.h), so a learner predicts structure
// from local sequence, adapted to the chain from K examples per state.
//
//   auto chains = structure_chains_from_table(parse_csv_string(text, "transducin_ss.csv"));
//   auto src = make_protein_ss_source(chains, {{"shots", "5"}, {"window", "15"}});
//   Task t = src->sample(Split::MetaTest, rng);   // a held-out chain
//
// Labels are the states themselves, the same in every task (0 = H, 1 = E,
// 2 = C; Task::classes = {0, 1, 2}): what changes between tasks is the chain.
// Options (defaults in brackets):
//   shots [5]     labelled residues per state in the support set
//   queries [15]  query residues per state; 0 = every other residue of the
//                 chain (the natural "predict the rest", classes unbalanced:
//                 in transducin 57% helix, 13% strand, 30% coil)
//   window [15]   residues per window (odd), centred on the residue; positions
//                 beyond the chain's ends are zero rows
//   split_seed [0], train_fraction [0.7]: groups (PDB entries: chains of one
//                 entry are copies of one protein) are shuffled by the seed and
//                 the first round(fraction x groups) go to meta-train, the rest
//                 to meta-test; a chain without a group is its own group
//   chains, data_hash: written by description(); checked when given.
// A chain with fewer than K + Q residues of some state (K + 1 with queries 0)
// cannot give a task: it is skipped with a note in warnings(). The
// meta-validation split is empty.
#pragma once

#include <array>
#include <memory>

#include "core/io/sequences.h"
#include "core/tasks/bio_common.h"

namespace metalab {

struct ProteinSsConfig {
  int shots = 5, queries = 15, window = 15;
  void validate() const;  // std::invalid_argument naming the field
};

// One task with what a view needs to show it.
struct ChainTask {
  Task task;
  Split split = Split::MetaTrain;
  int chain = 0;                      // index into chains()
  std::vector<int> support_residues;  // 0-based residue positions, per support row
  std::vector<int> query_residues;
};

class ProteinSsSource : public TaskSource {
 public:
  ProteinSsSource(std::vector<StructureChain> chains, ClassSplit split, ProteinSsConfig config,
                  std::map<std::string, std::string> description);
  std::string name() const override { return "protein-ss"; }
  Task sample(Split split, Rng& rng) const override { return sample_chain(split, rng).task; }
  int input_dim() const override;
  int output_dim() const override { return 3; }
  bool classification() const override { return true; }
  std::map<std::string, std::string> description() const override { return description_; }

  ChainTask sample_chain(Split split, Rng& rng) const;
  // A task on a given chain (fresh residues from rng); std::invalid_argument
  // if the chain cannot give one.
  ChainTask task_for_chain(int chain, Rng& rng) const;
  // The window features of residue `position` of a chain (input_dim() floats).
  void features(int chain, int position, float* out) const;

  const std::vector<StructureChain>& chains() const { return chains_; }
  const ClassSplit& chain_split() const { return split_; }
  const std::vector<int>& usable_chains(Split split) const;
  const ProteinSsConfig& config() const { return config_; }
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  std::vector<StructureChain> chains_;
  ClassSplit split_;
  ProteinSsConfig config_;
  std::map<std::string, std::string> description_;
  std::vector<std::array<std::vector<int>, 3>> by_state_;  // per chain: residue positions of H, E, C
  std::vector<int> usable_[3];
  std::vector<std::string> warnings_;
};

// std::invalid_argument for bad options or a split without usable chains.
std::unique_ptr<ProteinSsSource> make_protein_ss_source(std::vector<StructureChain> chains,
                                                        const Options& options);

}  // namespace metalab
