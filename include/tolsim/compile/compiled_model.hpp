// A model ready to integrate: the layout of its state, parameter and output vectors, its events, and its kernels.
//
// This is the narrow seam between the model compiler and the solver (Boost.Odeint's system; libRoadRunner's
// ExecutableModel). The solver sees only vectors and kernels:
//
//   y  state vector (n_states). A species that changes by reactions is stored as its *amount* even when the model
//      names its concentration (SBML semantics; compartment sizes may change). Everything else that changes over
//      time (rate rules, quantities assigned by events) is stored as its own value.
//   p  parameter vector: constant parameters, constant compartment sizes and species, numeric initial values of
//      time-varying quantities, and derived constants (initial assignments), which the init kernel computes.
//   u  input vector (n_inputs): infusion rates added to dy/dt, in state units per model time unit (one per state),
//      then the current value of every delay() in the model (set by the solver from the state's history).
//
// Kernels (see expr/kernel.hpp), all with signature (t, y, p, u, out):
//   init       out = [y0 (n_states), values of the derived parameters in derived_parameters order]; ignores y, u
//   rhs        out = dy/dt (n_states), including u
//   jacobian   out = d(rhs)/dy, dense column-major n_states x n_states (out[i + j*n] = d f_i / d y_j); ignores u
//   relations  out = g_k for every relation of every event trigger, then for every comparison in a fast reaction's
//              rate: lhs - rhs of the comparison
//   outputs    out = the value of every output (species in their declared units, observables, compartments...)
//   event k    out = [delay, priority, value of each assignment]
//   delays     per delay(x, tau): [tau] now; [x] at the delayed time on the state from the history; [x] from the
//              initial values, for delayed times before the start (see CompiledDelay)
#pragma once

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tolsim/common/error.hpp"
#include "tolsim/expr/graph.hpp"
#include "tolsim/expr/kernel.hpp"

