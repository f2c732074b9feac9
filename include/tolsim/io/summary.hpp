// Short human-readable summaries of a model and of a simulation, for terminals and logs.
#pragma once

#include <string>
#include <vector>

#include "tolsim/compile/compiled_model.hpp"
#include "tolsim/model/ir.hpp"
#include "tolsim/solve/simulation.hpp"

namespace tolsim::io {

struct ModelCounts {
  int compartments = 0, species = 0, parameters = 0, observables = 0, reactions = 0, assignment_rules = 0,
      rate_rules = 0, events = 0, functions = 0, files = 0;
  int parameters_without_source = 0;
  int parameters_with_variability = 0;
};
ModelCounts count(const model::Model& model);

// "model 'x' (3 files): 2 compartments, 5 species, ..." over a few lines.
std::string describe(const model::Model& model);

// A table of the chosen columns (initial, minimum, maximum and final values) and the solver statistics.
std::string describe(const CompiledModel& model, const SimulationResult& result,
                     const std::vector<int>& columns);

}  // namespace tolsim::io
