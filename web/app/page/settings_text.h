// The settings tables' texts in the string tables: every lab's labels,
// tooltips and choice titles are written in English in its table
// (web/app/labs/<lab>/settings.cpp) and reach the page through the keys
// SettingsTable::label_key / tooltip_key / choice_key, so that the Chinese
// table (assets/i18n/zh.json) translates them like any other string and the
// missing-translation test sees them.
//
//   Strings s = load_strings(embedded_content());
//   add_settings_text(s);
//   s.get("settings.classification.ways");  // "ways" (or its translation)
#pragma once

#include <string>
#include <vector>

#include "web/app/page/strings.h"

namespace metalab::web {

// Puts every table's English texts into the English table.
void add_settings_text(Strings& strings);

// The printf conversions of a label ("alpha %.4f": {"%.4f"}; "%%" is not
// one): a slider draws its label as a format, so a translation must keep the
// same conversions in the same order (format_label falls back to English).
std::vector<std::string> printf_conversions(const std::string& text);

}  // namespace metalab::web
