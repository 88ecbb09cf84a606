// metalab: train, evaluate and inspect few-shot meta-learners from the shell.
//
//   metalab train --learner maml --task sinusoid --iterations 70000 --out maml.safetensors --with-baselines
//   metalab eval --checkpoint maml.safetensors --tasks 1000 --steps 10
//   metalab inspect meta-gradient --checkpoint maml.safetensors --task task.json --out grads.safetensors
//   metalab inspect checkpoint maml.safetensors
//   metalab export maml.safetensors small.safetensors   (weights only, for the page)
//
// Every error is one line on stderr, "metalab <command>: error: ...", with a
// non-zero exit status (1 bad input, 2 bad command line, 3 diverged).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <new>
#include <string>

#include "core/io/csv.h"
#include "core/io/format_error.h"
#include "core/learners/learner.h"
#include "native/cli/commands.h"
#include "native/cli/common.h"
#include "native/data/malloc_tuning.h"

namespace {

std::string command_name(const CLI::App& app) {
  std::string name = "metalab";
  for (const CLI::App* sub : app.get_subcommands()) {
    name += " " + sub->get_name();
    for (const CLI::App* subsub : sub->get_subcommands()) name += " " + subsub->get_name();
  }
  return name;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace metalab::cli;
  // Conv4 episodes allocate and free multi-megabyte matrices every step; keep
  // them in the heap (half the time of a Conv4 pass, see malloc_tuning.h).
  metalab::tune_malloc_for_large_tensors();
  CLI::App app{"metalab: few-shot meta-learning (MAML, first-order MAML, Meta-SGD, ANIL, Reptile) and their "
               "baselines from the command line. Run 'metalab COMMAND --help' for the flags of a command.",
               "metalab"};
  app.formatter(std::make_shared<HelpFormatter>());
  app.require_subcommand(1);
  app.failure_message([](const CLI::App* failed, const CLI::Error& e) {
    std::string where = "metalab";
    std::vector<std::string> names;
    for (const CLI::App* a = failed; a && a->get_parent(); a = a->get_parent()) names.insert(names.begin(), a->get_name());
    for (const auto& n : names) where += " " + n;
    std::string msg = e.what();
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    for (char& c : msg)
      if (c == '\n') c = ' ';
    return where + ": error: " + msg + " (see '" + where + " --help')\n";
  });
  const Runner train = register_train(app);
  const Runner eval = register_eval(app);
  const Runner inspect = register_inspect(app);
  const Runner exporter = register_export(app);

  // An unknown command would otherwise be reported as "a subcommand is required".
  if (argc > 1 && argv[1][0] != '-') {
    const std::string first = argv[1];
    bool known = false;
    for (const CLI::App* sub : app.get_subcommands({})) known = known || sub->check_name(first);
    if (!known) {
      std::fprintf(stderr, "metalab: error: unknown command '%s' (expected train, eval, inspect or export; see "
                           "'metalab --help')\n", first.c_str());
      return kExitUsage;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }

  const std::string name = command_name(app);
  try {
    if (app.got_subcommand("train")) return train();
    if (app.got_subcommand("eval")) return eval();
    if (app.got_subcommand("inspect")) return inspect();
    if (app.got_subcommand("export")) return exporter();
    return kExitUsage;
  } catch (const CliError& e) {
    std::fprintf(stderr, "%s: error: %s\n", name.c_str(), e.what());
  } catch (const metalab::DivergenceError& e) {
    std::fprintf(stderr, "%s: diverged: %s\n", name.c_str(), e.what());
    return kExitDiverged;
  } catch (const metalab::FormatError& e) {
    std::fprintf(stderr, "%s: error: %s\n", name.c_str(), e.what());
  } catch (const metalab::DataError& e) {
    std::fprintf(stderr, "%s: error: %s\n", name.c_str(), e.what());
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "%s: error: out of memory\n", name.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: error: %s\n", name.c_str(), e.what());
  }
  return kExitError;
}
