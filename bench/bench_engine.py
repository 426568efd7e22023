"""Benchmark: one full-scale run of the baseline (agent_scale 1, every person who leaves an agent).

Prints wall time, peak memory (resident set of the process that ran the model) and
agent-days per second. Target on a 2-core machine: <= 10 s and <= 1.5 GB.
Run with `make bench` or `python bench/bench_engine.py [--repeat N] [--scenario PATH]`.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 10.0
TARGET_GB = 1.5


def one_run(scenario_path: str, seed: int, queue) -> None:
    from flowsim.run import simulate
    from flowsim.scenario import load_scenario

    scenario = load_scenario(scenario_path)
    began = time.perf_counter()
    result = simulate(scenario, seed=seed, scale=1)
    wall = time.perf_counter() - began
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put((wall, peak_kb, result.meta["agent_days"], result.meta["people_who_left"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "mobilization_2022.yaml"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    context = mp.get_context("spawn")  # a fresh process per run, so peak memory is the run's own
    walls, peaks = [], []
    for seed in range(1, args.repeat + 1):
        queue = context.Queue()
        process = context.Process(target=one_run, args=(args.scenario, seed, queue))
        process.start()
        wall, peak_kb, agent_days, leavers = queue.get()
        process.join()
        walls.append(wall)
        peaks.append(peak_kb / 1024 / 1024)
        print(f"run {seed}: {wall:6.2f} s  peak {peak_kb / 1024:7.0f} MB  "
              f"{leavers:,} people who left  {agent_days / wall / 1e6:5.1f} M agent-days/s")
    wall = statistics.median(walls)
    peak = max(peaks)
    print(f"engine: median wall {wall:.2f} s (target <= {TARGET_SECONDS:.0f} s), peak memory {peak:.2f} GB "
          f"(target <= {TARGET_GB} GB): {'OK' if wall <= TARGET_SECONDS and peak <= TARGET_GB else 'MISSED'}")


if __name__ == "__main__":
    main()
