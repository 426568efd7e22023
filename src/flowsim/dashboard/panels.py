"""The dashboard's charts, drawn from the tables of the days run so far and redrawn every day.

A chart is drawn in two layers. Its *frame* (axes, ticks, grid, titles, legends, the dated
events) changes rarely: when a y-axis has to grow, or another destination or crossing joins
the busiest ones shown. Its *data* (the curves, the map's arrows and circles, the counts in
titles) changes every day. :class:`LiveChart` draws the frame in full only when it changes,
keeps that picture, and each day draws only the data over a copy of it (matplotlib's
blitting) before encoding the PNG the page shows. A full drawing of a chart of six small
panels takes a few tenths of a second; a day's update takes milliseconds, which is what
keeps a day of the full-scale baseline under 0.2 s in the page.

Axes grow in steps of 1, 2 and 5 (times a power of ten) with some room to spare, so the
frame is redrawn only a few times per run. Which destinations or crossings are shown
changes only when a newcomer clearly overtakes one shown (by a quarter), so the panels do
not reshuffle from one day to the next.

Colours, names and number formats are those of the static figures
(:mod:`flowsim.figures.style`); the base map is that of figure 7
(:mod:`flowsim.figures.geography`). Nothing here touches the model: charts read
:class:`~flowsim.dashboard.model.DayTables`.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Patch
from PIL import Image

from flowsim.figures.geography import map_extent, show_base_map
from flowsim.figures.style import COUNT_FORMATTER, country_colors, format_count, pretty_name

WIDTH, HEIGHT, DPI = 7.6, 3.9, 90
"""Size of a chart in inches, and its resolution in the page."""
BASELINE_ALPHA = 0.35
"""How faintly the baseline is drawn behind the scenario."""
STATE_COLORS = {"queued": "#d95f02", "in_transit": "#7570b3", "abroad": "#1b9e77", "returned": "#666666"}
STATE_LABELS = {"queued": "queued at a border", "in_transit": "on the way", "abroad": "abroad",
                "returned": "back in Russia"}
QUEUE_COLORS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02")
Calendar = tuple[dt.date, dt.date]
Events = Sequence[Mapping[str, Any]]


# --------------------------------------------------------------------------- helpers


def nice_limit(value: float, room: float = 1.1) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above ``value`` × ``room`` (1 for nothing)."""
    if not np.isfinite(value) or value <= 0:
        return 1.0
    target = value * room
    power = 10.0 ** math.floor(math.log10(target))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= target)


def keep_or_choose(scores: pd.Series, current: tuple[str, ...] | None, n: int,
                   margin: float = 1.25) -> tuple[str, ...]:
    """The ``n`` best ids by score, but ``current`` as long as no outsider beats one shown by ``margin``."""
    best = tuple(scores.sort_values(ascending=False, kind="stable").index[:n])
    if not current or set(current) - set(scores.index):
        return best
    shown = scores.reindex(list(current)).fillna(0.0)
    outsiders = scores.drop(list(current), errors="ignore")
    if len(outsiders) and outsiders.max() > margin * max(shown.min(), 0.0) and outsiders.max() > 0:
        return best
    return current


def _x(frame: pd.DataFrame) -> np.ndarray:
    return frame["date"].to_numpy(dtype="datetime64[D]")


