"""What-if comparisons: a base and a what-if scenario run with common random numbers.

Both scenarios are run as ensembles with the *same* list of seeds, so run ``i`` of the
what-if meets the same random draws as run ``i`` of the base wherever the two models
stay in step. The effect of the change is then measured run by run, as the paired
difference ``whatif_i - base_i`` of each key output, and reported as the median and the
5-95% range of those differences. Pairing removes most of the run-to-run noise that two
independent ensembles would leave in the difference (the method of common random
numbers; Law, *Simulation Modeling and Analysis*, 5th ed., 2015, section 11.2).
"""

from __future__ import annotations

import json
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from flowsim.analysis.ensemble import EnsembleResult, as_any_scenario, run_ensemble
from flowsim.analysis.executors import open_executor
from flowsim.analysis.posterior import uncertainty_for
from flowsim.errors import UserError
from flowsim.figures.compare import plot_comparison
from flowsim.figures.style import save_figure
from flowsim.run.writing import check_out_folder, write_csv, write_text
from flowsim.kinds.registry import kind_of
from flowsim.scenario.spec import ScenarioSpec

DIFF_PERCENTILES = (5, 25, 50, 75, 95)

__all__ = ["ComparisonResult", "format_table", "paired_differences", "run_comparison"]


@dataclass
class ComparisonResult:
    """A comparison's table and the two ensembles behind it."""

    table: pd.DataFrame
    base: EnsembleResult
    whatif: EnsembleResult
    out_dir: Path


def _output_order(columns: list[str], headline: list[str]) -> list[str]:
    head = [c for c in headline if c in columns]
    wave = sorted(c for c in columns if c.startswith("wave_entries_"))
    queue = sorted(c for c in columns if c.startswith("peak_queue_"))
    rest = [c for c in columns if c not in {*head, *wave, *queue}]
    return head + wave + queue + rest


def paired_differences(base: pd.DataFrame, whatif: pd.DataFrame, headline: list[str] = ()) -> pd.DataFrame:
    """Per key output, the distribution over seeds of ``whatif - base``.

    Args:
        base: one row per run with a ``seed`` column and one column per output
            (``run_outputs.csv`` of an ensemble).
        whatif: the same for the what-if ensemble, run with the same seeds.
        headline: outputs listed first (the kind's headline outputs).

    Returns:
        One row per output: ``output, pairs, base_p50, whatif_p50, diff_mean,
        diff_p05 ... diff_p95, change_pct_p50`` (median paired difference as a percentage
        of the base median; NaN when the base median is 0).

    Raises:
        ValueError: the two tables share no seed.
    """
    outputs = [c for c in base.columns if c in whatif.columns and c not in ("run", "seed")]
    pairs = base.merge(whatif, on="seed", suffixes=("_base", "_whatif"))
    if pairs.empty:
        raise ValueError("the base and what-if runs share no seed; they cannot be paired")
    rows = []
    for name in _output_order(outputs, list(headline)):
        b = pairs[f"{name}_base"].to_numpy(dtype=float)
        w = pairs[f"{name}_whatif"].to_numpy(dtype=float)
        ok = np.isfinite(b) & np.isfinite(w)
        if not ok.any():
            continue
        b, w = b[ok], w[ok]
        diff = w - b
        base_median = float(np.median(b))
        row: dict[str, Any] = {
            "output": name, "pairs": int(ok.sum()), "base_p50": base_median,
            "whatif_p50": float(np.median(w)), "diff_mean": float(diff.mean()),
        }
        row.update({f"diff_p{q:02d}": float(np.percentile(diff, q)) for q in DIFF_PERCENTILES})
        row["change_pct_p50"] = (100.0 * row["diff_p50"] / abs(base_median)
                                 if base_median != 0 else np.nan)
        rows.append(row)
    return pd.DataFrame(rows).round(4)


