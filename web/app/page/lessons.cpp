#include "web/app/page/lessons.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "web/app/page/app_state.h"
#include "web/app/page/url_state.h"

namespace metalab::web {

namespace {

using nlohmann::json;

// Where a problem is: "assets/lessons/maml.json: step 3 (inner)".
struct Where {
  const std::string& file;
  int step = -1;  // 0-based; -1: the lesson itself
  std::string step_id;
  [[noreturn]] void fail(const std::string& what) const {
    std::string at = file;
    if (step >= 0) at += ": step " + std::to_string(step + 1) + (step_id.empty() ? "" : " (" + step_id + ")");
    throw ContentError(at + ": " + what);
  }
};

void only_keys(const json& j, std::initializer_list<const char*> allowed, const Where& w, const char* what) {
  for (const auto& item : j.items()) {
    const std::string key = item.key();
    if (std::find_if(allowed.begin(), allowed.end(), [&](const char* a) { return key == a; }) == allowed.end()) {
      std::string list;
      for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      w.fail(std::string(what) + " has an unknown field \"" + key + "\" (known: " + list + ")");
    }
  }
}

std::string text_field(const json& j, const char* field, const Where& w, bool required) {
  const auto it = j.find(field);
  if (it == j.end()) {
    if (required) w.fail(std::string("\"") + field + "\" is missing");
    return "";
  }
  if (!it->is_string()) w.fail(std::string("\"") + field + "\" must be a string");
  return it->get<std::string>();
}

// A string key that the English table must have.
std::string key_field(const json& j, const char* field, const Where& w, const Strings& strings, bool required = true) {
  const std::string key = text_field(j, field, w, required);
  if (!key.empty() && !strings.has(key)) w.fail(std::string("\"") + field + "\": no English text for key \"" + key + "\"");
  return key;
}

long integer_field(const json& j, const char* field, const Where& w, long lo, long hi, long missing) {
  const auto it = j.find(field);
  if (it == j.end()) return missing;
  if (!it->is_number_integer()) w.fail(std::string("\"") + field + "\" must be a whole number");
  const long v = it->get<long>();
  if (v < lo || v > hi)
    w.fail(std::string("\"") + field + "\" = " + std::to_string(v) + " is outside " + std::to_string(lo) + " to " +
           std::to_string(hi));
  return v;
}

bool has_job(ViewId v) {
  return v == ViewId::RegressionLab || v == ViewId::ClassificationLab || v == ViewId::MemoryLab ||
         v == ViewId::LandscapeLab;
}

LessonAction action(const json& j, ViewId view, const Where& w, const char* what) {
  LessonAction a;
  a.settings = text_field(j, "settings", w, false);
  a.weights = text_field(j, "weights", w, false);
  if (!a.weights.empty() && a.weights != "shipped" && a.weights != "fresh")
    w.fail(std::string(what) + "weights: \"" + a.weights + "\" (shipped or fresh)");
  if (!a.weights.empty() && !has_job(view))
    w.fail(std::string(what) + "weights: the " + view_info(view).key + " view has no model to load or reset");
  if (a.weights == "shipped" && view == ViewId::LandscapeLab)
    w.fail(std::string(what) + "weights: the landscape view ships no model (use \"fresh\")");
  a.train_to = integer_field(j, "train_to", w, 0, 1000000, -1);
  if (a.train_to >= 0 && !has_job(view))
    w.fail(std::string(what) + "train_to: the " + view_info(view).key + " view has no training job");
  return a;
}

LessonCheck check(const json& j, const Where& w, const json& status) {
  if (!j.is_object()) w.fail("a check must be an object");
  only_keys(j, {"status", "min", "max", "below", "above"}, w, "a check");
  LessonCheck c;
  c.status = text_field(j, "status", w, true);
  // A path must exist in a fresh page's status, up to a list or a value not
  // computed yet (null): "classification.curve.0" is fine while the curve is [].
  const auto known = [&](const std::string& path) {
    for (std::size_t end = path.size(); end != std::string::npos && end > 0; end = path.rfind('.', end - 1)) {
      const json* at = json_at(status, path.substr(0, end));
      if (!at) continue;
      if (end == path.size() || at->is_array() || at->is_null()) return;
      break;
    }
    w.fail("check: \"" + path + "\" is not in the page's status JSON");
  };
  known(c.status);
  for (const char* bound : {"min", "max"})
    if (j.contains(bound)) {
      if (!j[bound].is_number()) w.fail(std::string("check: \"") + bound + "\" must be a number");
      (std::string(bound) == "min" ? c.min : c.max) = j[bound].get<double>();
    }
  if (c.min > c.max) w.fail("check on \"" + c.status + "\": min is above max (it could never hold)");
  c.below = text_field(j, "below", w, false);
  c.above = text_field(j, "above", w, false);
  if (!c.below.empty()) known(c.below);
  if (!c.above.empty()) known(c.above);
  if (!j.contains("min") && !j.contains("max") && c.below.empty() && c.above.empty())
    w.fail("check on \"" + c.status + "\" has no min, max, below or above");
  return c;
}

Lesson parse(const std::string& file, const std::string& text, const Strings& strings, const json& status) {
  const json j = parse_content_json(file, text);
  Where w{file, -1, ""};
  if (!j.is_object()) w.fail("a lesson file holds one object");
  only_keys(j, {"id", "order", "title", "summary", "steps"}, w, "the lesson");
  Lesson l;
  l.file = file;
  l.id = text_field(j, "id", w, true);
  if (l.id.empty() || !std::all_of(l.id.begin(), l.id.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }))
    w.fail("\"id\" must be lower case letters, digits and '-' (it goes in links: #lesson=" + l.id + ")");
  l.order = static_cast<int>(integer_field(j, "order", w, 0, 1000, 1000));
  l.title = key_field(j, "title", w, strings);
  l.summary = key_field(j, "summary", w, strings);
  if (!j.contains("steps") || !j["steps"].is_array() || j["steps"].empty()) w.fail("\"steps\" must be a non-empty list");
  if (j["steps"].size() > 30) w.fail("more than 30 steps");
  // The settings are applied in order, as the player does, to a page of its own:
  // a value that only fails after an earlier step (ways=5 once dataset=tissue) is caught too.
  AppState sim;
  std::set<std::string> step_ids;
  for (std::size_t i = 0; i < j["steps"].size(); ++i) {
    const json& sj = j["steps"][i];
    Where sw{file, static_cast<int>(i), ""};
    if (!sj.is_object()) sw.fail("a step must be an object");
    LessonStep s;
    s.id = text_field(sj, "id", sw, true);
    sw.step_id = s.id;
    if (!step_ids.insert(s.id).second) sw.fail("another step has the id \"" + s.id + "\"");
    only_keys(sj, {"id", "title", "text", "equation", "view", "settings", "weights", "train_to", "point", "cover",
                   "question", "run", "checks"},
              sw, "the step");
    s.title = key_field(sj, "title", sw, strings);
    s.text = key_field(sj, "text", sw, strings);
    s.equation = text_field(sj, "equation", sw, false);
    const std::string view = text_field(sj, "view", sw, true);
    if (!view_from_key(view, &s.view)) {
      std::string list;
      for (const ViewInfo& v : views()) list += (list.empty() ? "" : ", ") + std::string(v.key);
      sw.fail("\"view\": \"" + view + "\" is not a view (" + list + ")");
    }
    s.enter = action(sj, s.view, sw, "");
    s.point = text_field(sj, "point", sw, false);
    if (sj.contains("cover")) {
      if (!sj["cover"].is_array()) sw.fail("\"cover\" must be a list of widget names");
      for (const json& c : sj["cover"]) {
        if (!c.is_string() || c.get<std::string>().empty()) sw.fail("\"cover\" must be a list of widget names");
        s.cover.push_back(c.get<std::string>());
      }
    }
    if (sj.contains("run")) {
      if (!sj["run"].is_object()) sw.fail("\"run\" must be an object");
      only_keys(sj["run"], {"settings", "weights", "train_to"}, sw, "run");
      s.has_run = true;
      s.run = action(sj["run"], s.view, sw, "run: ");
    }
    if (!s.cover.empty() && !s.has_run) sw.fail("\"cover\" hides widgets until the step has run: it needs a \"run\"");
    if (sj.contains("question")) {
      const json& q = sj["question"];
      if (!q.is_object()) sw.fail("\"question\" must be an object");
      only_keys(q, {"prompt", "choices", "answer", "explain"}, sw, "the question");
      s.has_question = true;
      s.question.prompt = key_field(q, "prompt", sw, strings);
      s.question.explain = key_field(q, "explain", sw, strings);
      if (!q.contains("choices") || !q["choices"].is_array() || q["choices"].size() < 2 || q["choices"].size() > 5)
        sw.fail("the question needs 2 to 5 \"choices\"");
      for (const json& c : q["choices"]) {
        if (!c.is_string()) sw.fail("a choice must be a string key");
        const std::string key = c.get<std::string>();
        if (!strings.has(key)) sw.fail("choice: no English text for key \"" + key + "\"");
        s.question.choices.push_back(key);
      }
      s.question.answer = static_cast<int>(
          integer_field(q, "answer", sw, 0, static_cast<long>(s.question.choices.size()) - 1, -1));
      if (s.question.answer < 0) sw.fail("the question has no \"answer\" (the index of the right choice, from 0)");
      if (!s.has_run) sw.fail("a question needs a \"run\": its answer is shown once the step has run");
    }
    if (sj.contains("checks")) {
      if (!sj["checks"].is_array()) sw.fail("\"checks\" must be a list");
      if (!s.has_run) sw.fail("checks are verified after the run: the step needs a \"run\"");
      for (const json& c : sj["checks"]) s.checks.push_back(check(c, sw, status));
    }
    for (const std::string* settings : {&s.enter.settings, &s.run.settings}) {
      const std::vector<std::string> bad = apply_view_settings(sim, s.view, *settings, false);
      if (!bad.empty()) {
        std::string list;
        for (const std::string& b : bad) list += (list.empty() ? "" : ", ") + b;
        sw.fail(std::string(settings == &s.enter.settings ? "settings" : "run: settings") + ": " + list);
      }
    }
    l.steps.push_back(std::move(s));
  }
  return l;
}

// The status JSON of a fresh page: every path a check may name.
const json& fresh_status() {
  static const json doc = [] {
    AppState st;
    return json::parse(status_json(st));
  }();
  return doc;
}

}  // namespace

