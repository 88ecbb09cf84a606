// Seeded random numbers that give the same sequence on every platform.
//
// std::uniform_real_distribution and friends are implementation-defined, so
// libstdc++ (native) and libc++ (Emscripten) would disagree for the same seed.
// MetaLab's promise "same seed, same numbers, natively and in the browser"
// therefore uses its own generator (xoshiro256**, seeded by splitmix64) and
// its own distributions. All randomness is passed explicitly as an Rng&.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

namespace metalab {

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0) { reseed(seed); }

  void reseed(std::uint64_t seed) {
    std::uint64_t x = seed;
    for (auto& s : state_) s = splitmix64(x);
    has_spare_normal_ = false;
  }

  // Raw 64 random bits.
  std::uint64_t next_u64() {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

  // Uniform integer in [0, n) without modulo bias (n > 0).
  std::uint64_t below(std::uint64_t n) {
    const std::uint64_t limit = (~std::uint64_t{0}) - (~std::uint64_t{0}) % n;
    std::uint64_t r;
    do { r = next_u64(); } while (r >= limit);
    return r % n;
  }
  int randint(int lo, int hi_inclusive) {
    return lo + static_cast<int>(below(static_cast<std::uint64_t>(hi_inclusive - lo) + 1));
  }

  // Standard normal (Marsaglia polar method; deterministic given the bits).
  double normal() {
    if (has_spare_normal_) { has_spare_normal_ = false; return spare_normal_; }
    double u, v, s;
    do {
      u = 2.0 * uniform() - 1.0;
      v = 2.0 * uniform() - 1.0;
      s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    const double m = std::sqrt(-2.0 * std::log(s) / s);
    spare_normal_ = v * m;
    has_spare_normal_ = true;
    return u * m;
  }
  double normal(double mean, double stddev) { return mean + stddev * normal(); }

  // Fisher-Yates shuffle.
  template <typename V>
  void shuffle(V& v) {
    for (std::size_t i = v.size(); i > 1; --i) {
      const std::size_t j = static_cast<std::size_t>(below(i));
      std::swap(v[i - 1], v[j]);
    }
  }

  // The complete state (the four xoshiro words and the cached second normal
  // deviate), so that a checkpoint can resume a run exactly: after
  // b.set_state(a.state()), b draws exactly what a would have drawn.
  struct State {
    std::uint64_t words[4] = {0, 0, 0, 0};
    bool has_spare_normal = false;
    double spare_normal = 0.0;
    friend bool operator==(const State& x, const State& y) {
      return x.words[0] == y.words[0] && x.words[1] == y.words[1] && x.words[2] == y.words[2] &&
             x.words[3] == y.words[3] && x.has_spare_normal == y.has_spare_normal &&
             (!x.has_spare_normal || x.spare_normal == y.spare_normal);
    }
  };
  State state() const {
    State s;
    for (int i = 0; i < 4; ++i) s.words[i] = state_[i];
    s.has_spare_normal = has_spare_normal_;
    s.spare_normal = spare_normal_;
    return s;
  }
  void set_state(const State& s) {
    for (int i = 0; i < 4; ++i) state_[i] = s.words[i];
    has_spare_normal_ = s.has_spare_normal;
    spare_normal_ = s.spare_normal;
  }

  // A child generator with an independent stream (for per-task or per-thread work
  // whose result must not depend on scheduling).
  Rng split() { return Rng(next_u64() ^ 0x9E3779B97F4A7C15ULL); }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static std::uint64_t splitmix64(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  std::uint64_t state_[4];
  bool has_spare_normal_ = false;
  double spare_normal_ = 0.0;
};

}  // namespace metalab
