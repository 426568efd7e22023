"""The dashboard page: Mesa's ``SolaraViz`` around :class:`~flowsim.dashboard.model.DashboardModel`.

``SolaraViz`` gives the sidebar (Step, Play/Pause, Reset, the play interval as the speed
control, and the model parameters: scenario, seed, agent scale, "Compare with baseline" and
one slider per calibrated parameter over its calibration range). The main area has the tabs
of panels of the scenario's kind, each a component that redraws after every simulated day:
the kind names the module of its pages (:attr:`~flowsim.kinds.protocol.ScenarioKind.dashboard_pages`:
``COMPONENTS``, ``TITLE``), built from the pieces here (the run's heading, the dated events,
a live chart per panel), so this module knows no kind.

The parameters apply when Reset is pressed, as in every Mesa page. Solara serves the page
(:mod:`flowsim.dashboard.server`); :func:`configure` tells it which scenario to open.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import markdown
import pandas as pd
import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from flowsim.dashboard.livechart import LiveChart
from flowsim.dashboard.model import BASELINE_FILE, DashboardModel, DayTables, model_params, scenario_choices
from flowsim.errors import FlowsimError
from flowsim.kinds.registry import kind_of, kind_of_file

PLAY_INTERVAL_MS = 150

@dataclass
class Settings:
    """What the page opens with (set by :func:`configure` before the server starts)."""

    scenario_file: str = BASELINE_FILE
    choices: list[str] = field(default_factory=lambda: scenario_choices(None))


SETTINGS = Settings()


def configure(scenario_file: str | None = None, folder: str | Path = "scenarios") -> Settings:
    """Open the page on ``scenario_file`` (default: the baseline), offering it and the scenarios in ``folder``."""
    SETTINGS.choices = scenario_choices(scenario_file, folder)
    SETTINGS.scenario_file = scenario_file or SETTINGS.choices[0]
    return SETTINGS


def initial_arguments(params: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of the first model: each input's starting value, and the fixed values."""
    return {name: spec["value"] if isinstance(spec, dict) and "type" in spec else spec
            for name, spec in params.items()}


# --------------------------------------------------------------------------- pieces of every kind's pages


def show_markdown(text: str) -> None:
    """Markdown rendered here into HTML (Solara's own Markdown would fetch KaTeX from a CDN)."""
    html = markdown.markdown(text, extensions=["tables"])
    # only the cell tags: "<th" would also match "<thead>"
    html = re.sub(r"<(td|th)(?=[\s>])", r'<\1 style="padding: 1px 8px"', html)
    solara.HTML(tag="div", unsafe_innerHTML=html,
                classes=["flowsim-text"], style="font-size: 0.9rem")


ChartMaker = Callable[[DashboardModel, str], LiveChart]


@solara.component
def Chart(model: DashboardModel, name: str, day: int, make_chart: ChartMaker) -> None:
    """One chart, redrawn once per simulated ``day`` (not on every render of the page)."""
    chart = solara.use_memo(lambda: make_chart(model, name), dependencies=[id(model), name])
    image = solara.use_memo(lambda: chart.png(model.tables(), model.tables("baseline")),
                            dependencies=[id(model), day, name])
    solara.Image(image, width="100%")


def chart_panels(make_chart: ChartMaker, *names: str) -> tuple[Callable[..., Any], ...]:
    """A panel per chart name: the chart ``make_chart(model, name)`` of the days run so far, or why there is none."""
    def panel(name: str):
        @solara.component
        def Panel(model: DashboardModel) -> None:
            update_counter.get()
            if model.error is not None or model.flow is None:
                solara.Text("Nothing to draw: see the message above.")
            elif model.tables() is None:
                solara.Text("Press Step or ▶ to run the first day.")
            else:
                Chart(model, name, model.days_run, make_chart)

        Panel.__name__ = f"{name.title()}Panel"
        return Panel

    return tuple(panel(name) for name in names)


