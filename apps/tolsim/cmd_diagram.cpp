#include <fmt/core.h>

#include "commands.hpp"
#include "tolsim/io/diagram.hpp"
#include "tolsim/model/loader.hpp"

namespace tolsim::cli {

void add_diagram_command(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  struct Options {
    std::string model;
    std::string out;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "diagram", "Write a model's network as a Graphviz graph (DOT); render it with scripts/render-diagram");
  cmd->add_option("MODEL", options->model, "Model file (YAML)")->required();
  cmd->add_option("-o,--out", options->out, "Output file (.dot); default: standard output");
  cmd->callback([options, &global, &exit_code] {
    const model::LoadedModel loaded = model::load_model(options->model);
    print_diagnostics(loaded.diagnostics, !global.quiet);
    const std::string dot = io::model_to_dot(loaded.model);
    write_output(dot, options->out);
    exit_code = kExitOk;
  });
}

}  // namespace tolsim::cli
