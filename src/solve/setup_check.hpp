// Checks that a simulation setup fits its model before any integration starts.
#pragma once

#include <string>
#include <vector>

#include "tolsim/compile/compiled_model.hpp"
#include "tolsim/solve/simulation.hpp"

namespace tolsim::detail {

// Every problem of the setup (sizes, times, dose targets, non-finite values, options) and every inconsistency of
// the model's layout the solver relies on (kernel indices, event targets), one message each. Empty when usable.
std::vector<std::string> setup_problems(const CompiledModel& model, const SimulationSetup& setup);

}  // namespace tolsim::detail
