"""History matching at a glance: each documented figure against what the runs reach."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

VERDICT_COLOURS = {"reachable jointly": "#4c72b0", "reachable alone": "#dd8452", "unreachable": "#c44e52"}


def _colour(verdict: str) -> str:
    return next((c for key, c in VERDICT_COLOURS.items() if verdict.startswith(key)), "#777777")


def _centre(row) -> float:
    bounds = [b for b in (row.low, row.high) if b is not None and not (isinstance(b, float) and math.isnan(b))]
    return float(np.mean(bounds)) if bounds else math.nan


def discrepancy_figure(table: pd.DataFrame, title: str) -> Figure:
    """One row per target: the documented interval (black), the range of all runs (bar, coloured by
    the verdict) and the best emulated value (dot), each divided by the documented value.

    Args:
        table: :func:`flowsim.analysis.history_matching.discrepancy_table`.
        title: the figure's title.
    """
    rows = table.iloc[::-1].reset_index(drop=True)
    fig = Figure(figsize=(9, 0.24 * len(rows) + 1.6), layout="constrained")
    ax = fig.subplots()
    for y, row in enumerate(rows.itertuples()):
        centre = _centre(row)
        if not centre or math.isnan(centre):
            continue
        scale = abs(centre)
        low = row.low / scale if row.low is not None and not math.isnan(row.low) else None
        high = row.high / scale if row.high is not None and not math.isnan(row.high) else None
        colour = _colour(row.verdict)
        if not math.isnan(row.runs_min):
            ax.plot([row.runs_min / scale, row.runs_max / scale], [y, y], color=colour, linewidth=5,
                    alpha=0.55, solid_capstyle="butt")
        if not math.isnan(row.best_emulated_value):
            ax.plot(row.best_emulated_value / scale, y, "o", color=colour, markersize=4)
        ax.plot([low if low is not None else 0.0, high if high is not None else 10.0], [y, y], color="black",
                linewidth=1.2)
        for bound in (low, high):
            if bound is not None:
                ax.plot(bound, y, "|", color="black", markersize=9)
    ax.set_yticks(range(len(rows)), [f"{r.id} ({r.role[:5]})" for r in rows.itertuples()], fontsize=7)
    ax.set_xscale("symlog", linthresh=0.1)
    ax.set_xlim(0, max(10.0, float(np.nanmax((rows["runs_max"] / rows.apply(_centre, axis=1).abs())
                                                .replace([np.inf, -np.inf], np.nan).fillna(1.0))) * 1.2))
    ax.axvline(1.0, color="#999999", linewidth=0.6, linestyle=":")
    ax.set_xlabel("value / documented value (black: documented interval; bar: all runs; dot: best emulated)")
    handles = [ax.plot([], [], color=c, linewidth=5, alpha=0.55)[0] for c in VERDICT_COLOURS.values()]
    ax.legend(handles, list(VERDICT_COLOURS), fontsize=7, loc="lower right")
    ax.set_title(title, fontsize=10)
    return fig
