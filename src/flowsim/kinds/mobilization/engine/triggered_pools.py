"""Men whom a dated trigger makes willing to leave, beside the announcement's own pool.

The announcement's shock drains a fixed pool of the most willing within days. Two later
triggers moved men who had not gone on the announcement: the summonses, delivered over five
weeks (source 000: "a call-up notice to a relative triggers leaving"), and the rumours that
the borders would close once the referendums ended (Meduza, 25 Sep 2022; The Moscow Times,
26 Sep 2022: "Sept. 28 is named as the most likely date"), which ended when the borders
stayed open after the annexation of 30 Sep. Each trigger reaches its share of every cohort
along dated knots; a man it reached sets off with a daily chance; a trigger that ends (the
rumours) leaves the men it reached but did not move at home, calm again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from flowsim.kinds.mobilization.engine import rules


@dataclass
class TriggeredPool:
    """The men one trigger reaches, cohort by cohort, and those of them still at home.

    Attributes:
        reach: men the trigger will have reached once it is complete, by cohort.
        knot_days: days after the announcement of the trigger's knots, increasing.
        knot_shares: share of ``reach`` reached by each knot (linear in between).
        daily_hazard: daily chance that a man reached (and still at home) sets off.
        ends_after_days: day after the announcement from which the trigger moves nobody
            more; None: it never ends.
    """

    reach: np.ndarray
    knot_days: np.ndarray
    knot_shares: np.ndarray
    daily_hazard: float
    ends_after_days: float | None = None
    willing: np.ndarray = field(init=False)   # reached, still at home and still moved
    reached: np.ndarray = field(init=False)   # reached so far

    def __post_init__(self) -> None:
        self.willing = np.zeros(self.reach.size, dtype=np.int64)
        self.reached = np.zeros(self.reach.size, dtype=np.int64)

    @property
    def active(self) -> bool:
        """Whether the trigger is part of the scenario at all (it has knots)."""
        return bool(self.knot_days.size)

    def leavers_today(self, days_since: int, free: np.ndarray, hazard_factor: float,
                      rng: np.random.Generator) -> np.ndarray:
        """Reach today's share of each cohort among the ``free`` men and draw who sets off.

        Args:
            days_since: days since the announcement (0 on its day).
            free: men of each cohort at home and in no pool yet: a man is moved once.
            hazard_factor: multiplies the daily hazard (after the call-up was declared complete).
            rng: the model's generator.

        Returns:
            the men of each cohort who set off today.
        """
        if self.ends_after_days is not None and days_since >= self.ends_after_days:
            # the rumoured closure did not come: whoever it had moved and not yet sent stays
            self.willing[:] = 0
            return np.zeros(self.reach.size, dtype=np.int64)
        share = rules.mobilization_pressure(days_since, self.knot_days, self.knot_shares)
        reached = np.clip(np.rint(self.reach * share).astype(np.int64) - self.reached, 0, free)
        self.reached += reached
        self.willing += reached
        hazard = np.full(self.reach.size, self.daily_hazard * hazard_factor)
        leavers = rules.draw_leavers(self.willing, hazard, rng)
        self.willing -= leavers
        return leavers
