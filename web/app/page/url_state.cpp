#include "web/app/page/url_state.h"

#include <cstdlib>
#include <utility>
#include <vector>

#include "web/app/page/app_state.h"

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
S settings_from(const SettingsTable<S>& table, const Pairs& pairs, std::vector<std::string>* bad) {
  S s;
  for (const Setting<S>& setting : table.settings())
    for (const auto& [key, value] : pairs) {
      std::string why;
      if (setting.answers_to(key) && !setting.set(s, value, &why)) bad->push_back(why);
    }
  for (std::string& why : table.validate(s)) bad->push_back(std::move(why));
  return s;
}

template <class S>
bool knows(const SettingsTable<S>& table, const std::string& key) {
  return table.find(key) != nullptr;
}

}  // namespace

void apply_url_hash(AppState& st, const std::string& hash) {
  Pairs pairs = split_pairs(hash);
  std::vector<std::string> bad;
  ViewId view = ViewId::SinusoidExplorer;
  Pairs settings;
  for (const auto& [key, value] : pairs) {
    if (key != "view") {
      settings.emplace_back(key, value);
      continue;
    }
    const std::string wanted = value == "genes" ? "gene" : value;  // "genes": the CLI's task name
    bool found = false;
    for (const ViewInfo& v : views())
      if (wanted == v.key) {
        view = v.id;
        found = true;
      }
    if (!found) bad.push_back("view=" + value);
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
    case ViewId::ClassificationLab: own = settings; break;
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

  if (bad.empty()) {
    st.page.url_notice.clear();
  } else {
    std::string list;
    for (const std::string& b : bad) list += (list.empty() ? "" : ", ") + b;
    st.page.url_notice = "The link had values this page cannot use, so defaults were used instead: " + list;
  }
}

std::string make_url_hash(const AppState& st) {
  const std::string view = std::string("view=") + view_info(st.view).key;
  const auto with = [&](const std::string& settings) { return settings.empty() ? view : view + "&" + settings; };
  switch (st.view) {
    case ViewId::SinusoidExplorer: return with(sinusoid_settings().print(st.sinusoid.settings));
    case ViewId::RegressionLab: return with(regression_settings().print(st.regression.settings));
    case ViewId::ClassificationLab: return with(classification_settings().print(st.classification.settings));
    case ViewId::MemoryLab: return with(memory_settings().print(st.memory.settings));
    case ViewId::GeneLab: return with(gene_settings().print(st.gene.settings));
  }
  return view;
}

}  // namespace metalab::web
