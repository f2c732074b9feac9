// Private: binding doses and times of a scenario to a compiled model.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "model/yaml_reader.hpp"
#include "tolsim/solve/scenario.hpp"
#include "tolsim/units/unit.hpp"

namespace tolsim::detail {

// Splits "100 mg" into 100 and "mg" ("100mg" too); a bare number has an empty unit. nullopt if no number leads.
std::optional<std::pair<double, std::string>> split_quantity(const std::string& text);

// A time with or without a unit ("12 h", "3"), in the model's time unit; sets `problem` and returns nullopt if bad.
std::optional<double> to_model_time(const std::string& text, const units::Unit& time_unit,
                                    std::string& problem);

// Reads a YAML list of doses (the `doses:` of a scenario or of a trial arm); reports problems to `diagnostics`.
std::vector<DoseSpec> read_doses(const model::detail::YamlFile& file, const YAML::Node& doses,
                                 Diagnostics& diagnostics);

// Reads a `set:` mapping of parameter overrides ("NAME: VALUE [UNIT]").
std::vector<ParameterOverride> read_overrides(const model::detail::YamlFile& file, const YAML::Node& set,
                                              Diagnostics& diagnostics);

// Reads a `solver:` block into `options`, reporting unknown settings and bad values at their nodes.
void read_solver(const model::detail::YamlFile& file, const YAML::Node& solver, SolverOptions& options,
                 Diagnostics& diagnostics);

// Adds the boluses or infusions of one dose to `setup`; reports problems to `diagnostics`.
void bind_dose(const CompiledModel& model, const DoseSpec& dose, const units::Unit& time_unit,
               std::optional<double> body_weight_kg, SimulationSetup& setup, Diagnostics& diagnostics);

}  // namespace tolsim::detail
