// The Python (scipy solve_ivp) script: tables and kernels from ScriptData, around the fixed text of python_driver.cpp.
#include <fmt/format.h>

#include "drivers.hpp"
#include "script_data.hpp"

namespace tolsim::script::detail {

namespace {

std::string kernel_function(const std::string& name, const KernelText& k, int size, const std::string& result,
                            bool fills_delays = false) {
  std::string out = fmt::format("\n\ndef {}(t, y, p, u):\n", name);
  if (fills_delays) out += "    u = _with_delays(t, y, p, u)\n";
  for (const auto& line : k.assignments) out += fmt::format("    {}\n", line);
  bool in_order = static_cast<int>(k.outputs.size()) == size;
  for (std::size_t i = 0; in_order && i < k.outputs.size(); ++i)
    in_order = k.outputs[i].first == static_cast<std::int32_t>(i);
  if (in_order) {
    std::vector<std::string> values;
    for (const auto& [position, value] : k.outputs) values.push_back(value);
    out += "    out = [\n" + wrapped(values, "        ") + "    ]\n";
  } else {
    out += fmt::format("    out = [0.0] * {}\n", size);
    for (const auto& [position, value] : k.outputs) out += fmt::format("    out[{}] = {}\n", position, value);
  }
  return out + fmt::format("    return {}\n", result);
}

std::string numbers(const std::vector<double>& values) {
  std::vector<std::string> items;
  for (double v : values) items.push_back(number(Language::kPython, v));
  return items.empty() ? "[]" : "[\n" + wrapped(items, "    ") + "]";
}

// The relations of the triggers, their root functions, and the events with their kernels.
std::string events_python(const ScriptData& d) {
  std::string s = R"py(

# Event triggers are formulas over relations (operator, scheduled, time_sign), whose root functions g = lhs - rhs
# relations() computes. A scheduled relation compares time with a constant: g = time_sign * (t - crossing),
# and the run stops at its crossing instead of searching for a root.
)py";
  s += "RELATIONS = [\n";
  for (std::size_t k = 0; k < d.relations.size(); ++k)
    s += fmt::format("    (\"{}\", {}, {}),  # {}\n", relation_operator(d.relations[k].op),
                     bool_literal(Language::kPython, d.relations[k].scheduled),
                     number(Language::kPython, d.relations[k].time_sign), k);
  s += "]\n";
  s += fmt::format("MAX_EVENTS_PER_TIME = {}\n", d.max_events_per_time);
  const bool delays = !d.delays.empty();
  s += kernel_function("relations", d.relations_kernel, static_cast<int>(d.relations.size()), "out", delays);
  for (std::size_t e = 0; e < d.events.size(); ++e)
    s += kernel_function(fmt::format("event_kernel_{}", e), d.event_kernels[e],
                         2 + static_cast<int>(d.events[e].assignments.size()), "out", delays);
  s += R"py(

# An event: its trigger formula (terms[root]; each term is (kind, relation index, constant or child terms)), its
# attributes, its kernel (returning [delay, priority, value of each assignment]) and its assignments (state, and for a
# concentration the output holding its compartment's size, else None).
_Event = collections.namedtuple("_Event", "name terms root initial_value persistent values_at_trigger has_delay "
                                          "has_priority kernel assignments")
EVENTS = [
)py";
  for (std::size_t e = 0; e < d.events.size(); ++e) {
    const CompiledEvent& ev = d.events[e];
    const std::vector<std::string> terms = trigger_term_literals(Language::kPython, ev);
    std::vector<std::string> assignments;
    for (const EventAssignment& a : ev.assignments)
      assignments.push_back(fmt::format("({}, {})", a.state,
                                        a.mode == EventAssignment::Mode::kSetConcentration
                                            ? std::to_string(a.compartment_output)
                                            : "None"));
    s += fmt::format(
        "    _Event({}, [{}], {}, initial_value={}, persistent={}, values_at_trigger={}, has_delay={},\n"
        "           has_priority={}, kernel=event_kernel_{}, assignments=[{}]),\n",
        quoted(ev.name), fmt::join(terms, ", "), ev.root, bool_literal(Language::kPython, ev.initial_value),
        bool_literal(Language::kPython, ev.persistent),
        bool_literal(Language::kPython, ev.use_values_from_trigger_time),
        bool_literal(Language::kPython, ev.has_delay), bool_literal(Language::kPython, ev.has_priority), e,
        fmt::join(assignments, ", "));
  }
  return s + "]\n";
}

// The delay() calls: a table of their kernels, and the history they read (kPythonDelayDriver). Empty without delays.
std::string delays_python(const ScriptData& d) {
  if (d.delays.empty()) return "\n\nDELAYS = []\n_with_delays = None\n";
  std::string s;
  for (std::size_t k = 0; k < d.delays.size(); ++k) {
    s += kernel_function(fmt::format("delay_time_{}", k), d.delays[k].time, 1, "out");
    s += kernel_function(fmt::format("delay_value_{}", k), d.delays[k].value, 1, "out");
    s += kernel_function(fmt::format("delay_initial_{}", k), d.delays[k].initial, 1, "out");
  }
  s += R"py(

# Each delay(x, tau): the call, its kernels ([tau] now; [x] at the delayed time and state; [x] from the initial
# values, for delayed times before the start), whether x uses earlier delays (then taken at t - tau too), and whether
# tau is constant during a run. delay k's value is u[len(STATES) + k].
_Delay = collections.namedtuple("_Delay", "text time value initial nested constant_time")
DELAYS = [
)py";
  for (std::size_t k = 0; k < d.delays.size(); ++k)
    s += fmt::format("    _Delay({}, delay_time_{}, delay_value_{}, delay_initial_{}, {}, {}),\n",
                     d.delays[k].text, k, k, k, bool_literal(Language::kPython, d.delays[k].nested),
                     bool_literal(Language::kPython, d.delays[k].constant_time));
  return s + "]\n" + kPythonDelayDriver;
}

// The fast reaction: its kernel and the search for its equilibrium (kPythonFastDriver). FAST_REACTION is None without one.
std::string fast_python(const ScriptData& d) {
  if (!d.fast) return "\n\nFAST_REACTION = None\nFAST_RELATIONS = []\n";
  std::string s = kernel_function("fast_kernel", d.fast->kernel, 2 + d.n_states, "out", !d.delays.empty());
  s += fmt::format(
      "\n\n# The fast reaction, held at equilibrium: rhs() moves its species along its column at the rate "
      "that "
      "keeps its\n# rate g at 0; fast_kernel() gives [g, dg/dx, column]. Its rate's comparisons are the "
      "relations "
      "FAST_RELATIONS.\nFAST_REACTION = {}\nFAST_RELATIONS = [{}]\n",
      d.fast->name, fmt::join(d.fast->relations, ", "));
  return s + kPythonFastDriver;
}

}  // namespace

