// String options (key -> text), the form in which the CLI's flags and
// --task-option, a JSON config, the page's URL and a checkpoint's metadata
// all describe a setup, and the one reader that turns them into typed values.
// Every error names the key, the value and what is accepted; keys nobody read
// are reported by finish().
//
//   const Options given{{"support", "5"}, {"features", "one-hot"}};
//   OptionReader r(given, "promoter task option");
//   int k = static_cast<int>(r.integer("support", 10, 1));    // 5 (in [1, INT_MAX] by default)
//   double sd = r.real("noise_sd", 0.1, 0.0);                  // 0.1 (the default)
//   std::string f = r.choice("features", "kmer", {"kmer", "onehot", "motif"}, {{"one-hot", "onehot"}});
//   std::vector<double> amplitude = r.reals("amplitude", {0.1, 5.0});   // "lo,hi"
//   r.finish();  // a key never read: "promoter task option 'x': unknown (known: amplitude, ...)"
//   r.used();    // {"amplitude": "0.1,5", "features": "onehot", "noise_sd": "0.1", "support": "5"}
//
// An invalid value throws OptionError ("promoter task option 'support':
// expected an integer >= 1, got 'ten'"). With OptionReader::Lenient (the
// page's URL: a bad link must still open) it is replaced by the default and
// the message kept in notices() instead:
//
//   OptionReader url({{"K", "99"}}, "URL setting", OptionReader::Lenient);
//   int shots = static_cast<int>(url.integer("K", 10, 1, 50));  // 10
//   url.notices();  // {"URL setting 'K': expected an integer in [1, 50], got '99'"}
#pragma once

#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace metalab {

using Options = std::map<std::string, std::string>;

// "promoter task option 'support': expected an integer >= 1, got 'ten'": the
// parts apart, so that a caller can say it in its own words (the CLI names
// the flag the value came from).
class OptionError : public std::invalid_argument {
 public:
  OptionError(const std::string& context, std::string key, std::string value, std::string problem);
  const std::string& key() const { return key_; }
  const std::string& value() const { return value_; }
  const std::string& problem() const { return problem_; }  // "expected an integer >= 1, got 'ten'"

 private:
  std::string key_, value_, problem_;
};

class OptionReader {
 public:
  enum Mode { Strict, Lenient };
  // context starts every message: "promoter task option", "learner config", "URL".
  OptionReader(Options options, std::string context, Mode mode = Strict);

  // Whether the key was given (and marks it as known).
  bool has(const std::string& key);
  // The key is known but read elsewhere (e.g. "name").
  void ignore(const std::string& key);

  std::string text(const std::string& key, const std::string& fallback = "");
  // An integer in [lo, hi]; the default range is int's (seeds ask for more).
  long long integer(const std::string& key, long long fallback, long long lo = std::numeric_limits<int>::min(),
                    long long hi = std::numeric_limits<int>::max());
  // A finite number in [lo, hi].
  double real(const std::string& key, double fallback, double lo = -std::numeric_limits<double>::infinity(),
              double hi = std::numeric_limits<double>::infinity());
  // true/false (also 1/0, unless booleans_as_words()).
  bool boolean(const std::string& key, bool fallback);
  // Booleans must be spelled true/false: for checkpoint metadata, which
  // MetaLab writes so, and where a hand-made export's 1 or True is a mistake.
  void booleans_as_words() { booleans_as_words_ = true; }
  // One of `accepted`; an alias ("one-hot") reads as the name it stands for.
  std::string choice(const std::string& key, const std::string& fallback, const std::vector<std::string>& accepted,
                     const std::map<std::string, std::string>& aliases = {});
  // Comma-separated items, each trimmed of spaces; an empty item is an error
  // (an empty text is the empty list).
  std::vector<std::string> list(const std::string& key, const std::vector<std::string>& fallback = {});
  // Comma-separated integers, each in [lo, hi] ("40,40").
  std::vector<int> integers(const std::string& key, const std::vector<int>& fallback, int lo = std::numeric_limits<int>::min(),
                            int hi = std::numeric_limits<int>::max());
  // Comma-separated numbers, exactly as many as the fallback holds ("lo,hi").
  std::vector<double> reals(const std::string& key, const std::vector<double>& fallback);

  // A value the data determines (a count, a fingerprint), kept in used(); if
  // the options carry the key, they must say the same (a checkpoint's task
  // rebuilt from other data): OptionError "the data gives X".
  void check(const std::string& key, const std::string& actual);
  // A value worked out from others (a split drawn from a seed), kept in used().
  void record(const std::string& key, const std::string& value);

  // OptionError for a given key that no getter, has() or ignore() asked for,
  // listing the known ones (Lenient: a notice, the key is ignored).
  void finish();
  // Every key read, with the value used, defaults included, as text that
  // reads back to the same value (numbers with format_exact's digits).
  const Options& used() const { return used_; }
  // What starts every message ("promoter task option").
  const std::string& context() const { return context_; }
  // Lenient mode: one message per value that was replaced by its default.
  const std::vector<std::string>& notices() const { return notices_; }

 private:
  const std::string* find(const std::string& key);
  // Throws (Strict) or records a notice (Lenient).
  void reject(const std::string& key, const std::string& value, const std::string& expected);

  Options options_;  // a copy: readers are often built from a temporary map
  std::string context_;
  Mode mode_;
  bool booleans_as_words_ = false;
  std::vector<std::string> known_;
  Options used_;
  std::vector<std::string> notices_;
};

// One value, for code without a map of options (a flag, a cell); nullopt if
// the text is not one. Integers: optional sign, digits, nothing else. Reals:
// what strtod reads in full, finite.
std::optional<long long> parse_integer(std::string_view text);
std::optional<double> parse_real(std::string_view text);
std::optional<bool> parse_boolean(std::string_view text);

// Shortest decimal text that reads back (strtod) as exactly the same double.
std::string format_exact(double v);

// Whether two option values mean the same: numbers by value ("0.70" and
// "0.7", "5" and "5.0"), lists item by item ("0.1,5" and "0.10, 5"), other
// text as it is.
bool same_option_value(std::string_view a, std::string_view b);

// {"a", "b"} -> "a,b" (with sep ", ": "a, b"); option values and lists in messages.
std::string join(const std::vector<std::string>& items, const char* sep = ",");
// The first max_items joined with ", ", then ", ... (N in all)" if there are more.
std::string join_first(const std::vector<std::string>& items, std::size_t max_items);

}  // namespace metalab