def _time_axis(ax: Any, calendar: Calendar, label: bool = True) -> None:
    ax.set_xlim(np.datetime64(calendar[0]), np.datetime64(calendar[1]))
    ax.xaxis.set_major_locator(mdates.MonthLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%-d %b"))
    ax.grid(True, color="#e3e3e3", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.tick_params(labelsize=7, labelbottom=label)


def mark_events(ax: Any, events: Events, country: str | None = None, numbers: bool = True) -> None:
    """Dashed lines at the events that concern every country (or ``country``), numbered as the page lists them."""
    used: dict[np.datetime64, list[str]] = {}
    for number, event in enumerate(events, start=1):
        if event.get("country") not in (None, country):
            continue
        used.setdefault(np.datetime64(pd.Timestamp(event["date"]).date()), []).append(str(number))
    for date, labels in used.items():
        ax.axvline(date, color="#555555", linewidth=0.6, linestyle="--", alpha=0.6, zorder=1)
        if numbers:
            ax.annotate(",".join(labels), xy=(date, 1.0), xycoords=("data", "axes fraction"), xytext=(0, 1),
                        textcoords="offset points", ha="center", va="bottom", fontsize=6, color="#444444")


def _short(name: str, length: int = 26) -> str:
    """A place name cut to ``length`` characters at most ("Flights to Istanbul and…")."""
    return name if len(name) <= length else name[: length - 1].rstrip() + "…"


def _figure(rows: int = 1, cols: int = 1, *, height: float = HEIGHT, **adjust: float) -> tuple[Figure, np.ndarray]:
    fig = Figure(figsize=(WIDTH, height), dpi=DPI)
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, cols, sharex=True, squeeze=False)
    fig.subplots_adjust(**{"left": 0.09, "right": 0.98, "top": 0.86, "bottom": 0.1, **adjust})
    return fig, axes


def _title(fig: Figure, text: str, note: str = "") -> None:
    fig.suptitle(text, fontsize=10, x=0.01, ha="left", y=0.985)
    if note:
        fig.text(0.99, 0.985, note, fontsize=7, color="#666666", ha="right", va="top")


def _peak(frames: Sequence[pd.DataFrame | None], column: str, key: str | None = None,
          ids: Sequence[str] = ()) -> dict[str, float] | float:
    """Largest value of ``column`` over the frames (per id of column ``key`` when given)."""
    present = [f for f in frames if f is not None and len(f)]
    if key is None:
        return max((float(f[column].max()) for f in present), default=0.0)
    return {i: max((float(f.loc[f[key] == i, column].max()) for f in present if (f[key] == i).any()), default=0.0)
            for i in ids}


# --------------------------------------------------------------------------- the two layers


class LiveChart:
    """A chart whose frame is drawn only when it changes and whose data is drawn over it each day.

    Subclasses say what the frame depends on (:meth:`frame_key`), draw the frame
    (:meth:`draw_frame`, on a new figure) and draw the day's data (:meth:`draw_data`,
    returning the artists they added).
    """

    def __init__(self, calendar: Calendar, events: Events, *, compare: bool = False) -> None:
        self.calendar, self.events, self.compare = calendar, events, compare
        self.figure: Figure | None = None
        self.full_draws = 0
        self._key: Hashable = object()
        self._background: Any = None
        self._data: list[Artist] = []

    def frame_key(self, today: Any, base: Any) -> Hashable:
        raise NotImplementedError

    def draw_frame(self, key: Any) -> Figure:
        raise NotImplementedError

    def draw_data(self, fig: Figure, key: Any, today: Any, base: Any) -> list[Artist]:
        raise NotImplementedError

    def png(self, today: Any, base: Any = None) -> bytes:
        """The chart of ``today``'s tables (and the baseline's, drawn faintly) as PNG bytes."""
        key = self.frame_key(today, base)
        if key != self._key or self.figure is None:
            self.figure = self.draw_frame(key)
            self.figure.canvas.draw()
            self._background = self.figure.canvas.copy_from_bbox(self.figure.bbox)
            self._key, self._data = key, []
            self.full_draws += 1
        else:
            self.figure.canvas.restore_region(self._background)
        for artist in self._data:
            artist.remove()
        self._data = self.draw_data(self.figure, key, today, base)
        for artist in self._data:
            artist.set_animated(True)
            self.figure.draw_artist(artist)
        return _encode(self.figure)

    def note(self) -> str:
        return "faint: baseline, same seed" if self.compare else ""


def _encode(fig: Figure) -> bytes:
    canvas = fig.canvas
    width, height = canvas.get_width_height(physical=True)
    image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="png", compress_level=1)
    return out.getvalue()


