// The parts of an exported script (include/tolsim/script/export.hpp), gathered once and rendered per language.
//
// Kernel schedules (expr::Schedule) become straight-line Python or R: the part of a script that holds the
// equations. Each non-leaf node becomes one assignment to a temporary (`v<id>` in Python, `v[k]` in R); leaves (numbers, t, y[i], p[i], u[i])
// are written in place where they are used.
//
// Every operation mirrors expr::detail::apply (src/expr/scalar_ops.hpp), as the C++ code generator does, so that a
// script computes what tolsim's kernels compute, including at the edges where Python's math module raises and C
// returns an infinity or NaN: division by zero, pow and log outside their domains, overflow, NaN in comparisons.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tolsim/compile/compiled_model.hpp"
#include "tolsim/expr/graph.hpp"
#include "tolsim/expr/kernel.hpp"
#include "tolsim/script/export.hpp"
#include "tolsim/solve/simulation.hpp"

namespace tolsim::script::detail {

struct KernelText {
  std::vector<std::string> assignments;  // "v12 = y[3] * p[5]" (Python) or "v12 <- y[4] * p[6]" (R)
  std::vector<std::pair<std::int32_t, std::string>> outputs;  // 0-based position in `out`, value text
  std::int32_t zero_fill = 0;
  int temporaries = 0;  // R keeps them in one vector, v[1..temporaries]
};

KernelText kernel_text(Language language, const expr::Graph& graph, const expr::KernelSpec& spec);

// A number as a literal of the language that reads back to the same double: shortest round-trip digits, a decimal
// point in Python (so that arithmetic stays in floats), negative numbers in parentheses.
std::string number(Language language, double value);

// A text that is safe inside a quoted string literal of both languages, and inside a comment: control characters
// become spaces, backslashes and double quotes are escaped.
std::string quoted(const std::string& text);
std::string comment_safe(const std::string& text);

// One line of a table in the script: a name (as a quoted literal) and a comment.
struct Entry {
  std::string name;     // quoted(...)
  std::string comment;  // comment_safe(...)
  double value = 0.0;   // parameters only
};

// Everything a script holds, in the language's own indexing (0-based for Python, 1-based for R): the renderers
// only lay it out.
struct ScriptData {
  Language language = Language::kPython;
  std::vector<std::string> header;  // comment lines, safe
  std::string model_name;           // quoted
  std::string time_unit;            // quoted
  std::vector<Entry> states;
  std::vector<Entry> parameters;
  std::vector<int> derived;          // parameter slots the init kernel writes after the states
  std::vector<std::string> outputs;  // quoted names
  std::vector<int> columns;
  std::vector<Bolus> boluses;                             // state indices in the language's indexing
  std::vector<Infusion> infusions;                        // likewise
  std::vector<std::pair<int, int>> concentration_states;  // state -> output holding its compartment size
  double t_start = 0.0, t_end = 0.0;
  std::vector<double> times;
  double rtol = 0.0;
  std::vector<double> atol;
  double max_step = 0.0;    // 0: unlimited
  double first_step = 0.0;  // 0: the solver chooses
  long max_steps = 0;
  KernelText init, rhs, jacobian, outputs_kernel;
  // Events. Relation, term, state and output indices are in the language's indexing; event_kernels[e] outputs
  // [delay, priority, value of assignment 1, 2, ...] as CompiledEvent::kernel does.
  std::vector<Relation> relations;
  KernelText relations_kernel;  // outputs g = lhs - rhs of every relation
  std::vector<CompiledEvent> events;
  std::vector<KernelText> event_kernels;
  // delay(x, tau) calls, in CompiledModel::delays order (see CompiledDelay): u[n_states + k] holds delay k's value.
  struct Delay {
    std::string text;     // the call as written, quoted
    KernelText time;      // [tau] at (t, y)
    KernelText value;     // [x] at (t - tau, y(t - tau))
    KernelText initial;   // [x] from the initial values, for t - tau before the start
    bool nested = false;  // x uses earlier delays, which are then taken at t - tau too
    bool constant_time = false;
  };
  std::vector<Delay> delays;
  // SBML's fast reaction (see CompiledFastReaction): its kernel outputs [g, g', column] at (t, y), and the relations
  // of its rate's comparisons (in the language's indexing), where its equilibrium switches branch.
  struct Fast {
    std::string name;  // quoted
    KernelText kernel;
    std::vector<int> relations;
  };
  std::optional<Fast> fast;
  int max_events_per_time = 0;
  int n_states = 0;
  int n_init_outputs = 0;
  int n_outputs = 0;
};

// A boolean literal of the language: True/False in Python, TRUE/FALSE in R.
const char* bool_literal(Language language, bool value);

// The comparison of a trigger relation as the scripts write it: ">", ">=", "<", "<=", "==" or "!=".
const char* relation_operator(expr::Op op);
// The kind of a trigger term as the scripts name it: "relation", "constant", "and", "or", "xor" or "not".
const char* trigger_term_kind(TriggerTerm::Kind kind);
// Each term of an event's trigger formula as a literal of the language, its indices as they are in `event`:
// ("and", (1, 2)) in Python, list("and", c(1, 2)) in R.
std::vector<std::string> trigger_term_literals(Language language, const CompiledEvent& event);

// A list of literals wrapped into lines of at most about `width` characters, each line starting with `indent`.
std::string wrapped(const std::vector<std::string>& items, const std::string& indent,
                    std::size_t width = 110);

std::string python_script(const ScriptData& data);
std::string r_script(const ScriptData& data);

}  // namespace tolsim::script::detail
