// The sinusoid task explorer: settings and view state. It has no job:
// everything it shows is derived from its settings.
#pragma once

#include <nlohmann/json.hpp>

#include "web/app/labs/sinusoid/settings.h"
#include "web/app/labs/sinusoid/view.h"

namespace metalab::web {

struct SinusoidLab {
  SinusoidSettings settings;
  SinusoidViewState view;
};

// "sinusoid": {...} of the status JSON.
nlohmann::json sinusoid_status(SinusoidLab& lab);

}  // namespace metalab::web
