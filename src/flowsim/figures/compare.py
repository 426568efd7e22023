"""The what-if figure of ``flowsim compare``: the median paired change of each key output, with 5–95 % whiskers."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure


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
