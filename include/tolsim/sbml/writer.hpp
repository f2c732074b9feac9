// Writing a model as SBML Level 3 Version 2 core (`tolsim export --format sbml`, docs/sbml.md).
//
// Every element maps onto its SBML counterpart: compartments, species (amounts or concentrations), parameters,
// initial assignments for values given as expressions, assignment and rate rules (an observable is a non-constant
// parameter with an assignment rule), reactions with local parameters, events with their flags, delays and
// priorities, and function definitions. Built-ins without a MathML element are written out: hill(x, K, n) as
// x^n / (K^n + x^n), log2(x) as a log of base 2, tolsim's `avogadro` as its number (SBML's csymbol has a different
// value). Each unit becomes a unit definition (its SBML decomposition, named by the unit as written), used by
// parameters, compartments, the model's time unit and numbers in math.
//
// Module ids ("core.Th17") are not SBML ids: '.' becomes "__" ("core__Th17"). What SBML has no place for travels
// in a tolsim annotation on each element (namespace kAnnotationNamespace): the original id, the unit as written,
// the source, variability and prior, allow_negative and atol; on the model, the time unit and unit-check mode; on
// unit definitions, the unit as written. sbml::read_sbml reads all of it back.
#pragma once

#include <string>

#include "tolsim/model/ir.hpp"

namespace tolsim::sbml {

inline constexpr const char* kAnnotationNamespace = "https://github.com/tolsim/tolsim/sbml-annotation/1";

// The SBML document as text. Throws ModelError if the model uses something SBML cannot hold.
std::string write_sbml(const model::Model& model);

}  // namespace tolsim::sbml
