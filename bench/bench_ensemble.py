"""Benchmark: ensembles of the full-scale baseline on one worker and on two.

Target: 100 runs at scale 1 in at most 10 minutes on 2 cores, with close to 2x speed-up.

By default the one-worker figure is MEASURED on a subset (``--serial-runs``, 10) and
EXTRAPOLATED linearly to ``--runs``; the output says so. Pass ``--serial-runs`` equal to
``--runs`` to measure it in full.

Usage:
    .venv/bin/python bench/bench_ensemble.py [--runs 100] [--serial-runs 10] [--workers 2]
        [--scenario scenarios/mobilization_2022.yaml] [--scale 1] [--executor process|dask]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from flowsim.analysis.ensemble import run_ensemble
from flowsim.kinds.mobilization.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def timed_ensemble(scenario, runs: int, workers: int, executor: str, scale: float, out: Path) -> float:
    began = time.perf_counter()
    result = run_ensemble(scenario, runs, seed=2022, scale=scale, out_dir=out, executor=executor,
                          workers=workers, progress=True)
    wall = time.perf_counter() - began
    if not result.failed.empty:
        raise SystemExit(f"{len(result.failed)} runs failed: see {out / 'runs_failed.csv'}")
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "mobilization_2022.yaml"))
    parser.add_argument("--runs", type=int, default=100, help="ensemble size to report (default 100)")
    parser.add_argument("--serial-runs", type=int, default=10,
                        help="runs measured on one worker, extrapolated to --runs (default 10)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--executor", choices=("process", "dask"), default="process")
    args = parser.parse_args()

    scenario = load_scenario(args.scenario)
    with tempfile.TemporaryDirectory(prefix="flowsim_bench_") as tmp:
        one = timed_ensemble(scenario, args.serial_runs, 1, args.executor, args.scale, Path(tmp) / "one")
        many = timed_ensemble(scenario, args.runs, args.workers, args.executor, args.scale, Path(tmp) / "many")

    per_run_one = one / args.serial_runs
    one_full = per_run_one * args.runs
    extrapolated = args.serial_runs != args.runs
    speedup = one_full / many
    print()
    print(f"scenario {scenario.name}, scale {args.scale:g}, executor {args.executor}")
    label = (f"1 worker : {args.serial_runs} runs measured in {one:.1f} s ({per_run_one:.2f} s/run); "
             f"{args.runs} runs EXTRAPOLATED to {one_full:.0f} s ({one_full / 60:.1f} min)"
             if extrapolated else
             f"1 worker : {args.runs} runs in {one:.1f} s ({one / 60:.1f} min)")
    print(label)
    print(f"{args.workers} workers: {args.runs} runs MEASURED in {many:.1f} s ({many / 60:.1f} min), "
          f"{60 * args.runs / many:.1f} runs/min")
    print(f"1 worker : {60 / per_run_one:.1f} runs/min")
    print(f"speed-up : {speedup:.2f}x with {args.workers} workers"
          + (" (against the extrapolated 1-worker time)" if extrapolated else ""))
    target = "met" if many <= 600 else "NOT met"
    print(f"target   : {args.runs} runs in <= 10 min on {args.workers} workers: {target}")


if __name__ == "__main__":
    main()
