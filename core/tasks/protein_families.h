// Protein family classification: N-way K-shot episodes whose classes are
// protein families (Pfam seeds and Swiss-Prot entries in
// assets/data/protein_families.fasta, or a user's FASTA), with the families
// split between meta-train and meta-test, so a test episode asks the learner
// to tell apart families it has never seen.
//
//   SequenceSet seqs = parse_fasta(text, "protein_families.fasta");
//   auto src = make_protein_family_source(seqs, {{"ways", "5"}, {"shots", "1"}});
//   Task t = src->sample(Split::MetaTest, rng);
//   // src->description() = task.* for every option (defaults too), the split and data checks
//
// A sequence's family is the first word of its FASTA description
// (">NAME FAMILY ..."); a sequence without one is a DataError.
// Options (defaults in brackets):
//   ways [5], shots [1], queries [5], test_ways, test_shots, test_queries [0 = as training]
//   features     onehot | kmer | length [onehot]. onehot: `length` positions x 20
//                amino acids, each sequence centred in the window (cropped
//                at both ends if longer, zero rows at both ends if shorter;
//                core/tasks/sequence_features.h): the input of the conv1d
//                backbone (or an MLP). kmer: frequencies of 1..kmer_max-mers.
//                length: one feature, the log of the sequence's length: a
//                diagnostic of how far length alone goes (see crop).
//   length       [128] positions of a one-hot window
//   crop         centre | random [centre] (onehot): where a sequence longer
//                than the window is cut. centre: its middle. random: a window
//                at a position drawn once per sequence (from split_seed) among
//                those inside it. Why it matters: Pfam domains of one family
//                have similar lengths, and a centred window shows a shorter
//                sequence's length as zero rows. On the shipped data 1-NN on
//                log length alone scores 0.83 (5-way 1-shot) and 0.87 (5-shot)
//                on meta-test episodes. With crop=random and a window no longer
//                than the shortest sequence (63 residues) no episode shows
//                length; what is left is hard (ProtoNet + Conv1d near chance
//                after 600 episodes, 1-NN on raw windows 0.27).
//   kmer_max     [2] (20 + 400 features)
//   split_seed   [0]; test_families, train_families: explicit comma-separated
//                lists (then every family must be in one of them). Without
//                them the split is stratified by size: families sorted by
//                member count (then name) are taken in pairs and a coin
//                (split_seed) sends one of each pair to meta-test (an odd one
//                out goes to meta-train), so both splits hold large and small
//                families and 5-way test episodes exist for every K the data
//                allows. description() records the lists it used.
//   sequences, families, data_hash: written by description(); when given,
//                checked against the data (the checkpoint's data is this data).
// Families with fewer than K + Q members are skipped (warnings()); the
// meta-validation split is empty (17 families are too few to spare).
#pragma once

#include <memory>

#include "core/io/sequences.h"
#include "core/tasks/bio_common.h"

namespace metalab {

// The families of a FASTA set, in the order of the class ids of the source
// built from it (sorted by name, byte order), with their member counts.
struct FamilyTable {
  std::vector<std::string> names;
  std::vector<int> members;
};
FamilyTable protein_families(const SequenceSet& sequences);

// std::invalid_argument (naming the option) for bad options; DataError for
// sequences without a family or with letters that are no amino acid.
std::unique_ptr<DescribedClassificationSource> make_protein_family_source(const SequenceSet& sequences,
                                                                          const Options& options);

}  // namespace metalab
