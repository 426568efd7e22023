"""Live charts for the page: a frame drawn when it changes, the day's data drawn over it.

A chart is drawn in two layers. Its *frame* (axes, ticks, grid, titles, legends, the dated
events) changes rarely: when a y-axis has to grow, or another destination or crossing joins
the busiest ones shown. Its *data* (the curves, the map's arrows and circles, the counts in
titles) changes every day. :class:`LiveChart` draws the frame only when it changes, keeps
that picture, and each day draws only the data over a copy of it (matplotlib's blitting)
before encoding the PNG the page shows. A full drawing of a chart of six small panels takes
a few tenths of a second; a day's update takes milliseconds.

The data's lines and areas are made once per frame and then only given new points: making a
matplotlib line costs far more than moving it, and a chart holds up to 40. When only a
y-axis grows, the figure is kept and re-limited (:meth:`LiveChart.refit`) instead of being
built again.

Axes grow in steps of 1, 2 and 5 (times a power of ten) with some room to spare, so the
frame is redrawn only a few times per run. Which destinations or crossings are shown
changes only when a newcomer clearly overtakes one shown (by a quarter), so the panels do
not reshuffle from one day to the next.
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
from PIL import Image

from flowsim.figures.style import COUNT_FORMATTER

WIDTH, HEIGHT, DPI = 7.6, 3.9, 90
"""Size of a chart in inches, and its resolution in the page."""
BASELINE_ALPHA = 0.35
"""How faintly the baseline is drawn behind the scenario."""
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


def days_of(frame: pd.DataFrame) -> np.ndarray:
    return frame["date"].to_numpy(dtype="datetime64[D]")


MONTH_TICKS = 5
"""The most month ticks a time axis labels before it labels every second, third, ... month (a year-long Flee case)."""


def time_axis(ax: Any, calendar: Calendar, label: bool = True) -> None:
    ax.set_xlim(np.datetime64(calendar[0]), np.datetime64(calendar[1]))
    months = (pd.Timestamp(calendar[1]) - pd.Timestamp(calendar[0])).days / 30.44
    ax.xaxis.set_major_locator(mdates.MonthLocator(interval=max(1, math.ceil(months / MONTH_TICKS))))
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


def count_axis(ax: Any, calendar: Calendar, events: Events, top: float, *, ylabel: str = "",
               country: str | None = None) -> None:
    """A time axis of people counted from 0 to ``top``, with the dated events (of ``country``) marked, its limits fixed."""
    ax.yaxis.set_major_formatter(COUNT_FORMATTER)
    ax.tick_params(axis="y", labelsize=7)
    ax.set_ylim(0, top)
    if ylabel:
        ax.set_ylabel(ylabel, fontsize=8)
    time_axis(ax, calendar)
    mark_events(ax, events, country)
    ax.set_autoscale_on(False)


def short_name(name: str, length: int = 26) -> str:
    """A place name cut to ``length`` characters at most ("Flights to Istanbul and…")."""
    return name if len(name) <= length else name[: length - 1].rstrip() + "…"


def new_figure(rows: int = 1, cols: int = 1, *, height: float = HEIGHT, **adjust: float) -> tuple[Figure, np.ndarray]:
    fig = Figure(figsize=(WIDTH, height), dpi=DPI)
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, cols, sharex=True, squeeze=False)
    fig.subplots_adjust(**{"left": 0.09, "right": 0.98, "top": 0.86, "bottom": 0.1, **adjust})
    return fig, axes


def chart_title(fig: Figure, text: str, note: str = "") -> None:
    fig.suptitle(text, fontsize=10, x=0.01, ha="left", y=0.985)
    if note:
        fig.text(0.99, 0.985, note, fontsize=7, color="#666666", ha="right", va="top")


def peak_of(frames: Sequence[pd.DataFrame | None], column: str, key: str | None = None,
          ids: Sequence[str] = ()) -> dict[str, float] | float:
    """Largest value of ``column`` over the frames (per id of column ``key`` when given)."""
    present = [f for f in frames if f is not None and len(f)]
    if key is None:
        return max((float(f[column].max()) for f in present), default=0.0)
    if not present:
        return {i: 0.0 for i in ids}
    peaks = pd.concat([f.groupby(key, sort=False)[column].max() for f in present], axis=1).max(axis=1)
    return {i: float(peaks.get(i, 0.0)) for i in ids}


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
        self._kept: dict[Hashable, Artist] = {}

    def frame_key(self, today: Any, base: Any) -> Hashable:
        raise NotImplementedError

    def draw_frame(self, key: Any) -> Figure:
        raise NotImplementedError

    def draw_data(self, fig: Figure, key: Any, today: Any, base: Any) -> list[Artist]:
        raise NotImplementedError

    def refit(self, fig: Figure, old: Any, new: Any) -> bool:
        """Change ``fig`` from frame ``old`` to ``new`` in place if only its y-limits differ.

        Returns False (the frame is then drawn anew) when more than the limits changed.
        """
        return False

    def png(self, today: Any, base: Any = None) -> bytes:
        """The chart of ``today``'s tables (and the baseline's, drawn faintly) as PNG bytes."""
        key = self.frame_key(today, base)
        if key != self._key or self.figure is None:
            if self.figure is None or not self.refit(self.figure, self._key, key):
                self.figure = self.draw_frame(key)
                self._data, self._kept = [], {}
            self.figure.canvas.draw()  # the data's artists are animated: left out of the frame
            self._background = self.figure.canvas.copy_from_bbox(self.figure.bbox)
            self._key = key
            self.full_draws += 1
        else:
            self.figure.canvas.restore_region(self._background)
        kept = {id(a) for a in self._kept.values()}
        for artist in self._data:
            if id(artist) not in kept:
                artist.remove()
        self._data = self.draw_data(self.figure, key, today, base)
        for artist in self._data:
            artist.set_animated(True)
            self.figure.draw_artist(artist)
        return encode_png(self.figure)

    def line(self, ax: Any, name: Hashable, x: np.ndarray, y: Any, **style: Any) -> Line2D:
        """Line ``name`` of the current frame with today's data: made once per frame, then only given new data.

        Making a matplotlib line costs far more than moving its points; a chart has up to 40.
        """
        line = self._kept.get(name)
        if line is None:
            (line,) = ax.plot([], [], **style)
            self._kept[name] = line
        line.set_data(x, np.asarray(y, dtype=float))
        return line

    def band(self, ax: Any, name: Hashable, x: np.ndarray, y: Any, **style: Any) -> Artist:
        """Area ``name`` between 0 and ``y``, kept across days like :meth:`line`."""
        y = np.asarray(y, dtype=float)
        band = self._kept.get(name)
        if band is None:
            band = ax.fill_between(x, 0, y, **style)
            self._kept[name] = band
        else:
            band.set_data(x, 0, y)
        return band

    def note(self) -> str:
        return "faint: baseline, same seed" if self.compare else ""


def encode_png(fig: Figure) -> bytes:
    canvas = fig.canvas
    width, height = canvas.get_width_height(physical=True)
    image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="png", compress_level=1)
    return out.getvalue()
