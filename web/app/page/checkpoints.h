// Files in and out of the page: checkpoint downloads, uploads (checkpoints go
// to the lab their learner and task belong to, data files to the
// classification lab), and the assets fetched at start-up.
//   offer_download: any lab's model as .safetensors (a Blob download made by
//                   the page, see web/shell/loader.js);
//   receive_upload: bytes of a file the user picked or dropped; a corrupted or
//                   mismatched file sets PageIo::last_error and changes nothing;
//   receive_asset:  files fetched at start-up (shipped checkpoints, data).
#pragma once

#include <functional>
#include <string>

namespace metalab::web {

struct AppState;

// A lab's model as a page download: make(&file_name) gives its bytes or
// throws; PageIo gets the file and a message, or the error.
void offer_download(AppState& state, const std::function<std::string(std::string*)>& make);
void receive_upload(AppState& state, const std::string& name, const std::string& bytes);
void receive_asset(AppState& state, const std::string& name, const std::string& bytes);

}  // namespace metalab::web
