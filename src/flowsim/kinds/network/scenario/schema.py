"""Network scenarios: a YAML file that points at a Flee-format case and chooses the rules.

A network scenario (``kind: network``) is what ``flowsim import-flee`` writes. It names the
case folder (``input_csv/`` and ``source_data/``, relative to the YAML file), the calendar,
the rule set (``rules: flee`` reproduces Flee 3.1; ``rules: flowsim`` uses flowsim's own
choice model) and the settings of both, so a user can edit any value, extend the period or
calibrate. This module is the only one that reads such a file; it returns a
:class:`NetworkScenario` (typed, frozen) together with the case read by
:mod:`flowsim.kinds.network.scenario.flee_reader`.

| key | type | meaning |
|---|---|---|
| ``name`` | id | output folder ``outputs/<name>/`` |
| ``kind`` | ``network`` | marks a network scenario |
| ``case`` | path | Flee case folder, relative to this file |
| ``calendar.days`` | int | days simulated (default: the case's Length) |
| ``calendar.seed`` | int | default seed |
| ``rules`` | ``flee`` / ``flowsim`` | rule set |
| ``flee`` | mapping | Flee's settings (:mod:`flowsim.kinds.network.scenario.flee_settings`) |
| ``flowsim_rules`` | mapping | flowsim's choice model (:class:`FlowsimRules`) |
| ``agent_scale`` | int ≥ 1 | people per agent (same as Flee's ``hasten``; overrides it) |
| ``fit_until`` | date | last day of data used for calibration; later days are the forecast |
| ``calibration.parameters[]`` | list | ``name`` (dotted path), ``low``, ``high``, ``scale`` |
| ``calibration.calibrated_file`` | path | calibrated values applied on load |
"""

from __future__ import annotations

import os
import stat

import datetime as dt
import difflib
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from flowsim.kinds.network.scenario.flee_reader import MAX_PERIOD_DAYS, FleeCase, read_case
from flowsim.kinds.network.scenario.flee_settings import FleeRules

from flowsim.errors import ScenarioError

Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)  # NaN/inf would reach the tables


class FlowsimRules(_Spec):
    """flowsim's own choice model on a network (``rules: flowsim``).

    Leaving is a daily chance by kind of place, as in Flee; the choice among reachable
    places is a multinomial logit whose utility is ``distance_per_100km`` × route km / 100 +
    ``camp`` × [camp] + ``foreign`` × [abroad] + ``conflict`` × intensity × [conflict zone],
    over routes of up to ``awareness_level`` steps; camps that are full are avoided as in Flee.
    """

    leave_conflict: Probability = 1.0
    leave_town: Probability = 0.3
    leave_camp: Probability = 0.001
    distance_per_100km: float = -1.0
    camp: float = 1.0
    foreign: float = 0.5
    conflict: float = -1.0
    awareness_level: Annotated[int, Field(ge=1, le=3)] = 1
    speed_km_day: Annotated[float, Field(gt=0.0)] = 200.0


MAX_DAYS = MAX_PERIOD_DAYS
MAX_AGENT_SCALE = 10_000_000
"""Most people per agent, as for mobilization scenarios."""


class Calendar(_Spec):
    days: Annotated[int, Field(ge=1, le=MAX_DAYS)] | None = None
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)] = 0


class CalibrationParameter(_Spec):
    name: str
    low: float
    high: float
    scale: Literal["linear", "log"] = "linear"


class CalibrationSpec(_Spec):
    parameters: list[CalibrationParameter] = Field(default_factory=list)
    calibrated_file: str | None = None
    scale: Annotated[int, Field(ge=1, le=MAX_AGENT_SCALE)] | None = None


class NetworkScenario(_Spec):
    """A network scenario (see the module docstring for the keys)."""

    name: Identifier
    description: str = ""
    kind: Literal["network"] = "network"
    case: str
    calendar: Calendar = Calendar()
    rules: Literal["flee", "flowsim"] = "flee"
    flee: FleeRules = FleeRules()
    flowsim_rules: FlowsimRules = FlowsimRules()
    agent_scale: Annotated[int, Field(ge=1, le=MAX_AGENT_SCALE)] | None = None
    fit_until: dt.date | None = None
    calibration: CalibrationSpec = CalibrationSpec()
    _source: Path | None = PrivateAttr(default=None)
    _case: FleeCase | None = PrivateAttr(default=None)

    @property
    def source_path(self) -> Path | None:
        return self._source

    @property
    def network_case(self) -> FleeCase:
        """The Flee case this scenario runs (read once, on load)."""
        if self._case is None:
            self._case = read_case(self.case_dir)
        return self._case

    @property
    def case_dir(self) -> Path:
        base = self._source.parent if self._source is not None else Path.cwd()
        return (base / self.case).resolve()

    @property
    def scale(self) -> int:
        """People per agent: ``agent_scale`` if set, else Flee's ``hasten``."""
        return self.agent_scale if self.agent_scale is not None else self.flee.hasten

    @property
    def days(self) -> int:
        return self.calendar.days or self.network_case.length

    @property
    def start(self) -> dt.date:
        return self.network_case.start_date

    def get_value(self, dotted: str) -> Any:
        node: Any = self.model_dump()
        for part in dotted.split("."):
            node = node[part]
        return node

    def value_of(self, dotted: str) -> Any:
        """The current value of a dotted setting (``flee.move_rules.camp_weight``)."""
        node: Any = self.model_dump()
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                raise ScenarioError(f"{self._source}: calibration parameter {dotted!r} is not a setting of this scenario.")
            node = node[part]
        return node

    def with_overrides(self, values: dict[str, Any]) -> NetworkScenario:
        """A copy with dotted-path values replaced (calibration proposals, ``--scale``)."""
        data = self.model_dump()
        for dotted, value in values.items():
            parts = dotted.split(".")
            node = data
            for part in parts[:-1]:
                node = node[part]
            if parts[-1] not in node:
                raise ScenarioError(f"{self._source}: calibration parameter {dotted!r} is not a setting of this scenario.")
            old = node[parts[-1]]
            node[parts[-1]] = int(round(value)) if isinstance(old, int) and not isinstance(old, bool) else value
        new = _validate(data, self._source, {})
        new._case = self._case
        return new


