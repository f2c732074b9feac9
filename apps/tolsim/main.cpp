#include <fmt/core.h>
#include <fmt/ranges.h>

#include <algorithm>

#include <exception>

#include "commands.hpp"
#include "tolsim/common/error.hpp"
#include "tolsim/version.hpp"

int main(int argc, char** argv) {
  using namespace tolsim::cli;
  CLI::App app{
      "tolsim: simulate the immune system in autoimmune disease and the therapies meant to restore "
      "self-tolerance.\n\nExit codes: 0 ok, 1 internal error, 2 bad input (model, scenario, arguments), "
      "3 numerical failure."};
  app.name("tolsim");
  app.set_version_flag("--version", fmt::format("tolsim {}", tolsim::kVersion));
  app.require_subcommand(1);
  GlobalOptions global;
  app.add_flag("-q,--quiet", global.quiet, "Print errors only");
  int exit_code = kExitOk;
  add_check_command(app, global, exit_code);
  add_simulate_command(app, global, exit_code);
  add_trial_commands(app, global, exit_code);
  add_diagram_command(app, global, exit_code);
  add_sbml_suite_command(app, global, exit_code);
  add_import_sbml_command(app, global, exit_code);
  add_export_command(app, global, exit_code);
  // An unknown first word is a mistyped command more often than anything else: say so, with a suggestion.
  if (argc > 1 && argv[1][0] != '-') {
    std::vector<std::string> commands;
    for (const CLI::App* sub : app.get_subcommands({})) commands.push_back(sub->get_name());
    const std::string word = argv[1];
    if (std::find(commands.begin(), commands.end(), word) == commands.end()) {
      fmt::print(stderr, "error: unknown command '{}'{}; commands: {}\n", word,
                 tolsim::did_you_mean(word, commands), fmt::join(commands, ", "));
      return kExitBadInput;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    // CLI11 returns 0 for --help and --version, which are not errors.
    return code == 0 ? kExitOk : kExitBadInput;
  } catch (const tolsim::InputError& e) {
    print_diagnostics(e.diagnostics(), !global.quiet);
    return kExitBadInput;
  } catch (const std::exception& e) {
    fmt::print(stderr, "internal error: {}\n", e.what());
    return kExitInternal;
  }
  return exit_code;
}