namespace tolsim {

struct StateVariable {
  enum class Storage {
    kAmount,  // y is the species amount; its value in equations is amount / compartment size if concentration
    kValue,   // y is the quantity's own value (rate rules, event-assigned parameters and compartments)
  };
  std::string name;
  Storage storage = Storage::kValue;
  bool is_species = false;
  bool is_concentration = false;  // species whose equations use amount / compartment size
  std::string compartment;        // species only: the compartment it lives in
  int compartment_output = -1;    // for concentration species: index in outputs of its compartment's size
  std::string unit;               // unit of y
  std::string amount_unit;        // species only: unit of its amount (unit of y for kAmount)
  double atol_scale = 1.0;        // absolute tolerance for y is atol * atol_scale (keeps atol in the species'
                                  // declared unit when y is an amount in a large compartment)
  std::optional<double> atol;     // the species' own `atol:`, in its declared unit; none: the solver-wide one
  // A concentration species stored as its concentration (under a rate rule), not as its amount.
  bool stores_concentration() const { return storage == Storage::kValue && is_species && is_concentration; }
  // The solver's absolute tolerance for y, given the solver-wide one (in declared units).
  double absolute_tolerance(double solver_atol) const { return atol.value_or(solver_atol) * atol_scale; }
  bool nonnegative = false;  // constrain y >= 0 during integration
  SourceLocation location;   // where the quantity is declared
};

struct ParameterSlot {
  enum class Role {
    kParameter,        // a constant parameter
    kCompartmentSize,  // a constant compartment
    kConstantSpecies,  // a species declared constant
    kInitialValue,     // the numeric initial value of a time-varying quantity (`target`)
    kLocalParameter,   // a reaction's local parameter ("reaction.name")
    kDerived,          // computed by the init kernel from an initial assignment; not settable
  };
  std::string name;  // the name a user sets it by (for kInitialValue: the quantity's name)
  Role role = Role::kParameter;
  std::string unit;
  double value = 0.0;  // default
  SourceLocation location;
};

struct OutputColumn {
  enum class Kind { kSpecies, kObservable, kCompartment, kParameter };
  std::string name;
  std::string unit;
  Kind kind = Kind::kSpecies;
  bool default_column = false;  // written by `simulate` unless columns are chosen: species and observables
};

// A comparison inside an event trigger, or inside a fast reaction's rate (CompiledFastReaction::relations). Its root
// function is g = lhs - rhs.
struct Relation {
  expr::Op op = expr::Op::kGt;  // kLt, kLe, kGt, kGe, kEq or kNe
  // A relation between time and a constant (`time >= 10`, `5 < time`) is scheduled: the solver stops exactly at
  // the crossing instead of searching for a root. For those, g = time_sign * (t - crossing), so the crossing time
  // is t - g / time_sign for any t.
  bool scheduled = false;
  double time_sign = 0.0;
};

// A trigger is a boolean formula over relations; terms[root] is the whole formula.
struct TriggerTerm {
  enum class Kind { kRelation, kConstant, kAnd, kOr, kXor, kNot };
  Kind kind = Kind::kConstant;
  int relation = -1;      // kRelation
  bool constant = false;  // kConstant
  std::vector<int> children;
};

struct EventAssignment {
  enum class Mode {
    kSetValue,          // y[state] = value
    kSetConcentration,  // y[state] = value * (compartment size before the event)
  };
  int state = -1;
  Mode mode = Mode::kSetValue;
  int compartment_output = -1;  // kSetConcentration
};

struct CompiledEvent {
  std::string name;
  std::vector<TriggerTerm> terms;
  int root = 0;
  bool initial_value = false;  // trigger value assumed just before the start time
  bool persistent = true;      // false: a pending (delayed) execution is cancelled if the trigger
                               // becomes false before it runs
  bool use_values_from_trigger_time = true;
  bool has_delay = false;
  bool has_priority = false;
  int kernel = -1;  // outputs [delay, priority, value of assignment 0, 1, ...]
  std::vector<EventAssignment> assignments;
  SourceLocation location;
};

// The program behind the kernels: the expression graph and one spec per kernel, indexed as KernelIndices and
// CompiledEvent::kernel. The kernels are built from it; exporters (src/script/) write it in other languages.
struct KernelProgram {
  expr::Graph graph;
  std::vector<expr::KernelSpec> specs;
};

struct KernelIndices {
  int init = -1, rhs = -1, jacobian = -1, relations = -1, outputs = -1;
};

// One delay(x, tau) in the model's equations: u[input] holds x as it was tau time units ago. Before the start,
// x is what the initial values give at that earlier time (SBML: an initial assignment sin(time) has a past).
// Delays are numbered in dependency order: x and tau of delay k use only the values of delays before k.
struct CompiledDelay {
  std::string text;      // the call as written, for messages
  int input = -1;        // index in u
  int time_kernel = -1;  // outputs [tau], evaluated at (t, y)
  int kernel = -1;       // outputs [x], evaluated at (t - tau, y(t - tau))
  bool nested = false;   // x uses earlier delays, which must then be taken at t - tau too
  int initial_kernel =
      -1;  // outputs [x] from initial values (rules and initial assignments at time t - tau),
           // for times before the start
  bool constant_time = false;  // tau does not change during a run, so the solver's step can be kept below it
};

// SBML's fast reaction, held at equilibrium (see Reaction::fast). Its kernel outputs [g, grad(g) . d, d (n_states)]
// at (t, y): the rate, its derivative along the reaction's stoichiometric column d, and d.
// Its rate may switch branch (a piecewise on a comparison): each comparison in the rate is a relation that no
// trigger uses, watched so that the run stops where it crosses and the state goes to the equilibrium of the branch
// that holds after.
struct CompiledFastReaction {
  std::string name;
  int kernel = -1;
  std::vector<int> relations;  // indices in CompiledModel::relations
  SourceLocation location;
  bool watches(int relation) const { return std::ranges::count(relations, relation) > 0; }
};

class CompiledModel {
 public:
  std::string name;
  std::string source_file;
  std::string time_unit = "day";

  std::vector<StateVariable> states;
  std::vector<ParameterSlot> parameters;
  std::vector<int> derived_parameters;  // slots in `parameters` written by the init kernel
  std::vector<OutputColumn> outputs;
  std::vector<Relation> relations;
  std::vector<CompiledEvent> events;
  std::vector<CompiledDelay> delays;
  std::optional<CompiledFastReaction> fast_reaction;

  std::shared_ptr<const expr::Kernels> kernels;
  std::shared_ptr<const KernelProgram> program;
  KernelIndices kernel;
  // The entries the jacobian kernel may write (structurally non-zero), as i + j*n_states, ascending: column by
  // column, each column's rows in order (the compressed-sparse-column order of SUNDIALS' sparse matrix).
  std::vector<int> jacobian_positions;

  int n_states() const { return static_cast<int>(states.size()); }
  int n_parameters() const { return static_cast<int>(parameters.size()); }
  int n_outputs() const { return static_cast<int>(outputs.size()); }
  // Size of u: one infusion rate per state, then one value per delay.
  int n_inputs() const { return n_states() + static_cast<int>(delays.size()); }

  std::vector<double> default_parameters() const;
  std::optional<int> find_parameter(const std::string& name) const;
  std::optional<int> find_output(const std::string& name) const;
  std::optional<int> find_state(const std::string& name) const;

  // Runs the init kernel: fills derived parameters into `p` and returns y0.
  std::vector<double> initial_state(std::vector<double>& p, double t_start = 0.0) const;
  // u at the start, without infusions: every delay() sees its past from the initial values.
  std::vector<double> start_inputs(double t_start, const std::vector<double>& y,
                                   const std::vector<double>& p) const;
};

}  // namespace tolsim
