"""Shared field types and resource limits of the scenario schema, and the behaviour rules a scenario sets.

The behaviour classes are the parameters of the model's rules (:mod:`flowsim.kinds.mobilization.engine.rules`),
one class per rule family; :mod:`flowsim.kinds.mobilization.scenario.schema` composes them with the places
and events into a :class:`~flowsim.kinds.mobilization.scenario.schema.Scenario`. The limits bound every number
and list (docs/scenarios.md, "Limits").
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import numpy as np
from pydantic import Field

from flowsim.scenario.spec import (  # noqa: F401  (re-exported)
    AGENT_SCALE_MAX, AGENT_SCALE_MIN, MAX_TEXT, SEED_MAX, Identifier, Share, Spec, Text)

AGE_BANDS = ("18-28", "29-39", "40+")
OCCUPATIONS = ("it", "arts", "medical", "other_skilled", "low_skilled")
WEALTH_BANDS = ("low", "mid", "high")
DOCUMENTS = ("internal_passport", "foreign_passport", "schengen_visa", "eu_residence", "law_of_return")
MODES = ("road", "rail", "foot", "air", "sea")

DOC_BITS = {name: 1 << i for i, name in enumerate(DOCUMENTS)}
"""One bit per document: a man's papers, and what a border or a country asks for, are bit masks."""


def document_mask(documents: list[str]) -> int:
    """Bit mask of a list of document names."""
    mask = 0
    for name in documents:
        mask |= DOC_BITS[name]
    return mask


DESTINATION_SET = np.uint64
"""A set of destinations as one bit per destination: the engine keeps, for every man abroad, where
he has been and where he registered as such a mask (bit ``d``: destination ``d``)."""
MAX_DESTINATIONS = np.iinfo(DESTINATION_SET).bits
"""A scenario holds at most as many destinations as a :data:`DESTINATION_SET` has bits (64)."""

AgeBand = Literal["18-28", "29-39", "40+"]
Occupation = Literal["it", "arts", "medical", "other_skilled", "low_skilled"]
WealthBand = Literal["low", "mid", "high"]
Document = Literal["internal_passport", "foreign_passport", "schengen_visa", "eu_residence", "law_of_return"]
Mode = Literal["road", "rail", "foot", "air", "sea"]
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: tuple[str, ...] = Weekday.__args__  # in the order of datetime.date.weekday()
# Resource limits (docs/scenarios.md, "Limits"): every number finite and bounded, so that no input can
# overflow an array, hang a run or exhaust memory; the bounds are far beyond any real scenario.
MAX_CALENDAR_DAYS = 5 * 365 + 2  # five years of days
MAX_MEN_AT_RISK = 100_000_000  # per origin and in all (Russia has about 70 million men)
MAX_CAPACITY = 10_000_000  # people per day through one crossing
MAX_COUNT = 1_000_000_000  # housing stock, residents
MAX_DAILY_TRAVELLERS = 10_000_000  # ordinary entries or exits per day
MAX_FACTOR = 1_000.0  # multipliers, propensities, the factor of an ordinary_traffic event
MAX_WEIGHT = 1_000.0  # |logit weight|, |appeal|
MAX_NUMBER = 1e9  # any other non-negative number (days, costs, savings)
MAX_DAYS = 3_650.0  # decay times, patience, travel days
MAX_LIST = {"origins": 500, "destinations": MAX_DESTINATIONS, "crossings": 1000, "onward_links": 5000, "events": 2000,
            "documents": 8, "event_crossings": 1000,
            "pressure_knots": 100}

NonNegative = Annotated[float, Field(ge=0.0, le=MAX_NUMBER)]
Positive = Annotated[float, Field(gt=0.0, le=MAX_NUMBER)]
Factor = Annotated[float, Field(ge=0.0, le=MAX_FACTOR)]
Weight = Annotated[float, Field(ge=-MAX_WEIGHT, le=MAX_WEIGHT)]
Days = Annotated[float, Field(ge=0.0, le=MAX_DAYS)]
PositiveDays = Annotated[float, Field(gt=0.0, le=MAX_DAYS)]
Capacity = Annotated[int, Field(ge=0, le=MAX_CAPACITY)]
Scale = Annotated[float, Field(ge=AGENT_SCALE_MIN, le=AGENT_SCALE_MAX)]
Longitude = Annotated[float, Field(ge=-180.0, le=180.0)]
Latitude = Annotated[float, Field(ge=-90.0, le=90.0)]

