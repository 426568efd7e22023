"""The scenario: one YAML file parsed into typed, frozen objects.

This is the only module that reads scenario files. Everything else receives a
:class:`Scenario`. A scenario may ``extends:`` another file and override only what
changes: mappings merge key by key, lists of items with an ``id`` merge by id (an item
``{id: x, remove: true}`` drops ``x``), other lists are replaced. The calibrated
parameter file named in ``calibration.calibrated_file`` is applied last, as dotted-path
overrides, so calibrated values are never pasted into the scenario by hand.

Bad input raises :class:`ScenarioError` whose message names the file, the line, the
key and what is allowed.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import hashlib
import json
import math
import os
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

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


class ScenarioError(Exception):
    """A scenario that cannot be used, with a message written for the person who wrote it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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


class PressureKnot(_Spec):
    """One knot of the pressure curve: its level a number of days after the announcement."""

    id: Identifier
    after_days: NonNegative
    level: NonNegative


class LeavingRules(_Spec):
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
    """Behaviour in a border queue (rule 3), and of a man who could not get a seat on a flight."""

    patience_days: NonNegative
    switch_probability: Share
    give_up_probability: Share
    seat_patience_days: NonNegative = 1.0
    seat_rechoose_probability: Share = 0.5


class AfterArrivalRules(_Spec):
    """Staying, moving on and going back (rule 5)."""

    onward_daily_hazard: NonNegative
    onward_decay_days: Positive
    return_daily_hazard: NonNegative
    return_complete_multiplier: NonNegative
    registration_after_days: Annotated[int, Field(ge=0, le=60)]
    registration_share: Share = 1.0


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
    mobilization_intensity: NonNegative = 1.0


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
    border_capacity_factor: Positive = 1.0


Count = Annotated[int, Field(ge=0)]


class Crossing(_Spec):
    """A land checkpoint or an air link from Russia into one destination.

    Its throughput is given the way the post works: vehicles a day times people per
    vehicle plus pedestrians for a land border, seats a day for an air link, or a plain
    ``daily_capacity`` in people.
    """

    id: Identifier
    name: str
    destination: str
    origin: str = "all"
    mode: Mode
    lon: Longitude
    lat: Latitude
    travel_days: NonNegative
    cost_usd: NonNegative
    daily_capacity: Count | None = None
    vehicles_per_day: Count | None = None
    people_per_vehicle: Positive | None = None
    pedestrians_per_day: Count | None = None
    seats_per_day: Count | None = None
    documents: list[Document] | None = None
    ordinary_share: NonNegative = 1.0
    open: bool = True

    @property
    def capacity_people(self) -> float:
        """People the crossing can process in a day."""
        if self.seats_per_day is not None:
            return float(self.seats_per_day)
        if self.vehicles_per_day is not None:
            return self.vehicles_per_day * (self.people_per_vehicle or 0.0) + (self.pedestrians_per_day or 0)
        if self.pedestrians_per_day is not None:
            return float(self.pedestrians_per_day)
        return float(self.daily_capacity or 0)


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
    "restrict_approach",
    "lift_restriction",
]

_EVENT_NEEDS: dict[str, tuple[str, ...]] = {
    "mobilization_announced": (),
    "mobilization_complete": (),
    "close_crossing": ("crossing",),
    "open_crossing": ("crossing",),
    "set_capacity": ("crossing",),
    "draft_office": ("crossing", "turn_back_share"),
    "remove_draft_office": ("crossing",),
    "set_documents": ("crossing", "documents"),
    "ordinary_traffic": ("destination", "factor"),
    "set_safety": ("destination", "safety"),
    "restrict_approach": ("crossing", "origins"),
    "lift_restriction": ("crossing",),
}


