"""Calibration: fit the scenario's free parameters to its kind's observations by ABC-SMC, for every kind.

:func:`calibrate` (``flowsim calibrate SCENARIO --budget 30m``) draws the free parameters named in the
scenario's ``calibration:`` section from their priors (uniform, on a log scale where asked),
simulates at the calibration scale and keeps the draws whose distance to the observations
(:class:`~flowsim.kinds.protocol.Observations`: for a targets file, targets missed and by how
much plus the weighted series term; for a Flee case, the ARD of the camp series on the fit
period) falls under a threshold that shrinks population after population (approximate
Bayesian computation with sequential Monte Carlo, pyABC, with the seeded sampler of
:mod:`~flowsim.analysis.abc_sampler` and the kernel of :mod:`~flowsim.analysis.abc_kernel`). It
stops at the first of: distance 0, the wall-time budget, the simulation budget, too low an
acceptance rate, or the population limit.

It writes
  * ``posterior.csv`` (accepted particles of the last population: weight, distance,
    parameter values and target values) and ``abc.db`` (pyABC's database) to the output
    folder;
  * the calibrated parameter file (the scenario's ``calibration.calibrated_file``): the
    posterior weighted medians, as dotted-path overrides the scenario loader applies;
  * a calibration record next to it (``<name>.record.yaml``): priors, budget, populations,
    thresholds, acceptance rates, wall time, simulations, posterior summary, seed, scale, and
    whether validation at scale 1 holds with the calibrated values.

pyABC is an optional dependency (``pip install flowsim[calibrate]``) and is imported only
here, inside functions.

References:
    Toni T, Welch D, Strelkowa N, Ipsen A, Stumpf MPH (2009). Approximate Bayesian
    computation scheme for parameter inference and model selection in dynamical systems.
    J R Soc Interface 6:187-202. https://doi.org/10.1098/rsif.2008.0172
    Schälte Y, Klinger E, Alamoudi E, Hasenauer J (2022). pyABC: Efficient and robust
    easy-to-use approximate Bayesian computation. JOSS 7(74):4304.
    https://doi.org/10.21105/joss.04304
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from flowsim.analysis.abc_model import EXPIRED, Prior, TargetDistance, TargetModel, scenario_priors
from flowsim.analysis.diagnostics import posterior_diagnostics, prior_informativeness, value_provenance
from flowsim.analysis.executors import make_executor, resolve_kind
from flowsim.analysis.target_observations import as_observations
from flowsim.analysis.targets import TargetSet
from flowsim.errors import CalibrationError
from flowsim.figures.posterior import pair_plot
from flowsim.figures.style import save_figure
from flowsim.run.writing import write_csv, write_text
from flowsim.kinds.protocol import Observations
from flowsim.kinds.registry import kind_of
from flowsim.scenario.spec import ScenarioSpec

__all__ = ["EXPIRED", "CalibrationResult", "Prior", "TargetDistance", "TargetModel", "calibrate",
           "calibrated_file_text", "parse_duration", "scenario_priors",
           "weighted_quantile", "write_calibration"]

TRANSITION_SCALING = 2.0
"""Covariance of ABC-SMC's perturbation kernel as a multiple of the population's (Beaumont et al. 2009)."""

KERNEL_FLOOR = 0.02
"""Smallest standard deviation of the perturbation kernel, as a share of each prior's width."""

_DURATION = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)h)?\s*(?:(\d+(?:\.\d+)?)m)?\s*(?:(\d+(?:\.\d+)?)s?)?\s*$")


def parse_duration(text: str) -> dt.timedelta:
    """A budget such as ``'30m'``, ``'90s'``, ``'1h'``, ``'1h30m'`` or ``'45'`` (seconds).

    Raises:
        ValueError: the text is not a positive duration.
    """
    match = _DURATION.match(text.lower()) if text.strip() else None
    if not match or not any(match.groups()):
        raise ValueError(f"'{text}' is not a duration; write e.g. 30m, 90s, 1h or 1h30m")
    hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    duration = dt.timedelta(hours=hours, minutes=minutes, seconds=seconds)
    if duration.total_seconds() <= 0:
        raise ValueError(f"'{text}' is not a positive duration")
    return duration


