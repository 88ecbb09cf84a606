#include "core/io/sequences.h"

#include <cctype>
#include <cstdio>
#include <set>

namespace metalab {

namespace {

[[noreturn]] void fail(std::string_view source, const std::string& what) {
  throw DataError(printable_text(std::string(source) + ": " + what));
}

std::string at_line(int line) { return "line " + std::to_string(line); }
std::string at(int line, std::size_t column) { return at_line(line) + ", column " + std::to_string(column + 1); }

// A character as a message shows it: 'x', or its code when it does not print.
std::string shown(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (std::isprint(u)) return std::string("'") + c + "'";
  char buf[16];
  std::snprintf(buf, sizeof buf, "byte 0x%02x", u);
  return buf;
}

std::string excerpt(std::string_view s) {
  std::string out(s.substr(0, 40));
  if (s.size() > 40) out += "...";
  return "'" + out + "'";
}

// Field separators: spaces, tabs and the other ASCII blanks (a lone CR, a
// form feed) that would otherwise end up inside a name (tests/fuzz/regressions/fasta).
bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

bool is_letter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_gap(char c) { return c == '-' || c == '.'; }
char upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

// Text files only: gzip and binary input get a message that says what they are.
void check_text(std::string_view text, std::string_view source, const char* format) {
  if (text.size() >= 2 && static_cast<unsigned char>(text[0]) == 0x1f && static_cast<unsigned char>(text[1]) == 0x8b)
    fail(source, std::string("is gzip-compressed; decompress it before parsing it as ") + format);
  const std::size_t nul = text.find('\0');
  if (nul != std::string_view::npos)
    fail(source, "byte " + std::to_string(nul) + " is a NUL: not a " + format + " text file");
}

// Calls f(line_number, line) for each line (without its LF or CR LF).
template <typename F>
void for_each_line(std::string_view text, F&& f) {
  int line = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view l = text.substr(pos, end - pos);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    f(++line, l);
    pos = end + 1;
  }
}

// Splits on runs of blanks.
std::vector<std::string_view> fields(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_blank(s[i])) ++i;
    const std::size_t b = i;
    while (i < s.size() && !is_blank(s[i])) ++i;
    if (i > b) out.push_back(s.substr(b, i - b));
  }
  return out;
}

// The text after the first n fields (and the spaces after them), trimmed.
std::string_view after_fields(std::string_view s, int n) {
  std::size_t i = 0;
  for (int k = 0; k < n; ++k) {
    while (i < s.size() && is_blank(s[i])) ++i;
    while (i < s.size() && !is_blank(s[i])) ++i;
  }
  return trim(s.substr(i));
}

std::string ungapped_upper(const std::string& row) {
  std::string out;
  out.reserve(row.size());
  for (char c : row)
    if (!is_gap(c)) out += upper(c);
  return out;
}

}  // namespace

int SequenceSet::find(const std::string& name) const {
  for (std::size_t i = 0; i < sequences.size(); ++i)
    if (sequences[i].name == name) return static_cast<int>(i);
  return -1;
}

// ---- FASTA ----

SequenceSet parse_fasta(std::string_view text, std::string_view source) {
  check_text(text, source, "FASTA");
  SequenceSet out;
  out.source = std::string(source);
  std::map<std::string, int> seen;  // name -> header line
  bool open = false, stopped = false;
  auto finish = [&] {
    if (open && out.sequences.back().residues.empty())
      fail(source, at_line(out.sequences.back().line) + ": sequence '" + out.sequences.back().name + "' has no residues");
  };
  for_each_line(text, [&](int line, std::string_view l) {
    if (trim(l).empty()) return;
    if (l[0] == '>') {
      finish();
      const std::string_view header = trim(l.substr(1));
      const auto f = fields(header);
      if (f.empty()) fail(source, at_line(line) + ": header '>' without a sequence name");
      Sequence s;
      s.name = std::string(f[0]);
      s.description = std::string(after_fields(header, 1));
      s.line = line;
      auto [it, fresh] = seen.emplace(s.name, line);
      if (!fresh)
        fail(source, at_line(line) + ": sequence name '" + s.name + "' repeats the one on line " +
                         std::to_string(it->second));
      out.sequences.push_back(std::move(s));
      open = true;
      stopped = false;
      return;
    }
    if (!open) fail(source, at_line(line) + ": text before the first '>' header " + excerpt(l) + " (is this FASTA?)");
    Sequence& s = out.sequences.back();
    for (std::size_t c = 0; c < l.size(); ++c) {
      const char ch = l[c];
      if (ch == ' ' || ch == '\t' || is_gap(ch)) continue;
      if (ch == '*') {
        stopped = true;
        continue;
      }
      if (!is_letter(ch))
        fail(source, at(line, c) + ": " + shown(ch) + " is not a residue letter (in sequence '" + s.name + "')");
      if (stopped)
        fail(source, at(line, c) + ": residues after the stop '*' in sequence '" + s.name + "'");
      s.residues += upper(ch);
    }
  });
  finish();
  if (out.sequences.empty())
    fail(source, text.empty() ? "is empty" : "has no FASTA records (no line starts with '>')");
  return out;
}

