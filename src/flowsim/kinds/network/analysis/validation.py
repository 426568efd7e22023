"""A Flee case's observed camp series as the observations its runs are validated and calibrated on.

:class:`CampSeries` is the network kind's :class:`~flowsim.kinds.protocol.Observations`: a
run's statistic is Flee's ARD of its camp series over the fit period (days up to
``fit_until``, all days without one; a calibration runs only those days), and a validation
keeps each run's camp series, daily totals and score (plain, rescaled, and split into fit
and forecast). The runs themselves are the shared validation's
(:func:`~flowsim.analysis.validation.observed_runs`: child seeds, serial, process pool or
Dask); :func:`summarise_runs` makes their mean camp series with the shared 5–95 % band and the
ARD as mean and sd over runs, plus the ARD of the mean series.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from flowsim.analysis.executors import make_executor, resolve_kind
from flowsim.analysis.validation import band, observed_runs
from flowsim.kinds.network.analysis.flee_score import ard, camps_matrix, score_camps
from flowsim.kinds.network.run.results import NetworkResult, fit_until, simulate_network
from flowsim.kinds.network.scenario.schema import NetworkScenario
from flowsim.kinds.protocol import RunOutput
from flowsim.run.seeds import spawn_seeds


class CampSeries:
    """The observed camp series of a network scenario, scored by Flee's ARD on the fit period."""

    ids = ["ard"]
    observed = {"ard": 0.0}

    def __init__(self, scenario: NetworkScenario) -> None:
        self.fit_until = scenario.fit_until
        self.fit_days = scenario.days if scenario.fit_until is None else (scenario.fit_until - scenario.start).days + 1

    def fitted(self, scenario: NetworkScenario) -> NetworkScenario:
        """The scenario cut to the fit period: the days after ``fit_until`` are the forecast, not fitted."""
        return scenario if self.fit_days == scenario.days else scenario.with_overrides({"calendar.days": self.fit_days})

    def statistics(self, tables: Mapping[str, pd.DataFrame]) -> dict[str, float]:
        camps = tables["camps"]
        if self.fit_until is not None:
            camps = camps[camps["date"] <= self.fit_until.isoformat()]
        _, simulated = camps_matrix(camps, "simulated")
        _, observed = camps_matrix(camps, "observed")
        return {"ard": ard(simulated, observed)}

    def distance(self, statistics: Mapping[str, float]) -> float:
        return float(statistics["ard"])

    def describe_distance(self) -> str:
        period = f"the days up to {self.fit_until}" if self.fit_until else "every day"
        return f"Flee's averaged relative difference (ARD) of the camp series over {period}"

    def of_run(self, run: RunOutput) -> dict[str, Any]:
        return {"camps": run.camps, "daily": run.daily, "score": run.score, "runtime_s": run.meta["runtime_s"]}


def scored_run(scenario: NetworkScenario, *, seed: int | None = None, scale: int | None = None) -> NetworkResult:
    """One run with ``score`` filled in (ARD and, with ``fit_until``, the fit / forecast split)."""
    result = simulate_network(scenario, seed=seed, scale=scale)
    result.score = score_camps(result.camps, fit_until(scenario))
    return result


def validation_runs(scenario: NetworkScenario, runs: int, *, seed: int | None = None, scale: int | None = None, workers: int = 1,
                    scheduler: str | None = None) -> NetworkResult:
    """``runs`` runs summarised: mean camp series with a 5–95% band, ARD mean and sd over runs."""
    seed = scenario.calendar.seed if seed is None else seed
    # forkserver pool or Dask cluster: no fork() of a threaded process
    with make_executor(resolve_kind(None, workers, scheduler), workers, scheduler) as pool:
        outcomes = observed_runs(scenario, CampSeries(scenario), spawn_seeds(seed, runs), scale, pool)
    return summarise_runs(scenario, outcomes, seed=seed, scale=scale)


def summarise_runs(scenario: NetworkScenario, outcomes: list[dict[str, Any]], *, seed: int,
                   scale: int | None) -> NetworkResult:
    """The runs' mean camp series with its 5–95 % band, mean daily totals, and the ARD's mean and sd."""
    runs = len(outcomes)
    sims = np.stack([o["camps"]["simulated"].to_numpy(dtype=float) for o in outcomes])
    camps = outcomes[0]["camps"][["date", "camp", "observed"]].copy()
    camps.insert(2, "simulated", sims.mean(axis=0))
    camps["simulated_p05"], camps["simulated_p95"] = band(sims)
    daily = outcomes[0]["daily"][["date", "in_camps_observed"]].copy()
    for column in ("spawned", "on_roads", "in_camps_simulated"):
        daily[column] = np.mean([o["daily"][column].to_numpy(dtype=float) for o in outcomes], axis=0)
    scores = [o["score"] for o in outcomes]
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
        "runtime_s": float(sum(o["runtime_s"] for o in outcomes)),
        "attribution": "Observed series: UNHCR; ACLED; via djgroen/FabFlee",
    }
    return NetworkResult(camps=camps, daily=daily, meta=meta, score=score)
