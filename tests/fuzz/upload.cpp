// The page's uploads (receive_upload, web/app/page/checkpoints.h): a file
// name and bytes, as the page hands over a file the user picked or dropped.
// The input is "name\nbytes" (no newline: no name); the page starts as it
// does in a browser, with its shipped files and each lab built once.
// Contract: an upload either sets PageIo::last_error (naming the file, one
// line) and changes nothing (settings, data, weights, uploads kept), or
// clears it, says what it loaded and changes something; the status JSON
// stays valid JSON; nothing throws.
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/io/safetensors.h"
#include "web/app/page/app_state.h"
#include "web/app/page/checkpoints.h"
#include "web/app/page/url_state.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using namespace metalab;
using namespace metalab::web;

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The page after start-up: every shipped file fetched, every lab shown once.
std::unique_ptr<AppState> started_page() {
  auto st = std::make_unique<AppState>();
  load_page_content(*st);  // the string tables, as the page starts (its notices come from them)
  const std::filesystem::path assets = std::filesystem::path(METALAB_SOURCE_DIR) / "assets";
  for (const auto& e : std::filesystem::directory_iterator(assets / "checkpoints"))
    receive_asset(*st, "checkpoints/" + e.path().filename().string(), read_file(e.path()));
  receive_asset(*st, kGenesCsv, read_file(assets / kGenesCsv));
  for (const char* view : {"regression", "classification", "memory", "sinusoid"}) {
    apply_url_hash(*st, std::string("view=") + view);
    update_page(*st, 1.0 / 60);
  }
  return st;
}

std::string saved(const Learner& l) { return save_safetensors(l.save()); }

// Everything an upload may change, as text.
std::string fingerprint(AppState& st) {
  std::string f = make_url_hash(st) + "\n";
  f += sinusoid_settings().print(st.sinusoid.settings) + "\n" + regression_settings().print(st.regression.settings) +
       "\n" + classification_settings().print(st.classification.settings) + "\n" +
       memory_settings().print(st.memory.settings) + "\n" + gene_settings().print(st.gene.settings) + "\n";
  for (const auto& [task, s] : st.regression.settings_by_task) f += task + ":" + regression_settings().print(s) + "\n";
  for (const auto& [task, job] : st.regression.jobs)
    if (job->ready())
      f += task + " " + job->origin + " " + saved(job->meta_learner()) + saved(job->pretrain_learner()) + "\n";
  const ClassificationLab& c = st.classification;
  f += c.upload_file + "|" + c.upload_setup + "|" + std::to_string(c.want_shipped) + "|" + c.notice + "\n";
  f += std::to_string(c.byo.version) + "|" + c.byo.name + "|" + std::to_string(c.byo.images.size()) + "|" +
       std::to_string(reinterpret_cast<std::uintptr_t>(c.byo.dataset.get())) + "\n";
  if (const MemoryJob* m = st.memory.job())
    for (int a = 0; a < kMemoryModels; ++a) f += m->uploaded + saved(m->model(a)) + "\n";
  for (const auto& [name, bytes] : st.assets.files()) f += name + " " + std::to_string(bytes.size()) + "\n";
  return f;
}

std::unique_ptr<AppState> page;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (!page) page = started_page();
  AppState& st = *page;
  const std::string_view input = fuzz::as_view(data, size);
  const std::size_t nl = input.find('\n');
  std::string name(nl == std::string_view::npos ? std::string_view() : input.substr(0, nl));
  const std::string bytes(nl == std::string_view::npos ? input : input.substr(nl + 1));
  // A file name is one line of printable text (the tests of messages need it so).
  for (char& ch : name)
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ch = '_';

  const std::string before = fingerprint(st);
  const long uploads = st.page.uploads;
  receive_upload(st, name, bytes);
  FUZZ_CHECK(st.page.uploads == uploads + 1, "uploads counted");
  const std::string after = fingerprint(st);
  if (!st.page.last_error.empty()) {
    fuzz::expect_names(std::runtime_error(st.page.last_error), name.empty() ? "the uploaded file" : name);
    FUZZ_CHECK(st.page.last_message.empty(), "an error and a message: " << st.page.last_message);
    FUZZ_CHECK(after == before, "a refused upload changed the page: " << st.page.last_error);
  } else {
    FUZZ_CHECK(!st.page.last_message.empty(), "loaded, but the page says nothing");
    FUZZ_CHECK(after != before, "loaded, but nothing changed: " << st.page.last_message);
  }
  try {
    [[maybe_unused]] const nlohmann::json doc = nlohmann::json::parse(status_json(st));  // it parses
  } catch (const nlohmann::json::exception& e) {
    FUZZ_CHECK(false, "the status is not JSON: " << e.what());
  }
  // Each input meets the page as it started (a loaded file changes it).
  if (st.page.last_error.empty()) page.reset();
  return 0;
}
