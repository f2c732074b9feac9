// The tolsim command line: each subcommand turns arguments into library options, calls the library, and returns
// an exit code. No simulation logic lives here.
#pragma once

#include <CLI/CLI.hpp>

#include "tolsim/common/error.hpp"
#include "tolsim/solve/scenario.hpp"

#include <functional>
#include <string>
#include <vector>

namespace tolsim::cli {

// Exit codes, as documented in README and `tolsim --help`.
inline constexpr int kExitOk = 0;
inline constexpr int kExitInternal = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitNumerical = 3;

struct GlobalOptions {
  bool quiet = false;
};

void add_check_command(CLI::App& app, const GlobalOptions& global, int& exit_code);
void add_simulate_command(CLI::App& app, const GlobalOptions& global, int& exit_code);
void add_trial_commands(CLI::App& app, const GlobalOptions& global, int& exit_code);  // trial, population
void add_diagram_command(CLI::App& app, const GlobalOptions& global, int& exit_code);
void add_sbml_suite_command(CLI::App& app, const GlobalOptions& global, int& exit_code);
void add_import_sbml_command(CLI::App& app, const GlobalOptions& global, int& exit_code);
void add_export_command(CLI::App& app, const GlobalOptions& global, int& exit_code);

// What a run does to a model, from the command line: a scenario file plus --set, --dose, --t-end, --times,
// --columns and --solver (simulate and export share them).
struct ScenarioOptions {
  std::string scenario;
  std::vector<std::string> sets;
  std::vector<std::string> doses;
  std::string t_end;
  std::string times;
  std::vector<std::string> columns;
  std::vector<std::string> solver;
};
void add_scenario_options(CLI::App* cmd, ScenarioOptions& options);
// The scenario file with the command line's additions: overrides and doses add, times and t_end replace.
Scenario build_scenario(const ScenarioOptions& options);

// Writes `text` to `path`, complete or not at all (io::AtomicFile), or to standard output when `path` is empty.
void write_output(const std::string& text, const std::string& path);
// For a written model: checks first that `text` reads back (`read_back`, given the output's name, throws ModelError
// if not: a writer bug, reported as an internal error about `what`), then writes it as write_output does and, unless
// quiet, says where.
void write_checked_output(const std::string& text, const std::string& path, bool quiet,
                          const std::string& what, const std::function<void(const std::string&)>& read_back);

// Prints diagnostics (errors and warnings) to stderr, one per line.
void print_diagnostics(const Diagnostics& diagnostics, bool include_warnings);

}  // namespace tolsim::cli
