#!/usr/bin/python3
"""Calibrate the RA model against the published trials, or check how well it reproduces them.

The procedure (docs/calibration.md) is fixed by tools/data/calibration-ra.yaml: which trial specs to run, which model
parameters are free and in what range, and which published results the fit is currently known to reproduce. Every
run is reproducible: the trials have fixed seeds, and the same seeds are used for every parameter vector (common
random numbers). With `allocation: every_arm` in the config, each enrolled patient is treated in every arm of the
scratch copies of the trials, so a small parameter change cannot re-randomise the patients into other arms and the
objective is a smooth function of the parameters (docs/calibration.md measures how much rougher it is otherwise).

  tools/calibrate-ra.py evaluate            run the trials with the models as committed; print simulated vs published
  tools/calibrate-ra.py fit [--evals N] [--patients P]   Nelder-Mead on the free parameters; print the best vector and its table
  tools/calibrate-ra.py fit --apply         ... and write the best values into the model files
  tools/calibrate-ra.py check               exit 1 if a target listed under `reproduced:` is no longer met (the suite
                                            runs this; a newly met target is reported, not failed)

The targets are the published ACR20/50/70 proportions (`target_endpoints` in the config); other published results
(mean changes of pain, HAQ, CRP) are printed beside them but not scored. A target is *met* when |simulated - published| <= tolerance (7 percentage points, or the half-width of
the published 95% CI when that is wider), the rule of issue 4. `agrees` from summary.json (interval overlap) is also
printed. The objective is sum(((simulated - published) / max(se, 0.02))^2) over the targets, se from the published CI.

Needs /usr/bin/python3 with PyYAML and SciPy (Debian python3-yaml, python3-scipy) and a built tolsim.
"""
import argparse
import functools
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG = os.path.join(ROOT, "tools", "data", "calibration-ra.yaml")


VARIABILITY_FIELDS = ("cv", "sigma", "sd", "lower", "upper")


def parameter_span(text, name):
    """(start, end) of parameter `name`'s entry in a model file's text: its flow line or its indented block."""
    match = re.search(r"\n  %s:[ \t]*(\{[^\n]*|\n(?:    [^\n]*\n?|[ \t]*\n)+)" % re.escape(name), text)
    if not match:
        raise SystemExit(f"calibrate-ra: parameter '{name}' not found")
    return match.start(1), match.end(1)


def field_match(text, name, field):
    """The regex match of `field` of parameter `name`: `value`, or a number inside its flow-style `variability: {...}`
    (docs/model-format.md), so that a between-patient spread can be fitted like a typical value."""
    start, end = parameter_span(text, name)
    entry = text[start:end]
    if field == "value":
        match = re.search(r"(?:^\{|\{ *|, *|\n    )value: ([^,}\n]+)", entry)
    elif field in VARIABILITY_FIELDS:
        spread = re.search(r"variability: \{[^}]*\}", entry)
        if not spread:
            raise SystemExit(f"calibrate-ra: parameter '{name}' has no flow-style `variability: {{...}}` to fit "
                             f"`{field}` in")
        inner = re.search(r"[{ ,]%s: ([^,}]+)" % field, spread.group(0))
        if inner:
            offset = spread.start()
            return start + offset + inner.start(1), start + offset + inner.end(1), inner.group(1)
        match = None
    else:
        raise SystemExit(f"calibrate-ra: field '{field}' of '{name}' cannot be fitted; use value or one of "
                         f"{', '.join(VARIABILITY_FIELDS)}")
    if not match:
        raise SystemExit(f"calibrate-ra: parameter '{name}' has no `{field}` to fit")
    return start + match.start(1), start + match.end(1), match.group(1)


def set_parameter(text, name, value, field="value"):
    """Replaces the `value` (or a variability field such as `cv`) of parameter `name` in a model file's text."""
    begin, end, _ = field_match(text, name, field)
    return text[:begin] + repr(float(value)) + text[end:]


def get_parameter(text, name, field="value"):
    return float(field_match(text, name, field)[2])


def files_of(p):
    """The files a free parameter lives in: its model file, or every trial spec with an entry line."""
    return trial_files(ROOT) if is_spec_parameter(p) else [p["file"]]


def get_value(originals, p):
    if is_spec_parameter(p):
        found = entry_match(originals[files_of(p)[0]], p["name"])
        if not found:
            raise SystemExit(f"calibrate-ra: no `{p['name']}:` in the `fluctuation: entry:` line of the trials")
        return float(found[2])
    return get_parameter(originals[p["file"]], p["name"], field_of(p))


