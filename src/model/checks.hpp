// Private: the checks validate_model runs, split by concern.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "tolsim/common/error.hpp"
#include "tolsim/model/ir.hpp"

namespace tolsim::model::detail {

// The value of an expression that depends only on numbers, reserved constants and constant quantities with a
// numeric value (no initial assignments, no rules); nullopt otherwise. `locals` binds names first (local
// parameters of a reaction).
std::optional<double> constant_value(const expr::Ast& ast, const Model& model,
                                     const std::map<std::string, double>& locals = {});

// Dimensional consistency of every equation (see unit_check.cpp). Honors model.unit_check.
void check_units(const Model& model, Diagnostics& diagnostics);

// Infers `only_substance_units` of species whose quantity was not declared: a species whose unit is per
// compartment unit (cells/uL in a compartment measured in uL) is a concentration, otherwise an amount.
void infer_species_quantity(Species& species, const Compartment* compartment);

}  // namespace tolsim::model::detail