SHARE_TOLERANCE = 1e-3


# --------------------------------------------------------------------------- behaviour


class Calendar(Spec):
    """Simulated period, one step per day, and the default seed."""

    start: dt.date
    end: dt.date
    seed: Annotated[int, Field(ge=0, le=SEED_MAX)] = 0

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


class PressureKnot(Spec):
    """One knot of the pressure curve: its level a number of days after the announcement."""

    id: Identifier
    after_days: Days
    level: Factor


class CallupKnot(Spec):
    """One knot of the call-up's progress: the share of the summonses delivered by a day."""

    id: Identifier
    after_days: Days
    share: Share


class CallupRules(Spec):
    """Men whom the call-up itself reaches: a summons to them, a relative or a colleague.

    Beside the announcement's shock, which drains a fixed pool of the most willing within
    days, the summonses went out over five weeks (300,000 by 28 Oct, RU-06) and each made
    new men decide (source 000: "a call-up notice to a relative triggers leaving"). Who
    answers a summons by leaving is selected as the first days' leavers were (the cohort
    multipliers, F13, F14); what differs is when: as the summonses go out, and without the
    calm that made the shock's late deciders stay once the rumours had passed.
    """

    #: share of a reference cohort (multiplier 1) made willing once every summons is out
    willing_share: Share = 0.0
    #: daily chance that a man the call-up has reached sets off
    daily_hazard: Share = 0.0
    #: share of the call-up delivered by days after the announcement (linear in between,
    #: flat after the last knot)
    delivered: Annotated[list[CallupKnot], Field(max_length=MAX_LIST["pressure_knots"])] = Field(default_factory=list)
    #: how much readier a man holding a foreign passport is to answer by leaving than one
    #: without, in place of ``leaving.foreign_passport`` (None: the announcement's selection)
    foreign_passport: Factor | None = None


class RumourRules(Spec):
    """Men whom the rumours of a closing border move to leave before it closes.

    Four days after the announcement the Russian press reported that the borders would close
    to men of military age once the referendums in occupied Ukraine ended (Meduza, 25 Sep
    2022; The Moscow Times, 26 Sep 2022: "Sept. 28 is named as the most likely date"); the
    Kremlin "refused to deny" it (Reuters, 26 Sep). Men who had not gone on the announcement
    rushed to be out before the rumoured day; the borders stayed open after the annexation of
    30 Sep, and whoever the rumours had moved but not yet sent stayed (KZ-02..KZ-04: Kazakh
    entries 22,500 on 29 Sep, 14,900 on 30 Sep, 7,000 on 3 Oct).
    """

    #: share of a reference cohort (multiplier 1) the rumours move once everyone has heard them
    willing_share: Share = 0.0
    #: daily chance that a man the rumours moved sets off
    daily_hazard: Share = 0.0
    #: share of the pool that has heard the rumours by days after the announcement (linear in
    #: between, flat after the last knot)
    heard: Annotated[list[CallupKnot], Field(max_length=MAX_LIST["pressure_knots"])] = Field(default_factory=list)
    #: days after the announcement when the rumours end and move nobody more; None: never
    ends_after_days: Days | None = None
    #: how much readier a man holding a foreign passport is to be moved than one without, in
    #: place of ``leaving.foreign_passport`` (None: the same selection as the announcement's)
    foreign_passport: Factor | None = None


