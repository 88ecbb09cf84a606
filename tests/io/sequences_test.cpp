#include "core/io/sequences.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/support/error_text.h"

namespace metalab {
namespace {

using test::read_asset;

// ---- FASTA ----

TEST(Fasta, ParsesWrappedLowercaseGappedRecords) {
  const std::string text =
      ">sp|P1 Globin one\n"
      "MVLS peEDK\r\n"   // a space, lower case, a CR LF line end
      "AAV-.K*\n"        // gaps are dropped, a final stop too
      "\n"
      ">  P2\tFamily_2 more words  \n"  // spaces after '>' (EMBOSS's globins630.fa does this)
      "acdefghiklmnpqrstvwy\n";
  const SequenceSet s = parse_fasta(text, "t.fa");
  ASSERT_EQ(s.size(), 2);
  EXPECT_EQ(s.sequences[0].name, "sp|P1");
  EXPECT_EQ(s.sequences[0].description, "Globin one");
  EXPECT_EQ(s.sequences[0].residues, "MVLSPEEDKAAVK");
  EXPECT_EQ(s.sequences[0].line, 1);
  EXPECT_EQ(s.sequences[1].name, "P2");
  EXPECT_EQ(s.sequences[1].description, "Family_2 more words");
  EXPECT_EQ(s.sequences[1].residues, "ACDEFGHIKLMNPQRSTVWY");
  EXPECT_EQ(s.sequences[1].line, 5);
  EXPECT_EQ(s.find("P2"), 1);
  EXPECT_EQ(s.find("P3"), -1);
}

TEST(Fasta, RejectsMalformedInput) {
  EXPECT_ERROR_HAS(parse_fasta("", "e.fa"), "e.fa: is empty");
  EXPECT_ERROR_HAS(parse_fasta("\n\n", "e.fa"), "no FASTA records");
  EXPECT_ERROR_HAS(parse_fasta("MKV\n>a\nMK\n", "x.fa"), "x.fa: line 1: text before the first '>'");
  EXPECT_ERROR_HAS(parse_fasta(">\nMK\n", "x.fa"), "line 1: header '>' without a sequence name");
  EXPECT_ERROR_HAS(parse_fasta(">a\n>b\nMK\n", "x.fa"), "line 1: sequence 'a' has no residues");
  EXPECT_ERROR_HAS(parse_fasta(">a\nMK\n>b\n", "x.fa"), "line 3: sequence 'b' has no residues");
  EXPECT_ERROR_HAS(parse_fasta(">a\nMK\n>b\nKK\n>a\nVV\n", "x.fa"), "line 5: sequence name 'a' repeats the one on line 1");
  EXPECT_ERROR_HAS(parse_fasta(">a\nMK1V\n", "x.fa"), "line 2, column 3: '1' is not a residue letter (in sequence 'a')");
  EXPECT_ERROR_HAS(parse_fasta(">a\nMK*\nVV\n", "x.fa"), "line 3, column 1: residues after the stop '*'");
  EXPECT_ERROR_HAS(parse_fasta(std::string(">a\nM\0K\n", 7), "x.fa"), "byte 4 is a NUL");
  EXPECT_ERROR_HAS(parse_fasta(std::string("\x1f\x8b\x08\x00", 4), "x.fa.gz"), "gzip-compressed");
}

TEST(Fasta, ReadsTheShippedProteinFamilies) {
  const SequenceSet s = parse_fasta(read_asset("protein_families.fasta"), "protein_families.fasta");
  EXPECT_EQ(s.size(), 515);
  for (const Sequence& q : s.sequences) {
    EXPECT_FALSE(q.description.empty()) << q.name;
    EXPECT_GE(q.residues.size(), 20u) << q.name;
  }
}

// ---- Stockholm ----

const char* kTwoBlocks =
    "# STOCKHOLM 1.0\n"
    "#=GF ID   Test_fam\n"
    "#=GF DE   A test family\n"
    "#=GF DE   on two lines\n"
    "#=GS seq1/1-9 AC P00001\n"
    "#=GS seq1/1-9 DE first sequence\n"
    "\n"
    "seq1/1-9    MKV..lsAG\n"
    "#=GR seq1/1-9 SS   HHH..HHCC\n"
    "seq2        MRV--LSA.\n"
    "#=GC SS_cons    HHH..HHCC\n"
    "\n"
    "seq1/1-9    KK\n"
    "#=GR seq1/1-9 SS   CC\n"
    "seq2        K-\n"
    "#=GC SS_cons    CC\n"
    "//\n"
    "# STOCKHOLM 1.0\n"
    "other  ACDE\n"
    "//\n";

TEST(Stockholm, ParsesBlocksAnnotationsAndSeveralAlignments) {
  const auto all = parse_stockholm(kTwoBlocks, "t.sto");
  ASSERT_EQ(all.size(), 2u);
  const StockholmAlignment& a = all[0];
  EXPECT_EQ(a.id(), "Test_fam");
  EXPECT_EQ(a.file_annotations.at("DE"), "A test family\non two lines");
  ASSERT_EQ(a.names, (std::vector<std::string>{"seq1/1-9", "seq2"}));
  EXPECT_EQ(a.rows[0], "MKV..lsAGKK");  // as written: gaps and case kept
  EXPECT_EQ(a.rows[1], "MRV--LSA.K-");
  EXPECT_EQ(a.width(), 11);
  EXPECT_EQ(a.row_lines, (std::vector<int>{8, 10}));
  EXPECT_EQ(a.sequence_annotations.at("seq1/1-9").at("AC"), "P00001");
  EXPECT_EQ(a.residue_annotations.at("seq1/1-9").at("SS"), "HHH..HHCCCC");
  EXPECT_EQ(a.column_annotations.at("SS_cons"), "HHH..HHCCCC");
  const SequenceSet s = a.sequences();
  EXPECT_EQ(s.sequences[0].residues, "MKVLSAGKK");  // ungapped, upper case: lower case marks insert states
  EXPECT_EQ(s.sequences[0].description, "first sequence");
  EXPECT_EQ(s.sequences[1].residues, "MRVLSAK");
  EXPECT_EQ(all[1].id(), "");
  EXPECT_EQ(all[1].sequences().sequences[0].residues, "ACDE");
}

TEST(Stockholm, RejectsMalformedAlignments) {
  EXPECT_ERROR_HAS(parse_stockholm("", "e.sto"), "e.sto: is empty");
  EXPECT_ERROR_HAS(parse_stockholm("seq1 MKV\n//\n", "x.sto"), "x.sto: line 1: expected '# STOCKHOLM 1.0'");
  EXPECT_ERROR_HAS(parse_stockholm("# STOCKHOLM 2.0\na MK\n//\n", "x.sto"), "line 1: Stockholm version '2.0'");
  // Truncated: no terminator.
  EXPECT_ERROR_HAS(parse_stockholm("# STOCKHOLM 1.0\na MKV\nb MKV\n", "x.sto"),
                   "line 1: the alignment has no '//' terminator (the file ends on line 3; truncated?)");
  EXPECT_ERROR_HAS(parse_stockholm("# STOCKHOLM 1.0\n#=GF ID x\n//\n", "x.sto"), "has no sequences");
  // Rows of different widths (a residue missing in one row).
  EXPECT_ERROR_HAS(parse_stockholm("# STOCKHOLM 1.0\na MKV.L\nb MKVL\n//\n", "x.sto"),
                   "sequence 'b' (line 3) is 4 columns wide, 'a' is 5");
  // The same name twice in one block.
  EXPECT_ERROR_HAS(parse_stockholm("# STOCKHOLM 1.0\na MKV\nb MKV\na MKV\n//\n", "x.sto"),
                   "line 4: sequence 'a' appears twice in one block (first on line 2)");
  // A later block names a sequence the first did not.
  EXPECT_ERROR_HAS(parse_stockholm("# STOCKHOLM 1.0\na MKV\n\na MK\nc MK\n//\n", "x.sto"),
                   "line 5: sequence 'c' is not in the alignment's first block");
  EXPECT_ERROR_HAS(parse_stockholm("# STOCKHOLM 1.0\na MK V\n//\n", "x.sto"), "line 2: expected 'name aligned-row', got 3 fields");
  EXPECT_ERROR_HAS(parse_stockholm("# STOCKHOLM 1.0\na\n//\n", "x.sto"), "line 2: sequence 'a' has no aligned residues");
  EXPECT_ERROR_HAS(parse_stockholm("# STOCKHOLM 1.0\nab MK9V\n//\n", "x.sto"), "line 2, column 6: '9' in sequence 'ab'");
  EXPECT_ERROR_HAS(parse_stockholm("# STOCKHOLM 1.0\na MKV\n#=GC SS_cons HH\n//\n", "x.sto"),
                   "line 3: #=GC SS_cons is 2 columns wide, the alignment 3");
  EXPECT_ERROR_HAS(parse_stockholm("# STOCKHOLM 1.0\n#=GS zz AC P1\na MKV\n//\n", "x.sto"),
                   "line 2: #=GS names 'zz', which is not a sequence");
  EXPECT_ERROR_HAS(parse_stockholm("# STOCKHOLM 1.0\na MKV\n#=GR a SS HHHH\n//\n", "x.sto"),
                   "#=GR a SS is 4 columns wide, the alignment 3");
  EXPECT_ERROR_HAS(parse_stockholm("# STOCKHOLM 1.0\na MKV\n#=GR b SS HHH\n//\n", "x.sto"), "#=GR names 'b'");
  EXPECT_ERROR_HAS(parse_stockholm(std::string("\x1f\x8b\x08", 3), "x.sto.gz"), "gzip-compressed");
}

TEST(Stockholm, ReadsEveryAlignmentOfAFileCutAnywhereOrFails) {
  // Every prefix of a valid file either parses (cut at an alignment's end) or
  // throws DataError: never a crash, never a silently shortened alignment.
  const std::string text = kTwoBlocks;
  for (std::size_t n = 0; n < text.size(); ++n) {
    try {
      const auto a = parse_stockholm(text.substr(0, n), "cut");
      EXPECT_EQ(a[0].width(), 11) << n;
    } catch (const DataError&) {
    }
  }
}

// ---- Secondary structure tables ----

TEST(StructureTable, ReadsChainsAndReducesDsspStates) {
  const CsvTable t = parse_csv_string(
      "chain,entry,sequence,structure\n"
      "1ABC_A,1ABC,MKVLA,HGIEB\n"
      "1ABC_B,1ABC,mkv,TS-\n",
      "ss.csv");
  const auto c = structure_chains_from_table(t);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].name, "1ABC_A");
  EXPECT_EQ(c[0].group, "1ABC");
  EXPECT_EQ(c[0].structure, "HHHEE");
  EXPECT_EQ(c[1].residues, "MKV");
  EXPECT_EQ(c[1].structure, "CCC");
  EXPECT_EQ(c[1].line, 3);
}

