#include "web/app/page/settings.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace metalab::web::settings_detail {

bool parse_int(const std::string& text, long long lo, long long hi, long long* out) {
  if (text.empty() || text.size() > 20) return false;
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || !end || *end != '\0' || v < lo || v > hi) return false;
  *out = v;
  return true;
}

bool parse_real(const std::string& text, double lo, double hi, double* out) {
  if (text.empty() || text.size() > 40) return false;
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (errno != 0 || !end || *end != '\0' || !std::isfinite(v) || v < lo || v > hi) return false;
  *out = v;
  return true;
}

bool parse_seed(const std::string& text, std::uint64_t* out) {
  // At most 19 digits: every such number fits in 64 bits.
  if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos) return false;
  *out = std::strtoull(text.c_str(), nullptr, 10);
  return true;
}

bool parse_bool(const std::string& text, bool* out) {
  if (text == "true" || text == "1" || text == "yes" || text == "on") {
    *out = true;
    return true;
  }
  if (text == "false" || text == "0" || text == "no" || text == "off") {
    *out = false;
    return true;
  }
  return false;
}

std::string format_real(double v) {
  char buf[40];
  const float f = static_cast<float>(v);
  for (int precision = 3; precision <= 9; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (static_cast<float>(std::strtod(buf, nullptr)) == f) break;
  }
  return buf;
}

std::string format_range(double lo, double hi, bool integer) {
  if (integer) return std::to_string(static_cast<long long>(lo)) + " to " + std::to_string(static_cast<long long>(hi));
  return format_real(lo) + " to " + format_real(hi);
}

std::string lower(std::string text) {
  for (char& c : text)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return text;
}

}  // namespace metalab::web::settings_detail
