// CSV output of simulation results: a `time` column, then one column per chosen output.
#pragma once

#include <ostream>
#include <vector>

#include "tolsim/solve/simulation.hpp"

namespace tolsim::io {

// Numbers are written in the shortest form that reads back to the same double.
void write_csv(std::ostream& out, const SimulationResult& result, const std::vector<int>& columns);

}  // namespace tolsim::io
