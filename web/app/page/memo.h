// Derived data kept by the key it was computed from, so that a view never keeps
// version counters by hand: it says what its data depends on, and the memo
// recomputes exactly when that changes.
//
//   Memo<std::tuple<std::uint64_t, int>, Curve> curve;     // any key with ==
//   const Curve& c = curve.get({seed, k}, [&] { return compute_curve(seed, k); });
//
// A computation that throws leaves the memo empty (and rethrows): the next get
// tries again. For data that changes all the time while a model trains,
// key the memo on Throttle's value instead of the raw version.
#pragma once

#include <optional>
#include <utility>

namespace metalab::web {

template <class Key, class Value>
class Memo {
 public:
  template <class Compute>
  const Value& get(const Key& key, Compute&& compute) {
    if (!value_ || !(key_ == key)) {
      value_.reset();
      value_.emplace(compute());
      key_ = key;
    }
    return *value_;
  }
  // As get(), for data the view then edits in place (support points the
  // user drags); the edits last until the key changes.
  template <class Compute>
  Value& edit(const Key& key, Compute&& compute) {
    get(key, std::forward<Compute>(compute));
    return *value_;
  }
  // The value for `key` if it is the one held.
  const Value* peek(const Key& key) const { return value_ && key_ == key ? &*value_ : nullptr; }
  // The last value computed, whatever its key (null before the first).
  const Value* last() const { return value_ ? &*value_ : nullptr; }
  Value* mutable_last() { return value_ ? &*value_ : nullptr; }
  void clear() { value_.reset(); }

 private:
  Key key_{};
  std::optional<Value> value_;
};

// A version number that follows a fast-changing one (a model's weights while
// it trains) at most every `interval_ms`, and at once when it is not moving
// fast, so that views refresh a few times a second instead of every frame.
class Throttle {
 public:
  explicit Throttle(double interval_ms) : interval_ms_(interval_ms) {}
  // `live` changes with the data; `now_ms` is the wall clock; `fast` says
  // whether changes are expected every frame (a model playing).
  long long follow(long long live, double now_ms, bool fast) {
    if (live != shown_ && (!fast || now_ms - at_ms_ >= interval_ms_)) {
      shown_ = live;
      at_ms_ = now_ms;
    }
    return shown_;
  }

 private:
  double interval_ms_;
  long long shown_ = -1;
  double at_ms_ = -1e18;
};

}  // namespace metalab::web