def run_heading(model: DashboardModel) -> bool:
    """The day counter, the run's settings and its notes (or its error); True when a day has run."""
    if model.error is not None:
        solara.Error(model.error)
        return False
    date = model.date.strftime("%-d %B %Y") if model.date else "before the first day"
    solara.Text(f"Day {model.days_run} of {model.total_days} · {date}", classes=["flowsim-today"],
                style={"font-size": "1.25rem", "font-weight": "500"})
    each = "one agent per person" if model.scale == 1 else f"{model.scale:g} people per agent"
    run = f"**{model.flow.config.name}**, seed {model.seed}, {each}"
    if model.baseline is not None:
        run += f"; faint lines: **{model.baseline.config.name}**, same seed"
    show_markdown(run)
    for note in model.notes:
        solara.Warning(note, dense=True)
    if model.tables() is None:
        show_markdown("Press **Step** (one day) or **▶** (play) in the sidebar.")
        return False
    return True


def today_panel(numbers: Callable[[DayTables], str]) -> Callable[..., Any]:
    """The panel of the run's heading (:func:`run_heading`) and today's numbers, ``numbers(today's tables)`` in markdown."""
    @solara.component
    def TodayPanel(model: DashboardModel) -> None:
        update_counter.get()
        with solara.Column(gap="4px"):
            if run_heading(model):
                show_markdown(numbers(model.tables()))

    return TodayPanel


def table_markdown(heading: str, rows: list[tuple[str, int]]) -> str:
    """Two columns, a label and a count of people, as a markdown table."""
    return "\n".join([f"| {heading} | people |", "|---|---:|"] + [f"| {label} | {value:,} |" for label, value in rows])


@solara.component
def EventsPanel(model: DashboardModel) -> None:
    """The scenario's dated events, numbered as on the time axes; those already past in bold."""
    update_counter.get()
    events = model.events()
    if not events:
        solara.Text("No dated events." if model.error is None else "")
        return
    today = pd.Timestamp(model.date) if model.date else None
    lines = ["#### Dated events", "| # | date | event | concerns |", "|---:|---|---|---|"]
    for number, e in enumerate(events, start=1):
        past = today is not None and e["date"] <= today
        text = f"**{e['label']}**" if past else e["label"]
        lines.append(f"| {number} | {e['date']:%-d %b} | {text} | {e['country'] or 'all'} |")
    show_markdown("\n".join(lines))


@solara.component
def MessagePanel(model: DashboardModel) -> None:
    """Why nothing runs (the scenario's kind could not be told)."""
    update_counter.get()
    solara.Error(model.error or "No scenario is open.")


def pages_of(model: DashboardModel) -> ModuleType | None:
    """The dashboard pages of the model's scenario kind (None: its kind cannot be told, or has none)."""
    try:
        kind = kind_of(model.flow.config) if model.flow is not None else kind_of_file(model.scenario_file)
    except FlowsimError:
        return None
    return importlib.import_module(kind.dashboard_pages) if kind.dashboard_pages else None


@solara.component
def DayCounter(model: solara.Reactive[DashboardModel]) -> None:
    """'Day 30 of 102 · 20 Oct 2022' in the title bar."""
    update_counter.get()
    m = model.value
    date = f" · {m.date:%-d %b %Y}" if m.date else ""
    solara.Text(f"Day {m.days_run} of {m.total_days}{date}", classes=["flowsim-day"])


@solara.component
def Dashboard(model: solara.Reactive[DashboardModel], params: dict[str, Any]) -> None:
    """Mesa's ``SolaraViz`` with flowsim's panels and controls, and the day counter in the title bar."""
    pages = pages_of(model.value)
    with solara.AppBar():
        DayCounter(model)
    SolaraViz(model, components=pages.COMPONENTS if pages else [(MessagePanel, 0)], model_params=params,
              name=pages.TITLE if pages else "flowsim", play_interval=PLAY_INTERVAL_MS)


@solara.component
def Page() -> None:
    """The page Solara serves: one model per browser tab, opened on the configured scenario."""
    params = solara.use_memo(lambda: model_params(SETTINGS.scenario_file, SETTINGS.choices), [])
    model = solara.use_reactive(solara.use_memo(lambda: DashboardModel(**initial_arguments(params)), []))
    Dashboard(model, params)
