// What the four biomedical task families (protein_families.h, protein_ss.h,
// mri_regions.h, cell_stages.h) share: their episode options, read by the one
// OptionReader (core/common/options.h), and a ClassificationSource whose
// description() is exactly the options it was built from (defaults
// included), so that a checkpoint's "task.*" metadata, with the prefix
// removed, rebuilds the same episodes:
//
//   OptionReader r({{"length", "64"}}, "protein-families task option");
//   EpisodeConfig e = read_episode_options(r, 5);    // ways 5, shots 1, queries 5, test_* 0
//   r.integer("length", 128, 8);                     // 64
//   described_options("protein-families", r.used()); // {"task.name": "protein-families", "task.length": "64", "task.ways": "5", ...}
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/common/options.h"
#include "core/tasks/episodes.h"

namespace metalab {

// The episode settings every family reads the same way: ways, shots, queries,
// test_ways, test_shots, test_queries (the test ones default to 0: as training).
EpisodeConfig read_episode_options(OptionReader& r, int default_queries, int default_ways = 5);

// "task.name" = family, and "task.<key>" for every option a reader used.
std::map<std::string, std::string> described_options(const std::string& family, const Options& used);

// A ClassificationSource that describes itself by its options.
class DescribedClassificationSource : public ClassificationSource {
 public:
  DescribedClassificationSource(std::string name, std::shared_ptr<const ExampleBank> bank, ClassSplit split,
                                EpisodeConfig episodes, std::map<std::string, std::string> description)
      : ClassificationSource(name, bank, split, episodes), bank_(std::move(bank)),
        description_(std::move(description)) {}
  std::map<std::string, std::string> description() const override { return description_; }
  // The same examples (shared) and split with episodes of another shape (e.g.
  // more shots), described with the new task.ways ... task.test_queries.
  // Throws as the constructor. (ClassificationSource::with_episodes would
  // return a source with the generic description.)
  std::unique_ptr<DescribedClassificationSource> with_described_episodes(const EpisodeConfig& episodes) const;

 private:
  std::shared_ptr<const ExampleBank> bank_;
  std::map<std::string, std::string> description_;
};

// FNV-1a over bytes, as 16 hex digits: a fingerprint of the data a source was
// built from (written as task.data_hash, checked when rebuilt).
class Fingerprint {
 public:
  void add(const void* data, std::size_t bytes);
  void add(const std::string& s) { add(s.data(), s.size() + 1); }  // the NUL separates strings
  void add(float v) { add(&v, sizeof v); }
  std::string hex() const;

 private:
  std::uint64_t h_ = 1469598103934665603ULL;
};

}  // namespace metalab
