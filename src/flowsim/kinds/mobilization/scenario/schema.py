"""The scenario schema: the typed, frozen objects a scenario YAML is parsed into.

Everything outside :mod:`flowsim.kinds.mobilization.scenario` receives a :class:`Scenario`; nothing else reads
scenario files (that is :mod:`flowsim.kinds.mobilization.scenario.loading`). Besides the pydantic models, this
module holds the rules that span several parts of a scenario (:func:`check_consistency`)
and :func:`validate_document`, which turns a plain document into a :class:`Scenario` or a
:class:`~flowsim.errors.ScenarioError` naming the file, line, key and what is allowed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, ClassVar, Literal

import numpy as np
from pydantic import Field, ValidationError

from flowsim.errors import ScenarioError
from flowsim.scenario.document import (
    Located,
    dotted_key,
    explain,
    index_path,
    line_text,
    strip_lines,
)

from flowsim.scenario.spec import (  # noqa: F401  (CalibrationParameter, is_finite_number: re-exported)
    CalibrationParameter,
    CalibrationParameters,
    ScenarioSpec,
    calibration_parameter_problem,
    is_finite_number,
)
from flowsim.kinds.mobilization.scenario.behaviour import (  # noqa: F401  (re-exported: the schema's public names)
    AGE_BANDS,
    OCCUPATIONS,
    WEALTH_BANDS,
    DOCUMENTS,
    MODES,
    AgeBand,
    Occupation,
    WealthBand,
    Document,
    Mode,
    AGENT_SCALE_MAX,
    AGENT_SCALE_MIN,
    MAX_CALENDAR_DAYS,
    MAX_MEN_AT_RISK,
    MAX_CAPACITY,
    MAX_COUNT,
    MAX_DAILY_TRAVELLERS,
    MAX_FACTOR,
    MAX_WEIGHT,
    MAX_NUMBER,
    MAX_DAYS,
    SEED_MAX,
    MAX_LIST,
    MAX_TEXT,
    Share,
    NonNegative,
    Positive,
    Factor,
    Weight,
    Days,
    PositiveDays,
    Capacity,
    Scale,
    Text,
    Identifier,
    Longitude,
    Latitude,
    SHARE_TOLERANCE,
    Calendar,
    PressureKnot,
    LeavingRules,
    ChoiceRules,
    QueueRules,
    AfterArrivalRules,
    PriceRules,
    Behaviour,
)
from flowsim.kinds.mobilization.scenario.behaviour import Spec as _Spec
from flowsim.kinds.mobilization.scenario.events import EVENT_KINDS, EventKindName


class Origin(_Spec):
    """A Russian region and its draft-age men at risk."""

    id: Identifier
    name: Text
    lon: Longitude
    lat: Latitude
    men_at_risk: Annotated[int, Field(ge=0, le=MAX_MEN_AT_RISK)]
    age_shares: dict[AgeBand, Share]
    occupation_shares: dict[Occupation, Share]
    wealth_shares: dict[WealthBand, Share]
    savings_usd: dict[WealthBand, Positive]
    foreign_passport_share: Share
    schengen_visa_share: Share
    eu_residence_share: Share = 0.0
    ties_abroad_share: Share
    mobilization_intensity: Factor = 1.0
    law_of_return_share: Share = 0.0
    ties_destinations: dict[str, Factor] = Field(default_factory=dict)


class Destination(_Spec):
    """A country Russians can go to."""

    id: Identifier
    name: Text
    lon: Longitude
    lat: Latitude
    russian_spoken: Share
    living_cost_usd_month: Positive
    housing_stock: Annotated[int, Field(gt=0, le=MAX_COUNT)]
    russians_resident: Annotated[int, Field(ge=0, le=MAX_COUNT)]
    safety: Share
    entry_documents: Annotated[list[Document], Field(max_length=MAX_LIST["documents"])]
    ordinary_daily_entries: Annotated[float, Field(ge=0.0, le=MAX_DAILY_TRAVELLERS)]
    ordinary_daily_exits: Annotated[float, Field(ge=0.0, le=MAX_DAILY_TRAVELLERS)]
    onward_propensity: Factor
    return_propensity: Factor = 1.0
    border_capacity_factor: Annotated[float, Field(gt=0.0, le=MAX_FACTOR)] = 1.0
    border_surge_factor: Annotated[float, Field(ge=1.0, le=MAX_FACTOR)] = 1.0
    border_surge_days: PositiveDays = 3.0
    border_surge_delay_days: Days = 0.0
    transit_share: Share = 0.0
    #: registrations (a Kazakh IIN) by Russians outside the exodus a day: card tourists and
    #: the spring's relocants (KZ-N4); counted with the exodus's where a figure counts everyone
    ordinary_daily_registrations: Annotated[float, Field(ge=0.0, le=MAX_DAILY_TRAVELLERS)] = 0.0


class Crossing(_Spec):
    """A land checkpoint or an air link from Russia into one destination.

    Its throughput is given the way the post works: vehicles a day times people per
    vehicle plus pedestrians for a land border, seats a day for an air link, or a plain
    ``daily_capacity`` in people.
    """

    id: Identifier
    name: Text
    destination: str
    origin: str = "all"
    mode: Mode
    lon: Longitude
    lat: Latitude
    travel_days: Days
    cost_usd: NonNegative
    daily_capacity: Capacity | None = None
    vehicles_per_day: Capacity | None = None
    people_per_vehicle: Annotated[float, Field(gt=0.0, le=100.0)] | None = None
    pedestrians_per_day: Capacity | None = None
    seats_per_day: Capacity | None = None
    documents: Annotated[list[Document], Field(max_length=MAX_LIST["documents"])] | None = None
    ordinary_share: Factor = 1.0
    open: bool = True

    @property
    def capacity_people(self) -> float:
        """People the crossing can process in a day."""
        given = [-1.0 if getattr(self, f) is None else float(getattr(self, f)) for f in THROUGHPUT_FIELDS]
        return float(people_per_day(*(np.array(v) for v in given)))


THROUGHPUT_FIELDS = ("seats_per_day", "vehicles_per_day", "people_per_vehicle", "pedestrians_per_day", "daily_capacity")
"""The ways a crossing's throughput is given, in the order :func:`people_per_day` takes them."""


