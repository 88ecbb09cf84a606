#include "web/app/page/status.h"

#include <cmath>
#include <cstdlib>

#include "web/app/page/settings.h"

namespace metalab::web {

nlohmann::json rect_json(const Rect& r) {
  const auto round1 = [](float v) { return std::round(static_cast<double>(v) * 10.0) / 10.0; };
  return nlohmann::json::array({round1(r.x), round1(r.y), round1(r.w), round1(r.h)});
}

nlohmann::json rects_json(const Rects& rects) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, r] : rects) out[name] = rect_json(r);
  return out;
}

double float_json(float v) { return std::strtod(settings_detail::format_real(v).c_str(), nullptr); }

nlohmann::json finite_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

}  // namespace metalab::web
