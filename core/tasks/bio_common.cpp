#include "core/tasks/bio_common.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace metalab {

BioOptionReader::BioOptionReader(std::string family, const BioTaskOptions& options, std::vector<std::string> known)
    : family_(std::move(family)), options_(options), known_(std::move(known)) {
  for (const auto& [key, value] : options_) {
    if (key == "name") continue;
    if (std::find(known_.begin(), known_.end(), key) == known_.end())
      throw std::invalid_argument("unknown " + family_ + " task option '" + key + "' (known: " + join(known_, ", ") +
                                  ")");
  }
}

const std::string* BioOptionReader::find(const std::string& key) const {
  auto it = options_.find(key);
  return it == options_.end() ? nullptr : &it->second;
}

void BioOptionReader::bad(const std::string& key, const std::string& value, const std::string& expected) const {
  throw std::invalid_argument(family_ + " task option '" + key + "': expected " + expected + ", got '" + value + "'");
}

int BioOptionReader::integer(const std::string& key, int fallback, int min, int max) {
  int v = fallback;
  if (const std::string* s = find(key)) {
    char* end = nullptr;
    errno = 0;
    const long x = s->empty() ? 0 : std::strtol(s->c_str(), &end, 10);
    if (s->empty() || end != s->c_str() + s->size() || errno == ERANGE || x < min || x > max)
      bad(key, *s, "an integer in " + std::to_string(min) + ".." + std::to_string(max));
    v = static_cast<int>(x);
  }
  used_[key] = std::to_string(v);
  return v;
}

double BioOptionReader::real(const std::string& key, double fallback, double min, double max) {
  double v = fallback;
  if (const std::string* s = find(key)) {
    char* end = nullptr;
    errno = 0;
    const double x = s->empty() ? 0 : std::strtod(s->c_str(), &end);
    if (s->empty() || end != s->c_str() + s->size() || errno == ERANGE || !std::isfinite(x) || x < min || x > max)
      bad(key, *s, "a number in [" + format_exact(min) + ", " + format_exact(max) + "]");
    v = x;
  }
  used_[key] = format_exact(v);
  return v;
}

std::uint64_t BioOptionReader::seed(const std::string& key, std::uint64_t fallback) {
  std::uint64_t v = fallback;
  if (const std::string* s = find(key)) {
    char* end = nullptr;
    errno = 0;
    const unsigned long long x = s->empty() || (*s)[0] == '-' ? 0 : std::strtoull(s->c_str(), &end, 10);
    if (s->empty() || (*s)[0] == '-' || end != s->c_str() + s->size() || errno == ERANGE)
      bad(key, *s, "a non-negative integer");
    v = x;
  }
  used_[key] = std::to_string(v);
  return v;
}

bool BioOptionReader::flag(const std::string& key, bool fallback) {
  bool v = fallback;
  if (const std::string* s = find(key)) {
    if (*s == "true" || *s == "1")
      v = true;
    else if (*s == "false" || *s == "0")
      v = false;
    else
      bad(key, *s, "true or false");
  }
  used_[key] = v ? "true" : "false";
  return v;
}

std::string BioOptionReader::choice(const std::string& key, const std::string& fallback,
                                    const std::vector<std::string>& choices) {
  std::string v = fallback;
  if (const std::string* s = find(key)) {
    if (std::find(choices.begin(), choices.end(), *s) == choices.end()) bad(key, *s, "one of " + join(choices, ", "));
    v = *s;
  }
  used_[key] = v;
  return v;
}

std::vector<std::string> BioOptionReader::list(const std::string& key) {
  std::vector<std::string> out;
  if (const std::string* s = find(key)) {
    std::string cur;
    for (std::size_t i = 0; i <= s->size(); ++i) {
      if (i == s->size() || (*s)[i] == ',') {
        const auto b = cur.find_first_not_of(" \t"), e = cur.find_last_not_of(" \t");
        if (b != std::string::npos) out.push_back(cur.substr(b, e - b + 1));
        cur.clear();
      } else {
        cur += (*s)[i];
      }
    }
    used_[key] = join(out);
  }
  return out;
}

void BioOptionReader::check(const std::string& key, const std::string& actual) {
  if (const std::string* s = find(key))
    if (*s != actual)
      throw std::invalid_argument(family_ + ": the data gives " + key + " = " + actual + ", the task description says " +
                                  *s + ": is this the data it was built from?");
  used_[key] = actual;
}

std::map<std::string, std::string> BioOptionReader::description() const {
  std::map<std::string, std::string> d{{"task.name", family_}};
  for (const auto& [k, v] : used_) d["task." + k] = v;
  return d;
}

EpisodeConfig read_episode_options(BioOptionReader& r, int default_queries, int default_ways) {
  EpisodeConfig e;
  e.ways = r.integer("ways", default_ways, 2, 1000);
  e.shots = r.integer("shots", 1, 1, 10000);
  e.queries = r.integer("queries", default_queries, 1, 10000);
  e.test_ways = r.integer("test_ways", 0, 0, 1000);
  e.test_shots = r.integer("test_shots", 0, 0, 10000);
  e.test_queries = r.integer("test_queries", 0, 0, 10000);
  if (e.test_ways == 1) throw std::invalid_argument(r.family() + " task option 'test_ways': 0 (as training) or >= 2");
  return e;
}

std::unique_ptr<DescribedClassificationSource> DescribedClassificationSource::with_described_episodes(
    const EpisodeConfig& e) const {
  std::map<std::string, std::string> d = description_;
  d["task.ways"] = std::to_string(e.ways);
  d["task.shots"] = std::to_string(e.shots);
  d["task.queries"] = std::to_string(e.queries);
  d["task.test_ways"] = std::to_string(e.test_ways);
  d["task.test_shots"] = std::to_string(e.test_shots);
  d["task.test_queries"] = std::to_string(e.test_queries);
  return std::make_unique<DescribedClassificationSource>(name(), bank_, class_split(), e, std::move(d));
}

void Fingerprint::add(const void* data, std::size_t bytes) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < bytes; ++i) {
    h_ ^= p[i];
    h_ *= 1099511628211ULL;
  }
}

std::string Fingerprint::hex() const {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h_));
  return buf;
}

}  // namespace metalab
