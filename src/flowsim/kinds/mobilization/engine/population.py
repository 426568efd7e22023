"""The men at risk who are still at home, as cohorts.

Until a man decides to leave he is indistinguishable from the others of his cohort
(origin × age band × occupation × wealth band × foreign passport × ties abroad), so the
people at home are held as counts per cohort and every daily decision is one Bernoulli
trial per man, drawn as a binomial per cohort. The moment a man decides to leave he
becomes an individual agent in :class:`flowsim.kinds.mobilization.engine.people.People`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from flowsim.kinds.mobilization.engine.rules import split_largest_remainder
from flowsim.kinds.mobilization.scenario import AGE_BANDS, OCCUPATIONS, WEALTH_BANDS, Scenario
from flowsim.kinds.mobilization.scenario.behaviour import LeavingRules


@dataclass
class Cohorts:
    """Counts at home per cohort, with each cohort's attributes as parallel arrays."""

    origin: np.ndarray
    age_band: np.ndarray
    occupation: np.ndarray
    wealth_band: np.ndarray
    foreign_passport: np.ndarray
    ties_abroad: np.ndarray
    at_home: np.ndarray
    leaving_multiplier: np.ndarray

    @property
    def size(self) -> int:
        return self.at_home.size


def build_cohorts(scenario: Scenario, scale: float) -> Cohorts:
    """Split each origin's men at risk into cohorts, in agents (people / scale).

    Attributes are independent within an origin; the split is exact (largest remainder),
    so the cohort counts add up to each origin's population in agents.
    """
    rules = scenario.behaviour.leaving
    rows: list[tuple] = []
    counts: list[np.ndarray] = []
    for o, origin in enumerate(scenario.origins):
        combos = list(itertools.product(range(3), range(5), range(3), (0, 1), (0, 1)))
        weights = np.array([
            origin.age_shares[AGE_BANDS[a]]
            * origin.occupation_shares[OCCUPATIONS[j]]
            * origin.wealth_shares[WEALTH_BANDS[w]]
            * (origin.foreign_passport_share if p else 1 - origin.foreign_passport_share)
            * (origin.ties_abroad_share if t else 1 - origin.ties_abroad_share)
            for a, j, w, p, t in combos
        ])
        counts.append(split_largest_remainder(int(round(origin.men_at_risk / scale)), weights))
        rows.extend((o, *combo) for combo in combos)
    table = np.array(rows, dtype=np.int16)
    age, occ, wealth, passport, ties = (table[:, k] for k in range(1, 6))
    cohorts = Cohorts(
        origin=table[:, 0],
        age_band=age,
        occupation=occ,
        wealth_band=wealth,
        foreign_passport=passport.astype(bool),
        ties_abroad=ties.astype(bool),
        at_home=np.concatenate(counts).astype(np.int64),
        leaving_multiplier=np.empty(0),
    )
    cohorts.leaving_multiplier = leaving_multiplier(cohorts, rules, rules.foreign_passport)
    return cohorts


def leaving_multiplier(cohorts: Cohorts, rules: LeavingRules, foreign_passport: float) -> np.ndarray:
    """How much readier each cohort's men are to leave than a reference man (F13, F14, 003),
    with ``foreign_passport`` the weight of holding one (a trigger may weigh it otherwise)."""
    return (
        np.array([rules.age[b] for b in AGE_BANDS])[cohorts.age_band]
        * np.array([rules.occupation[b] for b in OCCUPATIONS])[cohorts.occupation]
        * np.array([rules.wealth[b] for b in WEALTH_BANDS])[cohorts.wealth_band]
        * np.where(cohorts.foreign_passport, foreign_passport, 1.0)
        * np.where(cohorts.ties_abroad, rules.ties_abroad, 1.0)
    )
