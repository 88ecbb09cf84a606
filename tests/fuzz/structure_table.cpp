// Secondary-structure tables (structure_chains_from_table, core/io/sequences.h):
// CSV with chain, sequence, structure (and entry) columns.
// Contract: chains are named, distinct, upper-case residues with one H/E/C
// state each, in table order; every failure is a DataError naming the file.
#include <set>

#include "core/io/sequences.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace metalab;
  constexpr const char* kSource = "fuzz_ss.csv";
  try {
    const CsvTable table = parse_csv_string(std::string(fuzz::as_view(data, size)), kSource);
    const std::vector<StructureChain> chains = structure_chains_from_table(table);
    FUZZ_CHECK(!chains.empty() && static_cast<int>(chains.size()) == table.num_rows(), chains.size() << " chains");
    std::set<std::string> names;
    for (std::size_t i = 0; i < chains.size(); ++i) {
      const StructureChain& c = chains[i];
      FUZZ_CHECK(!c.name.empty() && names.insert(c.name).second, "chain name '" << c.name << "'");
      FUZZ_CHECK(c.line == table.lines[i], "line " << c.line);
      FUZZ_CHECK(!c.residues.empty() && c.residues.size() == c.structure.size(), "lengths of " << c.name);
      for (char r : c.residues) FUZZ_CHECK(r >= 'A' && r <= 'Z', "residue " << int{r});
      for (char s : c.structure) FUZZ_CHECK(s == 'H' || s == 'E' || s == 'C', "state " << int{s});
    }
  } catch (const DataError& e) {
    fuzz::expect_names(e, kSource);
  }
  return 0;
}
