#include "core/io/csv.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cfloat>
#include <clocale>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>

namespace metalab {

namespace {

[[noreturn]] void fail(const std::string& source, const std::string& what) {
  throw DataError(printable_text(source + ": " + what));
}

std::string line_str(int line) { return "line " + std::to_string(line); }

// A short, printable rendering of a cell for error messages.
std::string quote_cell(const std::string& text) {
  std::string shown = text.size() > 40 ? text.substr(0, 40) + "..." : text;
  for (char& c : shown)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return "'" + shown + "'";
}

std::string trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return s.substr(b, e - b);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string some_columns(const CsvTable& t) {
  std::string out;
  const int shown = std::min(t.num_columns(), 8);
  for (int c = 0; c < shown; ++c) out += (c ? ", " : "") + quote_cell(t.columns[c]);
  if (shown < t.num_columns()) out += ", ... (" + std::to_string(t.num_columns()) + " in all)";
  return out;
}

}  // namespace

std::string printable_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u != 0x7f) {
      out += c;
    } else {
      static const char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 15];
    }
  }
  return out;
}

int CsvTable::find_column(const std::string& name) const {
  int found = -1;
  for (int c = 0; c < num_columns(); ++c) {
    if (columns[c] != name) continue;
    if (found >= 0)
      fail(source, "column name " + quote_cell(name) + " is ambiguous (columns " + std::to_string(found + 1) +
                       " and " + std::to_string(c + 1) + ")");
    found = c;
  }
  return found;
}

int CsvTable::column_index(const std::string& name) const {
  const int c = find_column(name);
  if (c < 0) fail(source, "no column named " + quote_cell(name) + " (columns: " + some_columns(*this) + ")");
  return c;
}

CsvTable parse_csv_string(const std::string& s, const std::string& source) {
  CsvTable table;
  table.source = source;
  const std::size_t n = s.size();
  std::size_t i = 0;
  if (n >= 3 && s.compare(0, 3, "\xEF\xBB\xBF") == 0) i = 3;  // UTF-8 byte-order mark (Excel writes one)
  int line = 1;
  bool have_header = false;
  std::vector<std::string> fields;
  std::vector<bool> quoted;
  std::string field;

  while (i < n) {
    // A blank line separates nothing: skip it (trailing blank lines are common).
    if (s[i] == '\n') { ++i; ++line; continue; }
    if (s[i] == '\r') { ++i; if (i < n && s[i] == '\n') ++i; ++line; continue; }

    const int record_line = line;
    if (have_header && table.rows.size() >= static_cast<std::size_t>(kCsvMaxRows))
      fail(source, line_str(record_line) + ": more than " + std::to_string(kCsvMaxRows) +
                       " data rows (the most a table may have)");
    // Fields are stored up to the header's count (or the cap, for the header
    // itself); a longer row's extra fields are only counted.
    const std::size_t keep = have_header ? table.columns.size() : static_cast<std::size_t>(kCsvMaxColumns);
    std::size_t count = 0;
    fields.clear();
    quoted.clear();
    for (;;) {
      field.clear();
      const bool is_quoted = i < n && s[i] == '"';
      if (is_quoted) {
        const int open_line = line;
        ++i;
        for (;;) {
          if (i >= n) fail(source, line_str(open_line) + ": quoted field is never closed (missing '\"')");
          const char c = s[i];
          if (c == '"') {
            if (i + 1 < n && s[i + 1] == '"') { field += '"'; i += 2; continue; }
            ++i;
            break;
          }
          if (c == '\r' && i + 1 < n && s[i + 1] == '\n') { field += '\n'; i += 2; ++line; continue; }
          if (c == '\n') ++line;
          field += c;
          ++i;
        }
        if (i < n && s[i] != ',' && s[i] != '\n' && s[i] != '\r')
          fail(source, line_str(line) + ": unexpected text after the closing quote of field " +
                           std::to_string(fields.size() + 1) + " (a quote inside a quoted field is written \"\")");
      } else {
        const std::size_t start = i;
        while (i < n && s[i] != ',' && s[i] != '\n' && s[i] != '\r') ++i;
        field.assign(s, start, i - start);
      }
      if (++count <= keep) {
        fields.push_back(field);
        quoted.push_back(is_quoted);
      } else if (!have_header) {
        fail(source, "the header has more than " + std::to_string(kCsvMaxColumns) +
                         " columns (the most a table may have)");
      }
      if (i >= n) break;
      if (s[i] == ',') { ++i; continue; }
      // End of line: LF, CRLF or a lone CR.
      if (s[i] == '\r') ++i;
      if (i < n && s[i] == '\n') ++i;
      ++line;
      break;
    }

    if (!have_header) {
      table.columns = fields;
      have_header = true;
      continue;
    }
    if (count != table.columns.size())
      fail(source, line_str(record_line) + " has " + std::to_string(count) + " field" +
                       (count == 1 ? "" : "s") + ", header has " + std::to_string(table.columns.size()));
    if (table.rows.empty()) table.first_row_quoted = quoted;
    table.rows.push_back(fields);
    table.lines.push_back(record_line);
  }
  if (!have_header) fail(source, "empty file (no header row)");
  return table;
}

CsvTable parse_csv(std::istream& in, const std::string& source) {
  std::string contents((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) fail(source, "read error");
  return parse_csv_string(contents, source);
}

CsvTable load_csv_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open file");
  return parse_csv(in, path);
}

