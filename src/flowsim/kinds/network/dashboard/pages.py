"""The network kind's dashboard page: a Flee case stepped day by day against its observed camp series.

One page: the day and today's numbers (spawned, on the roads, in camps against the observed
count, and Flee's ARD over the days run so far), each of the largest camps against its
observed series, the totals, today's figures per camp, and the closures as dated events.
The page (:mod:`flowsim.dashboard.app`) shows :data:`COMPONENTS` for a network scenario (the
kind names this module in :attr:`~flowsim.kinds.network.kind.NetworkKind.dashboard_pages`).
"""

from __future__ import annotations

import datetime as dt

import solara
from mesa.visualization.utils import update_counter

from flowsim.dashboard.app import EventsPanel, chart_panels, show_markdown, table_markdown, today_panel
from flowsim.dashboard.livechart import LiveChart
from flowsim.dashboard.model import DashboardModel, DayTables
from flowsim.kinds.network.analysis.flee_score import score_camps
from flowsim.kinds.network.dashboard.charts import CampsChart, TotalsChart, largest_camps

TITLE = "flowsim: a Flee case day by day"


def make_chart(model: DashboardModel, name: str) -> LiveChart:
    """The live chart ``name`` of this model's run (made once per model, redrawn every day)."""
    run = model.flow
    calendar = (run.config.start, run.config.start + dt.timedelta(days=run.days - 1))
    events = [{**event, "country": None} for event in model.events()]  # a closure's line in every panel
    compare = model.baseline is not None
    if name == "camps":
        return CampsChart(calendar, events, camps=largest_camps(run.tables()["observed"]), compare=compare)
    return TotalsChart(calendar, events, compare=compare)


CampsPanel, TotalsPanel = chart_panels(make_chart, "camps", "totals")


def today_numbers(today: DayTables) -> str:
    """Today's numbers (spawned, on the roads, in camps against the observed count) and the ARD so far."""
    daily = today.daily.iloc[-1]
    rows = [("spawned so far", int(today.daily["spawned"].sum())), ("on the roads now", int(daily["on_roads"])),
            ("in camps now, simulated", int(daily["in_camps_simulated"])),
            ("in camps now, observed", int(daily["in_camps_observed"]))]
    score = score_camps(today.camps)
    return (table_markdown("today", rows) + f"\n\nFlee's ARD over the {score['days']} days so far: "
            f"**{score['ard']:.3f}** (rescaled to the observed total: {score['ard_rescaled']:.3f})")


TodayPanel = today_panel(today_numbers)


@solara.component
def CampsTodayPanel(model: DashboardModel) -> None:
    """Each camp today: simulated, observed and the difference."""
    update_counter.get()
    today = model.tables()
    if today is None:
        return
    camps = today.camps[today.camps["date"] == today.camps["date"].iloc[-1]]
    lines = ["#### Camps today", "| camp | simulated | observed | difference |", "|---|---:|---:|---:|"]
    for row in camps.itertuples():
        lines.append(f"| {row.camp} | {row.simulated:,.0f} | {row.observed:,.0f} | {row.simulated - row.observed:+,.0f} |")
    show_markdown("\n".join(lines))


COMPONENTS = [(TodayPanel, 0), (CampsPanel, 0), (TotalsPanel, 0), (CampsTodayPanel, 0), (EventsPanel, 0)]
