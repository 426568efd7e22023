"""Ensembles: many runs of one scenario with independent seeds, summarised as percentile bands.

Each run gets its own child of ``numpy.random.SeedSequence(master_seed)``, passed
explicitly, so an ensemble is reproducible whichever executor ran it and in whatever
order the runs finished. Child ``i`` does not depend on how many runs were asked for,
so an ensemble can later be extended with ``--resume --runs N``.

Any kind of scenario runs as an ensemble (:class:`~flowsim.kinds.protocol.ScenarioKind`
says which tables a run writes, which get bands and what its key outputs are). Runs stream
to disk as they finish (``runs/run_0007/daily.csv`` ... and a ``done.json`` marker written
last); nothing but the run being written is held in memory. After all runs, the per-run
files are read back table by table to build:

- ``<table>_bands.csv`` for each table the kind bands: 5/25/50/75/95th percentiles of every
  numeric column per row (mobilization: ``daily`` per (date, country), ``crossings`` per
  (date, crossing); network: ``camps`` per (date, camp), ``daily`` per date);
- ``ensemble_summary.csv`` (runs with a ``summary`` table): per destination, median and
  5-95% range of the headline figures;
- ``run_outputs.csv`` and ``outputs_bands.csv``: the key outputs of each run and their bands;
- ``runs_failed.csv`` when some run failed twice; ``manifest.json``.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from flowsim import __version__
from flowsim.analysis.executors import WorkersLost, open_executor, run_tasks
from flowsim.run.seeds import spawn_seeds
from flowsim.analysis.posterior import Uncertainty, uncertainty_for
from flowsim.analysis.targets import load_targets
from flowsim.analysis.validation import validation_from_run_folders, write_validation
from flowsim.errors import EnsembleError
from flowsim.figures.tables import read_table
from flowsim.run.simulate import check_run
from flowsim.run.writing import check_out_folder, default_out, lock_folder, write_csv, write_text
from flowsim.kinds.protocol import ScenarioKind
from flowsim.kinds.registry import kind_of, load_any_scenario
from flowsim.scenario.spec import ScenarioSpec

PERCENTILES = (5, 25, 50, 75, 95)
DONE_MARKER = "done.json"
MAX_RUNS = 100_000

__all__ = [
    "EnsembleResult", "PERCENTILES", "band_columns", "outputs_bands", "percentile_bands", "read_run_table",
    "run_ensemble", "run_member", "summarise_ensemble",
]


# --------------------------------------------------------------------------- one run


def as_any_scenario(scenario: ScenarioSpec | str | Path) -> ScenarioSpec:
    """A scenario as given, or loaded (whatever its kind) from the path of its YAML file."""
    return scenario if isinstance(scenario, ScenarioSpec) else load_any_scenario(Path(scenario))


def run_member(scenario: ScenarioSpec | str | Path, seed: int, scale: float | None,
               parameters: dict[str, float] | None = None) -> dict[str, Any]:
    """One ensemble member, run in a worker: simulate and return the tables as CSV text.

    CSV text, not data frames, crosses the process boundary so the bytes written are the
    same whichever executor ran the member.

    Args:
        scenario: a scenario of any kind, or the path of its YAML file.
        seed: the member's seed.
        scale: people per agent, or None for the scenario's own.
        parameters: values of calibrated parameters for this run (a posterior draw), by
            dotted path; None keeps the scenario's.

    Returns:
        ``{"tables": {name: csv_text}, "meta": run meta dict}``.
    """
    from flowsim.run.simulate import simulate  # Mesa and the model load on first run

    scenario = as_any_scenario(scenario)
    if parameters:
        scenario = scenario.with_overrides(parameters)
    result = simulate(scenario, seed=int(seed), scale=scale, progress=False)
    tables = {name: frame.to_csv(index=False, lineterminator="\n")
              for name, frame in result.tables().items() if name in kind_of(scenario).run_tables}
    return {"tables": tables, "meta": {**result.meta, "parameters": parameters}}


def _write_member(run_dir: Path, index: int, seed: int, value: dict[str, Any], attempts: int) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    for name, text in value["tables"].items():
        write_text(text, run_dir / f"{name}.csv")
    meta = {"index": index, "seed": seed, "attempts": attempts,
            "runtime_s": value.get("meta", {}).get("runtime_s"),
            "parameters": value.get("meta", {}).get("parameters")}
    write_text(json.dumps(meta, indent=1) + "\n", run_dir / DONE_MARKER)


def run_dir_of(out_dir: Path, index: int) -> Path:
    return Path(out_dir) / "runs" / f"run_{index:04d}"


def is_done(out_dir: Path, index: int, seed: int) -> bool:
    """Whether run ``index`` finished earlier with the same seed (its marker is written last)."""
    marker = run_dir_of(out_dir, index) / DONE_MARKER
    try:
        return int(json.loads(marker.read_text())["seed"]) == int(seed)
    except (OSError, ValueError, KeyError, TypeError):
        return False


# --------------------------------------------------------------------------- summaries


def band_columns(column: str) -> list[str]:
    """Names of the percentile columns of one numeric column: ``<col>_p05`` ... ``<col>_p95``."""
    return [f"{column}_p{q:02d}" for q in PERCENTILES]


def percentile_bands(frames: list[pd.DataFrame], keys: tuple[str, ...]) -> pd.DataFrame:
    """Percentile bands over runs of every numeric column, row by row.

    Args:
        frames: one table per run, all with the same key rows (any order).
        keys: the columns identifying a row, e.g. ``("date", "country")``.

    Returns:
        The keys, the other non-numeric columns of the first run (e.g. a crossing's
        country), and ``<col>_p05, _p25, _p50, _p75, _p95`` for each numeric column.

    Raises:
        ValueError: no frames, or runs whose rows differ.
    """
    if not frames:
        raise ValueError("no runs to summarise")
    first = frames[0].sort_values(list(keys), kind="stable").reset_index(drop=True)
    numeric = [c for c in first.columns
               if c not in keys and pd.api.types.is_numeric_dtype(first[c])
               and not pd.api.types.is_bool_dtype(first[c])]
    labels = [c for c in first.columns if c not in keys and c not in numeric and c != "status"]
    stack = np.empty((len(frames), len(first), len(numeric)), dtype=float)
    key_values = first[list(keys)].astype(str).to_numpy()
    for i, frame in enumerate(frames):
        frame = frame.sort_values(list(keys), kind="stable").reset_index(drop=True)
        if len(frame) != len(first) or not np.array_equal(frame[list(keys)].astype(str).to_numpy(),
                                                          key_values):
            raise ValueError(f"run {i} has different {'/'.join(keys)} rows from run 0")
        stack[i] = frame[numeric].to_numpy(dtype=float)
    bands = np.percentile(stack, PERCENTILES, axis=0)  # percentiles × rows × columns
    out = first[list(keys) + labels].copy()
    columns = {}
    for j, column in enumerate(numeric):
        for k, name in enumerate(band_columns(column)):
            columns[name] = np.round(bands[k, :, j], 6)
    return pd.concat([out, pd.DataFrame(columns)], axis=1)


def read_run_table(out_dir: str | Path, name: str, runs: list[int]) -> pd.DataFrame:
    """One table of the given finished runs, concatenated, with a leading ``run`` column."""
    frames = []
    for index in runs:
        frame = read_table(run_dir_of(Path(out_dir), index) / f"{name}.csv")
        frame.insert(0, "run", index)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _summary_bands(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Per destination: median and 5-95% range over runs of each headline figure."""
    stacked = pd.concat(frames, ignore_index=True)
    if "peak_date" in stacked:
        stacked["peak_date"] = pd.to_datetime(stacked["peak_date"]).map(dt.date.toordinal)
    numeric = [c for c in stacked.columns
               if c == "peak_date" or (c != "country" and pd.api.types.is_numeric_dtype(stacked[c]))]
    rows = []
    for country, group in stacked.groupby("country", sort=False):
        row: dict[str, Any] = {"country": country, "runs": len(group)}
        for column in numeric:
            values = group[column].to_numpy(dtype=float)
            for q in (50, 5, 95):
                if column == "peak_date":
                    row[f"{column}_p{q:02d}"] = dt.date.fromordinal(
                        int(np.percentile(values, q, method="nearest"))).isoformat()
                else:
                    row[f"{column}_p{q:02d}"] = round(float(np.percentile(values, q)), 6)
        rows.append(row)
    return pd.DataFrame(rows)


