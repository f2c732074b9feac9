#!/usr/bin/python3
"""Regenerate the typical-patient table of docs/models/ra.md.

The typical patient of models/ra.yaml (every parameter at its typical value) is left untreated for two years, then
given one regimen for 24 weeks. The first line is the untreated state at two years; the table gives the change of DAS28-CRP and the fractional improvement, in %, of
the tender and swollen joint counts, CRP, pain, patient and physician global and HAQ-DI (positive = better).

  tools/ra-typical-patient.py [--tolsim build/bin/tolsim] [--model models/ra.yaml]
  tools/ra-typical-patient.py --check docs/models/ra.md    exit 1 unless every table row is in that file

Each row is one `tolsim simulate` run, so the table is exactly what the committed model gives. The suite runs
`--check` (ctest tools.ra_typical_patient_table), so a model change that moves the table fails until the page is
regenerated.
"""
import argparse
import csv
import io
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
START, END = 730, 898  # days: two untreated years, then 24 weeks of treatment

REGIMENS = [
    ("placebo", f"target=rx.Placebo,amount=1 item,start={START}"),
    ("methotrexate 15 mg weekly", f"target=rx.MTX_gut,amount=15 mg,start={START},every=7 d,count=24"),
    ("adalimumab 40 mg every 2 weeks", f"target=rx.ADA_sc,amount=40 mg,start={START},every=14 d,count=12"),
    ("tocilizumab 8 mg/kg every 4 weeks",
     f"target=rx.TCZ_c,amount=8 mg/kg,start={START},every=28 d,count=6,duration=1 h"),
    ("prednisone 7.5 mg daily", f"target=rx.GC_gut,amount=7.5 mg,start={START},every=1 d,count=168"),
]
MEASURES = ["TJC28", "SJC28", "CRP", "Pain", "PtGA", "PhGA", "HAQ"]
STATE = ["DAS28_CRP", "DAS28_ESR", "CRP", "ESR", *MEASURES[:2], *MEASURES[3:], "RF", "ACPA", "Damage"]


def simulate(tolsim, model, dose):
    cmd = [tolsim, "simulate", model, "--dose", dose, "--t-end", str(END), "--times", f"{START},{END}",
           "--columns", *STATE]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"ra-typical-patient: {' '.join(cmd)} failed:\n{r.stderr}")
    before, after = list(csv.DictReader(io.StringIO(r.stdout)))
    return {k: float(v) for k, v in before.items()}, {k: float(v) for k, v in after.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tolsim", default=os.path.join(ROOT, "build", "bin", "tolsim"))
    ap.add_argument("--model", default=os.path.join(ROOT, "models", "ra.yaml"))
    ap.add_argument("--check", metavar="FILE", help="check that FILE contains every row of the table")
    args = ap.parse_args()
    rows, untreated = [], None
    for name, dose in REGIMENS:
        before, after = simulate(args.tolsim, args.model, dose)
        untreated = untreated or before  # the state at two years, the same in every run (doses start there)
        gains = [round(100 * (before[k] - after[k]) / before[k]) for k in MEASURES]
        cells = " | ".join(f"{g}".replace("-", "−") for g in gains)
        delta = f"{after['DAS28_CRP'] - before['DAS28_CRP']:+.2f}".replace("-", "−")
        rows.append(f"| {name} | {delta} | {cells} |")
    if args.check:
        with open(args.check) as f:
            lines = set(f.read().splitlines())
        stale = [r for r in rows if r not in lines]
        if stale:
            print(f"{args.check} is stale; regenerate it with tools/ra-typical-patient.py. Rows not found:\n  " +
                  "\n  ".join(stale))
            sys.exit(1)
        print(f"{args.check}: all {len(rows)} rows current")
        return
    print("untreated at two years: " + ", ".join(f"{k} {untreated[k]:.3g}" for k in STATE) + "\n")
    print("| regimen | ΔDAS28-CRP | " + " | ".join(["TJC", "SJC", "CRP", "pain", "PtGA", "PhGA", "HAQ"]) + " |")
    print("|---" * (2 + len(MEASURES)) + "|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