class Event(_Spec):
    """A dated policy change. ``crossing`` may name one crossing or a list of them."""

    id: Identifier
    date: dt.date
    kind: EventKind
    label: str
    crossing: str | list[str] | None = None
    destination: str | None = None
    daily_capacity: Count | None = None
    vehicles_per_day: Count | None = None
    pedestrians_per_day: Count | None = None
    seats_per_day: Count | None = None
    origins: list[str] | None = None
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
        return _get_path(self.model_dump(by_alias=True), dotted.split("."))

    def with_overrides(self, values: dict[str, Any]) -> Scenario:
        """A validated copy with the values at the given dotted paths replaced.

        A number given for a whole-number setting (e.g. ``registration_after_days``) is
        rounded, so samplers and calibrators can treat every parameter as continuous.
        """
        data = self.model_dump(by_alias=True)
        for dotted, value in values.items():
            try:
                try:
                    current = _get_path(data, dotted.split("."))
                except KeyError:
                    current = None  # a new key, e.g. another destination's appeal
                if isinstance(current, int) and not isinstance(current, bool) and is_finite_number(value):
                    value = int(round(value))
                _set_path(data, dotted.split("."), value)
            except KeyError as err:
                raise ScenarioError(
                    f"Override '{dotted}' does not name a value of scenario '{self.name}': "
                    f"{err.args[0]}"
                ) from None
        origin = f"{self._source_path or '<scenario>'} (with overrides)"
        return _validate(data, _Located.empty(origin), self._source_path)


# --------------------------------------------------------------------------- loading


class _Located:
    """Where each value of a parsed YAML document came from (file and line)."""

    def __init__(self, lines: dict[tuple, tuple[str, int]], default_file: str) -> None:
        self.lines = lines
        self.default_file = default_file

    @classmethod
    def empty(cls, file: str) -> _Located:
        return cls({}, file)

    def where(self, path: tuple) -> tuple[str, int | None]:
        for cut in range(len(path), -1, -1):
            hit = self.lines.get(tuple(path[:cut]))
            if hit:
                return hit
        return self.default_file, None


class _LineLoader(yaml.SafeLoader):
    """A YAML loader that records the line of every key and list item."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    loader.flatten_mapping(node)
    result: dict = {}
    lines: dict = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise ScenarioError(
                f"{loader.name}, line {key_node.start_mark.line + 1}: key '{key}' appears twice "
                f"in the same mapping (first at line {lines[key]}). Each key may appear once."
            )
        result[key] = loader.construct_object(value_node, deep=True)
        lines[key] = key_node.start_mark.line + 1
    result["__lines__"] = lines
    return result


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> list:
    items = [loader.construct_object(child, deep=True) for child in node.value]
    lines = [child.start_mark.line + 1 for child in node.value]
    return _LineList(items, lines)


class _LineList(list):
    def __init__(self, items: list, lines: list[int]) -> None:
        super().__init__(items)
        self.lines = lines


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such file. Give the path of a scenario YAML file.") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ScenarioError(f"{path}: cannot be read ({err}). A scenario is a UTF-8 YAML file.") from None
    loader = _LineLoader(text)
    loader.name = str(path)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown line"
        context = ""
        if err.context and err.context_mark and err.problem_mark and err.context_mark.line != mark.line:
            context = f", {err.context} that starts at line {err.context_mark.line + 1}"
        raise ScenarioError(
            f"{path}, {line}: this is not valid YAML ({err.problem or err.context}{context}). "
            "Check the indentation, closing brackets and quotes, and that every 'key: value' pair "
            "is on its own line."
        ) from None
    except yaml.YAMLError as err:
        raise ScenarioError(f"{path}: this is not valid YAML ({err}).") from None
    finally:
        loader.dispose()
    return _tag_file(data, str(path))


def _tag_file(data: Any, file: str) -> Any:
    """Attach the file name to every line record, so merged documents keep their origins."""
    if isinstance(data, dict):
        lines = data.get("__lines__", {})
        data["__lines__"] = {k: (file, v) for k, v in lines.items()}
        for key, value in data.items():
            if key != "__lines__":
                _tag_file(value, file)
    elif isinstance(data, _LineList):
        data.lines = [(file, v) for v in data.lines]
        for item in data:
            _tag_file(item, file)
    return data


def _merge(base: Any, overlay: Any) -> Any:
    """Overlay one scenario document on another (see the module docstring)."""
    if isinstance(base, dict) and isinstance(overlay, dict):
        merged = dict(base)
        lines = dict(base.get("__lines__", {}))
        for key, value in overlay.items():
            if key == "__lines__":
                continue
            merged[key] = _merge(base[key], value) if key in base else value
            if key in overlay.get("__lines__", {}):
                lines[key] = overlay["__lines__"][key]
        merged["__lines__"] = lines
        return merged
    if isinstance(base, list) and isinstance(overlay, list) and _all_have_ids(base) and _all_have_ids(overlay):
        items = {item["id"]: item for item in base}
        item_lines = dict(zip((i["id"] for i in base), getattr(base, "lines", [None] * len(base))))
        order = [item["id"] for item in base]
        for item, line in zip(overlay, getattr(overlay, "lines", [None] * len(overlay))):
            if item.get("remove") is True:
                if item["id"] in items:
                    order.remove(item["id"])
                continue
            if item["id"] in items:
                items[item["id"]] = _merge(items[item["id"]], item)
            else:
                order.append(item["id"])
                items[item["id"]] = item
            item_lines[item["id"]] = line
        return _LineList([items[i] for i in order], [item_lines[i] for i in order])
    return overlay


def _all_have_ids(items: list) -> bool:
    return all(isinstance(i, dict) and "id" in i for i in items)


def _load_document(path: Path, seen: tuple[Path, ...] = ()) -> dict:
    path = path.resolve()
    if path in seen:
        chain = " -> ".join(str(p) for p in (*seen, path))
        raise ScenarioError(f"{path}: 'extends' forms a cycle ({chain}). A scenario cannot extend itself.")
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise ScenarioError(
            f"{path}, line 1: a scenario must be a YAML mapping of keys such as 'name', 'calendar', "
            f"'behaviour', 'origins', 'destinations', 'crossings', 'events'; found {type(data).__name__}."
        )
    parent = data.pop("extends", None)
    data["__lines__"].pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        file, line = data["__lines__"].get("extends", (str(path), None))
        raise ScenarioError(f"{path}: 'extends' must be the path of another scenario file, relative to this one.")
    parent_path = (path.parent / parent).resolve()
    base = _load_document(parent_path, (*seen, path))
    _rebase_paths(base, parent_path.parent, path.parent)
    return _merge(base, data)


def _rebase_paths(data: dict, from_dir: Path, to_dir: Path) -> None:
    """Keep the file paths a parent scenario names pointing at the same files from the child's folder."""
    def rebase(value: str) -> str:
        return Path(os.path.relpath((from_dir / value).resolve(), to_dir)).as_posix()

    if isinstance(data.get("targets"), str):
        data["targets"] = rebase(data["targets"])
    calibration = data.get("calibration")
    if isinstance(calibration, dict) and isinstance(calibration.get("calibrated_file"), str):
        calibration["calibrated_file"] = rebase(calibration["calibrated_file"])


