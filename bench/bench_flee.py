"""Flee 3.1 and flowsim (``rules: flee``) side by side on Flee's reference cases.

For each case this script runs Flee 3.1 (in its own Python 3.11 venv, made on first use with
``pip install flee==3.1``) and flowsim on the same case and agent count, each run in a
subprocess so its peak memory is its own, and prints for each: wall time, CPU time (the
process's own, so the ratio holds on a shared machine), peak memory, agent-steps per second
and ARD (plain and rescaled, as Flee computes them). With ``--seeds N``
it also compares the daily camp series: flowsim's mean over N seeds against Flee's own
seed-to-seed spread, per camp.

Flee 3.1's runner is not in its wheel; the small driver this script writes into the venv
follows ``runscripts/run.py`` of Flee 3.1 (conflicts, spawning, closures, evolve, each day),
seeds Python's ``random`` and numpy, reads ``sim_period.csv`` (or ``conflict_period.csv``), and
turns Flee's log levels to 0: a case's settings may ask for Flee's diagnostics files (every
agent, every day), which flowsim does not write, and which stop Flee 3.1 on a day without agents.

    python bench/bench_flee.py ../shared/flee-cases --cases mali2012 burundi2015 --seeds 10
    python bench/bench_flee.py ../shared/flee-cases --cases ukraine2022 --flee-hasten 100 --seeds 1

Nothing here is a timed test; it prints a Markdown table for docs/flee.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

VENV = Path(os.environ.get("FLEE_VENV", "/tmp/fleevenv"))
HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"

FLEE_DRIVER = textwrap.dedent(
    r'''
    """Flee 3.1 run of one case, following runscripts/run.py of Flee 3.1; writes JSON."""
    import json, os, random, resource, sys, time
    import numpy as np

    case, settings, seed, hasten, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    random.seed(seed)
    np.random.seed(seed)
    sys.stderr = open(os.devnull, "w")
    from flee import flee, spawning, InputGeography
    from flee.datamanager import handle_refugee_data, read_period
    from flee.SimulationSettings import SimulationSettings

    inp = os.path.join(case, "input_csv")
    SimulationSettings.ReadFromYML(settings)
    for key in SimulationSettings.log_levels:  # diagnostics files (agents.out.0 every day) are not part of the race
        SimulationSettings.log_levels[key] = 0
    if hasten > 0:
        SimulationSettings.optimisations["PopulationScaleDownFactor"] = hasten
    hasten = SimulationSettings.optimisations["PopulationScaleDownFactor"]
    SimulationSettings.ConflictInputFile = os.path.join(inp, "conflicts.csv")
    period = os.path.join(inp, "sim_period.csv")
    if not os.path.exists(period):
        period = os.path.join(inp, "conflict_period.csv")
    start_date, end_time = read_period.read_conflict_period(period)
    t0, c0 = time.perf_counter(), time.process_time()
    e = flee.Ecosystem()
    ig = InputGeography.InputGeography()
    ig.ReadConflictInputCSV(SimulationSettings.ConflictInputFile)
    ig.ReadLocationsFromCSV(os.path.join(inp, "locations.csv"))
    ig.ReadLinksFromCSV(os.path.join(inp, "routes.csv"))
    ig.ReadClosuresFromCSV(os.path.join(inp, "closures.csv"))
    e, lm = ig.StoreInputGeographyInEcosystem(e)
    d = handle_refugee_data.RefugeeTable(csvformat="generic", data_directory=os.path.join(case, "source_data"),
                                         start_date=start_date, data_layout="data_layout.csv",
                                         population_scaledown_factor=hasten)
    d.ReadL1Corrections(os.path.join(inp, "registration_corrections.csv"))
    camps = e.get_camp_names()
    for name in camps:
        spawning.add_initial_refugees(e, d, lm[name])
    sim, obs, steps = [], [], 0
    for t in range(end_time):
        ig.AddNewConflictZones(e, t)
        spawning.spawn_daily_displaced(e, t, d)
        spawning.refresh_spawn_weights(e)
        e.enact_border_closures(t)
        steps += len(e.agents)
        e.evolve()
        sim.append([lm[c].numAgents for c in camps])
        obs.append([d.get_field(c, t) for c in camps])
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    json.dump({"camps": camps, "simulated": sim, "observed": obs, "seconds": elapsed, "cpu_seconds": cpu, "peak_mb": peak,
               "agent_steps": steps, "agents": len(e.agents), "scale": hasten}, open(out, "w"))
    '''
)

FLOWSIM_DRIVER = textwrap.dedent(
    r'''
    import json, resource, sys, time
    sys.path.insert(0, sys.argv[5])
    from flowsim.kinds.network.scenario.flee_import import import_flee
    from flowsim.kinds.network.scenario.schema import load_network_scenario
    from flowsim.kinds.network.engine.model import NetworkModel

    case, settings, seed, hasten, out, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[6], int(sys.argv[7])
    yaml_path = out + ".yaml"
    import_flee(case, yaml_path, settings)
    scenario = load_network_scenario(yaml_path)
    if hasten > 0:
        scenario = scenario.with_overrides({"agent_scale": hasten})
    # warm-up: the compiled travel code is loaded from numba's disk cache (compiled on the very first use)
    c0 = time.process_time()
    NetworkModel(scenario, rng=seed, days=2).run()
    warm_up = time.process_time() - c0
    times = []
    for _ in range(repeats):  # the same run again: its median CPU time is reported
        t0, c0 = time.perf_counter(), time.process_time()
        run = NetworkModel(scenario, rng=seed).run()
        times.append((time.process_time() - c0, time.perf_counter() - t0))
    cpu, elapsed = sorted(times)[len(times) // 2]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    json.dump({"camps": run.camp_names, "simulated": (run.simulated // run.scale).tolist(),
               "observed": (run.observed // run.scale).tolist(), "seconds": elapsed, "cpu_seconds": cpu, "peak_mb": peak,
               "agent_steps": run.agent_steps, "agents": run.agents, "scale": run.scale, "warm_up_cpu_seconds": warm_up,
               "cpu_seconds_all": [c for c, _ in times]}, open(out, "w"))
    '''
)


def ensure_flee_venv() -> Path:
    """The Python 3.11 venv with flee 3.1 (made on first use)."""
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run(["python3", "-m", "venv", str(VENV)], check=True)
    check = subprocess.run([str(python), "-c", "import flee, importlib.metadata as m; print(m.version('flee'))"], capture_output=True, text=True)
    if check.returncode != 0 or check.stdout.strip() != "3.1":
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "flee==3.1"], check=True)
    (VENV / "flee_driver.py").write_text(FLEE_DRIVER)
    return python


def run_flee(python: Path, case: Path, settings: Path, seed: int, hasten: int, work: Path) -> dict:
    out = work / f"flee-{case.name}-{seed}.json"
    subprocess.run([str(python), str(VENV / "flee_driver.py"), str(case), str(settings), str(seed), str(hasten), str(out)], check=True, cwd=work, stdout=subprocess.DEVNULL)
    return json.loads(out.read_text())


def run_flowsim(case: Path, settings: Path, seed: int, hasten: int, work: Path, repeats: int = 1) -> dict:
    out = work / f"flowsim-{case.name}-{seed}.json"
    driver = work / "flowsim_driver.py"
    driver.write_text(FLOWSIM_DRIVER)
    subprocess.run([sys.executable, str(driver), str(case), str(settings), str(seed), str(hasten), str(SRC), str(out), str(repeats)],
                   check=True, cwd=work)
    return json.loads(out.read_text())


def ard(sim: np.ndarray, obs: np.ndarray, *, rescaled: bool = False, skip_day0: bool = False) -> float:
    """Flee's averaged relative difference (see flowsim.kinds.network.analysis.flee_score)."""
    sim, obs = np.asarray(sim, float), np.asarray(obs, float)
    if rescaled:
        simtot, untot = sim.sum(1, keepdims=True), obs.sum(1, keepdims=True)
        sim = np.where(simtot > 0, sim * untot / np.where(simtot > 0, simtot, 1.0), 0.0)
    daily = np.abs(sim - obs).sum(1) / np.maximum(obs.sum(1), 1.0)
    return float(daily[1:].mean() if skip_day0 else daily.mean())


