"""The mobilization kind's dashboard pages: the exodus day by day, the borders, one person.

- page 0, the exodus day by day: today's numbers, entries and exits per destination,
  where people are, stocks abroad, rent index, the dated events;
- page 1, the borders: today's numbers, queues and waits, the map of the routes, the busiest
  crossings today (every column the model records, new ones included);
- page 2, one person: pick a man of the exodus and follow him.

The page (:mod:`flowsim.dashboard.app`) shows :data:`COMPONENTS` for a mobilization scenario
(the kind names this module in
:attr:`~flowsim.kinds.mobilization.kind.MobilizationKind.dashboard_pages`); the charts are
:mod:`~flowsim.kinds.mobilization.dashboard.charts`'.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import solara
from mesa.visualization.utils import update_counter

from flowsim.dashboard.app import EventsPanel, chart_panels, show_markdown, table_markdown, today_panel
from flowsim.dashboard.livechart import LiveChart
from flowsim.dashboard.model import DashboardModel, DayTables
from flowsim.kinds.mobilization.dashboard import charts
from flowsim.run.seeds import random_stream

TITLE = "flowsim: the autumn-2022 exodus"


def _names(model: DashboardModel, kind: str) -> dict[str, str]:
    places = model.places()
    if places is None:
        return {}
    rows = places[places["kind"] == kind]
    return dict(zip(rows["id"], rows["name"]))


def _calendar(model: DashboardModel) -> tuple[Any, Any]:
    calendar = model.flow.config.calendar
    return calendar.start, calendar.end


def make_chart(model: DashboardModel, name: str) -> LiveChart:
    """The live chart ``name`` of this model's run (made once per model, redrawn every day)."""
    common = {"compare": model.baseline is not None}
    calendar, events = _calendar(model), model.events()
    if name == "entries":
        return charts.EntriesChart(calendar, events, **common)
    if name == "states":
        return charts.StatesChart(calendar, events, **common)
    if name == "stocks":
        return charts.CountryLinesChart(calendar, events, column="wave_stock", ylabel="People present",
                                        title="People of the exodus present in each country",
                                        names=_names(model, "destination"), **common)
    if name == "rent":
        return charts.CountryLinesChart(calendar, events, column="rent_index", ylabel="Rent index",
                                        title="Rent index (1.0 = before 21 September)",
                                        names=_names(model, "destination"), **common)
    if name == "queues":
        return charts.QueuesChart(calendar, events, names=_names(model, "crossing"), **common)
    return charts.MapChart(calendar, events, places=model.places(), **common)


EntriesPanel, StatesPanel, StocksPanel, RentPanel, QueuesPanel, MapPanel = chart_panels(
    make_chart, "entries", "states", "stocks", "rent", "queues", "map")


def today_numbers(today: DayTables) -> str:
    """Today's headline numbers: who has left, crossed, queues, travels, is abroad or came back."""
    now = today.population.iloc[-1]
    left = int(now[["queued", "in_transit", "abroad", "returned"]].sum())
    crossed = int(today.flows["count"].sum())
    rows = [("left home so far (not counting those who gave up)", left),
            ("crossed a border so far", crossed), ("queued at a border now", int(now["queued"])),
            ("on the way now", int(now["in_transit"])), ("abroad now", int(now["abroad"])),
            ("back in Russia", int(now["returned"]))]
    return table_markdown("today", rows)


TodayPanel = today_panel(today_numbers)


@solara.component
def CrossingsPanel(model: DashboardModel) -> None:
    """Today's figures at the busiest crossings: every column the model records."""
    update_counter.get()
    today = model.tables()
    if today is None:
        return
    last = today.crossings["date"].iloc[-1]
    rows = today.crossings[today.crossings["date"] == last]
    chosen = charts.busiest_crossings(today.crossings, top=10)
    rows = rows.set_index("crossing").loc[chosen].reset_index()
    columns = [c for c in rows.columns if c not in ("date", "AgentID", "Step")]
    lines = [f"#### Busiest crossings on {pd.Timestamp(last):%-d %b}",
             "| " + " | ".join(c.replace("_", " ") for c in columns) + " |",
             "|" + "|".join("---:" if pd.api.types.is_numeric_dtype(rows[c]) else "---" for c in columns) + "|"]
    for _, row in rows.iterrows():
        lines.append("| " + " | ".join(_cell(row[c]) for c in columns) + " |")
    show_markdown("\n".join(lines))


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

    show_markdown(f"#### One person · {people:,} agents of the exodus so far"
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
    show_markdown("\n".join(lines))


COMPONENTS = [
    (TodayPanel, 0), (EntriesPanel, 0), (StatesPanel, 0), (StocksPanel, 0), (RentPanel, 0), (EventsPanel, 0),
    (TodayPanel, 1), (QueuesPanel, 1), (MapPanel, 1), (CrossingsPanel, 1),
    (TodayPanel, 2), (PersonPanel, 2), (EventsPanel, 2),
]
