"""Figures of a run, drawn from its tables alone.

Every ``plot_*`` function takes DataFrames (the run tables of the contract: ``daily``,
``crossings``, ``flows``, ``places``, ``validation``) and returns a
:class:`matplotlib.figure.Figure`; nothing here runs the model. Figures are built with
:class:`~matplotlib.figure.Figure` directly rather than through ``pyplot``, so no global
figure registry or backend is touched and PNG output always goes through Agg.

For an ensemble, pass ``bands``: a long table with the same key columns
(``date, country`` or ``date, crossing``) and, for each count column ``c``, the columns
``c_p05, c_p25, c_p50, c_p75, c_p95``. The median is drawn as a line with shaded
5–95 % and 25–75 % bands.

:func:`plot_run` reads a run folder (single run: ``daily.csv``; ensemble:
``daily_bands.csv``) and writes every figure to ``<run>/figures/`` as PNG (150 dpi)
and SVG. :func:`add_plot_parser` / :func:`cmd_plot` provide ``flowsim plot RUN_DIR``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.transforms import Bbox
from matplotlib.patches import FancyArrowPatch, PathPatch, Patch, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.ticker import FuncFormatter

PNG_DPI = 150
"""Resolution of every PNG written by :func:`save_figure`."""

KNOWN_COUNTRY_COLORS: dict[str, str] = {
    "kazakhstan": "#1f77b4",
    "georgia": "#d62728",
    "armenia": "#ff7f0e",
    "kyrgyzstan": "#8c564b",
    "uzbekistan": "#2ca02c",
    "mongolia": "#9467bd",
    "turkey": "#e377c2",
    "schengen": "#17becf",
    "uae": "#bcbd22",
    "serbia": "#7f7f7f",
    "israel": "#393b79",
    "home": "#4d4d4d",
    "stayed": "#c7c7c7",
}
"""Fixed colour of each known destination id, used by every figure."""

_FALLBACK_COLORS = (
    "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d",
    "#31a354", "#756bb1", "#636363", "#9c9ede", "#cedb9c", "#e7ba52",
)

FIGURE_CAPTIONS: dict[str, str] = {
    "01_kazakhstan_entries_exits": "Daily entries into and exits from Kazakhstan (everyone crossing), "
    "with the documented figures; shading marks days when more people left than arrived.",
    "02_entries_by_destination": "Daily entries by destination (all travellers and the exodus), "
    "with the scenario's dated events.",
    "03_wave_stock": "People of the exodus present in each destination at the end of each day.",
    "04_queues": "People waiting and mean wait at the busiest crossings (top by peak queue).",
    "05_rent_index": "Rent index per destination (1.0 = level before 21 September).",
    "06_where_people_went": "Where people went: origin region, first destination, "
    "then onward destination, return home, or stayed.",
    "07_map": "Schematic map: origins, crossings and destinations at their real coordinates; "
    "arrows scaled by first-entry flows.",
    "08_fit_to_sources": "Fit to the sources: each documented interval against the simulated value "
    "(ratio to the documented midpoint).",
}
"""One-line caption for each figure stem written by :func:`plot_run`."""

_PERCENTILES = ("p05", "p25", "p50", "p75", "p95")


# --------------------------------------------------------------------------- colours, labels


def country_colors(countries: Iterable[str]) -> dict[str, str]:
    """Colour for each country id, the same in every figure.

    Known ids get a fixed colour from :data:`KNOWN_COUNTRY_COLORS`; any other id gets a
    colour chosen from its name (a CRC32 hash), so it too is stable between figures and
    runs whatever other countries are present.

    Args:
        countries: Destination ids (also accepts ``"home"`` and ``"stayed"``).

    Returns:
        Mapping id → hex colour string.
    """
    colors: dict[str, str] = {}
    for country in countries:
        key = str(country)
        if key in KNOWN_COUNTRY_COLORS:
            colors[key] = KNOWN_COUNTRY_COLORS[key]
        else:
            colors[key] = _FALLBACK_COLORS[zlib.crc32(key.encode()) % len(_FALLBACK_COLORS)]
    return colors


def _pretty(ident: str, names: Mapping[str, str] | None = None) -> str:
    if names and ident in names and isinstance(names[ident], str) and names[ident]:
        return names[ident]
    special = {"uae": "UAE", "home": "Returned home", "stayed": "Stayed in first country"}
    return special.get(ident, ident.replace("_", " ").title())


def _fmt_count(value: float) -> str:
    if value is None or not np.isfinite(value):
        return "–"
    a = abs(value)
    if a >= 1e6:
        return f"{value / 1e6:.2f}M".replace(".00M", "M")
    if a >= 1e4:
        return f"{value / 1e3:.0f}k"
    if a >= 1e3:
        return f"{value / 1e3:.1f}k"
    if a >= 10 or a == 0:
        return f"{value:.0f}"
    return f"{value:.2g}"


_COUNT_FORMATTER = FuncFormatter(lambda v, _pos: _fmt_count(v))


# --------------------------------------------------------------------------- shared drawing helpers


def _new_figure(width: float, height: float, caption: str) -> tuple[Figure, Any]:
    """A constrained-layout figure split into a body and a one-line caption strip.

    The caption lives in its own sub-figure so legends placed "outside" the axes of the
    body can never run into it.
    """
    fig = Figure(figsize=(width, height), layout="constrained")
    if not caption:
        return fig, fig
    strip = 0.28
    body, foot = fig.subfigures(2, 1, height_ratios=[height - strip, strip], hspace=0.0)
    foot.text(0.008, 0.5, caption, fontsize=8, color="#555555", ha="left", va="center")
    return fig, body


def _format_date_axis(ax: Axes, label: bool = True, span_days: float | None = None) -> None:
    """Monthly labelled ticks with weekly minor ticks, or weekly labels for spans under ~11 weeks."""
    if span_days is not None and span_days < 80:
        ax.xaxis.set_major_locator(mdates.WeekdayLocator(byweekday=mdates.MO))
        ax.xaxis.set_minor_locator(mdates.DayLocator())
    else:
        ax.xaxis.set_major_locator(mdates.MonthLocator())
        ax.xaxis.set_minor_locator(mdates.WeekdayLocator(byweekday=mdates.MO))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%-d %b"))
    ax.grid(True, which="major", axis="both", color="#dddddd", linewidth=0.7)
    ax.grid(True, which="minor", axis="x", color="#f0f0f0", linewidth=0.5)
    ax.set_axisbelow(True)
    if label:
        ax.set_xlabel("Date (2022)")


def _dates(frame: pd.DataFrame) -> pd.Series:
    return pd.to_datetime(frame["date"])


def _has_bands(frame: pd.DataFrame, column: str) -> bool:
    return f"{column}_p50" in frame.columns


def _median_column(frame: pd.DataFrame, column: str) -> str:
    """Name of the column holding the central value of ``column`` in ``frame``."""
    if column in frame.columns:
        return column
    if _has_bands(frame, column):
        return f"{column}_p50"
    raise KeyError(f"column '{column}' (or '{column}_p50') not in table; has {list(frame.columns)}")


def _draw_series(
    ax: Axes,
    frame: pd.DataFrame,
    column: str,
    *,
    color: str,
    label: str | None,
    linewidth: float = 1.6,
    linestyle: str = "-",
) -> None:
    """Plot ``column`` over time; with ensemble percentile columns, add 5–95 % and 25–75 % bands."""
    frame = frame.sort_values("date")
    x = _dates(frame)
    if _has_bands(frame, column):
        for lo, hi, alpha in (("p05", "p95", 0.15), ("p25", "p75", 0.3)):
            if f"{column}_{lo}" in frame.columns and f"{column}_{hi}" in frame.columns:
                ax.fill_between(x, frame[f"{column}_{lo}"], frame[f"{column}_{hi}"],
                                color=color, alpha=alpha, linewidth=0)
        y = frame[f"{column}_p50"]
    else:
        y = frame[column]
    ax.plot(x, y, color=color, label=label, linewidth=linewidth, linestyle=linestyle)


def _band_legend_handles(color: str = "#777777") -> list[Any]:
    return [
        Line2D([], [], color=color, linewidth=1.6, label="ensemble median"),
        Patch(facecolor=color, alpha=0.45, label="25–75 % of runs"),
        Patch(facecolor=color, alpha=0.15, label="5–95 % of runs"),
    ]


def _normalise_events(events: Iterable[Any] | None) -> list[tuple[pd.Timestamp, str, str | None]]:
    """Accept (date, label) or (date, label, country) tuples, or dicts with those keys."""
    out: list[tuple[pd.Timestamp, str, str | None]] = []
    for ev in events or ():
        if isinstance(ev, Mapping):
            date, label, country = ev.get("date"), ev.get("label", ""), ev.get("country")
        else:
            date, label = ev[0], ev[1]
            country = ev[2] if len(ev) > 2 else None
        out.append((pd.Timestamp(date), str(label), country))
    return sorted(out, key=lambda e: e[0])


def _target_rows(validation: pd.DataFrame | None, country: str, column: str) -> pd.DataFrame:
    if validation is None or validation.empty:
        return pd.DataFrame()
    rows = validation[(validation["country"] == country) & (validation["column"] == column)]
    return rows.dropna(subset=["start", "end"])


def _daily_scale(row: pd.Series) -> tuple[float, str]:
    """Divisor turning a documented value into a per-day value, and a note saying so."""
    days = (pd.Timestamp(row["end"]) - pd.Timestamp(row["start"])).days + 1
    statistic = str(row.get("statistic", "")).lower()
    if any(word in statistic for word in ("sum", "total", "cumulative")) and days > 1:
        return float(days), f" (total ÷ {days} days)"
    return 1.0, ""


def _draw_targets(ax: Axes, validation: pd.DataFrame | None, country: str, column: str,
                  color: str) -> list[Any]:
    """Draw documented values for ``country``/``column`` as boxes over their date window.

    A window total is shown as its daily mean (documented total divided by the days in the
    window) so it can sit on a daily axis; one-sided targets are drawn as a bound with an
    arrow. Returns legend handles.
    """
    rows = _target_rows(validation, country, column)
    handles: list[Any] = []
    for _, row in rows.iterrows():
        start, end = pd.Timestamp(row["start"]), pd.Timestamp(row["end"]) + pd.Timedelta(days=1)
        divisor, note = _daily_scale(row)
        low, high = row.get("low"), row.get("high")
        low = float(low) / divisor if pd.notna(low) else None
        high = float(high) / divisor if pd.notna(high) else None
        if low is None and high is None:
            continue
        x0, width = mdates.date2num(start), mdates.date2num(end) - mdates.date2num(start)
        if low is not None and high is not None:
            ax.add_patch(Rectangle((x0, low), width, max(high - low, 0.0), facecolor=color, alpha=0.18,
                                   edgecolor=color, linewidth=1.0, linestyle="--", zorder=3))
            mid = (low + high) / 2
        else:
            bound = low if low is not None else high
            ax.hlines(bound, start, end, colors=color, linestyles="--", linewidth=1.4, zorder=3)
            direction = 1 if low is not None else -1
            ax.annotate("", xy=(start + (end - start) / 2, bound * (1 + 0.25 * direction)),
                        xytext=(start + (end - start) / 2, bound),
                        arrowprops={"arrowstyle": "->", "color": color, "linewidth": 1.2})
            mid = bound
        ax.plot([start + (end - start) / 2], [mid], marker="D", color=color, markersize=5,
                markeredgecolor="white", zorder=4, linestyle="none")
        ax.annotate(f"{row['id']}{note}", xy=(end, mid), xytext=(3, 0), textcoords="offset points",
                    fontsize=7, color=color, va="center", zorder=5)
        source = str(row.get("source", "")).strip()
        handles.append(Patch(facecolor=color, alpha=0.3, edgecolor=color, linestyle="--",
                             label=f"{row['id']}: {row.get('label', '')}" + (f" [{source}]" if source else "")))
    return handles


# --------------------------------------------------------------------------- 1. Kazakhstan balance


def plot_kazakhstan_balance(
    daily: pd.DataFrame,
    validation: pd.DataFrame | None = None,
    *,
    bands: pd.DataFrame | None = None,
    country: str = "kazakhstan",
    caption: str = "",
) -> Figure:
    """Daily entries vs exits for one country, with documented figures and the crossover.

    Days when exits exceed entries are shaded, so the late-October reversal reported for
    Kazakhstan (F7: 10–11k out vs 8–9k in per day) is visible at a glance.

    Args:
        daily: ``daily.csv`` table (ignored when ``bands`` is given).
        validation: Validation table; rows for this country with column ``entries_total``
            or ``exits_total`` are drawn as boxes over their date windows.
        bands: Ensemble percentile table for ``daily``.
        country: Destination id.
        caption: Caption line (scenario and seed).

    Returns:
        The figure.
    """
    data = bands if bands is not None else daily
    sub = data[data["country"] == country].sort_values("date")
    n_targets = sum(len(_target_rows(validation, country, c)) for c in ("entries_total", "exits_total"))
    fig, body = _new_figure(11, 5.6 + 0.17 * math.ceil(n_targets / 2), caption)
    ax = body.add_subplot()
    entry_color, exit_color = "#1f77b4", "#d6604d"
    if sub.empty:
        ax.text(0.5, 0.5, f"No rows for '{country}' in the daily table", transform=ax.transAxes,
                ha="center", va="center")
    else:
        _draw_series(ax, sub, "entries_total", color=entry_color, label="entries (everyone crossing)")
        _draw_series(ax, sub, "exits_total", color=exit_color, label="exits (everyone crossing)")
        x = _dates(sub)
        ent = sub[_median_column(sub, "entries_total")].to_numpy(float)
        ext = sub[_median_column(sub, "exits_total")].to_numpy(float)
        ax.fill_between(x, ent, ext, where=ext > ent, interpolate=True, color=exit_color, alpha=0.22,
                        linewidth=0, label="exits above entries")
        crossover = _first_sustained_crossover(x, ent, ext)
        if crossover is not None:
            ax.axvline(crossover, color=exit_color, linewidth=0.8, linestyle=":")
            ax.annotate(f"exits exceed entries from {crossover:%-d %b}", xy=(crossover, 1.0),
                        xycoords=("data", "axes fraction"), xytext=(4, -14), textcoords="offset points",
                        fontsize=8, color=exit_color)
    handles = []
    handles += _draw_targets(ax, validation, country, "entries_total", "#08519c")
    handles += _draw_targets(ax, validation, country, "exits_total", "#a50f15")
    name = _pretty(country)
    ax.set_title(f"{name}: daily entries and exits, September–December 2022")
    ax.set_ylabel("People per day")
    ax.yaxis.set_major_formatter(_COUNT_FORMATTER)
    ax.set_ylim(bottom=0)
    _format_date_axis(ax)
    main_handles, _ = ax.get_legend_handles_labels()
    if bands is not None:
        main_handles += _band_legend_handles()
    ax.legend(handles=main_handles, loc="upper right", fontsize=8, framealpha=0.9)
    if handles:
        body.legend(handles=handles, loc="outside lower center", ncol=2 if len(handles) > 2 else 1, fontsize=7,
                   title="Documented figures (box = interval over its dates; ◆ = midpoint)",
                   title_fontsize=7, frameon=False)
    return fig


def _first_sustained_crossover(x: pd.Series, entries: np.ndarray, exits: np.ndarray,
                               run: int = 3) -> pd.Timestamp | None:
    """First day after the entry peak from which exits exceed entries ``run`` days in a row."""
    if len(entries) == 0 or not np.isfinite(entries).any():
        return None
    peak = int(np.nanargmax(entries))
    above = exits > entries
    for i in range(peak, len(above) - run + 1):
        if above[i:i + run].all():
            return pd.Timestamp(x.iloc[i])
    return None


# --------------------------------------------------------------------------- 2. entries by destination


def plot_entries_by_destination(
    daily: pd.DataFrame,
    events: Iterable[Any] | None = None,
    *,
    bands: pd.DataFrame | None = None,
    names: Mapping[str, str] | None = None,
    caption: str = "",
) -> Figure:
    """Small multiples of daily entries, one panel per destination, largest exodus first.

    Each panel shows everyone entering (``entries_total``, line) and the exodus
    (``wave_entries``, filled). Events are vertical lines numbered in every panel they
    concern, with the key under the figure; an event with a country only appears in
    that country's panel.

    Args:
        daily: ``daily.csv`` table (ignored when ``bands`` is given).
        events: ``(date, label)`` or ``(date, label, country)`` tuples, or dicts.
        bands: Ensemble percentile table for ``daily``.
        names: Display names by destination id.
        caption: Caption line.

    Returns:
        The figure.
    """
    data = bands if bands is not None else daily
    col = _median_column(data, "wave_entries")
    order = data.groupby("country")[col].sum().sort_values(ascending=False).index.tolist()
    colors = country_colors(order)
    ncols = 3 if len(order) > 4 else (2 if len(order) > 1 else 1)
    nrows = max(math.ceil(len(order) / ncols), 1)
    evs = _normalise_events(events)
    fig, body = _new_figure(4.2 * ncols, 2.3 * nrows + 0.9 + 0.16 * len(evs), caption)
    axes = body.subplots(nrows, ncols, sharex=True, squeeze=False)
    for i, country in enumerate(order):
        ax = axes.flat[i]
        sub = data[data["country"] == country].sort_values("date")
        color = colors[country]
        wave = _median_column(sub, "wave_entries")
        ax.fill_between(_dates(sub), 0, sub[wave], color=color, alpha=0.35, linewidth=0)
        _draw_series(ax, sub, "entries_total", color=color, label=None, linewidth=1.3)
        # Title on the right: the event numbers use the space above the left half.
        ax.set_title(_pretty(country, names), fontsize=10, color=color, loc="right", fontweight="bold")
        ax.yaxis.set_major_formatter(_COUNT_FORMATTER)
        ax.set_ylim(bottom=0)
        _format_date_axis(ax, label=False)
        mine = [(j, d) for j, (d, _label, c) in enumerate(evs, start=1) if c is None or c == country]
        _number_events(ax, mine)
        if i % ncols == 0:
            ax.set_ylabel("People per day")
    for ax in axes.flat[len(order):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.tick_params(labelbottom=True)
    for ax in axes.flat[max(len(order) - ncols, 0):len(order)]:
        ax.tick_params(labelbottom=True)
        ax.set_xlabel("Date (2022)")
    body.suptitle("Daily entries by destination, September–December 2022", fontsize=12)
    handles = [Line2D([], [], color="#555555", linewidth=1.3, label="entries, everyone crossing"),
               Patch(facecolor="#555555", alpha=0.35, label="entries, people of the exodus")]
    if bands is not None:
        handles += _band_legend_handles()[1:]
    handles += [Line2D([], [], color="#333333", linestyle="--", linewidth=0.8,
                       label=f"{j}: {d:%-d %b} {lab}") for j, (d, lab, _c) in enumerate(evs, start=1)]
    body.legend(handles=handles, loc="outside lower center", ncol=2 if len(handles) > 4 else len(handles),
               fontsize=8, frameon=False)
    return fig


# --------------------------------------------------------------------------- 3. wave stock, 5. rent


def _lines_by_country(
    data: pd.DataFrame,
    column: str,
    *,
    title: str,
    ylabel: str,
    names: Mapping[str, str] | None,
    caption: str,
    count_axis: bool,
    banded: bool,
) -> tuple[Figure, Axes]:
    """One line per destination for ``column``, legend outside at the right, largest first."""
    col = _median_column(data, column)
    order = data.groupby("country")[col].max().sort_values(ascending=False).index.tolist()
    colors = country_colors(order)
    fig, body = _new_figure(11, 5.6, caption)
    ax = body.add_subplot()
    for country in order:
        sub = data[data["country"] == country]
        _draw_series(ax, sub, column, color=colors[country], label=_pretty(country, names))
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    if count_axis:
        ax.yaxis.set_major_formatter(_COUNT_FORMATTER)
        ax.set_ylim(bottom=0)
    _format_date_axis(ax)
    handles, _ = ax.get_legend_handles_labels()
    if banded:
        handles += _band_legend_handles()[1:]
    body.legend(handles=handles, loc="outside right center", fontsize=8, frameon=False,
               title="largest first", title_fontsize=7)
    return fig, ax


def plot_wave_stock(
    daily: pd.DataFrame,
    *,
    bands: pd.DataFrame | None = None,
    names: Mapping[str, str] | None = None,
    events: Iterable[Any] | None = None,
    caption: str = "",
) -> Figure:
    """People of the exodus present in each destination at the end of each day.

    Args:
        daily: ``daily.csv`` table (ignored when ``bands`` is given).
        bands: Ensemble percentile table for ``daily``.
        names: Display names by destination id.
        events: Global events to mark (country-specific ones are skipped here).
        caption: Caption line.

    Returns:
        The figure.
    """
    data = bands if bands is not None else daily
    fig, ax = _lines_by_country(
        data, "wave_stock", title="Exodus stock: people of the wave present in each destination",
        ylabel="People present (end of day)", names=names, caption=caption, count_axis=True,
        banded=bands is not None)
    _mark_global_events(ax, events)
    return fig


def plot_rent_index(
    daily: pd.DataFrame,
    *,
    bands: pd.DataFrame | None = None,
    validation: pd.DataFrame | None = None,
    names: Mapping[str, str] | None = None,
    caption: str = "",
) -> Figure:
    """Rent index per destination (1.0 = level before 21 September).

    Documented rent targets (validation rows with column ``rent_index``) are drawn as
    boxes in the country's colour.

    Args:
        daily: ``daily.csv`` table (ignored when ``bands`` is given).
        bands: Ensemble percentile table for ``daily``.
        validation: Validation table.
        names: Display names by destination id.
        caption: Caption line.

    Returns:
        The figure.
    """
    data = bands if bands is not None else daily
    fig, ax = _lines_by_country(
        data, "rent_index", title="Rent index by destination", ylabel="Rent index (1.0 = before 21 Sep)",
        names=names, caption=caption, count_axis=False, banded=bands is not None)
    ax.axhline(1.0, color="#333333", linewidth=0.8)
    target_handles: list[Any] = []
    if validation is not None and not validation.empty:
        for country in validation.loc[validation["column"] == "rent_index", "country"].dropna().unique():
            color = country_colors([country])[country]
            target_handles += _draw_targets(ax, validation, country, "rent_index", color)
    if target_handles:
        ax.legend(handles=target_handles, loc="upper left", fontsize=7, title="Documented",
                  title_fontsize=7)
    ax.set_ylim(bottom=min(0.9, ax.get_ylim()[0]))
    return fig


def _mark_global_events(ax: Axes, events: Iterable[Any] | None, min_gap_days: int = 6) -> None:
    """Vertical lines for events that concern every country; labels skipped where they would collide."""
    last: pd.Timestamp | None = None
    for date, label, country in _normalise_events(events):
        if country is not None:
            continue
        ax.axvline(date, color="#333333", linewidth=0.8, linestyle="--", alpha=0.7)
        if last is None or (date - last).days >= min_gap_days:
            ax.annotate(label, xy=(date, 1.0), xycoords=("data", "axes fraction"), xytext=(3, -4),
                        textcoords="offset points", fontsize=7, rotation=90, va="top", color="#333333",
                        bbox={"facecolor": "white", "alpha": 0.75, "edgecolor": "none", "pad": 1.0})
            last = date


def _number_events(ax: Axes, numbered: Sequence[tuple[int, pd.Timestamp]], min_gap_days: int = 5) -> None:
    """Dashed line per event date, numbered just above the axes ("7,8" when they share a day).

    The numbers sit outside the data area so they never hide a curve; dates closer than
    ``min_gap_days`` get their numbers stacked on successive rows.
    """
    by_date: dict[pd.Timestamp, list[int]] = {}
    for j, date in numbered:
        by_date.setdefault(date, []).append(j)
    row_last: list[pd.Timestamp] = []
    for date in sorted(by_date):
        ax.axvline(date, color="#333333", linewidth=0.8, linestyle="--", alpha=0.7)
        row = next((r for r, prev in enumerate(row_last) if (date - prev).days >= min_gap_days), len(row_last))
        if row == len(row_last):
            row_last.append(date)
        row_last[row] = date
        ax.annotate(",".join(map(str, by_date[date])), xy=(date, 1.0), xycoords=("data", "axes fraction"),
                    xytext=(0, 1.5 + 7.5 * row), textcoords="offset points", fontsize=6.5, color="#333333",
                    ha="center", va="bottom", annotation_clip=False)


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
    qcol = _median_column(data, "queue")
    peaks = data.groupby("crossing")[qcol].max().sort_values(ascending=False)
    chosen = peaks[peaks > 0].index[:top].tolist() or peaks.index[:top].tolist()
    palette = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666")
    fig, body = _new_figure(11, 7.5, caption)
    ax_q, ax_w = body.subplots(2, 1, sharex=True)
    for i, crossing in enumerate(chosen):
        sub = data[data["crossing"] == crossing].sort_values("date").copy()
        color = palette[i % len(palette)]
        country = str(sub["country"].iloc[0]) if "country" in sub.columns and len(sub) else ""
        label = f"{_pretty(crossing, names)} → {_pretty(country)}" if country else _pretty(crossing, names)
        _draw_series(ax_q, sub, "queue", color=color, label=label)
        pcol = _median_column(sub, "processed") if ("processed" in sub or _has_bands(sub, "processed")) else None
        if pcol is not None:
            mask = sub[pcol] <= 0
            for c in [c for c in sub.columns if c.startswith("mean_wait_days")]:
                sub.loc[mask, c] = np.nan
        _draw_series(ax_w, sub, "mean_wait_days", color=color, label=None)
    window = _active_window(data[data["crossing"].isin(chosen)], qcol)
    if window is not None:
        ax_q.set_xlim(*window)
    span = (window[1] - window[0]).days if window is not None else None
    ax_q.set_title(f"Queues at the {len(chosen)} busiest crossings (by peak queue)"
                   + (f", {window[0]:%-d %b} – {window[1]:%-d %b}" if window is not None else ""))
    ax_q.set_ylabel("People waiting (end of day)")
    ax_q.yaxis.set_major_formatter(_COUNT_FORMATTER)
    ax_q.set_ylim(bottom=0)
    ax_w.set_ylabel("Mean wait of those crossing (days)")
    ax_w.set_ylim(bottom=0)
    _format_date_axis(ax_q, label=False, span_days=span)
    _format_date_axis(ax_w, span_days=span)
    ax_q.tick_params(labelbottom=True)
    handles, _ = ax_q.get_legend_handles_labels()
    if bands is not None:
        handles += _band_legend_handles()[1:]
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


# --------------------------------------------------------------------------- 6. alluvial


def _outcome_of(first: str, later: str) -> str:
    return "stayed" if later in ("stayed", first) else later


def plot_flows_sankey(
    flows: pd.DataFrame,
    *,
    names: Mapping[str, str] | None = None,
    min_origin_share: float = 0.01,
    caption: str = "",
) -> Figure:
    """Alluvial diagram: origin region → first destination → onward destination / home / stayed.

    Ribbons are coloured by first destination. Origins with less than
    ``min_origin_share`` of all leavers are pooled as "other regions" so labels stay
    readable.

    Args:
        flows: ``flows.csv`` table (origin, first_destination, later_destination, count).
        names: Display names by id (origins and destinations).
        min_origin_share: Origins below this share of the total are pooled.
        caption: Caption line.

    Returns:
        The figure.
    """
    f = flows[flows["count"] > 0].copy()
    f["first_destination"] = f["first_destination"].astype(str)
    f["outcome"] = [_outcome_of(a, str(b)) for a, b in zip(f["first_destination"], f["later_destination"])]
    total = float(f["count"].sum())
    fig, body = _new_figure(11, 8.0, caption)
    ax = body.add_subplot()
    ax.set_axis_off()
    ax.set_title("Where people went: origin region → first destination → afterwards")
    if total <= 0:
        ax.text(0.5, 0.5, "No one crossed in this run", ha="center", va="center", transform=ax.transAxes)
        return fig
    by_origin = f.groupby("origin")["count"].sum()
    small = by_origin[by_origin < min_origin_share * total].index
    if len(small) > 1:
        f["origin"] = f["origin"].where(~f["origin"].isin(small), "other regions")
    f["origin"] = f["origin"].astype(str)

    def order_of(col: str, last: Sequence[str] = ()) -> list[str]:
        sums = f.groupby(col)["count"].sum().sort_values(ascending=False)
        return [k for k in sums.index if k not in last] + [k for k in last if k in sums.index]

    columns = [order_of("origin", ("other regions",)), order_of("first_destination"),
               order_of("outcome", ("stayed", "home"))]
    keys = ["origin", "first_destination", "outcome"]
    colors = country_colors(set(columns[1]) | set(columns[2]))
    xs, width, gap = (0.0, 0.45, 0.9), 0.018, 0.012
    nodes: list[dict[str, tuple[float, float]]] = []
    for col, key in zip(columns, keys):
        sums = f.groupby(key)["count"].sum()
        avail = 1.0 - gap * (len(col) - 1)
        y, pos = 1.0, {}
        for k in col:
            h = sums[k] / total * avail
            pos[k] = (y - h, y)
            y -= h + gap
        nodes.append(pos)
    for level in (0, 1):
        src_key, dst_key = keys[level], keys[level + 1]
        links = (f.assign(ribbon=f["first_destination"]).groupby([src_key, dst_key])
                 .agg(count=("count", "sum"), color=("ribbon", "first")).reset_index())
        src_off = {k: v[1] for k, v in nodes[level].items()}
        dst_off = {k: v[1] for k, v in nodes[level + 1].items()}
        rank_src = {k: i for i, k in enumerate(columns[level])}
        rank_dst = {k: i for i, k in enumerate(columns[level + 1])}
        links["rs"], links["rd"] = links[src_key].map(rank_src), links[dst_key].map(rank_dst)
        # Ribbons leave each source in target order and reach each target in source order,
        # so they do not cross inside a node.
        heights = {}
        for _, link in links.sort_values(["rs", "rd"]).iterrows():
            h = link["count"] / total * (1.0 - gap * (len(columns[level]) - 1))
            heights[(link[src_key], link[dst_key])] = h
        starts = {}
        for _, link in links.sort_values(["rs", "rd"]).iterrows():
            k = (link[src_key], link[dst_key])
            starts[k] = src_off[link[src_key]]
            src_off[link[src_key]] -= heights[k]
        for _, link in links.sort_values(["rd", "rs"]).iterrows():
            k = (link[src_key], link[dst_key])
            h = heights[k] * (1.0 - gap * (len(columns[level + 1]) - 1)) / (1.0 - gap * (len(columns[level]) - 1))
            y1 = dst_off[link[dst_key]]
            dst_off[link[dst_key]] -= h
            _ribbon(ax, xs[level] + width, starts[k], starts[k] - heights[k], xs[level + 1], y1, y1 - h,
                    color=colors[link["color"]])
    for level, (x, pos) in enumerate(zip(xs, nodes)):
        for k, (y0, y1) in pos.items():
            color = "#8c8c8c" if level == 0 else colors[k]
            ax.add_patch(Rectangle((x, y0), width, y1 - y0, facecolor=color, edgecolor="none", zorder=3))
            value = (y1 - y0) / (1.0 - gap * (len(pos) - 1)) * total
            text = f"{_pretty(k, names)}  {_fmt_count(value)}"
            if level == 0:
                ax.text(x - 0.008, (y0 + y1) / 2, text, ha="right", va="center", fontsize=8)
            else:
                ax.text(x + width + 0.008, (y0 + y1) / 2, text, ha="left", va="center", fontsize=8, zorder=4,
                        bbox={"facecolor": "white", "alpha": 0.75, "edgecolor": "none", "pad": 0.8})
    for x, head in zip(xs, ("Origin region", "First destination", "Afterwards: moved on to…, stayed, or home")):
        ax.text(x + width / 2, 1.025, head, ha="center", va="bottom", fontsize=10, fontweight="bold")
    ax.set_xlim(-0.2, 1.12)
    ax.set_ylim(-0.01, 1.06)
    ax.text(0.5, 0.0, f"{_fmt_count(total)} people crossed; ribbon width ∝ people, coloured by first "
            "destination.", transform=ax.transAxes, ha="center", va="top", fontsize=8, color="#333333")
    return fig


def _ribbon(ax: Axes, x0: float, y0_top: float, y0_bot: float, x1: float, y1_top: float, y1_bot: float,
            color: str) -> None:
    mid = (x0 + x1) / 2
    verts = [(x0, y0_top), (mid, y0_top), (mid, y1_top), (x1, y1_top), (x1, y1_bot),
             (mid, y1_bot), (mid, y0_bot), (x0, y0_bot), (x0, y0_top)]
    codes = [MplPath.MOVETO, MplPath.CURVE4, MplPath.CURVE4, MplPath.CURVE4, MplPath.LINETO,
             MplPath.CURVE4, MplPath.CURVE4, MplPath.CURVE4, MplPath.CLOSEPOLY]
    ax.add_patch(PathPatch(MplPath(verts, codes), facecolor=color, alpha=0.45, edgecolor="none", zorder=2))


# --------------------------------------------------------------------------- 7. map


_MODE_MARKERS = {"road": "^", "rail": "s", "foot": "v", "air": "P", "sea": "D"}


def plot_map(
    places: pd.DataFrame,
    flows: pd.DataFrame | None = None,
    crossings: pd.DataFrame | None = None,
    *,
    label_crossings: int = 6,
    caption: str = "",
) -> Figure:
    """Schematic map at real longitude/latitude, without a base map.

    Origins are grey dots, destinations coloured circles (area ∝ first entries), crossings
    small markers by mode (area ∝ people processed over the run; the busiest land crossings
    labelled, air links at one airport pooled into one label). Curved arrows run from each
    origin to each first destination with width ∝ flow. Labels are placed greedily so they
    do not overlap each other.

    Args:
        places: ``places.csv``: kind ('origin'|'destination'|'crossing'), id, name, country, lon, lat.
        flows: ``flows.csv`` table, for origin → first destination arrows.
        crossings: ``crossings.csv`` table (or its bands), for crossing totals and modes.
        label_crossings: How many of the busiest land crossings get a name label.
        caption: Caption line.

    Returns:
        The figure.
    """
    fig, body = _new_figure(12, 7.5, caption)
    ax = body.add_subplot()
    places = places.assign(kind=places["kind"].astype(str), id=places["id"].astype(str))
    dests = places[places["kind"] == "destination"]
    origins = places[places["kind"] == "origin"]
    crs = places[places["kind"] == "crossing"]
    where = {(k, i): (lon, lat) for k, i, lon, lat in zip(places["kind"], places["id"], places["lon"], places["lat"])}
    colors = country_colors(dests["id"])
    first = (flows.groupby("first_destination")["count"].sum() if flows is not None and not flows.empty
             else pd.Series(dtype=float))
    if flows is not None and not flows.empty:
        _draw_flow_arrows(ax, flows, where, colors)
    totals, modes = pd.Series(dtype=float), pd.Series(dtype=str)
    if crossings is not None and not crossings.empty:
        totals = crossings.groupby("crossing")[_median_column(crossings, "processed")].sum()
        if "mode" in crossings:
            modes = crossings.groupby("crossing")["mode"].first().astype(str)
    biggest_crossing = totals.max() if len(totals) and totals.max() > 0 else 1.0
    markers: list[tuple[float, float, float]] = []  # lon, lat, area in pt² — kept free of labels
    for _, c in crs.iterrows():
        total = float(totals.get(c["id"], 0.0))
        markers.append((c["lon"], c["lat"], 12 + 250 * total / biggest_crossing))
        ax.scatter(c["lon"], c["lat"], s=markers[-1][2],
                   marker=_MODE_MARKERS.get(modes.get(c["id"], "road"), "^"),
                   color=colors.get(str(c["country"]), "#555555"), edgecolor="black", linewidth=0.5,
                   alpha=0.85, zorder=4)
    for _, o in origins.iterrows():
        ax.scatter(o["lon"], o["lat"], s=35, color="#8c8c8c", edgecolor="black", linewidth=0.5, zorder=5)
        markers.append((o["lon"], o["lat"], 35))
    biggest_dest = first.max() if len(first) and first.max() > 0 else 1.0
    dest_size = {d: 60 + 900 * float(first.get(d, 0.0)) / biggest_dest for d in dests["id"]}
    for _, d in dests.iterrows():
        ax.scatter(d["lon"], d["lat"], s=dest_size[d["id"]], color=colors[d["id"]], edgecolor="black",
                   linewidth=0.8, alpha=0.9, zorder=5)
        markers.append((d["lon"], d["lat"], dest_size[d["id"]]))
    lat0 = float(places["lat"].mean()) if len(places) else 45.0
    ax.set_aspect(1.0 / math.cos(math.radians(lat0)), adjustable="datalim")
    ax.margins(0.06)
    labels: list[tuple[float, float, str, dict[str, Any], float]] = []
    for _, d in dests.sort_values("id", key=lambda s: -s.map(first).fillna(0)).iterrows():
        n = float(first.get(d["id"], 0.0))
        labels.append((d["lon"], d["lat"], f"{d['name']} {_fmt_count(n)}" if n else str(d["name"]),
                       {"fontsize": 8, "fontweight": "bold", "color": colors[d["id"]], "required": True},
                       math.sqrt(dest_size[d["id"]]) / 2))
    labels += [(o["lon"], o["lat"], str(o["name"]), {"fontsize": 7, "color": "#555555", "required": True}, 4.0)
               for _, o in origins.iterrows()]
    labels += _crossing_labels(crs, totals, modes, label_crossings)
    _place_labels(fig, ax, labels, markers)
    ax.set_xlabel("Longitude (°E)")
    ax.set_ylabel("Latitude (°N)")
    ax.grid(True, color="#eeeeee")
    ax.set_title("Schematic map: first-entry flows from origin regions to destinations")
    handles = [Line2D([], [], marker="o", linestyle="none", color="#8c8c8c", markeredgecolor="black",
                      label="origin region"),
               Line2D([], [], marker="o", linestyle="none", color="#cccccc", markeredgecolor="black",
                      markersize=10, label="destination (area ∝ first entries)")]
    for mode in sorted(set(modes)) if len(modes) else ["road"]:
        handles.append(Line2D([], [], marker=_MODE_MARKERS.get(mode, "^"), linestyle="none", color="#cccccc",
                              markeredgecolor="black", label=f"{mode} crossing (area ∝ people crossed)"))
    handles.append(Line2D([], [], color="#888888", linewidth=3, alpha=0.6, label="origin → first destination"))
    body.legend(handles=handles, loc="outside right upper", fontsize=7, frameon=False)
    return fig


def _draw_flow_arrows(ax: Axes, flows: pd.DataFrame, where: Mapping[tuple[str, str], tuple[float, float]],
                      colors: Mapping[str, str]) -> None:
    """Curved origin → first destination arrows, width ∝ people; flows under 1 % are left out."""
    od = flows.groupby(["origin", "first_destination"])["count"].sum()
    od = od[od > 0]
    if od.empty:
        return
    biggest, total = od.max(), od.sum()
    for (origin, dest), count in od.items():
        a, b = where.get(("origin", str(origin))), where.get(("destination", str(dest)))
        if count < 0.01 * total or a is None or b is None:
            continue
        ax.add_patch(FancyArrowPatch(
            a, b, connectionstyle="arc3,rad=0.15", arrowstyle="-|>,head_length=4,head_width=2.5",
            mutation_scale=1.0, linewidth=0.6 + 7.0 * count / biggest, color=colors.get(str(dest), "#888888"),
            alpha=0.45, zorder=2, shrinkA=4, shrinkB=8))


def _crossing_labels(crs: pd.DataFrame, totals: pd.Series, modes: pd.Series,
                     n: int) -> list[tuple[float, float, str, dict[str, Any], float]]:
    """Labels for the ``n`` busiest land crossings, and one per airport pooling its air links."""
    style = {"fontsize": 7, "color": "#222222"}
    out = []
    land = crs[modes.reindex(crs["id"]).fillna("road").to_numpy() != "air"]
    land = land.assign(total=land["id"].map(totals).fillna(0.0)).sort_values("total", ascending=False)
    for _, c in land.head(n).iterrows():
        if c["total"] > 0:
            name = str(c["name"]).split(" (")[0]
            out.append((c["lon"], c["lat"], f"{name} {_fmt_count(c['total'])}", style,
                        math.sqrt(12 + 250 * c["total"] / max(totals.max(), 1.0)) / 2))
    air = crs[modes.reindex(crs["id"]).fillna("road").to_numpy() == "air"]
    if not air.empty:
        air = air.assign(total=air["id"].map(totals).fillna(0.0), key=list(zip(air["lon"].round(1),
                                                                                 air["lat"].round(1))))
        for (lon, lat), group in air.groupby("key"):
            out.append((lon, lat, f"{len(group)} air links {_fmt_count(group['total'].sum())}", style,
                        math.sqrt(12 + 250 * group["total"].max() / max(totals.max(), 1.0)) / 2))
    return out


def _place_labels(fig: Figure, ax: Axes, labels: Sequence[tuple[float, float, str, dict[str, Any], float]],
                  markers: Sequence[tuple[float, float, float]] = ()) -> None:
    """Greedy label placement: for each label, in order, the first of eight offsets that overlaps nothing.

    ``markers`` (lon, lat, scatter area in pt²) are kept free of text as well.

    Labels that fit nowhere go below their point anyway if their style says
    ``required`` (destinations, origins) or are dropped (crossings).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    axes_box = ax.get_window_extent(renderer)
    px_per_pt = fig.dpi / 72.0
    placed = []
    for mx, my, area in markers:
        cx, cy = ax.transData.transform((mx, my))
        half = math.sqrt(area) / 2 * px_per_pt
        placed.append(Bbox.from_extents(cx - half, cy - half, cx + half, cy + half))
    for x, y, text, style, radius in labels:
        style = dict(style)
        required = style.pop("required", False)
        r = radius + 2
        candidates = [((0, -r), "center", "top"), ((r, 0), "left", "center"), ((-r, 0), "right", "center"),
                      ((0, r), "center", "bottom"), ((r * 0.7, -r * 0.7), "left", "top"),
                      ((-r * 0.7, -r * 0.7), "right", "top"), ((r * 0.7, r * 0.7), "left", "bottom"),
                      ((-r * 0.7, r * 0.7), "right", "bottom")]
        chosen = None
        for offset, ha, va in candidates:
            ann = ax.annotate(text, (x, y), xytext=offset, textcoords="offset points", ha=ha, va=va, zorder=6,
                              **style)
            box = ann.get_window_extent(renderer).expanded(1.05, 1.1)
            inside = (box.x0 >= axes_box.x0 and box.x1 <= axes_box.x1 and box.y0 >= axes_box.y0
                      and box.y1 <= axes_box.y1)
            if inside and not any(box.overlaps(other) for other in placed):
                chosen = (ann, box)
                break
            ann.remove()
        if chosen is None and required:
            (offset, ha, va) = candidates[0]
            ann = ax.annotate(text, (x, y), xytext=offset, textcoords="offset points", ha=ha, va=va, zorder=6,
                              **style)
            chosen = (ann, ann.get_window_extent(renderer))
        if chosen is not None:
            chosen[0].set_bbox({"facecolor": "white", "alpha": 0.6, "edgecolor": "none", "pad": 0.5})
            placed.append(chosen[1])


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
    fig, body = _new_figure(12, 1.9 + 0.42 * max(n, 1), caption)
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
    return _fmt_count(value)


