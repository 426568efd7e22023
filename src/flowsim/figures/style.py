"""The look shared by every figure: colours per country, number and date formats, layout, saving.

Figures are built with :class:`~matplotlib.figure.Figure` directly rather than through
``pyplot``, so no global figure registry or backend is touched and PNG output always goes
through Agg. For an ensemble, a table carries for each count column ``c`` the columns
``c_p05, c_p25, c_p50, c_p75, c_p95``; :func:`draw_series` then draws the median with
shaded 5–95 % and 25–75 % bands.
"""

from __future__ import annotations

import os
import re
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from flowsim.run.writing import write_atomic

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


def pretty_name(ident: str, names: Mapping[str, str] | None = None) -> str:
    """Display name of an id: from ``names`` if given there, else the id in title case."""
    if names and ident in names and isinstance(names[ident], str) and names[ident]:
        return names[ident]
    special = {"uae": "UAE", "home": "Returned home", "stayed": "Stayed in first country"}
    return special.get(ident, ident.replace("_", " ").title())


def format_count(value: float) -> str:
    """A count for a label: 950, 9.5k, 95k, 1.2M."""
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


COUNT_FORMATTER = FuncFormatter(lambda v, _pos: format_count(v))


# --------------------------------------------------------------------------- shared drawing helpers


def new_figure(width: float, height: float, caption: str) -> tuple[Figure, Any]:
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


def format_date_axis(ax: Axes, label: bool = True, span_days: float | None = None) -> None:
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


def dates(frame: pd.DataFrame) -> pd.Series:
    """The ``date`` column as timestamps."""
    return pd.to_datetime(frame["date"])


def has_bands(frame: pd.DataFrame, column: str) -> bool:
    """Whether ``frame`` holds ensemble percentile columns of ``column``."""
    return f"{column}_p50" in frame.columns


def median_column(frame: pd.DataFrame, column: str) -> str:
    """Name of the column holding the central value of ``column`` in ``frame``."""
    if column in frame.columns:
        return column
    if has_bands(frame, column):
        return f"{column}_p50"
    raise KeyError(f"column '{column}' (or '{column}_p50') not in table; has {list(frame.columns)}")


def draw_series(
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
    x = dates(frame)
    if has_bands(frame, column):
        for lo, hi, alpha in (("p05", "p95", 0.15), ("p25", "p75", 0.3)):
            if f"{column}_{lo}" in frame.columns and f"{column}_{hi}" in frame.columns:
                ax.fill_between(x, frame[f"{column}_{lo}"], frame[f"{column}_{hi}"],
                                color=color, alpha=alpha, linewidth=0)
        y = frame[f"{column}_p50"]
    else:
        y = frame[column]
    ax.plot(x, y, color=color, label=label, linewidth=linewidth, linestyle=linestyle)


def band_legend_handles(color: str = "#777777") -> list[Any]:
    """Legend entries explaining the median line and the two bands."""
    return [
        Line2D([], [], color=color, linewidth=1.6, label="ensemble median"),
        Patch(facecolor=color, alpha=0.45, label="25–75 % of runs"),
        Patch(facecolor=color, alpha=0.15, label="5–95 % of runs"),
    ]


# --------------------------------------------------------------------------- saving, run folders


_SVG_HASHED_ID = re.compile(r'id="([pm][0-9a-f]{10})"')


def renumber_svg_ids(svg: str) -> str:
    """The SVG with its hashed clip-path and marker ids renumbered in order of first definition.

    Matplotlib names a clip path by a hash of its rectangle's full float values, so a layout
    whose last bit differs between two runs (numpy's vectorised sums depend on the arrays'
    memory alignment) gives other ids for the same drawing. Numbering them in order keeps equal
    figures byte-equal.
    """
    counts = {"p": 0, "m": 0}
    for old in dict.fromkeys(_SVG_HASHED_ID.findall(svg)):
        prefix = old[0]
        svg = svg.replace(old, f"{prefix}{counts[prefix]:010d}")
        counts[prefix] += 1
    return svg


def save_figure(fig: Figure, directory: str | os.PathLike[str], stem: str, *, dpi: int = PNG_DPI) -> list[Path]:
    """Write ``fig`` as ``<stem>.png`` (150 dpi unless ``dpi`` says otherwise) and ``<stem>.svg``, each atomically.

    No software or date metadata is embedded, so equal figures give equal files.

    Args:
        fig: The figure.
        directory: Target folder (created if missing).
        stem: File name without extension.
        dpi: Resolution of the PNG.

    Returns:
        ``[png_path, svg_path]``.
    """
    out = Path(directory)
    paths = []
    for ext, kwargs in (("png", {"dpi": dpi, "metadata": {"Software": None}}),
                        ("svg", {"metadata": {"Date": None}})):
        def draw(tmp: Path, ext: str = ext, kwargs: dict = kwargs) -> None:
            # a fixed salt makes the SVG's element ids (clip paths, glyphs) the same from run to run
            with matplotlib.rc_context({"svg.hashsalt": f"flowsim-{stem}"}):
                fig.savefig(tmp, format=ext, **kwargs)
            if ext == "svg":
                tmp.write_text(renumber_svg_ids(tmp.read_text(encoding="utf-8")), encoding="utf-8")

        paths.append(write_atomic(out / f"{stem}.{ext}", draw))
    return paths
