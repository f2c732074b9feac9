// The Python (scipy solve_ivp) script: tables and kernels from ScriptData, then a fixed driver.
#include <fmt/format.h>

#include "script_data.hpp"

namespace tolsim::script::detail {

namespace {

// Python's math module raises where C returns an infinity or NaN; these helpers return what C (and so tolsim's
// kernels) would: numpy's IEEE arithmetic is the fallback, with its warnings silenced.
constexpr const char* kHelpers = R"py(
np.seterr(all="ignore")


def _unary(fast, ieee):
    def function(x):
        try:
            return fast(x)
        except (ValueError, OverflowError):
            return float(ieee(np.float64(x)))
    return function


_exp = _unary(math.exp, np.exp)
_log = _unary(math.log, np.log)
_log10 = _unary(math.log10, np.log10)
_sqrt = _unary(math.sqrt, np.sqrt)
_sin = _unary(math.sin, np.sin)
_cos = _unary(math.cos, np.cos)
_tan = _unary(math.tan, np.tan)
_asin = _unary(math.asin, np.arcsin)
_acos = _unary(math.acos, np.arccos)
_sinh = _unary(math.sinh, np.sinh)
_cosh = _unary(math.cosh, np.cosh)
_floor = _unary(lambda x: float(math.floor(x)), np.floor)
_ceil = _unary(lambda x: float(math.ceil(x)), np.ceil)


def _pow(a, b):
    try:
        return math.pow(a, b)
    except (ValueError, OverflowError):
        return float(np.power(np.float64(a), np.float64(b)))


def _div(a, b):
    return float(np.float64(a) / np.float64(b))


def _gamma(x):
    try:
        return math.gamma(x)
    except (ValueError, OverflowError):
        if x == 0.0:
            return math.copysign(math.inf, x)
        return math.inf if x > 0.0 else math.nan


# min and max as tolsim computes them: NaN propagates, and min(+0, -0) is -0 in either order.
def _min(a, b):
    if a < b:
        return a
    if b < a:
        return b
    if a == b:
        return a if math.copysign(1.0, a) < 0.0 else b
    return a + b


def _max(a, b):
    if a > b:
        return a
    if b > a:
        return b
    if a == b:
        return b if math.copysign(1.0, a) < 0.0 else a
    return a + b
)py";

constexpr const char* kDriver = R"py(

P0 = [value for _, value in PARAMETERS]
PARAMETER_INDEX = {name: i for i, (name, _) in enumerate(PARAMETERS)}


def initial(t, p):
    """The state at t; writes the derived parameters into p."""
    n = len(STATES)
    values = init_kernel(t, [0.0] * n, p, [0.0] * n)
    for k, slot in enumerate(DERIVED):
        p[slot] = values[n + k]
    return values[:n]


def _state_units(t, y, p, u, state, amount):
    """A dose in the state's own unit: a state stored as a concentration receives amount / compartment size."""
    if state not in CONCENTRATION_STATES:
        return amount
    size = outputs(t, y, p, u)[CONCENTRATION_STATES[state]]
    if not (size > 0.0 and math.isfinite(size)):
        raise RuntimeError(f"cannot dose '{STATES[state]}' at t = {t}: the size of its compartment is {size}")
    return amount / size


def _apply_doses(t, y, p, u, active):
    """Boluses at t are added to y; infusions starting or ending at t change the input. Returns the input."""
    changed = False
    for i, (start, end, state, rate) in enumerate(INFUSIONS):
        if not end > start:
            continue
        if end == t:
            active.pop(i, None)
            changed = True
        elif start == t:
            active[i] = (state, _state_units(t, y, p, u, state, rate))
            changed = True
    if changed:
        u = [0.0] * len(STATES)
        for state, rate in active.values():
            u[state] += rate
    for when, state, amount in BOLUSES:
        if when == t:
            y[state] += _state_units(t, y, p, u, state, amount)
    return u


def simulate(p=None, method="LSODA", use_jacobian=True):
    """Rows [t, column values...] at TIMES. Integrates stretch by stretch between dose times, so that each dose is
    a discontinuity the solver starts afresh from. Raises RuntimeError if the solver fails."""
    p = list(P0 if p is None else p)
    n = len(STATES)
    y = initial(T_START, p)
    u = [0.0] * n
    active = {}
    rows = []
    k = 0

    def record(t, y):
        values = outputs(t, y, p, u)
        rows.append([t] + [values[c] for c in COLUMNS])

