"""Validation: run a scenario many times and hold each documented figure against the runs.

The run loop is every kind's (:func:`observed_runs`: seeds spawned from one root, runs here, on
a process pool or a Dask cluster, kept in seed order) and so is the 5-95 % :func:`band`; what a
run is held against is the kind's :class:`~flowsim.kinds.protocol.Observations` (a targets
file for the mobilization model, the observed camp series for a Flee case).

:func:`validate` (``flowsim validate SCENARIO --runs 20``) runs the scenario with 20 seeds spawned from one
seed, computes every target of the scenario's targets file in every run, and writes one row
per target to ``validation.csv``: the documented interval, the simulated median and 5-95 %
range, whether the median is inside the interval and in what share of runs the value is.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from concurrent.futures import Executor, Future, as_completed
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from flowsim.analysis.acceptance import acceptance, band_coverage, kazakhstan_peak
from flowsim.analysis.executors import make_executor, resolve_kind
from flowsim.analysis.posterior import SEED_NOISE_ONLY, Uncertainty, uncertainty_for
from flowsim.analysis.series import averaged_relative_difference, series_table
from flowsim.analysis.target_observations import TargetObservations, figure_counts
from flowsim.analysis.targets import Target, TargetSet, load_targets, simulated_values
from flowsim.errors import TargetsError
from flowsim.kinds.protocol import Observations
from flowsim.figures.tables import read_table
from flowsim.scenario.spec import ScenarioSpec
from flowsim.run.seeds import Purpose, random_stream, spawn_seeds

VALIDATION_COLUMNS = (
    "id", "role", "label", "source", "country", "column", "start", "end", "statistic", "low", "high",
    "documented", "sim_median", "sim_p05", "sim_p95", "inside", "share_inside",
)


def scenario_targets(scenario: ScenarioSpec) -> TargetSet:
    """The targets file a scenario declares under ``targets:``.

    Raises:
        TargetsError: the scenario declares no targets, or the file is bad.
    """
    targets_path = getattr(scenario, "targets_path", None)  # a kind whose scenarios name a targets file
    if targets_path is None:
        raise TargetsError(
            f"Scenario '{scenario.name}' ({scenario.source_path or 'built in memory'}) declares no "
            "targets file: add 'targets: <path to targets YAML>' to it, relative to the scenario file."
        )
    return load_targets(targets_path)


def observed_run(scenario: ScenarioSpec, seed: int, scale: float | None, observations: Observations,
                 parameters: dict[str, float] | None = None) -> dict[str, Any]:
    """Simulate once (with ``parameters`` as overrides) and keep what ``observations`` keep of a run.

    Top level, so it pickles for a process pool.
    """
    from flowsim.run.simulate import simulate  # the kind's engine loads on first run

    if parameters:
        scenario = scenario.with_overrides(parameters)
    return observations.of_run(simulate(scenario, seed=seed, scale=scale))


def observed_runs(
    scenario: ScenarioSpec,
    observations: Observations,
    seeds: list[int],
    scale: float | None,
    executor: Executor | None = None,
    *,
    progress: bool = False,
    uncertainty: Uncertainty = SEED_NOISE_ONLY,
) -> list[dict[str, Any]]:
    """One run per seed, here or on ``executor`` (a process pool, a Dask cluster): what each run's
    observations keep of it, in the order of the seeds whatever order the runs finish in."""
    bar = tqdm(total=len(seeds), desc=f"validate {scenario.name}", unit="run", disable=not progress)
    outcomes: dict[int, dict] = {}
    with bar:
        if executor is None:
            for i, seed in enumerate(seeds):
                outcomes[i] = observed_run(scenario, seed, scale, observations, uncertainty.for_run(i))
                bar.update()
        else:
            futures: dict[Future, int] = {
                executor.submit(observed_run, scenario, seed, scale, observations, uncertainty.for_run(i)): i
                for i, seed in enumerate(seeds)
            }
            for future in as_completed(futures):
                outcomes[futures[future]] = future.result()
                bar.update()
    return [outcomes[i] for i in range(len(seeds))]


def band(samples: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The 5-95 % band of runs' values (the 5th and 95th percentiles along ``axis``, the runs)."""
    return np.percentile(samples, 5, axis=axis), np.percentile(samples, 95, axis=axis)


