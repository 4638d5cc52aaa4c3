#!/usr/bin/env python3
"""Runs Apache Otava's own change-point analysis over series/*.json (beside this file)
and writes otava-expected.json, the oracle for the Rust tests of
xtask/src/analyse/changepoint, or the file given as the first argument: `cargo xtask
test` writes it elsewhere and requires it to equal the committed one.

Usage (apache-otava 0.8.0 from PyPI):
    python3 -m venv /tmp/otava-venv && /tmp/otava-venv/bin/pip install apache-otava==0.8.0
    /tmp/otava-venv/bin/python oracle.py [OUT]

It calls the library-level entry point `otava.analysis.compute_change_points`
(the function Otava's own `AnalyzedSeries` calls for each metric), not the CLI,
with the same parameters as the Rust `Params::default()`.
"""
import json
import math
import pathlib
import sys
from importlib.metadata import version

from otava.analysis import TTestSignificanceTester, compute_change_points, split

WINDOW_LEN = 50
MAX_PVALUE = 0.001
MIN_MAGNITUDE = 0.0

HERE = pathlib.Path(__file__).resolve().parent
SERIES = HERE / "series"
OUT = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "otava-expected.json"


def num(x):
    x = float(x)
    return None if math.isnan(x) else x


def describe(cp):
    s = cp.stats
    return {
        "index": int(cp.index),
        "pvalue": num(s.pvalue),
        "forward_change": num(s.forward_rel_change()),
        "magnitude": num(s.change_magnitude()),
        "mean_before": num(s.mean_1),
        "mean_after": num(s.mean_2),
        "stddev_before": num(s.std_1),
        "stddev_after": num(s.std_2),
    }


def main():
    result = {
        "otava_version": version("apache-otava"),
        "numpy_version": version("numpy"),
        "scipy_version": version("scipy"),
        "entry_point": "otava.analysis.compute_change_points",
        "params": {"window_len": WINDOW_LEN, "max_pvalue": MAX_PVALUE, "min_magnitude": MIN_MAGNITUDE},
        "series": {},
    }
    for path in sorted(SERIES.glob("*.json")):
        fixture = json.loads(path.read_text())
        # Must be a plain list: Otava's ChangePointDetector only slices a
        # window out of the series when it is *not* already a numpy array.
        values = [float(v) for v in fixture["values"]]
        cps, _ = compute_change_points(
            list(values), window_len=WINDOW_LEN, max_pvalue=MAX_PVALUE, min_magnitude=MIN_MAGNITUDE
        )
        # compute_change_points' second result is the same list object that
        # its merge step prunes in place, so it ends up equal to the final
        # points. Re-run the (deterministic) split step alone, with the same
        # first-pass threshold, to record the weak change points.
        first_pass = MAX_PVALUE * 10 if MAX_PVALUE < 0.05 else (MAX_PVALUE * 2 if MAX_PVALUE < 0.5 else MAX_PVALUE)
        weak = split(list(values), WINDOW_LEN, first_pass)
        # Otava's merge step leaves the left neighbour of a removed weak point
        # with stale statistics; re-test the final points against their final
        # neighbours so the Rust default mode can be compared too.
        tester = TTestSignificanceTester(MAX_PVALUE)
        intervals = tester.get_intervals(cps)
        fresh = [tester.change_point(cp.to_candidate(), values, intervals) for cp in cps]
        result["series"][fixture["name"]] = {
            "length": len(values),
            "indices": [int(c.index) for c in cps],
            "change_points": [describe(c) for c in cps],
            "retested_change_points": [describe(c) for c in fresh],
            "weak_indices": [int(c.index) for c in weak],
        }
    OUT.write_text(json.dumps(result, indent=1) + "\n")
    for name, r in result["series"].items():
        print(f"{name:16} n={r['length']:4} weak={r['weak_indices']} final={r['indices']}")


if __name__ == "__main__":
    main()