TEST(StructureTable, RejectsInconsistentRows) {
  auto parse = [](const std::string& body) {
    return structure_chains_from_table(parse_csv_string("chain,sequence,structure\n" + body, "ss.csv"));
  };
  EXPECT_ERROR_HAS(parse("a,MKV,HH\n"), "ss.csv: line 2: chain 'a' has 3 residues but 2 structure letters");
  EXPECT_ERROR_HAS(parse("a,MKV,HHX\n"), "line 2: chain 'a', residue 3: 'X' is not a secondary-structure state");
  EXPECT_ERROR_HAS(parse("a,M1V,HHH\n"), "chain 'a', residue 2 is '1', not a residue letter");
  EXPECT_ERROR_HAS(parse("a,MKV,HHH\na,MK,HH\n"), "line 3: chain 'a' repeats the one on line 2");
  EXPECT_ERROR_HAS(parse(",MKV,HHH\n"), "line 2: empty chain name");
  EXPECT_ERROR_HAS(parse(""), "no chains");
  EXPECT_ERROR_HAS(structure_chains_from_table(parse_csv_string("chain,sequence\na,MK\n", "n.csv")), "structure");
}

TEST(StructureTable, ReadsTheShippedTransducinChains) {
  const auto c = structure_chains_from_table(parse_csv_string(read_asset("transducin_ss.csv"), "transducin_ss.csv"));
  ASSERT_EQ(c.size(), 53u);
  int h = 0, e = 0, coil = 0;
  for (const auto& ch : c)
    for (char s : ch.structure) (s == 'H' ? h : s == 'E' ? e : coil)++;
  // The counts bio3d's transducin data has (assets/data/README.md).
  EXPECT_EQ(h, 9707);
  EXPECT_EQ(e, 2196);
  EXPECT_EQ(coil, 5108);
}

}  // namespace
}  // namespace metalab
