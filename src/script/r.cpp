// The R (deSolve) script: tables and kernels from ScriptData, around the fixed text of r_driver.cpp.
#include <fmt/format.h>

#include "drivers.hpp"
#include "script_data.hpp"

namespace tolsim::script::detail {

namespace {

std::string kernel_function(const std::string& name, const KernelText& k, int size, const std::string& result,
                            bool fills_delays = false) {
  std::string out = fmt::format("\n{} <- function(t, y, p, u) {{\n", name);
  if (fills_delays) out += "  u <- with_delays(t, y, p, u)\n";
  if (k.temporaries > 0) out += fmt::format("  v <- numeric({})\n", k.temporaries);
  for (const auto& line : k.assignments) out += fmt::format("  {}\n", line);
  bool in_order = static_cast<int>(k.outputs.size()) == size && size > 0;
  for (std::size_t i = 0; in_order && i < k.outputs.size(); ++i)
    in_order = k.outputs[i].first == static_cast<std::int32_t>(i);
  if (in_order) {
    std::vector<std::string> values;
    for (const auto& [position, value] : k.outputs) values.push_back(value);
    out += "  out <- c(\n" + wrapped(values, "    ") + "  )\n";
  } else {
    out += fmt::format("  out <- numeric({})\n", size);
    for (const auto& [position, value] : k.outputs)
      out += fmt::format("  out[{}] <- {}\n", position + 1, value);
  }
  return out + fmt::format("  {}\n}}\n", result);
}

std::string vector_of(const std::vector<std::string>& items) {
  return items.empty() ? "numeric(0)" : "c(\n" + wrapped(items, "  ") + ")";
}

template <typename T, typename F>
std::string column(const std::vector<T>& rows, F field) {
  std::vector<std::string> items;
  for (const auto& row : rows) items.push_back(field(row));
  return vector_of(items);
}

std::string num(double x) {
  return number(Language::kR, x);
}

// The relations of the triggers, their root functions, and the events with their kernels.
std::string events_r(const ScriptData& d) {
  std::string s = R"r(
# Event triggers are formulas over relations, whose root functions g = lhs - rhs relations() computes. A scheduled
# relation compares time with a constant: g = RELATION_SIGN * (t - crossing), and the run stops at its crossing
# instead of searching for a root.
)r";
  std::vector<std::string> ops, scheduled, signs;
  for (const Relation& r : d.relations) {
    ops.push_back(fmt::format("\"{}\"", relation_operator(r.op)));
    scheduled.push_back(bool_literal(Language::kR, r.scheduled));
    signs.push_back(num(r.time_sign));
  }
  s += "RELATION_OP <- " + (ops.empty() ? std::string("character(0)") : vector_of(ops)) + "\n";
  s += "RELATION_SCHEDULED <- " + (scheduled.empty() ? std::string("logical(0)") : vector_of(scheduled)) +
       "\n";
  s += "RELATION_SIGN <- " + vector_of(signs) + "\n";
  s += fmt::format("MAX_EVENTS_PER_TIME <- {}\n", d.max_events_per_time);
  const bool delays = !d.delays.empty();
  s += kernel_function("relations", d.relations_kernel, static_cast<int>(d.relations.size()), "out", delays);
  for (std::size_t e = 0; e < d.events.size(); ++e)
    s += kernel_function(fmt::format("event_kernel_{}", e + 1), d.event_kernels[e],
                         2 + static_cast<int>(d.events[e].assignments.size()), "out", delays);
  s += R"r(
# An event: its trigger formula (terms[[root]]; each term is list(kind, relation index, constant or child terms)),
# its attributes, its kernel (returning c(delay, priority, value of each assignment)) and its assignments (the states,
# and for a concentration the output holding its compartment's size, else NA).
EVENTS <- list(
)r";
  for (std::size_t e = 0; e < d.events.size(); ++e) {
    const CompiledEvent& ev = d.events[e];
    const std::vector<std::string> terms = trigger_term_literals(Language::kR, ev);
    std::vector<std::string> states, sizes;
    for (const EventAssignment& a : ev.assignments) {
      states.push_back(std::to_string(a.state));
      sizes.push_back(
          a.mode == EventAssignment::Mode::kSetConcentration ? std::to_string(a.compartment_output) : "NA");
    }
    s += fmt::format(
        "  list(name = {}, terms = list({}), root = {}, initial_value = {}, persistent = {},\n"
        "       values_at_trigger = {}, has_delay = {}, has_priority = {}, kernel = event_kernel_{},\n"
        "       assign_state = c({}), assign_size = c({})){}\n",
        quoted(ev.name), fmt::join(terms, ", "), ev.root, bool_literal(Language::kR, ev.initial_value),
        bool_literal(Language::kR, ev.persistent),
        bool_literal(Language::kR, ev.use_values_from_trigger_time), bool_literal(Language::kR, ev.has_delay),
        bool_literal(Language::kR, ev.has_priority), e + 1, fmt::join(states, ", "), fmt::join(sizes, ", "),
        e + 1 < d.events.size() ? "," : "");
  }
  return s + ")\n";
}

// The delay() calls: a table of their kernels, and the history they read (kRDelayDriver). Empty without delays.
std::string delays_r(const ScriptData& d) {
  if (d.delays.empty()) return "\nDELAYS <- list()\n";
  std::string s;
  for (std::size_t k = 0; k < d.delays.size(); ++k) {
    s += kernel_function(fmt::format("delay_time_{}", k + 1), d.delays[k].time, 1, "out");
    s += kernel_function(fmt::format("delay_value_{}", k + 1), d.delays[k].value, 1, "out");
    s += kernel_function(fmt::format("delay_initial_{}", k + 1), d.delays[k].initial, 1, "out");
  }
  s += R"r(
# Each delay(x, tau): the call, its kernels (c(tau) now; c(x) at the delayed time and state; c(x) from the initial
# values, for delayed times before the start), whether x uses earlier delays (then taken at t - tau too), and whether
# tau is constant during a run. delay k's value is u[N_STATES + k].
DELAYS <- list(
)r";
  for (std::size_t k = 0; k < d.delays.size(); ++k)
    s += fmt::format(
        "  list(text = {}, time = delay_time_{}, value = delay_value_{}, initial = delay_initial_{}, nested "
        "= {},\n"
        "       constant_time = {}){}\n",
        d.delays[k].text, k + 1, k + 1, k + 1, bool_literal(Language::kR, d.delays[k].nested),
        bool_literal(Language::kR, d.delays[k].constant_time), k + 1 < d.delays.size() ? "," : "");
  return s + ")\n" + kRDelayDriver;
}

// The fast reaction: its kernel and the search for its equilibrium (kRFastDriver). FAST_REACTION is NULL without one.
std::string fast_r(const ScriptData& d) {
  if (!d.fast) return "\nFAST_REACTION <- NULL\nFAST_RELATIONS <- integer(0)\n";
  std::string s = kernel_function("fast_kernel", d.fast->kernel, 2 + d.n_states, "out", !d.delays.empty());
  s += fmt::format(
      "\n# The fast reaction, held at equilibrium: rhs() moves its species along its column at the rate that "
      "keeps "
      "its rate\n# g at 0; fast_kernel() gives c(g, dg/dx, column). Its rate's comparisons are the relations "
      "FAST_RELATIONS.\nFAST_REACTION <- {}\nFAST_RELATIONS <- c({})\n",
      d.fast->name, fmt::join(d.fast->relations, ", "));
  return s + kRFastDriver;
}

}  // namespace

