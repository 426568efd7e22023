"""The dashboard's live charts: a day drawn over a kept frame looks like the chart drawn afresh.

Each chart keeps its frame and only moves its data's artists from one day to the next
(:mod:`flowsim.dashboard.livechart`). These tests hold that shortcut to what it replaces: the
picture of a day must match a full drawing of the same tables, no artist may pile up from
day to day, and a y-axis that only grows keeps the figure.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from helpers.paths import BASELINE, ROOT
from PIL import Image

from flowsim.kinds.mobilization.dashboard import pages
from flowsim.dashboard.model import DashboardModel

SCALE = 100
CHARTS = ("entries", "states", "stocks", "rent", "queues", "map")


@pytest.fixture(scope="module")
def days(request):
    """The baseline's model after 10, 30 and 45 days, with each chart kept up to date day by day."""
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.chdir(ROOT)
    request.addfinalizer(monkeypatch.undo)
    model = DashboardModel(scenario_file=str(BASELINE), seed=7, scale=SCALE, compare_with_baseline=False)
    charts = {name: pages.make_chart(model, name) for name in CHARTS}
    snapshots = {}
    for day in range(1, 46):
        model.step()
        for name, chart in charts.items():
            png = chart.png(model.tables(), None)
            if day in (10, 30, 45):
                snapshots[name, day] = png
    return model, charts, snapshots


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float)


@pytest.mark.parametrize("name", CHARTS)
def test_a_day_drawn_over_the_kept_frame_matches_the_chart_drawn_afresh(days, name):
    model, charts, snapshots = days
    fresh = pages.make_chart(model, name)
    fresh._key = charts[name]._key  # the same history of which places are shown
    kept, redrawn = pixels(snapshots[name, 45]), pixels(fresh.png(model.tables(), None))
    assert kept.shape == redrawn.shape
    # the data are drawn over the frame rather than between its layers, so an edge may differ by
    # a shade; one day's stale curve changes 0.7-1.3 % of the picture
    differs = np.abs(kept - redrawn).max(axis=2) > 40
    assert differs.mean() < 0.001, f"{name}: {differs.mean():.2%} of the pixels differ"


@pytest.mark.parametrize("name", CHARTS)
def test_no_artist_piles_up_from_day_to_day(days, name):
    """After 45 days a chart holds its frame and one artist per curve, label or route it keeps."""
    _, charts, _ = days
    chart = charts[name]
    frame_only = chart.draw_frame(chart._key)
    kept_in_axes = sum(1 for artist in chart._kept.values() if artist.axes is not None)
    assert sum(len(ax.get_children()) for ax in chart.figure.axes) == (
        sum(len(ax.get_children()) for ax in frame_only.axes) + kept_in_axes)


def test_the_days_differ_where_the_data_do(days):
    _, _, snapshots = days
    for name in CHARTS:
        assert snapshots[name, 30] != snapshots[name, 45], name


def test_a_growing_axis_keeps_the_figure_and_only_changes_its_limits(days):
    model, _, _ = days
    chart = pages.make_chart(model, "states")
    tables = model.tables()
    chart.png(tables, None)
    figure, top = chart.figure, chart._key
    chart._key = top / 10  # as if yesterday's axis had been ten times shorter
    chart.png(tables, None)
    assert chart.figure is figure
    assert figure.axes[0].get_ylim()[1] == top
