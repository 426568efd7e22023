"""Shared field types of the scenario schema, and the behaviour rules a scenario sets.

The behaviour classes are the parameters of the model's rules (:mod:`flowsim.engine.rules`),
one class per rule family; :mod:`flowsim.scenario.schema` composes them with the places
and events into a :class:`~flowsim.scenario.schema.Scenario`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

AGE_BANDS = ("18-28", "29-39", "40+")
OCCUPATIONS = ("it", "arts", "medical", "other_skilled", "low_skilled")
WEALTH_BANDS = ("low", "mid", "high")
DOCUMENTS = ("internal_passport", "foreign_passport", "schengen_visa", "eu_residence")
MODES = ("road", "rail", "foot", "air", "sea")

AgeBand = Literal["18-28", "29-39", "40+"]
Occupation = Literal["it", "arts", "medical", "other_skilled", "low_skilled"]
WealthBand = Literal["low", "mid", "high"]
Document = Literal["internal_passport", "foreign_passport", "schengen_visa", "eu_residence"]
Mode = Literal["road", "rail", "foot", "air", "sea"]
Share = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Positive = Annotated[float, Field(gt=0.0)]
Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
Longitude = Annotated[float, Field(ge=-180.0, le=180.0)]
Latitude = Annotated[float, Field(ge=-90.0, le=90.0)]

SHARE_TOLERANCE = 1e-3


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# --------------------------------------------------------------------------- behaviour


class Calendar(Spec):
    """Simulated period, one step per day, and the default seed."""

    start: dt.date
    end: dt.date
    seed: int = 0

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


class PressureKnot(Spec):
    """One knot of the pressure curve: its level a number of days after the announcement."""

    id: Identifier
    after_days: NonNegative
    level: NonNegative


class LeavingRules(Spec):
    """Daily hazard of leaving Russia for a man at risk (rule 1)."""

    baseline_daily_hazard: NonNegative
    shock_hazard: NonNegative
    pressure: list[PressureKnot] = Field(min_length=1)
    panic_share: Share
    deliberation_days_max: Annotated[int, Field(ge=0, le=30)]
    complete_multiplier: NonNegative
    age: dict[AgeBand, NonNegative]
    occupation: dict[Occupation, NonNegative]
    wealth: dict[WealthBand, NonNegative]
    foreign_passport: NonNegative
    ties_abroad: NonNegative


class ChoiceRules(Spec):
    """Weights of the multinomial logit over (destination, crossing) options (rule 2)."""

    travel_days: float
    cost_share_of_savings: float
    living_cost: float
    language: float
    network: float
    safety: float
    ties: float
    queue_days: float
    draft_office: float
    queue_information_delay_days: Annotated[int, Field(ge=0, le=30)]
    air_fare_surge: NonNegative = 0.0
    appeal: dict[str, float] = Field(default_factory=dict)


class QueueRules(Spec):
    """Behaviour in a border queue (rule 3), and of a man who could not get a seat on a flight."""

    patience_days: NonNegative
    switch_probability: Share
    give_up_probability: Share
    seat_patience_days: NonNegative = 1.0
    seat_rechoose_probability: Share = 0.5


class AfterArrivalRules(Spec):
    """Staying, moving on and going back (rule 5)."""

    onward_daily_hazard: NonNegative
    onward_decay_days: Positive
    return_daily_hazard: NonNegative
    return_complete_multiplier: NonNegative
    registration_after_days: Annotated[int, Field(ge=0, le=60)]
    registration_share: Share = 1.0


class PriceRules(Spec):
    """Rent index response to newcomers relative to housing stock (rule 6)."""

    rent_elasticity: NonNegative
    rent_adjust_rate: Share


class Behaviour(Spec):
    agent_scale: Positive = 1.0
    leaving: LeavingRules
    choice: ChoiceRules
    queueing: QueueRules
    after_arrival: AfterArrivalRules
    prices: PriceRules


# --------------------------------------------------------------------------- places