def run_values_table(
    scenario: ScenarioSpec,
    targets: TargetSet,
    seeds: list[int],
    scale: float | None,
    executor: Executor | None = None,
    *,
    progress: bool = False,
    uncertainty: Uncertainty = SEED_NOISE_ONLY,
) -> pd.DataFrame:
    """Target values of one run per seed: one row per run (column ``seed``), one column per target.

    The series points and daily counts of the runs are in ``attrs["series"]`` and
    ``attrs["daily"]`` (stacked, with a ``run`` column).
    """
    outcomes = observed_runs(scenario, TargetObservations(targets), seeds, scale, executor, progress=progress,
                             uncertainty=uncertainty)
    table = pd.DataFrame([outcome["values"] for outcome in outcomes], columns=targets.ids)
    table.insert(0, "seed", seeds)
    table.attrs["series"] = pd.DataFrame(
        [{"run": i, **row} for i, outcome in enumerate(outcomes) for row in outcome["series"]])
    table.attrs["daily"] = pd.DataFrame(
        [{"run": i, **row} for i, outcome in enumerate(outcomes) for row in outcome["daily"]])
    return table


def summarise(targets: TargetSet, values: pd.DataFrame) -> pd.DataFrame:
    """One row per target from a table of per-run values (see :data:`VALIDATION_COLUMNS`)."""
    rows = []
    for target in targets:
        sample = values[target.id].to_numpy(dtype=float)
        finite = sample[~np.isnan(sample)]
        median = np.quantile(finite, 0.5) if finite.size else math.nan
        p05, p95 = band(finite) if finite.size else (math.nan, math.nan)
        rows.append({
            "id": target.id,
            "role": target.role,
            "label": target.label,
            "source": target.sources,
            "country": "+".join(target.countries) if target.countries else "all",
            "column": _column_text(target),
            "start": target.start.isoformat() if target.start else "",
            "end": target.end.isoformat() if target.end else "",
            "statistic": target.statistic,
            "low": target.low,
            "high": target.high,
            "documented": target.documented,
            "sim_median": float(median),
            "sim_p05": float(p05),
            "sim_p95": float(p95),
            "inside": target.contains(float(median)),
            "share_inside": float(np.mean([target.contains(float(v)) for v in sample])) if sample.size else 0.0,
        })
    return pd.DataFrame(rows, columns=list(VALIDATION_COLUMNS))


def _column_text(target: Target) -> str:
    text = "+".join(target.columns)
    if target.statistic == "ratio":
        return f"{text} / {target.denominator}"
    if target.statistic == "share":
        return f"{text}: {target.dimension} {'+'.join(target.categories)}"
    if target.statistic == "rank_order":
        return f"{text}: {target.dimension} {' > '.join(target.order or [])}"
    return text


