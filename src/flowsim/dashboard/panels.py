"""The dashboard's charts: matplotlib figures drawn from the tables of the days run so far.

Each function takes data frames (a run's :class:`~flowsim.dashboard.model.DayTables`, and
the baseline's for a comparison) and returns a :class:`~matplotlib.figure.Figure`; nothing
here touches the model. Colours, names and number formats are those of the static figures
(:mod:`flowsim.figures.style`), so a country has the same colour in the page and in a run's
report. Time axes span the whole calendar from the first day, so a curve grows from left to
right as the days run; dated events are dashed lines numbered as in the page's list of events.

The figures are small and laid out by hand (no constrained layout) because the page redraws
them after every simulated day.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Patch

from flowsim.figures.geography import map_extent, show_base_map
from flowsim.figures.style import COUNT_FORMATTER, country_colors, format_count, pretty_name

WIDTH, HEIGHT, DPI = 7.6, 3.9, 90
"""Size of a panel in inches, and its resolution in the page."""
BASELINE_ALPHA = 0.35
"""How faintly the baseline is drawn behind the scenario."""
STATE_COLORS = {"queued": "#d95f02", "in_transit": "#7570b3", "abroad": "#1b9e77", "returned": "#666666"}
STATE_LABELS = {"at_home": "at home", "queued": "queued at a border", "in_transit": "on the way",
                "abroad": "abroad", "returned": "back in Russia"}


def _figure(rows: int = 1, cols: int = 1, *, sharex: bool = True, height: float = HEIGHT,
            **adjust: float) -> tuple[Figure, np.ndarray]:
    fig = Figure(figsize=(WIDTH, height), dpi=DPI)
    axes = fig.subplots(rows, cols, sharex=sharex, squeeze=False)
    fig.subplots_adjust(**{"left": 0.09, "right": 0.98, "top": 0.86, "bottom": 0.1, **adjust})
    return fig, axes


def _x(frame: pd.DataFrame) -> np.ndarray:
    return frame["date"].to_numpy(dtype="datetime64[D]")


def _time_axis(ax: Any, calendar: tuple[dt.date, dt.date], label: bool = True) -> None:
    ax.set_xlim(np.datetime64(calendar[0]), np.datetime64(calendar[1]))
    ax.xaxis.set_major_locator(mdates.MonthLocator())
    ax.xaxis.set_minor_locator(mdates.WeekdayLocator(byweekday=mdates.MO))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%-d %b"))
    ax.grid(True, which="major", color="#e3e3e3", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.tick_params(labelsize=7, labelbottom=label)


def mark_events(ax: Any, events: Sequence[Mapping[str, Any]], country: str | None = None,
                numbers: bool = True) -> None:
    """Dashed lines at the events that concern every country (or ``country``), numbered 1, 2, … as listed."""
    used: dict[np.datetime64, list[str]] = {}
    for number, event in enumerate(events, start=1):
        if event.get("country") not in (None, country):
            continue
        used.setdefault(np.datetime64(pd.Timestamp(event["date"]).date()), []).append(str(number))
    for date, labels in used.items():
        ax.axvline(date, color="#555555", linewidth=0.6, linestyle="--", alpha=0.6, zorder=1)
        if numbers:
            ax.annotate(",".join(labels), xy=(date, 1.0), xycoords=("data", "axes fraction"), xytext=(0, 1),
                        textcoords="offset points", ha="center", va="bottom", fontsize=6, color="#444444",
                        annotation_clip=True)


def _short(name: str, length: int = 26) -> str:
    """A place name cut to ``length`` characters at most ("Flights to Istanbul and…")."""
    return name if len(name) <= length else name[: length - 1].rstrip() + "…"


def _top_countries(daily: pd.DataFrame, column: str, top: int) -> list[str]:
    totals = daily.groupby("country")[column].sum() if column != "wave_stock" else \
        daily.groupby("country")[column].max()
    return totals.sort_values(ascending=False).index[:top].tolist()


def _title(fig: Figure, text: str, note: str = "") -> None:
    fig.suptitle(text, fontsize=10, x=0.01, ha="left", y=0.985)
    if note:
        fig.text(0.99, 0.985, note, fontsize=7, color="#666666", ha="right", va="top")


def _baseline_note(baseline: Any) -> str:
    return "faint: baseline, same seed" if baseline is not None else ""


# --------------------------------------------------------------------------- panels


def entries_exits(daily: pd.DataFrame, calendar: tuple[dt.date, dt.date], events: Sequence[Mapping[str, Any]],
                  *, baseline: pd.DataFrame | None = None, top: int = 6) -> Figure:
    """Daily entries and exits of the ``top`` destinations of the exodus so far, one small panel each.

    Everyone crossing (line), people of the exodus (filled) and exits (dashed); the baseline
    faintly behind.
    """
    order = _top_countries(daily, "wave_entries", top)
    colors = country_colors(order)
    fig, axes = _figure(2, 3, height=HEIGHT + 0.4, left=0.07, right=0.99, top=0.84, bottom=0.1,
                        hspace=0.42, wspace=0.28)
    for ax, country in zip(axes.flat, order):
        color = colors[country]
        if baseline is not None:
            b = baseline[baseline["country"] == country]
            ax.plot(_x(b), b["entries_total"], color=color, alpha=BASELINE_ALPHA, linewidth=1.0)
            ax.plot(_x(b), b["exits_total"], color="#333333", alpha=BASELINE_ALPHA, linewidth=0.8,
                    linestyle="--")
        mine = daily[daily["country"] == country]
        x = _x(mine)
        ax.fill_between(x, 0, mine["wave_entries"], color=color, alpha=0.35, linewidth=0)
        ax.plot(x, mine["entries_total"], color=color, linewidth=1.3)
        ax.plot(x, mine["exits_total"], color="#333333", linewidth=0.9, linestyle="--")
        ax.set_title(pretty_name(country), fontsize=8, color=color, loc="right", fontweight="bold", pad=2)
        ax.yaxis.set_major_formatter(COUNT_FORMATTER)
        ax.tick_params(axis="y", labelsize=7)
        ax.set_ylim(bottom=0)
        _time_axis(ax, calendar)
        mark_events(ax, events, country)
    for ax in axes.flat[len(order):]:
        ax.set_visible(False)
    _title(fig, "Daily entries and exits, top destinations", _baseline_note(baseline))
    fig.legend(handles=[Line2D([], [], color="#555555", linewidth=1.3, label="entries, everyone"),
                        Patch(facecolor="#555555", alpha=0.35, label="entries, exodus"),
                        Line2D([], [], color="#333333", linewidth=0.9, linestyle="--", label="exits, everyone")],
               loc="upper left", bbox_to_anchor=(0.01, 0.955), ncol=3, fontsize=7, frameon=False)
    return fig


def people_by_state(population: pd.DataFrame, calendar: tuple[dt.date, dt.date],
                    events: Sequence[Mapping[str, Any]], *, baseline: pd.DataFrame | None = None) -> Figure:
    """People of the exodus queued, on the way, abroad and back in Russia; those at home in the title."""
    fig, axes = _figure(bottom=0.12)
    ax = axes[0, 0]
    for state, color in STATE_COLORS.items():
        if baseline is not None:
            ax.plot(_x(baseline), baseline[state], color=color, alpha=BASELINE_ALPHA, linewidth=1.0)
        ax.plot(_x(population), population[state], color=color, linewidth=1.6, label=STATE_LABELS[state])
    ax.yaxis.set_major_formatter(COUNT_FORMATTER)
    ax.tick_params(axis="y", labelsize=7)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("People", fontsize=8)
    _time_axis(ax, calendar)
    mark_events(ax, events)
    at_home = int(population["at_home"].iloc[-1]) if len(population) else 0
    _title(fig, f"Where people are · {format_count(at_home)} men at risk still at home", _baseline_note(baseline))
    ax.legend(loc="upper left", fontsize=7, frameon=False)
    return fig


def _lines_by_country(daily: pd.DataFrame, column: str, calendar: tuple[dt.date, dt.date],
                      events: Sequence[Mapping[str, Any]], *, baseline: pd.DataFrame | None,
                      names: Mapping[str, str] | None, top: int, title: str, ylabel: str,
                      counts: bool) -> Figure:
    order = _top_countries(daily, "wave_stock", top) if column == "wave_stock" else \
        _top_countries(daily, "wave_entries", top)
    colors = country_colors(order)
    fig, axes = _figure(right=0.8, bottom=0.12)
    ax = axes[0, 0]
    for country in order:
        if baseline is not None:
            b = baseline[baseline["country"] == country]
            ax.plot(_x(b), b[column], color=colors[country], alpha=BASELINE_ALPHA, linewidth=1.0)
        mine = daily[daily["country"] == country]
        ax.plot(_x(mine), mine[column], color=colors[country], linewidth=1.6, label=pretty_name(country, names))
    if counts:
        ax.yaxis.set_major_formatter(COUNT_FORMATTER)
        ax.set_ylim(bottom=0)
    ax.tick_params(axis="y", labelsize=7)
    ax.set_ylabel(ylabel, fontsize=8)
    _time_axis(ax, calendar)
    mark_events(ax, events)
    _title(fig, title, _baseline_note(baseline))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
    return fig


def stocks_abroad(daily: pd.DataFrame, calendar: tuple[dt.date, dt.date], events: Sequence[Mapping[str, Any]],
                  *, baseline: pd.DataFrame | None = None, names: Mapping[str, str] | None = None,
                  top: int = 8) -> Figure:
    """People of the exodus present in each destination at the end of each day."""
    return _lines_by_country(daily, "wave_stock", calendar, events, baseline=baseline, names=names, top=top,
                             title="People of the exodus present in each country", ylabel="People present",
                             counts=True)


def rent_index(daily: pd.DataFrame, calendar: tuple[dt.date, dt.date], events: Sequence[Mapping[str, Any]],
               *, baseline: pd.DataFrame | None = None, names: Mapping[str, str] | None = None,
               top: int = 8) -> Figure:
    """Rent index per destination (1.0 = the level before 21 September)."""
    fig = _lines_by_country(daily, "rent_index", calendar, events, baseline=baseline, names=names, top=top,
                            title="Rent index (1.0 = before 21 September)", ylabel="Rent index", counts=False)
    ax = fig.axes[0]
    ax.axhline(1.0, color="#333333", linewidth=0.7)
    ax.set_ylim(bottom=min(0.95, ax.get_ylim()[0]))
    return fig


def busiest_crossings(crossings: pd.DataFrame, top: int = 5) -> list[str]:
    """The ``top`` crossings by their longest queue so far (by people crossed when nobody queued yet)."""
    peak = crossings.groupby("crossing")["queue"].max()
    if not (peak > 0).any():
        peak = crossings.groupby("crossing")["processed"].sum()
    return peak.sort_values(ascending=False).index[:top].tolist()


def queues(crossings: pd.DataFrame, calendar: tuple[dt.date, dt.date], events: Sequence[Mapping[str, Any]],
           *, baseline: pd.DataFrame | None = None, names: Mapping[str, str] | None = None,
           top: int = 5) -> Figure:
    """People waiting and the mean wait of those crossing, at the ``top`` busiest crossings."""
    chosen = busiest_crossings(crossings, top)
    palette = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02")
    fig, axes = _figure(2, 1, height=HEIGHT + 0.3, right=0.66, hspace=0.18, top=0.9)
    ax_q, ax_w = axes[:, 0]
    for i, crossing in enumerate(chosen):
        color = palette[i % len(palette)]
        if baseline is not None:
            b = baseline[baseline["crossing"] == crossing]
            ax_q.plot(_x(b), b["queue"], color=color, alpha=BASELINE_ALPHA, linewidth=1.0)
        mine = crossings[crossings["crossing"] == crossing]
        country = str(mine["country"].iloc[0]) if len(mine) else ""
        ax_q.plot(_x(mine), mine["queue"], color=color, linewidth=1.5,
                  label=f"{_short(pretty_name(crossing, names))} → {pretty_name(country)}")
        wait = mine["mean_wait_days"].where(mine["processed"] > 0)
        ax_w.plot(_x(mine), wait, color=color, linewidth=1.3)
    for ax, label in ((ax_q, "People waiting"), (ax_w, "Mean wait (days)")):
        ax.set_ylim(bottom=0)
        ax.tick_params(axis="y", labelsize=7)
        ax.set_ylabel(label, fontsize=8)
        mark_events(ax, events, numbers=ax is ax_q)
    ax_q.yaxis.set_major_formatter(COUNT_FORMATTER)
    _time_axis(ax_q, calendar, label=False)
    _time_axis(ax_w, calendar)
    _title(fig, "Queues and waits at the busiest crossings", _baseline_note(baseline))
    ax_q.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
    return fig


def route_map(places: pd.DataFrame, flows: pd.DataFrame, crossings_today: pd.DataFrame,
              stocks_today: pd.Series, *, day: str = "") -> Figure:
    """Coastlines and borders with the routes: origin → first destination arrows by people so far.

    Destinations are circles (area ∝ people of the exodus there today), crossings triangles
    (area ∝ people waiting today, red) over small grey markers.
    """
    extent = map_extent(places["lon"].to_numpy(), places["lat"].to_numpy(), margin=0.05)
    west, east, south, north = extent
    shape = (north - south) / ((east - west) * math.cos(math.radians((south + north) / 2)))
    map_height = min(max((WIDTH - 0.1) * shape, 2.5), 6.0)
    fig = Figure(figsize=(WIDTH, map_height + 0.45), dpi=DPI)
    ax = fig.add_axes((0.005, 0.005, 0.99, map_height / (map_height + 0.45)))
    show_base_map(ax, extent, pixels=(int(WIDTH * DPI * 1.5), int(map_height * DPI * 1.5)))
    where = {(k, i): (x, y) for k, i, x, y in zip(places["kind"], places["id"], places["lon"], places["lat"])}
    dests = places[places["kind"] == "destination"]
    colors = country_colors(dests["id"])
    _flow_arrows(ax, flows, where, colors)
    crs = places[places["kind"] == "crossing"]
    queue = crossings_today.set_index("crossing")["queue"] if len(crossings_today) else pd.Series(dtype=float)
    biggest_queue = max(float(queue.max()) if len(queue) else 0.0, 1.0)
    ax.scatter(crs["lon"], crs["lat"], s=6, marker="^", color="#777777", zorder=4, linewidths=0)
    waiting = crs.assign(q=crs["id"].map(queue).fillna(0.0))
    waiting = waiting[waiting["q"] > 0]
    ax.scatter(waiting["lon"], waiting["lat"], s=10 + 300 * waiting["q"] / biggest_queue, marker="^",
               color="#d62728", alpha=0.7, edgecolor="black", linewidths=0.4, zorder=5)
    origins = places[places["kind"] == "origin"]
    ax.scatter(origins["lon"], origins["lat"], s=14, color="#8c8c8c", edgecolor="black", linewidths=0.4, zorder=5)
    biggest_stock = max(float(stocks_today.max()) if len(stocks_today) else 0.0, 1.0)
    for _, d in dests.iterrows():
        stock = float(stocks_today.get(d["id"], 0.0))
        ax.scatter(d["lon"], d["lat"], s=20 + 500 * stock / biggest_stock, color=colors[d["id"]],
                   edgecolor="black", linewidths=0.6, alpha=0.85, zorder=6)
        if extent[0] <= d["lon"] <= extent[1] and extent[2] <= d["lat"] <= extent[3]:
            ax.annotate(f"{d['name']} {format_count(stock)}" if stock else str(d["name"]), (d["lon"], d["lat"]),
                        xytext=(0, -7), textcoords="offset points", ha="center", va="top", fontsize=6.5,
                        color=colors[d["id"]], fontweight="bold", zorder=7,
                        bbox={"facecolor": "white", "alpha": 0.6, "edgecolor": "none", "pad": 0.3})
    ax.set_xticks([])
    ax.set_yticks([])
    _title(fig, f"Routes{' · ' + day if day else ''}: origin → first country, by people so far",
           "circles: people there today · red: waiting at a crossing")
    return fig


def _flow_arrows(ax: Any, flows: pd.DataFrame, where: Mapping[tuple[str, str], tuple[float, float]],
                 colors: Mapping[str, str]) -> None:
    """Curved arrows, width ∝ people; flows under 1 % of the total are left out."""
    if flows.empty:
        return
    od = flows.groupby(["origin", "first_destination"])["count"].sum()
    od = od[od > 0.01 * od.sum()]
    if od.empty:
        return
    biggest = od.max()
    for (origin, dest), count in od.items():
        a, b = where.get(("origin", str(origin))), where.get(("destination", str(dest)))
        if a is None or b is None:
            continue
        ax.add_patch(FancyArrowPatch(
            a, b, connectionstyle="arc3,rad=0.15", arrowstyle="-|>,head_length=3,head_width=2",
            mutation_scale=1.0, linewidth=0.5 + 6.0 * count / biggest, color=colors.get(str(dest), "#888888"),
            alpha=0.5, zorder=3, shrinkA=3, shrinkB=6))
