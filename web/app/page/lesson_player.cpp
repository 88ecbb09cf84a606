#include "web/app/page/lesson_player.h"

#include <algorithm>
#include <cstdlib>

#include "web/app/page/app_state.h"
#include "web/app/page/status.h"
#include "web/app/page/url_state.h"

namespace metalab::web {

namespace {

const char* phase_name(LessonPhase p) {
  switch (p) {
    case LessonPhase::Preparing: return "preparing";
    case LessonPhase::Ready: return "ready";
    case LessonPhase::Running: return "running";
    case LessonPhase::Done: return "done";
  }
  return "?";
}

void note(LessonState& ls, const std::vector<std::string>& bad) {
  for (const std::string& b : bad) ls.notice += (ls.notice.empty() ? "" : ", ") + b;
}

// The lab's own Reset / shipped-weights requests (they take effect at its next sync).
void request_weights(AppState& st, ViewId view, const std::string& weights) {
  if (weights.empty()) return;
  const bool fresh = weights == "fresh";
  switch (view) {
    case ViewId::RegressionLab:
      st.regression.restart = fresh ? RegressionLab::Restart::Fresh : RegressionLab::Restart::Shipped;
      break;
    case ViewId::ClassificationLab:
      if (fresh) {
        reset_classification(st.classification);
      } else {
        st.classification.want_shipped = true;
        st.classification.upload_file.clear();
      }
      break;
    case ViewId::MemoryLab:
      if (fresh) reset_memory(st.memory);
      else use_shipped_memory(st.memory);
      break;
    case ViewId::LandscapeLab: reset_landscape(st.landscape); break;
    case ViewId::SinusoidExplorer:
    case ViewId::GeneLab: break;  // refused when the lesson loads
  }
}

void await(LessonState& ls, long target, LessonPhase while_waiting, LessonPhase after) {
  ls.driven_job = -1;
  if (target >= 0) {
    ls.target = target;
    ls.phase = while_waiting;
  } else {
    ls.target = -1;
    ls.phase = after;
  }
}

// Enters step `index`: on top of the lab's settings (Next) or from the
// view's defaults through every step so far (see lesson_player.h).
void enter_step(AppState& st, int index, bool on_top) {
  LessonState& ls = st.lessons;
  const Lesson& l = ls.library.lessons[static_cast<std::size_t>(ls.lesson)];
  const LessonStep& s = l.steps[static_cast<std::size_t>(index)];
  ls.step = index;
  ls.choice = -1;
  ls.notice.clear();
  st.view = s.view;
  if (on_top) {
    note(ls, apply_view_settings(st, s.view, s.enter.settings, false));
  } else {
    note(ls, apply_view_settings(st, s.view, "", true));
    for (int i = 0; i <= index; ++i) {
      const LessonStep& e = l.steps[static_cast<std::size_t>(i)];
      if (e.view != s.view) continue;
      note(ls, apply_view_settings(st, s.view, e.enter.settings, false));
      if (i < index) note(ls, apply_view_settings(st, s.view, e.run.settings, false));
    }
  }
  request_weights(st, s.view, s.enter.weights);
  await(ls, s.enter.train_to, LessonPhase::Preparing, LessonPhase::Ready);
}

void run_step(AppState& st) {
  LessonState& ls = st.lessons;
  const LessonStep* s = open_step_of(st);
  if (!s || !s->has_run || ls.phase == LessonPhase::Preparing) return;
  st.view = s->view;
  note(ls, apply_view_settings(st, s->view, s->run.settings, false));
  request_weights(st, s->view, s->run.weights);
  await(ls, s->run.train_to, LessonPhase::Running, LessonPhase::Done);
}

}  // namespace

const Lesson* open_lesson_of(const AppState& st) {
  const LessonState& ls = st.lessons;
  if (ls.lesson < 0 || ls.lesson >= static_cast<int>(ls.library.lessons.size())) return nullptr;
  return &ls.library.lessons[static_cast<std::size_t>(ls.lesson)];
}

const LessonStep* open_step_of(const AppState& st) {
  const Lesson* l = open_lesson_of(st);
  if (!l || st.lessons.step < 0 || st.lessons.step >= static_cast<int>(l->steps.size())) return nullptr;
  return &l->steps[static_cast<std::size_t>(st.lessons.step)];
}

bool open_lesson(AppState& st, const std::string& id, int step, std::string* why) {
  LessonState& ls = st.lessons;
  const int index = ls.library.index_of(id);
  if (index < 0) {
    if (why) {
      std::string list;
      for (const Lesson& l : ls.library.lessons) list += (list.empty() ? "" : ", ") + l.id;
      *why = "lesson=" + id + " (" + (list.empty() ? "no lessons loaded" : list) + ")";
    }
    return false;
  }
  const int steps = static_cast<int>(ls.library.lessons[static_cast<std::size_t>(index)].steps.size());
  const int clamped = std::clamp(step, 0, steps - 1);
  if (why) *why = clamped == step ? "" : "step=" + std::to_string(step + 1) + " (1 to " + std::to_string(steps) + ")";
  ls.lesson = index;
  enter_step(st, clamped, false);
  return true;
}

void close_lesson(AppState& st) {
  LessonState& ls = st.lessons;
  ls.lesson = -1;
  ls.step = 0;
  ls.target = -1;
  ls.choice = -1;
  ls.phase = LessonPhase::Ready;
  ls.notice.clear();
}

void request_lesson(AppState& st, LessonRequest request) { st.lessons.request = request; }

void update_lessons(AppState& st) {
  LessonState& ls = st.lessons;
  if (!ls.open_request.empty()) {
    const std::string r = ls.open_request;
    ls.open_request.clear();
    const std::size_t colon = r.find(':');
    std::string why;
    open_lesson(st, r.substr(0, colon), colon == std::string::npos ? 0 : std::atoi(r.c_str() + colon + 1), &why);
    if (!why.empty()) ls.notice = why;
  }
  const LessonRequest r = ls.request;
  ls.request = LessonRequest::None;
  const Lesson* l = open_lesson_of(st);
  if (!l) return;
  const int steps = static_cast<int>(l->steps.size());
  switch (r) {
    case LessonRequest::Next:
      if (ls.step + 1 < steps) enter_step(st, ls.step + 1, true);
      break;
    case LessonRequest::Previous:
      if (ls.step > 0) enter_step(st, ls.step - 1, false);
      break;
    case LessonRequest::Run: run_step(st); break;
    case LessonRequest::Close: close_lesson(st); break;
    case LessonRequest::None: break;
  }
}

void drive_lessons(AppState& st) {
  LessonState& ls = st.lessons;
  const LessonStep* s = open_step_of(st);
  if (!s || ls.target < 0) return;
  TrainingJob* job = lesson_job(st, s->view);
  if (!job || !job->ready()) return;  // being built (data on its way, a reset): wait
  if (job->iteration() >= ls.target) {
    ls.target = -1;
    ls.phase = ls.phase == LessonPhase::Preparing ? LessonPhase::Ready : LessonPhase::Done;
    return;
  }
  // A job built anew (a reset, other settings) is told again.
  if (job->id() != ls.driven_job) {
    job->train_to(ls.target);
    ls.driven_job = job->id();
  }
}

TrainingJob* lesson_job(AppState& st, ViewId view) {
  switch (view) {
    case ViewId::RegressionLab: return st.regression.shown();
    case ViewId::ClassificationLab: return st.classification.job();
    case ViewId::MemoryLab: return st.memory.job();
    case ViewId::LandscapeLab: return st.landscape.walkers();
    case ViewId::SinusoidExplorer:
    case ViewId::GeneLab: return nullptr;
  }
  return nullptr;
}

const Rects& view_rects(const AppState& st, ViewId view) {
  switch (view) {
    case ViewId::SinusoidExplorer: return st.sinusoid.view.rects;
    case ViewId::RegressionLab: return st.regression.view.rects;
    case ViewId::ClassificationLab: return st.classification.view.rects;
    case ViewId::MemoryLab: return st.memory.view.rects;
    case ViewId::GeneLab: return st.gene.view.rects;
    case ViewId::LandscapeLab: return st.landscape.view.rects;
  }
  return st.sinusoid.view.rects;
}

nlohmann::json lesson_status(const AppState& st, const nlohmann::json& status) {
  const Lesson* l = open_lesson_of(st);
  const LessonStep* s = open_step_of(st);
  if (!l || !s) return nullptr;
  const LessonState& ls = st.lessons;
  const bool done = ls.phase == LessonPhase::Done;
  nlohmann::json point_rect = nullptr;
  if (!s->point.empty() && st.view == s->view) {
    const Rects& r = view_rects(st, s->view);
    if (const auto it = r.find(s->point); it != r.end()) point_rect = rect_json(it->second);
  }
  nlohmann::json checks = nlohmann::json::array();
  for (const LessonCheck& c : s->checks) {
    std::string why;
    const bool ok = done && check_holds(c, status, &why);
    checks.push_back({{"status", c.status}, {"ok", ok}, {"detail", done ? why : "not run yet"}});
  }
  return {{"id", l->id},
          {"step", ls.step + 1},
          {"steps", static_cast<int>(l->steps.size())},
          {"step_id", s->id},
          {"view", view_info(s->view).key},
          {"phase", phase_name(ls.phase)},
          {"target", ls.target},
          {"has_run", s->has_run},
          {"cover", s->cover},
          {"covered", !s->cover.empty() && !done},
          {"has_question", s->has_question},
          {"choices", s->has_question ? static_cast<int>(s->question.choices.size()) : 0},
          {"choice", ls.choice},
          {"revealed", s->has_question && done},
          {"answer", s->has_question && done ? nlohmann::json(s->question.answer) : nlohmann::json(nullptr)},
          {"correct", s->has_question && done && ls.choice >= 0 ? nlohmann::json(ls.choice == s->question.answer)
                                                                 : nlohmann::json(nullptr)},
          {"point", s->point},
          {"point_rect", point_rect},
          {"checks", checks},
          {"notice", ls.notice},
          {"rects", rects_json(ls.rects)}};
}

}  // namespace metalab::web
