"""The dashboard page rendered by Solara without a browser: it builds, steps, resets, takes parameters.

Components are rendered with ``solara.render`` (reacton) and driven through their widgets:
``Btn.click()`` for the controls, ``v_model`` for sliders, selects and check boxes, as a
browser would. Runs use a coarse agent scale so that each test takes a second or two; the
full-scale page is exercised by ``test_dashboard_browser.py`` and by the latency benchmark.
"""

from __future__ import annotations

import logging
import re
import socket

import ipyvuetify as v
import ipywidgets as widgets
import pytest

from helpers.dashboard_page import SCALE, button, page_text, render, show_page
from helpers.paths import ROOT, SHIPPED, TINY
from flowsim.cli import main
from flowsim.dashboard import app
from flowsim.dashboard.model import DashboardModel, model_params, parameter_sliders
from flowsim.errors import ScenarioError
from flowsim.kinds.mobilization.scenario import load_scenario

@pytest.fixture(autouse=True)
def in_repository(monkeypatch):
    """The page lists scenarios relative to the folder it runs in, like ``flowsim dashboard``."""
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize("scenario", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_the_page_builds_for_every_shipped_scenario(scenario):
    model, rc = render(scenario)
    assert model.value.error is None
    assert model.value.flow.config.name == load_scenario(scenario).name
    button(rc, "Step").click()
    for page, charts in ((0, 4), (1, 2)):
        show_page(rc, page)
        images = rc.find(widgets.Image).widgets
        assert len(images) == charts and all(bytes(i.value[:4]) == b"\x89PNG" for i in images)
    show_page(rc, 2)
    rc.find(v.Btn, children=["Pick someone"]).assert_single()
    assert f"Day 1 of {model.value.total_days} · {model.value.date:%-d %B %Y}" in page_text(rc)


def test_page_opens_on_the_configured_scenario():
    upper_lars = ROOT / "scenarios" / "what_if" / "upper_lars_closed.yaml"
    settings = app.configure(str(upper_lars), ROOT / "scenarios")
    try:
        assert settings.choices[0] == str(upper_lars) and len(settings.choices) == len(SHIPPED)
        params = model_params(settings.scenario_file, settings.choices)
        assert params["scenario_file"]["value"] == str(upper_lars)
        assert set(parameter_sliders(load_scenario(upper_lars))) <= set(params)
    finally:
        app.configure(None)


def test_step_advances_the_model_one_day():
    model, rc = render()
    first = model.value
    button(rc, "Step").click()
    assert model.value is first and first.days_run == 1
    assert first.date == first.flow.config.calendar.start
    drawn = [bytes(i.value) for i in rc.find(widgets.Image).widgets]
    button(rc, "Step").click()
    assert first.days_run == 2
    assert len(first.tables().population) == 2
    redrawn = [bytes(i.value) for i in rc.find(widgets.Image).widgets]
    assert len(redrawn) == len(drawn) == 4 and all(a != b for a, b in zip(drawn, redrawn))  # every chart moved on


def test_reset_restores_day_0():
    model, rc = render()
    for _ in range(3):
        button(rc, "Step").click()
    assert model.value.days_run == 3
    button(rc, "Reset").click()
    assert model.value.days_run == 0 and model.value.date is None
    assert model.value.flow.people.n == 0
    assert f"Day 0 of {model.value.total_days} · before the first day" in page_text(rc)


def test_changing_a_slider_changes_the_models_parameter():
    model, rc = render()
    slider = rc.find(v.Slider, label="leaving · shock hazard").widget
    assert model.value.flow.config.behaviour.leaving.shock_hazard == pytest.approx(slider.v_model)
    slider.v_model = 0.0025
    button(rc, "Reset").click()
    assert model.value.flow.config.behaviour.leaving.shock_hazard == pytest.approx(0.0025)
    assert model.value.parameters == {"behaviour.leaving.shock_hazard": 0.0025}


def test_seed_and_scale_apply_on_reset():
    model, rc = render()
    seed = rc.find(v.TextField, label="Seed (whole number)").widget
    seed.v_model = "11"
    seed.fire_event("keyup.enter", None)  # the seed is taken when Enter is pressed or the field is left
    rc.find(v.Select, label="Agent scale (people per agent)").widget.v_model = 100
    button(rc, "Reset").click()
    assert (model.value.seed, model.value.scale) == (11, 100)


def test_an_unmoved_slider_keeps_a_what_ifs_own_value():
    model = DashboardModel(scenario_file=str(TINY), scale=SCALE,
                           parameter_defaults={"behaviour.leaving.shock_hazard": 0.5},
                           **{"behaviour.leaving.shock_hazard": 0.5})
    assert model.parameters == {}
    assert model.flow.config.behaviour.leaving.shock_hazard == load_scenario(TINY).behaviour.leaving.shock_hazard


def test_compare_with_baseline_runs_the_baseline_with_the_same_seed():
    whatif = ROOT / "scenarios" / "what_if" / "upper_lars_closed.yaml"
    model, rc = render(whatif)
    rc.find(v.Checkbox, label="Compare with baseline").widget.v_model = True
    button(rc, "Reset").click()
    m = model.value
    assert m.baseline is not None and m.baseline.config.name == "mobilization_2022"
    for _ in range(30):  # ten days past the announcement
        m.step()
    button(rc, "Step").click()
    scenario, baseline = m.tables(), m.tables("baseline")
    assert len(baseline.daily) == len(scenario.daily)
    georgia = baseline.daily["country"] == "georgia"
    assert baseline.daily.loc[georgia, "wave_entries"].sum() > scenario.daily.loc[
        scenario.daily["country"] == "georgia", "wave_entries"].sum()
    assert "faint lines: <strong>mobilization_2022</strong>, same seed" in page_text(rc)


def test_one_person_can_be_picked_and_followed():
    model, rc = render()
    for _ in range(11):
        model.value.step()
    button(rc, "Step").click()
    show_page(rc, 2)
    button(rc, "Pick someone").click()
    m = model.value
    assert m.followed is not None and 0 <= m.followed < m.flow.people.n
    person = m.flow.person(m.followed)
    for _ in range(4):
        m.step()
    button(rc, "Step").click()
    assert m.trajectory and m.trajectory[0][2] in {person.origin, person.crossing, person.location}
    assert re.search(rf"<td[^>]*>person</td>\s*<td[^>]*>#{person.index}</td>", page_text(rc))


def test_a_bad_scenario_renders_its_error_in_the_page_and_on_the_console(tmp_path, caplog):
    bad = tmp_path / "bad.yaml"
    bad.write_text(TINY.read_text().replace("calendar:", "calender:", 1))
    with pytest.raises(ScenarioError) as raised:
        load_scenario(bad)
    with caplog.at_level(logging.ERROR, logger="flowsim.dashboard"):
        model, rc = render(bad)
    assert model.value.error == raised.value.message
    alert = rc.find(v.Alert).widget
    assert raised.value.message in str(alert.children)
    assert "Traceback" not in str(alert.children)
    assert [r.getMessage() for r in caplog.records] == [raised.value.message]
    button(rc, "Step").click()  # nothing to step: the model stands still and the button greys out
    assert model.value.days_run == 0 and button(rc, "Step").disabled


def test_a_missing_scenario_file_is_explained(tmp_path):
    model = DashboardModel(scenario_file=str(tmp_path / "nowhere.yaml"))
    assert "does not exist" in model.error and model.running is False
    model.step()
    assert model.days_run == 0


def test_a_bad_seed_is_explained():
    model = DashboardModel(scenario_file=str(TINY), seed="seven")
    assert model.error == "The seed must be a whole number such as 7, not 'seven'."


def test_a_taken_port_is_one_paragraph_and_exit_2(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["dashboard", str(TINY), "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("flowsim dashboard: cannot serve the dashboard on 127.0.0.1:") and "--port" in err
    assert "Traceback" not in err