def outputs_bands(outputs: pd.DataFrame) -> pd.DataFrame:
    """Mean and percentiles over runs of each key output (one row per output)."""
    rows = []
    for column in outputs.columns.drop(["run", "seed"]):
        values = outputs[column].to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        if not values.size:
            continue
        row = {"output": column, "mean": round(float(values.mean()), 6)}
        row.update({f"p{q:02d}": round(float(np.percentile(values, q)), 6) for q in PERCENTILES})
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- the ensemble


@dataclass
class EnsembleResult:
    """What an ensemble produced; the tables are also in ``out_dir``."""

    out_dir: Path
    scenario: str
    seeds: list[int]
    completed: list[int]
    resumed: list[int]
    failed: pd.DataFrame
    bands: dict[str, pd.DataFrame]
    summary: pd.DataFrame | None
    outputs: pd.DataFrame
    manifest: dict = field(default_factory=dict)
    headline: list[str] = field(default_factory=list)  # the kind's headline outputs, shown first

    @property
    def daily_bands(self) -> pd.DataFrame | None:
        return self.bands.get("daily")

    @property
    def crossings_bands(self) -> pd.DataFrame | None:
        return self.bands.get("crossings")

    @property
    def wall_time_s(self) -> float:
        return float(self.manifest.get("wall_time_s", 0.0))

    def run_dir(self, index: int) -> Path:
        return run_dir_of(self.out_dir, index)