def run_comparison(base: ScenarioSpec | str | Path, whatif: ScenarioSpec | str | Path, runs: int,
                   seed: int | None = None, scale: float | None = None, out_dir: str | Path | None = None,
                   executor: Executor | str | None = None, resume: bool = False, *, workers: int | None = None,
                   scheduler: str | None = None, progress: bool = True,
                   posterior_draws: int | None = None) -> ComparisonResult:
    """Run base and what-if ensembles with common seeds and tabulate paired differences.

    Args:
        base: base scenario of any kind (or its YAML path).
        whatif: what-if scenario of the same kind (or its YAML path).
        runs: runs per scenario.
        seed: master seed for both (default: the base scenario's own).
        scale: people per agent for both (default: each scenario's own agent scale).
        out_dir: output folder (default ``outputs/compare/<base>_vs_<whatif>``); the
            ensembles go to ``base/`` and ``whatif/`` inside it.
        executor: an open executor or a kind, as for :func:`~flowsim.analysis.ensemble.run_ensemble`.
        resume: resume both ensembles.
        workers: worker processes when ``executor`` is a kind.
        scheduler: Dask scheduler address.
        progress: show progress bars.
        posterior_draws: parameter sets drawn from the base scenario's posterior (None: one
            per run; 0: seed noise only). Both arms run the same draws with the same seeds,
            so each pair differs by the what-if alone.

    Returns:
        A :class:`ComparisonResult`; ``compare.csv``, ``compare.png`` and ``compare.svg``
        are written to ``out_dir``.
    """
    base_sc, whatif_sc = as_any_scenario(base), as_any_scenario(whatif)
    kind = kind_of(base_sc)
    if kind_of(whatif_sc) is not kind:
        raise UserError(f"a what-if is a changed copy of its base: '{whatif_sc.name}' is a {kind_of(whatif_sc).name} "
                        f"scenario, '{base_sc.name}' a {kind.name} scenario.")
    seed = kind.default_seed(base_sc) if seed is None else int(seed)
    out = (Path(out_dir) if out_dir is not None
           else Path("outputs") / "compare" / f"{base_sc.name}_vs_{whatif_sc.name}")
    check_out_folder(out)
    uncertainty = uncertainty_for(base_sc, runs, seed, posterior_draws)
    with open_executor(executor, workers, scheduler) as (pool, label):
        ensembles = {
            role: run_ensemble(sc, runs, seed=seed, scale=scale, out_dir=out / role, executor=pool,
                               resume=resume, progress=progress, uncertainty=uncertainty)
            for role, sc in (("base", base_sc), ("whatif", whatif_sc))
        }
    table = paired_differences(ensembles["base"].outputs, ensembles["whatif"].outputs, kind.headline_outputs(base_sc))
    out.mkdir(parents=True, exist_ok=True)
    write_csv(table, out / "compare.csv")
    fig = plot_comparison(table, f"{whatif_sc.name} vs {base_sc.name} ({runs} paired runs; {uncertainty.label})")
    save_figure(fig, out, "compare", dpi=130)
    manifest = {
        "kind": "compare", "base": base_sc.name, "whatif": whatif_sc.name,
        "base_hash": base_sc.source_hash, "whatif_hash": whatif_sc.source_hash,
        "master_seed": seed, "runs": runs, "executor": label, "uncertainty": uncertainty.label,
        "pairs": int(table["pairs"].max()) if len(table) else 0,
        "files": ["compare.csv", "compare.png", "compare.svg", "base/", "whatif/"],
    }
    write_text(json.dumps(manifest, indent=1) + "\n", out / "manifest.json")
    return ComparisonResult(table=table, base=ensembles["base"], whatif=ensembles["whatif"], out_dir=out)


def format_table(table: pd.DataFrame) -> str:
    """The comparison as a readable text table (people rounded, percentages to 0.1)."""
    shown = table[["output", "base_p50", "whatif_p50", "diff_p05", "diff_p50", "diff_p95",
                   "change_pct_p50"]].copy()
    for column in ("base_p50", "whatif_p50", "diff_p05", "diff_p50", "diff_p95"):
        shown[column] = shown[column].map(lambda v: f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.1f}")
    shown["change_pct_p50"] = shown["change_pct_p50"].map(lambda v: "" if pd.isna(v) else f"{v:+.1f}%")
    shown.columns = ["output", "base median", "what-if median", "diff 5%", "diff median", "diff 95%",
                     "change"]
    return shown.to_string(index=False)
