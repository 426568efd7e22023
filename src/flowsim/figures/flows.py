"""Figure 6: where people went, an alluvial diagram origin region → first destination → later destination."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MplPath

from flowsim.figures.style import country_colors, format_count, new_figure, pretty_name


# --------------------------------------------------------------------------- 6. alluvial


def _outcome_of(first: str, later: str) -> str:
    return "stayed" if later in ("stayed", first) else later


def plot_flows_sankey(
    flows: pd.DataFrame,
    *,
    names: Mapping[str, str] | None = None,
    min_origin_share: float = 0.01,
    caption: str = "",
) -> Figure:
    """Alluvial diagram: origin region → first destination → onward destination / home / stayed.

    Ribbons are coloured by first destination. Origins with less than
    ``min_origin_share`` of all leavers are pooled as "other regions" so labels stay
    readable.

    Args:
        flows: ``flows.csv`` table (origin, first_destination, later_destination, count).
        names: Display names by id (origins and destinations).
        min_origin_share: Origins below this share of the total are pooled.
        caption: Caption line.

    Returns:
        The figure.
    """
    f = flows[flows["count"] > 0].copy()
    f["first_destination"] = f["first_destination"].astype(str)
    f["outcome"] = [_outcome_of(a, str(b)) for a, b in zip(f["first_destination"], f["later_destination"])]
    total = float(f["count"].sum())
    fig, body = new_figure(11, 8.0, caption)
    ax = body.add_subplot()
    ax.set_axis_off()
    ax.set_title("Where people went: origin region → first destination → afterwards")
    if total <= 0:
        ax.text(0.5, 0.5, "No one crossed in this run", ha="center", va="center", transform=ax.transAxes)
        return fig
    by_origin = f.groupby("origin")["count"].sum()
    small = by_origin[by_origin < min_origin_share * total].index
    if len(small) > 1:
        f["origin"] = f["origin"].where(~f["origin"].isin(small), "other regions")
    f["origin"] = f["origin"].astype(str)

    def order_of(col: str, last: Sequence[str] = ()) -> list[str]:
        sums = f.groupby(col)["count"].sum().sort_values(ascending=False)
        return [k for k in sums.index if k not in last] + [k for k in last if k in sums.index]

    columns = [order_of("origin", ("other regions",)), order_of("first_destination"),
               order_of("outcome", ("stayed", "home"))]
    keys = ["origin", "first_destination", "outcome"]
    colors = country_colors(set(columns[1]) | set(columns[2]))
    xs, width, gap = (0.0, 0.45, 0.9), 0.018, 0.012
    nodes: list[dict[str, tuple[float, float]]] = []
    for col, key in zip(columns, keys):
        sums = f.groupby(key)["count"].sum()
        avail = 1.0 - gap * (len(col) - 1)
        y, pos = 1.0, {}
        for k in col:
            h = sums[k] / total * avail
            pos[k] = (y - h, y)
            y -= h + gap
        nodes.append(pos)
    for level in (0, 1):
        src_key, dst_key = keys[level], keys[level + 1]
        links = (f.assign(ribbon=f["first_destination"]).groupby([src_key, dst_key])
                 .agg(count=("count", "sum"), color=("ribbon", "first")).reset_index())
        src_off = {k: v[1] for k, v in nodes[level].items()}
        dst_off = {k: v[1] for k, v in nodes[level + 1].items()}
        rank_src = {k: i for i, k in enumerate(columns[level])}
        rank_dst = {k: i for i, k in enumerate(columns[level + 1])}
        links["rs"], links["rd"] = links[src_key].map(rank_src), links[dst_key].map(rank_dst)
        # Ribbons leave each source in target order and reach each target in source order,
        # so they do not cross inside a node.
        heights = {}
        for _, link in links.sort_values(["rs", "rd"]).iterrows():
            h = link["count"] / total * (1.0 - gap * (len(columns[level]) - 1))
            heights[(link[src_key], link[dst_key])] = h
        starts = {}
        for _, link in links.sort_values(["rs", "rd"]).iterrows():
            k = (link[src_key], link[dst_key])
            starts[k] = src_off[link[src_key]]
            src_off[link[src_key]] -= heights[k]
        for _, link in links.sort_values(["rd", "rs"]).iterrows():
            k = (link[src_key], link[dst_key])
            h = heights[k] * (1.0 - gap * (len(columns[level + 1]) - 1)) / (1.0 - gap * (len(columns[level]) - 1))
            y1 = dst_off[link[dst_key]]
            dst_off[link[dst_key]] -= h
            _ribbon(ax, xs[level] + width, starts[k], starts[k] - heights[k], xs[level + 1], y1, y1 - h,
                    color=colors[link["color"]])
    for level, (x, pos) in enumerate(zip(xs, nodes)):
        for k, (y0, y1) in pos.items():
            color = "#8c8c8c" if level == 0 else colors[k]
            ax.add_patch(Rectangle((x, y0), width, y1 - y0, facecolor=color, edgecolor="none", zorder=3))
            value = (y1 - y0) / (1.0 - gap * (len(pos) - 1)) * total
            text = f"{pretty_name(k, names)}  {format_count(value)}"
            if level == 0:
                ax.text(x - 0.008, (y0 + y1) / 2, text, ha="right", va="center", fontsize=8)
            else:
                ax.text(x + width + 0.008, (y0 + y1) / 2, text, ha="left", va="center", fontsize=8, zorder=4,
                        bbox={"facecolor": "white", "alpha": 0.75, "edgecolor": "none", "pad": 0.8})
    for x, head in zip(xs, ("Origin region", "First destination", "Afterwards: moved on to…, stayed, or home")):
        ax.text(x + width / 2, 1.025, head, ha="center", va="bottom", fontsize=10, fontweight="bold")
    ax.set_xlim(-0.2, 1.12)
    ax.set_ylim(-0.01, 1.06)
    ax.text(0.5, 0.0, f"{format_count(total)} people crossed; ribbon width ∝ people, coloured by first "
            "destination.", transform=ax.transAxes, ha="center", va="top", fontsize=8, color="#333333")
    return fig


def _ribbon(ax: Axes, x0: float, y0_top: float, y0_bot: float, x1: float, y1_top: float, y1_bot: float,
            color: str) -> None:
    mid = (x0 + x1) / 2
    verts = [(x0, y0_top), (mid, y0_top), (mid, y1_top), (x1, y1_top), (x1, y1_bot),
             (mid, y1_bot), (mid, y0_bot), (x0, y0_bot), (x0, y0_top)]
    codes = [MplPath.MOVETO, MplPath.CURVE4, MplPath.CURVE4, MplPath.CURVE4, MplPath.LINETO,
             MplPath.CURVE4, MplPath.CURVE4, MplPath.CURVE4, MplPath.CLOSEPOLY]
    ax.add_patch(PathPatch(MplPath(verts, codes), facecolor=color, alpha=0.45, edgecolor="none", zorder=2))
