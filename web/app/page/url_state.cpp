#include "web/app/page/url_state.h"

#include <cstdlib>
#include <utility>
#include <vector>

#include "web/app/page/app_state.h"
#include "web/app/page/lesson_player.h"

namespace metalab::web {

namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

std::string url_decode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const std::string hex = s.substr(i + 1, 2);
      char* end = nullptr;
      const long v = std::strtol(hex.c_str(), &end, 16);
      if (hex.size() == 2 && end && *end == '\0') {
        out += static_cast<char>(v);
        i += 2;
        continue;
      }
    }
    out += s[i] == '+' ? ' ' : s[i];
  }
  return out;
}

Pairs split_pairs(std::string hash) {
  if (!hash.empty() && hash[0] == '#') hash.erase(0, 1);
  Pairs pairs;
  for (std::size_t pos = 0; pos < hash.size();) {
    std::size_t amp = hash.find('&', pos);
    if (amp == std::string::npos) amp = hash.size();
    if (amp > pos) {
      const std::string pair = hash.substr(pos, amp - pos);
      const std::size_t eq = pair.find('=');
      pairs.emplace_back(url_decode(pair.substr(0, eq)), eq == std::string::npos ? "" : url_decode(pair.substr(eq + 1)));
    }
    pos = amp + 1;
  }
  return pairs;
}

// Sets a fresh (default) settings struct from the pairs, in the table's order
// (so that a bound that depends on another setting sees it first); the
// values it cannot use are appended to *bad.
template <class S>
void set_from(const SettingsTable<S>& table, S& s, const Pairs& pairs, std::vector<std::string>* bad) {
  for (const Setting<S>& setting : table.settings())
    for (const auto& [key, value] : pairs) {
      std::string why;
      if (setting.answers_to(key) && !setting.set(s, value, &why)) bad->push_back(why);
    }
  for (std::string& why : table.validate(s)) bad->push_back(std::move(why));
}

template <class S>
S settings_from(const SettingsTable<S>& table, const Pairs& pairs, std::vector<std::string>* bad) {
  S s;
  set_from(table, s, pairs, bad);
  return s;
}

template <class S>
bool knows(const SettingsTable<S>& table, const std::string& key) {
  return table.find(key) != nullptr;
}

// A view and its settings (and, for links of earlier versions, the lab they set then).
void apply_view_hash(AppState& st, const Pairs& pairs, std::vector<std::string>& bad) {
  ViewId view = ViewId::SinusoidExplorer;
  Pairs settings;
  for (const auto& [key, value] : pairs) {
    if (key != "view") {
      settings.emplace_back(key, value);
      continue;
    }
    if (!view_from_key(value, &view)) bad.push_back("view=" + value);
  }
  st.view = view;

  // Which table each key goes to: the view's, or for links of earlier
  // versions the lab they set then (see url_state.h).
  const auto& regression = regression_settings();
  const auto& classification = classification_settings();
  bool legacy = false;
  Pairs own, other;
  const auto route = [&](const auto& table, const auto& legacy_table) {
    for (const auto& [key, value] : settings)
      if (!knows(table, key) && knows(legacy_table, key)) legacy = true;
    for (const auto& p : settings) {
      const bool mine = knows(table, p.first), theirs = knows(legacy_table, p.first);
      if (!legacy || (!mine && !theirs)) {
        own.push_back(p);
        continue;
      }
      if (theirs) other.push_back(p);
      // A memory link's seed was the memory lab's seed too.
      if (mine && (!theirs || (view == ViewId::MemoryLab && p.first == "seed"))) own.push_back(p);
    }
  };
  switch (view) {
    case ViewId::SinusoidExplorer: route(sinusoid_settings(), regression); break;
    case ViewId::GeneLab: route(gene_settings(), regression); break;
    case ViewId::MemoryLab: route(memory_settings(), classification); break;
    case ViewId::RegressionLab:
    case ViewId::ClassificationLab:
    case ViewId::LandscapeLab: own = settings; break;
  }
  // Unknown keys are named, once.
  const auto check_unknown = [&](const auto& table, const Pairs& ps) {
    for (const auto& [key, value] : ps)
      if (!knows(table, key)) bad.push_back(key + " (unknown key)");
  };
  switch (view) {
    case ViewId::SinusoidExplorer:
      check_unknown(sinusoid_settings(), own);
      st.sinusoid.settings = settings_from(sinusoid_settings(), own, &bad);
      break;
    case ViewId::GeneLab:
      check_unknown(gene_settings(), own);
      st.gene.settings = settings_from(gene_settings(), own, &bad);
      break;
    case ViewId::MemoryLab:
      check_unknown(memory_settings(), own);
      st.memory.settings = settings_from(memory_settings(), own, &bad);
      break;
    case ViewId::LandscapeLab:
      check_unknown(landscape_settings(), own);
      st.landscape.settings = settings_from(landscape_settings(), own, &bad);
      break;
    case ViewId::RegressionLab: break;
    case ViewId::ClassificationLab: break;
  }
  const auto apply_regression = [&](const Pairs& ps) {
    check_unknown(regression, ps);
    RegressionSettings s = settings_from(regression, ps, &bad);
    st.regression.settings = s;
    st.regression.settings_by_task[s.task] = s;
  };
  const auto apply_classification = [&](const Pairs& ps) {
    check_unknown(classification, ps);
    const int episode = st.classification.settings.episode;
    ClassificationSettings s = settings_from(classification, ps, &bad);
    bool names_episode = false;
    for (const auto& p : ps) names_episode = names_episode || p.first == "episode";
    if (!names_episode && view != ViewId::ClassificationLab) s.episode = episode;
    st.classification.settings = s;
  };
  if (view == ViewId::RegressionLab) apply_regression(own);
  if (view == ViewId::ClassificationLab) apply_classification(own);
  if (legacy && (view == ViewId::SinusoidExplorer || view == ViewId::GeneLab)) apply_regression(other);
  if (legacy && view == ViewId::MemoryLab) apply_classification(other);
}

}  // namespace