Lesson parse_lesson(const std::string& file, const std::string& json_text, const Strings& strings) {
  return parse(file, json_text, strings, fresh_status());
}

const Lesson* LessonLibrary::find(const std::string& id) const {
  const int i = index_of(id);
  return i < 0 ? nullptr : &lessons[static_cast<std::size_t>(i)];
}

int LessonLibrary::index_of(const std::string& id) const {
  for (std::size_t i = 0; i < lessons.size(); ++i)
    if (lessons[i].id == id) return static_cast<int>(i);
  return -1;
}

LessonLibrary load_lessons(const std::vector<ContentFile>& files, const Strings& strings) {
  LessonLibrary lib;
  for (const ContentFile& f : files) {
    if (f.name.rfind("assets/lessons/", 0) != 0 || f.name.size() < 5 || f.name.substr(f.name.size() - 5) != ".json")
      continue;
    try {
      Lesson l = parse_lesson(f.name, std::string(f.bytes), strings);
      const std::string expected = "assets/lessons/" + l.id + ".json";
      if (f.name != expected) throw ContentError(f.name + ": its id \"" + l.id + "\" must be its file name (" + expected + ")");
      for (const Lesson& other : lib.lessons)
        if (other.order == l.order)
          throw ContentError(f.name + ": \"order\" " + std::to_string(l.order) + " is taken by " + other.file);
      lib.lessons.push_back(std::move(l));
    } catch (const ContentError& e) {
      lib.errors.push_back(e.what());
    }
  }
  std::sort(lib.lessons.begin(), lib.lessons.end(), [](const Lesson& a, const Lesson& b) { return a.order < b.order; });
  return lib;
}

