"""The dashboard on an imported Flee case: the network kind's page, stepped day by day.

The case is the shipped burundi2015 (a network scenario), cut to 120 days and run at 200 people
per agent so a day takes milliseconds. The page is rendered by Solara without a browser, as in
``test_dashboard.py``: its charts are each camp's people against its observed series and the
totals; the day's numbers include Flee's ARD so far; the closures are its dated events.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import ipywidgets as widgets
import numpy as np
import pytest
from helpers.dashboard_page import button, page_text, render
from helpers.paths import BASELINE, ROOT
from PIL import Image

from flowsim.dashboard.model import DashboardModel
from flowsim.kinds.network.dashboard import pages
from flowsim.kinds.registry import load_any_scenario
from flowsim.run.simulate import simulate

SCALE = 200
DAYS = 120
CASE = ROOT / "scenarios" / "flee" / "burundi2015.yaml"


@pytest.fixture(scope="module")
def burundi(tmp_path_factory) -> Path:
    """burundi2015 cut to 120 days, beside its case folder (it names the case relative to itself)."""
    text = CASE.read_text(encoding="utf-8")
    days = next(line for line in text.splitlines() if line.strip().startswith("days:"))
    path = tmp_path_factory.mktemp("flee") / "burundi2015.yaml"
    path.write_text(text.replace(days, f"  days: {DAYS}").replace("case: burundi2015",
                                                                  f"case: {CASE.parent / 'burundi2015'}"))
    return path


def test_the_page_steps_a_flee_case_and_draws_each_camp_against_its_observed_series(burundi):
    model, rc = render(burundi, scale=SCALE)
    assert model.value.error is None and model.value.total_days == DAYS
    for _ in range(30):
        button(rc, "Step").click()
    images = rc.find(widgets.Image).widgets
    assert len(images) == 2 and all(bytes(i.value[:4]) == b"\x89PNG" for i in images)
    text = page_text(rc)
    assert "Day 30 of 120 · 30 May 2015" in text
    assert "Flee's ARD over the 30 days so far" in text and "in camps now, observed" in text
    for camp in ("Nyarugusu", "Nduta", "Mahama", "Nakivale", "Lusenda"):
        assert re.search(rf"<td[^>]*>{camp}</td>", text), f"{camp} is not in the table of camps today"
    assert "Dated events" in text and "camp closed: Nduta" in text


def test_stepped_to_the_end_the_page_has_the_tables_of_flowsim_run(burundi):
    model = DashboardModel(scenario_file=str(burundi), seed=3, scale=SCALE)
    while model.running:
        model.step()
    run = simulate(load_any_scenario(burundi), seed=3, scale=SCALE)
    assert model.days_run == DAYS
    assert model.tables().camps.equals(run.camps) and model.tables().daily.equals(run.daily)


def test_the_camps_chart_shows_the_run_catching_up_with_the_observed_series(burundi):
    model = DashboardModel(scenario_file=str(burundi), seed=3, scale=SCALE)
    chart = pages.make_chart(model, "camps")
    assert chart.camps[0] == "Nyarugusu" and len(chart.camps) == 5  # the largest observed camp first
    pictures = []
    for day in range(1, DAYS + 1):
        model.step()
        png = chart.png(model.tables(), None)
        if day in (60, 120):
            pictures.append(np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float))
    changed = np.abs(pictures[0] - pictures[1]).max(axis=2) > 40
    assert changed.mean() > 0.001, "sixty more days of camp series changed nothing in the picture"
    assert chart.full_draws < 10, "the frame is redrawn only when an axis grows"


def test_a_network_run_takes_a_whole_number_of_people_per_agent(burundi):
    model = DashboardModel(scenario_file=str(burundi), scale=2.5)
    assert model.error is not None and "whole number of people per agent" in model.error
    assert model.running is False


def test_a_flee_case_is_compared_with_a_scenario_of_its_own_kind_only(burundi):
    model = DashboardModel(scenario_file=str(burundi), scale=SCALE, compare_with_baseline=True,
                           baseline_file=str(BASELINE))
    assert model.error is None and model.baseline is None
    assert model.notes == ["mobilization_2022.yaml is a mobilization scenario: a network scenario is compared "
                           "with one of its own kind only."]