def field_of(p):
    """Which number of a free parameter's entry the fit moves: `value` unless the config names a variability field."""
    return p.get("field", "value")


def label(p):
    """How a free parameter is named in output: `name`, or `name.cv` for a variability field."""
    if is_spec_parameter(p):
        return f"entry.{p['name']}"
    field = field_of(p)
    return p["name"] if field == "value" else f"{p['name']}.{field}"


ENTRY_LINE = re.compile(r"(?m)^  entry: \{[^}\n]*\}")


def entry_match(text, name):
    """The regex match of `name` (excess, share, t_half) in the `fluctuation: entry: {...}` line of a trial spec
    (docs/trials.md, "Entry excess"): the trial-context parameters shared by every trial, fitted like model ones."""
    line = ENTRY_LINE.search(text)
    if not line:
        return None
    match = re.search(r"\b%s: ([^,}\n]+)" % re.escape(name), line.group(0))
    if not match:
        return None
    return line.start() + match.start(1), line.start() + match.end(1), match.group(1)


def is_spec_parameter(p):
    """A free parameter of the trial specs' common block (`spec: entry` in the config) rather than of a model file."""
    return p.get("spec") == "entry"


@functools.lru_cache(maxsize=None)
def trial_files(base):
    """Every trial spec under base/trials that has a `fluctuation: entry:` line, so one value reaches all of them.
    Read once per run: the fit asks for it at every evaluation, and the set of specs does not change."""
    out = []
    for name in sorted(os.listdir(os.path.join(base, "trials"))):
        path = os.path.join("trials", name)
        if name.endswith(".yaml"):
            with open(os.path.join(base, path)) as f:
                if ENTRY_LINE.search(f.read()):
                    out.append(path)
    return out


def set_spec_parameter(text, name, value):
    found = entry_match(text, name)
    if not found:
        raise SystemExit(f"calibrate-ra: no `{name}:` in a `fluctuation: entry:` line")
    return text[:found[0]] + repr(float(value)) + text[found[1]:]


def set_allocation(path, allocation):
    """Sets a trial spec's top-level `allocation` (docs/trials.md) in a scratch copy, replacing one that is there."""
    with open(path) as f:
        text = f.read()
    line = f"allocation: {allocation}\n"
    text, n = re.subn(r"(?m)^allocation:.*\n", line, text)
    if n == 0:
        text, n = re.subn(r"(?m)^population:", line + "population:", text, count=1)
    if n == 0:
        raise SystemExit(f"calibrate-ra: {path} has no top-level `population:` to put `allocation` before")
    with open(path, "w") as f:
        f.write(text)


class Workspace:
    """A scratch copy of models/ and trials/ in which parameters can be changed without touching the repository."""

    def __init__(self, config):
        self.dir = tempfile.mkdtemp(prefix="tolsim-calibrate-")
        shutil.copytree(os.path.join(ROOT, "models"), os.path.join(self.dir, "models"))
        shutil.copytree(os.path.join(ROOT, "trials"), os.path.join(self.dir, "trials"))
        if config.get("allocation"):
            for trial in config["trials"]:
                set_allocation(os.path.join(self.dir, trial), config["allocation"])
        self.config = config
        self.originals = {}
        for p in config["parameters"]:
            for path in files_of(p):
                with open(os.path.join(self.dir, path) if path.startswith("trials") else os.path.join(ROOT, path)) as f:
                    self.originals[path] = f.read()

    def set(self, values):
        texts = dict(self.originals)
        for p, v in zip(self.config["parameters"], values):
            for path in files_of(p):
                texts[path] = (set_spec_parameter(texts[path], p["name"], v) if is_spec_parameter(p)
                               else set_parameter(texts[path], p["name"], v, field_of(p)))
        for path, text in texts.items():
            with open(os.path.join(self.dir, path), "w") as f:
                f.write(text)

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def scaled(p, v):
    """A parameter value in the scale the fit moves it in (`scale: log` or linear)."""
    return math.log(v) if p.get("scale") == "log" else v


def unscaled(p, x):
    return math.exp(x) if p.get("scale") == "log" else x


def trial_name(path):
    return os.path.basename(path).replace(".yaml", "")