# --------------------------------------------------------------------------- priors and model


@dataclass
class CalibrationResult:
    """What a calibration found; :func:`write_calibration` writes it."""

    posterior: pd.DataFrame          # last population: weight, distance, parameters (scenario values), sim_<target>
    populations: pd.DataFrame        # t, epsilon, particles, simulations, acceptance_rate, wall_time_s
    priors: list[Prior]
    point: dict[str, float | int]    # calibrated values (dotted path -> value)
    summary: dict[str, dict[str, float]]  # per parameter: median, p05, p95, mean
    record: dict[str, Any] = field(default_factory=dict)


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """Quantile of a weighted sample (the smallest value whose cumulative weight reaches q)."""
    order = np.argsort(values)
    values, weights = np.asarray(values, float)[order], np.asarray(weights, float)[order]
    cumulative = np.cumsum(weights) / weights.sum()
    return float(values[min(np.searchsorted(cumulative, q - 1e-12), len(values) - 1)])


def _require_pyabc():
    try:
        import pyabc
    except ImportError:
        raise CalibrationError(
            "Calibration needs pyABC, which is not installed. Install the optional extra: "
            "pip install 'flowsim[calibrate]' (or: make install)."
        ) from None
    return pyabc


def calibrate(
    scenario: ScenarioSpec,
    targets: TargetSet | Observations,
    *,
    budget: dt.timedelta | None,
    out_dir: Path,
    scale: float | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    population_size: int = 100,
    seed: int | None = None,
    min_acceptance_rate: float = 0.01,
    max_simulations: int | None = None,
    max_populations: int | None = None,
    point: str = "median",
    progress: bool = True,
    prior_draws: int = 100,
) -> CalibrationResult:
    """Fit the scenario's free parameters to the targets by ABC-SMC.

    Args:
        scenario: the scenario; its ``calibration`` section names the free parameters.
        targets: the figures to fit: a targets file, or the observations of the scenario's kind
            (:meth:`~flowsim.kinds.protocol.ScenarioKind.observations`: statistics and distance).
        budget: wall-time budget of the ABC run (the generation in progress when it is
            spent is cut short; a pilot run before it is not counted); None: no wall-time
            limit, so only ``max_populations``, ``max_simulations`` and the acceptance rate
            stop it and the result does not depend on the machine's speed or load.
        out_dir: folder for pyABC's database ``abc.db``.
        scale: people per agent during calibration; default ``calibration.scale``.
        workers: processes sampling in parallel (a local process pool).
        scheduler: address of a Dask scheduler (``tcp://host:8786``) whose workers run the
            simulations instead; ``workers`` is then ignored.
        population_size: accepted particles per population.
        seed: root seed of the model runs and of pyABC's proposals; default the scenario's
            calendar seed. With no wall-time budget (or one that is not reached) the same seed
            gives the same posterior whatever the number of workers, on a process pool or a Dask cluster
            (:class:`flowsim.analysis.abc_sampler.SeededPoolSampler`).
        min_acceptance_rate: stop when a population's acceptance rate falls below this (> 0).
        max_simulations: stop after this many simulations (checked between populations).
        max_populations: stop after this many populations.
        point: calibrated value per parameter: 'median' (posterior weighted median) or 'best'
            (the accepted particle with the smallest distance).
        progress: show pyABC's log and progress bar.
        prior_draws: runs drawn from the priors before the ABC run, to measure each target's
            informativeness (:func:`prior_informativeness`, targets files only); 0 skips it. Not
            counted in ``budget``.

    Returns:
        The posterior, the populations and the calibrated values.

    Raises:
        CalibrationError: no free parameters, pyABC missing, or a budget too small for the
            population size.
    """
    pyabc = _require_pyabc()
    if not 0 < min_acceptance_rate <= 1:
        raise CalibrationError(f"min_acceptance_rate must be in (0, 1], got {min_acceptance_rate}.")
    if point not in ("median", "best"):
        raise CalibrationError(f"point must be 'median' or 'best', got '{point}'.")
    priors = scenario_priors(scenario)
    scale = scale if scale is not None else (scenario.calibration.scale if scenario.calibration else None)
    seed = kind_of(scenario).default_seed(scenario) if seed is None else int(seed)
    logging.getLogger("ABC").setLevel(logging.INFO if progress else logging.WARNING)
    observations = as_observations(targets)
    pilot = TargetModel(scenario, observations, priors, scale, seed)
    began = time.perf_counter()
    pilot({p.key: (p.lower + p.upper) / 2 for p in priors})
    seconds_per_run = time.perf_counter() - began
    needed = 3 * population_size * seconds_per_run / max(workers, 1)
    if budget is not None and needed > budget.total_seconds():
        raise CalibrationError(
            f"A budget of {_duration_text(budget)} is too small: one run takes {seconds_per_run:.2f} s, and the "
            f"prior sample plus a first population of {population_size} need about {needed:.0f} s on "
            f"{workers} worker(s). Raise --budget, lower --population-size, add --workers or raise --scale."
        )

    deadline = time.time() + budget.total_seconds() if budget is not None else math.inf
    model = TargetModel(scenario, observations, priors, scale, seed, deadline)
    prior = pyabc.Distribution(**{p.key: pyabc.RV("uniform", p.lower, p.upper - p.lower) for p in priors})
    out_dir = Path(out_dir)
    db = out_dir / "abc.db"
    with make_executor(resolve_kind(None, workers, scheduler), workers, scheduler) as pool:
        informativeness = (prior_informativeness(scenario, observations.targets, priors, draws=prior_draws,
                                                 scale=scale, seed=seed, executor=pool) if prior_draws > 0 else None)
        from flowsim.analysis.abc_sampler import SeededPoolSampler, proposal_seed

        out_dir.mkdir(parents=True, exist_ok=True)  # the pool first: nothing is touched if it cannot start
        db.unlink(missing_ok=True)

        np.random.seed(proposal_seed(seed, -2, 0))  # anything pyABC draws here rather than in a proposal

        abc = pyabc.ABCSMC(model, prior, TargetDistance(observations), population_size=population_size,
                           sampler=SeededPoolSampler(seed, pool), transitions=_perturbation_kernel(priors))
        abc.new(f"sqlite:///{db.resolve()}", observations.observed)
        started = time.perf_counter()
        history = abc.run(
            minimum_epsilon=0.0,
            max_nr_populations=max_populations if max_populations else np.inf,
            min_acceptance_rate=min_acceptance_rate,
            max_total_nr_simulations=max_simulations if max_simulations else np.inf,
            max_walltime=budget,
        )
        wall_time = time.perf_counter() - started
    if history.max_t < 0:
        raise CalibrationError(
            "No population was completed within the budget: raise --budget or lower --population-size."
        )

    posterior = _posterior(history, priors, observations.ids)
    populations = _populations(history)
    summary, values = posterior_summary(posterior, priors, point)
    last = populations.iloc[-1]
    record = {
        "method": "abc",
        **scenario_record(scenario, seed, scale, workers, scheduler),
        "population_size": population_size,
        "point_estimate": "posterior weighted median" if point == "median" else "best accepted particle",
        "budget": {
            "wall_time_s": budget.total_seconds() if budget is not None else None,
            "max_simulations": max_simulations,
            "min_acceptance_rate": min_acceptance_rate,
            "max_populations": max_populations,
        },
        "stopped_because": _stop_reason(populations, budget, wall_time, min_acceptance_rate,
                                        max_simulations, max_populations),
        "wall_time_s": round(wall_time, 1),
        "seconds_per_run": round(seconds_per_run, 3),
        "simulations": int(history.total_nr_simulations),
        "final_epsilon": float(last["epsilon"]),
        "distance": observations.describe_distance(),
        "effective_sample_size": round(kish_ess(posterior["weight"].to_numpy()), 1),
        "priors": [{"name": p.name, "low": p.low, "high": p.high, "scale": p.scale} for p in priors],
        "populations": [
            {k: _plain(v) for k, v in row.items()} for row in populations.to_dict(orient="records")
        ],
        "posterior": summary,
        "calibrated_values": values,
        "pyabc_version": pyabc.__version__,
    }
    record.update(posterior_diagnostics(posterior, scenario))
    if informativeness is not None:
        record["informativeness"] = {
            "prior_draws": prior_draws,
            "targets": informativeness.to_dict(orient="records"),
        }
    record["provenance"] = value_provenance(scenario)
    return CalibrationResult(posterior, populations, priors, values, summary, record)


