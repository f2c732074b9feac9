// The model's in-memory representation (IR).
//
// The IR holds SBML Level 3 Version 2 core semantics, so that an SBML reader and writer are a loader and a writer
// over it: compartments, species (amount or concentration, boundary, constant, conversion factors), parameters,
// initial assignments (an `*_expr` in place of a number), assignment and rate rules, reactions with local
// parameters, events (trigger with initial value and persistence, delay, priority, trigger-time values), and
// function definitions. On top of SBML it carries what tolsim needs for virtual patients and honesty: units on
// every quantity, a `source` for every parameter, between-patient variability and calibration priors.
//
// Names are global after module composition: a module included `as: core` contributes "core.Th17".
// Every element remembers where in which file it was written.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tolsim/common/error.hpp"
#include "tolsim/expr/ast.hpp"

namespace tolsim::model {

// A math expression and where its text starts, so that a problem at byte k of the text can be reported at its
// exact line and column.
struct Expression {
  expr::AstPtr ast;
  std::string text;
  SourceLocation location;  // of the first character of `text`
  bool single_line = true;  // when false, columns inside the text are not exact and `location` is used as is

  SourceLocation at(std::size_t offset) const;
  bool empty() const { return ast == nullptr; }
};

// Where a parameter value comes from: a DOI, PMID or citation, or "assumption: <why>".
struct Provenance {
  std::string text;  // as written; empty when missing
  bool is_assumption = false;
  SourceLocation location;
  bool missing() const { return text.empty(); }
};

// Between-patient variability of a parameter, for virtual populations. The nominal value is the parameter's value
// (the median for lognormal, the mean for normal).
struct Variability {
  enum class Distribution { kLogNormal, kNormal, kUniform };
  Distribution distribution = Distribution::kLogNormal;
  std::optional<double> cv;     // lognormal or normal: coefficient of variation (fraction, 0.3 = 30%)
  std::optional<double> sigma;  // lognormal: standard deviation of log(value)
  std::optional<double> sd;     // normal: standard deviation, in the parameter's unit
  std::optional<double> lower;  // uniform bounds, or truncation bounds of lognormal/normal
  std::optional<double> upper;
  bool truncated = false;
  SourceLocation location;
};

// Range for calibration.
struct Prior {
  enum class Scale { kLinear, kLog };
  double lower = 0.0;
  double upper = 0.0;
  Scale scale = Scale::kLinear;
  SourceLocation location;
};

struct Compartment {
  std::string id;
  std::optional<double> size;           // a number, or
  std::optional<Expression> size_expr;  // an initial assignment
  std::string unit;
  int spatial_dimensions = 3;
  bool constant = true;
  std::string description;
  Provenance source;  // a compartment's size is a parameter too (blood volume, tissue volume)
  SourceLocation location;
};

struct Species {
  std::string id;
  std::string compartment;
  std::optional<double> initial;           // a number, or
  std::optional<Expression> initial_expr;  // an initial assignment
  bool initial_is_amount = false;  // SBML initialAmount on a concentration species: the number is an amount
  std::string unit;                // unit of the species' value in equations
  bool only_substance_units = false;  // true: equations use the amount ("quantity: amount")
  bool boundary = false;              // reactions do not change it
  bool constant = false;
  bool allow_negative = false;
  std::optional<double> atol;  // the solver's absolute tolerance for it, in `unit`; none: the solver-wide one
  std::string conversion_factor;  // parameter id, or empty
  std::string description;
  SourceLocation location;
};

struct Parameter {
  std::string id;
  std::optional<double> value;           // a number, or
  std::optional<Expression> value_expr;  // an initial assignment (or nothing, for observables)
  std::string unit;
  bool constant = true;
  bool observable = false;  // declared under `observables:`: its value comes from an assignment rule
  std::string description;
  Provenance source;
  std::optional<Variability> variability;
  std::optional<Prior> prior;
  SourceLocation location;
};

struct Rule {
  enum class Kind { kAssignment, kRate };
  Kind kind = Kind::kAssignment;
  std::string variable;
  Expression math;  // the value (assignment) or the time derivative (rate)
  SourceLocation location;
};

struct SpeciesReference {
  std::string species;
  double stoichiometry = 1.0;
  SourceLocation location;
};

struct Reaction {
  std::string id;
  std::vector<SpeciesReference> reactants;
  std::vector<SpeciesReference> products;
  std::vector<std::string> modifiers;
  Expression rate;  // extent per time: amount per time of a species with stoichiometry 1
  bool reversible = false;
  // SBML's fast reaction: always at equilibrium (its rate held at 0), with what it changes moved along its
  // stoichiometry as fast as the rest of the model moves it off.
  bool fast = false;
  std::vector<Parameter> local_parameters;  // referenced by their bare id inside `rate`
  std::string description;
  SourceLocation location;
};

struct EventAssignment {
  std::string variable;
  Expression math;
  SourceLocation location;
};

struct Event {
  std::string id;
  Expression trigger;
  bool initial_value =
      false;  // trigger value just before the start time (false: a trigger true at t=0 fires)
  bool persistent = true;
  bool use_values_from_trigger_time = true;
  std::optional<Expression> delay;
  std::optional<Expression> priority;
  std::vector<EventAssignment> assignments;
  std::string description;
  SourceLocation location;
};

struct FunctionDefinition {
  std::string id;
  std::vector<std::string> arguments;
  Expression body;
  std::string description;
  SourceLocation location;
};

enum class UnitCheck { kError, kWarning, kOff };

struct Model {
  std::string name;
  std::string description;
  std::string time_unit = "day";
  UnitCheck unit_check = UnitCheck::kError;
  std::string conversion_factor;  // model-wide SBML conversion factor (parameter id) or empty

  std::vector<Compartment> compartments;
  std::vector<Species> species;
  std::vector<Parameter> parameters;
  std::vector<Rule> rules;
  std::vector<Reaction> reactions;
  std::vector<Event> events;
  std::vector<FunctionDefinition> functions;

  std::vector<std::string> files;  // every file read, the root first
  SourceLocation location;         // of the root file

  const Compartment* find_compartment(const std::string& id) const;
  const Species* find_species(const std::string& id) const;
  const Parameter* find_parameter(const std::string& id) const;
  const FunctionDefinition* find_function(const std::string& id) const;
  const Rule* find_rule(const std::string& variable) const;  // assignment or rate rule for `variable`
};

// Names that cannot be used for model quantities: `time`, the constants and the built-in functions.
bool is_reserved_name(const std::string& name);
const std::vector<std::string>& builtin_function_names();

}  // namespace tolsim::model
