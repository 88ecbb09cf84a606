// What every fuzz target (tests/fuzz/*.cpp) checks besides "no crash": the
// contract of the reader it drives. A broken contract aborts with a message,
// which libFuzzer reports as a crash and saves the input for (and which fails
// the corpus run of the normal test suite, tests/fuzz/standalone_main.cpp).
//
//   FUZZ_CHECK(table.rows[r].size() == table.columns.size(), "row " << r << " is ragged");
//   try { parse(...); } catch (const DataError& e) { fuzz::expect_names(e, "fuzz.csv"); }
//
// An error must be the documented type (the caller catches only that type:
// anything else escapes, and an escaping exception is a finding too), name
// its source, and be one line (no line breaks or other control characters:
// the CLI prints it to a terminal, the page shows it in one line).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#define FUZZ_CHECK(cond, what)                                                          \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::ostringstream fuzz_message_;                                                 \
      fuzz_message_ << what; /* NOLINT */                                               \
      ::fuzz::fail(__FILE__, __LINE__, #cond, fuzz_message_.str());                     \
    }                                                                                   \
  } while (0)

namespace fuzz {

[[noreturn]] inline void fail(const char* file, int line, const char* cond, const std::string& what) {
  std::fprintf(stderr, "\nFUZZ CONTRACT BROKEN at %s:%d: %s\n  %s\n", file, line, cond, what.c_str());
  std::fflush(stderr);
  std::abort();
}

// The message names `source` (or `other`, when two inputs meet) and is one printable line.
inline void expect_names(const std::exception& e, std::string_view source, std::string_view other = {}) {
  const std::string m = e.what();
  FUZZ_CHECK(!m.empty(), "an empty error message");
  FUZZ_CHECK(m.find(source) != std::string::npos || (!other.empty() && m.find(other) != std::string::npos),
             "the error does not name its source '" << source << "': " << m);
  for (char c : m) {
    const auto u = static_cast<unsigned char>(c);
    FUZZ_CHECK(u >= 0x20 && u != 0x7f, "the error is not one printable line (byte 0x" << std::hex << int{u}
                                                                                       << "): " << m);
  }
}

inline std::string_view as_view(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Several files in one input: parts separated by kFileMarker, each "path\n"
// followed by the file's bytes (tests/fuzz/README.md; the dictionaries know
// the marker).
constexpr std::string_view kFileMarker = "\n--file--\n";
struct NamedBytes {
  std::string name, bytes;
};
inline std::vector<NamedBytes> split_files(std::string_view input, std::size_t max_files = 16) {
  std::vector<NamedBytes> out;
  while (!input.empty() && out.size() < max_files) {
    const std::size_t end = input.find(kFileMarker);
    std::string_view part = input.substr(0, end);
    const std::size_t nl = part.find('\n');
    NamedBytes f;
    f.name = std::string(part.substr(0, nl));
    if (nl != std::string_view::npos) f.bytes = std::string(part.substr(nl + 1));
    out.push_back(std::move(f));
    if (end == std::string_view::npos) break;
    input.remove_prefix(end + kFileMarker.size());
  }
  return out;
}

// A cheap, stable hash of the input: choices a target makes (an output size,
// a label column) that must not cost input bytes the reader should see.
inline std::uint64_t hash(std::string_view s) {
  std::uint64_t h = 1469598103934665603ULL;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return h;
}

}  // namespace fuzz
