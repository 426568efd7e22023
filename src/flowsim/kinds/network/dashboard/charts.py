"""The network kind's dashboard charts: each camp's people against its observed series, and the totals.

Each chart is a :class:`~flowsim.dashboard.livechart.LiveChart` drawn from the day's tables of
:class:`~flowsim.kinds.network.run.day_by_day.NetworkDayByDay`: the simulated series up to
today, and the observed series over the whole period (known in advance, so the run is seen
catching up with the data or missing it). A what-if compared with its base draws the base faintly.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from flowsim.dashboard.livechart import (
    BASELINE_ALPHA, HEIGHT, LiveChart, chart_title, count_axis, days_of, new_figure, nice_limit, short_name,
)

SIMULATED, OBSERVED, ROADS = "#1b9e77", "#333333", "#7570b3"
CAMPS_SHOWN = 6
"""Camps drawn, the largest by their observed peak: six small panels stay readable."""


def largest_camps(observed: Any, top: int = CAMPS_SHOWN) -> tuple[str, ...]:
    """The ``top`` camps with the most people observed at their peak (ties: the case's order)."""
    peaks = observed.groupby("camp", sort=False)["observed"].max()
    return tuple(peaks.sort_values(ascending=False, kind="stable").index[:top])


def _legend(fig: Figure, entries: Sequence[tuple[str, dict[str, Any]]]) -> None:
    fig.legend(handles=[Line2D([], [], label=label, **style) for label, style in entries],
               loc="upper left", bbox_to_anchor=(0.01, 0.955), ncol=len(entries), fontsize=7, frameon=False)


class CampsChart(LiveChart):
    """People in each of the largest camps: simulated up to today (line), observed every day (dotted)."""

    def __init__(self, calendar: Any, events: Any, *, camps: tuple[str, ...], compare: bool = False) -> None:
        super().__init__(calendar, events, compare=compare)
        self.camps = camps

    def frame_key(self, today: Any, base: Any) -> Hashable:
        tops = []
        frames = [t.camps for t in (today, base) if t is not None]
        observed = today.observed.groupby("camp")["observed"].max()
        simulated = [f.groupby("camp")["simulated"].max() for f in frames]
        for camp in self.camps:
            tops.append(nice_limit(max([float(observed.get(camp, 0.0))] + [float(s.get(camp, 0.0)) for s in simulated])))
        return tuple(tops)

    def refit(self, fig: Figure, old: Any, new: Any) -> bool:
        if not isinstance(old, tuple) or len(old) != len(new):
            return False
        for ax, top in zip(fig.axes, new):
            ax.set_ylim(0, top)
        return True

    def draw_frame(self, key: Any) -> Figure:
        rows = 1 if len(self.camps) <= 3 else 2
        fig, axes = new_figure(rows, 3, height=HEIGHT + (0.4 if rows == 2 else -0.8), left=0.07, right=0.99,
                               top=0.84 if rows == 2 else 0.75, bottom=0.1, hspace=0.42, wspace=0.28)
        for ax, camp, top in zip(axes.flat, self.camps, key):
            ax.set_title(short_name(camp, 22), fontsize=8, loc="right", fontweight="bold", pad=2)
            count_axis(ax, self.calendar, self.events, top)
        for ax in axes.flat[len(self.camps):]:
            ax.set_visible(False)
        chart_title(fig, "People in the largest camps", self.note())
        _legend(fig, [("simulated", {"color": SIMULATED, "linewidth": 1.4}),
                      ("observed (UNHCR)", {"color": OBSERVED, "linewidth": 1.0, "linestyle": ":"})])
        return fig

    def draw_data(self, fig: Figure, key: Any, today: Any, base: Any) -> list[Artist]:
        out: list[Artist] = []
        observed, mine = today.by("observed", "camp"), today.by("camps", "camp")
        theirs = base.by("camps", "camp") if base is not None else {}
        for ax, camp in zip(fig.axes, self.camps):
            seen = observed[camp]
            out.append(self.line(ax, ("observed", camp), seen.days, seen.rows["observed"], color=OBSERVED,
                                 linewidth=1.0, linestyle=":"))
            if camp in theirs:
                out.append(self.line(ax, ("base", camp), theirs[camp].days, theirs[camp].rows["simulated"],
                                     color=SIMULATED, alpha=BASELINE_ALPHA, linewidth=1.0))
            out.append(self.line(ax, ("simulated", camp), mine[camp].days, mine[camp].rows["simulated"],
                                 color=SIMULATED, linewidth=1.4))
        return out


class TotalsChart(LiveChart):
    """Everyone in camps (simulated and observed) and everyone on the roads, day by day."""

    def frame_key(self, today: Any, base: Any) -> Hashable:
        observed = today.observed.groupby("date", sort=False)["observed"].sum()
        peaks = [float(observed.max())]
        for tables in (today, base):
            if tables is not None:
                peaks += [float(tables.daily["in_camps_simulated"].max()), float(tables.daily["on_roads"].max())]
        return nice_limit(max(peaks))

    def refit(self, fig: Figure, old: Any, new: Any) -> bool:
        fig.axes[0].set_ylim(0, new)
        return True

    def draw_frame(self, key: Any) -> Figure:
        fig, axes = new_figure(top=0.8, bottom=0.12)
        count_axis(axes[0, 0], self.calendar, self.events, key, ylabel="People")
        chart_title(fig, "Everyone in camps, and on the roads", self.note())
        _legend(fig, [("in camps, simulated", {"color": SIMULATED, "linewidth": 1.6}),
                      ("in camps, observed", {"color": OBSERVED, "linewidth": 1.0, "linestyle": ":"}),
                      ("on the roads, simulated", {"color": ROADS, "linewidth": 1.2})])
        return fig

    def draw_data(self, fig: Figure, key: Any, today: Any, base: Any) -> list[Artist]:
        ax = fig.axes[0]
        totals = today.observed.groupby("date", sort=False)["observed"].sum()
        out = [self.line(ax, "observed", np.asarray(totals.index, dtype="datetime64[D]"), totals.to_numpy(),
                         color=OBSERVED, linewidth=1.0, linestyle=":")]
        for tables, name, alpha in ((base, "base", BASELINE_ALPHA), (today, "run", 1.0)):
            if tables is None:
                continue
            days = days_of(tables.daily)
            out.append(self.line(ax, (name, "camps"), days, tables.daily["in_camps_simulated"], color=SIMULATED,
                                 alpha=alpha, linewidth=1.6))
            out.append(self.line(ax, (name, "roads"), days, tables.daily["on_roads"], color=ROADS, alpha=alpha,
                                 linewidth=1.2))
        return out
