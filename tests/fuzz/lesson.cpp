// One lesson file (parse_lesson, web/app/page/lessons.h), what a teacher
// writes and the page loads from assets/lessons/.
// Contract: a file is refused with a ContentError naming it, or the lesson
// is whole: 1 to 30 steps with distinct ids, every text key in the English
// table, a question with 2 to 5 choices and its answer among them only on a
// step with a Run, every check able to hold, and each
// step's settings apply, in order, to a fresh page without a complaint.
#include "web/app/page/app_state.h"
#include "web/app/page/lessons.h"
#include "web/app/page/url_state.h"
#include "tests/fuzz/fuzz_support.h"

#include <set>

namespace {

using namespace metalab::web;

const Strings& english() {
  static const Strings s = load_strings(embedded_content());
  return s;
}

void check_key(const std::string& key, bool required, const char* what) {
  if (!required && key.empty()) return;
  FUZZ_CHECK(english().has(key), what << ": key \"" << key << "\" has no English text");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  constexpr const char* kFile = "assets/lessons/fuzz.json";
  Lesson lesson;
  try {
    lesson = parse_lesson(kFile, std::string(fuzz::as_view(data, size)), english());
  } catch (const ContentError& e) {
    fuzz::expect_names(e, kFile);
    return 0;
  }
  FUZZ_CHECK(!lesson.id.empty(), "a lesson without an id");
  for (char c : lesson.id) FUZZ_CHECK((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-', "id " << lesson.id);
  check_key(lesson.title, true, "title");
  check_key(lesson.summary, false, "summary");
  FUZZ_CHECK(!lesson.steps.empty() && lesson.steps.size() <= 30, lesson.steps.size() << " steps");
  std::set<std::string> ids;
  AppState page;  // one page the steps set in turn, as the player does
  for (const LessonStep& s : lesson.steps) {
    FUZZ_CHECK(ids.insert(s.id).second, "two steps named " << s.id);
    check_key(s.title, false, "step title");
    check_key(s.text, false, "step text");
    if (s.has_question) {
      FUZZ_CHECK(s.has_run, "step " << s.id << ": a question without a run");
      const std::size_t n = s.question.choices.size();
      FUZZ_CHECK(n >= 2 && n <= 5, "step " << s.id << ": " << n << " choices");
      FUZZ_CHECK(s.question.answer >= 0 && static_cast<std::size_t>(s.question.answer) < n,
                 "step " << s.id << ": answer " << s.question.answer << " of " << n);
      check_key(s.question.prompt, true, "question");
      for (const std::string& c : s.question.choices) check_key(c, true, "choice");
      check_key(s.question.explain, false, "explanation");
    }
    FUZZ_CHECK(s.checks.empty() || s.has_run, "step " << s.id << ": checks without a run");
    FUZZ_CHECK(s.cover.empty() || s.has_run, "step " << s.id << ": a cover without a run");
    for (const LessonCheck& c : s.checks) {
      FUZZ_CHECK(!c.status.empty(), "step " << s.id << ": a check on nothing");
      FUZZ_CHECK(c.min <= c.max, "step " << s.id << ": a check on " << c.status << " that can never hold");
    }
    for (const std::string* settings : {&s.enter.settings, &s.run.settings}) {
      const std::vector<std::string> bad = apply_view_settings(page, s.view, *settings, false);
      FUZZ_CHECK(bad.empty(), "step " << s.id << ": settings " << *settings << " did not apply: " << bad.front());
    }
  }
  return 0;
}