def reproduced_of(config, trials):
    """The `reproduced:` targets that belong to the named trials (a target key starts with its trial's name)."""
    return [k for k in config.get("reproduced", []) if k.split("/")[0] in trials]


def run_trials(base, config, tolsim, threads, patients=None):
    """Runs every trial; returns a list of comparison dicts (trial, arm, endpoint, visit, simulated, published...)."""
    out = []
    for trial in config["trials"]:
        folder = os.path.join(base, "out", trial_name(trial))
        cmd = [tolsim, "-q", "trial", os.path.join(base, trial), "--out", folder, "--force", "--no-report",
               "--threads", str(threads)] + (["--patients", str(patients)] if patients else [])
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(f"calibrate-ra: {trial} failed:\n{r.stderr}")
        with open(os.path.join(folder, "summary.json")) as f:
            summary = json.load(f)
        for c in summary["comparisons"]:
            c = dict(c)
            c["trial"] = trial_name(trial)
            out.append(c)
    return out


def tolerance(c, config):
    tol = config.get("tolerance", 0.07)
    if c.get("published_ci"):
        lo, hi = c["published_ci"]
        tol = max(tol, (hi - lo) / 2)
    return tol


def is_met(c, config):
    """The rule of issue 4: |simulated - published| within the tolerance (1e-12 absorbs rounding at the edge)."""
    return abs(c["simulated"] - c["published"]) <= tolerance(c, config) + 1e-12


def written(v):
    """A value as --apply writes it into a model file: 4 significant digits."""
    return float(f"{v:.4g}")


def key(c):
    return f"{c['trial']}/{c['arm']}/{c['endpoint']}/{c['visit']:g}"


def objective(comparisons):
    total = 0.0
    for c in comparisons:
        se = 0.02
        if c.get("published_ci"):
            se = max(se, (c["published_ci"][1] - c["published_ci"][0]) / (2 * 1.96))
        total += ((c["simulated"] - c["published"]) / se) ** 2
    return total


def is_target(c, config):
    """Response proportions are the calibration targets; other published results (mean changes) are shown only."""
    return c["endpoint"] in config.get("target_endpoints", ["acr20", "acr50", "acr70"])


