#include "web/app/url_state.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "web/app/app.h"
#include "web/app/classification_lab.h"

namespace metalab::web {

namespace {

struct ViewKey {
  ViewId id;
  const char* key;
};
constexpr ViewKey kViewKeys[] = {{ViewId::SinusoidExplorer, "sinusoid"},
                                 {ViewId::RegressionLab, "regression"},
                                 {ViewId::ClassificationLab, "classification"},
                                 {ViewId::MemoryLab, "memory"},
                                 {ViewId::GeneLab, "gene"}};

std::string url_decode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const std::string hex = s.substr(i + 1, 2);
      char* end = nullptr;
      const long v = std::strtol(hex.c_str(), &end, 16);
      if (end && *end == '\0') {
        out += static_cast<char>(v);
        i += 2;
        continue;
      }
    }
    out += s[i] == '+' ? ' ' : s[i];
  }
  return out;
}

bool parse_float(const std::string& s, float lo, float hi, float* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(s.c_str(), &end);
  if (errno != 0 || !end || *end != '\0' || !std::isfinite(v) || v < lo || v > hi) return false;
  *out = static_cast<float>(v);
  return true;
}

bool parse_int(const std::string& s, long lo, long hi, long* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || !end || *end != '\0' || v < lo || v > hi) return false;
  *out = static_cast<long>(v);
  return true;
}

bool parse_seed(const std::string& s, std::uint64_t* out) {
  if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string::npos) return false;
  *out = std::strtoull(s.c_str(), nullptr, 10);
  return true;
}

std::string fmt_float(float v) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", static_cast<double>(v));
  return b;
}

}  // namespace

