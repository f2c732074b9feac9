#!/usr/bin/python3
"""Unit tests of the text edits tools/calibrate-ra.py makes to model files and trial specs.

The fit moves a parameter's typical `value` or a number of its between-patient `variability` (docs/calibration.md).
The expected texts below are written by hand from the model format (docs/model-format.md): each edit must change
exactly one number and leave every other character of the file as it was. The trial-context numbers of a spec's
`fluctuation: entry:` line (docs/trials.md) are edited the same way.
"""
import importlib.util
import os
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_spec = importlib.util.spec_from_file_location("calibrate_ra", os.path.join(ROOT, "tools", "calibrate-ra.py"))
calibrate_ra = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(calibrate_ra)

MODEL = """parameters:
  k: {value: 0.5, unit: 1/day, source: "assumption: prefix of k_long, must not be confused with it"}
  k_long: {variability: {distribution: lognormal, cv: 0.5}, value: 4, unit: 1/day, source: "assumption: x"}
  shift:
    value: 100
    unit: "1"
    source: "assumption: block style, prior bounds before the variability bounds"
    prior: {lower: 1, upper: 3000, scale: log}
    variability: {distribution: normal, sd: 0.1, lower: 0, upper: 0.5}
  plain:
    value: 7
    unit: "1"
    source: "assumption: no variability"
species:
  X: {compartment: c, initial: 1}
"""


class FieldEdits(unittest.TestCase):
    def test_reads_values_and_variability_fields(self):
        self.assertEqual(calibrate_ra.get_parameter(MODEL, "k"), 0.5)
        self.assertEqual(calibrate_ra.get_parameter(MODEL, "k_long"), 4.0)
        self.assertEqual(calibrate_ra.get_parameter(MODEL, "k_long", "cv"), 0.5)
        self.assertEqual(calibrate_ra.get_parameter(MODEL, "shift"), 100.0)
        self.assertEqual(calibrate_ra.get_parameter(MODEL, "shift", "sd"), 0.1)
        # `lower` is read from the variability, not from the prior written before it
        self.assertEqual(calibrate_ra.get_parameter(MODEL, "shift", "lower"), 0.0)
        self.assertEqual(calibrate_ra.get_parameter(MODEL, "shift", "upper"), 0.5)

    def test_flow_style_cv_edit_changes_only_that_number(self):
        edited = calibrate_ra.set_parameter(MODEL, "k_long", 0.9, "cv")
        self.assertEqual(edited, MODEL.replace("cv: 0.5}", "cv: 0.9}"))
        edited = calibrate_ra.set_parameter(MODEL, "k_long", 6, "value")
        self.assertEqual(edited, MODEL.replace("0.5}, value: 4,", "0.5}, value: 6.0,"))

    def test_prefix_name_is_not_confused(self):
        edited = calibrate_ra.set_parameter(MODEL, "k", 0.25)
        self.assertEqual(edited, MODEL.replace("k: {value: 0.5,", "k: {value: 0.25,"))

    def test_block_style_edits(self):
        edited = calibrate_ra.set_parameter(MODEL, "shift", 1000)
        self.assertEqual(edited, MODEL.replace("    value: 100\n", "    value: 1000.0\n"))
        edited = calibrate_ra.set_parameter(MODEL, "shift", 0.2, "upper")
        self.assertEqual(edited, MODEL.replace("lower: 0, upper: 0.5}", "lower: 0, upper: 0.2}"))
        # the prior's upper bound is untouched
        self.assertIn("prior: {lower: 1, upper: 3000, scale: log}", edited)

    def test_labels(self):
        self.assertEqual(calibrate_ra.label({"name": "k_long"}), "k_long")
        self.assertEqual(calibrate_ra.label({"name": "k_long", "field": "value"}), "k_long")
        self.assertEqual(calibrate_ra.label({"name": "k_long", "field": "cv"}), "k_long.cv")

    def test_clear_errors(self):
        cases = [
            (("missing", "value"), "parameter 'missing' not found"),
            (("plain", "cv"), "'plain' has no flow-style `variability: {...}`"),
            (("k_long", "sd"), "'k_long' has no `sd` to fit"),
            (("shift", "scale"), "field 'scale' of 'shift' cannot be fitted"),
        ]
        for (name, field), message in cases:
            with self.assertRaises(SystemExit) as caught:
                calibrate_ra.get_parameter(MODEL, name, field)
            self.assertIn(message, str(caught.exception))


SPEC = """population:
  share: 0.5
fluctuation:
  sd: 0.25
  entry: {excess: 0.9, t_half: 10 week, share: 0.15}   # a comment: share: 3
  loadings: {TJC28: 1}
"""


class SpecEdits(unittest.TestCase):
    def test_reads_the_entry_line_only(self):
        self.assertEqual(calibrate_ra.entry_match(SPEC, "share")[2], "0.15")
        self.assertEqual(calibrate_ra.entry_match(SPEC, "excess")[2], "0.9")
        self.assertIsNone(calibrate_ra.entry_match(SPEC, "sd"))
        self.assertIsNone(calibrate_ra.entry_match("fluctuation:\n  sd: 0.25\n", "share"))

    def test_edit_changes_only_that_number(self):
        self.assertEqual(calibrate_ra.set_spec_parameter(SPEC, "share", 0.08),
                         SPEC.replace("share: 0.15}", "share: 0.08}"))
        self.assertEqual(calibrate_ra.set_spec_parameter(SPEC, "excess", 1.2),
                         SPEC.replace("{excess: 0.9,", "{excess: 1.2,"))
        with self.assertRaises(SystemExit) as caught:
            calibrate_ra.set_spec_parameter(SPEC, "loadings", 1)
        self.assertIn("no `loadings:` in a `fluctuation: entry:` line", str(caught.exception))

    def test_label(self):
        self.assertEqual(calibrate_ra.label({"spec": "entry", "name": "share"}), "entry.share")


if __name__ == "__main__":
    unittest.main()
