// What the four biomedical task families (protein_families.h, protein_ss.h,
// mri_regions.h, cell_stages.h) share: reading their string options, and a
// ClassificationSource whose description() is exactly the options it was
// built from (defaults included), so that a checkpoint's "task.*" metadata,
// with the prefix removed, rebuilds the same episodes:
//
//   BioOptionReader r("protein-families", options, {"ways", "shots", "length"});
//   int L = r.integer("length", 128, 8);        // default 128, at least 8
//   r.description();   // {{"task.name", "protein-families"}, {"task.length", "128"}}: every option read
//
// BioOptionReader is the option reader of these families only: when the task
// factories move into core/tasks (issue 11), it should give way to the one
// reader they share.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/common/options.h"  // join
#include "core/tasks/episodes.h"

namespace metalab {

using BioTaskOptions = std::map<std::string, std::string>;

// Reads options of one family; std::invalid_argument naming the family and
// the option for an unknown key or a malformed value.
class BioOptionReader {
 public:
  BioOptionReader(std::string family, const BioTaskOptions& options, std::vector<std::string> known);
  int integer(const std::string& key, int fallback, int min, int max = 1000000);
  double real(const std::string& key, double fallback, double min, double max);
  std::uint64_t seed(const std::string& key, std::uint64_t fallback = 0);
  bool flag(const std::string& key, bool fallback);
  std::string choice(const std::string& key, const std::string& fallback, const std::vector<std::string>& choices);
  // A comma-separated list ("" when absent; empty items dropped).
  std::vector<std::string> list(const std::string& key);
  // Whether the option was given.
  bool has(const std::string& key) const { return options_.count(key) > 0; }
  // A value the data determines (a count, a hash): recorded, and if the
  // options carry it, checked (std::invalid_argument naming what differs).
  void check(const std::string& key, const std::string& actual);
  // Records an option's value as text (e.g. a split computed from a seed).
  void record(const std::string& key, const std::string& value) { used_[key] = value; }
  // Every option read or recorded, as "task.<key>" entries plus task.name.
  std::map<std::string, std::string> description() const;
  const std::string& family() const { return family_; }

 private:
  const std::string* find(const std::string& key) const;
  [[noreturn]] void bad(const std::string& key, const std::string& value, const std::string& expected) const;
  std::string family_;
  const BioTaskOptions& options_;
  std::vector<std::string> known_;
  std::map<std::string, std::string> used_;
};

// The episode settings every family reads the same way: ways, shots, queries,
// test_ways, test_shots, test_queries (the test ones default to 0: as training).
EpisodeConfig read_episode_options(BioOptionReader& r, int default_queries, int default_ways = 5);

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
