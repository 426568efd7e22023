"""Figure 4: people waiting and the mean wait at the busiest crossings."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from flowsim.figures.style import (
    COUNT_FORMATTER,
    band_legend_handles,
    draw_series,
    format_date_axis,
    has_bands,
    median_column,
    new_figure,
    pretty_name,
)


# --------------------------------------------------------------------------- 4. queues


def plot_queues(
    crossings: pd.DataFrame,
    *,
    bands: pd.DataFrame | None = None,
    top: int = 6,
    names: Mapping[str, str] | None = None,
    caption: str = "",
) -> Figure:
    """People waiting and mean wait (days) at the ``top`` crossings by peak queue.

    Mean wait is left blank on days when nobody was processed (the table stores 0 there,
    which would read as "no wait").

    Args:
        crossings: ``crossings.csv`` table (ignored when ``bands`` is given).
        bands: Ensemble percentile table for ``crossings`` (key columns date, crossing).
        top: How many crossings to show.
        names: Display names by crossing id.
        caption: Caption line.

    Returns:
        The figure.
    """
    data = bands if bands is not None else crossings
    qcol = median_column(data, "queue")
    peaks = data.groupby("crossing")[qcol].max().sort_values(ascending=False)
    chosen = peaks[peaks > 0].index[:top].tolist() or peaks.index[:top].tolist()
    palette = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666")
    fig, body = new_figure(11, 7.5, caption)
    ax_q, ax_w = body.subplots(2, 1, sharex=True)
    for i, crossing in enumerate(chosen):
        sub = data[data["crossing"] == crossing].sort_values("date").copy()
        color = palette[i % len(palette)]
        country = str(sub["country"].iloc[0]) if "country" in sub.columns and len(sub) else ""
        label = f"{pretty_name(crossing, names)} → {pretty_name(country)}" if country else pretty_name(crossing, names)
        draw_series(ax_q, sub, "queue", color=color, label=label)
        pcol = median_column(sub, "processed") if ("processed" in sub or has_bands(sub, "processed")) else None
        if pcol is not None:
            mask = sub[pcol] <= 0
            for c in [c for c in sub.columns if c.startswith("mean_wait_days")]:
                sub.loc[mask, c] = np.nan
        draw_series(ax_w, sub, "mean_wait_days", color=color, label=None)
    window = _active_window(data[data["crossing"].isin(chosen)], qcol)
    if window is not None:
        ax_q.set_xlim(*window)
    span = (window[1] - window[0]).days if window is not None else None
    ax_q.set_title(f"Queues at the {len(chosen)} busiest crossings (by peak queue)"
                   + (f", {window[0]:%-d %b} – {window[1]:%-d %b}" if window is not None else ""))
    ax_q.set_ylabel("People waiting (end of day)")
    ax_q.yaxis.set_major_formatter(COUNT_FORMATTER)
    ax_q.set_ylim(bottom=0)
    ax_w.set_ylabel("Mean wait of those crossing (days)")
    ax_w.set_ylim(bottom=0)
    format_date_axis(ax_q, label=False, span_days=span)
    format_date_axis(ax_w, span_days=span)
    ax_q.tick_params(labelbottom=True)
    handles, _ = ax_q.get_legend_handles_labels()
    if bands is not None:
        handles += band_legend_handles()[1:]
    body.legend(handles=handles, loc="outside lower center", ncol=2, fontsize=8, frameon=False,
                title="crossing → destination", title_fontsize=8)
    return fig


def _active_window(data: pd.DataFrame, column: str, before: int = 7,
                   after: int = 14) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """Dates from a week before the first non-zero value to two weeks after the last, within the data."""
    dates = pd.to_datetime(data["date"])
    active = dates[data[column] > 0]
    if active.empty:
        return None
    lo = max(active.min() - pd.Timedelta(days=before), dates.min())
    hi = min(active.max() + pd.Timedelta(days=after), dates.max())
    if (hi - lo).days > 0.8 * (dates.max() - dates.min()).days:
        return None
    return lo, hi
