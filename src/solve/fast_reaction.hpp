// SBML's fast reaction (CompiledFastReaction): putting a state on its equilibrium.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "tolsim/compile/compiled_model.hpp"

namespace tolsim::detail {

// Evaluates the fast reaction's kernel at (t, y) into out: [g, g', column].
using FastKernel = std::function<void(double t, const double* y, double* out)>;

// Moves y (n_states) along the fast reaction's column until its rate g is 0, by Newton's method on the extent: a move
// of extent x changes y by column * x, and g by about g' x. Returns an empty string, or why it could not.
std::string equilibrate(const CompiledFastReaction& fast, const FastKernel& kernel, double t,
                        std::vector<double>& y, std::size_t n_states, std::vector<double>& scratch);

}  // namespace tolsim::detail
