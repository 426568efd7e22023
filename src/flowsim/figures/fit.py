"""Figure 8: the fit to the sources, every documented interval against the simulated value."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from flowsim.figures.style import format_count, new_figure


# --------------------------------------------------------------------------- 8. fit


def plot_fit(validation: pd.DataFrame, *, caption: str = "") -> Figure:
    """Each documented figure against its simulated value, on one normalised axis.

    Targets differ by orders of magnitude (daily counts, totals, shares), so every row
    is divided by its documented reference: the midpoint of ``low``–``high``, or the one
    bound of a one-sided target. The x axis is logarithmic (×1/8 … ×8); the documented
    interval is a grey bar, the simulated median a dot (green inside, red outside) with
    its 5–95 % whisker when the run is an ensemble. Raw numbers are printed at the right.

    Args:
        validation: Columns id, label, source, country, column, start, end, statistic, low,
            high, sim_median, sim_p05, sim_p95, inside.
        caption: Caption line.

    Returns:
        The figure.
    """
    v = validation.reset_index(drop=True)
    n = len(v)
    fig, body = new_figure(12, 1.9 + 0.42 * max(n, 1), caption)
    ax = body.add_subplot()
    lim = _fit_limits(v)
    for i, row in v.iterrows():
        y = n - 1 - i
        low, high = _num(row.get("low")), _num(row.get("high"))
        ref = (low + high) / 2 if low is not None and high is not None else (low if low is not None else high)
        if ref is None or ref <= 0:
            ax.text(1.0, y, "no positive documented reference — see table", ha="center", va="center",
                    fontsize=7, color="#777777")
            continue
        lo_r = low / ref if low is not None else lim[0]
        hi_r = high / ref if high is not None else lim[1]
        ax.barh(y, max(hi_r, lo_r) - lo_r, left=lo_r, height=0.5, color="#bdbdbd",
                hatch="//" if (low is None or high is None) else None, edgecolor="#8c8c8c", linewidth=0.5)
        med, p05, p95 = _num(row.get("sim_median")), _num(row.get("sim_p05")), _num(row.get("sim_p95"))
        inside = bool(row.get("inside")) if pd.notna(row.get("inside")) else False
        color = "#1a9850" if inside else "#d73027"
        if p05 is not None and p95 is not None:
            ax.plot([_clip(p05 / ref, lim), _clip(p95 / ref, lim)], [y, y], color=color, linewidth=1.5)
        if med is not None:
            r = med / ref
            marker = "o" if lim[0] <= r <= lim[1] else (">" if r > lim[1] else "<")
            ax.plot([_clip(r, lim)], [y], marker=marker, color=color, markersize=7, markeredgecolor="black",
                    markeredgewidth=0.5, linestyle="none", zorder=4)
        doc = (f"{_fmt_num(low)}–{_fmt_num(high)}" if low is not None and high is not None
               else (f"≥ {_fmt_num(low)}" if low is not None else f"≤ {_fmt_num(high)}"))
        sim = _fmt_num(med) + (f" ({_fmt_num(p05)}–{_fmt_num(p95)})" if p05 is not None and p95 is not None else "")
        ax.annotate(f"doc {doc} | sim {sim}", xy=(1.0, y), xycoords=("axes fraction", "data"),
                    xytext=(6, 0), textcoords="offset points", va="center", fontsize=7)
    labels = [_fit_label(row) for _, row in v.iterrows()][::-1]
    ax.set_yticks(range(n), labels, fontsize=7)
    ax.set_xscale("log", base=2)
    ax.set_xlim(*lim)
    ticks = [2.0**k for k in range(-6, 7) if lim[0] <= 2.0**k <= lim[1]]
    ax.set_xticks(ticks, [f"×1/{round(1 / t)}" if t < 1 else f"×{round(t)}" for t in ticks])
    ax.minorticks_off()
    ax.axvline(1.0, color="#333333", linewidth=0.8)
    ax.set_ylim(-0.7, n - 0.3)
    ax.grid(True, axis="x", color="#eeeeee")
    ax.set_xlabel("Value ÷ documented reference (midpoint of interval, or the bound if one-sided); log scale")
    inside_n = int(v["inside"].fillna(False).astype(bool).sum()) if "inside" in v else 0
    ax.set_title(f"Fit to the sources: {inside_n} of {n} documented figures inside their interval")
    handles = [Patch(facecolor="#bdbdbd", edgecolor="#8c8c8c", label="documented interval"),
               Patch(facecolor="#bdbdbd", edgecolor="#8c8c8c", hatch="//", label="one-sided (open end)"),
               Line2D([], [], marker="o", color="#1a9850", linestyle="none", label="simulated, inside"),
               Line2D([], [], marker="o", color="#d73027", linestyle="none", label="simulated, outside"),
               Line2D([], [], color="#555555", linewidth=1.5, label="5–95 % of runs")]
    body.legend(handles=handles, loc="outside lower center", ncol=5, fontsize=7, frameon=False)
    return fig


def _fit_limits(v: pd.DataFrame) -> tuple[float, float]:
    """Symmetric power-of-two limits covering every ratio shown, between ×1/2…×2 and ×1/64…×64."""
    ratios = []
    for _, row in v.iterrows():
        low, high = _num(row.get("low")), _num(row.get("high"))
        ref = (low + high) / 2 if low is not None and high is not None else (low if low is not None else high)
        if ref is None or ref <= 0:
            continue
        ratios += [x / ref for x in (low, high, _num(row.get("sim_median")), _num(row.get("sim_p05")),
                                     _num(row.get("sim_p95"))) if x is not None and x > 0]
    extent = max((abs(math.log2(r)) for r in ratios), default=1.0)
    k = min(max(math.ceil(extent * 1.1), 1), 6)
    return 2.0**-k, 2.0**k


def _num(value: Any) -> float | None:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if np.isfinite(f) else None


def _clip(r: float, lim: tuple[float, float]) -> float:
    return min(max(r, lim[0]), lim[1])


def _fmt_num(value: float | None) -> str:
    if value is None:
        return "–"
    if abs(value) < 1 and value != 0:
        return f"{value:.2f}"
    return format_count(value)


def _fit_label(row: pd.Series) -> str:
    label = str(row.get("label", ""))
    if len(label) > 48:
        label = label[:47] + "…"
    source = str(row.get("source", "")).strip()
    return f"{row['id']}: {label}" + (f" [{source}]" if source else "")