void set_browser_language(AppState& st, const std::string& languages) {
  const std::string first = languages.substr(0, languages.find(','));
  const bool chinese = first.size() >= 2 && (first[0] == 'z' || first[0] == 'Z') && (first[1] == 'h' || first[1] == 'H') &&
                       (first.size() == 2 || first[2] == '-' || first[2] == '_');
  st.ui.default_language = chinese && st.strings.set_language("zh") ? "zh" : Strings::kFallback;
  st.strings.set_language(st.ui.default_language);
}

void apply_url_hash(AppState& st, const std::string& hash) {
  std::vector<std::string> bad;
  // Page-level keys first: presenter mode, and a lesson step (whose view and
  // settings are the step's, so the rest of the link is not needed).
  Pairs view_pairs;
  std::string lesson, step;
  bool step_named = false, present = false;
  std::string language = st.ui.default_language;
  for (const auto& [key, value] : split_pairs(hash)) {
    if (key == "lesson") {
      lesson = value;
    } else if (key == "step") {
      step = value;
      step_named = true;
    } else if (key == "present") {
      if (!settings_detail::parse_bool(value, &present)) bad.push_back("present=" + value + " (true or false)");
    } else if (key == "lang") {
      language = value;
    } else {
      view_pairs.emplace_back(key, value);
    }
  }
  st.ui.presenter = present;
  // First, so that the notices below are in the link's language.
  if (!st.strings.set_language(language)) {
    std::string known;
    for (const std::string& l : st.strings.languages()) known += (known.empty() ? "" : " or ") + l;
    bad.push_back("lang=" + language + " (" + known + ")");
    st.strings.set_language(st.ui.default_language);
  }
  bool opened = false;
  if (!lesson.empty()) {
    long long n = 1;
    if (step_named && !settings_detail::parse_int(step, 1, 1000, &n)) bad.push_back("step=" + step + " (a step number from 1)");
    std::string why;
    opened = open_lesson(st, lesson, static_cast<int>(n) - 1, &why);
    if (!why.empty()) bad.push_back(why);
  } else {
    if (step_named) bad.push_back("step=" + step + " (needs lesson=...)");
    close_lesson(st);
  }
  if (!opened) apply_view_hash(st, view_pairs, bad);

  if (bad.empty()) {
    st.page.url_notice.clear();
  } else {
    std::string list;
    for (const std::string& b : bad) list += (list.empty() ? "" : ", ") + b;
    st.page.url_notice = st.strings.format("ui.notice.url_values", {{"values", list}});
  }
}

std::string make_url_hash(const AppState& st) {
  std::string present = st.ui.presenter ? "&present=1" : "";
  if (st.strings.language() != st.ui.default_language) present += "&lang=" + st.strings.language();
  if (const Lesson* l = open_lesson_of(st)) return "lesson=" + l->id + "&step=" + std::to_string(st.lessons.step + 1) + present;
  return make_view_hash(st) + present;
}

std::string make_view_hash(const AppState& st) {
  const std::string view = std::string("view=") + view_info(st.view).key;
  const auto with = [&](const std::string& settings) { return settings.empty() ? view : view + "&" + settings; };
  switch (st.view) {
    case ViewId::SinusoidExplorer: return with(sinusoid_settings().print(st.sinusoid.settings));
    case ViewId::RegressionLab: return with(regression_settings().print(st.regression.settings));
    case ViewId::ClassificationLab: return with(classification_settings().print(st.classification.settings));
    case ViewId::MemoryLab: return with(memory_settings().print(st.memory.settings));
    case ViewId::GeneLab: return with(gene_settings().print(st.gene.settings));
    case ViewId::LandscapeLab: return with(landscape_settings().print(st.landscape.settings));
  }
  return view;
}

std::vector<std::string> apply_view_settings(AppState& st, ViewId view, const std::string& settings, bool from_defaults) {
  const Pairs pairs = split_pairs(settings);
  std::vector<std::string> bad;
  const auto apply = [&](const auto& table, auto& current) {
    using S = std::decay_t<decltype(current)>;
    for (const auto& [key, value] : pairs)
      if (!knows(table, key)) bad.push_back(key + " (unknown key)");
    S s = from_defaults ? S{} : current;
    set_from(table, s, pairs, &bad);
    current = s;
  };
  switch (view) {
    case ViewId::SinusoidExplorer: apply(sinusoid_settings(), st.sinusoid.settings); break;
    case ViewId::ClassificationLab: apply(classification_settings(), st.classification.settings); break;
    case ViewId::MemoryLab: apply(memory_settings(), st.memory.settings); break;
    case ViewId::GeneLab: apply(gene_settings(), st.gene.settings); break;
    case ViewId::LandscapeLab: apply(landscape_settings(), st.landscape.settings); break;
    case ViewId::RegressionLab: {
      // Another task family: the lab switches to it first (it keeps each family's settings).
      RegressionSettings probe = st.regression.settings;
      std::string why;
      for (const auto& [key, value] : pairs)
        if (key == "task" && regression_settings().set(probe, key, value, &why) && !from_defaults)
          st.regression.switch_task(probe.task);
      apply(regression_settings(), st.regression.settings);
      if (from_defaults) st.regression.settings_by_task[st.regression.settings.task] = st.regression.settings;
      break;
    }
  }
  return bad;
}

}  // namespace metalab::web
