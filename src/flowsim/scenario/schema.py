"""The scenario schema: the typed, frozen objects a scenario YAML is parsed into.

Everything outside :mod:`flowsim.scenario` receives a :class:`Scenario`; nothing else reads
scenario files (that is :mod:`flowsim.scenario.loading`). Besides the pydantic models, this
module holds the rules that span several parts of a scenario (:func:`check_consistency`)
and :func:`validate_document`, which turns a plain document into a :class:`Scenario` or a
:class:`~flowsim.errors.ScenarioError` naming the file, line, key and what is allowed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from flowsim.errors import ScenarioError
from flowsim.scenario.document import (
    Located,
    dotted_key,
    explain,
    get_path,
    index_path,
    line_text,
    set_path,
    strip_lines,
)

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


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# --------------------------------------------------------------------------- behaviour


class Calendar(_Spec):
    """Simulated period, one step per day, and the default seed."""

    start: dt.date
    end: dt.date
    seed: int = 0

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


class LeavingRules(_Spec):
    """Daily hazard of leaving Russia for a man at risk (rule 1)."""

    baseline_daily_hazard: NonNegative
    shock_hazard: NonNegative
    shock_decay_days: Positive
    shock_floor: NonNegative = 0.0
    panic_share: Share
    deliberation_days_max: Annotated[int, Field(ge=0, le=30)]
    complete_multiplier: NonNegative
    age: dict[AgeBand, NonNegative]
    occupation: dict[Occupation, NonNegative]
    wealth: dict[WealthBand, NonNegative]
    foreign_passport: NonNegative
    ties_abroad: NonNegative


class ChoiceRules(_Spec):
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


class QueueRules(_Spec):
    """Behaviour in a border queue (rule 3)."""

    patience_days: NonNegative
    switch_probability: Share
    give_up_probability: Share


class AfterArrivalRules(_Spec):
    """Staying, moving on and going back (rule 5)."""

    onward_daily_hazard: NonNegative
    onward_decay_days: Positive
    return_daily_hazard: NonNegative
    return_complete_multiplier: NonNegative
    registration_after_days: Annotated[int, Field(ge=0, le=60)]


class PriceRules(_Spec):
    """Rent index response to newcomers relative to housing stock (rule 6)."""

    rent_elasticity: NonNegative
    rent_adjust_rate: Share


class Behaviour(_Spec):
    agent_scale: Positive = 1.0
    leaving: LeavingRules
    choice: ChoiceRules
    queueing: QueueRules
    after_arrival: AfterArrivalRules
    prices: PriceRules


# --------------------------------------------------------------------------- places


class Origin(_Spec):
    """A Russian region and its draft-age men at risk."""

    id: Identifier
    name: str
    lon: Longitude
    lat: Latitude
    men_at_risk: Annotated[int, Field(ge=0)]
    age_shares: dict[AgeBand, Share]
    occupation_shares: dict[Occupation, Share]
    wealth_shares: dict[WealthBand, Share]
    savings_usd: dict[WealthBand, Positive]
    foreign_passport_share: Share
    schengen_visa_share: Share
    eu_residence_share: Share = 0.0
    ties_abroad_share: Share


class Destination(_Spec):
    """A country Russians can go to."""

    id: Identifier
    name: str
    lon: Longitude
    lat: Latitude
    russian_spoken: Share
    living_cost_usd_month: Positive
    housing_stock: Annotated[int, Field(gt=0)]
    russians_resident: Annotated[int, Field(ge=0)]
    safety: Share
    entry_documents: list[Document]
    ordinary_daily_entries: NonNegative
    ordinary_daily_exits: NonNegative
    onward_propensity: NonNegative
    return_propensity: NonNegative = 1.0


class Crossing(_Spec):
    """A land checkpoint or an air link from Russia into one destination."""

    id: Identifier
    name: str
    destination: str
    origin: str = "all"
    mode: Mode
    lon: Longitude
    lat: Latitude
    travel_days: NonNegative
    cost_usd: NonNegative
    daily_capacity: Annotated[int, Field(ge=0)]
    documents: list[Document] | None = None
    ordinary_share: NonNegative = 1.0
    open: bool = True


class OnwardLink(_Spec):
    """A way on from one destination to another, for people already abroad."""

    id: Identifier
    from_: str = Field(alias="from")
    to: str
    mode: Mode
    travel_days: NonNegative
    cost_usd: NonNegative


EventKind = Literal[
    "mobilization_announced",
    "mobilization_complete",
    "close_crossing",
    "open_crossing",
    "set_capacity",
    "draft_office",
    "remove_draft_office",
    "set_documents",
    "ordinary_traffic",
    "set_safety",
]

_EVENT_NEEDS: dict[str, tuple[str, ...]] = {
    "mobilization_announced": (),
    "mobilization_complete": (),
    "close_crossing": ("crossing",),
    "open_crossing": ("crossing",),
    "set_capacity": ("crossing", "daily_capacity"),
    "draft_office": ("crossing", "turn_back_share"),
    "remove_draft_office": ("crossing",),
    "set_documents": ("crossing", "documents"),
    "ordinary_traffic": ("destination", "factor"),
    "set_safety": ("destination", "safety"),
}


class Event(_Spec):
    """A dated policy change. ``crossing`` may name one crossing or a list of them."""

    id: Identifier
    date: dt.date
    kind: EventKind
    label: str
    crossing: str | list[str] | None = None
    destination: str | None = None
    daily_capacity: Annotated[int, Field(ge=0)] | None = None
    turn_back_share: Share | None = None
    documents: list[Document] | None = None
    factor: NonNegative | None = None
    safety: Share | None = None

    @property
    def crossings(self) -> list[str]:
        if self.crossing is None:
            return []
        return [self.crossing] if isinstance(self.crossing, str) else list(self.crossing)


class CalibrationParameter(_Spec):
    """A free parameter: a dotted path into the scenario and its prior range."""

    name: str
    low: float
    high: float
    scale: Literal["linear", "log"] = "linear"


class CalibrationSpec(_Spec):
    parameters: list[CalibrationParameter]
    calibrated_file: str | None = None
    scale: Positive = 1.0


class Scenario(_Spec):
    """A whole scenario, validated and frozen."""

    name: Identifier
    description: str = ""
    calendar: Calendar
    behaviour: Behaviour
    origins: list[Origin]
    destinations: list[Destination]
    crossings: list[Crossing]
    onward_links: list[OnwardLink] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    targets: str | None = None
    calibration: CalibrationSpec | None = None

    _source_path: Path | None = PrivateAttr(default=None)
    _source_hash: str = PrivateAttr(default="")

    @property
    def source_path(self) -> Path | None:
        return self._source_path

    @property
    def source_hash(self) -> str:
        return self._source_hash

    @property
    def targets_path(self) -> Path | None:
        if self.targets is None:
            return None
        base = self._source_path.parent if self._source_path else Path.cwd()
        return (base / self.targets).resolve()

    @property
    def calibrated_path(self) -> Path | None:
        if self.calibration is None or self.calibration.calibrated_file is None:
            return None
        base = self._source_path.parent if self._source_path else Path.cwd()
        return (base / self.calibration.calibrated_file).resolve()

    def destination(self, destination_id: str) -> Destination:
        return next(d for d in self.destinations if d.id == destination_id)

    def get_value(self, dotted: str) -> Any:
        """Value at a dotted path; list items are addressed by their id."""
        return get_path(self.model_dump(by_alias=True), dotted.split("."))

    def with_overrides(self, values: dict[str, Any]) -> Scenario:
        """A validated copy with the values at the given dotted paths replaced.

        A number given for a whole-number setting (e.g. ``registration_after_days``) is
        rounded, so samplers and calibrators can treat every parameter as continuous.
        """
        data = self.model_dump(by_alias=True)
        for dotted, value in values.items():
            try:
                try:
                    current = get_path(data, dotted.split("."))
                except KeyError:
                    current = None  # a new key, e.g. another destination's appeal
                if isinstance(current, int) and not isinstance(current, bool) and is_finite_number(value):
                    value = int(round(value))
                set_path(data, dotted.split("."), value)
            except KeyError as err:
                raise ScenarioError(
                    f"Override '{dotted}' does not name a value of scenario '{self.name}': "
                    f"{err.args[0]}"
                ) from None
        origin = f"{self._source_path or '<scenario>'} (with overrides)"
        return validate_document(data, Located.empty(origin), self._source_path)


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
    canonical = json.dumps(scenario.model_dump(mode="json", by_alias=True), sort_keys=True)
    scenario._source_hash = hashlib.sha256(canonical.encode()).hexdigest()
    return scenario


def check_consistency(sc: Scenario) -> tuple[tuple, str] | None:
    """Rules that span several parts of a scenario. Returns (path, message) of the first breach."""
    if sc.calendar.end < sc.calendar.start:
        return ("calendar", "end"), f"the end date {sc.calendar.end} is before the start date {sc.calendar.start}."
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
        for field in _EVENT_NEEDS[event.kind]:
            if getattr(event, field) is None:
                return ("events", i, "kind"), f"an event of kind '{event.kind}' needs the key '{field}'."
        for name in event.crossings:
            if name != "all" and name not in crossings:
                return ("events", i, "crossing"), (
                    f"'{name}' is not a crossing of this scenario; allowed: 'all' or the crossing ids "
                    f"({', '.join(sorted(crossings)[:6])}, ...).")
        if event.destination is not None and event.destination not in destinations:
            return ("events", i, "destination"), (
                f"'{event.destination}' is not a destination; allowed: {', '.join(sorted(destinations))}.")
    if sc.calibration:
        dumped = sc.model_dump(by_alias=True)
        for i, param in enumerate(sc.calibration.parameters):
            try:
                value = get_path(dumped, param.name.split("."))
            except KeyError as err:
                return ("calibration", "parameters", i, "name"), f"'{param.name}' does not name a value ({err.args[0]})."
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                return ("calibration", "parameters", i, "name"), f"'{param.name}' is not a number."
            if not param.low < param.high or (param.scale == "log" and param.low <= 0):
                return ("calibration", "parameters", i, "low"), (
                    "needs low < high (and low > 0 for a log-scale parameter).")
    return None


def is_finite_number(value: Any) -> bool:
    """A real, finite number (not a bool)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
