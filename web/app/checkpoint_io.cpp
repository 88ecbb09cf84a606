#include "web/app/checkpoint_io.h"

#include <algorithm>
#include <exception>
#include <functional>

#include "core/io/safetensors.h"
#include "web/app/byo_data.h"
#include "web/app/classification_lab.h"
#include "web/app/memory_lab.h"

namespace metalab::web {

void offer_download(AppState& st, const std::function<std::string(std::string*)>& make) {
  try {
    std::string name;
    std::string bytes = make(&name);
    st.page.downloads.push_back({name, std::move(bytes)});
    ++st.page.downloads_made;
    st.page.last_message = "Saved " + name + " (upload it again, or run `metalab eval` on it)";
    st.page.last_error.clear();
  } catch (const std::exception& e) {
    st.page.last_error = std::string("Could not save the model: ") + e.what();
  }
}

void request_download(AppState& st) {
  const TrainingSession& s = st.models.session(st.regression.task);
  offer_download(st, [&s](std::string* name) { return session_checkpoint_bytes(s, name); });
}

void receive_upload(AppState& st, const std::string& name, const std::string& bytes) {
  ++st.page.uploads;
  const std::string display = name.empty() ? "the uploaded file" : name;
  // Data for the classification lab (CSV, images): see byo_data.h.
  if (byo_accepts(name)) {
    ByoData& byo = st.classification.byo;
    byo_receive(byo, name, bytes);
    st.page.last_error = byo.error;
    st.page.last_message = byo.message;
    if (byo.error.empty()) {
      st.view = ViewId::ClassificationLab;
      st.classification.dataset = "custom";
    }
    return;
  }
  Checkpoint ckpt;
  try {
    ckpt = load_safetensors(bytes, display);
  } catch (const std::exception& e) {
    st.page.last_error = std::string("Not loaded: ") + e.what();
    st.page.last_message.clear();
    return;
  }
  // Memory networks go to the memory lab, few-shot classification models to
  // the classification lab; each says why a file does not fit.
  const std::string learner = get_metadata_or(ckpt, "learner", "");
  const std::string task_name = get_metadata_or(ckpt, "task.name", "");
  const auto report = [&](const std::string& error, const char* lab, ViewId view) {
    st.page.last_error = error.empty() ? "" : "Not loaded: " + error;
    st.page.last_message = error.empty() ? "Loaded " + display + " into the " + lab : "";
    if (error.empty()) st.view = view;
  };
  if (learner == "mann" || learner == "lstm" || learner == "feedforward")
    return report(memory_receive_checkpoint(st.memory, display, ckpt), "memory lab", ViewId::MemoryLab);
  if (learner == "protonet" || learner == "matchingnet" || task_name == "glyphs" || task_name == "csv" ||
      task_name == "images" || task_name == "idx")
    return report(classification_receive_checkpoint(st, display, bytes, ckpt), "classification lab",
                  ViewId::ClassificationLab);
  // The checkpoint says which task family it belongs to; plain learner files
  // (no "task.name") go to the task the regression lab shows.
  const std::string task = get_metadata_or(ckpt, "task.name", st.regression.task);
  const auto& tasks = lab_tasks();
  if (std::find(tasks.begin(), tasks.end(), task) == tasks.end()) {
    st.page.last_error = "Not loaded: " + display + " was trained on '" + task +
                         "' tasks; the regression lab takes sinusoid, promoter and genes checkpoints";
    st.page.last_message.clear();
    return;
  }
  TrainingSession& s = st.models.session(task);
  std::string error;
  if (!session_load_checkpoint(s, ckpt, st.models.assets, &error)) {
    st.page.last_error = "Not loaded: " + error;
    st.page.last_message.clear();
    return;
  }
  st.regression.task = task;
  st.regression.edit = s.hp;
  st.regression.edit_by_task[task] = s.hp;
  st.page.last_error.clear();
  st.page.last_message = s.notice;
}

void receive_asset(AppState& st, const std::string& name, const std::string& bytes) {
  st.models.assets.files[name] = bytes;
}

}  // namespace metalab::web
