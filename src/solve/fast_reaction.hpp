// SBML's fast reaction (CompiledFastReaction): putting a state on its equilibrium.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "tolsim/compile/compiled_model.hpp"

namespace tolsim::detail {

// Evaluates the fast reaction's kernel at (t, y) into out: [g, g', column].
using FastKernel = std::function<void(double t, const double* y, double* out)>;

// Moves y (n_states) along the fast reaction's column d to the equilibrium the reaction itself would run to: a move
// of extent x changes y by d x, and the reaction's extent runs as dx/dt = g(x), so from g(0) > 0 it runs forward to
// the first x > 0 where g is 0 (backward for g(0) < 0). The root is bracketed by steps in that direction, then
// found by Newton's method kept inside the bracket (bisection when a Newton step leaves it), so that a root on the
// wrong side, or one where g' is 0, is not taken. Returns an empty string, or why it could not.
// `scratch` is working memory, resized here.
std::string equilibrate(const CompiledFastReaction& fast, const FastKernel& kernel, double t,
                        std::vector<double>& y, std::size_t n_states, std::vector<double>& scratch);

}  // namespace tolsim::detail
