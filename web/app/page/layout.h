// Where a view's widgets are on screen (logical pixels), refreshed every frame
// by the view. The status JSON publishes them so that the browser tests (and
// lessons pointing at a control) find the real button instead of guessing.
#pragma once

#include <map>
#include <string>

namespace metalab::web {

struct Rect {
  float x = 0, y = 0, w = 0, h = 0;
};

// By widget name: "play", "reset", "plot", ...
using Rects = std::map<std::string, Rect>;

}  // namespace metalab::web