def agreement(flee_runs: list[dict], flowsim_runs: list[dict]) -> list[dict]:
    """Per camp: is flowsim's seed mean inside Flee's seed spread (mean ± 2 sd, and min–max)?"""
    a = np.array([r["simulated"] for r in flee_runs], float)  # seeds, days, camps
    b = np.array([r["simulated"] for r in flowsim_runs], float)
    rows = []
    for j, camp in enumerate(flee_runs[0]["camps"]):
        fm, fs = a[:, :, j].mean(0), a[:, :, j].std(0, ddof=1) if len(a) > 1 else np.zeros(a.shape[1])
        gm = b[:, :, j].mean(0)
        # the mean of flowsim's N seeds is compared with the spread of one Flee seed around Flee's mean
        inside_2sd = np.mean(np.abs(gm - fm) <= 2 * fs + 1.0)
        inside_range = np.mean((gm >= a[:, :, j].min(0) - 1.0) & (gm <= a[:, :, j].max(0) + 1.0))
        final_gap = (gm[-1] - fm[-1]) / max(fm[-1], 1.0)
        rows.append({"camp": camp, "days_within_2sd": inside_2sd, "days_within_range": inside_range, "final_flee": fm[-1], "final_flowsim": gm[-1], "final_gap": final_gap})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases_dir", type=Path)
    parser.add_argument("--cases", nargs="*", help="case folder names (default: all)")
    parser.add_argument("--settings", type=Path, help="simsetting.yml (default: CASES_DIR/simsetting.yml)")
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--flee-seeds", type=int, help="seeds for Flee (default: --seeds)")
    parser.add_argument("--hasten", type=int, default=0, help="people per agent for both (0: the settings' hasten)")
    parser.add_argument("--flee-hasten", type=int, default=0, help="people per agent for Flee only (big cases); flowsim then runs at --hasten")
    parser.add_argument("--no-flee", action="store_true", help="run flowsim only")
    parser.add_argument("--repeats", type=int, default=3, help="flowsim runs of each seed in one process after a warm-up (median CPU time)")
    parser.add_argument("--json", type=Path, help="write all results here")
    args = parser.parse_args(argv)
    settings = args.settings or args.cases_dir / "simsetting.yml"
    cases = args.cases or sorted(p.name for p in args.cases_dir.iterdir() if (p / "input_csv").is_dir())
    python = None if args.no_flee else ensure_flee_venv()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name in cases:
            case = (args.cases_dir / name).resolve()
            flee_hasten = args.flee_hasten or args.hasten
            flee_runs = [] if python is None else [run_flee(python, case, settings.resolve(), s, flee_hasten, work) for s in range(args.flee_seeds or args.seeds)]
            flowsim_runs = [run_flowsim(case, settings.resolve(), s, args.hasten, work, args.repeats) for s in range(args.seeds)]
            results[name] = {"flee": flee_runs, "flowsim": flowsim_runs}
            print_case(name, flee_runs, flowsim_runs, flee_hasten)
            sys.stdout.flush()
    if args.json:
        args.json.write_text(json.dumps({k: {m: [{x: r[x] for x in ("seconds", "cpu_seconds", "peak_mb", "agent_steps", "agents", "scale")} | {"ard": ard(r["simulated"], r["observed"]), "ard_rescaled": ard(r["simulated"], r["observed"], rescaled=True)} for r in v[m]] for m in v} for k, v in results.items()}, indent=1))
    return 0


