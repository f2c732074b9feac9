// The model compiler: from the IR to a CompiledModel (layout + kernels).
//
// Every equation is lowered into one hash-consed expression graph: assignment rules and user functions are
// inlined, species concentrations become amount / compartment size, the right-hand side sums reaction rates by
// stoichiometry, and the Jacobian is the symbolic derivative of the right-hand side, sharing its subexpressions.
// The graph then becomes kernels: native code (generated C++ compiled once and cached by content hash) or, when no
// compiler is available or it is not wanted, the interpreter, which runs the same schedule.
#pragma once

#include <string>

#include "tolsim/compile/compiled_model.hpp"
#include "tolsim/expr/kernel.hpp"
#include "tolsim/model/ir.hpp"

namespace tolsim {

struct CompileOptions {
  enum class Backend {
    kAuto,         // native code when a C++ compiler works, else the interpreter (with a note)
    kNative,       // native code or an error
    kInterpreter,  // never run a compiler
  };
  Backend backend = Backend::kAuto;
  expr::NativeOptions native;
};

// Parses "auto", "native" or "interpreter"; throws UsageError otherwise.
CompileOptions::Backend parse_backend(const std::string& text);

struct CompileReport {
  std::string backend;  // "native" or "interpreter"
  std::string message;  // where the native library came from, or why the interpreter is used
  int graph_nodes = 0;
};

// Throws ModelError if the model cannot be compiled (it should have been validated), and std::runtime_error when
// the native backend was required and failed.
CompiledModel compile_model(const model::Model& model, const CompileOptions& options = {},
                            CompileReport* report = nullptr);

// Initial values and start-time constants that compute to NaN or infinity, or to a negative value for a quantity
// that may not go negative, with the given parameters (default: the model's own). One error per quantity.
Diagnostics initial_value_problems(const CompiledModel& model, const std::vector<double>& parameters = {});

}  // namespace tolsim
