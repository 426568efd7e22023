"""Flee's rule settings (``simsetting.yml``) as one typed, frozen object.

Only the settings that Flee 3.1's default movement and spawning read are kept; each has
Flee 3.1's default, so a scenario that names none of them runs Flee's defaults. Keys of
``simsetting.yml`` that Flee 3.1 ignores (``sum_from_camps``, ``capacity_scaling``,
``empty_camps_on_day0``, ``conflict_spawn_decay_interval``) are recorded in
:data:`IGNORED_BY_FLEE_31` and reported by the importer, not applied.

| key | default | meaning |
|---|---|---|
| ``move_rules.max_move_speed`` | 360 | km a person travels per day |
| ``move_rules.max_walk_speed`` | 35 | km per day on foot (``start_on_foot``, ``walk_probability``) |
| ``move_rules.foreign_weight`` | 1 | score multiplier of a location abroad |
| ``move_rules.camp_weight`` | 1 | score multiplier of a camp |
| ``move_rules.conflict_weight`` | 10^-0.5 | score multiplier of a conflict zone (raised to intensity × decay) |
| ``move_rules.conflict_movechance`` | 1 | daily chance of leaving a conflict zone |
| ``move_rules.camp_movechance`` | 0.001 | daily chance of leaving a camp |
| ``move_rules.idpcamp_movechance`` | 0.1 | daily chance of leaving an IDP camp |
| ``move_rules.default_movechance`` | 0.3 | daily chance of leaving a town |
| ``move_rules.awareness_level`` | 1 | route length (in non-marker steps) people weigh, 0 to 6; 0: a random link |
| ``move_rules.capacity_buffer`` | 0.9 | occupancy share at which a camp starts to look full |
| ``move_rules.avoid_short_stints`` | false | a person who travelled little keeps going through towns |
| ``move_rules.start_on_foot`` | false | first link on foot |
| ``move_rules.softening`` | 10 | km added to every route distance |
| ``move_rules.weight_softening`` | 0 | added to every destination score |
| ``move_rules.weight_power`` | 1 | power of a route weight |
| ``move_rules.distance_power`` | 1 | power of the route distance |
| ``spawn_rules.conflict_spawn_decay`` | none | spawn multiplier per 30 days since a conflict began |
| ``spawn_rules.insert_day0`` | true | camps start with their day-0 count |
| ``spawn_rules.take_from_population`` | false | (recorded; no effect on spawning counts) |
| ``optimisations.hasten`` | 1 | run 1/N of the people (population and data divided by N) |

Source: Flee 3.1, ``flee/SimulationSettings.py`` (Groen et al., https://github.com/djgroen/flee).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationError

from flowsim.errors import ScenarioError
from flowsim.scenario.document import Located, strip_lines
from flowsim.scenario.reader import collect_lines, read_yaml
from flowsim.scenario.spec import Spec

IGNORED_BY_FLEE_31 = {
    ("spawn_rules", "sum_from_camps"): "Flee 3.1 spawns from the total series (refugees.csv) whatever this says",
    ("spawn_rules", "empty_camps_on_day0"): "Flee 3.1 has no such setting (insert_day0 decides)",
    ("spawn_rules", "conflict_spawn_decay_interval"): "Flee 3.1 always uses 30-day intervals",
    ("move_rules", "capacity_scaling"): "Flee 3.1 does not scale camp capacities",
}

MAX_SETTING = 1e6
"""Largest weight, power, softening or speed (km a day) accepted: Flee's own are below 1,000."""
NonNegative = Annotated[float, Field(ge=0.0, le=MAX_SETTING)]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]


class MoveRules(Spec):
    """Flee's movement settings (``move_rules`` of ``simsetting.yml``)."""

    max_move_speed: Annotated[float, Field(gt=0.0, le=MAX_SETTING)] = 360.0
    max_walk_speed: Annotated[float, Field(gt=0.0, le=MAX_SETTING)] = 35.0
    foreign_weight: NonNegative = 1.0
    camp_weight: NonNegative = 1.0
    conflict_weight: NonNegative = 1.0 / 3.16227766017
    conflict_movechance: Probability = 1.0
    camp_movechance: Probability = 0.001
    idpcamp_movechance: Probability = 0.1
    default_movechance: Probability = 0.3
    awareness_level: Annotated[int, Field(ge=0, le=6)] = 1  # FabFlee's ukraine2022 uses 5
    capacity_buffer: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.9
    avoid_short_stints: bool = False
    start_on_foot: bool = False
    softening: NonNegative = 10.0
    weight_softening: NonNegative = 0.0
    weight_power: NonNegative = 1.0
    distance_power: NonNegative = 1.0