std::string r_script(const ScriptData& d) {
  std::string s =
      "#!/usr/bin/env Rscript\n# Generated by `tolsim export --format r`: a standalone deSolve script.\n";
  for (const auto& line : d.header) s += "# " + line + "\n";
  s += R"r(#
# It integrates the equations that tolsim integrates: the model's compiled right-hand side, its analytic Jacobian,
# its initial values and its outputs, written out below as straight-line code (v[k] are shared subexpressions), with
# the scenario's parameter values, doses, output times and tolerances. It writes the CSV that `tolsim simulate`
# writes for the same model and scenario.
#
#     Rscript SCRIPT [--method lsoda|bdf] [--no-jacobian] [--out FILE.csv] [--parameters FILE.csv] [--timing]
#
# --parameters runs one simulation per row of a CSV whose header names parameters (a virtual population); the
# output then starts with a column `patient` (the row, from 1). source() the script to use its functions without
# running it.
#
# A species that reactions change is stored in y as its amount, whatever unit its equations use; the outputs give
# every species in its declared unit. Unlike tolsim's CVODES run, deSolve's solvers do not keep non-negative species
# from dipping below zero, and each solver controls its error in its own way, so results agree to about the
# tolerances, not to the last digit. Requires deSolve (Debian: r-cran-desolve).
suppressPackageStartupMessages(library(deSolve))

)r";
  s += fmt::format("MODEL <- {}\nTIME_UNIT <- {}\n\n", d.model_name, d.time_unit);
  s += "# The state vector y.\nSTATES <- c(\n";
  for (std::size_t i = 0; i < d.states.size(); ++i)
    s += fmt::format("  {}{}  # y[{}]: {}\n", d.states[i].name, i + 1 < d.states.size() ? "," : "", i + 1,
                     d.states[i].comment);
  s += ")\n# The parameter vector p, with the scenario's values. initial() computes the derived ones.\n";
  s += "PARAMETERS <- c(\n";
  for (std::size_t i = 0; i < d.parameters.size(); ++i)
    s += fmt::format("  {} = {}{}  # p[{}]: {}\n", d.parameters[i].name, num(d.parameters[i].value),
                     i + 1 < d.parameters.size() ? "," : "", i + 1, d.parameters[i].comment);
  s += ")\n# The slots of p that initial() writes, in order.\n";
  s += fmt::format("DERIVED <- c({})\n", fmt::join(d.derived, ", "));
  s += "# Every output of the model; the CSV has the COLUMNS.\nOUTPUTS <- " + vector_of(d.outputs) + "\n";
  s += fmt::format("COLUMNS <- c({})\n", fmt::join(d.columns, ", "));
  s += "# Doses, in the model's time unit and in each state's amount unit.\n";
  s += "BOLUS_TIME <- " + column(d.boluses, [](const Bolus& b) { return num(b.time); }) + "\n";
  s += "BOLUS_STATE <- " + column(d.boluses, [](const Bolus& b) { return std::to_string(b.state); }) + "\n";
  s += "BOLUS_AMOUNT <- " + column(d.boluses, [](const Bolus& b) { return num(b.amount); }) + "\n";
  s += "# Infusions: amount per time unit from start to end.\n";
  s += "INFUSION_START <- " + column(d.infusions, [](const Infusion& f) { return num(f.start); }) + "\n";
  s += "INFUSION_END <- " + column(d.infusions, [](const Infusion& f) { return num(f.end); }) + "\n";
  s += "INFUSION_STATE <- " + column(d.infusions, [](const Infusion& f) { return std::to_string(f.state); }) +
       "\n";
  s += "INFUSION_RATE <- " + column(d.infusions, [](const Infusion& f) { return num(f.rate); }) + "\n";
  s += "# States stored as a concentration, and the output that holds their compartment's size.\n";
  s += "CONCENTRATION_STATE <- " +
       column(d.concentration_states, [](const auto& c) { return std::to_string(c.first); }) + "\n";
  s += "CONCENTRATION_OUTPUT <- " +
       column(d.concentration_states, [](const auto& c) { return std::to_string(c.second); }) + "\n";
  s += fmt::format("T_START <- {}\nT_END <- {}\n", num(d.t_start), num(d.t_end));
  s += "TIMES <- " + column(d.times, [](double x) { return num(x); }) + "\n";
  s += fmt::format("RTOL <- {}\n", num(d.rtol));
  s += "# Absolute tolerance of each state, in its unit.\nATOL <- " +
       column(d.atol, [](double x) { return num(x); }) + "\n";
  s += fmt::format(
      "MAX_STEP <- {}  # 0: unlimited\nFIRST_STEP <- {}  # 0: the solver chooses\nMAX_STEPS <- {}\n",
      num(d.max_step), num(d.first_step), d.max_steps);
  s += kRHelpers;
  s += kernel_function("init_kernel", d.init, d.n_init_outputs, "out");
  const bool delays = !d.delays.empty();
  s += kernel_function("rhs", d.rhs, d.n_states, "out", delays);
  s += kernel_function("jacobian", d.jacobian, d.n_states * d.n_states, "out");
  s += kernel_function("outputs", d.outputs_kernel, d.n_outputs, "out", delays);
  s += events_r(d);
  s += delays_r(d);
  s += fast_r(d);
  s += kRDriver;
  return s;
}

}  // namespace tolsim::script::detail
