#include "web/app/page/settings_text.h"

#include <regex>
#include <set>

#include "web/app/labs/classification/settings.h"
#include "web/app/labs/gene/settings.h"
#include "web/app/labs/landscape/settings.h"
#include "web/app/labs/memory/settings.h"
#include "web/app/labs/regression/settings.h"
#include "web/app/labs/sinusoid/settings.h"

namespace metalab::web {

namespace {

// The choices of every choice setting, over the values of the table's other
// choice settings too (a learner list depends on the data set).
template <class S>
void add_table(Strings& strings, const SettingsTable<S>& table) {
  const auto add = [&](const std::string& key, const std::string& text) {
    if (!text.empty()) strings.add_text(Strings::kFallback, key, text);
  };
  std::vector<S> variants{S{}};
  for (const Setting<S>& setting : table.settings())
    if (setting.kind() == Setting<S>::Kind::Choice)
      for (const Choice& c : setting.choices(S{})) {
        S s{};
        *setting.text_field(s) = c.value;
        variants.push_back(s);
      }
  for (const Setting<S>& setting : table.settings()) {
    add(table.label_key(setting), setting.label());
    add(table.tooltip_key(setting), setting.tooltip());
    if (setting.kind() != Setting<S>::Kind::Choice) continue;
    for (const S& s : variants)
      for (const Choice& c : setting.choices(s)) add(table.choice_key(setting, c.value), c.title);
  }
}

}  // namespace

void add_settings_text(Strings& strings) {
  add_table(strings, sinusoid_settings());
  add_table(strings, regression_settings());
  add_table(strings, classification_settings());
  add_table(strings, memory_settings());
  add_table(strings, gene_settings());
  add_table(strings, landscape_settings());
}

std::vector<std::string> printf_conversions(const std::string& text) {
  // flags (no ' ': "89% against" is a percentage), width, precision, length, conversion
  static const std::regex conversion(R"(%%|%[-+#0]*[0-9]*(\.[0-9]+)?(hh|h|ll|l|z|j|t|L)?[diuxXfFeEgGaAcsp])");
  std::vector<std::string> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), conversion); it != std::sregex_iterator(); ++it)
    if (it->str() != "%%") out.push_back(it->str());
  return out;
}

}  // namespace metalab::web
