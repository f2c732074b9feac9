#include <fmt/core.h>

#include "commands.hpp"
#include "tolsim/compile/compiler.hpp"
#include "tolsim/model/loader.hpp"
#include "tolsim/sbml/reader.hpp"
#include "tolsim/sbml/writer.hpp"
#include "tolsim/script/export.hpp"

namespace tolsim::cli {

namespace {

bool has_run_settings(const ScenarioOptions& o) {
  return !o.scenario.empty() || !o.sets.empty() || !o.doses.empty() || !o.t_end.empty() || !o.times.empty() ||
         !o.columns.empty() || !o.solver.empty();
}

}  // namespace

void add_export_command(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  struct Options {
    std::string model;
    std::string format;
    std::string out;
    ScenarioOptions run;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("export",
                                     "Write a model in another format: SBML Level 3 Version 2, or with one "
                                     "scenario as a standalone Python (scipy) "
                                     "or R (deSolve) script (docs/sbml.md, docs/exports.md)");
  cmd->add_option("MODEL", options->model, "Model file (YAML or SBML)")->required();
  cmd->add_option("--format", options->format, "Output format: sbml, python or r")
      ->required()
      ->check(CLI::IsMember({"sbml", "python", "r"}));
  cmd->add_option("-o,--out", options->out, "Output file; default: standard output");
  add_scenario_options(cmd, options->run);
  cmd->callback([options, &global, &exit_code] {
    const model::LoadedModel loaded = model::load_model(options->model);
    print_diagnostics(loaded.diagnostics, !global.quiet);
    if (options->format == "sbml") {
      if (has_run_settings(options->run))
        throw UsageError(
            SourceLocation{},
            "--scenario, --set, --dose, --t-end, --times, --columns and --solver go with --format "
            "python or r; SBML holds the model only");
      const std::string xml = sbml::write_sbml(loaded.model);
      // The document must read back: a writer bug is caught here rather than in another tool.
      write_checked_output(xml, options->out, global.quiet,
                           fmt::format("SBML written for {}", options->model),
                           [&](const std::string& name) { (void)sbml::read_sbml_from_string(xml, name); });
      exit_code = kExitOk;
      return;
    }
    // The script holds the compiled equations; no native code is needed to write them.
    CompileOptions compile;
    compile.backend = CompileOptions::Backend::kInterpreter;
    const CompiledModel compiled = compile_model(loaded.model, compile);
    const script::Language language = script::parse_language(options->format);
    const Scenario scenario = build_scenario(options->run);
    const SimulationSetup setup = make_setup(compiled, scenario);
    script::ScriptInfo info;
    info.model_file = options->model;
    info.scenario_file = options->run.scenario;
    info.columns = select_columns(compiled, scenario);
    write_output(script::write_script(language, compiled, setup, info), options->out);
    if (!global.quiet && !options->out.empty())
      fmt::print(stderr, "{} script written for {}: {}\n",
                 language == script::Language::kPython ? "Python" : "R", options->model, options->out);
    exit_code = kExitOk;
  });
}

}  // namespace tolsim::cli
