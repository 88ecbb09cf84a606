#include "core/tasks/sequence_features.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace metalab {

namespace {

[[noreturn]] void bad_letter(const std::string& residues, std::size_t i) {
  const unsigned char c = static_cast<unsigned char>(residues[i]);
  throw std::invalid_argument("sequence position " + std::to_string(i + 1) + ": " +
                              (c >= 32 && c < 127 ? "'" + std::string(1, static_cast<char>(c)) + "'"
                                                  : "byte " + std::to_string(c)) +
                              " is not an amino-acid letter");
}

// Adds the encoding of residues[i] to the 20 floats at out.
void encode(const std::string& residues, std::size_t i, float* out) {
  char c = residues[i];
  if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  const int k = amino_acid_index(c);
  if (k >= 0) {
    out[k] += 1.0f;
    return;
  }
  auto half = [&](char a, char b) {
    out[amino_acid_index(a)] += 0.5f;
    out[amino_acid_index(b)] += 0.5f;
  };
  switch (c) {
    case 'B': half('D', 'N'); return;
    case 'Z': half('E', 'Q'); return;
    case 'J': half('I', 'L'); return;
    case 'U': out[amino_acid_index('C')] += 1.0f; return;
    case 'O': out[amino_acid_index('K')] += 1.0f; return;
    case 'X':
      for (int j = 0; j < kNumAminoAcids; ++j) out[j] += 1.0f / kNumAminoAcids;
      return;
    default: bad_letter(residues, i);
  }
}

}  // namespace

int amino_acid_index(char c) {
  if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  for (int i = 0; i < kNumAminoAcids; ++i)
    if (kAminoAcids[i] == c) return i;
  return -1;
}

int centred_start(std::size_t n, int length) { return (static_cast<int>(n) - length) / 2; }

void one_hot_window(const std::string& residues, int start, int length, float* out) {
  std::fill(out, out + one_hot_width(length), 0.0f);
  const int n = static_cast<int>(residues.size());
  for (int i = 0; i < length; ++i) {
    const int p = start + i;
    if (p >= 0 && p < n) encode(residues, static_cast<std::size_t>(p), out + i * kNumAminoAcids);
  }
}

int kmer_width(int k_max) {
  if (k_max < 1 || k_max > 3) throw std::invalid_argument("k-mer length must be 1..3, got " + std::to_string(k_max));
  int total = 0;
  for (int k = 1, p = kNumAminoAcids; k <= k_max; ++k, p *= kNumAminoAcids) total += p;
  return total;
}

void kmer_frequencies(const std::string& residues, int k_max, float* out) {
  std::fill(out, out + kmer_width(k_max), 0.0f);
  std::vector<int> code(residues.size());
  for (std::size_t i = 0; i < residues.size(); ++i) {
    code[i] = amino_acid_index(residues[i]);
    if (code[i] < 0) {
      float scratch[kNumAminoAcids] = {0};
      encode(residues, i, scratch);  // throws for a letter that is no amino acid at all
    }
  }
  const int n = static_cast<int>(residues.size());
  int offset = 0;
  for (int k = 1, p = kNumAminoAcids; k <= k_max; ++k, p *= kNumAminoAcids) {
    int windows = 0;
    for (int i = 0; i + k <= n; ++i) {
      int c = 0;
      bool standard = true;
      for (int j = 0; j < k && standard; ++j) {
        standard = code[static_cast<std::size_t>(i + j)] >= 0;
        c = c * kNumAminoAcids + code[static_cast<std::size_t>(i + j)];
      }
      if (!standard) continue;
      out[offset + c] += 1.0f;
      ++windows;
    }
    if (windows > 0)
      for (int j = 0; j < p; ++j) out[offset + j] /= static_cast<float>(windows);
    offset += p;
  }
}

}  // namespace metalab
