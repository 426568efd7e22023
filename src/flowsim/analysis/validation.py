"""Validation: run a scenario many times and hold each documented figure against the runs.

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

import numpy as np
import pandas as pd
from tqdm import tqdm

from flowsim.analysis.executors import spawn_seeds
from flowsim.analysis.targets import Target, TargetSet, load_targets, simulated_values
from flowsim.errors import TargetsError
from flowsim.scenario import Scenario

VALIDATION_COLUMNS = (
    "id", "label", "source", "country", "column", "start", "end", "statistic", "low", "high",
    "documented", "sim_median", "sim_p05", "sim_p95", "inside", "share_inside",
)


def scenario_targets(scenario: Scenario) -> TargetSet:
    """The targets file a scenario declares under ``targets:``.

    Raises:
        TargetsError: the scenario declares no targets, or the file is bad.
    """
    if scenario.targets_path is None:
        raise TargetsError(
            f"Scenario '{scenario.name}' ({scenario.source_path or 'built in memory'}) declares no "
            "targets file: add 'targets: <path to targets YAML>' to it, relative to the scenario file."
        )
    return load_targets(scenario.targets_path)


def run_target_values(scenario: Scenario, seed: int, scale: float | None, targets: TargetSet) -> dict[str, float]:
    """Simulate once and return every target's simulated value (top level, so it pickles)."""
    from flowsim.run.simulate import simulate  # Mesa and the model load on first run

    result = simulate(scenario, seed=seed, scale=scale)
    return simulated_values(targets, result.tables())


def run_values_table(
    scenario: Scenario,
    targets: TargetSet,
    seeds: list[int],
    scale: float | None,
    executor: Executor | None = None,
    *,
    progress: bool = False,
) -> pd.DataFrame:
    """Target values of one run per seed: one row per run (column ``seed``), one column per target."""
    bar = tqdm(total=len(seeds), desc=f"validate {scenario.name}", unit="run", disable=not progress)
    rows: dict[int, dict[str, float]] = {}
    with bar:
        if executor is None:
            for i, seed in enumerate(seeds):
                rows[i] = run_target_values(scenario, seed, scale, targets)
                bar.update()
        else:
            futures: dict[Future, int] = {
                executor.submit(run_target_values, scenario, seed, scale, targets): i
                for i, seed in enumerate(seeds)
            }
            for future in as_completed(futures):
                rows[futures[future]] = future.result()
                bar.update()
    table = pd.DataFrame([rows[i] for i in range(len(seeds))], columns=targets.ids)
    table.insert(0, "seed", seeds)
    return table


def summarise(targets: TargetSet, values: pd.DataFrame) -> pd.DataFrame:
    """One row per target from a table of per-run values (see :data:`VALIDATION_COLUMNS`)."""
    rows = []
    for target in targets:
        sample = values[target.id].to_numpy(dtype=float)
        finite = sample[~np.isnan(sample)]
        median, p05, p95 = (np.quantile(finite, [0.5, 0.05, 0.95]) if finite.size else (math.nan,) * 3)
        rows.append({
            "id": target.id,
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
    scenario: Scenario,
    runs: int,
    seed: int,
    scale: float | None,
    executor: Executor | None = None,
    *,
    targets: TargetSet | None = None,
    progress: bool = False,
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

    Returns:
        One row per target with the columns of :data:`VALIDATION_COLUMNS`. The per-run
        values are in ``frame.attrs["runs"]`` (one row per run).

    Raises:
        TargetsError: no targets file, or a bad one.
        ValueError: ``runs`` is below 1.
    """
    if runs < 1:
        raise ValueError(f"runs must be at least 1, got {runs}")
    targets = targets if targets is not None else scenario_targets(scenario)
    values = run_values_table(scenario, targets, spawn_seeds(seed, runs), scale, executor, progress=progress)
    frame = summarise(targets, values)
    frame.attrs["runs"] = values
    return frame


def format_validation(frame: pd.DataFrame) -> str:
    """The validation table as aligned text for a terminal."""
    def number(value: float | None) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "-"
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"

    lines = [f"{'target':<11} {'documented interval':>23} {'sim median':>11} {'sim 5-95 %':>23} "
             f"{'inside':>6} {'runs in':>7}  label"]
    for row in frame.itertuples():
        interval = f"[{number(row.low)}, {number(row.high)}]"
        spread = f"[{number(row.sim_p05)}, {number(row.sim_p95)}]"
        lines.append(f"{row.id:<11} {interval:>23} {number(row.sim_median):>11} {spread:>23} "
                     f"{'yes' if row.inside else 'NO':>6} {row.share_inside:>7.0%}  {row.label}")
    held = int(frame["inside"].sum())
    lines.append(f"{held} of {len(frame)} targets hold (median inside the documented interval).")
    return "\n".join(lines)


def single_run_validation(targets: TargetSet, tables: Mapping[str, pd.DataFrame], seed: int) -> pd.DataFrame:
    """The validation table of one run (its value stands for median and band)."""
    values = pd.DataFrame([simulated_values(targets, tables)], columns=targets.ids)
    values.insert(0, "seed", [seed])
    return summarise(targets, values)


def validation_from_run_folders(targets: TargetSet, folders: list[Path], seeds: list[int]) -> pd.DataFrame:
    """The validation table of an ensemble, from the tables its runs wrote to disk."""
    rows = []
    for folder in folders:
        tables = {name: pd.read_csv(folder / f"{name}.csv") for name in ("daily", "profile", "flows", "population")}
        rows.append(simulated_values(targets, tables))
    values = pd.DataFrame(rows, columns=targets.ids)
    values.insert(0, "seed", seeds)
    return summarise(targets, values)
