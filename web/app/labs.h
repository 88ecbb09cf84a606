// What the labs need from the app shell each frame: training inside the
// frame's time budget (all playing sessions, whatever the view), the status
// JSON for the page, and the URL notice.
#pragma once

#include <string>

#include "web/app/app_state.h"

namespace metalab::web {

// Runs the training of every playing session within the adaptive budget.
void tick_labs(AppState& state);

// ,"regression":{...},"gene":{...},"page":{...},"training":{...} (with the leading comma)
std::string labs_status_json(const AppState& state);

// The URL notice banner (at the top of the view area), if any.
void draw_page_notices(AppState& state);

}  // namespace metalab::web