def is_network_file(path: str | Path) -> bool:
    """Whether a YAML file is a network scenario (``kind: network``), read cheaply.

    Only a regular file is opened (a FIFO or a device would block), and only its first
    megabyte is read, bytes that are not UTF-8 replaced: anything odd is left to the
    scenario loader, which explains it.
    """
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return False
        with open(path, "rb") as handle:
            head = handle.read(1 << 20).decode("utf-8", errors="replace")
    except (OSError, ValueError):
        return False
    for line in head.splitlines():
        if line.startswith("kind:"):
            return line.split(":", 1)[1].split("#")[0].strip() == "network"
    return False


def _lines(node: yaml.Node, prefix: tuple = ()) -> dict[tuple, int]:
    out = {prefix: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            out.update(_lines(value, prefix + (key.value,)))
            out[prefix + (key.value,)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out.update(_lines(item, prefix + (i,)))
    return out


def _validate(data: dict, source: Path | None, lines: dict[tuple, int]) -> NetworkScenario:
    try:
        scenario = NetworkScenario.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        line = None
        for cut in range(len(loc), -1, -1):
            if loc[:cut] in lines:
                line = lines[loc[:cut]]
                break
        key = ".".join(str(p) for p in loc)
        where = f"{source}" + (f", line {line}" if line else "")
        message = f"{where}: {key}: {err['msg']}."
        if err["type"] == "extra_forbidden":
            allowed = _allowed(loc[:-1])
            close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            message = f"{where}: {key} is not a known key." + (f" Did you mean {close[0]!r}?" if close else "") + " Allowed here: " + ", ".join(allowed) + "."
        raise ScenarioError(message) from None
    scenario._source = source
    return scenario


def _allowed(loc: tuple) -> list[str]:
    model: Any = NetworkScenario
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(part)
        annotation = field.annotation if field else None
        model = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
        if model is None and field is not None:
            for arg in getattr(annotation, "__args__", ()):
                if isinstance(arg, type) and issubclass(arg, BaseModel):
                    model = arg
    return sorted(model.model_fields) if model is not None else []


def load_network_scenario(path: str | Path) -> NetworkScenario:
    """Read a network scenario YAML and the Flee case it names.

    Raises:
        ScenarioError: the YAML or the case files are malformed (file, line, key, what is allowed).
    """
    path = Path(path).resolve()
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot be read ({exc.strerror}).") from None
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{path}: is not UTF-8 text (byte {exc.start} cannot be read); save it as UTF-8.") from None
    except RecursionError:
        raise ScenarioError(f"{path}: values are nested too deeply; a network scenario needs a few levels.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark else ""
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())  # one paragraph
        raise ScenarioError(f"{path}{line}: is not valid YAML ({problem}).") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: a scenario is a mapping of keys (name:, case:, rules:, …).")
    lines = _lines(node) if node is not None else {}
    scenario = _validate(data, path, lines)
    if not scenario.case_dir.is_dir():
        raise ScenarioError(f"{path}, line {lines.get(('case',), '?')}: case: {scenario.case} is not a folder (resolved to {scenario.case_dir}). It names the Flee case folder, relative to this file.")
    calibrated = scenario.calibration.calibrated_file
    if calibrated:
        cal_path = path.parent / calibrated
        if cal_path.exists():
            try:
                values = yaml.safe_load(cal_path.read_text(encoding="utf-8")) or {}
            except (OSError, ValueError, RecursionError, yaml.YAMLError) as exc:
                raise ScenarioError(f"{cal_path}: cannot be read as a calibrated parameter file "
                                    f"({' '.join(str(exc).split())[:200]}).") from None
            if not isinstance(values, dict) or not isinstance(values.get("parameters", values), dict):
                raise ScenarioError(f"{cal_path}, line 1: a calibrated parameter file holds a mapping 'parameters:' of "
                                    "setting names to values, as written by 'flowsim calibrate'.")
            scenario = scenario.with_overrides(values.get("parameters", values))
    case = scenario.network_case
    if case.conflicts is not None and case.conflicts.shape[0] < scenario.days:
        raise ScenarioError(f"{path}, line {lines.get(('calendar', 'days'), '?')}: calendar.days is {scenario.days} but conflicts.csv of the case has "
                            f"{case.conflicts.shape[0]} days. Set calendar.days to {case.conflicts.shape[0]} or fewer (Flee 3.1 would stop with an IndexError on day {case.conflicts.shape[0]}).")
    if scenario.fit_until is not None:
        last = case.start_date + dt.timedelta(days=scenario.days - 1)
        if not case.start_date <= scenario.fit_until < last:
            raise ScenarioError(f"{path}, line {lines.get(('fit_until',), '?')}: fit_until {scenario.fit_until} is outside the simulated period {case.start_date} to {last} (it must leave at least one day to forecast).")
    return scenario
