#!/usr/bin/python3
"""Helpers of bench/peers/run.sh: the parameter tables every tool reads, and the report.

    peers.py tables MODE MODEL WORK       writes WORK/fast.csv and WORK/slow.csv (nominal values: WORK/model.py), and
                                          WORK/floors.csv (each species' atol / rtol there: see largest_difference)
    peers.py report MODE WORK TOOL...     compares WORK/<tool>.csv with WORK/tolsim.csv and prints the timings

Single mode: every table row is the model's nominal patient, repeated so that each tool runs long enough to time
(fast tools 200 times, slow ones 3 times). Population mode: 1,000 virtual patients, with the model's own
between-patient variability on two parameters (lognormal, cv 0.3, seed 20261125); the slow tools run the first
patients only (see SLOW_PATIENTS) and their time is scaled to 1,000 patients, which the report says.

The tables name the varied parameters only, except for the models in ALL_PARAMETERS: there they name every parameter
of the exported script (compartment sizes and initial values included) with its value there, because the
hand-written version of the model (bench/peers/handwritten_ra_msc.cpp) holds no values of its own.
"""
import csv
import importlib.util
import math
import sys

import numpy as np

FAST_REPEATS, SLOW_REPEATS = 200, 3
PATIENTS = 1000
SLOW_PATIENTS = {"immune": 100, "ra-msc": 10}
# Two parameters that vary between patients in each model's file: Th17 death and antibody clearance in the immune
# example, Treg suppression and methotrexate polyglutamate kinetics in RA + MSC. Each is varied here lognormally with
# cv 0.3 around its value in the exported script.
VARIED = {
    "immune": ["d17", "CL"],
    "ra-msc": ["K_supp", "rx.k_MTX_PG"],
}
ALL_PARAMETERS = ("ra-msc",)
SLOW_TOOLS = ("scipy_lsoda", "scipy_bdf", "desolve")