    options = {"method": method, "rtol": RTOL, "atol": ATOL, "max_step": MAX_STEP}
    if FIRST_STEP > 0.0:
        options["first_step"] = FIRST_STEP
    edges = {T_END} | {b[0] for b in BOLUSES} | {f[0] for f in INFUSIONS} | {f[1] for f in INFUSIONS}
    stops = sorted(s for s in edges if T_START < s <= T_END)
    t = T_START
    u = _apply_doses(t, y, p, u, active)
    while k < len(TIMES) and TIMES[k] <= t:
        record(TIMES[k], y)
        k += 1
    for stop in stops:
        wanted = []
        while k < len(TIMES) and TIMES[k] < stop:
            wanted.append(TIMES[k])
            k += 1
        if use_jacobian:
            options["jac"] = lambda s, x: jacobian(s, x.tolist(), p, u)
        solution = solve_ivp(lambda s, x: rhs(s, x.tolist(), p, u), (t, stop), y, t_eval=wanted + [stop],
                             **options)
        if solution.status != 0:
            raise RuntimeError(f"{method} failed between t = {t} and {stop}: {solution.message}")
        for j, when in enumerate(wanted):
            record(when, solution.y[:, j].tolist())
        y = solution.y[:, -1].tolist()
        t = stop
        u = _apply_doses(t, y, p, u, active)
        while k < len(TIMES) and TIMES[k] <= t:
            record(TIMES[k], y)
            k += 1
    return rows


def read_parameters(path):
    """One parameter vector per row of a CSV whose header names parameters; the others keep their values."""
    with open(path, newline="") as f:
        table = list(csv.reader(f))
    if not table:
        raise ValueError(f"{path}:1: error: empty file; expected a header of parameter names")
    header = [name.strip() for name in table[0]]
    for name in header:
        if name not in PARAMETER_INDEX:
            raise ValueError(f"{path}:1: error: '{name}' is not a parameter of {MODEL}")
        if PARAMETER_INDEX[name] in DERIVED:
            raise ValueError(f"{path}:1: error: '{name}' is computed from other values and cannot be set")
    patients = []
    for line, row in enumerate(table[1:], start=2):
        if not row:
            continue
        if len(row) != len(header):
            raise ValueError(f"{path}:{line}: error: {len(row)} values for {len(header)} names")
        p = list(P0)
        for name, text in zip(header, row):
            try:
                p[PARAMETER_INDEX[name]] = float(text)
            except ValueError:
                raise ValueError(f"{path}:{line}: error: '{text}' for {name} is not a number") from None
        patients.append(p)
    return patients


def write_csv(path, results, population):
    """The CSV of `tolsim simulate` (with a first column `patient` for a population), written whole or not at
    all."""
    lines = [",".join((["patient"] if population else []) + ["time"] + [OUTPUTS[c] for c in COLUMNS])]
    for number, rows in enumerate(results, start=1):
        for row in rows:
            lines.append(",".join(([str(number)] if population else []) + [repr(float(x)) for x in row]))
    text = "\n".join(lines) + "\n"
    if path is None:
        sys.stdout.write(text)
        return
    temporary = path + ".tmp"
    with open(temporary, "w") as f:
        f.write(text)
    os.replace(temporary, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=f"Simulate {MODEL} (exported by tolsim) with scipy solve_ivp.")
    parser.add_argument("--method", default="LSODA", choices=["LSODA", "BDF", "Radau"],
                        help="scipy solver (default: LSODA)")
    parser.add_argument("--no-jacobian", action="store_true",
                        help="let the solver approximate the Jacobian by finite differences")
    parser.add_argument("--out", help="CSV file to write (default: standard output)")
    parser.add_argument("--parameters", help="CSV of parameter values, one simulation per row")
    parser.add_argument("--timing", action="store_true",
                        help="print the wall time of the simulations (not of start-up) to standard error")
    args = parser.parse_args(argv)
    try:
        patients = read_parameters(args.parameters) if args.parameters else [None]
    except (OSError, ValueError) as e:
        print(e, file=sys.stderr)
        return 2
    started = time.perf_counter()
    try:
        results = [simulate(p, args.method, not args.no_jacobian) for p in patients]
    except RuntimeError as e:
        print(f"error: {e}", file=sys.stderr)
        return 3
    elapsed = time.perf_counter() - started
    if args.timing:
        print(f"simulate_seconds={elapsed:.6f} runs={len(results)}", file=sys.stderr)
    write_csv(args.out, results, args.parameters is not None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
)py";

std::string kernel_function(const std::string& name, const KernelText& k, int size,
                            const std::string& result) {
  std::string out = fmt::format("\n\ndef {}(t, y, p, u):\n", name);
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
import csv
import math
import os
import sys
import time

import numpy as np
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
  s += fmt::format("MAX_STEP = {}\nFIRST_STEP = {}\n",
                   d.max_step > 0 ? number(Language::kPython, d.max_step) : "math.inf",
                   number(Language::kPython, d.first_step));
  s += kHelpers;
  s += kernel_function("init_kernel", d.init, d.n_init_outputs, "out");
  s += kernel_function("rhs", d.rhs, d.n_states, "out");
  s += kernel_function("jacobian", d.jacobian, d.n_states * d.n_states,
                       fmt::format("np.array(out).reshape(({0}, {0}), order=\"F\")", d.n_states));
  s += kernel_function("outputs", d.outputs_kernel, d.n_outputs, "out");
  s += kDriver;
  return s;
}

}  // namespace tolsim::script::detail
