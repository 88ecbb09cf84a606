// Lessons (web/app/page/lessons.h, lesson_player.h): malformed lesson files
// named with the file and the step, the shipped lessons, and the player:
// a step sets its lab through the settings table, Next keeps what the student
// changed, a link opens exactly the step, train_to trains the lab's job to
// that iteration and no further, and a question's answer shows only after Run.
#include "web/app/page/lessons.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "web/app/page/app_state.h"
#include "web/app/page/lesson_player.h"
#include "web/app/page/url_state.h"

namespace metalab::web {
namespace {

Strings test_strings() {
  Strings s;
  s.add(StringTable::parse("assets/i18n/en.json", R"({"t.title": "Title", "t.sum": "Summary", "t.s": "Step",
      "t.text": "Text", "t.q": "Which?", "t.a": "A", "t.b": "B", "t.why": "Because"})"));
  return s;
}

// A lesson file with the given steps (JSON text of the list).
std::string lesson_with(const std::string& steps, const std::string& id = "t") {
  return R"({"id": ")" + id + R"(", "order": 1, "title": "t.title", "summary": "t.sum", "steps": )" + steps + "}";
}

std::string error_of(const std::string& text) {
  try {
    parse_lesson("assets/lessons/t.json", text, test_strings());
  } catch (const ContentError& e) {
    return e.what();
  }
  return "(no error)";
}

constexpr const char* kStep = R"("id": "s1", "title": "t.s", "text": "t.text")";

TEST(Lessons, MalformedFilesAreNamedWithTheFileAndTheStep) {
  const auto err = [](const std::string& step_fields) {
    return error_of(lesson_with(std::string("[{") + kStep + ", " + step_fields + "}]"));
  };
  EXPECT_NE(error_of("{").find("assets/lessons/t.json: not valid JSON"), std::string::npos);
  EXPECT_NE(error_of(R"({"id": "t", "order": 1e999})").find("number overflow"), std::string::npos)
      << "a number beyond double range is an error of the file, not an escaping exception (a fuzzed finding)";
  EXPECT_NE(error_of(lesson_with("[]")).find("\"steps\" must be a non-empty list"), std::string::npos);
  EXPECT_NE(error_of(R"({"id": "t", "title": "t.nope", "summary": "t.sum", "steps": [{}]})")
                .find("\"title\": no English text for key \"t.nope\""),
            std::string::npos);
  EXPECT_NE(error_of(lesson_with("[{}]").replace(1, 0, R"("colour": 1, )")).find("unknown field \"colour\""),
            std::string::npos);
  EXPECT_NE(error_of(lesson_with(R"([{"id": "s1", "title": "t.s", "view": "sinusoid"}])"))
                .find("assets/lessons/t.json: step 1 (s1): \"text\" is missing"),
            std::string::npos);
  EXPECT_NE(err(R"("view": "kitchen")").find("step 1 (s1): \"view\": \"kitchen\" is not a view"), std::string::npos);
  EXPECT_NE(err(R"("view": "regression", "settings": "K=500")").find("step 1 (s1): settings: K=500 (1 to 50)"),
            std::string::npos)
      << "every key and range is checked against the view's table";
  EXPECT_NE(err(R"("view": "regression", "settings": "colour=red")").find("colour (unknown key)"), std::string::npos);
  EXPECT_NE(err(R"("view": "sinusoid", "weights": "fresh")").find("the sinusoid view has no model"), std::string::npos);
  EXPECT_NE(err(R"("view": "regression", "weights": "old")").find("weights: \"old\" (shipped or fresh)"),
            std::string::npos);
  EXPECT_NE(err(R"("view": "gene", "train_to": 10)").find("train_to: the gene view has no training job"),
            std::string::npos);
  EXPECT_NE(err(R"("view": "regression", "question": {"prompt": "t.q", "choices": ["t.a", "t.b"], "answer": 0, "explain": "t.why"})")
                .find("a question needs a \"run\""),
            std::string::npos);
  EXPECT_NE(err(R"("view": "regression", "run": {}, "question": {"prompt": "t.q", "choices": ["t.a", "t.b"], "answer": 2, "explain": "t.why"})")
                .find("\"answer\" = 2 is outside 0 to 1"),
            std::string::npos);
  EXPECT_NE(err(R"("view": "regression", "run": {}, "question": {"prompt": "t.q", "choices": ["t.a", "t.zz"], "answer": 0, "explain": "t.why"})")
                .find("choice: no English text for key \"t.zz\""),
            std::string::npos);
  EXPECT_NE(err(R"("view": "regression", "run": {}, "checks": [{"status": "regression.nothing", "min": 1}])")
                .find("check: \"regression.nothing\" is not in the page's status JSON"),
            std::string::npos);
  EXPECT_NE(err(R"("view": "regression", "run": {}, "checks": [{"status": "regression.iteration"}])").find("has no min, max"),
            std::string::npos);
  EXPECT_NE(err(R"("view": "regression", "run": {}, "checks": [{"status": "regression.iteration", "min": 5, "max": 1}])")
                .find("min is above max"),
            std::string::npos);
  EXPECT_NE(err(R"("view": "memory", "cover": ["accuracy"])").find("\"cover\" hides widgets until the step has run"),
            std::string::npos);
  // A value that is only invalid after an earlier step: checked in order, as the player applies them.
  EXPECT_NE(error_of(lesson_with(R"([{"id": "a", "title": "t.s", "text": "t.text", "view": "classification", "settings": "dataset=tissue&ways=3"},
                                     {"id": "b", "title": "t.s", "text": "t.text", "view": "classification", "settings": "ways=5"}])"))
                .find("step 2 (b): settings: ways=5 (2 to 3)"),
            std::string::npos);
  EXPECT_NE(error_of(lesson_with(R"([{"id": "a", "title": "t.s", "text": "t.text", "view": "memory"},
                                     {"id": "a", "title": "t.s", "text": "t.text", "view": "memory"}])"))
                .find("step 2 (a): another step has the id \"a\""),
            std::string::npos);
  EXPECT_NE(error_of(R"({"id": "Big Lesson", "title": "t.title", "summary": "t.sum", "steps": [{}]})").find("\"id\" must be lower case"),
            std::string::npos);
  // A list item not computed yet is a valid path ("classification.curve" is [] on a fresh page).
  EXPECT_EQ(err(R"("view": "classification", "run": {}, "checks": [{"status": "classification.curve.3", "above": "classification.curve_nn.3"}])"),
            "(no error)");
}

TEST(Lessons, TheLibraryNamesBadFilesAndKeepsTheGoodOnes) {
  const Strings s = test_strings();
  const std::string good = lesson_with(std::string("[{") + kStep + R"(, "view": "memory"}])", "good");
  const std::string other = lesson_with(std::string("[{") + kStep + R"(, "view": "memory"}])", "other");
  const std::string bad = lesson_with(std::string("[{") + kStep + R"(, "view": "nowhere"}])", "bad");
  const std::vector<ContentFile> files = {{"assets/lessons/good.json", good},
                                          {"assets/lessons/misnamed.json", other},
                                          {"assets/lessons/bad.json", bad},
                                          {"assets/lessons/other.json", other},
                                          {"assets/i18n/en.json", "{}"}};
  const LessonLibrary lib = load_lessons(files, s);
  ASSERT_EQ(lib.lessons.size(), 1u);
  EXPECT_EQ(lib.lessons[0].id, "good");
  ASSERT_EQ(lib.errors.size(), 3u);
  EXPECT_NE(lib.errors[0].find("misnamed.json: its id \"other\" must be its file name"), std::string::npos) << lib.errors[0];
  EXPECT_NE(lib.errors[1].find("bad.json: step 1 (s1)"), std::string::npos) << lib.errors[1];
  EXPECT_NE(lib.errors[2].find("other.json: \"order\" 1 is taken by assets/lessons/good.json"), std::string::npos)
      << lib.errors[2];
}

TEST(Lessons, TheShippedLessonsLoad) {
  AppState st;
  load_page_content(st);
  const LessonLibrary& lib = st.lessons.library;
  std::string errors;
  for (const std::string& e : lib.errors) errors += "\n  " + e;
  EXPECT_TRUE(lib.errors.empty()) << errors;
  ASSERT_GE(lib.lessons.size(), 6u);
  const std::vector<std::string> ids = {"few-shot", "maml", "meta-gradients", "metric", "memory", "biomedicine"};
  for (std::size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(lib.lessons[i].id, ids[i]) << "in the picker's order";
  for (const Lesson& l : lib.lessons) {
    EXPECT_GE(l.steps.size(), 5u) << l.id;
    EXPECT_LE(l.steps.size(), 12u) << l.id;
    int questions = 0, checked = 0;
    for (const LessonStep& s : l.steps) {
      questions += s.has_question;
      checked += s.has_question && !s.checks.empty();
    }
    EXPECT_GE(questions, 2) << l.id << ": predict before you run";
    EXPECT_EQ(checked, questions) << l.id << ": every answer is checked on the page's own numbers";
  }
  // Lesson 1 opens with the student as the learner.
  EXPECT_EQ(lib.lessons[0].steps[0].view, ViewId::ClassificationLab);
  EXPECT_NE(lib.lessons[0].steps[0].enter.settings.find("you=label"), std::string::npos);
}

// A small lesson on the landscape lab (cheap to train) for the player's tests.
LessonLibrary player_lessons() {
  const std::string text = lesson_with(R"([
      {"id": "a", "title": "t.s", "text": "t.text", "view": "landscape", "settings": "steps=2&theta1=2"},
      {"id": "b", "title": "t.s", "text": "t.text", "view": "landscape", "settings": "alpha=0.2", "weights": "fresh",
       "run": {"settings": "beta=0.1", "train_to": 5},
       "question": {"prompt": "t.q", "choices": ["t.a", "t.b"], "answer": 1, "explain": "t.why"},
       "checks": [{"status": "landscape.iteration", "min": 5, "max": 5}]},
      {"id": "c", "title": "t.s", "text": "t.text", "view": "landscape", "settings": "K=5", "train_to": 3},
      {"id": "d", "title": "t.s", "text": "t.text", "view": "sinusoid", "settings": "seed=7"}])",
                                       "walk");
  return load_lessons({{"assets/lessons/walk.json", text}}, test_strings());
}

void frames(AppState& st, int n) {
  for (int i = 0; i < n; ++i) update_page(st, 1.0 / 60);
}

nlohmann::json lesson_of(AppState& st) { return nlohmann::json::parse(status_json(st))["lesson"]; }

TEST(LessonPlayer, StepsSetTheirLabThroughTheSettingsTable) {
  AppState st;
  st.lessons.library = player_lessons();
  ASSERT_TRUE(st.lessons.library.errors.empty()) << st.lessons.library.errors[0];
  apply_url_hash(st, "lesson=walk&step=1");
  EXPECT_EQ(st.view, ViewId::LandscapeLab);
  EXPECT_EQ(st.landscape.settings.steps, 2);
  EXPECT_FLOAT_EQ(st.landscape.settings.theta1, 2.0f);
  EXPECT_EQ(make_url_hash(st), "lesson=walk&step=1");
  EXPECT_EQ(st.page.url_notice, "");
  const nlohmann::json l = lesson_of(st);
  EXPECT_EQ(l["id"], "walk");
  EXPECT_EQ(l["step"], 1);
  EXPECT_EQ(l["steps"], 4);

  // The student drags theta; Next keeps it (step b does not name it) and adds alpha.
  st.landscape.settings.theta2 = 1.5f;
  request_lesson(st, LessonRequest::Next);
  frames(st, 1);
  EXPECT_EQ(st.lessons.step, 1);
  EXPECT_FLOAT_EQ(st.landscape.settings.alpha, 0.2f);
  EXPECT_FLOAT_EQ(st.landscape.settings.theta2, 1.5f) << "Next keeps what the student changed";
  EXPECT_EQ(st.landscape.settings.steps, 2);
  // A link to the same step gives the steps' settings from the defaults: the student's theta2 is gone.
  apply_url_hash(st, "#lesson=walk&step=2");
  EXPECT_FLOAT_EQ(st.landscape.settings.theta2, LandscapeSettings{}.theta2);
  EXPECT_FLOAT_EQ(st.landscape.settings.theta1, 2.0f) << "step 1's settings apply on the way";
  EXPECT_FLOAT_EQ(st.landscape.settings.alpha, 0.2f);

  // Step 4 changes view; Previous from it rebuilds step 3 from the defaults,
  // with step 2's run settings as if it had run.
  apply_url_hash(st, "lesson=walk&step=4");
  EXPECT_EQ(st.view, ViewId::SinusoidExplorer);
  EXPECT_EQ(st.sinusoid.settings.seed, 7u);
  request_lesson(st, LessonRequest::Previous);
  frames(st, 1);
  EXPECT_EQ(st.view, ViewId::LandscapeLab);
  EXPECT_EQ(st.landscape.settings.k, 5);
  EXPECT_FLOAT_EQ(st.landscape.settings.beta, 0.1f);
}

TEST(LessonPlayer, RunTrainsTheLabsJobToTheIterationAndThenRevealsTheAnswer) {
  AppState st;
  st.lessons.library = player_lessons();
  apply_url_hash(st, "lesson=walk&step=2");
  frames(st, 2);
  nlohmann::json l = lesson_of(st);
  EXPECT_EQ(l["phase"], "ready");
  EXPECT_TRUE(l["answer"].is_null()) << "no answer before the run";
  EXPECT_FALSE(l["revealed"].get<bool>());
  EXPECT_FALSE(l["checks"][0]["ok"].get<bool>());
  st.lessons.choice = 0;  // the student predicts (wrongly)
  request_lesson(st, LessonRequest::Run);
  frames(st, 1);
  EXPECT_FLOAT_EQ(st.landscape.settings.beta, 0.1f) << "the run's settings";
  l = lesson_of(st);
  EXPECT_EQ(l["phase"], "running");
  EXPECT_TRUE(l["answer"].is_null());
  for (int i = 0; i < 600 && lesson_of(st)["phase"] != "done"; ++i) frames(st, 1);
  l = lesson_of(st);
  ASSERT_EQ(l["phase"], "done");
  ASSERT_NE(st.landscape.walkers(), nullptr);
  EXPECT_EQ(st.landscape.walkers()->iteration(), 5) << "trained to the iteration, no further";
  EXPECT_FALSE(st.landscape.walkers()->playing);
  frames(st, 10);
  EXPECT_EQ(st.landscape.walkers()->iteration(), 5);
  EXPECT_EQ(l["answer"], 1);
  EXPECT_EQ(l["correct"], false);
  EXPECT_TRUE(l["checks"][0]["ok"].get<bool>()) << l["checks"].dump();

  // Step 3 prepares: its train_to runs on entering, then it is ready.
  request_lesson(st, LessonRequest::Next);
  frames(st, 1);
  EXPECT_EQ(lesson_of(st)["phase"], "preparing");
  for (int i = 0; i < 600 && lesson_of(st)["phase"] == "preparing"; ++i) frames(st, 1);
  EXPECT_EQ(lesson_of(st)["phase"], "ready");
  EXPECT_EQ(st.landscape.walkers()->iteration(), 3) << "K changed: new walkers, trained to 3";
}

TEST(LessonPlayer, BadLessonLinksFallBackWithANotice) {
  AppState st;
  st.lessons.library = player_lessons();
  apply_url_hash(st, "lesson=nope&view=memory");
  EXPECT_EQ(open_lesson_of(st), nullptr);
  EXPECT_EQ(st.view, ViewId::MemoryLab) << "the rest of the link still applies";
  EXPECT_NE(st.page.url_notice.find("lesson=nope (walk)"), std::string::npos) << st.page.url_notice;
  apply_url_hash(st, "lesson=walk&step=9");
  ASSERT_NE(open_lesson_of(st), nullptr);
  EXPECT_EQ(st.lessons.step, 3);
  EXPECT_NE(st.page.url_notice.find("step=9 (1 to 4)"), std::string::npos) << st.page.url_notice;
  apply_url_hash(st, "lesson=walk&step=two");
  EXPECT_EQ(st.lessons.step, 0);
  EXPECT_NE(st.page.url_notice.find("step=two"), std::string::npos);
  // A plain link closes the lesson; presenter mode is a page key of any link.
  apply_url_hash(st, "view=memory&seed=2&present=1");
  EXPECT_EQ(open_lesson_of(st), nullptr);
  EXPECT_TRUE(st.ui.presenter);
  EXPECT_EQ(make_url_hash(st), "view=memory&seed=2&episode=0&present=1");
  apply_url_hash(st, "lesson=walk&present=1");
  EXPECT_EQ(make_url_hash(st), "lesson=walk&step=1&present=1");
  request_lesson(st, LessonRequest::Close);
  frames(st, 1);
  EXPECT_EQ(open_lesson_of(st), nullptr);
  EXPECT_TRUE(nlohmann::json::parse(status_json(st))["lesson"].is_null());
}

TEST(LessonPlayer, ChecksCompareNumbersOfTheStatus) {
  const nlohmann::json status = nlohmann::json::parse(R"({"a": {"x": 0.5, "y": [0.2, 0.9], "n": null}})");
  LessonCheck c;
  c.status = "a.x";
  c.min = 0.4;
  std::string why;
  EXPECT_TRUE(check_holds(c, status, &why)) << why;
  c.max = 0.45;
  EXPECT_FALSE(check_holds(c, status, &why));
  c = LessonCheck{};
  c.status = "a.y.1";
  c.above = "a.y.0";
  EXPECT_TRUE(check_holds(c, status, &why)) << why;
  c.below = "a.x";
  EXPECT_FALSE(check_holds(c, status, &why)) << "0.9 is not below 0.5";
  c = LessonCheck{};
  c.status = "a.n";
  c.min = 0;
  EXPECT_FALSE(check_holds(c, status, &why));
  EXPECT_NE(why.find("not a number yet"), std::string::npos);
  EXPECT_EQ(json_at(status, "a.y.2"), nullptr);
  EXPECT_EQ(json_at(status, "a..x"), nullptr);
}

}  // namespace
}  // namespace metalab::web
