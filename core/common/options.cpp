#include "core/common/options.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace metalab {

namespace {

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  const auto e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

std::vector<std::string> split_commas(std::string_view s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = s.find(',', start);
    out.push_back(trim(s.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start)));
    if (comma == std::string_view::npos) return out;
    start = comma + 1;
  }
}

std::string quoted_list(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i)
    out += (i == 0 ? "" : i + 1 == items.size() ? " or " : ", ") + items[i];
  return out;
}

// "an integer >= 1", "an integer in [2, 10]", "a number in [0, 1]".
std::string bounded(const char* what, const std::string& lo, const std::string& hi, bool has_lo, bool has_hi) {
  std::string s = what;
  if (has_lo && has_hi) return s + " in [" + lo + ", " + hi + "]";
  if (has_lo) return s + " >= " + lo;
  if (has_hi) return s + " <= " + hi;
  return s;
}

}  // namespace

OptionError::OptionError(const std::string& context, std::string key, std::string value, std::string problem)
    : std::invalid_argument(context + " '" + key + "': " + problem),
      key_(std::move(key)),
      value_(std::move(value)),
      problem_(std::move(problem)) {}

std::optional<long long> parse_integer(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::size_t i = (text[0] == '-' || text[0] == '+') ? 1 : 0;
  if (i == text.size()) return std::nullopt;
  for (std::size_t j = i; j < text.size(); ++j)
    if (text[j] < '0' || text[j] > '9') return std::nullopt;
  const std::string copy(text);
  errno = 0;
  const long long v = std::strtoll(copy.c_str(), nullptr, 10);
  if (errno == ERANGE) return std::nullopt;
  return v;
}

