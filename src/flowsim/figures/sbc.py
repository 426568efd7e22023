"""Simulation-based calibration at a glance: a rank histogram per parameter against the uniform band."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

BAND_MASS = 0.99
"""Share of the bin counts of uniform ranks the grey band holds (binomial quantiles; Talts et al. 2018)."""


def rank_figure(ranks: np.ndarray, draws: int, bins: int, names: Sequence[str], p_values: Sequence[float],
                title: str) -> Figure:
    """One histogram per parameter of the true values' ranks among ``draws`` posterior draws.

    Bars outside the grey band (where 99 % of bin counts of uniform ranks fall) show how the
    posterior errs: a U too narrow, a hump too wide, a slope biased.

    Args:
        ranks: (data sets × parameters) ranks on ``0..draws``.
        draws: posterior draws per data set.
        bins: bins of the histogram (those of the uniformity test).
        names: the parameters' names (dotted scenario paths), one per column.
        p_values: the uniformity test's p-value per parameter.
        title: the figure's title.
    """
    from scipy.stats import binom

    columns = min(4, len(names))
    rows = math.ceil(len(names) / columns)
    fig = Figure(figsize=(3.0 * columns, 2.1 * rows + 0.7), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, columns, squeeze=False)).ravel()
    edges = np.linspace(0, draws + 1, bins + 1)
    share = np.histogram(np.arange(draws + 1), bins=edges)[0] / (draws + 1)
    n = len(ranks)
    low = binom.ppf((1 - BAND_MASS) / 2, n, share)
    high = binom.ppf(1 - (1 - BAND_MASS) / 2, n, share)
    for k, ax in enumerate(axes):
        if k >= len(names):
            ax.set_visible(False)
            continue
        counts, _ = np.histogram(ranks[:, k], bins=edges)
        ax.fill_between(edges, np.append(low, low[-1]), np.append(high, high[-1]), step="post",
                        color="#d0d0d0", linewidth=0)
        ax.stairs(n * share, edges, color="#777777", linewidth=0.8, linestyle=":")
        outside = (counts < low) | (counts > high)
        ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge", edgecolor="white", linewidth=0.5,
               color=np.where(outside, "#c44e52", "#4c72b0"))
        short = names[k].split(".")[-2:] if "." in names[k] else [names[k]]
        ax.set_title(f"{'.'.join(short)}\np = {p_values[k]:.3f}", fontsize=7.5,
                     color="#c44e52" if p_values[k] < 0.01 else "black")
        ax.set_xlim(0, draws + 1)
        ax.tick_params(labelsize=6.5)
    fig.supxlabel(f"rank of the true value among {draws} posterior draws (grey: {BAND_MASS:.0%} band of uniform ranks)",
                  fontsize=8)
    fig.supylabel(f"data sets (of {n})", fontsize=8)
    fig.suptitle(title, fontsize=10)
    return fig
