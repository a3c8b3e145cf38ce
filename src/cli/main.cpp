// hetspec: thin entry point. Every library Error becomes one line on stderr and exit code 2.
#include <algorithm>
#include <iostream>
#include <memory>

#include "hetspec/core/error.hpp"
#include "hetspec/core/version.hpp"
#include "registry.hpp"

namespace hetspec::cli {
std::vector<Command>& commands() {
  static std::vector<Command> c;
  return c;
}
}  // namespace hetspec::cli

int main(int argc, char** argv) {
  using namespace hetspec::cli;
  CLI::App app{"hetspec: will speculative decoding speed this LLM up on this SoC, and how?"};
  app.set_version_flag("--version", std::string("hetspec ") + hetspec::version() + " (git " + hetspec::git_revision() + ")",
                       "Print the version and git revision, then exit");
  app.require_subcommand(1);
  auto& cmds = commands();
  std::sort(cmds.begin(), cmds.end(), [](const Command& a, const Command& b) { return a.name < b.name; });
  std::vector<std::pair<CLI::App*, std::function<int()>>> actions;
  for (auto& c : cmds) {
    CLI::App* sub = app.add_subcommand(c.name, c.help);
    actions.emplace_back(sub, c.setup(*sub));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "hetspec: error: " << e.what() << " (see --help)\n";
    return 2;
  }
  try {
    for (auto& [sub, action] : actions)
      if (sub->parsed()) return action();
  } catch (const hetspec::Error& e) {
    std::cerr << "hetspec: error: " << e.what() << "\n";
    return 2;
  } catch (const std::bad_alloc&) {
    std::cerr << "hetspec: error: out of memory\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "hetspec: internal error: " << e.what() << "\n";
    return 3;
  }
  return 0;
}
