// The page's string tables (web/app/page/strings.h): malformed tables named
// with the file and key, English fallback, placeholders, and the shipped
// tables: no language lacks a key of English or uses other placeholders, and
// every key the UI code asks for exists.
#include "web/app/page/strings.h"

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>

#include "web/app/page/lessons.h"
#include "web/app/page/settings_text.h"

namespace metalab::web {
namespace {

std::string error_of(const std::string& file, const std::string& text) {
  try {
    StringTable::parse(file, text);
  } catch (const ContentError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Strings, MalformedTablesAreNamedWithTheFileAndTheKey) {
  const std::string f = "assets/i18n/xx.json";
  EXPECT_NE(error_of(f, "{\"ui.a\": ").find("assets/i18n/xx.json: not valid JSON"), std::string::npos);
  EXPECT_NE(error_of(f, "[1, 2]").find("xx.json: expected an object"), std::string::npos);
  EXPECT_NE(error_of(f, R"({"ui.a": 3})").find("\"ui.a\" is not a string"), std::string::npos);
  EXPECT_NE(error_of(f, R"({"ui.a": ""})").find("\"ui.a\" is empty"), std::string::npos);
  EXPECT_NE(error_of(f, R"({"UI.A": "x"})").find("key \"UI.A\" is not of the form"), std::string::npos);
  EXPECT_NE(error_of(f, R"({"nodot": "x"})").find("key \"nodot\""), std::string::npos);
  EXPECT_NE(error_of(f, R"({"ui.a": "x", "ui.a": "y"})").find("duplicate key \"ui.a\""), std::string::npos)
      << "a duplicate would silently lose one of the two texts";
  EXPECT_EQ(error_of(f, R"({"ui.a.b-c_2": "x"})"), "(no error)");
}

TEST(Strings, LookupFallsBackToEnglishThenToTheKey) {
  Strings s;
  s.add(StringTable::parse("assets/i18n/en.json", R"({"ui.a": "Apple", "ui.b": "Banana"})"));
  s.add(StringTable::parse("assets/i18n/zh.json", R"({"ui.a": "苹果"})"));
  EXPECT_EQ(s.get("ui.a"), "Apple");
  EXPECT_FALSE(s.set_language("fr")) << "no table for it";
  EXPECT_EQ(s.language(), "en");
  ASSERT_TRUE(s.set_language("zh"));
  EXPECT_EQ(s.get("ui.a"), "苹果");
  EXPECT_EQ(s.get("ui.b"), "Banana") << "English fallback";
  EXPECT_EQ(s.get("ui.nowhere"), "ui.nowhere") << "a missing string shows its key";
  EXPECT_EQ(s.missing_asked(), std::set<std::string>{"ui.nowhere"});
  EXPECT_EQ(s.missing("zh"), std::vector<std::string>{"ui.b"});
  EXPECT_TRUE(s.extra("zh").empty());
}

TEST(Strings, PlaceholdersAreNamedAndMayMove) {
  EXPECT_EQ(fill_placeholders("Step {step} of {steps}", {{"step", "3"}, {"steps", "9"}}), "Step 3 of 9");
  EXPECT_EQ(fill_placeholders("第 {step} 步，共 {steps} 步", {{"steps", "9"}, {"step", "3"}}), "第 3 步，共 9 步");
  EXPECT_EQ(fill_placeholders("{unknown} and {", {}), "{unknown} and {");
  EXPECT_EQ(placeholder_names("Step {step} of {steps}; set {x_i}"), (std::set<std::string>{"step", "steps", "x_i"}));
  EXPECT_TRUE(placeholder_names("S = {(x, y)}").empty()) << "braces in an equation are not placeholders";
  Strings s;
  s.add(StringTable::parse("assets/i18n/en.json", R"({"ui.p": "Step {step} of {steps}", "ui.q": "{n} items"})"));
  s.add(StringTable::parse("assets/i18n/zh.json", R"({"ui.p": "第 {step} 步，共 {steps} 步", "ui.q": "{count} 项"})"));
  EXPECT_EQ(s.placeholder_mismatches("zh"), std::vector<std::string>{"ui.q"});
  s.set_language("zh");
  EXPECT_EQ(s.format("ui.p", {{"step", "3"}, {"steps", "9"}}), "第 3 步，共 9 步");
}

// The list a translator works from: keys of English that a language lacks.
TEST(Strings, TheShippedTablesLackNoKeyOfEnglish) {
  Strings s = load_strings(embedded_content());
  add_settings_text(s);  // the labs' labels, tooltips and choices, as the page has them
  const std::vector<std::string> langs = s.languages();
  ASSERT_NE(std::find(langs.begin(), langs.end(), "en"), langs.end()) << "assets/i18n/en.json is compiled in";
  for (const std::string& lang : langs) {
    if (lang == "en") continue;
    std::string list;
    for (const std::string& k : s.missing(lang)) list += "\n  " + k;
    EXPECT_TRUE(s.missing(lang).empty()) << "assets/i18n/" << lang << ".json lacks" << list;
    EXPECT_TRUE(s.extra(lang).empty()) << lang << " has keys English does not";
    EXPECT_TRUE(s.placeholder_mismatches(lang).empty()) << lang << ": other placeholders than English";
    // A slider's label or format is a printf format: a translation keeps the conversions ("seed %llu": "种子 %llu").
    for (const auto& [key, text] : s.table_entries(lang))
      EXPECT_EQ(printf_conversions(text), printf_conversions(s.english(key))) << lang << ": " << key << " = " << text;
  }
}

TEST(Strings, Utf8PrefixNeverCutsACharacter) {
  EXPECT_EQ(utf8_prefix("setosa", 3), "set");
  EXPECT_EQ(utf8_prefix("setosa", 9), "setosa");
  EXPECT_EQ(utf8_prefix("\xE8\x82\x9D\xE8\x84\x8F\xE7\xBB\x86\xE8\x83\x9E", 2), "\xE8\x82\x9D\xE8\x84\x8F");  // 肝脏细胞: 肝脏
  EXPECT_EQ(utf8_prefix("a\xC3\xA9" "b", 2), "a\xC3\xA9");
  EXPECT_EQ(utf8_prefix("", 4), "");
  EXPECT_EQ(utf8_prefix("abc", 0), "");
}

TEST(Strings, SettingsTextsHaveKeysAndFormatsKeepTheirConversions) {
  Strings s;
  add_settings_text(s);
  EXPECT_EQ(s.get("settings.classification.ways"), "ways");
  EXPECT_EQ(s.get("settings.classification.ways.tip"), "Classes per episode (N-way)");
  EXPECT_EQ(s.get("settings.classification.dataset.tissue"), "Tissue expression");
  EXPECT_EQ(s.get("settings.classification.seed"), "seed %llu");
  EXPECT_TRUE(s.has("settings.classification.learner.protonet")) << "choices that depend on other settings are there too";
  EXPECT_EQ(printf_conversions("alpha %.4f, 100%% of %d"), (std::vector<std::string>{"%.4f", "%d"}));
  EXPECT_EQ(printf_conversions("seed %llu"), (std::vector<std::string>{"%llu"}));
  EXPECT_TRUE(printf_conversions("no format").empty());
  EXPECT_TRUE(printf_conversions("above 70%, 89% against 69%").empty()) << "percentages are not conversions";
  EXPECT_EQ(printf_conversions("%-8.3lf|%5d%%"), (std::vector<std::string>{"%-8.3lf", "%5d"}));
}

// Every key the page's code asks for by a literal (tr("..."), format_tr("..."),
// a table of "ui." keys) has an English text, so no key ever shows as itself.
TEST(Strings, EveryKeyTheCodeUsesHasEnglishText) {
  const Strings s = load_strings(embedded_content());
  const std::regex key(R"re("(ui\.[a-z0-9_.-]+)")re");
  int found = 0;
  std::string missing;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(std::string(METALAB_SOURCE_DIR) + "/web/app")) {
    if (!entry.is_regular_file()) continue;
    const std::string ext = entry.path().extension().string();
    if (ext != ".cpp" && ext != ".h") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    const std::string src = text.str();
    for (auto it = std::sregex_iterator(src.begin(), src.end(), key); it != std::sregex_iterator(); ++it) {
      ++found;
      const std::string k = (*it)[1].str();
      if (!s.has(k) && k.back() != '.') missing += "\n  " + k + " (" + entry.path().filename().string() + ")";
    }
  }
  EXPECT_GT(found, 40) << "the scan finds the UI's keys";
  EXPECT_TRUE(missing.empty()) << "keys without English text:" << missing;
}

}  // namespace
}  // namespace metalab::web