def posterior_summary(posterior: pd.DataFrame, priors: list[Prior],
                      point: str = "median") -> tuple[dict[str, dict[str, float]], dict[str, float | int]]:
    """Per parameter the weighted median, 5 % and 95 % quantiles and mean of the particles, and the
    calibrated values: the medians, or with ``point='best'`` the particle with the smallest distance."""
    summary = {
        p.name: {
            "median": _plain(weighted_quantile(posterior[p.name], posterior["weight"], 0.5), p.integer),
            "p05": _plain(weighted_quantile(posterior[p.name], posterior["weight"], 0.05), p.integer),
            "p95": _plain(weighted_quantile(posterior[p.name], posterior["weight"], 0.95), p.integer),
            "mean": float(np.average(posterior[p.name], weights=posterior["weight"])),
        }
        for p in priors
    }
    if point == "median":
        return summary, {p.name: summary[p.name]["median"] for p in priors}
    best = posterior.sort_values(["distance", "weight"], ascending=[True, False]).iloc[0]
    return summary, {p.name: _plain(best[p.name], p.integer) for p in priors}


def scenario_record(scenario: Scenario, seed: int, scale: float | None, workers: int,
                    scheduler: str | None) -> dict[str, Any]:
    """The opening of a calibration record: which scenario (path and hash), seed, scale and workers."""
    return {
        "scenario": scenario.name,
        "scenario_path": str(scenario.source_path) if scenario.source_path else None,
        "scenario_hash": scenario.source_hash,
        "seed": seed,
        "scale": scale if scale is not None else kind_of(scenario).default_scale(scenario),
        "workers": None if scheduler else workers,
        "scheduler": scheduler,
    }


