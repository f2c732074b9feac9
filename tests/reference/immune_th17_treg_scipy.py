#!/usr/bin/python3
"""Independent reference solution of examples/immune-th17-treg.yaml with its scenario, by scipy.

The equations and numbers below are transcribed by hand from the model file and the scenario file; nothing here
comes from tolsim. scipy's Radau (implicit Runge-Kutta, order 5) integrates each stretch between dose
discontinuities with tight tolerances; the infusions are added as a constant input during each one-hour window.

    /usr/bin/python3 tests/reference/immune_th17_treg_scipy.py > tests/reference/data/immune-th17-treg.scipy.csv
    /usr/bin/python3 tests/reference/immune_th17_treg_scipy.py --check tests/reference/data/immune-th17-treg.scipy.csv

Requires Debian's python3-scipy (scipy 1.10).
"""
import sys

import numpy as np
from scipy.integrate import solve_ivp

# Parameters (examples/immune-th17-treg.yaml).
N, k17, d17, kreg, dreg = 1.0e5, 0.01, 0.047, 0.005, 0.047
EC50, n, Ki = 15.0, 2.0, 10.0
s6, k6, Ksupp, kdeg = 16.6, 0.05, 5000.0, 16.6
CL, V_serum, Kd = 0.3, 6.4, 0.1          # L/day, L, ug/mL

# Scenario (examples/immune-th17-treg.scenario.yaml): 8 mg/kg x 70 kg, 1 h infusions at days 0, 28, 56.
DOSE_MG = 8.0 * 70.0
INFUSION_DAYS = 1.0 / 24.0
STARTS = [0.0, 28.0, 56.0]
# Into serum (L): mg per L is ug/mL, so the concentration rises at DOSE_MG / V / duration ug/mL per day.
INFUSION_RATE = DOSE_MG / V_serum / INFUSION_DAYS


def rhs(t, y, infusing):
    th17, treg, il6, drug = y
    il6_signal = il6 * Kd / (Kd + drug)
    activation = il6_signal**n / (il6_signal**n + EC50**n)
    return [
        k17 * N * activation - d17 * th17,
        kreg * N * Ki / (Ki + il6_signal) - dreg * treg,
        s6 + k6 * th17 / (1.0 + treg / Ksupp) - kdeg * il6,
        -(CL / V_serum) * drug + (INFUSION_RATE if infusing else 0.0),
    ]


def solve():
    """Integrates stretch by stretch between dose edges; returns {output time: state}."""
    times = np.arange(0.0, 366.0, 1.0)
    y = np.array([18741.0, 2095.0, 40.8, 0.0])
    edges = sorted(set([0.0, 365.0] + STARTS + [s + INFUSION_DAYS for s in STARTS]))
    rows = {0.0: y.copy()}
    for a, b in zip(edges[:-1], edges[1:]):
        infusing = any(s <= a < s + INFUSION_DAYS for s in STARTS)
        # Evaluate at the output times inside (a, b] and always at b, where the next stretch starts.
        wanted = sorted(set([t for t in times if a < t <= b] + [b]))
        sol = solve_ivp(rhs, (a, b), y, method="Radau", t_eval=wanted, args=(infusing,),
                        rtol=1e-11, atol=[1e-9, 1e-9, 1e-12, 1e-14])
        if not sol.success:
            raise RuntimeError(sol.message)
        for k, t in enumerate(sol.t):
            if float(t) in set(map(float, times)):
                rows[float(t)] = sol.y[:, k].copy()
        y = sol.y[:, -1].copy()
    return times, rows


def main():
    times, rows = solve()
    lines = ["time,Th17,Treg,IL6,Drug,IL6_signal"]
    for t in times:
        th17, treg, il6, drug = rows[float(t)]
        lines.append(",".join(repr(float(v)) for v in (t, th17, treg, il6, drug, il6 * Kd / (Kd + drug))))
    text = "\n".join(lines) + "\n"
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        stored = np.loadtxt(sys.argv[2], delimiter=",", skiprows=1)
        fresh = np.loadtxt(text.splitlines()[1:], delimiter=",")
        worst = np.max(np.abs(stored - fresh) / (np.abs(stored) + 1e-300))
        print(f"largest relative difference from the stored reference: {worst:.3g}")
        sys.exit(0 if worst < 1e-8 else 1)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
