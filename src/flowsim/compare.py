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

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from flowsim.ensemble import (
    HEADLINE_OUTPUTS,
    EnsembleError,
    EnsembleResult,
    as_scenario,
    open_executor,
    run_ensemble,
    user_error,
)
from flowsim.executors import add_execution_options

DIFF_PERCENTILES = (5, 25, 50, 75, 95)

__all__ = ["ComparisonResult", "paired_differences", "plot_comparison", "run_comparison",
           "add_compare_parser", "cmd_compare"]


@dataclass
class ComparisonResult:
    """A comparison's table and the two ensembles behind it."""

    table: pd.DataFrame
    base: EnsembleResult
    whatif: EnsembleResult
    out_dir: Path


def _output_order(columns: list[str]) -> list[str]:
    head = [c for c in HEADLINE_OUTPUTS if c in columns]
    wave = sorted(c for c in columns if c.startswith("wave_entries_"))
    queue = sorted(c for c in columns if c.startswith("peak_queue_"))
    rest = [c for c in columns if c not in {*head, *wave, *queue}]
    return head + wave + queue + rest


def paired_differences(base: pd.DataFrame, whatif: pd.DataFrame) -> pd.DataFrame:
    """Per key output, the distribution over seeds of ``whatif - base``.

    Args:
        base: one row per run with a ``seed`` column and one column per output
            (``run_outputs.csv`` of an ensemble).
        whatif: the same for the what-if ensemble, run with the same seeds.

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
    for name in _output_order(outputs):
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


def plot_comparison(table: pd.DataFrame, title: str = "") -> Figure:
    """Horizontal bars: median paired change of each output, whiskers 5-95%, in % of the base median.

    Outputs whose base median is 0 have no relative scale; they are listed with their
    absolute change only. Each bar is labelled with the median change in people.
    """
    rows = table.iloc[::-1].reset_index(drop=True)
    fig = Figure(figsize=(8.5, 0.38 * len(rows) + 1.6), layout="constrained")
    ax = fig.add_subplot()
    scale = rows["base_p50"].abs().replace(0, np.nan)
    mid = 100 * rows["diff_p50"] / scale
    low = 100 * rows["diff_p05"] / scale
    high = 100 * rows["diff_p95"] / scale
    y = np.arange(len(rows))
    colours = np.where(mid.fillna(0) >= 0, "#c0504d", "#4f81bd")
    ax.barh(y, mid.fillna(0), color=colours, alpha=0.75, height=0.6)
    has = mid.notna().to_numpy()
    ax.errorbar(mid[has], y[has], xerr=[(mid - low)[has].abs(), (high - mid)[has].abs()],
                fmt="none", ecolor="black", elinewidth=1, capsize=3)
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.set_yticks(y, rows["output"].str.replace("_", " "))
    for yi, (m, d) in enumerate(zip(mid, rows["diff_p50"], strict=True)):
        text = f"{d:+,.0f}" if abs(d) >= 100 else f"{d:+,.1f}"
        ax.annotate(text if np.isfinite(m) else f"{text} (base 0)", (1.01, yi),
                    xycoords=("axes fraction", "data"), va="center", fontsize=8)
    ax.annotate("median\nchange", (1.01, len(rows) - 0.4), xycoords=("axes fraction", "data"),
                va="bottom", fontsize=8, fontweight="bold")
    ax.set_xlabel("what-if minus base, % of base median (bar: median over paired runs; whiskers: 5-95%)")
    ax.set_title(title or "What-if vs base")
    ax.grid(axis="x", alpha=0.3)
    return fig


def run_comparison(base: Any, whatif: Any, runs: int, seed: int | None = None,
                   scale: float | None = None, out_dir: str | Path | None = None,
                   executor: Any = None, resume: bool = False, *, workers: int | None = None,
                   scheduler: str | None = None, progress: bool = True) -> ComparisonResult:
    """Run base and what-if ensembles with common seeds and tabulate paired differences.

    Args:
        base: base scenario (Scenario or YAML path).
        whatif: what-if scenario (Scenario or YAML path).
        runs: runs per scenario.
        seed: master seed for both (default: the base scenario's ``calendar.seed``).
        scale: people per agent for both (default: each scenario's own agent scale).
        out_dir: output folder (default ``outputs/compare/<base>_vs_<whatif>``); the
            ensembles go to ``base/`` and ``whatif/`` inside it.
        executor: an open executor or a kind, as for :func:`~flowsim.ensemble.run_ensemble`.
        resume: resume both ensembles.
        workers: worker processes when ``executor`` is a kind.
        scheduler: Dask scheduler address.
        progress: show progress bars.

    Returns:
        A :class:`ComparisonResult`; ``compare.csv``, ``compare.png`` and ``compare.svg``
        are written to ``out_dir``.
    """
    base_sc, whatif_sc = as_scenario(base), as_scenario(whatif)
    seed = base_sc.calendar.seed if seed is None else int(seed)
    out = (Path(out_dir) if out_dir is not None
           else Path("outputs") / "compare" / f"{base_sc.name}_vs_{whatif_sc.name}")
    with open_executor(executor, workers, scheduler) as (pool, label):
        ensembles = {
            role: run_ensemble(sc, runs, seed=seed, scale=scale, out_dir=out / role, executor=pool,
                               resume=resume, progress=progress)
            for role, sc in (("base", base_sc), ("whatif", whatif_sc))
        }
    table = paired_differences(ensembles["base"].outputs, ensembles["whatif"].outputs)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "compare.csv", index=False, lineterminator="\n")
    fig = plot_comparison(table, f"{whatif_sc.name} vs {base_sc.name} ({runs} paired runs)")
    fig.savefig(out / "compare.png", dpi=130)
    fig.savefig(out / "compare.svg")
    manifest = {
        "kind": "compare", "base": base_sc.name, "whatif": whatif_sc.name,
        "base_hash": base_sc.source_hash, "whatif_hash": whatif_sc.source_hash,
        "master_seed": seed, "runs": runs, "executor": label,
        "pairs": int(table["pairs"].max()) if len(table) else 0,
        "files": ["compare.csv", "compare.png", "compare.svg", "base/", "whatif/"],
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
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


def add_compare_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``flowsim compare`` to the CLI's subparsers."""
    parser = subparsers.add_parser(
        "compare", help="what-if vs base: paired ensembles with common seeds",
        description="Run BASE and WHATIF as ensembles with the same seeds and report the paired "
                    "difference of key outputs (median and 5-95%) as compare.csv and compare.png.")
    parser.add_argument("base", help="base scenario YAML")
    parser.add_argument("whatif", help="what-if scenario YAML")
    parser.add_argument("--runs", type=int, default=50, help="runs per scenario (default 50)")
    parser.add_argument("--resume", action="store_true", help="keep finished runs of both ensembles")
    add_execution_options(parser)
    parser.set_defaults(handler=cmd_compare)
    return parser


def cmd_compare(args: argparse.Namespace) -> int:
    """``flowsim compare``: run both ensembles, print the paired-difference table."""
    from flowsim.scenario import ScenarioError

    try:
        result = run_comparison(args.base, args.whatif, args.runs, seed=args.seed, scale=args.scale,
                                out_dir=args.out, executor=args.executor, resume=args.resume,
                                workers=args.workers, scheduler=args.scheduler)
    except (ScenarioError, EnsembleError) as err:
        return user_error(err.message)
    except ValueError as err:
        return user_error(str(err))
    print(f"{result.whatif.scenario} vs {result.base.scenario}: paired differences over "
          f"{int(result.table['pairs'].max()) if len(result.table) else 0} seeds")
    print(format_table(result.table))
    failed = len(result.base.failed) + len(result.whatif.failed)
    if failed:
        print(f"{failed} run(s) failed and were left out of the pairs", file=sys.stderr)
    print(f"results in {result.out_dir}")
    return 0
