// Checkpoints in and out of the page, and the other files the page hands over.
//   offer_download:   any lab's model as .safetensors (a Blob download made by
//                     the page, see web/shell/loader.js);
//   request_download: the regression lab's meta-learner, through offer_download;
//   receive_upload:   bytes of a file the user picked or dropped; a corrupted or
//                     mismatched file sets PageIo::last_error and changes nothing;
//   receive_asset:    files fetched at start-up (shipped checkpoints, the
//                     expression CSV), kept in LabModels::assets.
#pragma once

#include <functional>
#include <string>

#include "web/app/app_state.h"

namespace metalab::web {

// A lab's model as a page download: make(&file_name) gives its bytes or
// throws; PageIo gets the file and a message, or the error.
void offer_download(AppState& state, const std::function<std::string(std::string*)>& make);
void request_download(AppState& state);
void receive_upload(AppState& state, const std::string& name, const std::string& bytes);
void receive_asset(AppState& state, const std::string& name, const std::string& bytes);

}  // namespace metalab::web
