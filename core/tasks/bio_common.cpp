#include "core/tasks/bio_common.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace metalab {

EpisodeConfig read_episode_options(OptionReader& r, int default_queries, int default_ways) {
  EpisodeConfig e;
  e.ways = static_cast<int>(r.integer("ways", default_ways, 2, 1000));
  e.shots = static_cast<int>(r.integer("shots", 1, 1, 10000));
  e.queries = static_cast<int>(r.integer("queries", default_queries, 1, 10000));
  e.test_ways = static_cast<int>(r.integer("test_ways", 0, 0, 1000));
  if (e.test_ways == 1) throw OptionError(r.context(), "test_ways", "1", "expected 0 (as training) or 2..1000, got '1'");
  e.test_shots = static_cast<int>(r.integer("test_shots", 0, 0, 10000));
  e.test_queries = static_cast<int>(r.integer("test_queries", 0, 0, 10000));
  return e;
}

std::map<std::string, std::string> described_options(const std::string& family, const Options& used) {
  std::map<std::string, std::string> d{{"task.name", family}};
  for (const auto& [k, v] : used) d["task." + k] = v;
  return d;
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
