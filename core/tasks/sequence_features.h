// Fixed-width features for protein sequences of any length: one-hot windows
// (the input of the Conv1d backbone, core/nn/sequence_conv.h, or of an MLP)
// and k-mer frequencies (what a linear model or nearest neighbour can use;
// blind to order beyond k residues).
//
//   std::vector<float> f(one_hot_width(128));
//   one_hot_window(seq.residues, centred_start(seq.residues.size(), 128), 128, f.data());
//   std::vector<float> k(kmer_width(2));
//   kmer_frequencies(seq.residues, 2, k.data());     // 20 + 400 features
//
// Alphabet: the 20 standard amino acids in the order of kAminoAcids (channel
// c is kAminoAcids[c]). Letters that stand for several residues share their
// weight: B = D or N, Z = E or Q, J = I or L (1/2 each), X = any (1/20 each);
// U (selenocysteine) is encoded as C and O (pyrrolysine) as K, their closest
// standard residues. Every letter A-Z therefore has an encoding; anything
// else is a std::invalid_argument naming the position.
//
// Variable length, honestly: a one-hot window has a fixed number of
// positions L; positions outside the sequence are all-zero rows ("no
// residue"). centred_start() centres a sequence in its window, so a longer
// one loses (n - L) / 2 residues at each end and a shorter one is padded on
// both sides. k-mer frequencies divide each k's counts by the number of
// windows of k standard residues, so every block sums to 1 whatever the length.
#pragma once

#include <string>

namespace metalab {

constexpr char kAminoAcids[] = "ACDEFGHIKLMNPQRSTVWY";
constexpr int kNumAminoAcids = 20;

// Channel of a standard amino acid (upper or lower case), or -1.
int amino_acid_index(char c);

// Floats of a one-hot window of `length` positions (position-major).
inline int one_hot_width(int length) { return length * kNumAminoAcids; }
// Where a window of `length` positions starts so that a sequence of n
// residues sits in its middle: (n - length) / 2, rounded toward zero
// (negative when the sequence is shorter).
int centred_start(std::size_t n, int length);
// Writes positions start .. start + length - 1 of `residues` to out
// (one_hot_width(length) floats): out[i * 20 + c] is the weight of amino acid
// c at position start + i.
void one_hot_window(const std::string& residues, int start, int length, float* out);

// Floats of k-mer frequencies for k = 1..k_max (20 + 400 + ...; k_max in 1..3).
int kmer_width(int k_max);
// k-mers in lexicographic order of kAminoAcids, the k = 1 block first; only
// windows of k standard residues (ambiguous letters skipped) are counted.
// A sequence shorter than k leaves its block at zero.
void kmer_frequencies(const std::string& residues, int k_max, float* out);

}  // namespace metalab