// ---- Stockholm ----

std::string StockholmAlignment::id() const {
  auto it = file_annotations.find("ID");
  return it == file_annotations.end() ? std::string() : it->second;
}

SequenceSet StockholmAlignment::sequences() const {
  SequenceSet out;
  out.source = source;
  for (std::size_t i = 0; i < names.size(); ++i) {
    Sequence s;
    s.name = names[i];
    s.residues = ungapped_upper(rows[i]);
    s.line = row_lines[i];
    auto gs = sequence_annotations.find(names[i]);
    if (gs != sequence_annotations.end()) {
      auto de = gs->second.find("DE");
      if (de != gs->second.end()) s.description = de->second;
    }
    out.sequences.push_back(std::move(s));
  }
  return out;
}

std::vector<StockholmAlignment> parse_stockholm(std::string_view text, std::string_view source) {
  check_text(text, source, "Stockholm");
  std::vector<StockholmAlignment> out;
  bool inside = false;
  StockholmAlignment a;
  std::map<std::string, int> index;         // sequence name -> row
  std::map<std::string, int> block_seen;    // names of the current block -> line
  int block = 0;                            // 0 = the first block
  std::map<std::string, int> gs_line, gr_line, gc_line;

  auto check_row = [&](std::string_view row, int line, std::size_t col0, const std::string& what) {
    for (std::size_t c = 0; c < row.size(); ++c)
      if (!is_letter(row[c]) && !is_gap(row[c]))
        fail(source, at(line, col0 + c) + ": " + shown(row[c]) + " in " + what + " is neither a residue nor a gap");
  };
  auto finish = [&](int line) {
    if (a.names.empty()) fail(source, at_line(a.line) + ": the alignment ending on line " + std::to_string(line) + " has no sequences");
    const std::size_t w = a.rows[0].size();
    for (std::size_t i = 1; i < a.rows.size(); ++i)
      if (a.rows[i].size() != w)
        fail(source, "sequence '" + a.names[i] + "' (line " + std::to_string(a.row_lines[i]) + ") is " +
                         std::to_string(a.rows[i].size()) + " columns wide, '" + a.names[0] + "' is " +
                         std::to_string(w) + ": rows of an alignment must be equally wide");
    for (const auto& [tag, row] : a.column_annotations)
      if (row.size() != w)
        fail(source, at_line(gc_line[tag]) + ": #=GC " + tag + " is " + std::to_string(row.size()) +
                         " columns wide, the alignment " + std::to_string(w));
    for (const auto& [name, tags] : a.residue_annotations) {
      if (!index.count(name))
        fail(source, at_line(gr_line[name]) + ": #=GR names '" + name + "', which is not a sequence of the alignment");
      for (const auto& [tag, row] : tags)
        if (row.size() != w)
          fail(source, at_line(gr_line[name]) + ": #=GR " + name + " " + tag + " is " + std::to_string(row.size()) +
                           " columns wide, the alignment " + std::to_string(w));
    }
    for (const auto& [name, tags] : a.sequence_annotations)
      if (!index.count(name))
        fail(source, at_line(gs_line[name]) + ": #=GS names '" + name + "', which is not a sequence of the alignment");
    out.push_back(std::move(a));
    a = StockholmAlignment{};
    index.clear();
    block_seen.clear();
    gs_line.clear();
    gr_line.clear();
    gc_line.clear();
    block = 0;
    inside = false;
  };

  int last_line = 0;
  for_each_line(text, [&](int line, std::string_view l) {
    last_line = line;
    const std::string_view t = trim(l);
    if (!inside) {
      if (t.empty()) return;
      if (t.substr(0, 11) != "# STOCKHOLM")
        fail(source, at_line(line) + ": expected '# STOCKHOLM 1.0' to start an alignment, got " + excerpt(t));
      if (trim(t.substr(11)) != "1.0")
        fail(source, at_line(line) + ": Stockholm version " + excerpt(trim(t.substr(11))) + " (only 1.0 is known)");
      inside = true;
      a.source = std::string(source);
      a.line = line;
      return;
    }
    if (t == "//") {
      finish(line);
      return;
    }
    if (t.empty()) {
      if (!block_seen.empty()) ++block;
      block_seen.clear();
      return;
    }
    if (t[0] == '#') {
      const auto f = fields(t);
      const std::string kind(f[0]);
      if (kind == "#=GF") {
        if (f.size() < 2) fail(source, at_line(line) + ": #=GF without a tag");
        std::string& v = a.file_annotations[std::string(f[1])];
        v += (v.empty() ? "" : "\n") + std::string(after_fields(t, 2));
      } else if (kind == "#=GS") {
        if (f.size() < 3) fail(source, at_line(line) + ": expected '#=GS name tag text'");
        const std::string name(f[1]);
        gs_line.emplace(name, line);
        std::string& v = a.sequence_annotations[name][std::string(f[2])];
        v += (v.empty() ? "" : " ") + std::string(after_fields(t, 3));
      } else if (kind == "#=GC") {
        if (f.size() != 3) fail(source, at_line(line) + ": expected '#=GC tag row', got " + std::to_string(f.size()) + " fields");
        const std::string tag(f[1]);
        check_row(f[2], line, static_cast<std::size_t>(f[2].data() - l.data()), "#=GC " + tag);
        gc_line.emplace(tag, line);
        a.column_annotations[tag] += std::string(f[2]);
      } else if (kind == "#=GR") {
        if (f.size() != 4) fail(source, at_line(line) + ": expected '#=GR name tag row', got " + std::to_string(f.size()) + " fields");
        const std::string name(f[1]), tag(f[2]);
        check_row(f[3], line, static_cast<std::size_t>(f[3].data() - l.data()), "#=GR " + name + " " + tag);
        gr_line.emplace(name, line);
        a.residue_annotations[name][tag] += std::string(f[3]);
      }
      return;  // other '#' lines are comments
    }
    const auto f = fields(t);
    const std::string name(f[0]);
    if (f.size() == 1) fail(source, at_line(line) + ": sequence '" + name + "' has no aligned residues after its name");
    if (f.size() > 2)
      fail(source, at_line(line) + ": expected 'name aligned-row', got " + std::to_string(f.size()) +
                       " fields (spaces inside an aligned row?)");
    check_row(f[1], line, static_cast<std::size_t>(f[1].data() - l.data()), "sequence '" + name + "'");
    auto [seen, fresh] = block_seen.emplace(name, line);
    if (!fresh)
      fail(source, at_line(line) + ": sequence '" + name + "' appears twice in one block (first on line " +
                       std::to_string(seen->second) + "): a name must be unique");
    auto it = index.find(name);
    if (it == index.end()) {
      if (block > 0)
        fail(source, at_line(line) + ": sequence '" + name + "' is not in the alignment's first block");
      it = index.emplace(name, static_cast<int>(a.names.size())).first;
      a.names.push_back(name);
      a.rows.emplace_back();
      a.row_lines.push_back(line);
    }
    a.rows[static_cast<std::size_t>(it->second)] += std::string(f[1]);
  });
  if (inside)
    fail(source, at_line(a.line) + ": the alignment has no '//' terminator (the file ends on line " +
                     std::to_string(last_line) + "; truncated?)");
  if (out.empty()) fail(source, text.empty() ? "is empty" : "has no Stockholm alignment");
  return out;
}

