// A lab's Settings, described once: every field that a URL or a lesson can
// set, with its URL key, default (the struct's initialiser), range or choices,
// label and tooltip. URL parsing and printing, validation with a notice, and
// the lab's controls (web/app/ui/settings_controls.h) all come from the table,
// so a new setting is one line in one place.
//
//   struct Demo { int k = 10; float alpha = 0.01f; std::string learner = "maml"; };
//   const SettingsTable<Demo> table("demo", {
//       Setting<Demo>::integer("K", &Demo::k, 1, 50, "K %d support", "Support examples per task"),
//       Setting<Demo>::real("alpha", &Demo::alpha, 1e-4, 1.0, "alpha %.4f", "Inner step size").log(),
//       Setting<Demo>::choice("learner", &Demo::learner, {{"maml", "MAML"}, {"reptile", "Reptile"}}, "Learner"),
//   });
//   Demo d;
//   std::string why;
//   table.set(d, "K", "5", &why);     // true: d.k == 5
//   table.set(d, "K", "500", &why);   // false: why == "K=500 (1 to 50)"; d unchanged
//   table.print(d);                   // "K=5&alpha=0.01&learner=maml"
//
// Labels, tooltips and choice titles are English here; the page shows them
// through the string tables, by the keys label_key, tooltip_key and
// choice_key (web/app/page/settings_text.h puts the English in).
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace metalab::web {

// One value of a choice setting: what the URL says and what the page shows.
struct Choice {
  std::string value;
  std::string title;
};

namespace settings_detail {
// Text <-> value, strict: the whole text must be a number in range.
bool parse_int(const std::string& text, long long lo, long long hi, long long* out);
bool parse_real(const std::string& text, double lo, double hi, double* out);
bool parse_seed(const std::string& text, std::uint64_t* out);
bool parse_bool(const std::string& text, bool* out);
std::string format_real(double v);  // shortest text that reads back as the same float
std::string format_range(double lo, double hi, bool integer);
std::string lower(std::string text);  // ASCII
}  // namespace settings_detail

template <class S>
class Setting {
 public:
  enum class Kind { Integer, Real, Seed, Choice, Boolean };
  using Bound = std::function<double(const S&)>;
  using Choices = std::function<std::vector<Choice>(const S&)>;

  static Setting integer(std::string key, int S::*member, int lo, int hi, std::string label, std::string tooltip = "") {
    Setting s(std::move(key), Kind::Integer, std::move(label), std::move(tooltip));
    s.member_ = member;
    s.lo_ = lo;
    s.hi_ = hi;
    return s;
  }
  static Setting real(std::string key, float S::*member, double lo, double hi, std::string label,
                      std::string tooltip = "") {
    Setting s(std::move(key), Kind::Real, std::move(label), std::move(tooltip));
    s.member_ = member;
    s.lo_ = lo;
    s.hi_ = hi;
    return s;
  }
  static Setting seed(std::string key, std::uint64_t S::*member, std::string label, std::string tooltip = "") {
    Setting s(std::move(key), Kind::Seed, std::move(label), std::move(tooltip));
    s.member_ = member;
    return s;
  }
  static Setting choice(std::string key, std::string S::*member, std::vector<Choice> choices, std::string label,
                        std::string tooltip = "") {
    Setting s(std::move(key), Kind::Choice, std::move(label), std::move(tooltip));
    s.member_ = member;
    s.choices_ = [c = std::move(choices)](const S&) { return c; };
    return s;
  }
  static Setting boolean(std::string key, bool S::*member, std::string label, std::string tooltip = "") {
    Setting s(std::move(key), Kind::Boolean, std::move(label), std::move(tooltip));
    s.member_ = member;
    return s;
  }

  // Modifiers, chained: .log() .alias("k") .restarts() .upper(fn) .choices(fn)
  Setting& log() { log_scale_ = true; return *this; }
  Setting& alias(std::string a) { aliases_.push_back(std::move(a)); return *this; }
  // Changing it rebuilds the lab's job (a new network); the controls mark it.
  Setting& restarts() { restarts_ = true; return *this; }
  // It changes only what the view shows (which episode, how many adaptation
  // steps), never the lab's job.
  Setting& view_only() { view_only_ = true; return *this; }
  // A bound that depends on other settings (e.g. ways <= classes of the data set).
  Setting& upper(Bound hi) { hi_fn_ = std::move(hi); return *this; }
  Setting& choices(Choices c) { choices_ = std::move(c); return *this; }

  const std::string& key() const { return key_; }
  const std::vector<std::string>& aliases() const { return aliases_; }
  bool answers_to(const std::string& k) const {
    if (k == key_) return true;
    for (const auto& a : aliases_)
      if (k == a) return true;
    return false;
  }
  Kind kind() const { return kind_; }
  const std::string& label() const { return label_; }
  const std::string& tooltip() const { return tooltip_; }
  bool log_scale() const { return log_scale_; }
  bool restarts_job() const { return restarts_; }
  bool view_only_setting() const { return view_only_; }
  double lo() const { return lo_; }
  double hi(const S& s) const { return hi_fn_ ? std::min(hi_, hi_fn_(s)) : hi_; }
  std::vector<Choice> choices(const S& s) const { return choices_ ? choices_(s) : std::vector<Choice>{}; }

  // Typed access for the controls (null when the kind differs).
  int* int_field(S& s) const { return get<int>(s); }
  float* real_field(S& s) const { return get<float>(s); }
  std::uint64_t* seed_field(S& s) const { return get<std::uint64_t>(s); }
  std::string* text_field(S& s) const { return get<std::string>(s); }
  bool* bool_field(S& s) const { return get<bool>(s); }

  // Sets from URL text; false (and *why, "key=value (accepted)") when the text
  // is not a valid value, leaving s unchanged.
  bool set(S& s, const std::string& text, std::string* why) const {
    namespace d = settings_detail;
    bool ok = false;
    std::string accepted;
    switch (kind_) {
      case Kind::Integer: {
        long long v = 0;
        ok = d::parse_int(text, static_cast<long long>(lo_), static_cast<long long>(hi(s)), &v);
        if (ok) *int_field(s) = static_cast<int>(v);
        accepted = d::format_range(lo_, hi(s), true);
        break;
      }
      case Kind::Real: {
        double v = 0;
        ok = d::parse_real(text, lo_, hi(s), &v);
        if (ok) *real_field(s) = static_cast<float>(v);
        accepted = d::format_range(lo_, hi(s), false);
        break;
      }
      case Kind::Seed:
        ok = d::parse_seed(text, seed_field(s));
        accepted = "a whole number";
        break;
      case Kind::Choice: {
        const std::vector<Choice> cs = choices(s);
        for (const Choice& c : cs)
          if (c.value == text) ok = true;
        if (ok) *text_field(s) = text;
        for (const Choice& c : cs) accepted += (accepted.empty() ? "" : ", ") + c.value;
        break;
      }
      case Kind::Boolean:
        ok = d::parse_bool(text, bool_field(s));
        accepted = "true or false";
        break;
    }
    if (!ok && why) *why = key_ + "=" + text + " (" + accepted + ")";
    return ok;
  }

  std::string print(const S& s) const {
    S& m = const_cast<S&>(s);  // read-only use of the typed accessors
    switch (kind_) {
      case Kind::Integer: return std::to_string(*int_field(m));
      case Kind::Real: return settings_detail::format_real(*real_field(m));
      case Kind::Seed: return std::to_string(*seed_field(m));
      case Kind::Choice: return *text_field(m);
      case Kind::Boolean: return *bool_field(m) ? "true" : "false";
    }
    return "";
  }

  // Brings a value that became invalid (another setting moved a bound, a
  // choice list changed) back into range; returns why, or "" if it was fine.
  std::string validate(S& s) const {
    const std::string before = print(s);
    switch (kind_) {
      case Kind::Integer: {
        int& v = *int_field(s);
        const int lo = static_cast<int>(lo_), hi_v = static_cast<int>(hi(s));
        v = v < lo ? lo : v > hi_v ? hi_v : v;
        break;
      }
      case Kind::Real: {
        float& v = *real_field(s);
        const float lo = static_cast<float>(lo_), hi_v = static_cast<float>(hi(s));
        v = !(v >= lo) ? lo : v > hi_v ? hi_v : v;
        break;
      }
      case Kind::Choice: {
        const std::vector<Choice> cs = choices(s);
        bool found = false;
        for (const Choice& c : cs) found = found || c.value == *text_field(s);
        if (!found && !cs.empty()) *text_field(s) = cs.front().value;
        break;
      }
      case Kind::Seed:
      case Kind::Boolean: break;
    }
    const std::string after = print(s);
    return before == after ? "" : key_ + "=" + before + " became " + after;
  }

  // The title of the current choice (Choice settings), else the printed value.
  std::string value_title(const S& s) const {
    if (kind_ != Kind::Choice) return print(s);
    const std::string v = print(s);
    for (const Choice& c : choices(s))
      if (c.value == v) return c.title;
    return v;
  }

 private:
  using Member = std::variant<int S::*, float S::*, std::uint64_t S::*, std::string S::*, bool S::*>;
  Setting(std::string key, Kind kind, std::string label, std::string tooltip)
      : key_(std::move(key)), kind_(kind), label_(std::move(label)), tooltip_(std::move(tooltip)) {}
  template <class T>
  T* get(S& s) const {
    auto* m = std::get_if<T S::*>(&member_);
    return m ? &(s.**m) : nullptr;
  }

  std::string key_;
  Kind kind_;
  std::string label_, tooltip_;
  Member member_;
  double lo_ = 0, hi_ = 0;
  Bound hi_fn_;
  Choices choices_;
  std::vector<std::string> aliases_;
  bool log_scale_ = false, restarts_ = false, view_only_ = false;
};

// All settings of one lab, in the order the URL prints them.
template <class S>
class SettingsTable {
 public:
  SettingsTable(std::string name, std::vector<Setting<S>> settings)
      : name_(std::move(name)), settings_(std::move(settings)) {}

  const std::string& name() const { return name_; }
  const std::vector<Setting<S>>& settings() const { return settings_; }
  const Setting<S>* find(const std::string& key) const {
    for (const Setting<S>& s : settings_)
      if (s.answers_to(key)) return &s;
    return nullptr;
  }
  // The string-table keys of a setting's texts (strings.h): its label
  // "settings.<table>.<key>", tooltip "settings.<table>.<key>.tip" and each
  // choice's title "settings.<table>.<key>.<value>" (keys and values lower case).
  // The English texts are the ones written in the table (settings_text.h).
  std::string label_key(const Setting<S>& s) const { return "settings." + name_ + "." + settings_detail::lower(s.key()); }
  std::string tooltip_key(const Setting<S>& s) const { return label_key(s) + ".tip"; }
  std::string choice_key(const Setting<S>& s, const std::string& value) const {
    return label_key(s) + "." + settings_detail::lower(value);
  }

  // false with *why when the key is unknown or the value invalid (s unchanged).
  bool set(S& s, const std::string& key, const std::string& value, std::string* why) const {
    const Setting<S>* setting = find(key);
    if (!setting) {
      if (why) *why = key + " (unknown key)";
      return false;
    }
    return setting->set(s, value, why);
  }
  // "key=value&..." for every setting (values never need escaping: numbers and choice names).
  std::string print(const S& s) const {
    std::string out;
    for (const Setting<S>& setting : settings_) out += (out.empty() ? "" : "&") + setting.key() + "=" + setting.print(s);
    return out;
  }
  // Clamps every setting into its current range; the notices say what moved.
  std::vector<std::string> validate(S& s) const {
    std::vector<std::string> notices;
    for (const Setting<S>& setting : settings_) {
      std::string why = setting.validate(s);
      if (!why.empty()) notices.push_back(std::move(why));
    }
    return notices;
  }
  // Whether two settings differ in a value that rebuilds the lab's job.
  bool restart_differs(const S& a, const S& b) const {
    for (const Setting<S>& setting : settings_)
      if (setting.restarts_job() && setting.print(a) != setting.print(b)) return true;
    return false;
  }
  bool same(const S& a, const S& b) const { return print(a) == print(b); }
  // Whether the job built for a still fits b (they differ at most in view-only settings).
  bool same_for_job(const S& a, const S& b) const {
    for (const Setting<S>& setting : settings_)
      if (!setting.view_only_setting() && setting.print(a) != setting.print(b)) return false;
    return true;
  }

 private:
  std::string name_;
  std::vector<Setting<S>> settings_;
};

}  // namespace metalab::web
