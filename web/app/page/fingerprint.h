// A 64-bit FNV-1a fingerprint of values, for memo keys over data the user
// edits (support points dragged in a plot): the key is what the data is, not
// a counter of how often it changed.
//
//   Fingerprint f;
//   f.add(task.support_x).add(task.support_y);
//   std::uint64_t key = f.value();
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include "core/common/matrix.h"

namespace metalab::web {

class Fingerprint {
 public:
  Fingerprint& add_bytes(const void* data, std::size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < n; ++i) h_ = (h_ ^ p[i]) * 0x100000001B3ULL;
    return *this;
  }
  Fingerprint& add(const Matrix& m) {
    const long long shape[2] = {static_cast<long long>(m.rows()), static_cast<long long>(m.cols())};
    add_bytes(shape, sizeof shape);
    return add_bytes(m.data(), static_cast<std::size_t>(m.size()) * sizeof(float));
  }
  Fingerprint& add(const std::string& s) { return add_bytes(s.data(), s.size()).add_bytes("\0", 1); }
  Fingerprint& add(long long v) { return add_bytes(&v, sizeof v); }
  std::uint64_t value() const { return h_; }

 private:
  std::uint64_t h_ = 0xCBF29CE484222325ULL;
};

}  // namespace metalab::web