class SpawnRules(Spec):
    """Flee's spawning settings (``spawn_rules``)."""

    conflict_spawn_decay: list[NonNegative] | None = None
    insert_day0: bool = True
    take_from_population: bool = False
    spawn_from: str = Field(default="total", pattern="^(total|camps)$")


class FleeRules(Spec):
    """All of Flee's rule settings a run needs."""

    move_rules: MoveRules = MoveRules()
    spawn_rules: SpawnRules = SpawnRules()
    hasten: Annotated[int, Field(ge=1, le=1000)] = 1

    def conflict_decay(self, days_since_conflict: int | Any) -> Any:
        """Flee's spawn decay for a conflict ``days_since_conflict`` old (30-day buckets)."""
        import numpy as np

        decay = self.spawn_rules.conflict_spawn_decay
        if not decay:
            return np.ones_like(np.asarray(days_since_conflict, dtype=float))
        bucket = np.minimum((np.asarray(days_since_conflict) / 30).astype(int), len(decay) - 1)
        return np.asarray(decay, dtype=float)[bucket]


def read_simsetting(path: str | Path) -> tuple[dict, list[str]]:
    """Read a Flee ``simsetting.yml`` into the mapping :class:`FleeRules` takes.

    Returns:
        ``(settings, notes)``: the settings mapping (only keys Flee 3.1's default rules use)
        and one note per key that Flee 3.1 ignores or that flowsim does not model.

    Raises:
        ScenarioError: the file is not YAML or a value has the wrong type.
    """
    path = Path(path)
    root = read_yaml(path, what="Flee's simsetting.yml")  # bounded; the line of every key
    data = strip_lines(root)
    data = {} if data is None else data
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}, line 1: is not a mapping of settings (move_rules:, spawn_rules:, "
                            "optimisations:).")
    for section in ("move_rules", "spawn_rules", "optimisations"):
        if data.get(section) is not None and not isinstance(data[section], dict):
            raise ScenarioError(f"{path}, {_line_of(root, (section,))}, key '{section}': is "
                                f"{_short(data[section])}, not a mapping of settings (key: value lines).")
    notes: list[str] = []
    move_keys = set(MoveRules.model_fields)
    spawn_keys = {"conflict_spawn_decay", "insert_day0", "take_from_population"}
    out: dict[str, Any] = {"move_rules": {}, "spawn_rules": {}}
    for section, keys in (("move_rules", move_keys), ("spawn_rules", spawn_keys)):
        for key, value in (data.get(section) or {}).items():
            if key == "awareness_level" and isinstance(value, float) and not value.is_integer():
                out[section][key] = int(value)  # Flee 3.1 reads int(awareness_level)
                notes.append(f"{section}.{key} = {value!r}: Flee 3.1 reads int({value!r}) = {int(value)}")
            elif key in keys:
                out[section][key] = value
            elif (section, key) in IGNORED_BY_FLEE_31:
                notes.append(f"{section}.{key} = {value!r}: {IGNORED_BY_FLEE_31[(section, key)]}")
            else:
                notes.append(f"{section}.{key} = {value!r}: not used by Flee 3.1's default rules; ignored")
    hasten = (data.get("optimisations") or {}).get("hasten")
    if hasten is not None:
        out["hasten"] = hasten
    for section in data:
        if section not in ("move_rules", "spawn_rules", "optimisations", "log_levels"):
            notes.append(f"{section}: not used by Flee 3.1's default rules; ignored")
    try:
        FleeRules.model_validate(out)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(str(p) for p in first["loc"])
        if loc and loc[0] == "hasten":
            loc = ("optimisations", *loc)
        raise ScenarioError(f"{path}, {_line_of(root, loc)}, key '{'.'.join(loc)}': {first['msg']} "
                            f"(found {_short(first.get('input'))}).") from None
    return out, notes


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _line_of(root: Any, keys: tuple[str, ...]) -> str:
    """'line N' of the deepest of ``keys`` in the document (line 1 if none)."""
    _, line = Located(collect_lines(root), "").where(keys) if isinstance(root, dict) else ("", None)
    return f"line {line or 1}"
