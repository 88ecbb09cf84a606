// Reading CSV tables: the format MetaLab's tabular data (assets/data/*.csv and
// whatever a user brings) comes in.
//
// Two steps, so that the error a user sees names the real problem:
//   1. parse_csv: text -> CsvTable (column names + rows of string cells).
//      RFC 4180 style: a header row, comma separated, fields optionally in
//      double quotes (a quoted field may hold commas, newlines and "" for a
//      quote), CRLF or LF line ends, a UTF-8 byte-order mark and blank lines
//      are skipped. Every row must have as many fields as the header.
//   2. numeric_features / labelled_features: CsvTable -> float matrix (+ label
//      column). Every feature cell must be a finite number.
// Errors throw DataError with the source's display name and the line number,
// e.g. "tissue.csv: line 17 has 5 fields, header has 6".
//
// Loaders read a std::istream or a string (the browser has no file system;
// the page hands over file contents), plus a display name for messages.
//
// Resource bounds: a header of more than kCsvMaxColumns fields, or more than
// kCsvMaxRows data rows, is refused (DataError) as soon as parsing reaches
// the first field or row past the cap, and a data row's fields beyond the
// header's are counted, never stored. Within the caps a parsed table holds
// every cell as a std::string: about 32 bytes per cell (plus the text of
// cells longer than 15 bytes) and 50 per row, so at most about 40 times the
// input's size (a file of empty cells, ",,,,").
#pragma once

#include <istream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/matrix.h"

namespace metalab {

// A problem with input data (as opposed to a bug or a bad setting).
class DataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Text from the input as an error message may show it: control bytes (a line
// break, a form feed, a NUL) as "\x0c", so that a message stays one printable
// line. The readers pass every message through it.
std::string printable_text(std::string_view text);

// The caps above: more columns than the widest expression tables (ALL's
// 12,625 probes) need, and Excel's row limit.
constexpr int kCsvMaxColumns = 1 << 17;  // 131,072
constexpr int kCsvMaxRows = 1 << 20;     // 1,048,576

struct CsvTable {
  std::string source;                           // display name used in messages
  std::vector<std::string> columns;             // header, as written (quotes removed)
  std::vector<std::vector<std::string>> rows;   // rows[r][c]; every row has columns.size() cells
  std::vector<int> lines;                       // 1-based line on which rows[r] starts
  std::vector<bool> first_row_quoted;           // was the first data row's cell c in quotes?

  int num_rows() const { return static_cast<int>(rows.size()); }
  int num_columns() const { return static_cast<int>(columns.size()); }
  // Index of the column with this exact name, or -1. Throws DataError if the
  // name is ambiguous (two columns share it).
  int find_column(const std::string& name) const;
  // Like find_column, but a missing column throws DataError listing a few names.
  int column_index(const std::string& name) const;
};

// Parses CSV text. Throws DataError for: an empty input (no header), a ragged
// row, an unterminated quoted field, text after a closing quote, a table past
// the caps.
CsvTable parse_csv(std::istream& in, const std::string& source);
CsvTable parse_csv_string(const std::string& contents, const std::string& source);
// Convenience for native code: opens the file (DataError if it cannot) and
// uses the path as the display name.
CsvTable load_csv_file(const std::string& path);

// Parses one cell as a finite float. On failure returns false and sets *why
// ("not a number", "missing value", "not finite", "out of float range").
// Surrounding spaces and tabs are ignored.
bool parse_number(const std::string& text, float* value, std::string* why = nullptr);

// Guesses the label and identifier columns (e.g. "tissue", or "sample", "BT",
// "mol.biol"): a column none of whose cells is a number, or whose first data
// cell was quoted while some other column's was not (R's write.csv quotes
// text and factors, never numbers, so a quoted "01005" is an id). A numeric
// column with a typo stays numeric, so numeric_features reports the typo.
std::vector<std::string> non_numeric_columns(const CsvTable& table);

struct NumericTable {
  Matrix x;                                // rows x features
  std::vector<std::string> feature_names;  // x's columns, in file order
};

struct LabelledTable : NumericTable {
  std::string label_name;
  std::vector<std::string> labels;   // label text of each row
  std::vector<std::string> classes;  // distinct labels, sorted (byte order)
  std::vector<int> y;                // index into classes for each row
};

// All columns except `exclude` as features. Throws DataError if a column in
// exclude does not exist, no feature column is left, there are no data rows,
// or a cell is not a finite number (naming line, column and text).
NumericTable numeric_features(const CsvTable& table, const std::vector<std::string>& exclude = {});

// The label column (by name, or by 0-based index; a negative index counts from
// the end: -1 is the last column) plus every other column not in exclude as
// features. Throws DataError as numeric_features does, and for a missing label
// column or an empty label cell.
LabelledTable labelled_features(const CsvTable& table, const std::string& label_column,
                                const std::vector<std::string>& exclude = {});
LabelledTable labelled_features(const CsvTable& table, int label_index,
                                const std::vector<std::string>& exclude = {});

}  // namespace metalab