def print_table(comparisons, config):
    print(f"{'published result':44} {'simulated':>9} {'published':>9} {'diff':>7} {'tol':>5}  met  agrees")
    met = targets = 0
    for c in comparisons:
        d = c["simulated"] - c["published"]
        if is_target(c, config):
            ok = is_met(c, config)
            met += ok
            targets += 1
            flag, tol = ("yes" if ok else "NO "), f"{tolerance(c, config):5.3f}"
        else:
            flag, tol = "-  ", "    -"
        print(f"{key(c):44} {c['simulated']:9.3f} {c['published']:9.3f} {d:+7.3f} {tol}  {flag}  "
              f"{'yes' if c['agrees'] else 'no'}")
    print(f"{met} of {targets} targets met; objective {objective([c for c in comparisons if is_target(c, config)]):.1f}")
    return met


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["evaluate", "fit", "check"])
    ap.add_argument("--evals", type=int, default=60, help="objective evaluations for fit (default 60)")
    ap.add_argument("--apply", action="store_true", help="write the fitted values into the model files")
    ap.add_argument("--tolsim", default=os.path.join(ROOT, "build", "bin", "tolsim"))
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--patients", type=int, help="patients per trial (default: `patients` in the config, else each "
                    "trial's own size)")
    ap.add_argument("--json", help="write the comparisons of the final evaluation to this file")
    ap.add_argument("--trials", help="comma-separated trial names (e.g. option,lithe) to run instead of all in the "
                    "config; `check` runs by default only the trials that hold a reproduced target")
    args = ap.parse_args()
    with open(CONFIG) as f:
        config = yaml.safe_load(f)
    # `fit: false` keeps a parameter on the list (it was free once, or may be again) without fitting it now.
    config["parameters"] = [p for p in config["parameters"] if p.get("fit", True)]
    names = [trial_name(t) for t in config["trials"]]
    if args.trials:
        wanted = [t.strip() for t in args.trials.split(",") if t.strip()]
        unknown = [t for t in wanted if t not in names]
        if unknown:
            raise SystemExit(f"calibrate-ra: unknown trial(s) {', '.join(unknown)}; the config has {', '.join(names)}")
        config["trials"] = [t for t in config["trials"] if trial_name(t) in wanted]
    elif args.mode == "check":
        config["trials"] = [t for t in config["trials"] if reproduced_of(config, {trial_name(t)})]
    if args.patients is None:
        args.patients = config.get("patients")
    if not os.access(args.tolsim, os.X_OK):
        raise SystemExit(f"calibrate-ra: no tolsim at {args.tolsim}; build first (make build)")

    ws = Workspace(config)
    try:
        start = [get_value(ws.originals, p) for p in config["parameters"]]
        if args.mode == "fit":
            from scipy.optimize import minimize

            # Each point is rounded to the 4 significant digits that --apply writes, so the applied models reproduce
            # the fitted table exactly. With randomised allocation this matters: one patient more or less crossing an
            # entry criterion re-randomises everyone enrolled after it, so even a change in the 5th digit moves ACR
            # rates by several points.
            def from_x(x):
                return [written(min(max(unscaled(p, xi), p["lower"]), p["upper"]))
                        for p, xi in zip(config["parameters"], x)]

            history = []

            def f(x):
                values = from_x(x)
                ws.set(values)
                obj = objective([c for c in run_trials(ws.dir, config, args.tolsim, args.threads, args.patients)
                                 if is_target(c, config)])
                history.append((obj, values))
                print(f"eval {len(history):3d}: objective {obj:9.1f}  " +
                      " ".join(f"{label(p)}={v:.4g}" for p, v in zip(config["parameters"], values)), flush=True)
                return obj

            # The first simplex steps a quarter of each parameter's range (in its own scale), not scipy's default 5%
            # of the start value: with a few dozen evaluations the small default barely leaves the start.
            x0 = [scaled(p, v) for p, v in zip(config["parameters"], start)]
            simplex = [x0]
            for i, p in enumerate(config["parameters"]):
                lo, hi = scaled(p, p["lower"]), scaled(p, p["upper"])
                step = 0.25 * (hi - lo)
                x = list(x0)
                x[i] = x0[i] + step if x0[i] + step <= hi else x0[i] - step
                simplex.append(x)
            minimize(f, x0, method="Nelder-Mead",
                     options={"maxfev": args.evals, "xatol": 1e-3, "fatol": 0.5, "initial_simplex": simplex})
            best = min(history, key=lambda h: h[0])[1]
            print("best: " + " ".join(f"{label(p)}={v:.4g}" for p, v in zip(config["parameters"], best)))
            values = best
        else:
            values = start
        ws.set(values)
        comparisons = run_trials(ws.dir, config, args.tolsim, args.threads, args.patients)
        print_table(comparisons, config)
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"parameters": {label(p): v for p, v in zip(config["parameters"], values)},
                           "comparisons": comparisons}, f, indent=1)
        if args.mode == "fit" and args.apply:
            paths = sorted({path for p in config["parameters"] for path in files_of(p)})
            for path in paths:
                with open(os.path.join(ROOT, path)) as f:
                    text = f.read()
                for p, v in zip(config["parameters"], values):
                    if path in files_of(p):
                        text = (set_spec_parameter(text, p["name"], written(v)) if is_spec_parameter(p)
                                else set_parameter(text, p["name"], written(v), field_of(p)))
                with open(os.path.join(ROOT, path), "w") as f:
                    f.write(text)
            print("applied to " + ", ".join(paths))
        if args.mode == "check":
            by_key = {key(c): c for c in comparisons}
            run = {trial_name(t) for t in config["trials"]}
            lost = []
            for k in reproduced_of(config, run):
                c = by_key.get(k)
                if c is None:
                    lost.append(f"{k}: no such comparison")
                elif not is_met(c, config):
                    lost.append(f"{k}: simulated {c['simulated']:.3f}, published {c['published']:.3f}")
            new = [key(c) for c in comparisons if is_target(c, config)
                   and key(c) not in config.get("reproduced", [])
                   and is_met(c, config)]
            for k in new:
                print(f"note: {k} is now met; add it to `reproduced:` in tools/data/calibration-ra.yaml")
            if lost:
                print("calibration regression (targets no longer met):\n  " + "\n  ".join(lost))
                return 1
            print(f"all {len(reproduced_of(config, run))} reproduced "
                  f"targets of {', '.join(sorted(run)) or 'no trial'} still met")
        return 0
    finally:
        ws.close()


if __name__ == "__main__":
    sys.exit(main())
