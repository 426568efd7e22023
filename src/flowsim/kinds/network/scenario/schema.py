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
| ``closures[]`` | list | what-ifs: closures added to the case's ``closures.csv`` (``kind``, ``name1``, ``name2``, ``start``, ``end`` days as Flee counts them; ``end: -1`` never reopens) |
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Annotated, ClassVar, Literal

from pydantic import Field, PrivateAttr, ValidationError

from flowsim.errors import ScenarioError
from flowsim.kinds.network.scenario.flee_reader import MAX_PERIOD_DAYS, FleeCase, FleeClosure, read_case
from flowsim.kinds.network.scenario.flee_settings import FleeRules
from flowsim.scenario.document import Located, dotted_key, explain, line_text, strip_lines
from flowsim.scenario.reader import apply_calibrated_file, collect_lines, read_yaml, safe_resolve
from flowsim.scenario.spec import (
    MAX_PARAMETERS,
    CalibrationParameters,
    Identifier,
    ScenarioSpec,
    Seed,
    Share,
    Spec,
    Text,
    calibration_parameter_problem,
)

MAX_DAYS = MAX_PERIOD_DAYS  # the longest period a Flee case may have
MAX_AGENT_SCALE = 10_000_000
MAX_WEIGHT = 1_000.0  # |a logit weight|
Weight = Annotated[float, Field(ge=-MAX_WEIGHT, le=MAX_WEIGHT)]


class FlowsimRules(Spec):
    """flowsim's own choice model on a network (``rules: flowsim``).

    Leaving is a daily chance by kind of place, as in Flee; the choice among reachable
    places is a multinomial logit whose utility is ``distance_per_100km`` × route km / 100 +
    ``camp`` × [camp] + ``foreign`` × [abroad] + ``conflict`` × intensity × [conflict zone],
    over routes of up to ``awareness_level`` steps; camps that are full are avoided as in Flee.
    """

    leave_conflict: Share = 1.0
    leave_town: Share = 0.3
    leave_camp: Share = 0.001
    distance_per_100km: Weight = -1.0
    camp: Weight = 1.0
    foreign: Weight = 0.5
    conflict: Weight = -1.0
    awareness_level: Annotated[int, Field(ge=1, le=3)] = 1
    speed_km_day: Annotated[float, Field(gt=0.0, le=100_000.0)] = 200.0


class Calendar(Spec):
    days: Annotated[int, Field(ge=1, le=MAX_DAYS)] | None = None
    seed: Seed = 0


class CalibrationSpec(Spec):
    parameters: CalibrationParameters = Field(default_factory=list)
    calibrated_file: Text | None = None
    scale: Annotated[int, Field(ge=1, le=MAX_AGENT_SCALE)] | None = None


class ExtraClosure(Spec):
    """A closure a what-if adds to the case's own (a row of Flee's ``closures.csv``)."""

    kind: Literal["country", "location", "link", "camp", "idpcamp"]
    name1: Text
    name2: Text = ""
    start: Annotated[int, Field(ge=0, le=MAX_DAYS)]
    end: Annotated[int, Field(ge=-1, le=MAX_DAYS)] = -1