def load_scenario(path: str | Path) -> Scenario:
    """Read, merge and validate a scenario file.

    Args:
        path: the scenario YAML.

    Returns:
        The validated scenario, with its calibrated parameter file applied.

    Raises:
        ScenarioError: the file is missing, not YAML, or breaks a rule of the schema.
    """
    path = Path(path)
    data = _load_document(path)
    located = _Located(_collect_lines(data), str(path))
    _apply_calibrated_file(data, path, located)
    return _validate(data, located, path.resolve())


def _apply_calibrated_file(data: dict, path: Path, located: _Located) -> None:
    calibration = data.get("calibration")
    if not isinstance(calibration, dict) or not calibration.get("calibrated_file"):
        return
    file = (path.parent / str(calibration["calibrated_file"])).resolve()
    if not file.exists():
        return  # an uncalibrated scenario runs on its hand-set values
    overrides = _read_yaml(file)
    values = overrides.get("parameters") if isinstance(overrides, dict) else None
    if not isinstance(values, dict):
        raise ScenarioError(
            f"{file}, line 1: a calibrated parameter file must hold a mapping 'parameters:' of "
            "dotted scenario paths to values, as written by 'flowsim calibrate'."
        )
    for dotted, value in values.items():
        if dotted == "__lines__":
            continue
        line = values["__lines__"].get(dotted, (str(file), None))
        try:
            _set_path(data, dotted.split("."), value)
        except KeyError as err:
            raise ScenarioError(
                f"{file}, line {line[1]}: '{dotted}' does not name a value of the scenario "
                f"({err.args[0]}). Recalibrate with 'flowsim calibrate' or remove the entry."
            ) from None
        located.lines[_path_tuple(data, dotted.split("."))] = line


