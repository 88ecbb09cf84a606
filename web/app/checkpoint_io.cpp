#include "web/app/checkpoint_io.h"

#include <algorithm>
#include <exception>

#include "core/io/safetensors.h"
#include "web/app/byo_data.h"
#include "web/app/classification_lab.h"
#include "web/app/memory_lab.h"

namespace metalab::web {

void request_download(AppState& st) {
  TrainingSession& s = st.models.session(st.regression.task);
  try {
    std::string name;
    std::string bytes = session_checkpoint_bytes(s, &name);
    st.page.downloads.push_back({name, std::move(bytes)});
    ++st.page.downloads_made;
    st.page.last_message = "Saved " + name;
    st.page.last_error.clear();
  } catch (const std::exception& e) {
    st.page.last_error = std::string("Could not save the model: ") + e.what();
  }
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
  // Memory networks go to the memory lab.
  const std::string kind = get_metadata_or(ckpt, "learner", "");
  if (kind == "mann" || kind == "lstm" || kind == "feedforward") {
    const std::string error = memory_receive_checkpoint(st.memory, display, bytes);
    st.page.last_error = error.empty() ? "" : "Not loaded: " + error;
    st.page.last_message = error.empty() ? "Loaded " + display + " into the memory lab" : "";
    if (error.empty()) st.view = ViewId::MemoryLab;
    return;
  }
  // Few-shot classification models go to the classification lab.
  const std::string learner = get_metadata_or(ckpt, "learner", "");
  const std::string task_name = get_metadata_or(ckpt, "task.name", "");
  if (learner == "protonet" || learner == "matchingnet" || task_name == "glyphs" || task_name == "csv" ||
      task_name == "images" || task_name == "idx") {
    const std::string error = classification_receive_checkpoint(st, display, bytes);
    st.page.last_error = error.empty() ? "" : "Not loaded: " + error;
    st.page.last_message = error.empty() ? "Loaded " + display + " into the classification lab" : "";
    if (error.empty()) st.view = ViewId::ClassificationLab;
    return;
  }
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
