#include <fmt/core.h>

#include <filesystem>

#include "commands.hpp"
#include "tolsim/model/loader.hpp"
#include "tolsim/model/yaml_writer.hpp"
#include "tolsim/sbml/reader.hpp"

namespace tolsim::cli {

void add_import_sbml_command(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  struct Options {
    std::string file;
    std::string out;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd =
      app.add_subcommand("import-sbml", "Convert an SBML model to a tolsim YAML model file (docs/sbml.md)");
  cmd->add_option("FILE", options->file, "SBML file (.xml or .sbml)")->required();
  cmd->add_option("-o,--out", options->out, "Output model file (.yaml); default: standard output");
  cmd->callback([options, &global, &exit_code] {
    std::map<std::string, std::string> renamed;
    sbml::ReadOptions read_options;
    read_options.module_ids = false;  // one YAML file has no modules: "msc.X" stays "msc__X"
    const model::LoadedModel loaded = sbml::read_sbml(options->file, &renamed, read_options);
    print_diagnostics(loaded.diagnostics, !global.quiet);
    std::string header = fmt::format("Imported from {} by tolsim import-sbml.\n",
                                     std::filesystem::path(options->file).filename().string());
    // A model that tolsim exported carries its units and unit-check mode in annotations; others have none.
    if (loaded.model.unit_check == model::UnitCheck::kOff)
      header +=
          "Units are not checked (unit_check: off): SBML declares them apart from the math, often not at "
          "all.\n";
    else
      header += "Units, sources and variability come from tolsim's annotations in the SBML file.\n";
    for (const auto& [from, to] : renamed)
      header +=
          fmt::format("SBML id '{}' is '{}' here ('{}' is a reserved name in tolsim).\n", from, to, from);
    const std::string yaml = model::write_yaml(loaded.model, header);
    // The file must read back: a writer bug is caught here rather than in the user's next command.
    write_checked_output(yaml, options->out, global.quiet, fmt::format("YAML written for {}", options->file),
                         [&](const std::string& name) { (void)model::load_model_from_string(yaml, name); });
    exit_code = kExitOk;
  });
}

}  // namespace tolsim::cli
