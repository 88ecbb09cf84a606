// A lab's controls drawn from its settings table (web/app/page/settings.h):
// the widget, its range or choices, its label and tooltip all come from the
// table, so the URL, lessons and controls can never disagree.
//
//   if (draw_setting_control(lab.settings, regression_settings(), "alpha")) ...;  // changed
//
// A label with a printf conversion ("alpha %.4f") is drawn inside the slider
// with the value; a plain label ("K (support points)") goes next to it.
// Choice settings draw a combo of their titles.
#pragma once

#include <cstring>
#include <string>
#include <vector>

#include <imgui.h>

#include "web/app/page/settings.h"
#include "web/app/page/settings_text.h"
#include "web/app/ui/strings.h"

namespace metalab::web {

template <class S>
bool draw_setting_control(S& s, const SettingsTable<S>& table, const char* key) {
  const Setting<S>* setting = table.find(key);
  if (!setting) return false;
  using Kind = typename Setting<S>::Kind;
  // The texts in the page's language (settings_text.h); a translated format
  // with other conversions than the English one would misread the value.
  std::string label = tr(table.label_key(*setting));
  if (printf_conversions(label) != printf_conversions(setting->label())) label = setting->label();
  const bool inside = label.find('%') != std::string::npos;
  // "###": the ID is what follows, the same in every language (a "##" ID would hash the label too).
  const std::string id = (inside ? "###" : label + "###") + table.name() + "." + setting->key();
  const char* format = inside ? label.c_str() : nullptr;
  bool changed = false;
  switch (setting->kind()) {
    case Kind::Integer:
      changed = ImGui::SliderInt(id.c_str(), setting->int_field(s), static_cast<int>(setting->lo()),
                                 static_cast<int>(setting->hi(s)), format ? format : "%d", ImGuiSliderFlags_AlwaysClamp);
      break;
    case Kind::Real:
      changed = ImGui::SliderFloat(id.c_str(), setting->real_field(s), static_cast<float>(setting->lo()),
                                   static_cast<float>(setting->hi(s)), format ? format : "%.4g",
                                   ImGuiSliderFlags_AlwaysClamp | (setting->log_scale() ? ImGuiSliderFlags_Logarithmic : 0));
      break;
    case Kind::Seed: {
      const std::uint64_t one = 1;
      changed = ImGui::InputScalar(id.c_str(), ImGuiDataType_U64, setting->seed_field(s), &one, nullptr,
                                   format ? format : "%llu");
      break;
    }
    case Kind::Boolean:
      changed = ImGui::Checkbox((inside ? "###" + table.name() + "." + setting->key() : label + "###" + table.name() + "." + setting->key()).c_str(),
                                setting->bool_field(s));
      break;
    case Kind::Choice: {
      const std::vector<Choice> choices = setting->choices(s);
      std::string& value = *setting->text_field(s);
      if (ImGui::BeginCombo(id.c_str(), tr(table.choice_key(*setting, value)))) {
        for (const Choice& c : choices)
          if (ImGui::Selectable(tr(table.choice_key(*setting, c.value)), c.value == value) && c.value != value) {
            value = c.value;
            changed = true;
          }
        ImGui::EndCombo();
      }
      break;
    }
  }
  if (!setting->tooltip().empty() && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tr(table.tooltip_key(*setting)));
  return changed;
}

}  // namespace metalab::web
