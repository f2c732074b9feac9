#include <fmt/core.h>

#include "commands.hpp"
#include "tolsim/common/error.hpp"
#include "tolsim/compile/compiler.hpp"
#include "tolsim/io/summary.hpp"
#include "tolsim/model/loader.hpp"

namespace tolsim::cli {

void print_diagnostics(const Diagnostics& diagnostics, bool include_warnings) {
  for (const auto& d : diagnostics.items())
    if (include_warnings || d.severity == Severity::kError) fmt::print(stderr, "{}\n", d.to_string());
}

void add_check_command(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  struct Options {
    std::string model;
    bool strict = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd =
      app.add_subcommand("check", "Validate a model (names, cycles, units, sources) and summarise it");
  cmd->add_option("MODEL", options->model, "Model file (YAML)")->required();
  cmd->add_flag("--strict", options->strict,
                "Treat warnings (such as parameters without a source) as errors");
  cmd->callback([options, &global, &exit_code] {
    const model::LoadedModel loaded = model::load_model(options->model);
    // Initial values computed from expressions are known only once the model is compiled; the interpreter is
    // enough to evaluate them and needs no C++ compiler.
    CompileOptions compile;
    compile.backend = CompileOptions::Backend::kInterpreter;
    const Diagnostics initial = initial_value_problems(compile_model(loaded.model, compile));
    if (initial.has_errors()) {
      Diagnostics all = loaded.diagnostics;
      all.append(initial);
      throw ModelError(all);
    }
    print_diagnostics(loaded.diagnostics, !global.quiet);
    if (!global.quiet) fmt::print("{}", io::describe(loaded.model));
    const std::size_t warnings = loaded.diagnostics.warning_count();
    if (warnings > 0 && !global.quiet) fmt::print("{} warning{}\n", warnings, warnings == 1 ? "" : "s");
    exit_code = options->strict && warnings > 0 ? kExitBadInput : kExitOk;
  });
}

}  // namespace tolsim::cli
