// The page's URL hash (apply_url_hash / make_url_hash, web/app/page/url_state.h),
// what a shared link carries into a classroom.
// Contract: whatever the hash, every lab's settings end within their table's
// ranges and choices (reals finite); the hash the page then prints opens the
// same view and settings in a fresh page without a notice, and prints again
// the same; nothing throws.
#include <cmath>

#include "web/app/page/app_state.h"
#include "web/app/page/url_state.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using namespace metalab::web;

template <class S>
void check_in_range(const SettingsTable<S>& table, const S& s) {
  for (const Setting<S>& setting : table.settings()) {
    S copy = s;
    const std::string moved = setting.validate(copy);
    FUZZ_CHECK(moved.empty(), table.name() << "." << setting.key() << " out of its range: " << moved);
    if (float* v = setting.real_field(copy)) FUZZ_CHECK(std::isfinite(*v), table.name() << "." << setting.key());
  }
  // The table's printed form sets the same values again.
  S back{};
  for (const Setting<S>& setting : table.settings()) {
    std::string why;
    FUZZ_CHECK(setting.set(back, setting.print(s), &why), table.name() << ": " << why);
  }
  FUZZ_CHECK(table.same(back, s), table.name() << ": " << table.print(back) << " != " << table.print(s));
}

void check_all(const AppState& st) {
  check_in_range(sinusoid_settings(), st.sinusoid.settings);
  check_in_range(regression_settings(), st.regression.settings);
  check_in_range(classification_settings(), st.classification.settings);
  check_in_range(memory_settings(), st.memory.settings);
  check_in_range(gene_settings(), st.gene.settings);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string hash(fuzz::as_view(data, size));
  AppState st;
  apply_url_hash(st, hash);
  check_all(st);
  const std::string printed = make_url_hash(st);
  FUZZ_CHECK(printed.rfind(std::string("view=") + view_info(st.view).key, 0) == 0, "printed " << printed);

  AppState fresh;
  apply_url_hash(fresh, printed);
  FUZZ_CHECK(fresh.page.url_notice.empty(), "the page's own hash " << printed << " gives a notice: " << fresh.page.url_notice);
  FUZZ_CHECK(fresh.view == st.view, "another view from " << printed);
  FUZZ_CHECK(make_url_hash(fresh) == printed, printed << " reads back as " << make_url_hash(fresh));
  check_all(fresh);
  return 0;
}