def _collect_lines(data: Any, prefix: tuple = ()) -> dict[tuple, tuple[str, int]]:
    out: dict[tuple, tuple[str, int]] = {}
    if isinstance(data, dict):
        for key, where in data.get("__lines__", {}).items():
            out[(*prefix, key)] = where
        for key, value in data.items():
            if key != "__lines__":
                out.update(_collect_lines(value, (*prefix, key)))
    elif isinstance(data, list):
        for i, item in enumerate(data):
            if isinstance(data, _LineList) and data.lines[i]:
                out[(*prefix, i)] = data.lines[i]
            out.update(_collect_lines(item, (*prefix, i)))
    return out


def _strip(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _strip(v) for k, v in data.items() if k != "__lines__"}
    if isinstance(data, list):
        return [_strip(v) for v in data]
    return data


def _validate(data: dict, located: _Located, source: Path | None) -> Scenario:
    plain = _strip(data)
    try:
        scenario = Scenario.model_validate(plain)
    except ValidationError as err:
        raise ScenarioError(_explain(err, located, plain)) from None
    problem = _check_consistency(scenario)
    if problem:
        loc, text = problem
        file, line = located.where(_index_path(loc, plain))
        raise ScenarioError(f"{file}, {_line_text(line)}, key '{_dotted(loc, plain)}': {text}")
    scenario._source_path = source
    canonical = json.dumps(scenario.model_dump(mode="json", by_alias=True), sort_keys=True)
    scenario._source_hash = hashlib.sha256(canonical.encode()).hexdigest()
    return scenario


def _line_text(line: int | None) -> str:
    return f"line {line}" if line else "line unknown"


def _index_path(loc: tuple, data: Any) -> tuple:
    """Turn ('crossings', 'kz_uralsk', 'x') style paths into list indices where needed."""
    out: list = []
    node = data
    for part in loc:
        if isinstance(node, list) and isinstance(part, str):
            index = next((i for i, item in enumerate(node) if isinstance(item, dict) and item.get("id") == part), None)
            if index is None:
                break
            part = index
        out.append(part)
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
    return tuple(out)


def _dotted(loc: tuple, data: Any) -> str:
    """Human path: list items by their id when they have one."""
    parts: list[str] = []
    node = data
    for part in loc:
        if isinstance(node, list) and isinstance(part, int) and part < len(node):
            item = node[part]
            parts.append(str(item["id"]) if isinstance(item, dict) and "id" in item else str(part))
            node = item
            continue
        parts.append(str(part))
        node = node.get(part) if isinstance(node, dict) else None
    return ".".join(parts)