// ---- Secondary structure tables ----

char reduce_structure_state(char c) {
  switch (c) {
    case 'H': case 'G': case 'I': case 'h': return 'H';
    case 'E': case 'B': case 'e': return 'E';
    case 'C': case 'T': case 'S': case '-': case ' ': case 'c': return 'C';
    default: return 0;
  }
}

std::vector<StructureChain> structure_chains_from_table(const CsvTable& table) {
  const int chain_col = table.column_index("chain");
  const int seq_col = table.column_index("sequence");
  const int ss_col = table.column_index("structure");
  const int group_col = table.find_column("entry");
  if (table.rows.empty()) fail(table.source, "has no chains (no data rows)");
  std::vector<StructureChain> out;
  std::map<std::string, int> seen;
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const auto& row = table.rows[r];
    const int line = table.lines[r];
    StructureChain c;
    c.name = std::string(trim(row[static_cast<std::size_t>(chain_col)]));
    c.line = line;
    if (c.name.empty()) fail(table.source, at_line(line) + ": empty chain name");
    auto [it, fresh] = seen.emplace(c.name, line);
    if (!fresh)
      fail(table.source, at_line(line) + ": chain '" + c.name + "' repeats the one on line " + std::to_string(it->second));
    if (group_col >= 0) c.group = std::string(trim(row[static_cast<std::size_t>(group_col)]));
    const std::string_view seq = trim(row[static_cast<std::size_t>(seq_col)]);
    const std::string& ss = row[static_cast<std::size_t>(ss_col)];  // a space is a state (coil): not trimmed
    if (seq.empty()) fail(table.source, at_line(line) + ": chain '" + c.name + "' has an empty sequence");
    for (std::size_t i = 0; i < seq.size(); ++i) {
      if (!is_letter(seq[i]))
        fail(table.source, at_line(line) + ": chain '" + c.name + "', residue " + std::to_string(i + 1) + " is " +
                               shown(seq[i]) + ", not a residue letter");
      c.residues += upper(seq[i]);
    }
    if (ss.size() != c.residues.size())
      fail(table.source, at_line(line) + ": chain '" + c.name + "' has " + std::to_string(c.residues.size()) +
                             " residues but " + std::to_string(ss.size()) + " structure letters");
    for (std::size_t i = 0; i < ss.size(); ++i) {
      const char s = reduce_structure_state(ss[i]);
      if (!s)
        fail(table.source, at_line(line) + ": chain '" + c.name + "', residue " + std::to_string(i + 1) + ": " +
                               shown(ss[i]) + " is not a secondary-structure state (H, E, C or DSSP's G I B T S)");
      c.structure += s;
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace metalab