def _write_validation(sc: ScenarioSpec, out: Path, completed: list[int], seeds: list[int], uncertainty: str) -> bool:
    """Compare the runs with the scenario's targets and documented series, if it declares any."""
    targets_path = getattr(sc, "targets_path", None)
    if targets_path is None or not targets_path.exists():
        return False
    frame = validation_from_run_folders(load_targets(targets_path), [run_dir_of(out, i) for i in completed],
                                        [seeds[i] for i in completed], uncertainty=uncertainty)
    write_validation(frame, out)
    return True


def _check_resumable(manifest_path: Path, expected: dict) -> None:
    try:
        old = json.loads(manifest_path.read_text())
    except (OSError, ValueError):
        return
    for key in ("scenario_hash", "master_seed", "scale", "uncertainty"):
        if old.get(key) != expected[key]:
            raise EnsembleError(
                f"Cannot resume the ensemble in {manifest_path.parent}: it was run with "
                f"{key} = {old.get(key)!r}, this request has {expected[key]!r}. Resume with the "
                "same scenario, --seed and --scale, or drop --resume (or choose another --out) "
                "to start afresh."
            )


def run_ensemble(scenario: ScenarioSpec | str | Path, runs: int, seed: int | None = None, scale: float | None = None,
                 out_dir: str | Path | None = None, executor: Executor | str | None = None,
                 resume: bool = False, *, workers: int | None = None, scheduler: str | None = None,
                 worker: Callable[..., dict] = run_member, progress: bool = True,
                 posterior_draws: int | None = None, uncertainty: Uncertainty | None = None) -> EnsembleResult:
    """Run a scenario ``runs`` times with independent seeds and summarise the runs.

    Args:
        scenario: a scenario of any kind, or the path of its YAML file.
        runs: number of runs.
        seed: master seed (default: the scenario's ``calendar.seed``).
        scale: people per agent (default: the scenario's own).
        out_dir: output folder (default ``outputs/<scenario name>/ensemble``).
        executor: an open executor, or a kind ('serial', 'process', 'dask') to open one
            with ``workers`` / ``scheduler``.
        resume: keep runs whose done marker exists (same seed) and run only the others;
            without it, earlier runs in ``out_dir`` are deleted.
        workers: worker processes when ``executor`` is a kind.
        scheduler: Dask scheduler address when ``executor`` is a kind.
        worker: the top-level function running one member (tests replace it).
        progress: show a progress bar.
        posterior_draws: parameter sets drawn from the scenario's committed posterior, run
            ``i`` taking draw ``i`` modulo their number; None for one per run, 0 for seed
            noise only (also what a scenario without a posterior gets).
        uncertainty: the parameter sets themselves (as :func:`~flowsim.analysis.posterior.uncertainty_for`
            makes them); given, it replaces ``posterior_draws`` (compare passes both arms the same).

    Returns:
        An :class:`EnsembleResult`.

    Raises:
        EnsembleError: bad request, a resume that does not match, or every run failed.
        ScenarioError: the scenario cannot be loaded.
    """
    sc = as_any_scenario(scenario)
    kind = kind_of(sc)
    if not 1 <= runs <= MAX_RUNS:
        raise EnsembleError(f"--runs must be a whole number from 1 to {MAX_RUNS:,} (got {runs}).")
    check_run(sc, scale, seed)
    seed = kind.default_seed(sc) if seed is None else int(seed)
    out = Path(out_dir) if out_dir is not None else default_out(sc, "ensemble")
    seeds = spawn_seeds(seed, runs)
    if uncertainty is None:
        uncertainty = uncertainty_for(sc, runs, seed, posterior_draws)
    manifest = {
        "kind": "ensemble", "scenario": sc.name,
        "scenario_path": str(sc.source_path) if sc.source_path else None,
        "scenario_hash": sc.source_hash, "master_seed": seed, "runs": runs, "seeds": seeds,
        "scale": float(scale if scale is not None else kind.default_scale(sc)),
        "uncertainty": uncertainty.label,
        "flowsim_version": __version__,
    }
    check_out_folder(out)
    if resume:
        _check_resumable(out / "manifest.json", manifest)
    # the executor first: a scheduler nobody answers or workers that cannot start stop the
    # command before the output folder is created or changed
    with open_executor(executor, workers, scheduler) as (pool, label):
        manifest["executor"] = label
        with lock_folder(out):
            try:
                return _run_ensemble(sc, runs, scale, out, seeds, manifest, pool, resume, worker, progress,
                                     uncertainty)
            except (Exception, KeyboardInterrupt) as err:
                _mark_unfinished(out / "manifest.json", err)
                raise