def validate(
    scenario: ScenarioSpec,
    runs: int,
    seed: int,
    scale: float | None,
    executor: Executor | None = None,
    *,
    targets: TargetSet | None = None,
    progress: bool = False,
    posterior_draws: int | None = 0,
) -> pd.DataFrame:
    """Run a scenario ``runs`` times and compare every target with its documented interval.

    Args:
        scenario: the scenario.
        runs: number of runs; their seeds are spawned from ``seed``.
        seed: root seed (``numpy.random.SeedSequence(seed).spawn(runs)``).
        scale: people per agent; None for the scenario's ``behaviour.agent_scale``.
        executor: where runs execute (e.g. a ProcessPoolExecutor); None runs them here.
        targets: the targets; default the scenario's targets file.
        progress: show a progress bar over runs.
        posterior_draws: parameter sets drawn from the scenario's committed posterior (None:
            one per run; 0, the default here: seed noise only; the command line's default
            is one per run).

    Returns:
        One row per target with the columns of :data:`VALIDATION_COLUMNS`. The per-run
        values are in ``frame.attrs["runs"]`` (one row per run), the series points of every
        run in ``attrs["series"]``, their ARD per country in ``attrs["ard"]``, the daily
        counts of :data:`~flowsim.analysis.target_observations.FIGURE_COUNTRIES` in ``attrs["daily"]`` and the band's kind in
        ``attrs["uncertainty"]``.

    Raises:
        TargetsError: no targets file, or a bad one.
        ValueError: ``runs`` is below 1.
    """
    if runs < 1:
        raise ValueError(f"runs must be at least 1, got {runs}")
    targets = targets if targets is not None else scenario_targets(scenario)
    uncertainty = uncertainty_for(scenario, runs, seed, posterior_draws)
    values = run_values_table(scenario, targets, spawn_seeds(seed, runs), scale, executor, progress=progress,
                              uncertainty=uncertainty)
    frame = summarise(targets, values)
    frame.attrs["runs"] = values
    frame.attrs["series"] = values.attrs["series"]
    frame.attrs["daily"] = values.attrs["daily"]
    frame.attrs["ard"] = averaged_relative_difference(values.attrs["series"])
    frame.attrs["uncertainty"] = uncertainty.label
    return frame


def prior_predictive_series(scenario: ScenarioSpec, targets: TargetSet, runs: int, seed: int, scale: float | None,
                            executor: Executor | None = None) -> pd.DataFrame:
    """Series points of ``runs`` runs whose free parameters are drawn from the calibration's
    priors (uniform on each prior's sampling scale): the prior predictive, a naive forecast."""
    from flowsim.analysis.abc_model import scenario_priors

    priors = scenario_priors(scenario)
    rng = random_stream(seed, Purpose.PRIOR_PREDICTIVE)
    draws = tuple({p.name: p.value(float(rng.uniform(p.lower, p.upper))) for p in priors} for _ in range(runs))
    values = run_values_table(scenario, targets, spawn_seeds(seed, runs), scale, executor,
                              uncertainty=Uncertainty(draws, f"prior predictive ({runs} prior draws)"))
    return values.attrs["series"]


def check_at_scale_one(scenario: ScenarioSpec, values: dict[str, float | int], targets: TargetSet, *, runs: int,
                       seed: int, workers: int = 1, progress: bool = False,
                       scheduler: str | None = None) -> dict[str, Any]:
    """Validate the calibrated scenario at one agent per person; a summary for the record."""
    calibrated = scenario.with_overrides(values)
    with make_executor(resolve_kind(None, workers, scheduler), workers, scheduler) as pool:
        frame = validate(calibrated, runs, seed, 1.0, pool, targets=targets, progress=progress)
    failing = frame.loc[~frame["inside"], "id"].tolist()
    return {
        "runs": runs,
        "seed": seed,
        "holds": not failing,
        "targets_inside": f"{len(frame) - len(failing)} of {len(frame)}",
        "failing": failing,
        "medians": {row.id: float(row.sim_median) for row in frame.itertuples()},
    }


def format_validation(frame: pd.DataFrame) -> str:
    """The validation table as aligned text for a terminal."""
    def number(value: float | None) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "-"
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"

    lines = [f"{'target':<11} {'role':<11} {'documented interval':>23} {'sim median':>11} {'sim 5-95 %':>23} "
             f"{'inside':>6} {'runs in':>7}  label"]
    for row in frame.itertuples():
        interval = f"[{number(row.low)}, {number(row.high)}]"
        spread = f"[{number(row.sim_p05)}, {number(row.sim_p95)}]"
        lines.append(f"{row.id:<11} {row.role:<11} {interval:>23} {number(row.sim_median):>11} {spread:>23} "
                     f"{'yes' if row.inside else 'NO':>6} {row.share_inside:>7.0%}  {row.label}")
    for role in ("calibration", "check"):
        mine = frame[frame["role"] == role]
        if len(mine):
            lines.append(f"{int(mine['inside'].sum())} of {len(mine)} {role} targets hold "
                         "(median inside the documented interval).")
    return "\n".join(lines)


