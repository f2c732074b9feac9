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
  ScenarioOptions run;
  std::string out;
  std::string backend = "auto";
  bool summary = false;
};

}  // namespace

void add_simulate_command(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto o = std::make_shared<SimulateOptions>();
  CLI::App* cmd = app.add_subcommand("simulate", "Simulate one patient and write a CSV of the outputs");
  cmd->add_option("MODEL", o->model, "Model file (YAML)")->required();
  add_scenario_options(cmd, o->run);
  cmd->add_option("--out", o->out,
                  "CSV file to write (default: standard output); written only if the run succeeds");
  cmd->add_option("--backend", o->backend,
                  "Kernel backend: auto (native if a C++ compiler works), native, interpreter")
      ->check(CLI::IsMember({"auto", "native", "interpreter"}));
  cmd->add_flag("--summary", o->summary,
                "Print a table of initial, minimum, maximum and final values to stderr");
  cmd->callback([o, &global, &exit_code] {
    const model::LoadedModel loaded = model::load_model(o->model);
    if (!global.quiet) print_diagnostics(loaded.diagnostics, true);
    const Scenario scenario = build_scenario(o->run);
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