Strings load_strings(const std::vector<ContentFile>& files) {
  Strings s;
  for (const ContentFile& f : files)
    if (f.name.rfind("assets/i18n/", 0) == 0 && f.name.size() > 5 && f.name.substr(f.name.size() - 5) == ".json")
      s.add(StringTable::parse(f.name, std::string(f.bytes)));
  return s;
}

const nlohmann::json* json_at(const nlohmann::json& doc, const std::string& path) {
  const nlohmann::json* at = &doc;
  std::size_t pos = 0;
  while (pos <= path.size()) {
    std::size_t dot = path.find('.', pos);
    if (dot == std::string::npos) dot = path.size();
    const std::string part = path.substr(pos, dot - pos);
    if (part.empty()) return nullptr;
    if (at->is_object()) {
      const auto it = at->find(part);
      if (it == at->end()) return nullptr;
      at = &*it;
    } else if (at->is_array() && std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      const std::size_t i = std::stoul(part);
      if (i >= at->size()) return nullptr;
      at = &(*at)[i];
    } else {
      return nullptr;
    }
    pos = dot + 1;
  }
  return at;
}

bool check_holds(const LessonCheck& c, const nlohmann::json& status, std::string* why) {
  const auto number = [&](const std::string& path, double* out) {
    const nlohmann::json* v = json_at(status, path);
    if (!v || !v->is_number()) return false;
    *out = v->get<double>();
    return std::isfinite(*out);
  };
  double v = 0;
  if (!number(c.status, &v)) {
    if (why) *why = c.status + " is not a number yet";
    return false;
  }
  bool ok = v >= c.min && v <= c.max;
  std::string detail = c.status + " = " + std::to_string(v);
  for (const auto& [path, below] : {std::pair{c.below, true}, std::pair{c.above, false}}) {
    if (path.empty()) continue;
    double other = 0;
    if (!number(path, &other)) {
      if (why) *why = path + " is not a number yet";
      return false;
    }
    ok = ok && (below ? v < other : v > other);
    detail += std::string(below ? " < " : " > ") + path + " = " + std::to_string(other);
  }
  if (why) *why = detail;
  return ok;
}

}  // namespace metalab::web
