"""Figures over time: Kazakhstan's entries and exits, entries by destination, the exodus present, rents.

Every ``plot_*`` function takes the run tables as DataFrames (``daily``, and ``validation``
for the documented figures) and returns a :class:`matplotlib.figure.Figure`; pass
``bands`` (``daily_bands.csv`` of an ensemble) to draw medians with percentile bands.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from flowsim.figures.style import (
    COUNT_FORMATTER,
    band_legend_handles,
    country_colors,
    dates,
    draw_series,
    format_date_axis,
    median_column,
    new_figure,
    pretty_name,
)


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
    fig, body = new_figure(11, 5.6 + 0.17 * math.ceil(n_targets / 2), caption)
    ax = body.add_subplot()
    entry_color, exit_color = "#1f77b4", "#d6604d"
    if sub.empty:
        ax.text(0.5, 0.5, f"No rows for '{country}' in the daily table", transform=ax.transAxes,
                ha="center", va="center")
    else:
        draw_series(ax, sub, "entries_total", color=entry_color, label="entries (everyone crossing)")
        draw_series(ax, sub, "exits_total", color=exit_color, label="exits (everyone crossing)")
        x = dates(sub)
        ent = sub[median_column(sub, "entries_total")].to_numpy(float)
        ext = sub[median_column(sub, "exits_total")].to_numpy(float)
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
    name = pretty_name(country)
    ax.set_title(f"{name}: daily entries and exits, September–December 2022")
    ax.set_ylabel("People per day")
    ax.yaxis.set_major_formatter(COUNT_FORMATTER)
    ax.set_ylim(bottom=0)
    format_date_axis(ax)
    main_handles, _ = ax.get_legend_handles_labels()
    if bands is not None:
        main_handles += band_legend_handles()
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
    col = median_column(data, "wave_entries")
    order = data.groupby("country")[col].sum().sort_values(ascending=False).index.tolist()
    colors = country_colors(order)
    ncols = 3 if len(order) > 4 else (2 if len(order) > 1 else 1)
    nrows = max(math.ceil(len(order) / ncols), 1)
    evs = _normalise_events(events)
    fig, body = new_figure(4.2 * ncols, 2.3 * nrows + 0.9 + 0.16 * len(evs), caption)
    axes = body.subplots(nrows, ncols, sharex=True, squeeze=False)
    for i, country in enumerate(order):
        ax = axes.flat[i]
        sub = data[data["country"] == country].sort_values("date")
        color = colors[country]
        wave = median_column(sub, "wave_entries")
        ax.fill_between(dates(sub), 0, sub[wave], color=color, alpha=0.35, linewidth=0)
        draw_series(ax, sub, "entries_total", color=color, label=None, linewidth=1.3)
        # Title on the right: the event numbers use the space above the left half.
        ax.set_title(pretty_name(country, names), fontsize=10, color=color, loc="right", fontweight="bold")
        ax.yaxis.set_major_formatter(COUNT_FORMATTER)
        ax.set_ylim(bottom=0)
        format_date_axis(ax, label=False)
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
        handles += band_legend_handles()[1:]
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
    col = median_column(data, column)
    order = data.groupby("country")[col].max().sort_values(ascending=False).index.tolist()
    colors = country_colors(order)
    fig, body = new_figure(11, 5.6, caption)
    ax = body.add_subplot()
    for country in order:
        sub = data[data["country"] == country]
        draw_series(ax, sub, column, color=colors[country], label=pretty_name(country, names))
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    if count_axis:
        ax.yaxis.set_major_formatter(COUNT_FORMATTER)
        ax.set_ylim(bottom=0)
    format_date_axis(ax)
    handles, _ = ax.get_legend_handles_labels()
    if banded:
        handles += band_legend_handles()[1:]
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
