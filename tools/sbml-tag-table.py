#!/usr/bin/python3
"""Tables for docs/sbml.md from one run of `tolsim sbml-suite --verbose`.

Usage:
  tolsim sbml-suite CASES --verbose > suite.log
  tools/sbml-tag-table.py CASES suite.log

Prints the status table (all cases, TimeCourse cases, and the TimeCourse cases of issue 5's 100% target) and the
support per component or test tag, each with passed, failed and skipped counts.
"""
import collections
import pathlib
import re
import sys

EXCLUDED_FROM_TARGET = {"AlgebraicRule", "FastReaction", "CSymbolDelay"}


def read_tags(path):
    tags, test_type, packages = [], "", []
    for line in path.read_text().splitlines():
        key, _, value = line.partition(":")
        items = [t.strip() for t in value.split(",") if t.strip()]
        if key.strip() in ("componentTags", "testTags"):
            tags += [t for t in items if re.fullmatch(r"[A-Za-z0-9_:-]+", t)]  # not a run-in next line
        elif key.strip() == "testType":
            test_type = value.strip()
        elif key.strip() == "packagesPresent" and all(" " not in t for t in items):
            packages = items  # some cases run their synopsis into this line; that is no package list
    return tags, test_type, packages


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    cases, log = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    outcome = {}
    for line in log.read_text().splitlines():
        m = re.match(r"^(\d{5}) (passed|failed|skipped)", line)
        if m:
            outcome[m.group(1)] = m.group(2)
    if not outcome:
        sys.exit(f"{log}: no case lines; run the suite with --verbose")
    sets = collections.OrderedDict((k, collections.Counter()) for k in ("all", "timecourse", "target"))
    per_tag = collections.defaultdict(collections.Counter)
    for name, result in outcome.items():
        tags, test_type, packages = read_tags(cases / name / f"{name}-tags.txt")
        sets["all"][result] += 1
        if test_type == "TimeCourse":
            sets["timecourse"][result] += 1
            if not packages and not EXCLUDED_FROM_TARGET.intersection(tags):
                sets["target"][result] += 1
        for tag in set(tags + [f"package:{p}" for p in packages]):
            per_tag[tag][result] += 1
    labels = {
        "all": "all semantic cases here",
        "timecourse": "TimeCourse cases (issue target: ≥ 95% pass)",
        "target": "TimeCourse without AlgebraicRule, FastReaction, CSymbolDelay or a package (issue target: 100%)",
    }
    print("| set | cases | passed | failed | skipped |")
    print("|---|---:|---:|---:|---:|")
    for key, c in sets.items():
        n = sum(c.values())
        share = f" ({100.0 * c['passed'] / n:.1f}%)" if key != "all" and n else ""
        print(f"| {labels[key]} | {n} | {c['passed']}{share} | {c['failed']} | {c['skipped']} |")
    print()
    print("| tag | cases | passed | failed | skipped |")
    print("|---|---:|---:|---:|---:|")
    for tag, c in sorted(per_tag.items(), key=lambda kv: (-sum(kv[1].values()), kv[0])):
        print(f"| {tag} | {sum(c.values())} | {c['passed']} | {c['failed']} | {c['skipped']} |")


if __name__ == "__main__":
    main()
