"""Benchmark: what one history-matching emulator costs to fit, and what the subset fit loses.

The emulator calibration fits one Gaussian process per calibration figure after every wave, on
every run so far: at 4 waves of 250 runs the last wave's emulators see 1,000 runs of the
baseline's 38 parameters. The optimiser's cost grows with the cube of the runs, so the
hyperparameters are optimised on a seeded subset of at most ``HYPERPARAMETER_RUNS`` and the
process is then conditioned on every run.

For each number of runs this prints the CPU seconds of one emulator fitted both ways, and their
error on 2,000 fresh points of a test surface of 38 parameters (a few strong, most weak, as the
baseline's sensitivity analysis finds) with 5 % seed noise:

    python bench/bench_emulator.py [--runs 250 500 1000] [--parameters 38]

Target (issue 21): a calibration of 4 waves of 250 runs within 60 minutes on 2 cores, which
leaves about 25 seconds of CPU per emulator of the last wave (30 figures on 2 workers).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from flowsim.analysis.history_matching import HYPERPARAMETER_RUNS, Emulator


def surface(points: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """A smooth test response: a ridge along ``weights`` and a bowl in the first parameter."""
    return np.sin(points @ weights) + 0.5 * (points[:, 0] - 0.5) ** 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, nargs="+", default=[250, 500, 1000])
    parser.add_argument("--parameters", type=int, default=38)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    strong = min(6, args.parameters)
    weights = rng.normal(size=args.parameters) * np.r_[np.full(strong, 3.0), np.full(args.parameters - strong, 0.2)]
    fresh = rng.random((2000, args.parameters))
    truth = surface(fresh, weights)
    print(f"one emulator, {args.parameters} parameters; hyperparameters on at most {HYPERPARAMETER_RUNS} runs")
    print(f"{'runs':>6} {'every run':>22} {'subset, then every run':>26}")
    for runs in args.runs:
        inputs = rng.random((runs, args.parameters))
        outputs = surface(inputs, weights) + rng.normal(scale=0.05, size=runs)
        cells = []
        for limit in (runs, HYPERPARAMETER_RUNS):
            if limit == HYPERPARAMETER_RUNS and runs <= HYPERPARAMETER_RUNS:
                cells.append("(same)")
                continue
            began = time.process_time()
            emulator = Emulator(inputs, outputs, seed=1, hyperparameter_runs=limit)
            seconds = time.process_time() - began
            error = float(np.sqrt(np.mean((emulator.predict(fresh)[0] - truth) ** 2)))
            cells.append(f"{seconds:6.1f} s  RMSE {error:.3f}")
        print(f"{runs:>6} {cells[0]:>22} {cells[1]:>26}", flush=True)
    print(f"(test surface: standard deviation {truth.std():.3f} over the fresh points)")


if __name__ == "__main__":
    main()