class NetworkScenario(ScenarioSpec):
    """A network scenario (see the module docstring for the keys)."""

    KIND: ClassVar[str] = "network"
    name: Identifier
    description: Text = ""
    kind: Literal["network"] = "network"
    case: Text
    calendar: Calendar = Calendar()
    rules: Literal["flee", "flowsim"] = "flee"
    flee: FleeRules = FleeRules()
    flowsim_rules: FlowsimRules = FlowsimRules()
    agent_scale: Annotated[int, Field(ge=1, le=MAX_AGENT_SCALE)] | None = None
    fit_until: dt.date | None = None
    calibration: CalibrationSpec = CalibrationSpec()
    closures: Annotated[list[ExtraClosure], Field(max_length=MAX_PARAMETERS * 10)] = Field(default_factory=list)
    _case: FleeCase | None = PrivateAttr(default=None)

    @classmethod
    def from_document(cls, data: dict, located: Located, source: Path | None) -> NetworkScenario:
        plain = strip_lines(data)
        try:
            scenario = cls.model_validate(plain)
        except ValidationError as err:
            raise ScenarioError(explain(err, located, plain, cls)) from None
        problem = calibration_parameter_problem(scenario, scenario.calibration.parameters)
        if problem:
            loc, text = problem
            file, line = located.where(loc)
            raise ScenarioError(f"{file}, {line_text(line)}, key '{dotted_key(loc, plain)}': {text}")
        scenario._source_path = source
        return scenario

    @classmethod
    def may_add(cls, parts: list[str]) -> bool:
        """A calibrated file may set ``fit_until`` (the period it was fitted on)."""
        return parts == ["fit_until"]

    def _after_overrides(self, new: NetworkScenario) -> None:
        new._case = self._case

    @property
    def network_case(self) -> FleeCase:
        """The Flee case this scenario runs (read once, on load), with the scenario's extra closures."""
        if self._case is None:
            case = read_case(self.case_dir)
            if self.closures:
                extra = tuple(FleeClosure(c.kind, c.name1, c.name2, c.start, c.end, 0) for c in self.closures)
                case = dataclasses.replace(case, closures=case.closures + extra)
            self._case = case
        return self._case

    @property
    def case_dir(self) -> Path:
        base = self._source_path.parent if self._source_path is not None else Path.cwd()
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


def load_network_scenario(path: str | Path) -> NetworkScenario:
    """Read a network scenario YAML and the Flee case it names.

    Raises:
        ScenarioError: the YAML or the case files are malformed (file, line, key, what is allowed).
    """
    path = safe_resolve(Path(path))
    data = read_yaml(path, what="a network scenario")
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}, line 1: a network scenario is a YAML mapping of keys such as 'name', 'kind', "
                            f"'case', 'calendar', 'rules'; found {type(data).__name__}.")
    located = Located(collect_lines(data), str(path))
    apply_calibrated_file(data, path, located, may_add=NetworkScenario.may_add)
    scenario = NetworkScenario.from_document(data, located, path)
    where = {key: "{}, {}".format(*_file_line(located, key)) for key in (("case",), ("calendar", "days"), ("fit_until",))}
    if not scenario.case_dir.is_dir():
        raise ScenarioError(f"{where[('case',)]}: case: {scenario.case} is not a folder (resolved to {scenario.case_dir}). It names the Flee case folder, relative to this file.")
    case = scenario.network_case
    _check_closures(scenario, case, located)
    if case.conflicts is not None and case.conflicts.shape[0] < scenario.days:
        raise ScenarioError(f"{where[('calendar', 'days')]}: calendar.days is {scenario.days} but conflicts.csv of the case has "
                            f"{case.conflicts.shape[0]} days. Set calendar.days to {case.conflicts.shape[0]} or fewer (Flee 3.1 would stop with an IndexError on day {case.conflicts.shape[0]}).")
    if scenario.fit_until is not None:
        last = case.start_date + dt.timedelta(days=scenario.days - 1)
        if not case.start_date <= scenario.fit_until < last:
            raise ScenarioError(f"{where[('fit_until',)]}: fit_until {scenario.fit_until} is outside the simulated period {case.start_date} to {last} (it must leave at least one day to forecast).")
    return scenario


def _file_line(located: Located, key: tuple) -> tuple[str, str]:
    file, line = located.where(key)
    return file, line_text(line)


def _check_closures(scenario: NetworkScenario, case: FleeCase, located: Located) -> None:
    """Every place or country an extra closure names is one of the case's."""
    names = {location.name for location in case.locations}
    countries = {location.country for location in case.locations}
    for i, closure in enumerate(scenario.closures):
        wanted = [("name1", closure.name1)] + ([("name2", closure.name2)] if closure.kind in ("link", "country") else [])
        for key, name in wanted:
            allowed = countries if closure.kind == "country" else names
            if name not in allowed:
                file, line = _file_line(located, ("closures", i, key))
                what = "country of the case's locations" if closure.kind == "country" else "location of the case"
                close = ", ".join(sorted(allowed)[:12])
                raise ScenarioError(f"{file}, {line}, key 'closures.{i}.{key}': {name!r} is not a {what}; "
                                    f"allowed: {close}{', …' if len(allowed) > 12 else ''}.")