def tables(mode, model, work, nominal):
    """nominal: the parameters to write, by name, with their values in the exported script."""
    names = list(nominal)
    if mode == "single":
        fast = [list(nominal.values())] * FAST_REPEATS
        slow = [list(nominal.values())] * SLOW_REPEATS
    else:
        rng = np.random.default_rng(20261125)
        sigma = math.sqrt(math.log(1.0 + 0.3**2))
        fast = []
        for _ in range(PATIENTS):
            factor = {name: math.exp(sigma * rng.standard_normal()) for name in VARIED[model]}
            fast.append([v * factor[name] if name in factor else v for name, v in nominal.items()])
        slow = fast[:SLOW_PATIENTS[model]]
    for name, rows in (("fast", fast), ("slow", slow)):
        with open(f"{work}/{name}.csv", "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(names)
            w.writerows([[repr(x) for x in row] for row in rows])


def read(path):
    """A tool's CSV: its column names after patient and time, the (patient, time) keys, and the values."""
    with open(path) as f:
        header = f.readline().strip().split(",")
    table = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    keys = list(zip(table[:, 0].astype(int).tolist(), table[:, 1].tolist()))
    return header[2:], keys, table[:, 2:]


def largest_difference(reference, other, floor):
    """Largest |a - b| / max(largest |a| of the column, floor of the column), over the species tolsim wrote and the
    rows both tools have; reference and other come from read(), floor maps a species to its floor.

    Scaling by the column's largest value, not by each value, is what the tolerances promise: a solver controls the
    error relative to the size of the solution, so near zero (a drug long after its dose, where tools without
    non-negativity constraints dip below zero) it is only held to its absolute tolerance. The floor is the species'
    absolute tolerance over the relative one (atol / rtol, 1e-6 in the species' unit at the defaults): below it the
    absolute tolerance, not the relative, bounds each step's error. It covers species that are all but absent at
    every output time, such as infused MSCs in blood hours after the infusion, where the tools differ by a few
    absolute tolerances."""
    names, keys, values = reference
    other_names, other_keys, other_values = other
    row_of = {key: i for i, key in enumerate(keys)}
    rows = [(i, row_of[key]) for i, key in enumerate(other_keys) if key in row_of]
    columns = [(names.index(c), j) for j, c in enumerate(other_names) if c in names]
    if not rows or not columns:
        return math.inf, "no rows or species in common"
    mine = np.array([i for i, _ in rows])
    theirs = np.array([r for _, r in rows])
    ref_columns = np.array([c for c, _ in columns])
    a = values[np.ix_(theirs, ref_columns)]
    b = other_values[np.ix_(mine, np.array([j for _, j in columns]))]
    scale = np.abs(a).max(axis=0)
    scale = np.maximum(scale, np.array([floor.get(names[c], min(floor.values())) for c in ref_columns]))
    d = np.abs(a - b) / scale
    worst = np.unravel_index(np.argmax(d), d.shape)
    key = keys[theirs[worst[0]]]
    return float(d[worst]), f"{names[ref_columns[worst[1]]]} at t = {key[1]} (patient {key[0]})"


def report(mode, work, tools):
    seconds = {}
    for tool in tools:
        with open(f"{work}/{tool}.time") as f:
            fields = dict(item.split("=") for item in f.read().split())
        seconds[tool] = float(fields["simulate_seconds"]) / int(fields["runs"])
    with open(f"{work}/floors.csv", newline="") as f:
        floor = {name: float(value) for name, value in list(csv.reader(f))[1:]}
    reference = read(f"{work}/tolsim.csv")
    print(f"{'tool':<14} {'runs':>6} {'s per run':>12} {'vs tolsim':>10}  largest difference from tolsim, relative to "
          "the species' largest value (at least atol / rtol)")
    worst_all = 0.0
    for tool in tools:
        table = reference if tool == "tolsim" else read(f"{work}/{tool}.csv")
        runs = len({patient for patient, _ in table[1]})
        if tool == "tolsim":
            note = "(reference)"
        else:
            d, where = largest_difference(reference, table, floor)
            worst_all = max(worst_all, d)
            note = f"{d:.2e}  {where}"
        print(f"{tool:<14} {runs:>6} {seconds[tool]:>12.6f} {seconds[tool] / seconds['tolsim']:>9.1f}x  {note}")
    if mode == "population":
        print(f"\n{PATIENTS} patients, seconds (tools marked * ran fewer patients; their time is scaled):")
        for tool in tools:
            star = "*" if tool in SLOW_TOOLS else " "
            print(f"  {tool:<14}{star} {seconds[tool] * PATIENTS:10.3f}")
    if worst_all > 1e-3:
        print(f"peers: the tools disagree: largest relative difference {worst_all:.2e} > 1e-3", file=sys.stderr)
        sys.exit(1)

    def ratio(a, b):
        return f"{seconds[a] / seconds[b]:.2f}" if a in seconds and b in seconds else "n/a"

    print(f"ratio tolsim/handwritten={ratio('tolsim', 'handwritten')} "
          f"scipy_lsoda/tolsim={ratio('scipy_lsoda', 'tolsim')} scipy_bdf/tolsim={ratio('scipy_bdf', 'tolsim')} "
          f"desolve/tolsim={ratio('desolve', 'tolsim')}")


if __name__ == "__main__":
    if sys.argv[1] == "tables":
        mode, model, work = sys.argv[2:5]
        spec = importlib.util.spec_from_file_location("exported", f"{work}/model.py")
        exported = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(exported)
        names = exported.PARAMETER_INDEX if model in ALL_PARAMETERS else VARIED[model]
        nominal = {name: exported.P0[exported.PARAMETER_INDEX[name]] for name in names}
        tables(mode, model, work, nominal)
        with open(f"{work}/floors.csv", "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["species", "floor"])
            w.writerows([name, repr(atol / exported.RTOL)] for name, atol in zip(exported.STATES, exported.ATOL))
    else:
        report(sys.argv[2], sys.argv[3], sys.argv[4:])
