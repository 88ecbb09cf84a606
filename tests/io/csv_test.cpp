#include "core/io/csv.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <clocale>
#include <functional>
#include <initializer_list>
#include <sstream>
#include <string>

namespace metalab {
namespace {

// Runs f, which must throw DataError whose message contains every fragment.
void expect_data_error(const std::function<void()>& f, std::initializer_list<const char*> fragments) {
  try {
    f();
    ADD_FAILURE() << "expected DataError";
  } catch (const DataError& e) {
    const std::string msg = e.what();
    for (const char* frag : fragments) EXPECT_NE(msg.find(frag), std::string::npos) << "'" << frag << "' not in: " << msg;
  }
}

std::string asset(const char* name) { return std::string(METALAB_SOURCE_DIR) + "/assets/data/" + name; }

TEST(Csv, ParsesHeaderAndRows) {
  const CsvTable t = parse_csv_string("a,b,label\n1,2.5,x\n-3,4e2,y\n", "mem.csv");
  EXPECT_EQ(t.source, "mem.csv");
  ASSERT_EQ(t.num_columns(), 3);
  ASSERT_EQ(t.num_rows(), 2);
  EXPECT_EQ(t.columns[2], "label");
  EXPECT_EQ(t.rows[1][1], "4e2");
  EXPECT_EQ(t.lines[0], 2);
  EXPECT_EQ(t.lines[1], 3);
  EXPECT_EQ(t.column_index("b"), 1);
  EXPECT_EQ(t.find_column("nope"), -1);

  const LabelledTable d = labelled_features(t, "label");
  ASSERT_EQ(d.x.rows(), 2);
  ASSERT_EQ(d.x.cols(), 2);
  EXPECT_FLOAT_EQ(d.x(0, 1), 2.5f);
  EXPECT_FLOAT_EQ(d.x(1, 0), -3.0f);
  EXPECT_FLOAT_EQ(d.x(1, 1), 400.0f);
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(d.label_name, "label");
  EXPECT_EQ(d.labels, (std::vector<std::string>{"x", "y"}));
}

TEST(Csv, QuotedFieldsWithCommasQuotesAndNewlines) {
  const std::string text =
      "\"id\",\"note\",\"v\"\n"
      "\"01005\",\"a, b\",1\n"
      "\"7\",\"she said \"\"hi\"\"\",2\n"
      "\"8\",\"two\nlines\",3\n"
      "9,\"\",4\n";
  const CsvTable t = parse_csv_string(text, "q.csv");
  ASSERT_EQ(t.num_rows(), 4);
  EXPECT_EQ(t.columns[0], "id");
  EXPECT_EQ(t.rows[0][0], "01005");
  EXPECT_EQ(t.rows[0][1], "a, b");
  EXPECT_EQ(t.rows[1][1], "she said \"hi\"");
  EXPECT_EQ(t.rows[2][1], "two\nlines");
  EXPECT_EQ(t.rows[3][1], "");
  // The record after a two-line field starts on physical line 6.
  EXPECT_EQ(t.lines[2], 4);
  EXPECT_EQ(t.lines[3], 6);
  EXPECT_EQ(t.first_row_quoted, (std::vector<bool>{true, true, false}));
}

TEST(Csv, CrlfAndLfGiveTheSameTable) {
  const std::string lf = "x,y,\"q\"\n1,2,\"a\nb\"\n3,4,c\n";
  std::string crlf;
  for (char c : lf) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  const CsvTable a = parse_csv_string(lf, "lf.csv"), b = parse_csv_string(crlf, "crlf.csv");
  EXPECT_EQ(a.columns, b.columns);
  EXPECT_EQ(a.rows, b.rows);
  EXPECT_EQ(a.lines, b.lines);
  EXPECT_EQ(b.rows[0][2], "a\nb");  // CRLF inside a quoted field becomes LF
  EXPECT_EQ(b.rows[1][2], "c");     // no stray '\r' on the last field
}

TEST(Csv, BlankLinesMissingFinalNewlineAndBom) {
  const CsvTable t = parse_csv_string("\xEF\xBB\xBF" "a,b\n1,2\n\n3,4", "bom.csv");
  EXPECT_EQ(t.columns[0], "a");
  ASSERT_EQ(t.num_rows(), 2);
  EXPECT_EQ(t.rows[1][1], "4");
  EXPECT_EQ(t.lines[1], 4);
  const CsvTable u = parse_csv_string("a,b\r\n1,2\r\n\r\n\r\n", "trailing.csv");
  EXPECT_EQ(u.num_rows(), 1);
}

TEST(Csv, ReadsFromAStream) {
  std::istringstream in("g1,g2\n0.5,1\n");
  const NumericTable n = numeric_features(parse_csv(in, "stream"));
  ASSERT_EQ(n.x.rows(), 1);
  EXPECT_FLOAT_EQ(n.x(0, 0), 0.5f);
}

TEST(Csv, EmptyTrailingFieldCounts) {
  const CsvTable t = parse_csv_string("a,b,c\n1,2,\n", "t.csv");
  ASSERT_EQ(t.rows[0].size(), 3u);
  EXPECT_EQ(t.rows[0][2], "");
}

TEST(Csv, RaggedRowNamesLineAndCounts) {
  std::string text = "a,b,c,d,e,f\n";
  for (int i = 2; i < 17; ++i) text += "1,2,3,4,5,6\n";
  text += "1,2,3,4,5\n";  // line 17
  expect_data_error([&] { parse_csv_string(text, "ragged.csv"); },
                    {"ragged.csv", "line 17 has 5 fields, header has 6"});
  expect_data_error([&] { parse_csv_string("a,b\n1,2,3\n", "long.csv"); }, {"long.csv", "line 2 has 3 fields"});
}

TEST(Csv, EmptyFile) {
  expect_data_error([] { parse_csv_string("", "empty.csv"); }, {"empty.csv", "empty file"});
  expect_data_error([] { parse_csv_string("\n\r\n\n", "blank.csv"); }, {"blank.csv", "empty file"});
  std::istringstream in("");
  expect_data_error([&] { parse_csv(in, "stdin"); }, {"stdin", "empty file"});
}

TEST(Csv, HeaderWithoutRows) {
  const CsvTable t = parse_csv_string("a,b\n", "header_only.csv");
  EXPECT_EQ(t.num_rows(), 0);
  expect_data_error([&] { numeric_features(t); }, {"header_only.csv", "no data rows"});
}

TEST(Csv, BrokenQuotes) {
  expect_data_error([] { parse_csv_string("a,b\n1,\"open\n2,3\n", "open.csv"); },
                    {"open.csv", "line 2", "never closed"});
  expect_data_error([] { parse_csv_string("a,b\n1,\"x\"y\n", "after.csv"); },
                    {"after.csv", "line 2", "after the closing quote of field 2"});
}

TEST(Csv, NonNumericFeatureCellNamesLineColumnAndText) {
  const CsvTable t = parse_csv_string("tissue,MAML1,LHPP\nliver,1.5,2\nkidney,3,abc\n", "tissue.csv");
  expect_data_error([&] { labelled_features(t, "tissue"); },
                    {"tissue.csv", "line 3", "column 'LHPP'", "'abc'", "not a number"});
  // Without naming the label, the text column itself is the offending feature.
  expect_data_error([&] { numeric_features(t); }, {"line 2", "column 'tissue'", "'liver'"});
}

TEST(Csv, NonFiniteAndMissingValuesRejected) {
  struct Case {
    const char* cell;
    const char* why;
  };
  for (const Case& c : {Case{"nan", "not finite"}, Case{"NaN", "not finite"}, Case{"-inf", "not finite"},
                        Case{"Infinity", "not finite"}, Case{"1e999", "out of float range"},
                        Case{"1e39", "out of float range"}, Case{"NA", "missing value"}, Case{"", "missing value"},
                        Case{"0x10", "not a number"}, Case{"1.2.3", "not a number"}, Case{"3 kg", "not a number"}}) {
    const CsvTable t = parse_csv_string(std::string("a,b\n1,2\n4,") + c.cell + "\n", "nf.csv");
    expect_data_error([&] { numeric_features(t); }, {"nf.csv", "line 3", "column 'b'", c.why});
  }
}

TEST(Csv, NumberParsingAcceptsOrdinaryNotation) {
  float v = 0;
  EXPECT_TRUE(parse_number(" 42 ", &v));
  EXPECT_FLOAT_EQ(v, 42.0f);
  EXPECT_TRUE(parse_number("-1.5E-3", &v));
  EXPECT_FLOAT_EQ(v, -1.5e-3f);
  EXPECT_TRUE(parse_number("+.5", &v));
  EXPECT_FLOAT_EQ(v, 0.5f);
  EXPECT_TRUE(parse_number("01005", &v));
  EXPECT_FLOAT_EQ(v, 1005.0f);
  std::string why;
  EXPECT_FALSE(parse_number("-", &v, &why));
  EXPECT_EQ(why, "not a number");
}

TEST(Csv, ReadsDecimalPointsWhateverTheLocale) {
  const std::string saved = std::setlocale(LC_NUMERIC, nullptr);
  const char* found = nullptr;
  for (const char* name : {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8"})
    if (std::setlocale(LC_NUMERIC, name)) {
      found = name;
      break;
    }
  if (!found) GTEST_SKIP() << "no locale with a decimal comma installed";
  float v = 0;
  const bool ok = parse_number("2.5", &v);
  std::setlocale(LC_NUMERIC, saved.c_str());
  EXPECT_TRUE(ok);
  EXPECT_FLOAT_EQ(v, 2.5f);
}

TEST(Csv, MissingLabelColumn) {
  const CsvTable t = parse_csv_string("a,b\n1,2\n", "nolabel.csv");
  expect_data_error([&] { labelled_features(t, "tissue"); }, {"nolabel.csv", "label column 'tissue' not found", "'a'"});
  expect_data_error([&] { labelled_features(t, 5); }, {"nolabel.csv", "index 5 is out of range (2 columns)"});
  expect_data_error([&] { labelled_features(t, -3); }, {"out of range"});
  expect_data_error([&] { t.column_index("zz"); }, {"no column named 'zz'"});
}

TEST(Csv, EmptyLabelCell) {
  const CsvTable t = parse_csv_string("y,a\nx,1\n ,2\n", "lab.csv");
  expect_data_error([&] { labelled_features(t, "y"); }, {"lab.csv", "line 3", "empty label"});
}

TEST(Csv, LabelByIndexClassesSortedAndExclusions) {
  const CsvTable t = parse_csv_string("id,f1,f2,kind\n1,0.1,0.2,b\n2,0.3,0.4,a\n3,0.5,0.6,b\n", "idx.csv");
  const LabelledTable d = labelled_features(t, -1, {"id"});
  EXPECT_EQ(d.label_name, "kind");
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"f1", "f2"}));
  EXPECT_EQ(d.classes, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(d.y, (std::vector<int>{1, 0, 1}));
  const LabelledTable e = labelled_features(t, 3, {"id"});
  EXPECT_EQ(e.y, d.y);
  expect_data_error([&] { labelled_features(t, "kind", {"nope"}); }, {"idx.csv", "'nope' to exclude does not exist"});
  expect_data_error([&] { labelled_features(t, "kind", {"id", "f1", "f2"}); }, {"no feature columns"});
}

TEST(Csv, DuplicateColumnNamesAreAmbiguousOnlyWhenUsed) {
  const CsvTable t = parse_csv_string("g,g,y\n1,2,a\n", "dup.csv");
  EXPECT_EQ(numeric_features(t, {"y"}).x.cols(), 2);
  expect_data_error([&] { t.find_column("g"); }, {"dup.csv", "'g' is ambiguous (columns 1 and 2)"});
}

TEST(Csv, GuessesLabelColumns) {
  const CsvTable r = parse_csv_string(
      "\"sample\",\"BT\",\"g1\",\"g2\"\n\"01005\",\"B2\",9.2,7.7\n\"01010\",\"B2\",8.1,NA\n", "r.csv");
  EXPECT_EQ(non_numeric_columns(r), (std::vector<std::string>{"sample", "BT"}));
  // Everything quoted: quoting says nothing, only the text does.
  const CsvTable q = parse_csv_string("\"t\",\"g\"\n\"liver\",\"1.5\"\n", "q.csv");
  EXPECT_EQ(non_numeric_columns(q), (std::vector<std::string>{"t"}));
  // A numeric column with one typo stays numeric, so the typo is reported.
  const CsvTable typo = parse_csv_string("t,g\nliver,1.5\nkidney,1..5\n", "typo.csv");
  EXPECT_EQ(non_numeric_columns(typo), (std::vector<std::string>{"t"}));
  expect_data_error([&] { numeric_features(typo, non_numeric_columns(typo)); }, {"line 3", "'1..5'"});
}

TEST(Csv, MissingFile) {
  expect_data_error([] { load_csv_file("/nonexistent/dir/x.csv"); }, {"/nonexistent/dir/x.csv", "cannot open"});
}

TEST(CsvAssets, TissueGeneExpression) {
  const CsvTable t = load_csv_file(asset("tissue_gene_expression.csv"));
  const LabelledTable d = labelled_features(t, "tissue");
  EXPECT_EQ(d.x.rows(), 189);
  EXPECT_EQ(d.x.cols(), 500);
  EXPECT_EQ(d.classes, (std::vector<std::string>{"cerebellum", "colon", "endometrium", "hippocampus", "kidney",
                                                 "liver", "placenta"}));
  EXPECT_EQ(std::count(d.labels.begin(), d.labels.end(), "kidney"), 39);
  EXPECT_EQ(std::count(d.labels.begin(), d.labels.end(), "placenta"), 6);
  EXPECT_GT(d.x.minCoeff(), 4.0f);
  EXPECT_LT(d.x.maxCoeff(), 15.0f);
  EXPECT_EQ(non_numeric_columns(t), (std::vector<std::string>{"tissue"}));
}

TEST(CsvAssets, AllLeukemia) {
  const CsvTable t = load_csv_file(asset("ALL_top1000.csv"));
  EXPECT_EQ(non_numeric_columns(t), (std::vector<std::string>{"sample", "BT", "mol.biol"}));
  const LabelledTable d = labelled_features(t, "mol.biol", {"sample", "BT"});
  EXPECT_EQ(d.x.rows(), 128);
  EXPECT_EQ(d.x.cols(), 1000);
  EXPECT_EQ(std::count(d.labels.begin(), d.labels.end(), "NEG"), 74);
  EXPECT_EQ(std::count(d.labels.begin(), d.labels.end(), "BCR/ABL"), 37);
  EXPECT_EQ(d.classes.size(), 6u);
  const LabelledTable bt = labelled_features(t, "BT", {"sample", "mol.biol"});
  EXPECT_EQ(bt.classes.size(), 10u);
}

TEST(CsvAssets, BreastCancer) {
  const LabelledTable d = labelled_features(load_csv_file(asset("breast_cancer.csv")), "diagnosis");
  EXPECT_EQ(d.x.rows(), 569);
  EXPECT_EQ(d.x.cols(), 30);
  EXPECT_EQ(d.feature_names.front(), "mean radius");
  EXPECT_EQ(d.feature_names.back(), "worst fractal dimension");
  EXPECT_EQ(d.classes, (std::vector<std::string>{"benign", "malignant"}));
  EXPECT_EQ(std::count(d.y.begin(), d.y.end(), 1), 212);
  EXPECT_FLOAT_EQ(d.x(0, 0), 17.99f);
}

TEST(CsvBounds, TablesPastTheCapsAreRefusedAsParsingReachesThem) {
  static_assert(kCsvMaxColumns == 131072 && kCsvMaxRows == 1048576, "the documented caps");
  // A header of exactly the cap parses; one field more is refused at that field.
  const std::string widest(static_cast<std::size_t>(kCsvMaxColumns - 1), ',');
  EXPECT_EQ(parse_csv_string(widest + "\n", "wide.csv").num_columns(), kCsvMaxColumns);
  expect_data_error([&] { parse_csv_string(widest + ",\n", "wider.csv"); },
                    {"wider.csv: the header has more than 131072 columns"});
  // One data row more than the cap: refused on the row past it, with its line.
  std::string rows = "a\n";
  rows.reserve(2 * static_cast<std::size_t>(kCsvMaxRows) + 8);
  for (int r = 0; r <= kCsvMaxRows; ++r) rows += "1\n";
  expect_data_error([&] { parse_csv_string(rows, "long.csv"); },
                    {"long.csv: line 1048578: more than 1048576 data rows"});
  // A data row longer than the header is counted, not kept: the message has its true width.
  expect_data_error([&] { parse_csv_string("a,b\n" + std::string(1000000, ',') + "\n", "ragged.csv"); },
                    {"ragged.csv: line 2 has 1000001 fields, header has 2"});
}

}  // namespace
}  // namespace metalab
