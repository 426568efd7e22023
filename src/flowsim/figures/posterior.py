"""The calibration's pair plot: every free parameter against every other, over its prior range."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol

import numpy as np
import pandas as pd
from matplotlib.figure import Figure


class PriorRange(Protocol):
    """What the plot needs of a prior: its parameter, its range and whether it is on a log scale."""

    name: str
    low: float
    high: float
    scale: str


def _short(name: str) -> str:
    parts = name.split(".")
    return ".".join(parts[-2:]) if len(parts) > 2 else name


def pair_plot(particles: pd.DataFrame, priors: Sequence[PriorRange], title: str) -> Figure:
    """Weighted histograms on the diagonal, particles below it, each axis spanning its prior.

    A parameter whose histogram fills its prior range is not identified by the targets; a
    thin diagonal cloud is a ridge along which two parameters trade off.

    Args:
        particles: one particle a row: ``weight`` and one column per calibrated parameter.
        priors: the priors of the calibrated parameters (ranges span the axes).
        title: the figure's title.
    """
    priors = {p.name: p for p in priors}
    names = [p for p in priors if p in particles.columns]
    values = particles[names].to_numpy(dtype=float)
    k = len(names)
    size = max(1.4 * k, 6.0)
    fig = Figure(figsize=(size, size), layout="constrained")
    axes = fig.subplots(k, k, squeeze=False)
    weights = particles["weight"].to_numpy(dtype=float)
    weights = weights / weights.sum()
    shade = 0.15 + 0.85 * weights / weights.max()
    for i, row_name in enumerate(names):
        for j, col_name in enumerate(names):
            ax = axes[i, j]
            prior_x = priors.get(col_name)
            log_x = prior_x is not None and prior_x.scale == "log"
            if i == j:
                column = values[:, j]
                bins = (np.geomspace(prior_x.low, prior_x.high, 21) if log_x
                        else np.linspace(prior_x.low, prior_x.high, 21)) if prior_x else 20
                ax.hist(column, bins=bins, weights=weights, color="#4c72b0", alpha=0.85)
                ax.set_yticks([])
            elif i > j:
                ax.scatter(values[:, j], values[:, i], s=5, linewidths=0, rasterized=True,
                           color=[(0.3, 0.45, 0.69, a) for a in shade])
                prior_y = priors.get(row_name)
                if prior_y is not None:
                    ax.set_ylim(prior_y.low, prior_y.high)
                    if prior_y.scale == "log":
                        ax.set_yscale("log")
            else:
                ax.set_axis_off()
                continue
            if prior_x is not None:
                ax.set_xlim(prior_x.low, prior_x.high)
                if log_x:
                    ax.set_xscale("log")
            ax.tick_params(labelsize=6)
            if i == k - 1:
                ax.set_xlabel(_short(col_name), fontsize=7)
            else:
                ax.set_xticklabels([])
            if j == 0 and i > 0:
                ax.set_ylabel(_short(row_name), fontsize=7)
            elif i != j:
                ax.set_yticklabels([])
    count = len(weights)
    effective = 1.0 / float(np.sum(weights ** 2))
    fig.suptitle(f"{title}: {count} particles (effective {math.floor(effective)}), "
                 "axes span the priors", fontsize=10)
    return fig
