"""Simulated against observed camp series (Flee-format network runs)."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

ATTRIBUTION = "Observed: UNHCR; ACLED; via djgroen/FabFlee"


def plot_camps(camps: pd.DataFrame, *, title: str = "", fit_until: str | None = None) -> Figure:
    """One panel per camp: the simulated series (with a band when the table has one) and the observed one.

    Args:
        camps: long table: date, camp, simulated, observed, and optionally simulated_p05 /
            simulated_p95 (ensembles and validation).
        title: figure title.
        fit_until: a dashed line where calibration data ends and the forecast begins.
    """
    frame = camps.copy()
    frame["date"] = pd.to_datetime(frame["date"])
    names = list(dict.fromkeys(frame["camp"]))
    cols = min(3, max(1, len(names)))
    rows = math.ceil(len(names) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 2.8 * rows), squeeze=False, sharex=True)
    for ax, name in zip(axes.flat, names):
        part = frame[frame["camp"] == name]
        if "simulated_p05" in part:
            ax.fill_between(part["date"], part["simulated_p05"], part["simulated_p95"], color="tab:blue", alpha=0.2, lw=0, label="simulated 5–95%")
        ax.plot(part["date"], part["simulated"], color="tab:blue", lw=1.5, label="simulated")
        ax.plot(part["date"], part["observed"], color="black", lw=1.2, ls="--", label="observed (UNHCR)")
        if fit_until is not None:
            ax.axvline(pd.Timestamp(fit_until), color="grey", lw=0.8, ls=":")
        ax.set_title(name, fontsize=10)
        ax.tick_params(labelsize=8)
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    for ax in list(axes.flat)[len(names):]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=7, loc="upper left")
    fig.suptitle(title or "People in each camp: simulated and observed", fontsize=11)
    fig.text(0.99, 0.005, ATTRIBUTION, ha="right", va="bottom", fontsize=7, color="grey")
    fig.autofmt_xdate()
    fig.tight_layout(rect=(0, 0.02, 1, 0.97))
    return fig
