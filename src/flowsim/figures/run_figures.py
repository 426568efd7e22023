"""Every figure of a run folder (:func:`plot_run`), and the caption of each.

:func:`plot_run` reads a run folder (single run: ``daily.csv``; ensemble:
``daily_bands.csv``) and writes every figure its tables allow to ``<run>/figures/`` as
PNG (150 dpi) and SVG.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flowsim.figures.fit import plot_fit
from flowsim.figures.flows import plot_flows_sankey
from flowsim.figures.map import plot_map
from flowsim.figures.queues import plot_queues
from flowsim.figures.style import save_figure
from flowsim.figures.tables import caption_for, events_for, load_run, major_events
from flowsim.figures.timeseries import (
    plot_entries_by_destination,
    plot_kazakhstan_balance,
    plot_rent_index,
    plot_wave_stock,
)

FIGURE_CAPTIONS: dict[str, str] = {
    "01_kazakhstan_entries_exits": "Daily entries into and exits from Kazakhstan (everyone crossing), "
    "with the documented figures; shading marks days when more people left than arrived.",
    "02_entries_by_destination": "Daily entries by destination (all travellers and the exodus), "
    "with the scenario's dated events.",
    "03_wave_stock": "People of the exodus present in each destination at the end of each day.",
    "04_queues": "People waiting and mean wait at the busiest crossings (top by peak queue).",
    "05_rent_index": "Rent index per destination (1.0 = level before 21 September).",
    "06_where_people_went": "Where people went: origin region, first destination, "
    "then onward destination, return home, or stayed.",
    "07_map": "Map: origins, crossings and destinations on coastlines and country borders; "
    "arrows scaled by first-entry flows.",
    "08_fit_to_sources": "Fit to the sources: each documented interval against the simulated value "
    "(ratio to the documented midpoint).",
}
"""One-line caption for each figure stem written by :func:`plot_run`."""


def plot_run(run_dir: str | os.PathLike[str], out_dir: str | os.PathLike[str] | None = None) -> list[Path]:
    """Draw every figure a run folder's tables allow and save them under ``<run>/figures/``.

    A folder with ``daily.csv`` is a single run; one with only ``daily_bands.csv`` (and
    ``crossings_bands.csv``) is an ensemble, drawn as medians with bands. Figures whose
    tables are missing (e.g. no ``places.csv`` → no map, no ``validation.csv`` → no fit
    figure) are skipped.

    Args:
        run_dir: The run folder.
        out_dir: Where to write the figures (default ``<run_dir>/figures``).

    Returns:
        Paths of the PNG files written, in figure order (SVGs sit beside them).

    Raises:
        RunFolderError: The folder cannot be plotted.
    """
    t = load_run(run_dir)
    out = Path(out_dir) if out_dir is not None else t.run_dir / "figures"
    cap = caption_for(t.manifest)
    bands = t.daily_bands if t.is_ensemble else None
    daily = t.daily_like
    events = events_for(t)
    dest_names = t.names("destination")
    builders: list[tuple[str, Any]] = [
        ("01_kazakhstan_entries_exits",
         lambda: plot_kazakhstan_balance(daily, t.validation, bands=bands, caption=cap)),
        ("02_entries_by_destination",
         lambda: plot_entries_by_destination(daily, events, bands=bands, names=dest_names, caption=cap)),
        ("03_wave_stock",
         lambda: plot_wave_stock(daily, bands=bands, names=dest_names, events=major_events(events),
                                 caption=cap)),
    ]
    crossings = t.crossings if t.crossings is not None else t.crossings_bands
    if crossings is not None:
        cb = t.crossings_bands if t.crossings is None else None
        builders.append(("04_queues", lambda: plot_queues(crossings, bands=cb, names=t.names("crossing"),
                                                          caption=cap)))
    builders.append(("05_rent_index", lambda: plot_rent_index(daily, bands=bands, validation=t.validation,
                                                              names=dest_names, caption=cap)))
    names = {**t.names("origin"), **dest_names}
    if t.flows is not None:
        builders.append(("06_where_people_went", lambda: plot_flows_sankey(t.flows, names=names, caption=cap)))
    if t.places is not None:
        builders.append(("07_map", lambda: plot_map(t.places, t.flows, crossings, caption=cap)))
    if t.validation is not None and not t.validation.empty:
        builders.append(("08_fit_to_sources", lambda: plot_fit(t.validation, caption=cap)))
    written = []
    for stem, build in builders:
        fig = build()
        written.append(save_figure(fig, out, stem)[0])
    return written
