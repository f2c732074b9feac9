#include <fmt/core.h>

#include <iostream>
#include <optional>
#include <sstream>

#include "commands.hpp"
#include "tolsim/compile/compiler.hpp"
#include "tolsim/io/atomic_file.hpp"
#include "tolsim/io/csv.hpp"
#include "tolsim/io/summary.hpp"
#include "tolsim/model/loader.hpp"
#include "tolsim/solve/scenario.hpp"

namespace tolsim::cli {

namespace {

struct SimulateOptions {
  std::string model;
  std::string scenario;
  std::vector<std::string> sets;
  std::vector<std::string> doses;
  std::string t_end;
  std::string times;
  std::string out;
  std::vector<std::string> columns;
  std::vector<std::string> solver;
  std::string backend = "auto";
  bool summary = false;
};

// Command-line additions on top of a scenario file: overrides and doses add, times and t_end replace.
Scenario build_scenario(const SimulateOptions& o) {
  Scenario s = o.scenario.empty() ? Scenario{} : load_scenario(o.scenario);
  if (o.scenario.empty()) s.location = {"<command line>", 0, 0};
  for (const auto& text : o.sets) {
    ParameterOverride p = parse_override(text);
    p.location = {"--set", 0, 0};
    s.overrides.push_back(std::move(p));
  }
  for (const auto& text : o.doses) {
    DoseSpec d = parse_dose(text);
    d.location = {"--dose", 0, 0};
    s.doses.push_back(std::move(d));
  }
  if (!o.times.empty()) {
    s.times = parse_times(o.times);
    if (o.t_end.empty()) s.t_end.reset();
  }
  if (!o.t_end.empty()) s.t_end = o.t_end;
  if (!o.columns.empty()) s.columns = o.columns;
  for (const auto& text : o.solver) {
    const auto eq = text.find('=');
    const std::string name = text.substr(0, eq);
    auto setting = std::find_if(solver_settings().begin(), solver_settings().end(),
                                [&](const SolverSetting& st) { return st.name == name; });
    if (eq == std::string::npos || setting == solver_settings().end())
      throw UsageError(SourceLocation{},
                       fmt::format("--solver '{}': expected NAME=VALUE with a known setting", text));
    if (auto problem = setting->set(s.solver, text.substr(eq + 1)); !problem.empty())
      throw UsageError(SourceLocation{}, fmt::format("--solver {}: {}", text, problem));
  }
  return s;
}

}  // namespace

void add_simulate_command(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto o = std::make_shared<SimulateOptions>();
  CLI::App* cmd = app.add_subcommand("simulate", "Simulate one patient and write a CSV of the outputs");
  cmd->add_option("MODEL", o->model, "Model file (YAML)")->required();
  cmd->add_option("--scenario", o->scenario,
                  "Scenario file (YAML): doses, overrides, times, solver settings");
  cmd->add_option("--set", o->sets, "Override a parameter or initial value: NAME=VALUE [UNIT] (repeatable)");
  cmd->add_option("--dose", o->doses,
                  "Add a dose: \"target=NAME,amount=VALUE UNIT[,start=T][,every=T][,count=N][,duration=T]\" "
                  "(repeatable; times may carry units, e.g. every=7 d)");
  cmd->add_option("--t-end", o->t_end, "End time, in model time units or with a unit (\"12 week\")");
  cmd->add_option("--times", o->times, "Output times: \"0,7,14\" or \"start:stop:step\" (model time units)");
  cmd->add_option("--out", o->out,
                  "CSV file to write (default: standard output); written only if the run succeeds");
  cmd->add_option("--columns", o->columns, "Outputs to write (default: every species and observable)")
      ->delimiter(',');
  std::string solver_help = "Solver setting NAME=VALUE (repeatable):";
  for (const auto& s : solver_settings())
    solver_help += fmt::format("\n  {} ({}{}): {}", s.name, s.get(SolverOptions{}),
                               s.unit.empty() ? "" : " " + s.unit, s.description);
  cmd->add_option("--solver", o->solver, solver_help);
  cmd->add_option("--backend", o->backend,
                  "Kernel backend: auto (native if a C++ compiler works), native, interpreter")
      ->check(CLI::IsMember({"auto", "native", "interpreter"}));
  cmd->add_flag("--summary", o->summary,
                "Print a table of initial, minimum, maximum and final values to stderr");
  cmd->callback([o, &global, &exit_code] {
    const model::LoadedModel loaded = model::load_model(o->model);
    if (!global.quiet) print_diagnostics(loaded.diagnostics, true);
    const Scenario scenario = build_scenario(*o);
    CompileOptions compile;
    compile.backend = parse_backend(o->backend);
    CompileReport report;
    const CompiledModel compiled = compile_model(loaded.model, compile, &report);
    const SimulationSetup setup = make_setup(compiled, scenario);
    const std::vector<int> columns = select_columns(compiled, scenario);
    // Open the output before simulating: an unwritable --out is the user's mistake (exit 2), found before a long
    // run rather than after it. Until commit() only a temporary file exists, and it is removed if the run fails.
    std::optional<io::AtomicFile> file;
    if (!o->out.empty()) {
      try {
        file.emplace(o->out);
      } catch (const std::runtime_error& e) {
        throw UsageError(SourceLocation{}, fmt::format("--out: {}", e.what()));
      }
    }
    const SimulationResult result = simulate(compiled, setup);
    if (result.summary.status == SolveStatus::kInvalidSetup) {
      // The values do not fit the model (a negative initial value set on the command line, a parameter whose
      // expression gives NaN): that is bad input, not a numerical failure. One message per line, as for models.
      std::istringstream lines(result.summary.message);
      for (std::string line; std::getline(lines, line);)
        fmt::print(stderr, "{}: error: {}\n", o->model, line);
      exit_code = kExitBadInput;
      return;
    }
    if (!result.ok()) {
      fmt::print(stderr, "{}: error: simulation failed at {} = {}: {}\n", o->model, "time",
                 result.summary.t_failure, result.summary.message);
      exit_code = kExitNumerical;
      return;
    }
    if (!file) {
      io::write_csv(std::cout, result, columns);
    } else {
      io::write_csv(file->stream(), result, columns);
      file->commit();
    }
    if (o->summary && !global.quiet) fmt::print(stderr, "{}", io::describe(compiled, result, columns));
    exit_code = kExitOk;
  });
}

}  // namespace tolsim::cli
