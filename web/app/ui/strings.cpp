#include "web/app/ui/strings.h"

#include <cstdio>

namespace metalab::web {

namespace {
const Strings* g_strings = nullptr;
const Strings& fallback() {
  static const Strings empty;  // before the first frame: every key shows as itself
  return empty;
}
const Strings& current() { return g_strings ? *g_strings : fallback(); }
}  // namespace

void set_ui_strings(const Strings* strings) { g_strings = strings; }

const char* tr(const std::string& key) { return current().get(key).c_str(); }

std::string format_tr(const std::string& key, const Placeholders& values) { return current().format(key, values); }

std::string tr_id(const std::string& key, const std::string& id) { return std::string(tr(key)) + "###" + id; }

std::string fixed(double value, int decimals) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", decimals, value);
  return b;
}

}  // namespace metalab::web