bool parse_number(const std::string& text, float* value, std::string* why) {
  auto reject = [&](const char* reason) {
    if (why) *why = reason;
    return false;
  };
  const std::string t = trim(text);
  if (t.empty()) return reject("missing value");
  const std::string l = lower(t);
  if (l == "na" || l == "n/a" || l == "null" || l == "none" || l == "?") return reject("missing value");
  const std::string unsigned_l = (l[0] == '+' || l[0] == '-') ? l.substr(1) : l;
  if (unsigned_l == "nan" || unsigned_l == "inf" || unsigned_l == "infinity") return reject("not finite");
  // Plain decimal notation only (strtod alone would also take hex floats).
  for (char c : t)
    if (!std::isdigit(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.' && c != 'e' && c != 'E')
      return reject("not a number");
  // strtod follows LC_NUMERIC's decimal point, CSV always uses '.': swap it
  // in, so a host program that set a decimal-comma locale still reads "2.5".
  std::string copy = t;
  const char dp = *std::localeconv()->decimal_point;
  if (dp != '.' && dp != '\0') std::replace(copy.begin(), copy.end(), '.', dp);
  errno = 0;
  char* end = nullptr;
  const double d = std::strtod(copy.c_str(), &end);
  if (end == copy.c_str() || *end != '\0') return reject("not a number");
  if (!std::isfinite(d) || std::fabs(d) > FLT_MAX) return reject("out of float range");
  *value = static_cast<float>(d);
  return true;
}

std::vector<std::string> non_numeric_columns(const CsvTable& table) {
  std::vector<std::string> out;
  if (table.rows.empty()) return out;
  const bool all_quoted = std::all_of(table.first_row_quoted.begin(), table.first_row_quoted.end(),
                                      [](bool q) { return q; });
  for (int c = 0; c < table.num_columns(); ++c) {
    bool text = !all_quoted && table.first_row_quoted[c];
    if (!text) {
      text = true;
      float v;
      for (const auto& row : table.rows)
        if (parse_number(row[c], &v)) { text = false; break; }
    }
    if (text) out.push_back(table.columns[c]);
  }
  return out;
}

namespace {

// Column indices that are features: everything but `skip` (label) and `exclude`.
std::vector<int> feature_columns(const CsvTable& table, int skip, const std::vector<std::string>& exclude) {
  std::vector<bool> dropped(table.columns.size(), false);
  if (skip >= 0) dropped[skip] = true;
  for (const auto& name : exclude) {
    const int c = table.find_column(name);
    if (c < 0) fail(table.source, "column " + quote_cell(name) + " to exclude does not exist (columns: " +
                                      some_columns(table) + ")");
    dropped[c] = true;
  }
  std::vector<int> cols;
  for (int c = 0; c < table.num_columns(); ++c)
    if (!dropped[c]) cols.push_back(c);
  if (cols.empty()) fail(table.source, "no feature columns left after removing label and excluded columns");
  if (table.rows.empty()) fail(table.source, "header but no data rows");
  return cols;
}

NumericTable extract(const CsvTable& table, const std::vector<int>& cols) {
  NumericTable out;
  out.x.resize(table.num_rows(), static_cast<Eigen::Index>(cols.size()));
  for (int c : cols) out.feature_names.push_back(table.columns[c]);
  std::string why;
  for (int r = 0; r < table.num_rows(); ++r) {
    for (std::size_t j = 0; j < cols.size(); ++j) {
      const std::string& cell = table.rows[r][cols[j]];
      float v;
      if (!parse_number(cell, &v, &why))
        fail(table.source, line_str(table.lines[r]) + ", column " + quote_cell(table.columns[cols[j]]) + ": " +
                               quote_cell(cell) + " is " + why + " (features must be finite numbers)");
      out.x(r, static_cast<Eigen::Index>(j)) = v;
    }
  }
  return out;
}

}  // namespace

NumericTable numeric_features(const CsvTable& table, const std::vector<std::string>& exclude) {
  return extract(table, feature_columns(table, -1, exclude));
}

LabelledTable labelled_features(const CsvTable& table, int label_index, const std::vector<std::string>& exclude) {
  const int nc = table.num_columns();
  const int idx = label_index < 0 ? nc + label_index : label_index;
  if (idx < 0 || idx >= nc)
    fail(table.source, "label column index " + std::to_string(label_index) + " is out of range (" +
                           std::to_string(nc) + " columns)");
  LabelledTable out;
  static_cast<NumericTable&>(out) = extract(table, feature_columns(table, idx, exclude));
  out.label_name = table.columns[idx];
  out.labels.reserve(table.rows.size());
  for (int r = 0; r < table.num_rows(); ++r) {
    std::string label = trim(table.rows[r][idx]);
    if (label.empty())
      fail(table.source, line_str(table.lines[r]) + ": empty label in column " + quote_cell(out.label_name));
    out.labels.push_back(std::move(label));
  }
  out.classes = out.labels;
  std::sort(out.classes.begin(), out.classes.end());
  out.classes.erase(std::unique(out.classes.begin(), out.classes.end()), out.classes.end());
  for (const auto& label : out.labels)
    out.y.push_back(static_cast<int>(std::lower_bound(out.classes.begin(), out.classes.end(), label) -
                                     out.classes.begin()));
  return out;
}

LabelledTable labelled_features(const CsvTable& table, const std::string& label_column,
                                const std::vector<std::string>& exclude) {
  const int c = table.find_column(label_column);
  if (c < 0)
    fail(table.source, "label column " + quote_cell(label_column) + " not found (columns: " + some_columns(table) +
                           ")");
  return labelled_features(table, c, exclude);
}

}  // namespace metalab
