// Test helpers: load, compile and simulate a model file with a scenario, in one call.
#pragma once

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "support/model_text.hpp"
#include "tolsim/compile/compiler.hpp"
#include "tolsim/solve/scenario.hpp"
#include "tolsim/solve/simulation.hpp"

namespace tolsim::testing {

struct ExampleRun {
  CompiledModel model;
  SimulationSetup setup;
  SimulationResult result;
};

inline CompiledModel compile_file(const std::string& model_path,
                                  CompileOptions::Backend backend = CompileOptions::Backend::kNative) {
  CompileOptions options;
  options.backend = backend;
  return compile_model(model::load_model(model_path).model, options);
}

// Runs a model file with a scenario file (paths relative to the source tree), with tighter tolerances when asked.
inline ExampleRun run_example(const std::string& model, const std::string& scenario,
                              CompileOptions::Backend backend = CompileOptions::Backend::kNative,
                              double rtol = 0.0, double atol = 0.0) {
  ExampleRun run;
  run.model = compile_file(source_path(model), backend);
  Scenario s = load_scenario(source_path(scenario));
  if (rtol > 0) s.solver.rtol = rtol;
  if (atol > 0) s.solver.atol = atol;
  run.setup = make_setup(run.model, s);
  run.result = simulate(run.model, run.setup);
  return run;
}

// Simulates a model read in memory with the interpreter backend (no C++ compile), from t = 0 to the last output
// time, with its default parameters.
inline SimulationResult simulate_interpreted(const model::Model& m, std::vector<double> output_times,
                                             double rtol, double atol) {
  CompileOptions options;
  options.backend = CompileOptions::Backend::kInterpreter;
  const CompiledModel compiled = compile_model(m, options);
  SimulationSetup setup;
  setup.parameters = compiled.default_parameters();
  setup.t_end = output_times.back();
  setup.output_times = std::move(output_times);
  setup.options.rtol = rtol;
  setup.options.atol = atol;
  return simulate(compiled, setup);
}

// Compiles model YAML text, read as file "test.yaml".
inline CompiledModel compile_text(const std::string& yaml, CompileOptions::Backend backend) {
  CompileOptions options;
  options.backend = backend;
  return compile_model(model::load_model_from_string(yaml, "test.yaml").model, options);
}

// Simulates a compiled model at `times` with tight tolerances (rtol 1e-10, atol 1e-12) for closed-form checks.
inline SimulationResult simulate_tight(const CompiledModel& m, const std::vector<double>& times) {
  Scenario s;
  s.times = times;
  s.solver.rtol = 1e-10;
  s.solver.atol = 1e-12;
  return simulate(m, make_setup(m, s));
}

// Evenly spaced times from 0 to t_end: n + 1 of them.
inline std::vector<double> even_times(double t_end, int n) {
  std::vector<double> times;
  for (int i = 0; i <= n; ++i) times.push_back(t_end * i / n);
  return times;
}

// Reads a CSV of numbers with a header line into columns by name.
inline std::map<std::string, std::vector<double>> read_csv_columns(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> names;
  std::stringstream header(line);
  for (std::string cell; std::getline(header, cell, ',');) names.push_back(cell);
  std::map<std::string, std::vector<double>> columns;
  while (std::getline(in, line)) {
    std::stringstream row(line);
    std::size_t i = 0;
    for (std::string cell; std::getline(row, cell, ',') && i < names.size(); ++i)
      columns[names[i]].push_back(std::stod(cell));
  }
  return columns;
}

}  // namespace tolsim::testing
