#include "web/app/page/strings.h"

#include <stdexcept>

#include <algorithm>

#include "web/app/page/content.h"

namespace metalab::web {

namespace {

// "ui.lesson.next": two or more dot-separated parts of [a-z0-9_-].
bool valid_key(const std::string& key) {
  if (key.empty() || key.front() == '.' || key.back() == '.' || key.find("..") != std::string::npos) return false;
  if (key.find('.') == std::string::npos) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
  });
}

std::string language_of(const std::string& file) {
  std::string name = file.substr(file.find_last_of('/') + 1);
  const std::size_t dot = name.find('.');
  return dot == std::string::npos ? name : name.substr(0, dot);
}

}  // namespace

StringTable StringTable::parse(const std::string& file, const std::string& json_text) {
  StringTable t;
  t.file_ = file;
  t.language_ = language_of(file);
  if (t.language_.empty()) throw ContentError(file + ": cannot tell the language from the file name");
  const nlohmann::json j = parse_content_json(file, json_text);
  if (!j.is_object()) throw ContentError(file + ": expected an object of \"key\": \"text\" pairs");
  for (const auto& [key, value] : j.items()) {
    if (!valid_key(key))
      throw ContentError(file + ": key \"" + key + "\" is not of the form part.part (lower case, digits, _ -)");
    if (!value.is_string()) throw ContentError(file + ": \"" + key + "\" is not a string");
    const std::string text = value.get<std::string>();
    if (text.empty()) throw ContentError(file + ": \"" + key + "\" is empty");
    t.entries_[key] = text;
  }
  return t;
}

const std::string* StringTable::find(const std::string& key) const {
  const auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second;
}

std::string fill_placeholders(const std::string& text, const Placeholders& values) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == '{') {
      const std::size_t close = text.find('}', i + 1);
      if (close != std::string::npos) {
        const std::string name = text.substr(i + 1, close - i - 1);
        const auto it = std::find_if(values.begin(), values.end(), [&](const auto& v) { return v.first == name; });
        if (it != values.end()) {
          out += it->second;
          i = close + 1;
          continue;
        }
      }
    }
    out += text[i++];
  }
  return out;
}

std::set<std::string> placeholder_names(const std::string& text) {
  std::set<std::string> names;
  for (std::size_t i = text.find('{'); i != std::string::npos; i = text.find('{', i + 1)) {
    const std::size_t close = text.find('}', i + 1);
    if (close == std::string::npos) break;
    const std::string name = text.substr(i + 1, close - i - 1);
    // Only {identifier}: braces in an equation ("{x_i}") are not placeholders.
    if (!name.empty() && std::all_of(name.begin(), name.end(), [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; }))
      names.insert(name);
  }
  return names;
}

std::string utf8_prefix(const std::string& text, std::size_t code_points) {
  std::size_t i = 0, n = 0;
  while (i < text.size()) {
    // A character starts at a byte that is not a continuation byte (10xxxxxx).
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 && n++ == code_points) break;
    ++i;
  }
  return text.substr(0, i);
}

void StringTable::set(const std::string& key, std::string text) {
  if (!valid_key(key) || text.empty()) throw std::invalid_argument("string table: bad entry \"" + key + "\"");
  entries_[key] = std::move(text);
}

void Strings::add_text(const std::string& language, const std::string& key, std::string text) {
  auto it = tables_.find(language);
  if (it == tables_.end()) {
    it = tables_.emplace(language, StringTable::parse("assets/i18n/" + language + ".json", "{}")).first;
  }
  it->second.set(key, std::move(text));
}

void Strings::add(StringTable table) {
  const std::string lang = table.language();
  tables_[lang] = std::move(table);
}

bool Strings::set_language(const std::string& language) {
  if (!tables_.count(language) && language != kFallback) return false;  // English: the fallback, always there
  language_ = language;
  return true;
}

std::vector<std::string> Strings::languages() const {
  std::vector<std::string> out;
  for (const auto& [lang, t] : tables_) out.push_back(lang);
  return out;
}

const StringTable* Strings::table(const std::string& language) const {
  const auto it = tables_.find(language);
  return it == tables_.end() ? nullptr : &it->second;
}

const std::string& Strings::get(const std::string& key) const {
  if (const StringTable* t = table(language_))
    if (const std::string* s = t->find(key)) return *s;
  if (const StringTable* t = table(kFallback))
    if (const std::string* s = t->find(key)) return *s;
  return *missing_asked_.insert(key).first;
}

std::string Strings::format(const std::string& key, const Placeholders& values) const {
  const std::string& text = get(key);
  if (&text != &key && text != key) return fill_placeholders(text, values);
  // No text anywhere: the key, and the values, so that a notice still says what it is about.
  std::string out = key;
  for (std::size_t i = 0; i < values.size(); ++i) out += (i ? ", " : ": ") + values[i].second;
  return out;
}

bool Strings::has(const std::string& key) const {
  const StringTable* en = table(kFallback);
  return en && en->find(key);
}

const std::string& Strings::text_in(const std::string& language, const std::string& key) const {
  const StringTable* t = table(language);
  const std::string* text = t ? t->find(key) : nullptr;
  return text ? *text : english(key);
}

const std::string& Strings::english(const std::string& key) const {
  const StringTable* en = table(kFallback);
  const std::string* text = en ? en->find(key) : nullptr;
  return text ? *text : key;
}

const std::map<std::string, std::string>& Strings::table_entries(const std::string& language) const {
  static const std::map<std::string, std::string> none;
  const StringTable* t = table(language);
  return t ? t->entries() : none;
}

std::vector<std::string> Strings::missing(const std::string& language) const {
  std::vector<std::string> out;
  const StringTable* en = table(kFallback);
  const StringTable* t = table(language);
  if (!en) return out;
  for (const auto& [key, text] : en->entries())
    if (!t || !t->find(key)) out.push_back(key);
  return out;
}

std::vector<std::string> Strings::extra(const std::string& language) const {
  std::vector<std::string> out;
  const StringTable* en = table(kFallback);
  const StringTable* t = table(language);
  if (!t) return out;
  for (const auto& [key, text] : t->entries())
    if (!en || !en->find(key)) out.push_back(key);
  return out;
}

std::vector<std::string> Strings::placeholder_mismatches(const std::string& language) const {
  std::vector<std::string> out;
  const StringTable* en = table(kFallback);
  const StringTable* t = table(language);
  if (!en || !t) return out;
  for (const auto& [key, text] : t->entries())
    if (const std::string* e = en->find(key); e && placeholder_names(*e) != placeholder_names(text)) out.push_back(key);
  return out;
}

}  // namespace metalab::web
