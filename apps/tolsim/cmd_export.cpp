#include <fmt/core.h>

#include "commands.hpp"
#include "tolsim/model/loader.hpp"
#include "tolsim/sbml/reader.hpp"
#include "tolsim/sbml/writer.hpp"

namespace tolsim::cli {

void add_export_command(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  struct Options {
    std::string model;
    std::string format;
    std::string out;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd =
      app.add_subcommand("export", "Write a model in another format: SBML Level 3 Version 2 (docs/sbml.md)");
  cmd->add_option("MODEL", options->model, "Model file (YAML or SBML)")->required();
  cmd->add_option("--format", options->format, "Output format")->required()->check(CLI::IsMember({"sbml"}));
  cmd->add_option("-o,--out", options->out, "Output file; default: standard output");
  cmd->callback([options, &global, &exit_code] {
    const model::LoadedModel loaded = model::load_model(options->model);
    print_diagnostics(loaded.diagnostics, !global.quiet);
    const std::string xml = sbml::write_sbml(loaded.model);
    // The document must read back: a writer bug is caught here rather than in another tool.
    write_checked_output(xml, options->out, global.quiet, fmt::format("SBML written for {}", options->model),
                         [&](const std::string& name) { (void)sbml::read_sbml_from_string(xml, name); });
    exit_code = kExitOk;
  });
}

}  // namespace tolsim::cli