def _ids(fig: Figure) -> set[int]:
    return {id(a) for a in fig.get_children()} | {id(a) for ax in fig.axes for a in ax.get_children()}


# --------------------------------------------------------------------------- charts


class EntriesChart(LiveChart):
    """Daily entries and exits of the six leading destinations of the exodus, one small panel each.

    Everyone crossing (line), people of the exodus (filled), exits (dashed); the baseline faintly.
    """

    top = 6

    def frame_key(self, today: Any, base: Any) -> Hashable:
        scores = today.daily.groupby("country")["wave_entries"].sum()
        shown = keep_or_choose(scores, self._key[0] if isinstance(self._key, tuple) else None, self.top)
        frames = [today.daily, base.daily if base is not None else None]
        peaks = _peak(frames, "entries_total", "country", shown)
        exits = _peak(frames, "exits_total", "country", shown)
        return shown, tuple(nice_limit(max(peaks[c], exits[c])) for c in shown)

    def draw_frame(self, key: Any) -> Figure:
        shown, limits = key
        colors = country_colors(shown)
        fig, axes = _figure(2, 3, height=HEIGHT + 0.4, left=0.07, right=0.99, top=0.84, bottom=0.1,
                            hspace=0.42, wspace=0.28)
        for ax, country, top in zip(axes.flat, shown, limits):
            ax.set_title(pretty_name(country), fontsize=8, color=colors[country], loc="right", fontweight="bold",
                         pad=2)
            ax.yaxis.set_major_formatter(COUNT_FORMATTER)
            ax.tick_params(axis="y", labelsize=7)
            ax.set_ylim(0, top)
            _time_axis(ax, self.calendar)
            mark_events(ax, self.events, country)
            ax.set_autoscale_on(False)
        for ax in axes.flat[len(shown):]:
            ax.set_visible(False)
        _title(fig, "Daily entries and exits, leading destinations", self.note())
        fig.legend(handles=[Line2D([], [], color="#555555", linewidth=1.3, label="entries, everyone"),
                            Patch(facecolor="#555555", alpha=0.35, label="entries, exodus"),
                            Line2D([], [], color="#333333", linewidth=0.9, linestyle="--", label="exits, everyone")],
                   loc="upper left", bbox_to_anchor=(0.01, 0.955), ncol=3, fontsize=7, frameon=False)
        return fig

    def draw_data(self, fig: Figure, key: Any, today: Any, base: Any) -> list[Artist]:
        shown, _limits = key
        colors = country_colors(shown)
        out: list[Artist] = []
        for ax, country in zip(fig.axes, shown):
            color = colors[country]
            if base is not None:
                b = base.daily[base.daily["country"] == country]
                out += ax.plot(_x(b), b["entries_total"], color=color, alpha=BASELINE_ALPHA, linewidth=1.0)
                out += ax.plot(_x(b), b["exits_total"], color="#333333", alpha=BASELINE_ALPHA, linewidth=0.8,
                               linestyle="--")
            mine = today.daily[today.daily["country"] == country]
            x = _x(mine)
            out.append(ax.fill_between(x, 0, mine["wave_entries"], color=color, alpha=0.35, linewidth=0))
            out += ax.plot(x, mine["entries_total"], color=color, linewidth=1.3)
            out += ax.plot(x, mine["exits_total"], color="#333333", linewidth=0.9, linestyle="--")
        return out