std::optional<double> parse_real(std::string_view text) {
  if (text.empty() || text[0] == ' ' || text[0] == '\t' || text[0] == '\n') return std::nullopt;
  const std::string copy(text);
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || errno == ERANGE || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<bool> parse_boolean(std::string_view text) {
  if (text == "true" || text == "1") return true;
  if (text == "false" || text == "0") return false;
  return std::nullopt;
}

std::string format_exact(double v) {
  char buf[40];
  for (int precision = 6; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

bool same_option_value(std::string_view a, std::string_view b) {
  if (a == b) return true;
  const std::vector<std::string> x = split_commas(a), y = split_commas(b);
  if (x.size() != y.size()) return false;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (x[i] == y[i]) continue;
    const auto u = parse_real(x[i]), v = parse_real(y[i]);
    if (!u || !v || *u != *v) return false;
  }
  return true;
}

OptionReader::OptionReader(Options options, std::string context, Mode mode)
    : options_(std::move(options)), context_(std::move(context)), mode_(mode) {}

const std::string* OptionReader::find(const std::string& key) {
  if (std::find(known_.begin(), known_.end(), key) == known_.end()) known_.push_back(key);
  const auto it = options_.find(key);
  return it == options_.end() ? nullptr : &it->second;
}

bool OptionReader::has(const std::string& key) { return find(key) != nullptr; }

void OptionReader::ignore(const std::string& key) { find(key); }

void OptionReader::reject(const std::string& key, const std::string& value, const std::string& expected) {
  OptionError e(context_, key, value, "expected " + expected + ", got '" + value + "'");
  if (mode_ == Strict) throw e;
  notices_.push_back(e.what());
}

std::string OptionReader::text(const std::string& key, const std::string& fallback) {
  const std::string* s = find(key);
  return used_[key] = s ? *s : fallback;
}

long long OptionReader::integer(const std::string& key, long long fallback, long long lo, long long hi) {
  long long v = fallback;
  if (const std::string* s = find(key)) {
    const auto x = parse_integer(*s);
    if (x && *x >= lo && *x <= hi) {
      v = *x;
    } else {
      // int's or long long's limits go unsaid: "an integer >= 1", not "in [1, 2147483647]".
      const bool has_lo = lo > std::numeric_limits<int>::min(), has_hi = hi < std::numeric_limits<int>::max();
      reject(key, *s, bounded("an integer", std::to_string(lo), std::to_string(hi), has_lo, has_hi));
    }
  }
  used_[key] = std::to_string(v);
  return v;
}

double OptionReader::real(const std::string& key, double fallback, double lo, double hi) {
  double v = fallback;
  if (const std::string* s = find(key)) {
    const auto x = parse_real(*s);
    if (x && *x >= lo && *x <= hi) {
      v = *x;
    } else {
      reject(key, *s, bounded("a number", format_exact(lo), format_exact(hi), std::isfinite(lo), std::isfinite(hi)));
    }
  }
  used_[key] = format_exact(v);
  return v;
}

bool OptionReader::boolean(const std::string& key, bool fallback) {
  bool v = fallback;
  if (const std::string* s = find(key)) {
    const auto x = parse_boolean(*s);
    if (x && (!booleans_as_words_ || *s == "true" || *s == "false")) v = *x;
    else reject(key, *s, "true or false");
  }
  used_[key] = v ? "true" : "false";
  return v;
}

std::string OptionReader::choice(const std::string& key, const std::string& fallback,
                                 const std::vector<std::string>& accepted,
                                 const std::map<std::string, std::string>& aliases) {
  std::string v = fallback;
  if (const std::string* s = find(key)) {
    const auto alias = aliases.find(*s);
    const std::string& name = alias == aliases.end() ? *s : alias->second;
    if (std::find(accepted.begin(), accepted.end(), name) != accepted.end()) v = name;
    else reject(key, *s, quoted_list(accepted));
  }
  used_[key] = v;
  return v;
}

std::vector<std::string> OptionReader::list(const std::string& key, const std::vector<std::string>& fallback) {
  std::vector<std::string> v = fallback;
  if (const std::string* s = find(key)) {
    std::vector<std::string> items = trim(*s).empty() ? std::vector<std::string>{} : split_commas(*s);
    if (std::find(items.begin(), items.end(), "") == items.end()) v = std::move(items);
    else reject(key, *s, "comma-separated items (one is empty)");
  }
  used_[key] = join(v);
  return v;
}

std::vector<int> OptionReader::integers(const std::string& key, const std::vector<int>& fallback, int lo, int hi) {
  std::vector<int> v = fallback;
  if (const std::string* s = find(key)) {
    const std::vector<std::string> items = trim(*s).empty() ? std::vector<std::string>{} : split_commas(*s);
    std::vector<int> parsed;
    for (const auto& item : items) {
      const auto x = parse_integer(item);
      if (x && *x >= lo && *x <= hi) parsed.push_back(static_cast<int>(*x));
    }
    if (parsed.size() == items.size()) {
      v = std::move(parsed);
    } else {
      const bool has_lo = lo > std::numeric_limits<int>::min(), has_hi = hi < std::numeric_limits<int>::max();
      reject(key, *s, "comma-separated " + bounded("integers", std::to_string(lo), std::to_string(hi), has_lo, has_hi));
    }
  }
  std::vector<std::string> text;
  for (int x : v) text.push_back(std::to_string(x));
  used_[key] = join(text);
  return v;
}

std::vector<double> OptionReader::reals(const std::string& key, const std::vector<double>& fallback) {
  std::vector<double> v = fallback;
  if (const std::string* s = find(key)) {
    const std::vector<std::string> items = split_commas(*s);
    std::vector<double> parsed;
    for (const auto& item : items)
      if (const auto x = parse_real(item)) parsed.push_back(*x);
    if (items.size() == fallback.size() && parsed.size() == fallback.size()) {
      v = std::move(parsed);
    } else {
      reject(key, *s, fallback.size() == 2 ? "two numbers 'lo,hi'" : std::to_string(fallback.size()) + " numbers separated by commas");
    }
  }
  std::vector<std::string> text;
  for (double x : v) text.push_back(format_exact(x));
  used_[key] = join(text);
  return v;
}

void OptionReader::check(const std::string& key, const std::string& actual) {
  if (const std::string* s = find(key); s && *s != actual) {
    // Not replaced by a default in Lenient mode either: other data is no setting to correct.
    throw OptionError(context_, key, *s, "the data gives " + actual + ": is this the data the setup was made with?");
  }
  used_[key] = actual;
}

void OptionReader::record(const std::string& key, const std::string& value) {
  find(key);
  used_[key] = value;
}

void OptionReader::finish() {
  for (const auto& [key, value] : options_) {
    if (std::find(known_.begin(), known_.end(), key) != known_.end()) continue;
    std::vector<std::string> known = known_;
    std::sort(known.begin(), known.end());
    OptionError e(context_, key, value, "unknown (known: " + join(known, ", ") + ")");
    if (mode_ == Strict) throw e;
    notices_.push_back(e.what());
  }
}

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}

std::string join_first(const std::vector<std::string>& items, std::size_t max_items) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < max_items; ++i) out += (i ? ", " : "") + items[i];
  if (items.size() > max_items) out += ", ... (" + std::to_string(items.size()) + " in all)";
  return out;
}

}  // namespace metalab
