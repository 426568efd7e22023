"""The figure of ``flowsim sensitivity``: Morris ``mu*`` or Sobol' ``S1``/``ST`` per parameter, one panel per output."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure


def plot_sensitivity(table: pd.DataFrame) -> Figure:
    """One panel per output: Morris ``mu_star`` ± conf, or Sobol' ``S1`` and ``ST`` ± conf."""
    outputs = list(dict.fromkeys(table["output"]))
    method = table["method"].iloc[0]
    params = list(dict.fromkeys(table["parameter"]))
    fig = Figure(figsize=(5.2 * min(len(outputs), 2), (0.35 * len(params) + 1.4) * math.ceil(len(outputs) / 2)),
                 layout="constrained")
    axes = fig.subplots(math.ceil(len(outputs) / 2), min(len(outputs), 2), squeeze=False, sharey=True)
    y = np.arange(len(params))
    for ax, output in zip(axes.flat, outputs, strict=False):
        rows = table[table["output"] == output].set_index("parameter").loc[params]
        if method == "morris":
            ax.barh(y, rows["mu_star"], xerr=rows["mu_star_conf"], color="#4f81bd", alpha=0.8,
                    capsize=3, height=0.6)
            ax.set_xlabel("mu* (mean |elementary effect|) ± 95% CI")
        else:
            ax.barh(y - 0.18, rows["S1"], xerr=rows["S1_conf"], height=0.34, color="#4f81bd",
                    capsize=3, label="S1 (first order)")
            ax.barh(y + 0.18, rows["ST"], xerr=rows["ST_conf"], height=0.34, color="#c0504d",
                    capsize=3, label="ST (total)")
            ax.set_xlabel("Sobol' index ± 95% CI")
            ax.legend(fontsize=7, loc="lower right")
        ax.set_title(output.replace("_", " "), fontsize=10)
        ax.axvline(0, color="grey", linewidth=0.8)
        ax.grid(axis="x", alpha=0.3)
    for ax in axes.flat[len(outputs):]:
        ax.set_visible(False)
    axes[0, 0].set_yticks(y, [p.split(".", 1)[-1] for p in params])
    axes[0, 0].invert_yaxis()
    for ax in axes[:, 0]:
        ax.tick_params(axis="y", labelsize=8)
    return fig
