// Runs of the shipped models (models/*.yaml) for the model tests: one compilation per model file and test program,
// overrides and doses written as on the command line, and a result with lookups by name and time.
#pragma once

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "support/example_run.hpp"

namespace tolsim::testing {

struct ModelRun {
  SimulationResult result;
  std::vector<double> column(const std::string& name) const { return result.column(name); }
  double last(const std::string& name) const { return result.column(name).back(); }
  double at_time(const std::string& name, double t) const {
    const auto values = result.column(name);
    for (std::size_t i = 0; i < result.times.size(); ++i)
      if (std::abs(result.times[i] - t) < 1e-9) return values[i];
    ADD_FAILURE() << "no output at t = " << t;
    return std::nan("");
  }
  double peak(const std::string& name) const {
    const auto values = result.column(name);
    return *std::max_element(values.begin(), values.end());
  }
};

// Simulates a shipped model (path relative to the source tree) with overrides ("NAME=VALUE") and doses
// ("target=..., amount=...") at the given output times (days); rtol > 0 tightens the solver.
inline ModelRun simulate_model(const std::string& model, const std::vector<std::string>& overrides,
                               const std::vector<double>& times, const std::vector<std::string>& doses = {},
                               double rtol = 0) {
  static std::map<std::string, CompiledModel> compiled;
  auto it = compiled.find(model);
  if (it == compiled.end()) it = compiled.emplace(model, compile_file(source_path(model))).first;
  Scenario scenario;
  std::ostringstream t_end;
  t_end << std::setprecision(17) << times.back();
  scenario.t_end = t_end.str();
  scenario.times = times;
  if (rtol > 0) scenario.solver.rtol = rtol;
  for (const auto& o : overrides) scenario.overrides.push_back(parse_override(o));
  for (const auto& d : doses) scenario.doses.push_back(parse_dose(d));
  ModelRun run{simulate(it->second, make_setup(it->second, scenario))};
  EXPECT_TRUE(run.result.ok()) << model << ": " << run.result.summary.message;
  return run;
}

// Output times start, start + step, ... up to stop (inclusive, to rounding).
inline std::vector<double> time_grid(double start, double stop, double step) {
  std::vector<double> times;
  for (int i = 0; start + i * step <= stop + 1e-9; ++i) times.push_back(start + i * step);
  return times;
}

}  // namespace tolsim::testing
