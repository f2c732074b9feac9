// tolsim's side of bench/peers/run.sh: a model with a scenario, simulated once per row of a parameter table, with
// only the simulations timed (loading, compiling to native code and binding the scenario come first, untimed, as
// the scripts' start-up is untimed). Prints "simulate_seconds=S runs=N" like the exported scripts.
//
//   tolsim_runs MODEL SCENARIO [--rtol R] [--atol A] [--parameters FILE.csv] [--out FILE.csv] [--species-only 1]
//
// --species-only 1 writes the species columns alone: run.sh compares tools on those (an observable such as a
// mass-balance residual is rounding noise, which no two tools share).
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "peer_io.hpp"
#include "tolsim/compile/compiler.hpp"
#include "tolsim/model/loader.hpp"
#include "tolsim/solve/scenario.hpp"
#include "tolsim/solve/simulation.hpp"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: tolsim_runs MODEL SCENARIO [--rtol R] [--atol A] [--parameters F] [--out F]\n");
    return 2;
  }
  try {
    tolsim::Scenario scenario = tolsim::load_scenario(argv[2]);
    std::string parameters, out;
    bool species_only = false;
    for (int i = 3; i + 1 < argc; i += 2) {
      const std::string option = argv[i];
      if (option == "--rtol")
        scenario.solver.rtol = std::stod(argv[i + 1]);
      else if (option == "--atol")
        scenario.solver.atol = std::stod(argv[i + 1]);
      else if (option == "--parameters")
        parameters = argv[i + 1];
      else if (option == "--out")
        out = argv[i + 1];
      else if (option == "--species-only")
        species_only = std::string(argv[i + 1]) == "1";
      else
        throw std::runtime_error("unknown option " + option);
    }
    tolsim::CompileOptions compile;
    compile.backend = tolsim::CompileOptions::Backend::kNative;
    const tolsim::CompiledModel model =
        tolsim::compile_model(tolsim::model::load_model(argv[1]).model, compile);
    const tolsim::SimulationSetup nominal = tolsim::make_setup(model, scenario);
    std::vector<int> columns = tolsim::select_columns(model, scenario);
    if (species_only)
      std::erase_if(columns, [&](int c) {
        return model.outputs[static_cast<std::size_t>(c)].kind != tolsim::OutputColumn::Kind::kSpecies;
      });

    std::vector<tolsim::SimulationSetup> setups;
    if (parameters.empty()) {
      setups.push_back(nominal);
    } else {
      const peers::ParameterTable table = peers::read_parameters(parameters);
      std::vector<int> slots;
      for (const auto& name : table.names) {
        const auto slot = model.find_parameter(name);
        if (!slot)
          throw std::runtime_error(parameters + ":1: '" + name + "' is not a parameter of the model");
        slots.push_back(*slot);
      }
      for (const auto& row : table.rows) {
        setups.push_back(nominal);
        for (std::size_t k = 0; k < slots.size(); ++k)
          setups.back().parameters[static_cast<std::size_t>(slots[k])] = row[k];
      }
    }
    std::vector<tolsim::SimulationResult> results;
    results.reserve(setups.size());
    peers::timed(setups.size(), [&] {
      for (const auto& setup : setups) results.push_back(tolsim::simulate(model, setup));
    });
    std::vector<peers::Rows> runs;
    for (const auto& r : results) {
      if (!r.ok()) throw std::runtime_error("a simulation failed: " + r.summary.message);
      peers::Rows rows;
      for (std::size_t i = 0; i < r.times.size(); ++i) {
        rows.push_back({r.times[i]});
        for (int c : columns) rows.back().push_back(r.at(i, static_cast<std::size_t>(c)));
      }
      runs.push_back(std::move(rows));
    }
    std::vector<std::string> names;
    for (int c : columns) names.push_back(model.outputs[static_cast<std::size_t>(c)].name);
    if (!out.empty()) peers::write_csv(out, names, runs);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tolsim_runs: %s\n", e.what());
    return 3;
  }
  return 0;
}
