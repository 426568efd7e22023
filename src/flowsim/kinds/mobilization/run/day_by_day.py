"""The mobilization model stepped one day at a time, with the tables the dashboard draws.

The dashboard (:mod:`flowsim.dashboard.model`) reaches a kind through
:meth:`~flowsim.kinds.protocol.ScenarioKind.day_by_day` only; this is the mobilization kind's
answer: its :class:`~flowsim.kinds.mobilization.engine.FlowModel`, the people in each state
after every day, and the day's tables from the model's day log (every place's figures per day).
Everything else (``config``, ``people``, ``person``, ``day``, ...) is the model's own.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from flowsim.kinds.mobilization.engine import FlowModel
from flowsim.kinds.mobilization.engine.people import POPULATION_STATES
from flowsim.kinds.mobilization.run.results import place_tables, places_table
from flowsim.kinds.mobilization.scenario import Scenario


class DayByDay:
    """A :class:`FlowModel` run one :meth:`step` (one day) at a time for the dashboard."""

    def __init__(self, scenario: Scenario, *, seed: int, scale: float) -> None:
        self.model = FlowModel(scenario, rng=np.random.default_rng(seed), scale=scale)
        self._population: list[np.ndarray] = []  # people per POPULATION_STATES, summed over origins, each day

    def __getattr__(self, name: str) -> Any:
        if name == "model":  # not built (yet): no model to ask
            raise AttributeError(name)
        return getattr(self.model, name)

    def step(self) -> None:
        """One day, and the people in each state at its end."""
        self.model.step()
        self._population.append(self.model.population_by_origin().sum(axis=0) * self.model.scale)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables up to today: ``daily`` (destinations), ``crossings``, ``population`` (people in
        each state per day) and ``flows`` (everyone who has crossed so far, by origin and first country)."""
        run = self.model
        daily, crossings = place_tables(run, by_id=False)
        dates = [(run.start + dt.timedelta(days=d)).isoformat() for d in range(len(self._population))]
        population = pd.DataFrame(np.rint(np.array(self._population)).astype(np.int64), columns=list(POPULATION_STATES))
        population.insert(0, "date", dates)
        p = run.people
        crossed = p.first_destination >= 0
        pairs = np.bincount(p.origin[crossed].astype(np.int64) * len(run.destination_ids)
                            + p.first_destination[crossed], minlength=len(run.origin_ids) * len(run.destination_ids))
        flows = pd.DataFrame({
            "origin": np.repeat(run.origin_ids, len(run.destination_ids)),
            "first_destination": np.tile(run.destination_ids, len(run.origin_ids)),
            "count": np.rint(pairs * run.scale).astype(np.int64),
        })
        return {"daily": daily, "crossings": crossings, "population": population, "flows": flows[flows["count"] > 0]}

    def places(self) -> pd.DataFrame:
        """Where the scenario's origins, destinations and crossings are (``places.csv``)."""
        return places_table(self.model)

    def events(self) -> list[dict[str, Any]]:
        """The scenario's dated events: date, label, kind and the country they concern (or None)."""
        sc = self.model.config
        country_of = {c.id: c.destination for c in sc.crossings}
        out = []
        for e in sorted(sc.events, key=lambda e: e.date):
            countries = {country_of.get(c) for c in e.crossings if c != "all"} - {None}
            country = e.destination or (countries.pop() if len(countries) == 1 else None)
            out.append({"date": pd.Timestamp(e.date), "label": e.label, "kind": e.kind, "country": country})
        return out
