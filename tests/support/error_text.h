// The message of the exception a call throws, for tests that check what an
// error says (the source, the line or byte, the reason), and the assets they read.
//
//   EXPECT_ERROR_HAS(parse_fasta(">a\n", "x.fa"), "sequence 'a' has no residues");
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "core/io/csv.h"

namespace metalab::test {

// What f() throws as E, or "(no error)".
template <typename E = DataError, typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "(no error)";
}

// The bytes of assets/data/<name> (std::runtime_error if it cannot be opened).
inline std::string read_asset(const std::string& name) {
  std::ifstream in(std::string(METALAB_SOURCE_DIR) + "/assets/data/" + name, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open assets/data/" + name);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace metalab::test

// expr throws a DataError whose message contains text.
#define EXPECT_ERROR_HAS(expr, text)                                                  \
  do {                                                                                \
    const std::string metalab_message_ = ::metalab::test::error_of([&] { (void)(expr); }); \
    EXPECT_NE(metalab_message_.find(text), std::string::npos) << "message: " << metalab_message_; \
  } while (0)
