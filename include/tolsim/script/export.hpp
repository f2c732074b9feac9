// Standalone scripts for other tools: a model with one scenario as a Python (scipy solve_ivp) or R (deSolve)
// program (`tolsim export --format python|r`, docs/exports.md).
//
// The script integrates what tolsim integrates: the compiled right-hand side, analytic Jacobian, initial values and
// outputs (CompiledModel::program, written out line by line as Python or R), with the scenario's parameter values,
// doses, output times and tolerances. Running it writes the CSV that `tolsim simulate` writes for the same model and
// scenario, so that the two can be compared number by number.
//
// Like the generated C++ kernels, the kernel code holds only numbers, array indices and fixed operator text. Names
// from the model (states, parameters, outputs) appear only inside string literals, escaped, and in comments, with
// line breaks removed, so a model cannot inject code into the script.
#pragma once

#include <string>
#include <vector>

#include "tolsim/compile/compiled_model.hpp"
#include "tolsim/solve/simulation.hpp"

namespace tolsim::script {

enum class Language { kPython, kR };

// Parses "python" or "r"; throws UsageError otherwise.
Language parse_language(const std::string& text);

struct ScriptInfo {
  std::string model_file;     // shown in the script's header
  std::string scenario_file;  // "" when the scenario came from defaults or the command line only
  std::vector<int> columns;   // outputs to write (indices into CompiledModel::outputs)
};

// The script's text: every model tolsim compiles, with its events, delay() calls and fast reaction, which the
// scripts' drivers handle as tolsim's solver does.
std::string write_script(Language language, const CompiledModel& model, const SimulationSetup& setup,
                         const ScriptInfo& info);

}  // namespace tolsim::script
