"""Calibration and forecast of network scenarios (imported Flee cases) with ABC-SMC.

The rule parameters listed in the scenario's ``calibration.parameters`` are fitted with
pyabc's ABC-SMC; the distance of a simulation is Flee's ARD over the days up to
``fit_until`` (all days if not set). The calibrated values go to the scenario's
``calibration.calibrated_file``, with ``fit_until``, so ``flowsim validate`` then reports the
ARD on the fit period and on the rest (the forecast), with bands over runs.

The calibrated values are one point of the final population, chosen on the fit period only:
the weighted median and mean of the posterior, its particles closest to the data, and the
values the scenario started from are each run with the same few seeds (common random
numbers), and the point with the lowest mean ARD wins. A per-parameter median of a posterior
with correlated parameters can fall between its ridges (burundi2015: median 0.559 against
particles at 0.52), and keeping the starting point among the candidates means a calibration
never hands back values that fit the fit period worse than those it was given.

Reference: Toni, T. et al. (2009). Approximate Bayesian computation scheme for parameter
inference and model selection in dynamical systems. J. R. Soc. Interface 6, 187–202.
doi:10.1098/rsif.2008.0172
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from flowsim.analysis.executors import make_executor, resolve_kind
from flowsim.run.seeds import derived_seed, derived_seeds, parameter_digest, random_stream
from flowsim.kinds.network.analysis.flee_score import ard
from flowsim.kinds.network.engine.model import NetworkModel
from flowsim.kinds.network.scenario.schema import NetworkScenario

from flowsim.errors import CalibrationError

KERNEL_FLOOR = 0.02
"""Standard deviation of the perturbation kernel's floor, as a fraction of each prior's width."""


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


def _fit_days(scenario: NetworkScenario) -> int:
    if scenario.fit_until is None:
        return scenario.days
    return (scenario.fit_until - scenario.start).days + 1


def fit_distance(scenario: NetworkScenario, values: dict[str, float], seed: int | np.random.Generator) -> float:
    """ARD over the fit period of one run with ``values`` applied (the ABC distance)."""
    candidate = scenario.with_overrides(values)
    days = _fit_days(scenario)
    run = NetworkModel(candidate, rng=seed, days=days).run()
    return ard(run.simulated, run.observed)


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
) -> NetworkCalibration:
    """ABC-SMC fit of the scenario's ``calibration.parameters`` to the camp series up to ``fit_until``.

    The simulations run on ``workers`` local processes or on the Dask cluster at ``scheduler``,
    in seeded batches (:mod:`flowsim.analysis.abc_sampler`): each run's seed follows from the
    root seed and the particle's values, so the posterior is the same on either.

    Raises:
        CalibrationError: the scenario lists no parameters, or pyabc is not installed.
    """
    try:
        import pyabc
    except ImportError:  # pragma: no cover - pyabc is the calibrate extra
        raise CalibrationError("flowsim calibrate needs pyabc: pip install 'flowsim[calibrate]'.") from None
    parameters = scenario.calibration.parameters
    if not parameters:
        raise CalibrationError(f"{scenario.source_path}: calibration.parameters is empty; list the rule settings to fit (name, low, high, scale).")
    scale = scale or scenario.calibration.scale or max(scenario.scale, 10)
    base = scenario.with_overrides({"agent_scale": int(scale)})
    keys = [f"p{i}" for i in range(len(parameters))]
    priors = {}
    for key, p in zip(keys, parameters):
        if p.scale == "log":
            priors[key] = pyabc.RV("uniform", math.log10(p.low), math.log10(p.high) - math.log10(p.low))
        else:
            priors[key] = pyabc.RV("uniform", p.low, p.high - p.low)

    def to_values(particle: dict) -> dict[str, float]:
        return {p.name: (10 ** float(particle[k]) if p.scale == "log" else float(particle[k])) for k, p in zip(keys, parameters)}

    given = scenario.calendar.seed if seed is None else seed
    root = derived_seed(given)  # of the proposals' runs and of pyABC's own draws
    crn = derived_seeds(given, count=candidate_seeds)  # the same seeds for every candidate's runs

    def model(particle: dict) -> dict:
        # the run's seed follows from the particle, so a particle gives the same run in any worker
        digest = parameter_digest(particle[k] for k in keys)
        return {"ard": fit_distance(base, to_values(particle), random_stream(root, digest))}

    def distance(x: dict, x0: dict) -> float:
        return abs(x["ard"] - x0["ard"])

    from flowsim.analysis.abc_kernel import PopulationSpreadTransition
    from flowsim.analysis.abc_sampler import SeededPoolSampler, proposal_seed

    np.random.seed(proposal_seed(int(root), -2, 0))  # anything pyABC draws outside a proposal
    floor = {k: (KERNEL_FLOOR * _prior_width(p)) ** 2 for k, p in zip(keys, parameters)}
    db = out_dir / "abc.db"
    with make_executor(resolve_kind(None, workers, scheduler), workers, scheduler) as pool:
        out_dir.mkdir(parents=True, exist_ok=True)  # the pool first: nothing is touched if it cannot start
        db.unlink(missing_ok=True)
        abc = pyabc.ABCSMC(model, pyabc.Distribution(**priors), distance, population_size=population_size,
                           sampler=SeededPoolSampler(int(root), pool), transitions=PopulationSpreadTransition(floor))
        abc.new(f"sqlite:///{db}", {"ard": 0.0})
        history = abc.run(max_nr_populations=max_populations, max_walltime=budget,
                          min_acceptance_rate=min_acceptance_rate)
    frame, weights = history.get_distribution()
    posterior = pd.DataFrame({p.name: (10 ** frame[k] if p.scale == "log" else frame[k]).to_numpy() for k, p in zip(keys, parameters)})
    posterior["weight"] = weights
    names = [p.name for p in parameters]
    candidates = {
        "posterior weighted median": {n: _weighted_median(posterior[n].to_numpy(), weights) for n in names},
        "posterior weighted mean": {n: float(np.average(posterior[n].to_numpy(), weights=weights)) for n in names},
        "starting values": {n: float(scenario.get_value(n)) for n in names},
    }
    closest = sorted(history.get_population().particles, key=lambda particle: particle.distance)[:3]
    for rank, particle in enumerate(closest):
        candidates[f"particle {rank + 1} closest to the data"] = to_values(dict(particle.parameter))
    mean_ard = {label: float(np.mean([fit_distance(base, point, s) for s in crn])) for label, point in candidates.items()}
    chosen = min(mean_ard, key=mean_ard.get)
    return NetworkCalibration(
        values=candidates[chosen],
        posterior=posterior,
        populations=int(history.max_t + 1),
        simulations=int(history.total_nr_simulations),
        fit_ard=mean_ard[chosen],
        fit_until=scenario.fit_until.isoformat() if scenario.fit_until else None,
        start_ard=mean_ard["starting values"],
        chosen=chosen,
    )


def _prior_width(parameter) -> float:
    """Width of a parameter's uniform prior on the scale it is sampled on."""
    if parameter.scale == "log":
        return math.log10(parameter.high) - math.log10(parameter.low)
    return parameter.high - parameter.low


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, 0.5 * cumulative[-1])])


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