def _mark_unfinished(manifest_path: Path, err: BaseException) -> None:
    """A manifest still saying 'running' after the ensemble stopped says 'failed' (finished runs stay)."""
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, ValueError):
        return
    if manifest.get("status") == "running":
        reason = "interrupted" if isinstance(err, KeyboardInterrupt) else f"{type(err).__name__}: {err}"
        write_text(json.dumps({**manifest, "status": "failed", "error": reason[:500]}, indent=1) + "\n",
                   manifest_path)


def _run_ensemble(sc: ScenarioSpec, runs: int, scale: float | None, out: Path, seeds: list[int], manifest: dict, pool: Executor,
                  resume: bool, worker: Callable[..., dict], progress: bool,
                  uncertainty: Uncertainty) -> EnsembleResult:
    manifest_path = out / "manifest.json"
    if not resume and (out / "runs").exists():
        shutil.rmtree(out / "runs")
    write_text(json.dumps({**manifest, "status": "running"}, indent=1) + "\n", manifest_path)

    began = time.perf_counter()
    resumed = [i for i in range(runs) if resume and is_done(out, i, seeds[i])]
    todo = sorted(set(range(runs)) - set(resumed))
    failures: list[dict] = []
    bar = tqdm(total=runs, initial=len(resumed), desc=f"{sc.name} ensemble", unit="run",
               disable=not progress, file=sys.stderr)
    try:
        with bar:
            tasks = ((i, (sc, seeds[i], scale, uncertainty.for_run(i))) for i in todo)
            for outcome in run_tasks(pool, worker, tasks, retries=1, progress=bar):
                i = outcome.key
                if outcome.ok:
                    _write_member(run_dir_of(out, i), i, seeds[i], outcome.value, outcome.attempts)
                else:
                    failures.append({"run": i, "seed": seeds[i], "attempts": outcome.attempts,
                                     "error": outcome.error})
    except WorkersLost as err:
        kept = sum(is_done(out, i, seeds[i]) for i in range(runs))
        write_text(json.dumps({**manifest, "status": "stopped", "runs_completed": kept, "error": str(err)},
                              indent=1) + "\n", manifest_path)
        raise EnsembleError(f"{err} {kept} of {runs} runs finished and are kept in {out}: run the same command "
                            "with --resume to run only the others (with fewer --workers or a larger --scale "
                            "if memory ran out).") from None
    completed = [i for i in range(runs) if is_done(out, i, seeds[i])]
    failed = pd.DataFrame(failures, columns=["run", "seed", "attempts", "error"]).sort_values("run")
    if failures:
        write_csv(failed, out / "runs_failed.csv")
    elif (out / "runs_failed.csv").exists():
        (out / "runs_failed.csv").unlink()
    if not completed:
        raise EnsembleError(
            f"All {runs} runs of '{sc.name}' failed (twice each). First error: "
            f"{failures[0]['error'] if failures else 'unknown'}. See {out / 'runs_failed.csv'}."
        )
    kind = kind_of(sc)
    result = summarise_ensemble(out, completed, seeds, kind)
    validated = _write_validation(sc, out, completed, seeds, uncertainty.label)
    manifest.update({
        "status": "complete" if not failures else "incomplete",
        "runs_completed": len(completed), "runs_resumed": len(resumed),
        "runs_failed": [f["run"] for f in failures],
        "wall_time_s": round(time.perf_counter() - began, 3),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "files": [f"{name}_bands.csv" for name in kind.band_keys]
                 + (["ensemble_summary.csv"] if result["summary"] is not None else [])
                 + ["run_outputs.csv", "outputs_bands.csv"]
                 + (["validation.csv", "series.csv", "ard.csv", "figures/documented_vs_simulated.png"]
                    if validated else [])
                 + (["runs_failed.csv"] if failures else []) + ["runs/"],
    })
    write_text(json.dumps(manifest, indent=1) + "\n", manifest_path)
    return EnsembleResult(out_dir=out, scenario=sc.name, seeds=seeds, completed=completed,
                          resumed=resumed, failed=failed, bands=result["bands"], summary=result["summary"],
                          outputs=result["outputs"], manifest=manifest, headline=kind.headline_outputs(sc))


