// Biological sequences from text already in memory: FASTA files, Stockholm
// alignments (Pfam's format) and tables of per-residue secondary structure.
// The core never opens files: natively the caller reads (and, for .gz,
// decompresses: native/data/gz.h) the bytes; the page hands over an upload.
//
//   SequenceSet s = parse_fasta(text, "families.fasta");
//   for (const Sequence& q : s.sequences) use(q.name, q.description, q.residues);
//   std::vector<StockholmAlignment> a = parse_stockholm(text, "Pkinase.sto");
//   SequenceSet seeds = a[0].sequences();          // ungapped, upper case
//
// Residues are returned upper case with gaps ('-', '.') removed: lower case
// marks insert-state residues in Pfam seeds and soft-masked regions in FASTA,
// residues all the same. The readers accept any letters (protein or nucleic
// acid); the encoders that use them (core/tasks/sequence_features.h) decide
// what a letter means.
//
// Malformed input throws DataError (core/io/csv.h) with one line naming the
// source, the line (and column where it helps) and the problem: text before
// the first FASTA header, an empty name or sequence, a character that is not
// a residue, a repeated name, gzip-compressed or binary bytes; in Stockholm a
// missing "# STOCKHOLM 1.0" header or "//" terminator, rows or #=GC / #=GR
// lines of unequal width, a name twice in one block, a block that names a
// sequence the first block did not, #=GS / #=GR lines for unknown sequences.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/io/csv.h"

namespace metalab {

struct Sequence {
  std::string name;         // FASTA: the first word after '>'; Stockholm: the row name
  std::string description;  // FASTA: the rest of the header line, trimmed; Stockholm: #=GS DE if any
  std::string residues;     // upper case, no gaps
  int line = 0;             // 1-based line where the record starts (FASTA header, first Stockholm row)
};

struct SequenceSet {
  std::string source;  // display name used in messages
  std::vector<Sequence> sequences;
  int size() const { return static_cast<int>(sequences.size()); }
  // Index of the sequence with this name, or -1.
  int find(const std::string& name) const;
};

// FASTA: records ">name description" followed by sequence lines, which may be
// wrapped at any width and contain spaces or tabs (ignored). '-' and '.'
// (aligned FASTA) are dropped; a final '*' (a stop) is dropped; blank lines
// are allowed anywhere; CR LF line ends are accepted.
SequenceSet parse_fasta(std::string_view text, std::string_view source);

// One alignment of a Stockholm file (a file may hold several, each closed by "//").
struct StockholmAlignment {
  std::string source;                                  // display name
  int line = 0;                                        // line of its "# STOCKHOLM 1.0"
  std::map<std::string, std::string> file_annotations; // #=GF tag -> text (repeated tags joined by '\n')
  std::vector<std::string> names;                      // sequences in order of first appearance
  std::vector<std::string> rows;                       // aligned rows as written: gaps and case kept
  std::vector<int> row_lines;                          // line of each sequence's first row
  // #=GS name tag text; #=GC tag row (width columns); #=GR name tag row.
  std::map<std::string, std::map<std::string, std::string>> sequence_annotations;
  std::map<std::string, std::string> column_annotations;
  std::map<std::string, std::map<std::string, std::string>> residue_annotations;

  int width() const { return rows.empty() ? 0 : static_cast<int>(rows[0].size()); }
  // #=GF ID, or "" when absent.
  std::string id() const;
  // Each row ungapped and upper case (description: #=GS DE when given).
  SequenceSet sequences() const;
};

// Every alignment in the file, in order; DataError if there is none.
std::vector<StockholmAlignment> parse_stockholm(std::string_view text, std::string_view source);

// Per-residue three-state secondary structure of one protein chain.
struct StructureChain {
  std::string name;       // e.g. "1TND_A"
  std::string group;      // chains of one group stay in one split (e.g. the PDB entry); "" if none
  std::string residues;   // upper case one-letter residues
  std::string structure;  // one of 'H' (helix), 'E' (strand), 'C' (coil) per residue
  int line = 0;           // line of the table row
};

// The three states, in label order: H = 0, E = 1, C = 2.
constexpr char kStructureStates[] = "HEC";
// A DSSP or three-state letter -> 'H', 'E' or 'C' (H, G, I -> H; E, B -> E;
// C, T, S, '-', ' ' -> C, the usual reduction of DSSP's eight states); 0 for
// anything else.
char reduce_structure_state(char c);

// A table with columns `chain`, `sequence`, `structure` and optionally
// `entry` (the group; e.g. assets/data/transducin_ss.csv). Structure letters
// may be DSSP's eight states (reduced as above). DataError naming the line
// and chain for a missing column, an empty or repeated chain, a sequence
// and structure of different lengths, or a letter that is not a residue or a
// state.
std::vector<StructureChain> structure_chains_from_table(const CsvTable& table);

}  // namespace metalab
