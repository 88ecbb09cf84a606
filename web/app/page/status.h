// Pieces of the page's status JSON (window.metalab.status): what the page,
// the browser tests and anyone scripting the page read. Built with
// nlohmann-json, so every string is escaped the same way.
#pragma once

#include <nlohmann/json.hpp>

#include "web/app/page/layout.h"

namespace metalab::web {

// [x, y, w, h], rounded to 0.1 px.
nlohmann::json rect_json(const Rect& r);
// {"play": [x, y, w, h], ...}
nlohmann::json rects_json(const Rects& rects);
// A number, or null when it is NaN or infinite (JSON has neither).
nlohmann::json finite_or_null(double v);
// A float as the shortest decimal that reads back as the same float (0.01f is
// 0.01 in the JSON, not 0.009999999776482582).
double float_json(float v);

}  // namespace metalab::web
