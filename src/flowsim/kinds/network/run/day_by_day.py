"""A network scenario (an imported Flee case) stepped one day at a time, with the tables the dashboard draws.

The dashboard (:mod:`flowsim.dashboard.model`) reaches a kind through
:meth:`~flowsim.kinds.protocol.ScenarioKind.day_by_day` only; this is the network kind's
answer: its :class:`~flowsim.kinds.network.engine.model.NetworkModel` with the same seed a
``flowsim run`` takes, so after the last day its tables are that run's. Each day's tables are
the run's ``camps`` and ``daily`` up to today, and ``observed``, the camps' observed series
over the whole period (data known in advance, which the panels draw ahead of the run).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from flowsim.kinds.network.engine.model import NetworkModel
from flowsim.kinds.network.run.results import camps_table, daily_table
from flowsim.kinds.network.scenario.schema import NetworkScenario


class NetworkDayByDay:
    """A :class:`NetworkModel` run one :meth:`step` (one day) at a time for the dashboard."""

    def __init__(self, scenario: NetworkScenario, *, seed: int, scale: float) -> None:
        self.model = NetworkModel(scenario, rng=seed, scale=int(scale))
        self.config = scenario
        self.days = self.model.days
        self.scale = float(self.model.scale)
        model = self.model
        dates = [(scenario.start + dt.timedelta(days=d)).isoformat() for d in range(self.days)]
        self._observed = pd.DataFrame({
            "date": np.repeat(dates, len(model.camp_names)),
            "camp": np.tile(model.camp_names, self.days),
            "observed": (model.observed * model.scale).reshape(-1),
        })

    @property
    def day(self) -> int:
        """The last day run (-1 before the first)."""
        return self.model.today - 1

    @property
    def running(self) -> bool:
        return self.model.today < self.days

    @property
    def today(self) -> dt.date:
        return self.config.start + dt.timedelta(days=self.day)

    def step(self) -> None:
        """One day, in Flee's order."""
        if self.running:
            self.model.step()

    def tables(self) -> dict[str, pd.DataFrame]:
        """``camps`` (date, camp, simulated, observed) and ``daily`` up to today; ``observed``: every day's."""
        run = self.model.so_far()
        return {"camps": camps_table(run), "daily": daily_table(run), "observed": self._observed}

    def places(self) -> pd.DataFrame:
        """The case's locations: name, kind (Flee's location type), country, latitude, longitude."""
        return pd.DataFrame([{"id": loc.name, "name": loc.name, "kind": loc.kind, "country": loc.country,
                              "latitude": loc.latitude, "longitude": loc.longitude}
                             for loc in self.config.network_case.locations])

    def events(self) -> list[dict[str, Any]]:
        """The closures (the case's and the scenario's what-ifs) that start or end within the run."""
        out = []
        for closure in self.config.network_case.closures:
            where = closure.name1 if closure.name2 in ("", closure.name1) else f"{closure.name1}–{closure.name2}"
            for day, verb in ((closure.start, "closed"), (closure.end, "reopened")):
                if 0 <= day < self.days:
                    out.append({"date": pd.Timestamp(self.config.start + dt.timedelta(days=day)),
                                "label": f"{closure.kind} {verb}: {where}", "kind": "closure", "country": where})
        return sorted(out, key=lambda e: e["date"])
