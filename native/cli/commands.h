// The subcommands of `metalab`. Each registers itself on the root app and
// returns the function that runs it once the command line has been parsed.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace metalab::cli {

using Runner = std::function<int()>;

Runner register_train(CLI::App& root);
Runner register_eval(CLI::App& root);
Runner register_inspect(CLI::App& root);
Runner register_export(CLI::App& root);

}  // namespace metalab::cli
