// Subcommand registry: each cmd_*.cpp adds itself with a static Registrar, so adding a command
// touches one file. The CLI stays thin: parse flags, call the library, print.
#pragma once
#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace hetspec::cli {

// setup adds the subcommand's options to `sub` and returns the action to run when it is chosen.
using Setup = std::function<std::function<int()>(CLI::App& sub)>;

struct Command {
  std::string name;
  std::string help;
  Setup setup;
};

std::vector<Command>& commands();

struct Registrar {
  Registrar(std::string name, std::string help, Setup setup) {
    commands().push_back({std::move(name), std::move(help), std::move(setup)});
  }
};

}  // namespace hetspec::cli
