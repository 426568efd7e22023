"""The mobilization kind's dashboard charts, drawn from the tables of the days run so far and redrawn every day.

Each chart is a :class:`~flowsim.dashboard.livechart.LiveChart`: it says what its frame
depends on, draws the frame, and draws the day's data over it. Colours, names and number
formats are those of the static figures (:mod:`flowsim.figures.style`); the base map is that
of figure 7 (:mod:`flowsim.figures.geography`). Nothing here touches the model: charts read
:class:`~flowsim.dashboard.model.DayTables`.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Patch

from flowsim.dashboard.livechart import (
    BASELINE_ALPHA, DPI, HEIGHT, WIDTH, Calendar, Events, LiveChart, chart_title, count_axis, days_of,
    keep_or_choose, mark_events, new_figure, nice_limit, peak_of, short_name, time_axis,
)
from flowsim.figures.geography import map_extent, show_base_map
from flowsim.figures.style import COUNT_FORMATTER, country_colors, format_count, pretty_name

STATE_COLORS = {"queued": "#d95f02", "in_transit": "#7570b3", "abroad": "#1b9e77", "returned": "#666666"}
STATE_LABELS = {"queued": "queued at a border", "in_transit": "on the way", "abroad": "abroad",
                "returned": "back in Russia"}
PEOPLE_SHOWN, RENT_RISE_SHOWN = 1000.0, 0.1
"""The least a count axis (people) and the rent axis (rise over 1.0) show: the trickle before
the surge would otherwise grow the axes, and redraw the frames, day after day."""
QUEUE_COLORS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02")


# --------------------------------------------------------------------------- charts


class EntriesChart(LiveChart):
    """Daily entries and exits of the six leading destinations of the exodus, one small panel each.

    Everyone crossing (line), people of the exodus (filled), exits (dashed); the baseline faintly.
    """

    top = 6

    def frame_key(self, today: Any, base: Any) -> Hashable:
        # ranked by everyone crossing: before the surge the exodus's handful would reshuffle the panels daily
        scores = today.daily.groupby("country")["entries_total"].sum()
        shown = keep_or_choose(scores, self._key[0] if isinstance(self._key, tuple) else None, self.top)
        frames = [today.daily, base.daily if base is not None else None]
        peaks = peak_of(frames, "entries_total", "country", shown)
        exits = peak_of(frames, "exits_total", "country", shown)
        return shown, tuple(nice_limit(max(peaks[c], exits[c])) for c in shown)

    def refit(self, fig: Figure, old: Any, new: Any) -> bool:
        if not isinstance(old, tuple) or old[0] != new[0]:
            return False
        for ax, top in zip(fig.axes, new[1]):
            ax.set_ylim(0, top)
        return True

    def draw_frame(self, key: Any) -> Figure:
        shown, limits = key
        colors = country_colors(shown)
        fig, axes = new_figure(2, 3, height=HEIGHT + 0.4, left=0.07, right=0.99, top=0.84, bottom=0.1,
                            hspace=0.42, wspace=0.28)
        for ax, country, top in zip(axes.flat, shown, limits):
            ax.set_title(pretty_name(country), fontsize=8, color=colors[country], loc="right", fontweight="bold",
                         pad=2)
            count_axis(ax, self.calendar, self.events, top, country=country)
        for ax in axes.flat[len(shown):]:
            ax.set_visible(False)
        chart_title(fig, "Daily entries and exits, leading destinations", self.note())
        fig.legend(handles=[Line2D([], [], color="#555555", linewidth=1.3, label="entries, everyone"),
                            Patch(facecolor="#555555", alpha=0.35, label="entries, exodus"),
                            Line2D([], [], color="#333333", linewidth=0.9, linestyle="--", label="exits, everyone")],
                   loc="upper left", bbox_to_anchor=(0.01, 0.955), ncol=3, fontsize=7, frameon=False)
        return fig

    def draw_data(self, fig: Figure, key: Any, today: Any, base: Any) -> list[Artist]:
        shown, _limits = key
        colors = country_colors(shown)
        mine_by, base_by = today.by("daily", "country"), base.by("daily", "country") if base is not None else {}
        out: list[Artist] = []
        for ax, country in zip(fig.axes, shown):
            color = colors[country]
            if country in base_by:
                b = base_by[country]
                out.append(self.line(ax, ("base entries", country), b.days, b.rows["entries_total"], color=color,
                                     alpha=BASELINE_ALPHA, linewidth=1.0))
                out.append(self.line(ax, ("base exits", country), b.days, b.rows["exits_total"], color="#333333",
                                     alpha=BASELINE_ALPHA, linewidth=0.8, linestyle="--"))
            if country not in mine_by:
                continue
            mine = mine_by[country]
            out.append(self.band(ax, ("exodus", country), mine.days, mine.rows["wave_entries"], color=color,
                                 alpha=0.35, linewidth=0))
            out.append(self.line(ax, ("entries", country), mine.days, mine.rows["entries_total"], color=color,
                                 linewidth=1.3))
            out.append(self.line(ax, ("exits", country), mine.days, mine.rows["exits_total"], color="#333333",
                                 linewidth=0.9, linestyle="--"))
        return out


class StatesChart(LiveChart):
    """People of the exodus queued, on the way, abroad and back in Russia; those at home in the title."""

    def frame_key(self, today: Any, base: Any) -> Hashable:
        frames = [today.population, base.population if base is not None else None]
        return nice_limit(max(PEOPLE_SHOWN, *(peak_of(frames, s) for s in STATE_COLORS)))

    def refit(self, fig: Figure, old: Any, new: Any) -> bool:
        fig.axes[0].set_ylim(0, new)
        return True

    def draw_frame(self, key: Any) -> Figure:
        fig, axes = new_figure(bottom=0.12)
        ax = axes[0, 0]
        count_axis(ax, self.calendar, self.events, key, ylabel="People")
        ax.legend(handles=[Line2D([], [], color=c, linewidth=1.6, label=STATE_LABELS[s])
                           for s, c in STATE_COLORS.items()], loc="upper left", fontsize=7, frameon=False)
        if self.note():
            fig.text(0.99, 0.985, self.note(), fontsize=7, color="#666666", ha="right", va="top")
        return fig

    def draw_data(self, fig: Figure, key: Any, today: Any, base: Any) -> list[Artist]:
        ax = fig.axes[0]
        out: list[Artist] = []
        days = days_of(today.population)
        base_days = days_of(base.population) if base is not None else None
        for state, color in STATE_COLORS.items():
            if base is not None:
                out.append(self.line(ax, ("base", state), base_days, base.population[state], color=color,
                                     alpha=BASELINE_ALPHA, linewidth=1.0))
            out.append(self.line(ax, state, days, today.population[state], color=color, linewidth=1.6))
        at_home = int(today.population["at_home"].iloc[-1])
        out.append(fig.text(0.01, 0.985, f"Where people are · {format_count(at_home)} men at risk still at home",
                            fontsize=10, ha="left", va="top"))
        return out


class CountryLinesChart(LiveChart):
    """One line per destination for a column of the daily table (stocks abroad, rent index)."""

    def __init__(self, calendar: Calendar, events: Events, *, column: str, title: str, ylabel: str,
                 names: Mapping[str, str] | None = None, compare: bool = False) -> None:
        super().__init__(calendar, events, compare=compare)
        self.column, self.title, self.ylabel, self.names = column, title, ylabel, names

    def frame_key(self, today: Any, base: Any) -> Hashable:
        countries = tuple(today.daily["country"].drop_duplicates())
        peak = peak_of([today.daily, base.daily if base is not None else None], self.column)
        if self.column == "rent_index":
            return countries, 1.0 + nice_limit(max(peak - 1.0, RENT_RISE_SHOWN), room=1.15)
        return countries, nice_limit(max(peak, PEOPLE_SHOWN))

    def refit(self, fig: Figure, old: Any, new: Any) -> bool:
        if not isinstance(old, tuple) or old[0] != new[0]:
            return False
        fig.axes[0].set_ylim(0.95 if self.column == "rent_index" else 0, new[1])
        return True

    def draw_frame(self, key: Any) -> Figure:
        countries, top = key
        colors = country_colors(countries)
        fig, axes = new_figure(right=0.8, bottom=0.12)
        ax = axes[0, 0]
        if self.column == "rent_index":
            ax.set_ylim(0.95, top)
            ax.axhline(1.0, color="#333333", linewidth=0.7)
        else:
            ax.yaxis.set_major_formatter(COUNT_FORMATTER)
            ax.set_ylim(0, top)
        ax.tick_params(axis="y", labelsize=7)
        ax.set_ylabel(self.ylabel, fontsize=8)
        time_axis(ax, self.calendar)
        mark_events(ax, self.events)
        ax.set_autoscale_on(False)
        chart_title(fig, self.title, self.note())
        ax.legend(handles=[Line2D([], [], color=colors[c], linewidth=1.6, label=short_name(pretty_name(c, self.names), 22))
                           for c in countries], loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7,
                  frameon=False)
        return fig

    def draw_data(self, fig: Figure, key: Any, today: Any, base: Any) -> list[Artist]:
        countries, _top = key
        colors = country_colors(countries)
        ax = fig.axes[0]
        mine_by, base_by = today.by("daily", "country"), base.by("daily", "country") if base is not None else {}
        out: list[Artist] = []
        for country in countries:
            if country in base_by:
                b = base_by[country]
                out.append(self.line(ax, ("base", country), b.days, b.rows[self.column], color=colors[country],
                                     alpha=BASELINE_ALPHA, linewidth=1.0))
            if country in mine_by:
                mine = mine_by[country]
                out.append(self.line(ax, country, mine.days, mine.rows[self.column], color=colors[country],
                                     linewidth=1.6))
        return out


def busiest_crossings(crossings: pd.DataFrame, top: int = 5) -> list[str]:
    """The ``top`` crossings by their longest queue so far (by people crossed while nobody queued yet)."""
    peak = crossings.groupby("crossing")["queue"].max()
    if not (peak > 0).any():
        peak = crossings.groupby("crossing")["processed"].sum()
    return peak.sort_values(ascending=False, kind="stable").index[:top].tolist()


class QueuesChart(LiveChart):
    """People waiting and the mean wait of those crossing, at the five busiest crossings so far."""

    top = 5

    def __init__(self, calendar: Calendar, events: Events, *, names: Mapping[str, str] | None = None,
                 compare: bool = False) -> None:
        super().__init__(calendar, events, compare=compare)
        self.names = names or {}

    def frame_key(self, today: Any, base: Any) -> Hashable:
        crossings = today.crossings
        scores = crossings.groupby("crossing")["queue"].max()
        if not (scores > 0).any():
            scores = crossings.groupby("crossing")["processed"].sum()
        shown = keep_or_choose(scores, self._key[0] if isinstance(self._key, tuple) else None, self.top)
        countries = crossings.drop_duplicates("crossing").set_index("crossing")["country"]
        frames = [crossings, base.crossings if base is not None else None]
        queue = max(peak_of(frames, "queue", "crossing", shown).values(), default=0.0)
        wait = max(peak_of([crossings[crossings["processed"] > 0]], "mean_wait_days", "crossing", shown).values(),
                   default=0.0)
        return shown, tuple(str(countries.get(c, "")) for c in shown), nice_limit(queue), nice_limit(wait)

    def refit(self, fig: Figure, old: Any, new: Any) -> bool:
        if not isinstance(old, tuple) or old[:2] != new[:2]:
            return False
        fig.axes[0].set_ylim(0, new[2])
        fig.axes[1].set_ylim(0, new[3])
        return True

    def draw_frame(self, key: Any) -> Figure:
        shown, countries, queue_top, wait_top = key
        fig, axes = new_figure(2, 1, height=HEIGHT + 0.3, right=0.66, hspace=0.18, top=0.9)
        ax_q, ax_w = axes[:, 0]
        for ax, label, top in ((ax_q, "People waiting", queue_top), (ax_w, "Mean wait (days)", wait_top)):
            ax.set_ylim(0, top)
            ax.tick_params(axis="y", labelsize=7)
            ax.set_ylabel(label, fontsize=8)
            mark_events(ax, self.events, numbers=ax is ax_q)
            ax.set_autoscale_on(False)
        ax_q.yaxis.set_major_formatter(COUNT_FORMATTER)
        time_axis(ax_q, self.calendar, label=False)
        time_axis(ax_w, self.calendar)
        chart_title(fig, "Queues and waits at the busiest crossings", self.note())
        ax_q.legend(handles=[Line2D([], [], color=QUEUE_COLORS[i % len(QUEUE_COLORS)], linewidth=1.5,
                                    label=f"{short_name(pretty_name(c, self.names))} → {pretty_name(country)}")
                             for i, (c, country) in enumerate(zip(shown, countries))],
                    loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
        return fig

    def draw_data(self, fig: Figure, key: Any, today: Any, base: Any) -> list[Artist]:
        shown = key[0]
        ax_q, ax_w = fig.axes[:2]
        mine_by = today.by("crossings", "crossing")
        base_by = base.by("crossings", "crossing") if base is not None else {}
        out: list[Artist] = []
        for i, crossing in enumerate(shown):
            color = QUEUE_COLORS[i % len(QUEUE_COLORS)]
            if crossing in base_by:
                b = base_by[crossing]
                out.append(self.line(ax_q, ("base", crossing), b.days, b.rows["queue"], color=color,
                                     alpha=BASELINE_ALPHA, linewidth=1.0))
            if crossing in mine_by:
                mine = mine_by[crossing]
                out.append(self.line(ax_q, ("queue", crossing), mine.days, mine.rows["queue"], color=color,
                                     linewidth=1.5))
                out.append(self.line(ax_w, ("wait", crossing), mine.days,
                                     mine.rows["mean_wait_days"].where(mine.rows["processed"] > 0), color=color,
                                     linewidth=1.3))
        return out


class MapChart(LiveChart):
    """Coastlines and borders with the routes: origin → first destination arrows by people so far.

    Destinations are circles (area ∝ people of the exodus there today), crossings small grey
    triangles, red where people wait today (area ∝ people waiting).
    """

    def __init__(self, calendar: Calendar, events: Events, *, places: pd.DataFrame, compare: bool = False) -> None:
        super().__init__(calendar, events, compare=compare)
        self.places = places
        self.extent = map_extent(places["lon"].to_numpy(), places["lat"].to_numpy(), margin=0.05)
        self._where = {(k, i): (x, y) for k, i, x, y in zip(places["kind"], places["id"], places["lon"], places["lat"])}

    def frame_key(self, today: Any, base: Any) -> Hashable:
        return "map"

    def draw_frame(self, key: Any) -> Figure:
        west, east, south, north = self.extent
        shape = (north - south) / ((east - west) * math.cos(math.radians((south + north) / 2)))
        map_height = min(max((WIDTH - 0.1) * shape, 2.5), 6.0)
        fig = Figure(figsize=(WIDTH, map_height + 0.45), dpi=DPI)
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0.005, 0.005, 0.99, map_height / (map_height + 0.45)))
        show_base_map(ax, self.extent, pixels=(int(WIDTH * DPI * 1.5), int(map_height * DPI * 1.5)))
        crossings = self.places[self.places["kind"] == "crossing"]
        origins = self.places[self.places["kind"] == "origin"]
        ax.scatter(crossings["lon"], crossings["lat"], s=6, marker="^", color="#777777", zorder=4, linewidths=0)
        ax.scatter(origins["lon"], origins["lat"], s=14, color="#8c8c8c", edgecolor="black", linewidths=0.4, zorder=5)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_autoscale_on(False)
        fig.text(0.99, 0.985, "circles: people there today · red: waiting at a crossing", fontsize=7,
                 color="#666666", ha="right", va="top")
        return fig

    def draw_data(self, fig: Figure, key: Any, today: Any, base: Any) -> list[Artist]:
        # every artist is made on the first day and then only resized or re-labelled: the map
        # has dozens of them, and making them anew each day cost more than the rest of the page
        ax = fig.axes[0]
        places = self.places
        last = today.daily["date"].iloc[-1]
        stocks = today.daily[today.daily["date"] == last].set_index("country")["wave_stock"]
        queue = today.crossings[today.crossings["date"] == last].set_index("crossing")["queue"]
        out = self._arrows(ax, today.flows)
        crossings = places[places["kind"] == "crossing"]
        waiting = crossings["id"].map(queue).fillna(0.0).to_numpy(dtype=float)
        queued = self._kept.get("queues")
        if queued is None:
            queued = ax.scatter(crossings["lon"], crossings["lat"], s=0.0, marker="^", color="#d62728", alpha=0.7,
                                edgecolor="black", linewidths=0.4, zorder=5)
            self._kept["queues"] = queued
        queued.set_sizes(np.where(waiting > 0, 10 + 300 * waiting / max(waiting.max(initial=0.0), 1.0), 0.0))
        dests = places[places["kind"] == "destination"]
        present = dests["id"].map(stocks).fillna(0.0).to_numpy(dtype=float)
        colors = country_colors(dests["id"])
        circles = self._kept.get("stocks")
        if circles is None:
            circles = ax.scatter(dests["lon"], dests["lat"], s=20.0, color=[colors[d] for d in dests["id"]],
                                 edgecolor="black", linewidths=0.6, alpha=0.85, zorder=6)
            self._kept["stocks"] = circles
        circles.set_sizes(20 + 500 * present / max(present.max(initial=0.0), 1.0))
        out += [queued, circles]
        west, east, south, north = self.extent
        for (_, d), stock in zip(dests.iterrows(), present):
            if not (west <= d["lon"] <= east and south <= d["lat"] <= north):
                continue
            label = self._kept.get(("label", d["id"]))
            if label is None:
                label = ax.annotate("", (d["lon"], d["lat"]), xytext=(0, -7), textcoords="offset points", ha="center",
                                    va="top", fontsize=6.5, color=colors[d["id"]], fontweight="bold", zorder=7,
                                    bbox={"facecolor": "white", "alpha": 0.6, "edgecolor": "none", "pad": 0.3})
                self._kept[("label", d["id"])] = label
            label.set_text(f"{d['name']} {format_count(stock)}" if stock else str(d["name"]))
            out.append(label)
        title = self._kept.get("title")
        if title is None:
            title = self._kept["title"] = fig.text(0.01, 0.985, "", fontsize=10, ha="left", va="top")
        title.set_text(f"Routes · {pd.Timestamp(last):%-d %b %Y}: origin → first country, by people so far")
        return out + [title]

    def _arrows(self, ax: Any, flows: pd.DataFrame) -> list[Artist]:
        """Curved arrows origin → first country, width ∝ people; flows under 1 % of the total hidden."""
        shown: list[Artist] = []
        od = flows.groupby(["origin", "first_destination"])["count"].sum() if len(flows) else pd.Series(dtype=float)
        od = od[od > 0.01 * od.sum()] if len(od) else od
        biggest = od.max() if len(od) else 1.0
        for arrow in (a for k, a in self._kept.items() if isinstance(k, tuple) and k[0] == "route"):
            arrow.set_visible(False)
        for (origin, dest), count in od.items():
            arrow = self._route(ax, str(origin), str(dest))
            if arrow is None:
                continue
            arrow.set_linewidth(0.5 + 6.0 * count / biggest)
            arrow.set_visible(True)
            shown.append(arrow)
        return shown

    def _route(self, ax: Any, origin: str, dest: str) -> FancyArrowPatch | None:
        """The arrow of one route, made the first day it is drawn.

        Its ends are pulled in by a few points here, once, rather than by matplotlib's
        ``shrinkA``/``shrinkB``, which clip the curve again on every draw.
        """
        key = ("route", origin, dest)
        if key not in self._kept:
            a, b = self._where.get(("origin", origin)), self._where.get(("destination", dest))
            if a is None or b is None:
                return None
            west, east, _south, _north = self.extent
            per_point = (east - west) / (WIDTH * 72 * 0.99)
            a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
            along = (b - a) / max(float(np.hypot(*(b - a))), 1e-9)
            arrow = FancyArrowPatch(
                tuple(a + 3 * per_point * along), tuple(b - 6 * per_point * along), connectionstyle="arc3,rad=0.15",
                arrowstyle="-|>,head_length=3,head_width=2", mutation_scale=1.0,
                color=country_colors([dest]).get(dest, "#888888"), alpha=0.5, zorder=3, shrinkA=0, shrinkB=0)
            ax.add_artist(arrow)  # not add_patch: the axes' limits are fixed, no need to fit the arrow
            self._kept[key] = arrow
        return self._kept[key]