def _perturbation_kernel(priors: list[Prior]):
    """The ABC-SMC perturbation kernel: ``TRANSITION_SCALING`` × the population's spread.

    See :mod:`flowsim.analysis.abc_kernel` for why not pyABC's weighted covariance. A floor of
    ``KERNEL_FLOOR`` × the prior's width under each parameter's standard deviation keeps the
    kernel full-rank when the particles agree on a parameter.
    """
    from flowsim.analysis.abc_kernel import PopulationSpreadTransition

    floor = {p.key: (KERNEL_FLOOR * (p.upper - p.lower)) ** 2 for p in priors}
    bounds = {p.key: (p.lower, p.lower + (p.upper - p.lower)) for p in priors}  # as the uniform prior's support
    return PopulationSpreadTransition(floor, scaling=TRANSITION_SCALING, bounds=bounds)


def _plain(value: Any, integer: bool = False) -> Any:
    """A numpy scalar as a plain Python number (YAML-friendly)."""
    if isinstance(value, (np.integer, int)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return int(round(float(value))) if integer else float(value)
    return value


def _posterior(history, priors: list[Prior], statistics: list[str]) -> pd.DataFrame:
    population = history.get_population(t=history.max_t)
    rows = []
    for particle in population.particles:
        row = {"weight": float(particle.weight), "distance": float(particle.distance)}
        row.update({p.name: p.value(float(particle.parameter[p.key])) for p in priors})
        row.update({f"sim_{name}": float(particle.sum_stat.get(name, math.nan)) for name in statistics})
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame["weight"] = frame["weight"] / frame["weight"].sum()
    return frame.sort_values("distance", kind="stable").reset_index(drop=True)


def kish_ess(weights: np.ndarray) -> float:
    """Kish's effective sample size of weighted particles: (sum w)^2 / sum w^2.

    Kish L (1965). Survey Sampling. Wiley, New York.
    """
    weights = np.asarray(weights, dtype=float)
    total = weights.sum()
    return float(total * total / np.sum(weights * weights)) if total > 0 else 0.0


def _populations(history) -> pd.DataFrame:
    frame = history.get_all_populations()
    frame = frame[frame["t"] >= 0].copy()
    frame["acceptance_rate"] = frame["particles"] / frame["samples"]
    frame["effective_sample_size"] = [round(kish_ess(history.get_distribution(m=0, t=int(t))[1]), 1)
                                      for t in frame["t"]]
    frame = frame.rename(columns={"samples": "simulations", "wall_time": "wall_time_s"})
    columns = ["t", "epsilon", "particles", "simulations", "acceptance_rate", "effective_sample_size", "wall_time_s"]
    return frame[[c for c in columns if c in frame.columns]].reset_index(drop=True)


def _stop_reason(populations: pd.DataFrame, budget: dt.timedelta | None, wall_time: float, min_rate: float,
                 max_simulations: int | None, max_populations: int | None) -> str:
    last = populations.iloc[-1]
    if last["epsilon"] <= 0.0:
        return "every accepted run inside every target interval (distance 0)"
    if budget is not None and wall_time >= budget.total_seconds():
        return "wall-time budget spent"
    if last["acceptance_rate"] < min_rate:
        return "acceptance rate below the minimum"
    if max_simulations and populations["simulations"].sum() >= max_simulations:
        return "simulation budget spent"
    if max_populations and len(populations) >= max_populations:
        return "population limit reached"
    return "acceptance rate too low to fill the next population within the evaluation limit"


def _duration_text(duration: dt.timedelta) -> str:
    seconds = int(duration.total_seconds())
    return f"{seconds // 60} min {seconds % 60} s" if seconds >= 60 else f"{seconds} s"


# --------------------------------------------------------------------------- files


def calibrated_file_text(values: dict[str, float | int], *, command: str, scenario: str, record_name: str,
                         when: dt.datetime, method: str = "abc") -> str:
    """The calibrated parameter file: a header comment, then ``parameters:`` dotted path -> value."""
    header = (
        f"# Calibrated parameters of scenario '{scenario}'. GENERATED FILE - do not edit by hand.\n"
        f"# Written by: {command}\n"
        f"# On: {when.isoformat(timespec='seconds')}\n"
        f"# Values are posterior point estimates of {'an ABC-SMC' if method == 'abc' else 'an emulator-posterior'} "
        f"calibration; the scenario loader applies them\n"
        f"# as overrides. Priors, budget, populations and fit: {record_name}\n"
    )
    body = yaml.safe_dump({"parameters": {k: _plain(v) for k, v in values.items()}}, sort_keys=False)
    return header + body


def write_calibration(result: CalibrationResult, *, out_dir: Path, calibrated_file: Path,
                      command: str, when: dt.datetime | None = None) -> dict[str, Path]:
    """Write posterior.csv, the calibrated parameter file and the record, each atomically.

    Returns:
        The paths written, by kind ('posterior', 'calibrated', 'record').
    """
    when = when or dt.datetime.now().astimezone()
    out_dir, calibrated_file = Path(out_dir), Path(calibrated_file)
    record_file = calibrated_file.with_name(calibrated_file.stem + ".record.yaml")
    posterior = write_csv(result.posterior, out_dir / "posterior.csv")
    text = calibrated_file_text(result.point, command=command, scenario=result.record.get("scenario", "?"),
                                record_name=record_file.name, when=when, method=result.record.get("method", "abc"))
    calibrated = write_text(text, calibrated_file)
    record = {
        **result.record,
        "command": command,
        "date": when.isoformat(timespec="seconds"),
        "files": {"posterior": str(posterior), "calibrated": str(calibrated)},
    }
    if result.record.get("method", "abc") == "abc":
        record["files"]["database"] = str(out_dir / "abc.db")
    particles = result.posterior[["weight", *[p.name for p in result.priors]]]
    committed = write_csv(particles, calibrated_file.with_name(calibrated_file.stem + ".posterior.csv"))
    figure = pair_plot(particles, result.priors, f"Calibration posterior of '{result.record.get('scenario')}'")
    pairs = save_figure(figure, out_dir / "figures", "posterior_pairs", dpi=90)[0]
    record["files"]["committed_posterior"] = committed.name
    record_text = (f"# Calibration record of scenario '{record.get('scenario')}'. GENERATED FILE by: {command}\n"
                   + yaml.safe_dump(record, sort_keys=False, allow_unicode=True))
    written = write_text(record_text, record_file)
    return {"posterior": posterior, "committed posterior": committed, "calibrated": calibrated,
            "record": written, "pair plot": pairs}


def format_result(result: CalibrationResult) -> str:
    """The posterior summary as text for a terminal."""
    record = result.record
    lines = [f"\n{record['scenario']}: {record['simulations']:,} simulations in {record['wall_time_s']:.0f} s, "
             f"{len(result.populations)} populations, final threshold {record['final_epsilon']:.3g}, "
             f"effective sample {record.get('effective_sample_size', float('nan')):.0f} of {len(result.posterior)}; "
             f"stopped: {record['stopped_because']}.",
             *parameter_lines(result)]
    ess = [f"{row['effective_sample_size']:.0f}" for row in record.get("populations", [])
           if "effective_sample_size" in row]
    if ess:
        lines.append(f"effective sample (Kish) per population: {', '.join(ess)} of {record['population_size']}")
    info = record.get("informativeness")
    if info:
        lines.append(f"\ninformativeness ({info['prior_draws']} prior draws; share of draws inside each interval):")
        for row in info["targets"]:
            flag = "" if row["verdict"] == "informative" else f"  <- {row['verdict']}"
            lines.append(f"  {row['id']:<11} {row['role']:<11} {row['prior_share_inside']:>6.0%}{flag}")
    lines += diagnostic_lines(record)
    return "\n".join(lines)


def parameter_lines(result: CalibrationResult) -> list[str]:
    """Each parameter's prior, posterior median and 5-95 % interval, as terminal lines."""
    lines = [f"{'parameter':<48} {'prior':>21} {'median':>11} {'5-95 %':>23}"]
    for prior in result.priors:
        s = result.summary[prior.name]
        lines.append(f"{prior.name:<48} {f'[{prior.low:.4g}, {prior.high:.4g}]':>21} {s['median']:>11.4g} "
                     f"{f'[{s['p05']:.4g}, {s['p95']:.4g}]':>23}")
    return lines


def diagnostic_lines(record: dict[str, Any]) -> list[str]:
    """Identifiability, correlated pairs and the check at scale 1 of a record, as terminal lines."""
    lines = ["\nidentifiability (posterior 5-95 % width / prior width):"]
    for row in record.get("identifiability", []):
        bound = f"  <- pressed against its {row['at_bound']} bound" if row["at_bound"] else ""
        lines.append(f"  {row['parameter']:<52} {row['width_ratio']:>5.2f}{bound}")
    for pair in record.get("correlated_pairs", []):
        lines.append(f"  correlated: {pair['a']} ~ {pair['b']} (r = {pair['r']:+.2f})")
    check = record.get("validation_at_scale_1")
    if check and check.get("runs"):
        lines.append(f"at scale 1 ({check['runs']} runs): {check['targets_inside']} targets hold"
                     + (f"; outside: {', '.join(check['failing'])}" if check["failing"] else ""))
    return lines