def _explain(err: ValidationError, located: _Located, data: dict) -> str:
    # a typo shows up twice (an unknown key and a missing one): name the typo
    ranked = sorted(err.errors(), key=lambda e: {"extra_forbidden": 0, "missing": 2}.get(e["type"], 1))
    first = ranked[0]
    loc = tuple(p for p in first["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    loc = tuple(p for p in loc if p not in ("str", "list[...]", "int", "constrained-int", "none"))
    file, line = located.where(loc)
    key = _dotted(loc, data) or "(top level)"
    kind = first["type"]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        guess = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f" Did you mean '{guess[0]}'?" if guess else ""
        text = f"unknown key '{loc[-1]}'.{hint} Allowed here: {', '.join(allowed)}."
    elif kind == "missing":
        text = "this required key is missing."
    elif kind == "literal_error":
        text = f"'{first.get('input')}' is not allowed; {first['msg'][0].lower()}{first['msg'][1:]}."
    else:
        text = f"{first['msg']} (found {first.get('input')!r})."
    extra = f" ({len(err.errors()) - 1} more problem(s) after this one.)" if len(err.errors()) > 1 else ""
    return f"{file}, {_line_text(line)}, key '{key}': {text}{extra}"


def _allowed_keys(loc: tuple) -> list[str]:
    model: Any = Scenario
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if isinstance(model, type) and issubclass(model, BaseModel) else None
        if field is None:
            return []
        model = _inner_model(field.annotation)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return [f.alias or name for name, f in model.model_fields.items()]
    return []


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    if get_origin(annotation) is None:
        return None
    return None


def _check_consistency(sc: Scenario) -> tuple[tuple, str] | None:
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
        ways = [f for f in ("daily_capacity", "vehicles_per_day", "seats_per_day") if getattr(crossing, f) is not None]
        if crossing.pedestrians_per_day is not None and "vehicles_per_day" not in ways and not ways:
            ways.append("pedestrians_per_day")
        if len(ways) != 1:
            return ("crossings", i, "daily_capacity"), (
                "give the throughput one way: daily_capacity (people), or vehicles_per_day with "
                "people_per_vehicle (and pedestrians_per_day if the post admits people on foot), or "
                f"seats_per_day for an air link; found {', '.join(ways) or 'none'}.")
        if crossing.vehicles_per_day is not None and crossing.people_per_vehicle is None:
            return ("crossings", i, "vehicles_per_day"), "vehicles_per_day needs people_per_vehicle."
    if len(sc.destinations) > 64:
        return ("destinations",), f"at most 64 destinations are allowed; found {len(sc.destinations)}."
    knots = sc.behaviour.leaving.pressure
    for k in range(1, len(knots)):
        if knots[k].after_days <= knots[k - 1].after_days:
            return ("behaviour", "leaving", "pressure", k, "after_days"), (
                "pressure knots must be in increasing order of after_days.")
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
        if event.kind == "set_capacity" and all(getattr(event, f) is None for f in (
                "daily_capacity", "vehicles_per_day", "pedestrians_per_day", "seats_per_day")):
            return ("events", i, "kind"), (
                "an event of kind 'set_capacity' needs daily_capacity, vehicles_per_day, "
                "pedestrians_per_day or seats_per_day.")
        for name in event.origins or []:
            if name not in origins:
                return ("events", i, "origins"), (
                    f"'{name}' is not an origin region; allowed: {', '.join(sorted(origins))}.")
        if event.destination is not None and event.destination not in destinations:
            return ("events", i, "destination"), (
                f"'{event.destination}' is not a destination; allowed: {', '.join(sorted(destinations))}.")
    if sc.calibration:
        dumped = sc.model_dump(by_alias=True)
        for i, param in enumerate(sc.calibration.parameters):
            try:
                value = _get_path(dumped, param.name.split("."))
            except KeyError as err:
                return ("calibration", "parameters", i, "name"), f"'{param.name}' does not name a value ({err.args[0]})."
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                return ("calibration", "parameters", i, "name"), f"'{param.name}' is not a number."
            if not param.low < param.high or (param.scale == "log" and param.low <= 0):
                return ("calibration", "parameters", i, "low"), (
                    "needs low < high (and low > 0 for a log-scale parameter).")
    return None


def _step(node: Any, part: str) -> Any:
    if isinstance(node, list):
        for item in node:
            if isinstance(item, dict) and item.get("id") == part:
                return item
        if part.isdigit() and int(part) < len(node):
            return node[int(part)]
        raise KeyError(f"no item with id '{part}'")
    if isinstance(node, dict):
        if part in node:
            return node[part]
        raise KeyError(f"no key '{part}'")
    raise KeyError(f"'{part}' is below a plain value")


def _get_path(data: Any, parts: list[str]) -> Any:
    node = data
    for part in parts:
        node = _step(node, part)
    return node


def _set_path(data: Any, parts: list[str], value: Any) -> None:
    parent = _get_path(data, parts[:-1])
    last = parts[-1]
    if isinstance(parent, dict):
        if last not in parent and not (len(parts) >= 2 and parts[-2] == "appeal"):
            raise KeyError(f"no key '{last}'")
        parent[last] = value
    elif isinstance(parent, list):
        target = _step(parent, last)
        parent[parent.index(target)] = value
    else:
        raise KeyError(f"'{last}' is below a plain value")


def _path_tuple(data: Any, parts: list[str]) -> tuple:
    out: list = []
    node = data
    for part in parts:
        if isinstance(node, list):
            index = next((i for i, item in enumerate(node) if isinstance(item, dict) and item.get("id") == part), None)
            out.append(index if index is not None else part)
            node = node[index] if index is not None else None
        else:
            out.append(part)
            node = node.get(part) if isinstance(node, dict) else None
    return tuple(out)


def scenario_from_dict(data: dict, source: Path | None = None) -> Scenario:
    """Validate a scenario given as plain data (e.g. a hand-built world in a test)."""
    return _validate(copy.deepcopy(data), _Located.empty(str(source or "<scenario>")), source)


def is_finite_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