def summary(runs: list[dict]) -> dict:
    return {
        "seconds": np.mean([r["seconds"] for r in runs]),
        "peak_mb": max(r["peak_mb"] for r in runs),
        "steps_per_s": np.mean([r["agent_steps"] / r["seconds"] for r in runs]),
        "cpu_seconds": np.mean([r["cpu_seconds"] for r in runs]),
        "steps_per_cpu_s": np.mean([r["agent_steps"] / r["cpu_seconds"] for r in runs]),
        "ard": np.mean([ard(r["simulated"], r["observed"]) for r in runs]),
        "ard_sd": np.std([ard(r["simulated"], r["observed"]) for r in runs]),
        "ard_rescaled": np.mean([ard(r["simulated"], r["observed"], rescaled=True) for r in runs]),
        "ard_rescaled_no_day0": np.mean([ard(r["simulated"], r["observed"], rescaled=True, skip_day0=True) for r in runs]),
        "scale": runs[0]["scale"],
        "agents": runs[0]["agents"],
    }


def print_case(name: str, flee_runs: list[dict], flowsim_runs: list[dict], flee_hasten: int) -> None:
    print(f"\n### {name}\n")
    print("| model | people/agent | agents | wall s | CPU s | peak MB | agent-steps/s (wall) | agent-steps/CPU-s | ARD | ARD rescaled |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for label, runs in (("Flee 3.1", flee_runs), ("flowsim rules: flee", flowsim_runs)):
        if not runs:
            continue
        s = summary(runs)
        print(f"| {label} ({len(runs)} seeds) | {s['scale']} | {s['agents']} | {s['seconds']:.3g} | {s['cpu_seconds']:.3g} | {s['peak_mb']:.0f} | {s['steps_per_s']:.3g} | {s['steps_per_cpu_s']:.3g} | {s['ard']:.3f} ± {s['ard_sd']:.3f} | {s['ard_rescaled']:.3f} |")
    if flowsim_runs:
        print(f"\nflowsim's warm-up (loading its compiled travel code, once per process; not in the times above): "
              f"{max(r['warm_up_cpu_seconds'] for r in flowsim_runs):.2f} s of CPU; its runs: "
              + ", ".join(f"{c:.3f}" for r in flowsim_runs for c in r["cpu_seconds_all"]) + " s of CPU")
    if flee_runs and flowsim_runs:
        ratio = summary(flowsim_runs)["steps_per_s"] / summary(flee_runs)["steps_per_s"]
        cpu_ratio = summary(flowsim_runs)["steps_per_cpu_s"] / summary(flee_runs)["steps_per_cpu_s"]
        print(f"\nspeed ratio (agent-steps per wall second): {ratio:.0f}x; per CPU second: {cpu_ratio:.0f}x")
        if len(flee_runs) > 1 and flee_runs[0]["scale"] == flowsim_runs[0]["scale"]:
            print("\n| camp | days flowsim mean within Flee mean ± 2 sd | within Flee min–max | final Flee mean | final flowsim mean | gap |")
            print("|---|---|---|---|---|---|")
            for row in agreement(flee_runs, flowsim_runs):
                print(f"| {row['camp']} | {row['days_within_2sd']:.0%} | {row['days_within_range']:.0%} | {row['final_flee']:.0f} | {row['final_flowsim']:.0f} | {row['final_gap']:+.1%} |")


if __name__ == "__main__":
    raise SystemExit(main())
