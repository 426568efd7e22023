"""Network scenarios held against their observed camp series: one run or many, with the forecast split.

``scored_run`` is one run with its ``flee_score``; ``validation_runs`` runs a scenario several
times (child seeds from :func:`~flowsim.run.seeds.spawn_seeds`, serially, on a process
pool or on a Dask cluster) and summarises them: the camp series as the mean with a 5–95% band, and the ARD (plain,
rescaled, and on the fit and forecast periods when the scenario has ``fit_until``) as the mean
and sd over runs, plus the ARD of the mean series.
"""

from __future__ import annotations

import time

import numpy as np

from flowsim.analysis.executors import make_executor, resolve_kind
from flowsim.run.seeds import spawn_seeds
from flowsim.kinds.network.analysis.flee_score import score_camps
from flowsim.kinds.network.engine.model import NetworkModel
from flowsim.kinds.network.run.results import NetworkResult, camps_table, daily_table, fit_until, simulate_network
from flowsim.kinds.network.scenario.schema import NetworkScenario


def scored_run(scenario: NetworkScenario, *, seed: int | None = None, scale: int | None = None) -> NetworkResult:
    """One run with ``score`` filled in (ARD and, with ``fit_until``, the fit / forecast split)."""
    result = simulate_network(scenario, seed=seed, scale=scale)
    result.score = score_camps(result.camps, fit_until(scenario))
    return result


def _one(task: tuple) -> tuple:
    scenario, seed, scale = task
    start = time.perf_counter()
    run = NetworkModel(scenario, rng=seed, scale=scale).run()
    camps = camps_table(run)
    return camps, daily_table(run), score_camps(camps, fit_until(scenario)), time.perf_counter() - start


def validation_runs(scenario: NetworkScenario, runs: int, *, seed: int | None = None, scale: int | None = None, workers: int = 1,
                    scheduler: str | None = None) -> NetworkResult:
    """``runs`` runs summarised: mean camp series with a 5–95% band, ARD mean and sd over runs."""
    seed = scenario.calendar.seed if seed is None else seed
    tasks = [(scenario, child, scale) for child in spawn_seeds(seed, runs)]
    # forkserver pool or Dask cluster: no fork() of a threaded process
    with make_executor(resolve_kind(None, workers, scheduler), workers, scheduler) as pool:
        outputs = list(pool.map(_one, tasks))
    sims = np.stack([o[0]["simulated"].to_numpy(dtype=float) for o in outputs])
    camps = outputs[0][0][["date", "camp", "observed"]].copy()
    camps.insert(2, "simulated", sims.mean(axis=0))
    camps["simulated_p05"] = np.percentile(sims, 5, axis=0)
    camps["simulated_p95"] = np.percentile(sims, 95, axis=0)
    daily = outputs[0][1][["date", "in_camps_observed"]].copy()
    for column in ("spawned", "on_roads", "in_camps_simulated"):
        daily[column] = np.mean([o[1][column].to_numpy(dtype=float) for o in outputs], axis=0)
    scores = [o[2] for o in outputs]
    score: dict = {"runs": runs}
    for key in scores[0]:
        values = [s[key] for s in scores]
        if isinstance(values[0], float):
            score[key] = float(np.mean(values))
            score[f"{key}_sd"] = float(np.std(values, ddof=1)) if runs > 1 else 0.0
        else:
            score[key] = values[0]
    score["ard_of_mean"] = score_camps(camps)["ard"]
    meta = {
        "scenario": scenario.name,
        "kind": "network",
        "rules": scenario.rules,
        "case": str(scenario.case_dir),
        "seed": seed,
        "runs": runs,
        "scale": int(scale) if scale is not None else scenario.scale,
        "runtime_s": float(sum(o[3] for o in outputs)),
        "attribution": "Observed series: UNHCR; ACLED; via djgroen/FabFlee",
    }
    return NetworkResult(camps=camps, daily=daily, meta=meta, score=score)
