#include "web/app/page/app_state.h"

#include <cmath>

#include "web/app/page/content.h"
#include "web/app/page/settings_text.h"
#include "web/app/page/status.h"

namespace metalab::web {

const std::vector<ViewInfo>& views() {
  static const std::vector<ViewInfo> v{
      {ViewId::SinusoidExplorer, "sinusoid", "sinusoid_explorer"},
      {ViewId::RegressionLab, "regression", "regression_lab"},
      {ViewId::ClassificationLab, "classification", "classification_lab"},
      {ViewId::MemoryLab, "memory", "memory_lab"},
      {ViewId::GeneLab, "gene", "gene_lab"},
      {ViewId::LandscapeLab, "landscape", "landscape_lab"},
  };
  return v;
}

std::string view_title_key(ViewId id) { return std::string("ui.view.") + view_info(id).key; }
std::string view_summary_key(ViewId id) { return view_title_key(id) + ".summary"; }

bool view_from_key(const std::string& key, ViewId* out) {
  const std::string wanted = key == "genes" ? "gene" : key;  // "genes": the CLI's task name
  for (const ViewInfo& v : views())
    if (wanted == v.key) {
      *out = v.id;
      return true;
    }
  return false;
}

float effective_text_scale(const UiSettings& ui) { return ui.text_scale * (ui.presenter ? kPresenterTextScale : 1.0f); }

void load_page_content(AppState& st) {
  try {
    st.strings = load_strings(embedded_content());
    add_settings_text(st.strings);
  } catch (const ContentError& e) {
    st.page.last_error = e.what();
  }
  st.lessons.library = load_lessons(embedded_content(), st.strings);
}

const ViewInfo& view_info(ViewId id) {
  for (const ViewInfo& v : views())
    if (v.id == id) return v;
  return views().front();
}

void update_page(AppState& st, double dt_s) {
  st.scheduler.adapt_budget(st.stats.last_ui_ms);
  update_lessons(st);  // Next / Run / ... pressed last frame: settings and the labs' requests
  // The visible lab follows its settings; a hidden lab keeps what it has.
  const ViewId v = st.view;
  if (v == ViewId::RegressionLab) sync_regression(st.regression, st.assets, st.control_active);
  if (v == ViewId::GeneLab) {
    std::string error;
    const std::string task = st.gene.settings.data == "promoter" ? "promoter" : "genes";
    st.gene.job_error = st.regression.ensure(task, st.assets, &error) ? "" : error;
  }
  for (auto& [task, job] : st.regression.jobs) job->adopt_shipped_if_untouched(st.assets);
  if (v == ViewId::ClassificationLab) sync_classification(st.classification, st.assets, true);
  else st.classification.curve.follow(st.classification.job(), false);
  if (v == ViewId::MemoryLab) sync_memory(st.memory, st.assets, true);
  else st.memory.accuracy.follow(st.memory.job(), st.memory.settings.seed, false);
  sync_landscape(st.landscape, v == ViewId::LandscapeLab);  // cheap: memos; its grid computes only while visible
  drive_lessons(st);  // the step's train_to, once its lab's job is built

  std::vector<Job*> jobs;
  for (auto& [task, job] : st.regression.jobs) jobs.push_back(job.get());
  jobs.push_back(st.classification.job());
  jobs.push_back(&st.classification.curve);
  jobs.push_back(st.memory.job());
  jobs.push_back(&st.memory.accuracy);
  jobs.push_back(st.landscape.walkers());
  jobs.push_back(&st.landscape.grid);
  st.scheduler.run(jobs, dt_s);
}

std::vector<const Job*> training_jobs(const AppState& st) {
  std::vector<const Job*> out;
  for (const auto& [task, job] : st.regression.jobs)
    if (job->wants_time()) out.push_back(job.get());
  if (const Job* j = st.classification.job(); j && j->wants_time()) out.push_back(j);
  if (const Job* j = st.memory.job(); j && j->wants_time()) out.push_back(j);
  if (const Job* j = st.landscape.walkers(); j && j->wants_time()) out.push_back(j);
  return out;
}

std::string status_json(AppState& st) {
  nlohmann::json assets = nlohmann::json::array();
  for (const auto& [name, bytes] : st.assets.files()) assets.push_back(name);
  nlohmann::json training_titles = nlohmann::json::array();
  for (const Job* j : training_jobs(st)) training_titles.push_back(j->title());
  const auto ms = [](double v) { return std::round(v * 1000.0) / 1000.0; };
  const Rects& sr = st.sinusoid.view.rects;
  const auto rect = [](const Rects& r, const char* name) { return rect_json(r.count(name) ? r.at(name) : Rect{}); };
  nlohmann::json out = {
      {"view", view_info(st.view).status},
      {"text_scale", float_json(st.ui.text_scale)},
      {"dark_theme", st.ui.dark_theme},
      {"unicode_font", st.fonts.unicode},
      {"lang", st.strings.language()},
      {"missing_glyphs", st.fonts.missing_glyphs},
      {"font_atlas", {st.fonts.atlas_width, st.fonts.atlas_height}},
      {"page_rects", rects_json(st.lessons.rects)},  // page-wide controls: lang_en, lang_zh, presenter, display
      {"display",
       {{"width", float_json(st.display.width)},
        {"height", float_json(st.display.height)},
        {"framebuffer_width", st.display.framebuffer_width},
        {"framebuffer_height", st.display.framebuffer_height},
        {"pixel_ratio", float_json(st.display.pixel_ratio)}}},
      {"sinusoid", sinusoid_status(st.sinusoid)},
      {"layout", {{"new_task_button", rect(sr, "new_task_button")}, {"plot", rect(sr, "plot")}}},
      {"regression", regression_status(st.regression)},
      {"gene", gene_status(st.gene)},
      {"classification", classification_status(st.classification)},
      {"memory", memory_status(st.memory)},
      {"landscape", landscape_status(st.landscape)},
      {"presenter", st.ui.presenter},
      {"training",
       {{"budget_ms", ms(st.scheduler.budget_ms())},
        {"train_ms", ms(st.scheduler.last_run_ms())},
        {"its_per_s", std::round(st.scheduler.steps_per_s() * 10) / 10},
        {"jobs", training_titles},
        {"ui_ms", ms(st.stats.last_ui_ms)},
        {"jobs_ms", ms(st.stats.last_jobs_ms)},
        {"gl_ms", ms(st.stats.last_gl_ms)}}},
      {"page",
       {{"hash", st.page.hash},
        {"url_notice", st.page.url_notice},
        {"last_error", st.page.last_error},
        {"last_message", st.page.last_message},
        {"uploads", st.page.uploads},
        {"downloads", st.page.downloads_made},
        {"assets", assets}}}};
  out["lesson"] = lesson_status(st, out);  // its checks read the rest of the status
  out["lesson_errors"] = st.lessons.library.errors;
  // Invalid UTF-8 in a file name must not throw: replace it.
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace metalab::web