std::string python_script(const ScriptData& d) {
  std::string s =
      "#!/usr/bin/env python3\n# Generated by `tolsim export --format python`: a standalone scipy script.\n";
  for (const auto& line : d.header) s += "# " + line + "\n";
  s += R"py(#
# It integrates the equations that tolsim integrates: the model's compiled right-hand side, its analytic Jacobian,
# its initial values and its outputs, written out below as straight-line code (v<N> are shared subexpressions), with
# the scenario's parameter values, doses, output times and tolerances. It writes the CSV that `tolsim simulate`
# writes for the same model and scenario.
#
#     /usr/bin/python3 SCRIPT [--method LSODA|BDF|Radau] [--no-jacobian] [--out FILE.csv]
#                             [--parameters FILE.csv] [--timing]
#
# --parameters runs one simulation per row of a CSV whose header names parameters (a virtual population); the
# output then starts with a column `patient` (the row, from 1).
#
# A species that reactions change is stored in y as its amount, whatever unit its equations use; the outputs give
# every species in its declared unit. Unlike tolsim's CVODES run, scipy's solvers do not keep non-negative species
# from dipping below zero, and each solver controls its error in its own way, so results agree to about the
# tolerances, not to the last digit. Requires numpy and scipy (Debian: python3-scipy).
import argparse
import bisect
import collections
import csv
import functools
import math
import os
import sys
import time

import numpy as np
import scipy.integrate
from scipy.integrate import solve_ivp

)py";
  s += fmt::format("MODEL = {}\nTIME_UNIT = {}\n\n", d.model_name, d.time_unit);
  s += "# The state vector y.\nSTATES = [\n";
  for (std::size_t i = 0; i < d.states.size(); ++i)
    s += fmt::format("    {},  # y[{}]: {}\n", d.states[i].name, i, d.states[i].comment);
  s += "]\n# The parameter vector p, with the scenario's values. initial() computes the derived "
       "ones.\nPARAMETERS = [\n";
  for (std::size_t i = 0; i < d.parameters.size(); ++i)
    s += fmt::format("    ({}, {}),  # p[{}]: {}\n", d.parameters[i].name,
                     number(Language::kPython, d.parameters[i].value), i, d.parameters[i].comment);
  s += "]\n# The slots of p that initial() writes, in order.\n";
  s += fmt::format("DERIVED = [{}]\n", fmt::join(d.derived, ", "));
  s += "# Every output of the model; the CSV has the COLUMNS.\nOUTPUTS = [\n" + wrapped(d.outputs, "    ") +
       "]\n";
  s += fmt::format("COLUMNS = [{}]\n", fmt::join(d.columns, ", "));
  s += "# Doses, in the model's time unit and in each state's amount unit: (time, state, amount).\nBOLUSES = "
       "[\n";
  for (const auto& b : d.boluses)
    s += fmt::format("    ({}, {}, {}),\n", number(Language::kPython, b.time), b.state,
                     number(Language::kPython, b.amount));
  s += "]\n# Infusions: (start, end, state, amount per time unit).\nINFUSIONS = [\n";
  for (const auto& f : d.infusions)
    s += fmt::format("    ({}, {}, {}, {}),\n", number(Language::kPython, f.start),
                     number(Language::kPython, f.end), f.state, number(Language::kPython, f.rate));
  s += "]\n# States stored as a concentration, and the output that holds their compartment's size.\n";
  s += "CONCENTRATION_STATES = {";
  for (std::size_t i = 0; i < d.concentration_states.size(); ++i)
    s += fmt::format("{}{}: {}", i ? ", " : "", d.concentration_states[i].first,
                     d.concentration_states[i].second);
  s += "}\n";
  s += fmt::format("T_START = {}\nT_END = {}\n", number(Language::kPython, d.t_start),
                   number(Language::kPython, d.t_end));
  s += "TIMES = " + numbers(d.times) + "\n";
  s += fmt::format("RTOL = {}\n", number(Language::kPython, d.rtol));
  s += "# Absolute tolerance of each state, in its unit.\nATOL = " + numbers(d.atol) + "\n";
  s += fmt::format("MAX_STEP = {}\nFIRST_STEP = {}\nMAX_STEPS = {}\n",
                   d.max_step > 0 ? number(Language::kPython, d.max_step) : "math.inf",
                   number(Language::kPython, d.first_step), d.max_steps);
  s += kPythonHelpers;
  s += kernel_function("init_kernel", d.init, d.n_init_outputs, "out");
  const bool delays = !d.delays.empty();
  s += kernel_function("rhs", d.rhs, d.n_states, "out", delays);
  s += kernel_function("jacobian", d.jacobian, d.n_states * d.n_states,
                       fmt::format("np.array(out).reshape(({0}, {0}), order=\"F\")", d.n_states));
  s += kernel_function("outputs", d.outputs_kernel, d.n_outputs, "out", delays);
  s += events_python(d);
  s += delays_python(d);
  s += fast_python(d);
  s += kPythonDriver;
  return s;
}

}  // namespace tolsim::script::detail