def single_run_validation(targets: TargetSet, tables: Mapping[str, pd.DataFrame], seed: int) -> pd.DataFrame:
    """The validation table of one run (its value stands for median and band)."""
    values = pd.DataFrame([simulated_values(targets, tables)], columns=targets.ids)
    values.insert(0, "seed", [seed])
    return summarise(targets, values)


def validation_from_run_folders(targets: TargetSet, folders: list[Path], seeds: list[int], *,
                                uncertainty: str = "seed noise only") -> pd.DataFrame:
    """The validation table of an ensemble, from the tables its runs wrote to disk.

    Like :func:`validate`, the frame carries the runs' series points, their ARD and the
    daily counts of :data:`~flowsim.analysis.target_observations.FIGURE_COUNTRIES` in its ``attrs``.
    """
    needed = {t.table for t in targets} | {"daily"} | ({"crossings"} if any(p.crossings for p in targets.series) else set())
    rows, series, daily = [], [], []
    for run, folder in enumerate(folders):
        tables = {name: read_table(folder / f"{name}.csv") for name in sorted(needed)}
        rows.append(simulated_values(targets, tables))
        series.append(series_table(targets.series, tables["daily"], tables.get("crossings")).assign(run=run))
        daily.append(figure_counts(tables["daily"], tables.get("crossings"), targets.series).assign(run=run))
    values = pd.DataFrame(rows, columns=targets.ids)
    values.insert(0, "seed", seeds)
    frame = summarise(targets, values)
    frame.attrs.update(runs=values, series=pd.concat(series, ignore_index=True),
                       daily=pd.concat(daily, ignore_index=True), uncertainty=uncertainty)
    frame.attrs["ard"] = averaged_relative_difference(frame.attrs["series"])
    return frame


def write_validation(frame: pd.DataFrame, out_dir: Path) -> dict[str, Path]:
    """Write a validation's tables and its documented-vs-simulated figure into ``out_dir``.

    Files: ``validation.csv`` (one row per target), ``series.csv`` (documented and simulated
    series points of every run), ``ard.csv`` (ARD per country and overall),
    ``band_coverage.csv`` (the runs' 5-95 % band at each documented point),
    ``kazakhstan_peak.csv`` (each run's peak of Kazakhstan's entries), ``acceptance.csv``
    (the criteria of :func:`flowsim.analysis.acceptance.acceptance`) and
    ``figures/documented_vs_simulated.png`` / ``.svg`` (daily border counts with the runs'
    band, whose kind the caption names).
    """
    from flowsim.figures.documented import documented_vs_simulated
    from flowsim.figures.style import save_figure
    from flowsim.run.writing import write_csv

    out_dir = Path(out_dir)
    written = {"validation": write_csv(frame, out_dir / "validation.csv")}
    series = frame.attrs.get("series")
    if series is not None and len(series):
        written["series"] = write_csv(series, out_dir / "series.csv")
        written["ard"] = write_csv(frame.attrs["ard"], out_dir / "ard.csv")
    if series is not None and len(series):
        written["band_coverage"] = write_csv(band_coverage(series), out_dir / "band_coverage.csv")
    daily = frame.attrs.get("daily")
    if daily is not None and len(daily) and (daily["country"] == "kazakhstan").any():
        written["kazakhstan_peak"] = write_csv(kazakhstan_peak(daily), out_dir / "kazakhstan_peak.csv")
    written["acceptance"] = write_csv(acceptance(frame), out_dir / "acceptance.csv")
    if daily is not None and len(daily):
        points = series if series is not None and len(series) else pd.DataFrame(
            columns=["country", "column", "start", "end", "documented", "source"])
        figure = documented_vs_simulated(daily, points.drop_duplicates("id") if "id" in points else points,
                                         band_kind=frame.attrs.get("uncertainty", "seed noise only"))
        written["figure"] = save_figure(figure, out_dir / "figures", "documented_vs_simulated", dpi=110)[0]
    return written
