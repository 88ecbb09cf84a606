// Lessons as data: assets/lessons/<id>.json, a sequence of steps that open a
// view with settings, load shipped weights or train to an iteration, show a
// short text with its equation, point at a control and ask a "predict before
// you run" question. A step never reaches into a lab: it sets settings
// through the view's table (url_state.h) and drives the lab's job (Play until
// an iteration, Reset, shipped weights) as the lab's own buttons do
// (lesson_player.h). Every text is a key of the string tables (strings.h);
// equations are written the same in every language and stay in the file.
//
//   {"id": "maml", "order": 2, "title": "lesson.maml.title", "summary": "lesson.maml.summary",
//    "steps": [
//      {"id": "inner", "title": "lesson.maml.inner.title", "text": "lesson.maml.inner.text",
//       "equation": "θ'ᵢ = θ − α ∇L_i(θ)",
//       "view": "regression", "settings": "task=sinusoid&learner=maml&adapt=0", "weights": "shipped",
//       "point": "adapt_slider",
//       "question": {"prompt": "lesson.maml.inner.q", "choices": ["lesson.maml.inner.a1", "lesson.maml.inner.a2"],
//                    "answer": 0, "explain": "lesson.maml.inner.why"},
//       "run": {"settings": "adapt=1"},
//       "checks": [{"status": "regression.loss.meta", "max": 1.0}]}]}
//
// Step fields: "view" (a view key; every step names one), "settings" (that
// view's keys, checked against its table when the file loads), "weights"
// ("shipped" or "fresh", for views with a training job), "train_to" (play the
// job until that iteration before the step is ready), "point" (a widget
// rectangle the view publishes), "cover" (rectangles hidden until the step
// has run: a plot that would give the answer away), "question" (needs "run":
// the answer shows once the run has finished), "run" (what the Run button
// does: more "settings", "weights", "train_to"; {} only reveals) and
// "checks" (numbers of the status JSON after the run, which the browser test
// verifies: the lesson's claims about the page's own numbers stay true).
#pragma once

#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "web/app/page/strings.h"
#include "web/app/page/views.h"

namespace metalab::web {

// What a step does to its lab, on entering it or on Run.
struct LessonAction {
  std::string settings;  // "key=value&..." of the step's view, on top of what the lab has
  std::string weights;   // "", "shipped" (the lab's shipped model) or "fresh" (Reset)
  long train_to = -1;    // play the lab's job until this iteration (-1: no training)
  bool empty() const { return settings.empty() && weights.empty() && train_to < 0; }
};

struct LessonQuestion {
  std::string prompt;                // key
  std::vector<std::string> choices;  // keys, 2 to 5
  int answer = 0;                    // index into choices
  std::string explain;               // key: why, shown with the answer
};

// A number of the status JSON ("regression.loss.meta"; "a.b" is b of object
// a, "a.2" element 2 of array a) that must lie in [min, max] once the step has
// run; "below" / "above" compare with another number of the status.
struct LessonCheck {
  std::string status;
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  std::string below, above;
};

struct LessonStep {
  std::string id;     // short name, unique in the lesson (keys use it by convention)
  std::string title;  // key
  std::string text;   // key
  std::string equation;  // literal, the same in every language; may be empty
  ViewId view = ViewId::SinusoidExplorer;
  LessonAction enter;  // on entering the step
  bool has_run = false;  // a Run button (its action may be empty: then Run only reveals)
  LessonAction run;      // what Run does
  std::string point;     // widget rectangle name, "" for none
  std::vector<std::string> cover;  // widget rectangles hidden until the step has run (what would give the answer away)
  bool has_question = false;
  LessonQuestion question;
  std::vector<LessonCheck> checks;
};

struct Lesson {
  std::string id, file;
  int order = 0;          // place in the lesson picker
  std::string title;      // key
  std::string summary;    // key
  std::vector<LessonStep> steps;
};

// Parses and checks one lesson file: JSON shape, every text key present in
// the English table, views and settings valid for their tables, weights only
// where the view has a job. Throws ContentError naming the file and the step:
//   "assets/lessons/maml.json: step 3 (inner): settings: K=500 (1 to 50)".
Lesson parse_lesson(const std::string& file, const std::string& json_text, const Strings& strings);

struct LessonLibrary {
  std::vector<Lesson> lessons;      // sorted by order
  std::vector<std::string> errors;  // files that did not load (the page shows them)
  const Lesson* find(const std::string& id) const;
  int index_of(const std::string& id) const;  // -1 when unknown
};

// Every assets/lessons/*.json of `files`; a bad file is left out and named in
// errors, as is a second lesson with an id or order already taken.
LessonLibrary load_lessons(const std::vector<ContentFile>& files, const Strings& strings);
// Every assets/i18n/*.json of `files` (a bad table throws ContentError).
Strings load_strings(const std::vector<ContentFile>& files);

// The value at a dotted path of a JSON document (null when there is none).
const nlohmann::json* json_at(const nlohmann::json& doc, const std::string& path);
// Whether a check holds on a status document; *why says what was found.
bool check_holds(const LessonCheck& check, const nlohmann::json& status, std::string* why);

}  // namespace metalab::web
