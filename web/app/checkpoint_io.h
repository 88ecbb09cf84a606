// Checkpoints in and out of the page, and the other files the page hands over.
//   request_download: the regression lab's meta-learner as .safetensors (a
//                     Blob download made by the page, see web/shell/loader.js);
//   receive_upload:   bytes of a file the user picked or dropped; a corrupted or
//                     mismatched file sets PageIo::last_error and changes nothing;
//   receive_asset:    files fetched at start-up (shipped checkpoints, the
//                     expression CSV), kept in LabModels::assets.
#pragma once

#include <string>

#include "web/app/app_state.h"

namespace metalab::web {

void request_download(AppState& state);
void receive_upload(AppState& state, const std::string& name, const std::string& bytes);
void receive_asset(AppState& state, const std::string& name, const std::string& bytes);

}  // namespace metalab::web
