"""Benchmark: runs of the baseline at full scale (agent_scale 1, every person who leaves an agent) or at
calibration scale (``--scale 20``).

Prints CPU time and wall time, peak memory (resident set of the process that ran the model)
and agent-days per second. Targets (issue 20) on a 2-core machine: at scale 1 <= 1.0 s of CPU
time (model and tables; the run is single-threaded, so on an idle machine wall time is about
the same) and <= 0.4 GB; at scale 20 <= 50 ms of CPU.
CPU time is the target because it does not count waiting for a core a busy machine gives
to someone else. Importing Mesa and the engine (about 1 s, once per process) is done before
the clock starts: it is the price of starting Python, not of the run. The first run in a
process also loads the engine's compiled kernels from numba's cache on disk (or compiles
them, the first time after installing): each process first makes a small run (scale 200, the
warm-up, printed apart), then the measured run.
Run with `make bench` or `python bench/bench_engine.py [--repeat N] [--scale K] [--scenario PATH]`.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing as mp
import os
import resource
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_CPU_SECONDS = {1.0: 1.0, 20.0: 0.05}  # by agent scale
TARGET_GB = 0.4
WARM_UP_SCALE = 200.0


def one_run(scenario_path: str, seed: int, scale: float, queue) -> None:
    import flowsim.kinds.mobilization.engine  # noqa: F401  Mesa and the engine are imported once per process (about 1 s), not per run
    import flowsim.kinds.mobilization.run.results  # noqa: F401
    from flowsim.run import simulate
    from flowsim.kinds.mobilization.scenario import load_scenario

    scenario = load_scenario(scenario_path)
    began_cpu = time.process_time()
    simulate(scenario, seed=seed, scale=WARM_UP_SCALE)
    warm_up_cpu = time.process_time() - began_cpu
    gc.collect()  # the warm-up's model is a cycle (its agents refer to it): freed before the run
    began, began_cpu = time.perf_counter(), time.process_time()
    result = simulate(scenario, seed=seed, scale=scale)
    wall, cpu = time.perf_counter() - began, time.process_time() - began_cpu
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put((wall, cpu, warm_up_cpu, peak_kb, result.meta["agent_days"], result.meta["people_who_left"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "mobilization_2022.yaml"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scale", type=float, default=1.0, help="people per agent (1: full scale; 20: calibration)")
    args = parser.parse_args()
    context = mp.get_context("spawn")  # a fresh process per run, so peak memory is the run's own
    walls, cpus, warm_ups, peaks = [], [], [], []
    for seed in range(1, args.repeat + 1):
        queue = context.Queue()
        process = context.Process(target=one_run, args=(args.scenario, seed, args.scale, queue))
        process.start()
        wall, cpu, warm_up, peak_kb, agent_days, leavers = queue.get()
        process.join()
        walls.append(wall)
        cpus.append(cpu)
        warm_ups.append(warm_up)
        peaks.append(peak_kb / 1024 / 1024)
        print(f"run {seed}: CPU {cpu:6.3f} s (warm-up {warm_up:5.3f} s)  wall {wall:6.3f} s  "
              f"peak {peak_kb / 1024:5.0f} MB  "
              f"{leavers:,} people who left  {agent_days / cpu / 1e6:5.1f} M agent-days per CPU second")
    cpu, wall, peak = statistics.median(cpus), statistics.median(walls), max(peaks)
    load = os.getloadavg()[0]
    target = TARGET_CPU_SECONDS.get(args.scale)
    verdict = "" if target is None else ": " + ("OK" if cpu <= target and peak <= TARGET_GB else "MISSED")
    print(f"engine at scale {args.scale:g}: median CPU {cpu:.3f} s"
          + (f" (target <= {target:g} s)" if target is not None else "")
          + f", median wall {wall:.3f} s (load average {load:.1f} on {os.cpu_count()} CPUs), peak memory {peak:.2f} GB "
          f"(target <= {TARGET_GB} GB){verdict}")
    print(f"warm-up: a process's first, small run (scale {WARM_UP_SCALE:g}) took a median {statistics.median(warm_ups):.3f} s CPU, "
          f"mostly loading the compiled kernels (once per process)")


if __name__ == "__main__":
    main()
