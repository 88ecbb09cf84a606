// Stockholm alignments (parse_stockholm, core/io/sequences.h).
// Contract: one or more alignments, each with distinct named rows of one
// width (letters and gaps only), #=GC rows of that width, #=GR and #=GS only
// for its sequences, and ungapped upper-case sequences(); every failure is a
// DataError naming the file.
#include <set>

#include "core/io/sequences.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

bool is_row_char(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' || c == '.'; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace metalab;
  constexpr const char* kSource = "fuzz.sto";
  std::vector<StockholmAlignment> all;
  try {
    all = parse_stockholm(fuzz::as_view(data, size), kSource);
  } catch (const DataError& e) {
    fuzz::expect_names(e, kSource);
    return 0;
  }
  FUZZ_CHECK(!all.empty(), "no alignment");
  for (const StockholmAlignment& a : all) {
    const std::size_t n = a.names.size();
    FUZZ_CHECK(n >= 1 && a.rows.size() == n && a.row_lines.size() == n, n << " names");
    const std::set<std::string> names(a.names.begin(), a.names.end());
    FUZZ_CHECK(names.size() == n, "a name twice");
    const auto w = static_cast<std::size_t>(a.width());
    for (std::size_t i = 0; i < n; ++i) {
      FUZZ_CHECK(!a.names[i].empty(), "an empty name");
      FUZZ_CHECK(a.rows[i].size() == w, "row '" << a.names[i] << "' is " << a.rows[i].size() << " wide, not " << w);
      for (char c : a.rows[i]) FUZZ_CHECK(is_row_char(c), "byte " << int{c} << " in row '" << a.names[i] << "'");
    }
    for (const auto& [tag, row] : a.column_annotations) FUZZ_CHECK(row.size() == w, "#=GC " << tag);
    for (const auto& [name, tags] : a.residue_annotations) {
      FUZZ_CHECK(names.count(name), "#=GR for '" << name << "'");
      for (const auto& [tag, row] : tags) FUZZ_CHECK(row.size() == w, "#=GR " << name << " " << tag);
    }
    for (const auto& [name, tags] : a.sequence_annotations) FUZZ_CHECK(names.count(name), "#=GS for '" << name << "'");
    const SequenceSet s = a.sequences();
    FUZZ_CHECK(s.size() == static_cast<int>(n), "sequences()");
    for (int i = 0; i < s.size(); ++i) {
      const Sequence& q = s.sequences[static_cast<std::size_t>(i)];
      FUZZ_CHECK(q.name == a.names[static_cast<std::size_t>(i)], "order");
      FUZZ_CHECK(q.residues.size() <= w, "longer than its row");
      for (char c : q.residues) FUZZ_CHECK(c >= 'A' && c <= 'Z', "residue byte " << int{c});
    }
  }
  return 0;
}
