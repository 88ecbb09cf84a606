// FASTA files (parse_fasta, core/io/sequences.h).
// Contract: records in file order, each with a distinct, non-empty name
// without spaces, a non-empty upper-case residue string (letters only: gaps,
// spaces and the stop removed) and the line of its header; every failure is
// a DataError naming the file.
#include <set>

#include "core/io/sequences.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace metalab;
  constexpr const char* kSource = "fuzz.fasta";
  SequenceSet s;
  try {
    s = parse_fasta(fuzz::as_view(data, size), kSource);
  } catch (const DataError& e) {
    fuzz::expect_names(e, kSource);
    return 0;
  }
  FUZZ_CHECK(s.source == kSource && s.size() >= 1, s.size() << " sequences");
  std::set<std::string> names;
  int last_line = 0;
  for (const Sequence& q : s.sequences) {
    FUZZ_CHECK(!q.name.empty() && q.name.find_first_of(" \t\r\n") == std::string::npos, "name '" << q.name << "'");
    FUZZ_CHECK(names.insert(q.name).second, "name '" << q.name << "' twice");
    FUZZ_CHECK(q.line > last_line, "line " << q.line << " after " << last_line);
    last_line = q.line;
    FUZZ_CHECK(!q.residues.empty(), "no residues in '" << q.name << "'");
    for (char c : q.residues) FUZZ_CHECK(c >= 'A' && c <= 'Z', "residue byte " << int{c} << " in '" << q.name << "'");
    FUZZ_CHECK(s.find(q.name) == static_cast<int>(&q - s.sequences.data()), "find('" << q.name << "')");
  }
  return 0;
}
