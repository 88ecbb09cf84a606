// The page's text by key: one table per language, as data
// (assets/i18n/<lang>.json, compiled into the program: content.h), looked up
// with English as the fallback. Lessons (lessons.h) and every UI string added
// since the lessons go through it; the views' older strings move here with the
// Chinese translation (issue 16).
//
// Keys are dotted, lower case: "ui.<area>.<name>" for the page's own text,
// where area is a view (ui.landscape.title) or a part of the page
// (ui.lesson.next, ui.presenter.toggle); "lesson.<lesson>.<step>.<field>" for
// lesson text (lesson.maml.inner.text); the labs' settings tables name their
// labels "<table>.<key>" (settings.h) and get the prefix "settings.". A value with a number or name in it names a placeholder,
// "Step {step} of {steps}", filled by format(): a translation may move the
// placeholders but must keep the same set (placeholder_mismatches() lists
// the strings that do not). Numbers, units and equations are written the
// same in every language.
//
//   Strings s;
//   s.add(StringTable::parse("assets/i18n/en.json", R"({"ui.lesson.progress": "Step {step} of {steps}"})"));
//   s.format("ui.lesson.progress", {{"step", "3"}, {"steps", "9"}});   // "Step 3 of 9"
//   s.get("lesson.nowhere");                                          // "lesson.nowhere": the key itself
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "web/app/page/content.h"

namespace metalab::web {

class StringTable {
 public:
  // {"key": "text", ...}: every value a non-empty string, every key of the
  // form above. The language is the file's name ("assets/i18n/zh.json": zh).
  // Throws ContentError naming the file and the offending key.
  static StringTable parse(const std::string& file, const std::string& json_text);

  const std::string& language() const { return language_; }
  const std::string& file() const { return file_; }
  const std::string* find(const std::string& key) const;
  const std::map<std::string, std::string>& entries() const { return entries_; }
  // One more entry (or a new text for a key); a key not of the form above is
  // a programming error (std::invalid_argument).
  void set(const std::string& key, std::string text);

 private:
  std::string language_, file_;
  std::map<std::string, std::string> entries_;
};

using Placeholders = std::vector<std::pair<std::string, std::string>>;

// The first `code_points` characters of UTF-8 text (never half a character).
std::string utf8_prefix(const std::string& text, std::size_t code_points);

// "{name}" in text replaced by its value; unknown names stay as they are.
std::string fill_placeholders(const std::string& text, const Placeholders& values);
// The placeholder names a text uses ("Step {step} of {steps}": step, steps).
std::set<std::string> placeholder_names(const std::string& text);

class Strings {
 public:
  static constexpr const char* kFallback = "en";

  // Adds (or replaces) the table of its language.
  void add(StringTable table);
  // One entry of a language's table (the table is made when there is none):
  // the settings tables' English labels come in this way (settings_text.h).
  void add_text(const std::string& language, const std::string& key, std::string text);
  // false (and the language unchanged) when there is no table for it.
  bool set_language(const std::string& language);
  const std::string& language() const { return language_; }
  std::vector<std::string> languages() const;

  // In the current language, else English, else the key itself (so that a
  // missing string shows where it is missing instead of nothing; the keys
  // asked for that way are kept in missing_asked()). The reference lives as
  // long as the Strings.
  const std::string& get(const std::string& key) const;
  const std::set<std::string>& missing_asked() const { return missing_asked_; }
  // get(key) with its placeholders filled; a key with no text anywhere gives
  // "key: value, value" (the values are what a notice is about).
  std::string format(const std::string& key, const Placeholders& values) const;
  // Whether the English table has the key (lesson files are checked against it).
  bool has(const std::string& key) const;
  // The text of a key in a given language, else English, else the key.
  const std::string& text_in(const std::string& language, const std::string& key) const;
  // The English text of a key (the key itself when there is none).
  const std::string& english(const std::string& key) const;
  // Every entry of one language's table (empty when there is none).
  const std::map<std::string, std::string>& table_entries(const std::string& language) const;

  // Keys of the English table that `language` lacks, sorted; and keys it has
  // that English does not (stale translations).
  std::vector<std::string> missing(const std::string& language) const;
  std::vector<std::string> extra(const std::string& language) const;
  // Keys whose translation in `language` uses other placeholders than English.
  std::vector<std::string> placeholder_mismatches(const std::string& language) const;

 private:
  const StringTable* table(const std::string& language) const;
  std::map<std::string, StringTable> tables_;
  std::string language_ = kFallback;
  mutable std::set<std::string> missing_asked_;  // keys with no text anywhere, asked for
};

}  // namespace metalab::web