def summarise_ensemble(out_dir: str | Path, runs: list[int], seeds: list[int], kind: ScenarioKind) -> dict[str, Any]:
    """Build and write the band, summary and key-output tables from finished run folders.

    Reads one run's files at a time, keeping only the tables being summarised.

    Returns:
        ``bands`` (table name -> its bands), ``summary`` (None when runs have no summary
        table), ``outputs`` and ``outputs_bands``.
    """
    out = Path(out_dir)
    frames: dict[str, list[pd.DataFrame]] = {name: [] for name in kind.band_keys}
    summary_frames, outputs = [], []
    for index in runs:
        folder = run_dir_of(out, index)
        tables = {name: read_table(folder / f"{name}.csv") for name in kind.run_tables}
        if "summary" in tables:
            summary_frames.append(tables["summary"])
        outputs.append({"run": index, "seed": seeds[index], **kind.key_outputs(tables)})
        for name in kind.band_keys:
            frames[name].append(tables[name].drop(columns=["status"], errors="ignore"))
    result: dict[str, Any] = {
        "bands": {name: percentile_bands(frames[name], keys) for name, keys in kind.band_keys.items()},
        "summary": _summary_bands(summary_frames) if summary_frames else None,
        "outputs": pd.DataFrame(outputs),
    }
    result["outputs_bands"] = outputs_bands(result["outputs"])
    for name, bands in result["bands"].items():
        write_csv(bands, out / f"{name}_bands.csv")
    if result["summary"] is not None:
        write_csv(result["summary"], out / "ensemble_summary.csv")
    write_csv(result["outputs"], out / "run_outputs.csv")
    write_csv(result["outputs_bands"], out / "outputs_bands.csv")
    return result
