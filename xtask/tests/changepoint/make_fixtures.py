#!/usr/bin/env python3
"""Writes the fixture series in series/*.json, beside this file: the inputs of
xtask/src/analyse/changepoint's oracle tests (oracle.py runs Apache Otava over them).

The series are shaped like benchmark ns/op figures (positive, a few percent of
Gaussian noise, rounded to 0.1 ns or to whole ns). Python's `random` module with
a fixed seed per series makes the output reproducible; the generated JSON files
are committed, so this script only needs to be re-run to change the fixtures.
"""
import json
import pathlib
import random

OUT = pathlib.Path(__file__).resolve().parent / "series"


def noisy(rng, levels, noise, digits=1):
    """levels: list of (count, mean) runs; noise: relative standard deviation."""
    out = []
    for count, mean in levels:
        for _ in range(count):
            out.append(round(mean * (1.0 + rng.gauss(0.0, noise)), digits))
    return out


def random_steps(seed, n=300):
    """Runs of 15-80 values whose mean moves by 0.5-3 % up or down, 1.5 % noise."""
    rng = random.Random(1000 + seed)
    levels, pos, mean = [], 0, 1000.0
    while pos < n:
        run = rng.randint(15, 80)
        levels.append((min(run, n - pos), mean))
        pos += run
        mean *= 1 + rng.choice([-1, 1]) * rng.uniform(0.005, 0.03)
    return noisy(rng, levels, 0.015)


def main():
    series = {}
    rng = random.Random(1)
    series["flat_noise"] = noisy(rng, [(120, 1523.4)], 0.02)
    rng = random.Random(2)
    series["step_up"] = noisy(rng, [(60, 842.0), (40, 926.2)], 0.015)
    rng = random.Random(3)
    series["step_down"] = noisy(rng, [(45, 31250.0), (55, 28750.0)], 0.01)
    rng = random.Random(4)
    series["two_steps"] = noisy(rng, [(50, 412.5), (50, 437.3), (50, 393.6)], 0.012)
    rng = random.Random(5)
    spike = noisy(rng, [(100, 2048.0)], 0.01)
    spike[50] = round(spike[50] * 3.0, 1)
    series["outlier_spike"] = spike
    rng = random.Random(6)
    series["slow_drift"] = [
        round(5000.0 * (1.0 + 0.15 * i / 199) * (1.0 + rng.gauss(0.0, 0.01)), 1) for i in range(200)
    ]
    rng = random.Random(7)
    series["step_near_start"] = noisy(rng, [(5, 120.0), (75, 138.0)], 0.01)
    rng = random.Random(8)
    series["step_near_end"] = noisy(rng, [(74, 9876.5), (6, 10864.1)], 0.01)
    rng = random.Random(9)
    series["long_series"] = noisy(
        rng, [(120, 1500.0), (140, 1575.0), (140, 1464.8), (100, 1640.6)], 0.02
    )
    rng = random.Random(10)
    series["quantized_step"] = noisy(rng, [(70, 87.0), (50, 91.0)], 0.01, digits=0)
    rng = random.Random(11)
    series["short_series"] = noisy(rng, [(6, 250.0), (6, 290.0)], 0.01)

    # Multi-step series on which Otava's merge step re-tests the wrong
    # neighbour in a way that changes its result (see otava-differences.json).
    series["small_steps_a"] = random_steps(34)  # true steps at 19, 83, 146, 202, 253
    series["small_steps_b"] = random_steps(18)  # true steps at 65, 108, 146, 175, 212, 233, 297

    OUT.mkdir(parents=True, exist_ok=True)
    for name, values in series.items():
        with open(OUT / f"{name}.json", "w") as f:
            json.dump({"name": name, "values": values}, f)
            f.write("\n")


if __name__ == "__main__":
    main()