def _fit_label(row: pd.Series) -> str:
    label = str(row.get("label", ""))
    if len(label) > 48:
        label = label[:47] + "…"
    source = str(row.get("source", "")).strip()
    return f"{row['id']}: {label}" + (f" [{source}]" if source else "")


# --------------------------------------------------------------------------- saving, run folders


def save_figure(fig: Figure, directory: str | os.PathLike[str], stem: str) -> list[Path]:
    """Write ``fig`` as ``<stem>.png`` (150 dpi) and ``<stem>.svg``, each atomically.

    Args:
        fig: The figure.
        directory: Target folder (created if missing).
        stem: File name without extension.

    Returns:
        ``[png_path, svg_path]``.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for ext, kwargs in (("png", {"dpi": PNG_DPI, "metadata": {"Software": None}}),
                        ("svg", {"metadata": {"Date": None}})):
        target = out / f"{stem}.{ext}"
        fd, tmp = tempfile.mkstemp(dir=out, prefix=f".{stem}.", suffix=f".{ext}.tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fig.savefig(fh, format=ext, **kwargs)
            os.chmod(tmp, file_mode())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        paths.append(target)
    return paths


def file_mode() -> int:
    """Permissions of a newly created file under the current umask (``mkstemp`` would give 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


class RunFolderError(Exception):
    """A run folder that cannot be plotted; ``message`` is written for the person who asked."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class RunTables:
    """The tables of one run folder; ensemble folders fill the ``*_bands`` fields instead."""

    run_dir: Path
    manifest: dict[str, Any] = field(default_factory=dict)
    daily: pd.DataFrame | None = None
    daily_bands: pd.DataFrame | None = None
    crossings: pd.DataFrame | None = None
    crossings_bands: pd.DataFrame | None = None
    flows: pd.DataFrame | None = None
    profile: pd.DataFrame | None = None
    summary: pd.DataFrame | None = None
    places: pd.DataFrame | None = None
    validation: pd.DataFrame | None = None

    @property
    def is_ensemble(self) -> bool:
        return self.daily is None and self.daily_bands is not None

    @property
    def daily_like(self) -> pd.DataFrame:
        return self.daily if self.daily is not None else self.daily_bands

    def names(self, kind: str) -> dict[str, str]:
        """Display names of one kind of place ('origin', 'destination', 'crossing')."""
        if self.places is None:
            return {}
        rows = self.places[self.places["kind"] == kind]
        return dict(zip(rows["id"].astype(str), rows["name"].astype(str)))


def _read_csv(path: Path) -> pd.DataFrame | None:
    if not path.is_file():
        return None
    return pd.read_csv(path, keep_default_na=True)


def load_run(run_dir: str | os.PathLike[str]) -> RunTables:
    """Read the tables of a run folder (single run or ensemble).

    Args:
        run_dir: Folder written by ``flowsim run`` or ``flowsim ensemble``.

    Returns:
        The tables found; missing optional tables are ``None``.

    Raises:
        RunFolderError: The folder does not exist or holds neither ``daily.csv`` nor
            ``daily_bands.csv``.
    """
    root = Path(run_dir)
    if not root.is_dir():
        raise RunFolderError(
            f"flowsim plot: the run folder '{root}' does not exist. Give the folder written by "
            "'flowsim run' (for example outputs/mobilization_2022), which holds daily.csv, crossings.csv, "
            "flows.csv, summary.csv and manifest.json.")
    daily, bands = root / "daily.csv", root / "daily_bands.csv"
    if not daily.is_file() and not bands.is_file():
        raise RunFolderError(
            f"flowsim plot: '{root}' has no daily.csv (single run) or daily_bands.csv (ensemble), so there is "
            "nothing to plot. Give the folder written by 'flowsim run' or 'flowsim ensemble'; "
            f"it currently holds: {', '.join(sorted(p.name for p in root.iterdir())) or 'nothing'}.")
    manifest: dict[str, Any] = {}
    if (root / "manifest.json").is_file():
        try:
            manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise RunFolderError(f"flowsim plot: {root / 'manifest.json'} is not valid JSON ({exc}).") from exc
    tables = RunTables(run_dir=root, manifest=manifest)
    for name in ("daily", "daily_bands", "crossings", "crossings_bands", "flows", "profile", "summary",
                 "places", "validation"):
        try:
            setattr(tables, name, _read_csv(root / f"{name}.csv"))
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise RunFolderError(f"flowsim plot: {root / (name + '.csv')} could not be read ({exc}).") from exc
    return tables


def caption_for(manifest: Mapping[str, Any]) -> str:
    """Caption line from a manifest: scenario name, seed (or seeds), scale."""
    scenario = manifest.get("scenario_name") or manifest.get("scenario") or "unknown scenario"
    if isinstance(scenario, str) and scenario.endswith((".yaml", ".yml")):
        scenario = Path(scenario).stem
    parts = [f"Scenario: {scenario}"]
    if manifest.get("seeds"):
        seeds = manifest["seeds"]
        parts.append(f"{len(seeds)} runs, seeds {seeds[0]}…{seeds[-1]}" if len(seeds) > 1 else f"seed {seeds[0]}")
    elif manifest.get("seed") is not None:
        parts.append(f"seed {manifest['seed']}")
    if manifest.get("n_runs"):
        parts.append(f"{manifest['n_runs']} runs")
    if manifest.get("scale") is not None:
        parts.append(f"{manifest['scale']} people per agent")
    parts.append("flowsim")
    return " · ".join(parts)


def events_for(tables: RunTables) -> list[dict[str, Any]]:
    """Dated events of the run, from ``events.csv`` or ``manifest['events']``.

    Each event is a dict with ``date``, ``label``, ``kind`` and ``country`` (``None`` when
    it concerns every destination). A ``destination`` column/key gives the country
    directly; a ``crossing`` one (one id, or several joined by ``;`` or ``,``) is mapped
    to its country through the crossings table. Without either source the two
    mobilization dates are used.
    """
    raw: list[Any] | None = None
    if (tables.run_dir / "events.csv").is_file():
        raw = pd.read_csv(tables.run_dir / "events.csv").to_dict("records")
    elif tables.manifest.get("events") is not None:
        raw = list(tables.manifest["events"])
    if raw is None:
        return [{"date": pd.Timestamp("2022-09-21"), "label": "mobilization announced",
                 "kind": "mobilization_announced", "country": None},
                {"date": pd.Timestamp("2022-10-28"), "label": "mobilization declared complete",
                 "kind": "mobilization_complete", "country": None}]
    crossing_country: dict[str, str] = {}
    cr = tables.crossings if tables.crossings is not None else tables.crossings_bands
    if cr is not None and "country" in cr:
        crossing_country = cr.groupby("crossing")["country"].first().astype(str).to_dict()
    out = []
    for ev in raw:
        if not isinstance(ev, Mapping):
            ev = {"date": ev[0], "label": ev[1], "country": ev[2] if len(ev) > 2 else None}
        country = ev.get("country") if not _is_blank(ev.get("country")) else ev.get("destination")
        crossing = ev.get("crossing")
        if _is_blank(country) and not _is_blank(crossing):
            ids = crossing if isinstance(crossing, list) else str(crossing).replace(",", ";").split(";")
            countries = {crossing_country.get(str(i).strip()) for i in ids} - {None}
            country = countries.pop() if len(countries) == 1 else None
        kind = ev.get("kind")
        out.append({"date": pd.Timestamp(ev["date"]), "label": str(ev.get("label") or kind or ""),
                    "kind": None if _is_blank(kind) else str(kind),
                    "country": None if _is_blank(country) else str(country)})
    return sorted(out, key=lambda e: e["date"])


def major_events(events: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The events worth marking on whole-run figures: the mobilization ones when kinds are known."""
    if any(e.get("kind") for e in events):
        return [e for e in events if str(e.get("kind") or "").startswith("mobilization")]
    return [e for e in events if e.get("country") is None]


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def plot_run(run_dir: str | os.PathLike[str], out_dir: str | os.PathLike[str] | None = None) -> list[Path]:
    """Draw every figure a run folder's tables allow and save them under ``<run>/figures/``.

    A folder with ``daily.csv`` is a single run; one with only ``daily_bands.csv`` (and
    ``crossings_bands.csv``) is an ensemble, drawn as medians with bands. Figures whose
    tables are missing (e.g. no ``places.csv`` → no map, no ``validation.csv`` → no fit
    figure) are skipped.

    Args:
        run_dir: The run folder.
        out_dir: Where to write the figures (default ``<run_dir>/figures``).

    Returns:
        Paths of the PNG files written, in figure order (SVGs sit beside them).

    Raises:
        RunFolderError: The folder cannot be plotted.
    """
    t = load_run(run_dir)
    out = Path(out_dir) if out_dir is not None else t.run_dir / "figures"
    cap = caption_for(t.manifest)
    bands = t.daily_bands if t.is_ensemble else None
    daily = t.daily_like
    events = events_for(t)
    dest_names = t.names("destination")
    builders: list[tuple[str, Any]] = [
        ("01_kazakhstan_entries_exits",
         lambda: plot_kazakhstan_balance(daily, t.validation, bands=bands, caption=cap)),
        ("02_entries_by_destination",
         lambda: plot_entries_by_destination(daily, events, bands=bands, names=dest_names, caption=cap)),
        ("03_wave_stock",
         lambda: plot_wave_stock(daily, bands=bands, names=dest_names, events=major_events(events),
                                 caption=cap)),
    ]
    crossings = t.crossings if t.crossings is not None else t.crossings_bands
    if crossings is not None:
        cb = t.crossings_bands if t.crossings is None else None
        builders.append(("04_queues", lambda: plot_queues(crossings, bands=cb, names=t.names("crossing"),
                                                          caption=cap)))
    builders.append(("05_rent_index", lambda: plot_rent_index(daily, bands=bands, validation=t.validation,
                                                              names=dest_names, caption=cap)))
    names = {**t.names("origin"), **dest_names}
    if t.flows is not None:
        builders.append(("06_where_people_went", lambda: plot_flows_sankey(t.flows, names=names, caption=cap)))
    if t.places is not None:
        builders.append(("07_map", lambda: plot_map(t.places, t.flows, crossings, caption=cap)))
    if t.validation is not None and not t.validation.empty:
        builders.append(("08_fit_to_sources", lambda: plot_fit(t.validation, caption=cap)))
    written = []
    for stem, build in builders:
        fig = build()
        written.append(save_figure(fig, out, stem)[0])
    return written


# --------------------------------------------------------------------------- CLI


def add_plot_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``flowsim plot RUN_DIR`` on the CLI's subparsers.

    Args:
        subparsers: The object returned by ``ArgumentParser.add_subparsers()``.

    Returns:
        The new sub-parser (its default ``func`` is :func:`cmd_plot`).
    """
    parser = subparsers.add_parser(
        "plot", help="redraw the figures and report.html of a run folder from its tables",
        description="Redraw all figures (PNG and SVG, in RUN_DIR/figures/) and RUN_DIR/report.html from the "
        "tables in a run folder written by 'flowsim run' or 'flowsim ensemble'.")
    parser.add_argument("run_dir", metavar="RUN_DIR", type=Path, help="run folder holding daily.csv etc.")
    parser.add_argument("--no-report", action="store_true", help="write the figures only, not report.html")
    parser.set_defaults(handler=cmd_plot)
    return parser


def cmd_plot(args: argparse.Namespace) -> int:
    """Run ``flowsim plot``: figures, then the report. Returns the exit status."""
    from flowsim.report import write_report

    try:
        pngs = plot_run(args.run_dir)
        lines = [f"wrote {len(pngs)} figures (PNG + SVG) to {Path(args.run_dir) / 'figures'}"]
        if not getattr(args, "no_report", False):
            lines.append(f"wrote {write_report(args.run_dir, figures=pngs)}")
    except RunFolderError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    except (KeyError, ValueError) as exc:
        print(f"flowsim plot: the tables in '{args.run_dir}' do not have the columns the figures need "
              f"({exc}). Were they written by this version of flowsim? Re-run 'flowsim run' to regenerate them.",
              file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


__all__ = [
    "FIGURE_CAPTIONS", "KNOWN_COUNTRY_COLORS", "PNG_DPI", "RunFolderError", "RunTables", "add_plot_parser",
    "caption_for", "cmd_plot", "country_colors", "events_for", "load_run", "plot_entries_by_destination",
    "major_events", "plot_fit", "plot_flows_sankey", "plot_kazakhstan_balance", "plot_map", "plot_queues", "plot_rent_index",
    "plot_run", "plot_wave_stock", "save_figure",
]
