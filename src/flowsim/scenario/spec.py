"""The frozen spec base every kind's scenario is built on, and the field types they share.

A scenario of any kind is a tree of :class:`Spec` models (frozen: a run cannot change its
scenario; unknown keys refused; no NaN or infinity). Its root derives from
:class:`ScenarioSpec`, which knows the file it came from and how to make a validated copy
with values at dotted paths replaced (calibration proposals, sensitivity samples, what-ifs);
each kind says how a document becomes its scenario (:meth:`ScenarioSpec.from_document`).
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Self

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, model_validator

from flowsim.errors import ScenarioError
from flowsim.scenario.document import Located, get_path, set_path

SEED_MAX = 2**63 - 1
AGENT_SCALE_MIN, AGENT_SCALE_MAX = 0.001, 10_000_000.0  # people per agent
MAX_TEXT = 10_000
MAX_BOUND = 1e9  # a calibration range's ends
MAX_PARAMETERS = 100  # free parameters of one calibration

Text = Annotated[str, Field(max_length=MAX_TEXT)]
Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Share = Annotated[float, Field(ge=0.0, le=1.0)]
Seed = Annotated[int, Field(ge=0, le=SEED_MAX)]


class Spec(BaseModel):
    """A part of a scenario: frozen, unknown keys refused, numbers finite."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)


def _a_number_not_true_false(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(f"a bound is a number, not {str(value).lower()}")
    return value


Bound = Annotated[float, BeforeValidator(_a_number_not_true_false), Field(ge=-MAX_BOUND, le=MAX_BOUND)]


class CalibrationParameter(Spec):
    """A free parameter: a dotted path into the scenario and its prior range."""

    name: Text
    low: Bound
    high: Bound
    scale: Literal["linear", "log"] = "linear"

    @model_validator(mode="after")
    def _a_range(self) -> CalibrationParameter:
        if not self.low < self.high:
            raise ValueError(f"parameter '{self.name}': low ({self.low:g}) must be below high ({self.high:g})")
        if self.scale == "log" and self.low <= 0:
            raise ValueError(f"parameter '{self.name}': a log-scale range must be positive, got low {self.low:g}")
        return self


def _each_named_once(parameters: list[CalibrationParameter]) -> list[CalibrationParameter]:
    names = [p.name for p in parameters]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"each parameter is named once; repeated: {', '.join(repeated)}")
    return parameters


CalibrationParameters = Annotated[list[CalibrationParameter], Field(max_length=MAX_PARAMETERS),
                                  AfterValidator(_each_named_once)]
"""A calibration's free parameters (every kind's ``calibration.parameters``): at most 100, each named once."""


def _described(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if value is None:
        return "not set"
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    return repr(value)[:40]


def calibration_parameter_problem(scenario: ScenarioSpec,
                                  parameters: list[CalibrationParameter]) -> tuple[tuple, str] | None:
    """(key path, what is wrong) for the first parameter that names no number of the scenario, or None.

    Every kind checks its ``calibration.parameters`` with this, after the scenario is validated:
    a name must be a dotted path to a number (a calibration proposes numbers for it).
    """
    dumped = scenario.model_dump(by_alias=True)
    for i, parameter in enumerate(parameters):
        try:
            value = get_path(dumped, parameter.name.split("."))
        except KeyError as err:
            return ("calibration", "parameters", i, "name"), f"'{parameter.name}' does not name a value ({err.args[0]})."
        if not is_finite_number(value):
            return ("calibration", "parameters", i, "name"), (
                f"'{parameter.name}' is not a number (it is {_described(value)}); a calibration parameter "
                "names a number of the scenario.")
    return None


def is_finite_number(value: Any) -> bool:
    """A real, finite number (not a bool)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


class ScenarioSpec(Spec):
    """The root of a scenario of any kind: its source file, dotted values and overrides."""

    KIND: ClassVar[str] = ""
    """The kind this scenario class belongs to (``flowsim.kinds.registry`` maps it to its implementation)."""
    _source_path: Path | None = PrivateAttr(default=None)
    _source_hash: str = PrivateAttr(default="")
    if TYPE_CHECKING:  # every kind's scenario has these fields, each in its own place of its schema
        name: str
        calibration: Any  # the kind's calibration section (parameters, scale, calibrated_file) or None

    @property
    def source_path(self) -> Path | None:
        """The YAML file the scenario was read from (None: built in code)."""
        return self._source_path

    @property
    def source_hash(self) -> str:
        """SHA-256 of the scenario's canonical JSON: two runs of equal hashes ran the same scenario."""
        if not self._source_hash:
            canonical = json.dumps(self.model_dump(mode="json", by_alias=True), sort_keys=True)
            self._source_hash = hashlib.sha256(canonical.encode()).hexdigest()
        return self._source_hash

    @property
    def calibrated_path(self) -> Path | None:
        """The calibrated parameter file ``calibration.calibrated_file`` names, resolved (None: none)."""
        calibration = getattr(self, "calibration", None)
        if calibration is None or calibration.calibrated_file is None:
            return None
        base = self._source_path.parent if self._source_path else Path.cwd()
        return (base / calibration.calibrated_file).resolve()

    @classmethod
    def from_document(cls, data: dict, located: Located, source: Path | None) -> Self:
        """The validated scenario of a plain document, or a ScenarioError naming file, line and key."""
        raise NotImplementedError

    @classmethod
    def may_add(cls, parts: list[str]) -> bool:
        """Whether a dotted path may name a key the document does not set yet (default: no)."""
        return False

    def get_value(self, dotted: str) -> Any:
        """The value at a dotted path; list items are addressed by their id.

        Raises:
            KeyError: the path names no value of the scenario.
        """
        return get_path(self.model_dump(by_alias=True), dotted.split("."))

    def with_overrides(self, values: dict[str, Any]) -> Self:
        """A validated copy with the values at the given dotted paths replaced.

        A number given for a whole-number setting (e.g. ``registration_after_days``) is
        rounded, so samplers and calibrators can treat every parameter as continuous.
        """
        data = self.model_dump(by_alias=True)
        for dotted, value in values.items():
            parts = dotted.split(".")
            try:
                try:
                    current = get_path(data, parts)
                except KeyError:
                    current = None  # a key not set yet, where the kind allows it (may_add)
                if isinstance(current, int) and not isinstance(current, bool) and is_finite_number(value):
                    value = int(round(value))
                set_path(data, parts, value, may_add=self.may_add)
            except KeyError as err:
                raise ScenarioError(
                    f"Override '{dotted}' does not name a value of scenario '{getattr(self, 'name', '?')}': "
                    f"{err.args[0]}"
                ) from None
        origin = f"{self._source_path or '<scenario>'} (with overrides)"
        new = type(self).from_document(data, Located.empty(origin), self._source_path)
        self._after_overrides(new)
        return new

    def _after_overrides(self, new: Self) -> None:
        """Hand what was read once (e.g. a network scenario's case) to a copy with overrides."""
