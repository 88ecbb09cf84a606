// CSV tables (core/io/csv.h) and the labelled data made from them
// (dataset_from_table, core/tasks/episodes.h): parse, guess the text
// columns, take features and a label column.
// Contract: a table is rectangular within the documented caps, with a line
// per row; features are finite, one column per feature name; labels index
// the sorted distinct classes; every failure is a DataError naming the file.
#include <algorithm>

#include "core/io/csv.h"
#include "core/tasks/episodes.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

constexpr const char* kSource = "fuzz.csv";

void check_table(const metalab::CsvTable& t) {
  FUZZ_CHECK(t.source == kSource, "source " << t.source);
  FUZZ_CHECK(t.num_columns() >= 1, "a table without columns");
  FUZZ_CHECK(t.num_columns() <= metalab::kCsvMaxColumns, t.num_columns() << " columns");
  FUZZ_CHECK(t.num_rows() <= metalab::kCsvMaxRows, t.num_rows() << " rows");
  FUZZ_CHECK(t.lines.size() == t.rows.size(), t.lines.size() << " lines for " << t.rows.size() << " rows");
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    FUZZ_CHECK(t.rows[r].size() == t.columns.size(), "row " << r << " has " << t.rows[r].size() << " cells");
    FUZZ_CHECK(t.lines[r] >= 2 && (r == 0 || t.lines[r] > t.lines[r - 1]), "row " << r << " on line " << t.lines[r]);
  }
  if (!t.rows.empty())
    FUZZ_CHECK(t.first_row_quoted.size() == t.columns.size(), t.first_row_quoted.size() << " quote flags");
}

void check_labelled(const metalab::CsvTable& t, const metalab::LabelledTable& l, int label) {
  FUZZ_CHECK(l.x.rows() == t.num_rows(), l.x.rows() << " feature rows for " << t.num_rows());
  FUZZ_CHECK(l.x.cols() == static_cast<Eigen::Index>(l.feature_names.size()), "feature names");
  FUZZ_CHECK(l.x.cols() >= 1 && l.x.cols() < t.num_columns(), l.x.cols() << " features");
  FUZZ_CHECK(l.x.allFinite(), "a feature that is not finite");
  FUZZ_CHECK(l.label_name == t.columns[static_cast<std::size_t>(label)], "label " << l.label_name);
  FUZZ_CHECK(l.labels.size() == t.rows.size() && l.y.size() == t.rows.size(), "one label per row");
  FUZZ_CHECK(std::is_sorted(l.classes.begin(), l.classes.end()) &&
                 std::adjacent_find(l.classes.begin(), l.classes.end()) == l.classes.end(),
             "classes are not sorted and distinct");
  for (std::size_t i = 0; i < l.y.size(); ++i) {
    FUZZ_CHECK(l.y[i] >= 0 && l.y[i] < static_cast<int>(l.classes.size()), "label " << l.y[i]);
    FUZZ_CHECK(l.classes[static_cast<std::size_t>(l.y[i])] == l.labels[i], "label text");
    FUZZ_CHECK(!l.labels[i].empty(), "an empty label");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace metalab;
  const std::string text(fuzz::as_view(data, size));
  CsvTable table;
  try {
    table = parse_csv_string(text, kSource);
  } catch (const DataError& e) {
    fuzz::expect_names(e, kSource);
    return 0;
  }
  check_table(table);

  std::vector<std::string> text_columns;
  try {
    text_columns = non_numeric_columns(table);
  } catch (const DataError& e) {
    fuzz::expect_names(e, kSource);
  }
  for (const std::string& c : text_columns)
    FUZZ_CHECK(std::find(table.columns.begin(), table.columns.end(), c) != table.columns.end(), "column " << c);

  // A label column picked from the input's hash, the others as features.
  const int label = static_cast<int>(fuzz::hash(text) % static_cast<std::uint64_t>(table.num_columns()));
  try {
    check_labelled(table, labelled_features(table, label), label);
  } catch (const DataError& e) {
    fuzz::expect_names(e, kSource);
  }
  try {
    const NumericTable n = numeric_features(table);
    FUZZ_CHECK(n.x.rows() == table.num_rows() && n.x.cols() == table.num_columns() && n.x.allFinite(), "numeric");
  } catch (const DataError& e) {
    fuzz::expect_names(e, kSource);
  }
  // As "Your data" and the CLI's --csv take it: a label column by name, the other text columns excluded.
  if (!text_columns.empty()) {
    std::vector<std::string> exclude(text_columns.begin() + 1, text_columns.end());
    try {
      const LabeledDataset d = dataset_from_table(table, text_columns.front(), -1, exclude);
      d.validate();
      FUZZ_CHECK(d.num_examples() == table.num_rows(), d.num_examples() << " examples");
      FUZZ_CHECK(d.feature_dim() + 1 + static_cast<int>(exclude.size()) == table.num_columns(), "features");
    } catch (const DataError& e) {
      fuzz::expect_names(e, kSource);
    }
  }
  return 0;
}