def people_per_day(seats: np.ndarray, vehicles: np.ndarray, people_per_vehicle: np.ndarray,
                   pedestrians: np.ndarray, daily: np.ndarray) -> np.ndarray:
    """People a day through crossings whose throughput is given the way each post works.

    Seats a day for an air link; else vehicles a day times people per vehicle plus people on
    foot; else a plain daily capacity in people. A value not given is negative (-1). Used by
    the schema (one crossing) and by the engine (all crossings, and again when an event
    changes a throughput), so that both count a crossing's people alike.
    """
    by_road = np.maximum(vehicles, 0) * np.maximum(people_per_vehicle, 0) + np.maximum(pedestrians, 0)
    return np.where(seats >= 0, seats, np.where((vehicles >= 0) | (pedestrians >= 0), by_road, np.maximum(daily, 0)))


class OnwardLink(_Spec):
    """A way on from one destination to another, for people already abroad."""

    id: Identifier
    from_: str = Field(alias="from")
    to: str
    mode: Mode
    travel_days: Days
    cost_usd: NonNegative


class Event(_Spec):
    """A dated policy change. ``crossing`` may name one crossing or a list of them."""

    id: Identifier
    date: dt.date
    kind: EventKindName
    label: Text
    crossing: str | Annotated[list[str], Field(max_length=MAX_LIST["event_crossings"])] | None = None
    destination: str | None = None
    daily_capacity: Capacity | None = None
    vehicles_per_day: Capacity | None = None
    pedestrians_per_day: Capacity | None = None
    seats_per_day: Capacity | None = None
    origins: Annotated[list[str], Field(max_length=MAX_LIST["origins"])] | None = None
    turn_back_share: Share | None = None
    documents: Annotated[list[Document], Field(max_length=MAX_LIST["documents"])] | None = None
    factor: Factor | None = None
    safety: Share | None = None

    @property
    def crossings(self) -> list[str]:
        if self.crossing is None:
            return []
        return [self.crossing] if isinstance(self.crossing, str) else list(self.crossing)


class CalibrationSpec(_Spec):
    parameters: CalibrationParameters
    calibrated_file: str | None = None
    scale: Scale = 1.0
    # Standard deviation of the model discrepancy as a share of each documented value (Kennedy and
    # O'Hagan 2001): how far the model at its best parameters may still miss a figure. The emulator
    # posterior and history matching add it to each figure's own uncertainty.
    model_discrepancy: Annotated[float, Field(gt=0.0, le=1.0)] = 0.10


