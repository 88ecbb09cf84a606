#include "web/app/page/settings_text.h"

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
  std::vector<std::string> out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') continue;
    if (i + 1 < text.size() && text[i + 1] == '%') {
      ++i;
      continue;
    }
    std::size_t j = i + 1;
    static const std::string kEnd = "diuxXfFeEgGaAcsp";
    while (j < text.size() && kEnd.find(text[j]) == std::string::npos) ++j;
    out.push_back(text.substr(i, j + 1 - i));
    i = j;
  }
  return out;
}

}  // namespace metalab::web