class StatesChart(LiveChart):
    """People of the exodus queued, on the way, abroad and back in Russia; those at home in the title."""

    def frame_key(self, today: Any, base: Any) -> Hashable:
        frames = [today.population, base.population if base is not None else None]
        return nice_limit(max(_peak(frames, s) for s in STATE_COLORS))

    def draw_frame(self, key: Any) -> Figure:
        fig, axes = _figure(bottom=0.12)
        ax = axes[0, 0]
        ax.yaxis.set_major_formatter(COUNT_FORMATTER)
        ax.tick_params(axis="y", labelsize=7)
        ax.set_ylim(0, key)
        ax.set_ylabel("People", fontsize=8)
        _time_axis(ax, self.calendar)
        mark_events(ax, self.events)
        ax.set_autoscale_on(False)
        ax.legend(handles=[Line2D([], [], color=c, linewidth=1.6, label=STATE_LABELS[s])
                           for s, c in STATE_COLORS.items()], loc="upper left", fontsize=7, frameon=False)
        if self.note():
            fig.text(0.99, 0.985, self.note(), fontsize=7, color="#666666", ha="right", va="top")
        return fig

    def draw_data(self, fig: Figure, key: Any, today: Any, base: Any) -> list[Artist]:
        ax = fig.axes[0]
        out: list[Artist] = []
        for state, color in STATE_COLORS.items():
            if base is not None:
                out += ax.plot(_x(base.population), base.population[state], color=color, alpha=BASELINE_ALPHA,
                               linewidth=1.0)
            out += ax.plot(_x(today.population), today.population[state], color=color, linewidth=1.6)
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
        peak = _peak([today.daily, base.daily if base is not None else None], self.column)
        if self.column == "rent_index":
            return countries, 1.0 + nice_limit(max(peak - 1.0, 0.0) or 0.05, room=1.15)
        return countries, nice_limit(peak)

    def draw_frame(self, key: Any) -> Figure:
        countries, top = key
        colors = country_colors(countries)
        fig, axes = _figure(right=0.8, bottom=0.12)
        ax = axes[0, 0]
        if self.column == "rent_index":
            ax.set_ylim(0.95, top)
            ax.axhline(1.0, color="#333333", linewidth=0.7)
        else:
            ax.yaxis.set_major_formatter(COUNT_FORMATTER)
            ax.set_ylim(0, top)
        ax.tick_params(axis="y", labelsize=7)
        ax.set_ylabel(self.ylabel, fontsize=8)
        _time_axis(ax, self.calendar)
        mark_events(ax, self.events)
        ax.set_autoscale_on(False)
        _title(fig, self.title, self.note())
        ax.legend(handles=[Line2D([], [], color=colors[c], linewidth=1.6, label=_short(pretty_name(c, self.names), 22))
                           for c in countries], loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7,
                  frameon=False)
        return fig

    def draw_data(self, fig: Figure, key: Any, today: Any, base: Any) -> list[Artist]:
        countries, _top = key
        colors = country_colors(countries)
        ax = fig.axes[0]
        out: list[Artist] = []
        for country in countries:
            if base is not None:
                b = base.daily[base.daily["country"] == country]
                out += ax.plot(_x(b), b[self.column], color=colors[country], alpha=BASELINE_ALPHA, linewidth=1.0)
            mine = today.daily[today.daily["country"] == country]
            out += ax.plot(_x(mine), mine[self.column], color=colors[country], linewidth=1.6)
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
        queue = max(_peak(frames, "queue", "crossing", shown).values(), default=0.0)
        wait = max(_peak([crossings[crossings["processed"] > 0]], "mean_wait_days", "crossing", shown).values(),
                   default=0.0)
        return shown, tuple(str(countries.get(c, "")) for c in shown), nice_limit(queue), nice_limit(wait)

    def draw_frame(self, key: Any) -> Figure:
        shown, countries, queue_top, wait_top = key
        fig, axes = _figure(2, 1, height=HEIGHT + 0.3, right=0.66, hspace=0.18, top=0.9)
        ax_q, ax_w = axes[:, 0]
        for ax, label, top in ((ax_q, "People waiting", queue_top), (ax_w, "Mean wait (days)", wait_top)):
            ax.set_ylim(0, top)
            ax.tick_params(axis="y", labelsize=7)
            ax.set_ylabel(label, fontsize=8)
            mark_events(ax, self.events, numbers=ax is ax_q)
            ax.set_autoscale_on(False)
        ax_q.yaxis.set_major_formatter(COUNT_FORMATTER)
        _time_axis(ax_q, self.calendar, label=False)
        _time_axis(ax_w, self.calendar)
        _title(fig, "Queues and waits at the busiest crossings", self.note())
        ax_q.legend(handles=[Line2D([], [], color=QUEUE_COLORS[i % len(QUEUE_COLORS)], linewidth=1.5,
                                    label=f"{_short(pretty_name(c, self.names))} → {pretty_name(country)}")
                             for i, (c, country) in enumerate(zip(shown, countries))],
                    loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
        return fig

    def draw_data(self, fig: Figure, key: Any, today: Any, base: Any) -> list[Artist]:
        shown = key[0]
        ax_q, ax_w = fig.axes[:2]
        out: list[Artist] = []
        for i, crossing in enumerate(shown):
            color = QUEUE_COLORS[i % len(QUEUE_COLORS)]
            if base is not None:
                b = base.crossings[base.crossings["crossing"] == crossing]
                out += ax_q.plot(_x(b), b["queue"], color=color, alpha=BASELINE_ALPHA, linewidth=1.0)
            mine = today.crossings[today.crossings["crossing"] == crossing]
            out += ax_q.plot(_x(mine), mine["queue"], color=color, linewidth=1.5)
            out += ax_w.plot(_x(mine), mine["mean_wait_days"].where(mine["processed"] > 0), color=color,
                             linewidth=1.3)
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
        ax = fig.axes[0]
        before = _ids(fig)
        places = self.places
        last = today.daily["date"].iloc[-1]
        stocks = today.daily[today.daily["date"] == last].set_index("country")["wave_stock"]
        queue = today.crossings[today.crossings["date"] == last].set_index("crossing")["queue"]
        dests = places[places["kind"] == "destination"]
        colors = country_colors(dests["id"])
        where = {(k, i): (x, y) for k, i, x, y in zip(places["kind"], places["id"], places["lon"], places["lat"])}
        _flow_arrows(ax, today.flows, where, colors)
        crossings = places[places["kind"] == "crossing"].assign(q=lambda c: c["id"].map(queue).fillna(0.0))
        waiting = crossings[crossings["q"] > 0]
        biggest_queue = max(float(waiting["q"].max()) if len(waiting) else 0.0, 1.0)
        ax.scatter(waiting["lon"], waiting["lat"], s=10 + 300 * waiting["q"] / biggest_queue, marker="^",
                   color="#d62728", alpha=0.7, edgecolor="black", linewidths=0.4, zorder=5)
        biggest_stock = max(float(stocks.max()) if len(stocks) else 0.0, 1.0)
        west, east, south, north = self.extent
        for _, d in dests.iterrows():
            stock = float(stocks.get(d["id"], 0.0))
            ax.scatter(d["lon"], d["lat"], s=20 + 500 * stock / biggest_stock, color=colors[d["id"]],
                       edgecolor="black", linewidths=0.6, alpha=0.85, zorder=6)
            if west <= d["lon"] <= east and south <= d["lat"] <= north:
                ax.annotate(f"{d['name']} {format_count(stock)}" if stock else str(d["name"]), (d["lon"], d["lat"]),
                            xytext=(0, -7), textcoords="offset points", ha="center", va="top", fontsize=6.5,
                            color=colors[d["id"]], fontweight="bold", zorder=7,
                            bbox={"facecolor": "white", "alpha": 0.6, "edgecolor": "none", "pad": 0.3})
        title = fig.text(0.01, 0.985, f"Routes · {pd.Timestamp(last):%-d %b %Y}: origin → first country, "
                         "by people so far", fontsize=10, ha="left", va="top")
        return [a for ax_ in fig.axes for a in ax_.get_children() if id(a) not in before] + [title]


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
