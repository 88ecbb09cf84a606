#include "web/app/page/checkpoints.h"

#include <exception>

#include "core/io/safetensors.h"
#include "web/app/page/app_state.h"
#include "web/app/page/byo_data.h"
#include "web/app/page/learners.h"

namespace metalab::web {

void offer_download(AppState& st, const std::function<std::string(std::string*)>& make) {
  try {
    std::string name;
    std::string bytes = make(&name);
    st.page.downloads.push_back({name, std::move(bytes)});
    ++st.page.downloads_made;
    st.page.last_message = st.strings.format("ui.upload.saved", {{"file", name}});
    st.page.last_error.clear();
  } catch (const std::exception& e) {
    st.page.last_error = st.strings.format("ui.upload.not_saved", {{"reason", e.what()}});
  }
}

void receive_upload(AppState& st, const std::string& name, const std::string& bytes) {
  ++st.page.uploads;
  const std::string display = name.empty() ? st.strings.get("ui.upload.unnamed") : name;
  // Data for the classification lab (CSV, images): see byo_data.h.
  if (byo_accepts(name)) {
    ByoData& byo = st.classification.byo;
    byo_receive(byo, name, bytes, st.strings);
    st.page.last_error = byo.error;
    st.page.last_message = byo.message;
    if (byo.error.empty()) {
      st.view = ViewId::ClassificationLab;
      st.classification.settings.dataset = "custom";
    }
    return;
  }
  Checkpoint ckpt;
  try {
    ckpt = load_safetensors(bytes, display);
  } catch (const std::exception& e) {
    st.page.last_error = st.strings.format("ui.upload.not_loaded", {{"reason", e.what()}});
    st.page.last_message.clear();
    return;
  }
  const std::string task = get_metadata_or(ckpt, "task.name", "");
  const auto report = [&](const std::string& error, ViewId view) {
    st.page.last_error = error.empty() ? "" : st.strings.format("ui.upload.not_loaded", {{"reason", error}});
    st.page.last_message =
        error.empty() ? st.strings.format("ui.upload.loaded_into", {{"file", display}, {"lab", st.strings.get(view_title_key(view))}})
                      : "";
    if (error.empty()) st.view = view;
  };
  switch (lab_for_checkpoint(ckpt)) {
    case PageLab::Memory:
      return report(memory_receive_checkpoint(st.memory, display, ckpt), ViewId::MemoryLab);
    case PageLab::Classification:
      return report(classification_receive_checkpoint(st.classification, st.assets, display, bytes, ckpt),
                    ViewId::ClassificationLab);
    case PageLab::Regression: break;
  }
  // The checkpoint says which task family it belongs to; plain learner files
  // (no "task.name") go to the task the regression lab shows.
  const std::string family = task.empty() ? st.regression.settings.task : task;
  bool known = false;
  for (const Choice& c : regression_tasks()) known = known || c.value == family;
  if (!known) {
    st.page.last_error = st.strings.format("ui.upload.other_family", {{"file", display}, {"family", family}});
    st.page.last_message.clear();
    return;
  }
  RegressionJob& job = st.regression.job(family);
  std::string error;
  if (!job.load_checkpoint(ckpt, st.assets, &error)) {
    st.page.last_error = st.strings.format("ui.upload.not_loaded", {{"reason", error}});
    st.page.last_message.clear();
    return;
  }
  st.regression.switch_task(family);
  const int adapt = st.regression.settings.adapt;  // what the view shows stays
  st.regression.settings = job.settings();
  st.regression.settings.adapt = adapt;
  st.page.last_error.clear();
  st.page.last_message = job.notice;
}

void receive_asset(AppState& st, const std::string& name, const std::string& bytes) { st.assets.put(name, bytes); }

}  // namespace metalab::web