class LeavingRules(Spec):
    """Daily hazard of leaving Russia for a man at risk (rule 1)."""

    baseline_daily_hazard: NonNegative
    shock_hazard: NonNegative
    pressure: Annotated[list[PressureKnot], Field(min_length=1, max_length=MAX_LIST["pressure_knots"])]
    panic_share: Share
    deliberation_days_max: Annotated[int, Field(ge=0, le=30)]
    complete_multiplier: Factor
    age: dict[AgeBand, Factor]
    occupation: dict[Occupation, Factor]
    wealth: dict[WealthBand, Factor]
    foreign_passport: Factor
    ties_abroad: Factor
    # Share of each cohort's men who would leave at all, scaled by the cohort's multiplier
    # (capped at the whole cohort); the hazard falls on the willing still at home, so the
    # exodus drains its pool and the pulse collapses by depletion as well as by pressure.
    # 1 (default): every man is willing and the hazard applies to all at home.
    willing_share: Annotated[float, Field(gt=0.0, le=1.0)] = 1.0
    callup: CallupRules = Field(default_factory=CallupRules)
    closure_rumours: RumourRules = Field(default_factory=RumourRules)


class ChoiceRules(Spec):
    """Weights of the multinomial logit over (destination, crossing) options (rule 2)."""

    travel_days: Weight
    cost_share_of_savings: Weight
    living_cost: Weight
    language: Weight
    network: Weight
    safety: Weight
    ties: Weight
    queue_days: Weight
    draft_office: Weight
    queue_information_delay_days: Annotated[int, Field(ge=0, le=30)]
    #: the day's deciders choose in this many turns, each seeing the cars that the turns before
    #: sent towards each post (1: everyone reads only yesterday's queues)
    choice_turns_per_day: Annotated[int, Field(ge=1, le=24)] = 1
    air_fare_surge: Factor = 0.0
    # Airline yield management: the fare climbs from the ordinary fare at the knee load
    # factor to ``sold_out_fare_multiple`` when every seat of the day is wanted (TR-02, AE-01).
    sold_out_fare_multiple: Annotated[float, Field(ge=1.0, le=MAX_FACTOR)] = 1.0
    fare_knee_load_factor: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.7
    appeal: dict[str, Weight] = Field(default_factory=dict)
    # Utility of staying at home, one more option of the choice at setting off; None: a man
    # who decided to leave always goes somewhere his documents allow.
    stay_home: Weight | None = None
    # Extra utility of staying once the pressure to leave has passed: added to ``stay_home`` times
    # (1 - today's pressure, at most 1). A man still looking for a way out after the rumours of a
    # closure ended weighs staying more (KZ-02..KZ-04). 0: staying weighs the same every day.
    stay_home_when_calm: Weight = 0.0


class QueueRules(Spec):
    """Behaviour in a border queue (rule 3), and of a man who could not get a seat on a flight."""

    patience_days: Days
    switch_probability: Share
    give_up_probability: Share
    seat_patience_days: Days = 1.0
    seat_rechoose_probability: Share = 0.5


class AfterArrivalRules(Spec):
    """Staying, moving on and going back (rule 5)."""

    onward_daily_hazard: NonNegative
    onward_decay_days: PositiveDays
    return_daily_hazard: NonNegative
    return_complete_multiplier: Factor
    registration_after_days: Annotated[int, Field(ge=0, le=60)]
    registration_share: Share = 1.0
    #: days from applying for the registration (a Kazakh IIN) to holding it: KZ-11 counts
    #: applications, KZ-10 and KZ-12 numbers received
    registration_processing_days: Annotated[int, Field(ge=0, le=60)] = 0
    transit_stay_days: PositiveDays = 3.0
    #: share of the men passing through who still register before moving on, if they stay
    #: long enough: the number is needed "for setting up a phone number and a bank account" (002)
    transit_registration_share: Share = 0.0
    #: share of the day's applicants the registration offices take on a weekday (those left
    #: apply the next day); a weekday not named takes them all. Offices shut at the weekend
    #: make the first working day after it the busiest (KZ-11)
    registration_weekday_share: dict[Weekday, Share] = Field(default_factory=dict)


class PriceRules(Spec):
    """Rent index response to newcomers relative to housing stock (rule 6)."""

    rent_elasticity: Factor
    rent_adjust_rate: Share


class Behaviour(Spec):
    agent_scale: Scale = 1.0
    leaving: LeavingRules
    choice: ChoiceRules
    queueing: QueueRules
    after_arrival: AfterArrivalRules
    prices: PriceRules


# --------------------------------------------------------------------------- places
