"""The dashboard page: Mesa's ``SolaraViz`` around :class:`~flowsim.dashboard.model.DashboardModel`.

``SolaraViz`` gives the sidebar (Step, Play/Pause, Reset, the play interval as the speed
control, and the model parameters: scenario, seed, agent scale, "Compare with baseline" and
one slider per calibrated parameter over its calibration range). The main area has three
tabs of panels, each a component that redraws after every simulated day:

- page 0, the exodus day by day: today's numbers, entries and exits per destination,
  where people are, stocks abroad, rent index, the dated events;
- page 1, the borders: today's numbers, queues and waits, the map of the routes, the busiest
  crossings today (every column the model records, new ones included);
- page 2, one person: pick a man of the exodus and follow him.

The parameters apply when Reset is pressed, as in every Mesa page. Solara serves the page
(:mod:`flowsim.dashboard.server`); :func:`configure` tells it which scenario to open.
"""

from __future__ import annotations

import re

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import markdown
import numpy as np
import pandas as pd
import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from flowsim.dashboard import panels
from flowsim.dashboard.model import BASELINE_FILE, DashboardModel, model_params, scenario_choices
from flowsim.run.seeds import random_stream

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


# --------------------------------------------------------------------------- panels


def _names(model: DashboardModel, kind: str) -> dict[str, str]:
    places = model.places()
    if places is None:
        return {}
    rows = places[places["kind"] == kind]
    return dict(zip(rows["id"], rows["name"]))


def _calendar(model: DashboardModel) -> tuple[Any, Any]:
    calendar = model.flow.config.calendar
    return calendar.start, calendar.end


def _markdown(text: str) -> None:
    """Markdown rendered here into HTML (Solara's own Markdown would fetch KaTeX from a CDN)."""
    html = markdown.markdown(text, extensions=["tables"])
    # only the cell tags: "<th" would also match "<thead>"
    html = re.sub(r"<(td|th)(?=[\s>])", r'<\1 style="padding: 1px 8px"', html)
    solara.HTML(tag="div", unsafe_innerHTML=html,
                classes=["flowsim-text"], style="font-size: 0.9rem")


def make_chart(model: DashboardModel, name: str) -> panels.LiveChart:
    """The live chart ``name`` of this model's run (made once per model, redrawn every day)."""
    common = {"compare": model.baseline is not None}
    calendar, events = _calendar(model), model.events()
    if name == "entries":
        return panels.EntriesChart(calendar, events, **common)
    if name == "states":
        return panels.StatesChart(calendar, events, **common)
    if name == "stocks":
        return panels.CountryLinesChart(calendar, events, column="wave_stock", ylabel="People present",
                                        title="People of the exodus present in each country",
                                        names=_names(model, "destination"), **common)
    if name == "rent":
        return panels.CountryLinesChart(calendar, events, column="rent_index", ylabel="Rent index",
                                        title="Rent index (1.0 = before 21 September)",
                                        names=_names(model, "destination"), **common)
    if name == "queues":
        return panels.QueuesChart(calendar, events, names=_names(model, "crossing"), **common)
    return panels.MapChart(calendar, events, places=model.places(), **common)


@solara.component
def Chart(model: DashboardModel, name: str, day: int) -> None:
    """One chart, redrawn once per simulated ``day`` (not on every render of the page)."""
    chart = solara.use_memo(lambda: make_chart(model, name), dependencies=[id(model), name])
    image = solara.use_memo(lambda: chart.png(model.tables(), model.tables("baseline")),
                            dependencies=[id(model), day, name])
    solara.Image(image, width="100%")


def _chart(model: DashboardModel, name: str) -> None:
    """Draw chart ``name`` for the days run so far, or say why there is nothing to draw."""
    if model.error is not None or model.flow is None:
        solara.Text("Nothing to draw: see the message above.")
    elif model.tables() is None:
        solara.Text("Press Step or ▶ to run the first day.")
    else:
        Chart(model, name, model.days_run)


def _panel(name: str):
    @solara.component
    def Panel(model: DashboardModel) -> None:
        update_counter.get()
        _chart(model, name)

    Panel.__name__ = f"{name.title()}Panel"
    return Panel


EntriesPanel, StatesPanel, StocksPanel, RentPanel, QueuesPanel, MapPanel = (
    _panel(n) for n in ("entries", "states", "stocks", "rent", "queues", "map"))


@solara.component
def TodayPanel(model: DashboardModel) -> None:
    """The day counter, the run's settings and today's headline numbers; the error if there is one."""
    update_counter.get()
    with solara.Column(gap="4px"):
        if model.error is not None:
            solara.Error(model.error)
            return
        date = model.date.strftime("%-d %B %Y") if model.date else "before the first day"
        solara.Text(f"Day {model.days_run} of {model.total_days} · {date}", classes=["flowsim-today"],
                    style={"font-size": "1.25rem", "font-weight": "500"})
        each = "one agent per person" if model.scale == 1 else f"{model.scale:g} people per agent"
        run = f"**{model.flow.config.name}**, seed {model.seed}, {each}"
        if model.baseline is not None:
            run += f"; faint lines: **{model.baseline.config.name}**, same seed"
        _markdown(run)
        for note in model.notes:
            solara.Warning(note, dense=True)
        today = model.tables()
        if today is None:
            _markdown("Press **Step** (one day) or **▶** (play) in the sidebar.")
            return
        now = today.population.iloc[-1]
        left = int(now[["queued", "in_transit", "abroad", "returned"]].sum())
        crossed = int(today.flows["count"].sum())
        rows = [("left home so far (not counting those who gave up)", left),
                ("crossed a border so far", crossed), ("queued at a border now", int(now["queued"])),
                ("on the way now", int(now["in_transit"])), ("abroad now", int(now["abroad"])),
                ("back in Russia", int(now["returned"]))]
        _markdown("\n".join(["| today | people |", "|---|---:|"]
                                  + [f"| {label} | {value:,} |" for label, value in rows]))


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
    _markdown("\n".join(lines))


