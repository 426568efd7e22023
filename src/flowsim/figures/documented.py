"""Documented against simulated daily border counts, with the runs' band and the documented points."""

from __future__ import annotations

import matplotlib.dates as mdates
import pandas as pd
from matplotlib.figure import Figure

COUNTRIES = ("kazakhstan", "georgia", "schengen")
COLUMNS = (("entries_total", "entries"), ("exits_total", "exits"))


def documented_vs_simulated(daily: pd.DataFrame, points: pd.DataFrame, *, band_kind: str,
                            countries: tuple[str, ...] = COUNTRIES) -> Figure:
    """Daily entries and exits per country: median of the runs, their 5-95 % band, documented points.

    Args:
        daily: the ``daily`` tables of one or more runs stacked, with a ``run`` column.
        points: documented series points (:func:`flowsim.analysis.targets.series_table` rows:
            country, column, start, end, documented, source; documented_low and documented_high,
            where present, are drawn as the statement's range).
        band_kind: what the band carries, for the caption (e.g. "parameter and seed
            uncertainty, 20 posterior draws" or "seed noise only").
        countries: countries drawn after the places with documented points (one row of
            panels each, four rows at most); an area's row (``region`` of its points, e.g.
            Finland's posts or Upper Lars) shows the entries at its own posts.
    """
    present = set(daily["country"])
    place = points["region"] if "region" in points else points["country"]  # Finland's posts apart
    # a row of panels for each place with documented points (an area's posts, e.g. Finland's,
    # on their own row), then the figure's countries without points, up to four rows
    pointed = [p for p in dict.fromkeys(place) if p in present]
    countries = tuple(dict.fromkeys(pointed + [c for c in countries if c in present]))[:4] or tuple(sorted(present))[:3]
    fig = Figure(figsize=(11, 3.0 * len(countries)), layout="constrained")
    grid = fig.add_gridspec(len(countries), 2)
    frame = daily.assign(date=pd.to_datetime(daily["date"]))
    runs = frame["run"].nunique() if "run" in frame else 1
    first = None
    for row, country in enumerate(countries):
        mine = frame[frame["country"] == country]
        # an area's posts count entries, not exits: its one panel spans the row
        columns = [c for c in COLUMNS if not mine[c[0]].isna().all()]
        for col, (column, word) in enumerate(columns):
            ax = fig.add_subplot(grid[row, col] if len(columns) == 2 else grid[row, :], sharex=first)
            first = first or ax
            by_day = mine.pivot_table(index="date", columns="run" if "run" in mine else None, values=column)
            low, mid, high = (by_day.quantile(q, axis=1) for q in (0.05, 0.5, 0.95))
            ax.fill_between(by_day.index, low, high, color="#4c72b0", alpha=0.25, linewidth=0,
                            label=f"5-95 % of {runs} runs")
            ax.plot(by_day.index, mid, color="#4c72b0", linewidth=1.4, label="simulated (median)")
            documented = points[(place == country) & (points["column"] == column)]
            for i, point in enumerate(documented.itertuples()):
                span = pd.to_datetime([point.start, point.end])
                ax.hlines(point.documented, span[0], span[1] + pd.Timedelta(days=1), color="#c44e52",
                          linewidth=2.5, label="documented (period mean)" if i == 0 else None)
                low, high = getattr(point, "documented_low", point.documented), getattr(point, "documented_high", point.documented)
                if high > low:  # the statement's own range ("10,000-11,000 a day", "more than", "nearly")
                    ax.fill_between([span[0], span[1] + pd.Timedelta(days=1)], low, high, color="#c44e52",
                                    alpha=0.18, linewidth=0)
                ax.annotate(point.source, (span[0], point.documented), textcoords="offset points",
                            xytext=(2, 4), fontsize=7, color="#c44e52")
            ax.set_title(f"{_title(country)}: daily {word} (border count)", fontsize=10)
            ax.set_ylim(bottom=0)
            ax.yaxis.set_major_formatter(lambda v, _pos: f"{v / 1000:.3g}k" if v >= 1000 else f"{v:.0f}")
            ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=7))
            ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
            ax.set_xlim(pd.Timestamp("2022-09-10"), pd.Timestamp("2022-11-15"))
            ax.tick_params(labelsize=8)
            if row == 0 and col == 0:
                ax.legend(fontsize=7, loc="upper right")
    fig.suptitle(f"Documented and simulated border counts; band: {band_kind}", fontsize=11)
    return fig


def _title(place: str) -> str:
    return place.replace("_", " ").title()
