// A model's network as a Graphviz graph (DOT), for the diagrams in docs/models/.
#pragma once

#include <string>

#include "tolsim/model/ir.hpp"

namespace tolsim::io {

// The network of `model` in Graphviz's DOT language:
//  - species as ellipses, grouped in one box per compartment; variables set by rules as notes (assignment) or
//    ellipses with a dashed border (rate);
//  - each reaction as a small rounded box: solid arrows from its reactants and to its products (labelled with the
//    stoichiometry when it is not 1), dashed arrows with a circle head from every other species or rule variable
//    its rate depends on (modifiers);
//  - for each rule, dashed (rate rule) or dotted (assignment rule) arrows from the species and rule variables its
//    expression uses to the variable it sets.
// Parameters, compartments and events are not drawn. Render with `dot -Tsvg` (scripts/render-diagram).
std::string model_to_dot(const model::Model& model);

}  // namespace tolsim::io