@solara.component
def CrossingsPanel(model: DashboardModel) -> None:
    """Today's figures at the busiest crossings: every column the model records."""
    update_counter.get()
    today = model.tables()
    if today is None:
        return
    last = today.crossings["date"].iloc[-1]
    rows = today.crossings[today.crossings["date"] == last]
    chosen = panels.busiest_crossings(today.crossings, top=10)
    rows = rows.set_index("crossing").loc[chosen].reset_index()
    columns = [c for c in rows.columns if c not in ("date", "AgentID", "Step")]
    lines = [f"#### Busiest crossings on {pd.Timestamp(last):%-d %b}",
             "| " + " | ".join(c.replace("_", " ") for c in columns) + " |",
             "|" + "|".join("---:" if pd.api.types.is_numeric_dtype(rows[c]) else "---" for c in columns) + "|"]
    for _, row in rows.iterrows():
        lines.append("| " + " | ".join(_cell(row[c]) for c in columns) + " |")
    _markdown("\n".join(lines))


def _cell(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{value:,.1f}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, (int, np.integer)):
        return f"{value:,}"
    return str(value).replace("_", " ")


@solara.component
def PersonPanel(model: DashboardModel) -> None:
    """Pick a man of the exodus and see who he is and where he has been."""
    update_counter.get()
    typed, set_typed = solara.use_state("")
    picks, set_picks = solara.use_state(0)
    flow = model.flow
    if flow is None:
        return
    people = flow.people.n

    def pick_random() -> None:
        if people:
            rng = random_stream(model.seed, model.days_run, picks)
            model.follow(int(rng.integers(people)))
            set_picks(picks + 1)

    def pick_typed(text: str) -> None:
        set_typed(text)
        try:
            index = int(text)
        except ValueError:
            return
        if 0 <= index < people:
            model.follow(index)
            set_picks(picks + 1)

    _markdown(f"#### One person · {people:,} agents of the exodus so far"
                    + (f" (each {model.scale:g} people)" if model.scale != 1 else ""))
    with solara.Row():
        solara.Button("Pick someone", on_click=pick_random, disabled=people == 0, color="primary", outlined=True)
        solara.InputText("or a number", value=typed, on_value=pick_typed, continuous_update=False)
    if model.followed is None or model.followed >= people:
        solara.Text("Nobody picked yet." if people else "Nobody has left yet: step a few days first.")
        return
    person = flow.person(model.followed)
    facts = [("person", f"#{person.index}"), ("from", person.origin), ("age", f"{person.age} ({person.age_band})"),
             ("occupation", person.occupation), ("wealth", person.wealth_band),
             ("savings", f"${person.savings_usd:,.0f}"), ("documents", ", ".join(person.documents)),
             ("friends or kin in", person.ties_abroad or "nowhere abroad"), ("now", person.state.replace("_", " "))]
    story = [("decided to leave", person.decided_on), ("chose", person.crossing),
             ("crossed", person.crossed_on and f"{person.crossed_on} into {person.first_destination}"),
             ("is in", person.location if person.state == "abroad" else None),
             ("moved on", f"{person.moves} time(s)" if person.moves else None), ("came back", person.returned_on)]
    lines = ["| | |", "|---|---|"] + [f"| {k} | {v} |" for k, v in facts]
    lines += ["", "**Trajectory**", ""] + [f"- {k}: {v}" for k, v in story if v]
    if model.trajectory:
        lines += ["", f"**Followed day by day** (since {model.trajectory[0][0] or 'day 0'})", ""]
        lines += [f"- {date}: {state.replace('_', ' ')} · {where}" for date, state, where in model.trajectory]
    _markdown("\n".join(lines))


COMPONENTS = [
    (TodayPanel, 0), (EntriesPanel, 0), (StatesPanel, 0), (StocksPanel, 0), (RentPanel, 0), (EventsPanel, 0),
    (TodayPanel, 1), (QueuesPanel, 1), (MapPanel, 1), (CrossingsPanel, 1),
    (TodayPanel, 2), (PersonPanel, 2), (EventsPanel, 2),
]


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
    with solara.AppBar():
        DayCounter(model)
    SolaraViz(model, components=COMPONENTS, model_params=params, name="flowsim: the autumn-2022 exodus",
              play_interval=PLAY_INTERVAL_MS)


@solara.component
def Page() -> None:
    """The page Solara serves: one model per browser tab, opened on the configured scenario."""
    params = solara.use_memo(lambda: model_params(SETTINGS.scenario_file, SETTINGS.choices), [])
    model = solara.use_reactive(solara.use_memo(lambda: DashboardModel(**initial_arguments(params)), []))
    Dashboard(model, params)