void apply_url_hash(AppState& st, const std::string& hash_in) {
  std::string hash = hash_in;
  if (!hash.empty() && hash[0] == '#') hash.erase(0, 1);
  std::vector<std::string> bad;
  LabHyper hp;  // defaults for everything the link does not name
  std::string task = "sinusoid";
  ViewId view = ViewId::SinusoidExplorer;

  std::vector<std::string> pairs;
  for (std::size_t pos = 0; pos < hash.size();) {
    std::size_t amp = hash.find('&', pos);
    if (amp == std::string::npos) amp = hash.size();
    if (amp > pos) pairs.push_back(hash.substr(pos, amp - pos));
    pos = amp + 1;
  }
  // The classification and memory labs read learner, dataset, ways, shots and
  // seed themselves (#view=classification&learner=protonet&dataset=glyphs&ways=5&shots=1&seed=1).
  const bool lab_view = std::find(pairs.begin(), pairs.end(), "view=classification") != pairs.end() ||
                        std::find(pairs.begin(), pairs.end(), "view=memory") != pairs.end();
  ClassificationLabState& cl = st.classification;
  for (const std::string& pair : pairs) {
    const std::size_t eq = pair.find('=');
    const std::string key = url_decode(pair.substr(0, eq));
    const std::string value = eq == std::string::npos ? "" : url_decode(pair.substr(eq + 1));
    const auto note = [&]() { bad.push_back(key + "=" + value); };
    long iv = 0;
    if (lab_view && key == "learner") {
      const auto& l = classification_learners();
      if (std::find(l.begin(), l.end(), value) != l.end()) cl.learner = value;
      else note();
    } else if (lab_view && key == "dataset") {
      const auto& d = classification_datasets();
      if (std::find(d.begin(), d.end(), value) != d.end()) cl.dataset = value;
      else note();
    } else if (lab_view && key == "ways") {
      if (parse_int(value, 2, 10, &iv)) cl.ways = static_cast<int>(iv);
      else note();
    } else if (lab_view && key == "shots") {
      if (parse_int(value, 1, 10, &iv)) cl.shots = static_cast<int>(iv);
      else note();
    } else if (lab_view && key == "seed") {
      if (parse_seed(value, &cl.seed)) st.memory.seed = cl.seed;
      else note();
    } else if (key == "view") {
      bool found = false;
      // "genes" (the CLI's task name) is an alias of the gene lab's key.
      const std::string wanted = value == "genes" ? "gene" : value;
      for (const ViewKey& v : kViewKeys)
        if (wanted == v.key && view_info(v.id).draw) {
          view = v.id;
          found = true;
        }
      if (!found) note();
    } else if (key == "task") {
      const auto& t = lab_tasks();
      if (std::find(t.begin(), t.end(), value) != t.end()) task = value;
      else note();
    } else if (key == "learner") {
      const auto& l = lab_learners();
      if (std::find(l.begin(), l.end(), value) != l.end()) hp.learner = value;
      else note();
    } else if (key == "alpha") {
      if (!parse_float(value, LabLimits::kAlphaMin, LabLimits::kAlphaMax, &hp.alpha)) note();
    } else if (key == "beta") {
      if (!parse_float(value, LabLimits::kBetaMin, LabLimits::kBetaMax, &hp.beta)) note();
    } else if (key == "K" || key == "k") {
      if (parse_int(value, LabLimits::kKMin, LabLimits::kKMax, &iv)) hp.k = static_cast<int>(iv);
      else note();
    } else if (key == "steps") {
      if (parse_int(value, LabLimits::kStepsMin, LabLimits::kStepsMax, &iv)) hp.inner_steps = static_cast<int>(iv);
      else note();
    } else if (key == "batch") {
      if (parse_int(value, LabLimits::kBatchMin, LabLimits::kBatchMax, &iv)) hp.meta_batch = static_cast<int>(iv);
      else note();
    } else if (key == "width") {
      if (parse_int(value, LabLimits::kWidthMin, LabLimits::kWidthMax, &iv)) hp.width = static_cast<int>(iv);
      else note();
    } else if (key == "depth") {
      if (parse_int(value, LabLimits::kDepthMin, LabLimits::kDepthMax, &iv)) hp.depth = static_cast<int>(iv);
      else note();
    } else if (key == "seed") {
      if (!parse_seed(value, &hp.seed)) note();
    } else {
      bad.push_back(key + " (unknown key)");
    }
  }

  st.view = view;
  RegressionLabState& r = st.regression;
  r.task = task;
  r.edit = hp;
  r.edit_by_task[task] = hp;
  if (bad.empty()) {
    st.page.url_notice.clear();
  } else {
    std::string list;
    for (const std::string& b : bad) list += (list.empty() ? "" : ", ") + b;
    st.page.url_notice = "The link had values this page cannot use, so defaults were used instead: " + list;
  }
}

std::string make_url_hash(const AppState& st) {
  const char* view = "sinusoid";
  for (const ViewKey& v : kViewKeys)
    if (v.id == st.view) view = v.key;
  if (st.view == ViewId::ClassificationLab || st.view == ViewId::MemoryLab) {
    const ClassificationLabState& c = st.classification;
    const std::uint64_t seed = st.view == ViewId::MemoryLab ? st.memory.seed : c.seed;
    return std::string("view=") + view + "&learner=" + c.learner + "&dataset=" + c.dataset +
           "&ways=" + std::to_string(c.ways) + "&shots=" + std::to_string(c.shots) + "&seed=" + std::to_string(seed);
  }
  const LabHyper& h = st.regression.edit;
  std::string out = std::string("view=") + view + "&task=" + st.regression.task + "&learner=" + h.learner +
                    "&alpha=" + fmt_float(h.alpha) + "&beta=" + fmt_float(h.beta) + "&K=" + std::to_string(h.k) +
                    "&steps=" + std::to_string(h.inner_steps) + "&batch=" + std::to_string(h.meta_batch) +
                    "&width=" + std::to_string(h.width) + "&depth=" + std::to_string(h.depth) +
                    "&seed=" + std::to_string(h.seed);
  return out;
}

}  // namespace metalab::web
