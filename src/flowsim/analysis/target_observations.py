"""A targets file as a kind's observations: the documented figures a mobilization run is held to.

:class:`TargetObservations` is how the shared validation and calibration see a
:class:`~flowsim.analysis.targets.TargetSet` (the :class:`~flowsim.kinds.protocol.Observations`
of the mobilization kind): a run's statistics are its target values and documented series
points, its distance :func:`~flowsim.analysis.targets.calibration_distance`, and what a
validation keeps of a run its target values, series points and the daily border counts of
:data:`FIGURE_COUNTRIES` and of the areas whose points count only some posts (for the
documented-vs-simulated figure).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from flowsim.analysis.series import POST_ENTRY_COLUMNS, SeriesPoint, series_table
from flowsim.analysis.targets import OUTSIDE, TargetSet, calibration_distance, series_values, simulated_values
from flowsim.kinds.protocol import Observations, RunOutput
from flowsim.scenario.spec import ScenarioSpec

FIGURE_COUNTRIES = ("kazakhstan", "georgia", "schengen")
"""Countries whose daily border counts a validation keeps for the documented-vs-simulated figure."""


def figure_counts(daily: pd.DataFrame, crossings: pd.DataFrame | None = None,
                  points: Sequence[SeriesPoint] = ()) -> pd.DataFrame:
    """The daily entries and exits of :data:`FIGURE_COUNTRIES` (every country's where none is there),
    and the daily entries of each area whose documented points count only some posts.

    An area's points (Finland's three posts, Upper Lars) are scored against the entries at their
    own posts, so the figure draws them beside those entries, not beside the whole country's.
    """
    kept = daily[daily["country"].isin(FIGURE_COUNTRIES)]
    counts = (kept if len(kept) else daily)[["date", "country", "entries_total", "exits_total"]]
    areas = {p.region: tuple(p.crossings) for p in points if p.crossings is not None}
    if crossings is None or not areas:
        return counts
    frames = [counts]
    for area, posts in areas.items():
        at_posts = crossings[crossings["crossing"].isin(posts)]
        entries = at_posts[POST_ENTRY_COLUMNS].sum(axis=1).groupby(at_posts["date"]).sum()
        frames.append(pd.DataFrame({"date": entries.index, "country": area, "entries_total": entries.to_numpy(),
                                    "exits_total": np.nan}))
    return pd.concat(frames, ignore_index=True)


class TargetObservations:
    """The documented figures of a targets file, as the observations runs are validated and calibrated on."""

    def __init__(self, targets: TargetSet) -> None:
        self.targets = targets
        self.ids = list(targets.ids)
        self.observed = {t.id: 0.0 for t in targets}

    def fitted(self, scenario: ScenarioSpec) -> ScenarioSpec:
        return scenario  # the targets say which dates they cover

    def statistics(self, tables: Mapping[str, pd.DataFrame]) -> dict[str, float]:
        return {**simulated_values(self.targets, tables), **series_values(self.targets, tables)}

    def distance(self, statistics: Mapping[str, float]) -> float:
        return calibration_distance(statistics, self.targets)

    def describe_distance(self) -> str:
        targets = self.targets
        return (f"sum over calibration targets outside their interval of weight x ({OUTSIDE:g} + relative miss)"
                + (f" + {targets.series_weight:g} x mean squared relative difference over "
                   f"{len(targets.series)} documented series points" if targets.series_weight > 0 else ""))

    def of_run(self, run: RunOutput) -> dict[str, Any]:
        tables = run.tables()
        daily = tables["daily"]
        return {"values": simulated_values(self.targets, tables),
                "series": series_table(self.targets.series, daily, tables.get("crossings")).to_dict("records"),
                "daily": figure_counts(daily, tables.get("crossings"), self.targets.series).to_dict("records")}


def as_observations(observed: TargetSet | Observations) -> Observations:
    """A targets file as observations; observations as they are."""
    return TargetObservations(observed) if isinstance(observed, TargetSet) else observed