class Scenario(ScenarioSpec):
    """A whole scenario, validated and frozen."""

    KIND: ClassVar[str] = "mobilization"
    kind: Literal["mobilization"] = Field(default="mobilization", exclude=True)
    name: Identifier
    description: Text = ""
    calendar: Calendar
    behaviour: Behaviour
    origins: Annotated[list[Origin], Field(max_length=MAX_LIST["origins"])]
    destinations: Annotated[list[Destination], Field(max_length=MAX_LIST["destinations"])]
    crossings: Annotated[list[Crossing], Field(max_length=MAX_LIST["crossings"])]
    onward_links: Annotated[list[OnwardLink], Field(max_length=MAX_LIST["onward_links"])] = Field(default_factory=list)
    events: Annotated[list[Event], Field(max_length=MAX_LIST["events"])] = Field(default_factory=list)
    targets: str | None = None
    calibration: CalibrationSpec | None = None


    @property
    def targets_path(self) -> Path | None:
        if self.targets is None:
            return None
        base = self._source_path.parent if self._source_path else Path.cwd()
        return (base / self.targets).resolve()

    def destination(self, destination_id: str) -> Destination:
        return next(d for d in self.destinations if d.id == destination_id)

    @classmethod
    def from_document(cls, data: dict, located: Located, source: Path | None) -> Scenario:
        return validate_document(data, located, source)

    @classmethod
    def may_add(cls, parts: list[str]) -> bool:
        """A destination's appeal may be set for a destination the document does not name yet."""
        return len(parts) >= 2 and parts[-2] == "appeal"


# --------------------------------------------------------------------------- validation


def validate_document(data: dict, located: Located, source: Path | None) -> Scenario:
    """A :class:`Scenario` from a plain document (``__lines__`` records allowed), or a ScenarioError.

    Args:
        data: the document, as loaded (or dumped and overridden).
        located: where each value came from, for the error message.
        source: the scenario file, kept on the result (relative paths resolve from it).
    """
    plain = strip_lines(data)
    try:
        scenario = Scenario.model_validate(plain)
    except ValidationError as err:
        raise ScenarioError(explain(err, located, plain, Scenario)) from None
    problem = check_consistency(scenario)
    if problem:
        loc, text = problem
        file, line = located.where(index_path(loc, plain))
        raise ScenarioError(f"{file}, {line_text(line)}, key '{dotted_key(loc, plain)}': {text}")
    scenario._source_path = source
    return scenario


