"""Calibration and forecast of network scenarios (imported Flee cases): the network kind's pieces.

The ABC-SMC run is the shared one (:func:`flowsim.analysis.calibration.calibrate`: priors,
seeded sampler, kernel, executors); what is the network kind's is the distance (Flee's ARD
over the days up to ``fit_until``, :class:`~flowsim.kinds.network.analysis.validation.CampSeries`),
the choice of the calibrated point on the fit period, and the calibrated file (values and
``fit_until``), after which ``flowsim validate`` reports the ARD on the fit period and on the
rest (the forecast), with bands over runs.

The calibrated values are one point of the final population, chosen on the fit period only:
the weighted median and mean of the posterior, its particles closest to the data, and the
values the scenario started from are each run with the same few seeds (common random
numbers, :func:`~flowsim.analysis.abc_model.mean_distance`), and the point with the lowest
mean ARD wins. A per-parameter median of a posterior with correlated parameters can fall
between its ridges (burundi2015: median 0.559 against particles at 0.52), and keeping the
starting point among the candidates means a calibration never hands back values that fit
the fit period worse than those it was given.

Reference: Toni, T. et al. (2009). Approximate Bayesian computation scheme for parameter
inference and model selection in dynamical systems. J. R. Soc. Interface 6, 187–202.
doi:10.1098/rsif.2008.0172
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from flowsim.analysis.abc_model import mean_distance
from flowsim.analysis.calibration import calibrate
from flowsim.kinds.network.analysis.validation import CampSeries
from flowsim.kinds.network.scenario.schema import NetworkScenario
from flowsim.run.seeds import derived_seeds

CLOSEST_PARTICLES = 3
"""Particles of the final population, closest to the data, that stand as candidate points."""


@dataclass
class NetworkCalibration:
    """What a calibration returns."""

    values: dict[str, float]
    posterior: pd.DataFrame
    populations: int
    simulations: int
    fit_ard: float
    fit_until: str | None
    start_ard: float = float("nan")
    chosen: str = ""


def calibrate_network(
    scenario: NetworkScenario,
    *,
    budget: dt.timedelta | None,
    out_dir: Path,
    population_size: int = 30,
    max_populations: int = 8,
    scale: int | None = None,
    seed: int | None = None,
    min_acceptance_rate: float = 0.01,
    workers: int = 1,
    candidate_seeds: int = 4,
    scheduler: str | None = None,
    progress: bool = False,
) -> NetworkCalibration:
    """ABC-SMC fit of the scenario's ``calibration.parameters`` to the camp series up to ``fit_until``.

    The simulations run on ``workers`` local processes or on the Dask cluster at ``scheduler``,
    in seeded batches (:mod:`flowsim.analysis.abc_sampler`): each run's seed follows from the
    root seed and the particle's values, so the posterior is the same on either.

    Raises:
        CalibrationError: the scenario lists no parameters, or pyabc is not installed.
    """
    scale = scale or scenario.calibration.scale or max(scenario.scale, 10)
    seed = scenario.calendar.seed if seed is None else seed
    observations = CampSeries(scenario)
    result = calibrate(scenario, observations, budget=budget, out_dir=out_dir, scale=scale, workers=workers,
                       scheduler=scheduler, population_size=population_size, seed=seed,
                       min_acceptance_rate=min_acceptance_rate, max_populations=max_populations, progress=progress,
                       prior_draws=0)
    names = [p.name for p in result.priors]
    candidates = {
        "posterior weighted median": {n: result.summary[n]["median"] for n in names},
        "posterior weighted mean": {n: result.summary[n]["mean"] for n in names},
        "starting values": {n: float(scenario.get_value(n)) for n in names},
    }
    for rank, particle in enumerate(result.posterior.head(CLOSEST_PARTICLES).to_dict("records")):  # by distance
        candidates[f"particle {rank + 1} closest to the data"] = {n: float(particle[n]) for n in names}
    crn = derived_seeds(seed, count=candidate_seeds)  # the same seeds for every candidate's runs
    mean_ard = {label: mean_distance(scenario, observations, point, crn, scale) for label, point in candidates.items()}
    chosen = min(mean_ard, key=mean_ard.get)
    return NetworkCalibration(
        values=candidates[chosen],
        posterior=result.posterior,
        populations=len(result.populations),
        simulations=int(result.record["simulations"]),
        fit_ard=mean_ard[chosen],
        fit_until=scenario.fit_until.isoformat() if scenario.fit_until else None,
        start_ard=mean_ard["starting values"],
        chosen=chosen,
    )


def write_network_calibration(result: NetworkCalibration, scenario: NetworkScenario, out_dir: Path, calibrated_file: Path) -> list[Path]:
    """posterior.csv in ``out_dir`` and the calibrated file (values + fit_until) the scenario applies on load."""
    from flowsim.run.writing import write_atomic, write_csv

    written = [write_csv(result.posterior, out_dir / "posterior.csv")]
    document = {"parameters": {k: float(v) for k, v in result.values.items()}}
    if result.fit_until:
        document["parameters"]["fit_until"] = result.fit_until
    header = (
        f"# Calibrated by flowsim calibrate (ABC-SMC, {result.populations} populations, {result.simulations} simulations),\n"
        f"# fitted on days up to {result.fit_until or 'the end'}; ARD on the fit period at these values ({result.chosen}): "
        f"{result.fit_ard:.3f}, at the starting values: {result.start_ard:.3f}.\n"
    )
    text = header + yaml.safe_dump(document, sort_keys=False)
    calibrated_file.parent.mkdir(parents=True, exist_ok=True)
    written.append(write_atomic(calibrated_file, lambda p: p.write_text(text, encoding="utf-8")))
    return written
