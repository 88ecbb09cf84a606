// The views' side of the page's string tables (web/app/page/strings.h): text
// by key in the current language, for ImGui calls.
//
//   ImGui::Button(tr("ui.lesson.next"));
//   ImGui::Checkbox(tr_id("ui.display.dark", "dark").c_str(), &dark);
//   ImGui::TextUnformatted(format_tr("ui.lesson.progress", {{"step", "3"}, {"steps", "9"}}).c_str());
#pragma once

#include <string>

#include "web/app/page/strings.h"

namespace metalab::web {

// The tables the UI reads (draw_app sets them at the start of every frame).
void set_ui_strings(const Strings* strings);
// The text of a key (the key itself when no table has it); valid for the frame.
const char* tr(const std::string& key);
std::string format_tr(const std::string& key, const Placeholders& values);
// A widget label with an ImGui ID that stays the same in every language:
// "text###id" (only what follows ### is hashed; "text##id" hashes the text too).
//   ImGui::Button(tr_id("ui.presenter.exit", "exit").c_str());
std::string tr_id(const std::string& key, const std::string& id);
// A number with a fixed count of decimals, for placeholders ("0.125").
std::string fixed(double value, int decimals);

}  // namespace metalab::web
