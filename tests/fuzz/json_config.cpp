// JSON from outside (parse_json, core/io/strict_json.h) and the CLI's
// --config files (apply_json_config, native/cli/common.h) applied to the
// train command's task flags (TaskFlags) and a few learner-like options.
// Contract of parse_json: a document either parses, is no deeper than
// kMaxJsonDepth and reads back equal from its own dump(), or is refused with
// a JsonError whose offset lies within the text and whose message says
// "invalid JSON at byte N". Contract of --config: the settings apply, or a
// CliError names "--config <path>" in one printable line; nothing else
// escapes (CLI11's own errors included).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include <CLI/CLI.hpp>

#include "core/io/strict_json.h"
#include "native/cli/common.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using namespace metalab;

int depth(const Json& j) {
  int d = 0;
  if (j.is_structured())
    for (const auto& x : j) d = std::max(d, depth(x));
  return d + (j.is_structured() ? 1 : 0);
}

const std::string& config_path() {
  static const std::string path = [] {
    const auto dir = std::filesystem::temp_directory_path() / ("metalab-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    return (dir / "fuzz.json").string();
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_view(data, size);
  try {
    const Json j = parse_json(text);
    FUZZ_CHECK(depth(j) <= kMaxJsonDepth, "depth " << depth(j));
    const std::string dumped = j.dump();
    FUZZ_CHECK(parse_json(dumped) == j, "does not read back from its dump: " << dumped.substr(0, 200));
  } catch (const JsonError& e) {
    FUZZ_CHECK(e.offset() <= size, "offset " << e.offset() << " past the " << size << " bytes");
    fuzz::expect_names(e, "invalid JSON at byte " + std::to_string(e.offset()));
  }

  {
    std::ofstream out(config_path(), std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
  }
  CLI::App app("fuzz", "train");
  cli::TaskFlags task;
  task.add_to(app);
  std::string learner = "maml", distance = "euclidean";
  double inner_lr = 0.01;
  int steps = 5;
  std::vector<int> hidden{40, 40};
  bool first_order = false;
  app.add_option("--learner", learner)->check(CLI::IsMember({"maml", "fomaml", "protonet"}));
  app.add_option("--inner-lr", inner_lr)->check(CLI::PositiveNumber);
  app.add_option("--steps", steps)->check(CLI::Range(1, 100));
  app.add_option("--hidden", hidden)->delimiter(',');
  app.add_option("--distance", distance);
  app.add_flag("--first-order", first_order);
  std::string config;
  app.add_option("--config", config);
  try {
    app.parse(std::vector<std::string>{});
    cli::apply_json_config(app, config_path(), {"distance"});
  } catch (const cli::CliError& e) {
    fuzz::expect_names(e, "--config " + config_path());
  }
  return 0;
}