def check_consistency(sc: Scenario) -> tuple[tuple, str] | None:
    """Rules that span several parts of a scenario. Returns (path, message) of the first breach."""
    if sc.calendar.end < sc.calendar.start:
        return ("calendar", "end"), f"the end date {sc.calendar.end} is before the start date {sc.calendar.start}."
    if sc.calendar.days > MAX_CALENDAR_DAYS:
        return ("calendar", "end"), (
            f"the calendar runs {sc.calendar.days:,} days; at most {MAX_CALENDAR_DAYS:,} (five years) are allowed.")
    people = sum(o.men_at_risk for o in sc.origins)
    if people > MAX_MEN_AT_RISK:
        return ("origins",), (
            f"the origins hold {people:,} men at risk in all; at most {MAX_MEN_AT_RISK:,} are allowed.")
    origins = {o.id for o in sc.origins}
    destinations = {d.id for d in sc.destinations}
    crossings = {c.id for c in sc.crossings}
    for section, ids in (("origins", [o.id for o in sc.origins]), ("destinations", [d.id for d in sc.destinations]),
                         ("crossings", [c.id for c in sc.crossings]), ("onward_links", [o.id for o in sc.onward_links]),
                         ("events", [e.id for e in sc.events])):
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            return (section, ids.index(dupes[0]), "id"), f"the id '{dupes[0]}' is used twice; ids must be unique."
    if not sc.origins or not sc.destinations or not sc.crossings:
        empty = next(s for s in ("origins", "destinations", "crossings") if not getattr(sc, s))
        return (empty,), "at least one entry is needed."
    for i, origin in enumerate(sc.origins):
        for field, keys in (("age_shares", AGE_BANDS), ("occupation_shares", OCCUPATIONS),
                            ("wealth_shares", WEALTH_BANDS)):
            shares = getattr(origin, field)
            if set(shares) != set(keys):
                return ("origins", i, field), f"needs exactly the keys {', '.join(keys)}; found {', '.join(shares)}."
            total = sum(shares.values())
            if abs(total - 1.0) > SHARE_TOLERANCE:
                return ("origins", i, field), f"shares must sum to 1; they sum to {total:.4f}."
        if set(origin.savings_usd) != set(WEALTH_BANDS):
            return ("origins", i, "savings_usd"), f"needs exactly the keys {', '.join(WEALTH_BANDS)}."
        for key in origin.ties_destinations:
            if key not in destinations:
                return ("origins", i, "ties_destinations", key), (
                    f"'{key}' is not a destination; allowed: {', '.join(sorted(destinations))}.")
        if origin.ties_destinations and sum(origin.ties_destinations.values()) <= 0:
            return ("origins", i, "ties_destinations"), "the weights must not all be 0."
    leaving = sc.behaviour.leaving
    for field, keys in (("age", AGE_BANDS), ("occupation", OCCUPATIONS), ("wealth", WEALTH_BANDS)):
        if set(getattr(leaving, field)) != set(keys):
            return ("behaviour", "leaving", field), f"needs exactly the keys {', '.join(keys)}."
    for key in sc.behaviour.choice.appeal:
        if key not in destinations:
            return ("behaviour", "choice", "appeal", key), (
                f"'{key}' is not a destination; allowed: {', '.join(sorted(destinations))}.")
    for i, crossing in enumerate(sc.crossings):
        if crossing.destination not in destinations:
            return ("crossings", i, "destination"), (
                f"'{crossing.destination}' is not a destination of this scenario; allowed: "
                f"{', '.join(sorted(destinations))}.")
        if crossing.origin != "all" and crossing.origin not in origins:
            return ("crossings", i, "origin"), (
                f"'{crossing.origin}' is not an origin region; allowed: 'all' or {', '.join(sorted(origins))}.")
        ways = [f for f in ("daily_capacity", "vehicles_per_day", "seats_per_day") if getattr(crossing, f) is not None]
        if crossing.pedestrians_per_day is not None and not ways:
            ways.append("pedestrians_per_day")
        if len(ways) != 1:
            return ("crossings", i, "daily_capacity"), (
                "give the throughput one way: daily_capacity (people), or vehicles_per_day with "
                "people_per_vehicle (and pedestrians_per_day if the post admits people on foot), or "
                f"seats_per_day for an air link; found {', '.join(ways) or 'none'}.")
        if crossing.vehicles_per_day is not None and crossing.people_per_vehicle is None:
            return ("crossings", i, "vehicles_per_day"), "vehicles_per_day needs people_per_vehicle."
        if crossing.capacity_people > MAX_CAPACITY:
            return ("crossings", i, "vehicles_per_day"), (
                f"the crossing would process {crossing.capacity_people:,.0f} people a day; at most "
                f"{MAX_CAPACITY:,} are allowed.")
    knots = sc.behaviour.leaving.pressure
    for k in range(1, len(knots)):
        if knots[k].after_days <= knots[k - 1].after_days:
            return ("behaviour", "leaving", "pressure", k, "after_days"), (
                "pressure knots must be in increasing order of after_days.")
    leaving = sc.behaviour.leaving
    for pool, field, knots, word in (("callup", "delivered", leaving.callup.delivered, "call-up"),
                                     ("closure_rumours", "heard", leaving.closure_rumours.heard, "rumour")):
        for k in range(1, len(knots)):
            if knots[k].after_days <= knots[k - 1].after_days or knots[k].share < knots[k - 1].share:
                return ("behaviour", "leaving", pool, field, k, "after_days"), (
                    f"{word} knots must be in increasing order of after_days, with shares that never fall.")
    for i, link in enumerate(sc.onward_links):
        for field, value in (("from", link.from_), ("to", link.to)):
            if value not in destinations:
                return ("onward_links", i, field), (
                    f"'{value}' is not a destination; allowed: {', '.join(sorted(destinations))}.")
        if link.from_ == link.to:
            return ("onward_links", i, "to"), "an onward link must lead to another destination."
    for i, event in enumerate(sc.events):
        if not sc.calendar.start <= event.date <= sc.calendar.end:
            return ("events", i, "date"), (
                f"{event.date} is outside the calendar; allowed: {sc.calendar.start} to {sc.calendar.end}.")
        kind = EVENT_KINDS[event.kind]
        for field in kind.needs:
            if getattr(event, field) is None:
                return ("events", i, "kind"), f"an event of kind '{event.kind}' needs the key '{field}'."
        for name in event.crossings:
            if name != "all" and name not in crossings:
                return ("events", i, "crossing"), (
                    f"'{name}' is not a crossing of this scenario; allowed: 'all' or the crossing ids "
                    f"({', '.join(sorted(crossings)[:6])}, ...).")
        if kind.needs_one_of and all(getattr(event, f) is None for f in kind.needs_one_of):
            return ("events", i, "kind"), (
                f"an event of kind '{event.kind}' needs {', '.join(kind.needs_one_of[:-1])} "
                f"or {kind.needs_one_of[-1]}.")
        for name in event.origins or []:
            if name not in origins:
                return ("events", i, "origins"), (
                    f"'{name}' is not an origin region; allowed: {', '.join(sorted(origins))}.")
        if event.destination is not None and event.destination not in destinations:
            return ("events", i, "destination"), (
                f"'{event.destination}' is not a destination; allowed: {', '.join(sorted(destinations))}.")
    if sc.calibration:
        return calibration_parameter_problem(sc, sc.calibration.parameters)
    return None


