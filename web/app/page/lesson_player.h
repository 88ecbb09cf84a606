// The lesson player: which lesson and step are open, and what entering a
// step, pressing Run, Next or Previous does to the labs. It drives a lab only
// through its settings table (url_state.h: apply_view_settings) and its job
// (TrainingJob: train_to, the lab's Reset / shipped-weights requests), as the
// lab's own controls do.
//
// Settings: Next applies the new step's settings on top of what the lab has
// (what the student changed in the lab stays unless the step names it); any
// other way into a step (a link, the picker, Previous) sets the step's view
// from its defaults and then the settings of every step up to this one
// (their run settings included, as if each had been run), so that
// #lesson=ID&step=N opens exactly what stepping there shows. Weights and
// train_to are the step's own: a step that needs a trained model says so.
//
// Phases of a step: Preparing (its weights load, its train_to runs), Ready
// (the student predicts, then presses Run), Running (the run's train_to),
// Done (the answer and explanation show; the checks are evaluated on the
// status JSON from then on).
//
//   open_lesson(state, "maml", 2, &why);   // step 3 of the MAML lesson
//   request_lesson(state, LessonRequest::Run);
//   update_page(state, dt);                // applies it (update_lessons), trains, ...
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "web/app/page/job.h"
#include "web/app/page/layout.h"
#include "web/app/page/lessons.h"

namespace metalab::web {

struct AppState;

enum class LessonPhase { Preparing, Ready, Running, Done };
enum class LessonRequest { None, Next, Previous, Run, Close };

struct LessonState {
  LessonLibrary library;
  int lesson = -1;  // index into library.lessons; -1: none open
  int step = 0;     // from 0
  LessonPhase phase = LessonPhase::Ready;
  int choice = -1;    // the student's prediction (-1: none yet)
  long target = -1;   // the iteration awaited while Preparing / Running (-1: none)
  long long driven_job = -1;  // the job that was told to train to it
  LessonRequest request = LessonRequest::None;  // from the UI; applied before the labs sync
  std::string open_request;                     // "id" or "id:step" from the picker
  std::string notice;  // what the player could not do (shown in the lesson panel)
  Rects rects;         // the lesson panel's and picker's buttons (status JSON, browser tests)
};

// The lesson open now, if any.
const Lesson* open_lesson_of(const AppState& state);
const LessonStep* open_step_of(const AppState& state);

// Opens step `step` (from 0; clamped) of a lesson, as a link does. false with
// *why when there is no such lesson; *why also names a clamped step.
bool open_lesson(AppState& state, const std::string& id, int step, std::string* why);
void close_lesson(AppState& state);
// From the UI (Next, Previous, Run, Close; the picker opens with open_request).
void request_lesson(AppState& state, LessonRequest request);

// Before the labs sync: applies the request of the last frame.
void update_lessons(AppState& state);
// After the labs sync and before the scheduler: gives the step's train_to to
// the lab's job and moves the phase on when it is reached.
void drive_lessons(AppState& state);

// The training job a lesson drives in a view (null for views without one).
TrainingJob* lesson_job(AppState& state, ViewId view);
// The widget rectangles a view publishes (what a step's "point" names).
const Rects& view_rects(const AppState& state, ViewId view);

// "lesson": {id, step, steps, phase, choice, answer, revealed, point, point_rect, checks, rects} or null;
// the checks are evaluated on `status` (the rest of the status JSON).
nlohmann::json lesson_status(const AppState& state, const nlohmann::json& status);

}  // namespace metalab::web
