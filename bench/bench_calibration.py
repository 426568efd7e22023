"""Benchmark: calibration throughput of the baseline, and where a simulation's time goes.

1. Stages, in this process, one particle after another (``--particles``, default 30): the
   parameter draw from the priors, the scenario overrides, the model build, the days, the
   tables, the statistics (target values, series points and distance). Median milliseconds of
   CPU per stage, and the simulations per second one worker could reach without inference.
2. Throughput: ``calibrate()`` itself (pyABC's ABC-SMC through flowsim's batch sampler) on
   ``--workers`` processes at ``--scale`` (default 20), stopped after ``--simulations``
   simulations (counted, not timed, so the run does the same work on any machine): simulations
   per second of wall time from the first parameter draw to the last distance, inference
   overhead included, and the CPU the inference itself took in this (the parent) process per
   simulation (pyABC's weights, kernel, database; sending batches and receiving particles).

Target (issue 20): >= 40 simulations per second on 2 workers at scale 20.

    python bench/bench_calibration.py [--scale 20] [--workers 2] [--simulations 600] [--particles 30]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from flowsim.analysis.abc_model import TargetDistance, TargetModel, scenario_priors
from flowsim.analysis.calibration import calibrate
from flowsim.analysis.targets import series_values, simulated_values
from flowsim.analysis.validation import scenario_targets
from flowsim.kinds.mobilization.engine.model import FlowModel
from flowsim.kinds.mobilization.run.results import collect_results
from flowsim.kinds.mobilization.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
TARGET_PER_SECOND = 40.0
STAGES = ("draw", "scenario overrides", "model build", "days", "tables", "statistics")


def stage_times(scenario, targets, scale: float, particles: int) -> dict[str, list[float]]:
    """CPU seconds of each stage of ``particles`` simulations, one after another."""
    priors = scenario_priors(scenario)
    model = TargetModel(scenario, targets, priors, scale, seed=1)
    distance = TargetDistance(targets)
    rng = np.random.default_rng(1)
    times: dict[str, list[float]] = {stage: [] for stage in STAGES}
    for _ in range(particles):
        clock = [time.process_time()]
        parameters = {p.key: float(rng.uniform(p.lower, p.upper)) for p in priors}
        clock.append(time.process_time())
        overridden = scenario.with_overrides(model.overrides(parameters))
        clock.append(time.process_time())
        flow = FlowModel(overridden, rng=np.random.default_rng(model.run_seed(parameters)), scale=scale)
        clock.append(time.process_time())
        flow.run()
        clock.append(time.process_time())
        tables = collect_results(flow).tables()
        clock.append(time.process_time())
        distance({**simulated_values(targets, tables), **series_values(targets, tables)})
        clock.append(time.process_time())
        for stage, began, ended in zip(STAGES, clock, clock[1:], strict=False):
            times[stage].append(ended - began)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "mobilization_2022.yaml"))
    parser.add_argument("--scale", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--simulations", type=int, default=600, help="simulations of the throughput run (0: skip)")
    parser.add_argument("--population-size", type=int, default=50)
    parser.add_argument("--particles", type=int, default=30, help="particles timed stage by stage")
    parser.add_argument("--serial-simulations", type=int, default=150,
                        help="simulations of the one-worker run timed in CPU (0: skip)")
    args = parser.parse_args()

    scenario = load_scenario(args.scenario)
    targets = scenario_targets(scenario)
    stage_times(scenario, targets, args.scale, 2)  # imports and first-call caches are not a simulation's cost
    times = stage_times(scenario, targets, args.scale, args.particles)
    medians = {stage: statistics.median(values) for stage, values in times.items()}
    total = sum(medians.values())
    print(f"{scenario.name} at scale {args.scale:g}: CPU per stage, median of {args.particles} particles")
    for stage, seconds in medians.items():
        print(f"  {stage:<20} {seconds * 1000:8.1f} ms  {seconds / total:6.1%}")
    print(f"  {'simulation':<20} {total * 1000:8.1f} ms  -> at most {1 / total:.1f} simulations/s per worker "
          "before inference")

    def run(workers: int, simulations: int):
        with tempfile.TemporaryDirectory(prefix="flowsim_bench_calibration_") as tmp:
            began_cpu = time.process_time()
            result = calibrate(scenario, targets, budget=dt.timedelta(hours=2), out_dir=Path(tmp), scale=args.scale,
                               workers=workers, population_size=args.population_size, seed=2022,
                               max_simulations=simulations, progress=False, prior_draws=0)
            return result, time.process_time() - began_cpu

    if args.serial_simulations > 0:
        serial, cpu = run(1, args.serial_simulations)
        per_simulation = cpu / serial.record["simulations"]
        print(f"\none worker, in this process: {serial.record['simulations']} simulations, "
              f"{per_simulation * 1000:.0f} ms CPU each with inference (pilot run included) -> "
              f"{args.workers / per_simulation:.1f} simulations/s on {args.workers} idle cores")
    if args.simulations <= 0:
        return
    result, parent_cpu = run(args.workers, args.simulations)
    record = result.record
    simulations, wall = record["simulations"], record["wall_time_s"]
    rate = simulations / wall
    load = os.getloadavg()[0]
    print(f"\ncalibrate(): {simulations} simulations in {wall:.1f} s of ABC-SMC on {args.workers} workers "
          f"({len(result.populations)} populations of {args.population_size}; load average {load:.1f} on "
          f"{os.cpu_count()} CPUs)")
    print(f"  inference in the parent process: {parent_cpu / simulations * 1000:.1f} ms CPU per simulation "
          f"(pilot run included)")
    print(f"  throughput: {rate:.1f} simulations/s (target >= {TARGET_PER_SECOND:.0f}): "
          f"{'OK' if rate >= TARGET_PER_SECOND else 'MISSED'}")


if __name__ == "__main__":
    main()
