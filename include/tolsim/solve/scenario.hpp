// Scenarios: what to do to a model in one run (doses, parameter overrides, output times, solver settings).
//
// A scenario comes from a YAML file, from the command line, or both (the command line adds doses and overrides and
// replaces times). make_setup binds it to a compiled model: names become indices, dose amounts are converted to
// the target species' amount unit (weight-based doses such as "1e6 cells/kg" or "8 mg/kg" are multiplied by the
// body weight), and every time is converted to the model's time unit. Format: docs/scenario-format.md.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tolsim/common/error.hpp"
#include "tolsim/compile/compiled_model.hpp"
#include "tolsim/solve/options.hpp"
#include "tolsim/solve/simulation.hpp"

namespace tolsim {

// A dose as written: times may carry units ("12 h"); a bare number is in the model's time unit.
struct DoseSpec {
  std::string target;  // species name, or a compartment holding exactly one species
  double amount = 0.0;
  std::string amount_unit;  // "mg", "cells/kg", "IU"...
  std::string start = "0";  // time of the first dose
  std::string every;        // interval between repeats ("" for a single dose)
  int count = 1;            // number of doses in all
  std::string duration;     // infusion length; "" or 0 for a bolus
  SourceLocation location;
};

struct ParameterOverride {
  std::string name;
  double value = 0.0;
  std::string unit;  // "" means the parameter's own unit
  SourceLocation location;
};

struct Scenario {
  std::string name;
  std::string description;
  std::optional<std::string> t_end;          // may carry a unit ("12 week")
  std::optional<std::vector<double>> times;  // in model time units
  std::vector<ParameterOverride> overrides;
  std::vector<DoseSpec> doses;
  std::optional<double> body_weight_kg;
  SolverOptions solver;
  std::vector<std::string> columns;  // outputs to write; empty: species and observables
  SourceLocation location;
};

// Reads a scenario file; throws ScenarioError with every problem.
Scenario load_scenario(const std::string& path);

// "target=X, amount=100 mg, start=0, every=7 d, count=4, duration=1 h" (the same keys as the YAML form).
// Throws UsageError.
DoseSpec parse_dose(const std::string& text);

// "NAME=VALUE" or "NAME=VALUE UNIT". Throws UsageError.
ParameterOverride parse_override(const std::string& text);

// "0,7,14" or "start:stop:step" (stop included when it falls on the grid). Throws UsageError.
std::vector<double> parse_times(const std::string& text);

// Binds a scenario to a model. Throws ScenarioError with every problem (unknown names, units that do not fit,
// weight-based doses without a body weight, bad times).
SimulationSetup make_setup(const CompiledModel& model, const Scenario& scenario);

// The output columns a scenario selects (indices into model.outputs). Throws ScenarioError for unknown names.
std::vector<int> select_columns(const CompiledModel& model, const Scenario& scenario);

}  // namespace tolsim
