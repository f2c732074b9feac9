// Writing a model as one YAML model file (docs/model-format.md), e.g. for `tolsim import-sbml`.
//
// The file reads back to a model that simulates the same: every compartment, species, parameter, rule, reaction,
// event and function, with units, sources, variability and priors. Expressions are printed from their syntax trees,
// with numbers written to round-trip exactly. A few things are written in a form of their own:
// - a parameter set by an assignment rule is written as an observable;
// - an initial amount of a species measured as a concentration is written as "amount / compartment";
// - a missing value (SBML allows one where a rule or nothing sets it) is written as 0, which is what the solver uses.
#pragma once

#include <string>

#include "tolsim/model/ir.hpp"

namespace tolsim::model {

// `header` lines are written first as YAML comments ("# ..."). Throws ModelError when an id is not a plain name
// (letters, digits and '_'): a composed model's "module.name" ids cannot be declared in one file.
std::string write_yaml(const Model& model, const std::string& header = {});

}  // namespace tolsim::model
