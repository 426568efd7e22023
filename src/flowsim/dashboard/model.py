"""The dashboard's Mesa model: a chosen scenario run day by day, the baseline beside it.

Mesa's ``SolaraViz`` builds the model again on Reset as ``type(model)(**parameters)``, so
:class:`DashboardModel` takes keyword arguments only: the scenario file, the seed, the agent
scale, whether to run the baseline alongside, and the scenario's calibrated parameters by
their dotted path. From them the scenario's kind builds one run stepped day by day
(:meth:`~flowsim.kinds.protocol.ScenarioKind.day_by_day`, and a second one for the baseline), and
the model steps them together, one day per step.

A scenario that cannot be used does not raise: the model keeps the one-paragraph message in
:attr:`DashboardModel.error`, logs it once to the ``flowsim.dashboard`` logger (the command
line prints it), stands still, and the page shows the same paragraph.

The tables the panels draw are the run's own (:meth:`~flowsim.kinds.protocol.DayByDayRun.tables`),
built at most once per day (:meth:`DashboardModel.tables`).
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any, NamedTuple

import mesa
import numpy as np
import pandas as pd

from flowsim.errors import FlowsimError
from flowsim.kinds.protocol import DayByDayRun
from flowsim.kinds.registry import all_kinds, kind_of, kind_of_file
from flowsim.run.simulate import check_run
from flowsim.scenario.spec import ScenarioSpec
from flowsim.scenario.catalogue import shipped_folder

log = logging.getLogger("flowsim.dashboard")

BASELINE_NAME = "mobilization_2022.yaml"


def _scenarios_folder(folder: str | Path = "scenarios") -> Path:
    """``folder`` (a clone's ``scenarios/``) where it exists, else the scenarios shipped in the package."""
    return Path(folder) if Path(folder).is_dir() else shipped_folder()


BASELINE_FILE = str(_scenarios_folder() / BASELINE_NAME)
"""The shipped baseline: relative to the folder ``flowsim dashboard`` runs in (a clone), else in the package."""
SCALES = (1, 2, 5, 10, 20, 50, 100)
"""Agent scales offered in the page (people per agent)."""


# --------------------------------------------------------------------------- scenarios and parameters


def shipped_scenarios(folder: str | Path = "scenarios") -> list[str]:
    """The scenario files in ``folder`` and ``folder/what_if``: the baseline first, then the what-ifs.

    Paths are returned as given (relative to the working folder when ``folder`` is relative),
    because they are what a person reads in the scenario list.
    """
    root = _scenarios_folder(folder)
    found = sorted(str(p) for p in root.glob("*.yaml")) + sorted(str(p) for p in root.glob("what_if/*.yaml"))
    return sorted(found, key=lambda p: p != str(root / BASELINE_NAME))


def scenario_choices(given: str | None, folder: str | Path = "scenarios") -> list[str]:
    """The scenario list of the page: the file given on the command line first, then the shipped ones."""
    shipped = shipped_scenarios(folder)
    if given is None:
        return shipped or [BASELINE_FILE]
    return [given] + [p for p in shipped if Path(p).resolve() != Path(given).resolve()]


def _label(dotted: str) -> str:
    """Slider label of a dotted parameter path: its last two parts ('leaving · shock hazard')."""
    parts = [p for p in dotted.split(".") if p not in ("behaviour", "destinations", "crossings")]
    return " · ".join(p.replace("_", " ") for p in parts[-2:])


def parameter_sliders(scenario: ScenarioSpec) -> dict[str, dict[str, Any]]:
    """One Mesa slider per calibrated parameter: its calibration range, starting at its value.

    Whole-number settings get an integer slider; the others a float slider of 100 steps.
    """
    sliders: dict[str, dict[str, Any]] = {}
    for p in scenario.calibration.parameters if scenario.calibration else ():
        value = scenario.get_value(p.name)
        whole = isinstance(value, int) and not isinstance(value, bool)
        low, high = (int(np.floor(p.low)), int(np.ceil(p.high))) if whole else (p.low, p.high)
        sliders[p.name] = {
            "type": "SliderInt" if whole else "SliderFloat",
            "label": _label(p.name),
            "value": min(max(value, low), high),
            "min": low,
            "max": high,
            "step": 1 if whole else float(f"{(high - low) / 100:.2g}"),
        }
    return sliders


def model_params(scenario_file: str, choices: list[str]) -> dict[str, Any]:
    """The ``model_params`` of ``SolaraViz``: what the sidebar offers, starting from ``scenario_file``.

    If ``scenario_file`` cannot be loaded the controls still appear (without parameter
    sliders), so a person can choose another scenario.
    """
    try:
        scenario = _load(scenario_file)
    except FlowsimError:
        scenario = None
    sliders = parameter_sliders(scenario) if scenario is not None else {}
    seed = kind_of(scenario).default_seed(scenario) if scenario is not None else 0
    scale = kind_of(scenario).default_scale(scenario) if scenario is not None else 1
    scales = sorted({*SCALES, int(scale) if float(scale).is_integer() else scale})
    return {
        "scenario_file": {"type": "Select", "label": "Scenario", "value": scenario_file, "values": choices},
        "seed": {"type": "InputText", "label": "Seed (whole number)", "value": str(seed)},
        "scale": {"type": "Select", "label": "Agent scale (people per agent)", "value": scale,
                  "values": scales},
        "compare_with_baseline": {"type": "Checkbox", "label": "Compare with baseline", "value": False},
        "baseline_file": choices[0] if Path(choices[0]).name == Path(BASELINE_FILE).name else BASELINE_FILE,
        "parameter_defaults": {name: s["value"] for name, s in sliders.items()},
        **sliders,
    }


_LOADED: dict[tuple[str, float], ScenarioSpec] = {}


def _load(path: str) -> ScenarioSpec:
    """Load a scenario (a :class:`FlowsimError` if it cannot be), reusing the last load of an unchanged file."""
    file = Path(path)
    if not file.is_file():
        raise FlowsimError(
            f"The scenario file '{path}' does not exist (looked in {Path.cwd()}). Give the path of a "
            "scenario YAML, e.g. scenarios/mobilization_2022.yaml, or start 'flowsim dashboard' in the "
            "folder that holds scenarios/.")
    kind = kind_of_file(file)
    if kind.dashboard_pages is None:
        stepped = " or ".join(k.name for k in all_kinds() if k.dashboard_pages)
        raise FlowsimError(
            f"{path} is a {kind.name} scenario (kind: {kind.name}); the dashboard steps {stepped} scenarios only so "
            "far. flowsim run, ensemble, compare and sensitivity take it.")
    key = (str(file.resolve()), file.stat().st_mtime)
    if key not in _LOADED:
        _LOADED[key] = kind.load(file)
    return _LOADED[key]


def scenario_problem(path: str) -> str | None:
    """The one-paragraph reason why the scenario at ``path`` cannot be run, or None if it can."""
    try:
        _load(path)
    except FlowsimError as err:
        return err.message
    return None


# --------------------------------------------------------------------------- the model


class DayTables:
    """What the panels draw, up to the last day run: the run's tables by name, as attributes.

    For a mobilization run ``daily`` (destinations), ``crossings``, ``population`` (people in
    each state) and ``flows`` (everyone who has crossed so far); for a network run ``camps``
    and ``daily`` (and the whole ``observed`` series): whatever the kind's
    :meth:`~flowsim.kinds.protocol.DayByDayRun.tables` gives, which its panels know.
    """

    def __init__(self, tables: dict[str, pd.DataFrame]) -> None:
        self._frames = dict(tables)
        self._split: dict[tuple[str, str], dict[str, PlaceRows]] = {}

    def __getattr__(self, name: str) -> pd.DataFrame:
        try:
            return self.__dict__["_frames"][name]
        except KeyError:
            raise AttributeError(f"the day's tables have no '{name}'") from None

    def by(self, table: str, key: str) -> dict[str, PlaceRows]:
        """The rows of ``table`` ("daily" or "crossings") per value of ``key``, with their days.

        Split once per day and shared by every chart: each chart used to filter the whole
        table (and parse its dates) once per country per day.
        """
        if (table, key) not in self._split:
            frame = getattr(self, table)
            self._split[table, key] = {
                str(name): PlaceRows(rows["date"].to_numpy(dtype="datetime64[D]"), rows)
                for name, rows in frame.groupby(key, sort=False)}
        return self._split[table, key]


class PlaceRows(NamedTuple):
    """One place's rows of a day table: the days as ``datetime64[D]`` (for the time axes) and the rows."""

    days: np.ndarray
    rows: pd.DataFrame


class DashboardModel(mesa.Model):
    """One scenario (and, if asked, the baseline) run day by day for the dashboard.

    Args:
        scenario_file: the scenario YAML to run.
        seed: seed of both runs (text from the page is accepted if it is a whole number);
            defaults to the scenario's calendar seed.
        scale: people per agent; defaults to the scenario's ``behaviour.agent_scale``.
        compare_with_baseline: also run ``baseline_file`` with the same seed, scale and parameters.
        baseline_file: the scenario the comparison runs.
        parameter_defaults: the value each parameter slider starts at; a parameter is only
            overridden when its slider was moved away from it, so a what-if that changes a
            calibrated parameter keeps its own value.
        scenario: Mesa's experiment ``Scenario``, which ``SolaraViz`` passes on Reset; unused
            (flowsim's scenario is ``scenario_file``).
        **parameters: calibrated parameters by dotted path, e.g.
            ``{"behaviour.leaving.shock_hazard": 0.002}``.
    """

    def __init__(
        self,
        *,
        scenario_file: str = BASELINE_FILE,
        seed: int | str | None = None,
        scale: float | None = None,
        compare_with_baseline: bool = False,
        baseline_file: str = BASELINE_FILE,
        parameter_defaults: dict[str, float] | None = None,
        scenario: Any = None,
        **parameters: float,
    ) -> None:
        try:
            self.seed, seed_error = self._whole_number(seed), None
        except FlowsimError as err:
            self.seed, seed_error = None, err
        super().__init__(rng=self.seed)
        self.scenario_file = str(scenario_file)
        self.baseline_file = str(baseline_file)
        self.compare_with_baseline = bool(compare_with_baseline)
        defaults = parameter_defaults or {}
        self.parameters = {k: v for k, v in parameters.items() if k not in defaults or v != defaults[k]}
        self.error: str | None = None
        self.notes: list[str] = []
        self.flow: DayByDayRun | None = None
        self.baseline: DayByDayRun | None = None
        self.followed: int | None = None
        self.trajectory: list[tuple[str, str, str]] = []
        self._tables: dict[str, tuple[int, DayTables]] = {}
        self.scale = float(scale) if scale is not None else 1.0
        try:
            if seed_error is not None:
                raise seed_error
            scenario_ = self._with_parameters(self.scenario_file)
            kind = kind_of(scenario_)
            self.seed = kind.default_seed(scenario_) if self.seed is None else self.seed
            self.scale = float(scale) if scale is not None else float(kind.default_scale(scenario_))
            check_run(scenario_, self.scale, self.seed)  # as every run is checked (the kind's own limits too)
            self.flow = kind.day_by_day(scenario_, seed=self.seed, scale=self.scale)
            if self.compare_with_baseline and not self._same_file(self.scenario_file, self.baseline_file):
                baseline = self._with_parameters(self.baseline_file)
                if kind_of(baseline) is kind:
                    self.baseline = kind.day_by_day(baseline, seed=self.seed, scale=self.scale)
                else:
                    self.notes.append(f"{Path(self.baseline_file).name} is a {kind_of(baseline).name} scenario: "
                                      f"a {kind.name} scenario is compared with one of its own kind only.")
        except FlowsimError as err:
            self.error = err.message
            self.flow = self.baseline = None
            self.running = False
            log.error(err.message)

    # ------------------------------------------------------------------ building

    @staticmethod
    def _whole_number(seed: int | str | None) -> int | None:
        if seed is None or (isinstance(seed, str) and not seed.strip()):
            return None
        try:
            return int(str(seed).strip())
        except ValueError:
            raise FlowsimError(f"The seed must be a whole number such as 7, not '{seed}'.") from None

    @staticmethod
    def _same_file(a: str, b: str) -> bool:
        return Path(a).resolve() == Path(b).resolve()

    def _with_parameters(self, path: str) -> ScenarioSpec:
        """The scenario at ``path`` with the parameters this model was given that it has."""
        scenario = _load(path)
        known, unknown = {}, []
        for name, value in self.parameters.items():
            try:
                scenario.get_value(name)
                known[name] = value
            except KeyError:
                unknown.append(name)
        if unknown:
            self.notes.append(f"{Path(path).name} has no {', '.join(unknown)}; left as it is.")
        return scenario.with_overrides(known) if known else scenario

    # ------------------------------------------------------------------ stepping

    @property
    def days_run(self) -> int:
        """Days simulated so far (0 before the first step)."""
        return 0 if self.flow is None else self.flow.day + 1

    @property
    def total_days(self) -> int:
        return 0 if self.flow is None else self.flow.days

    @property
    def date(self) -> dt.date | None:
        """The last day simulated (``None`` before the first step)."""
        return None if self.flow is None or self.flow.day < 0 else self.flow.today

    def step(self) -> None:
        """One day of the scenario (and of the baseline alongside it)."""
        if self.flow is None or not self.flow.running:
            self.running = False
            return
        for run in (self.flow, self.baseline):
            if run is not None and run.running:
                run.step()
        self._follow()
        self.running = self.flow.running

    def follow(self, index: int | None) -> None:
        """Follow person ``index`` of the exodus from today on (``None`` to stop)."""
        self.followed, self.trajectory = index, []
        self._follow()

    def _follow(self) -> None:
        if self.followed is None or self.flow is None or self.followed >= self.flow.people.n:
            return
        person = self.flow.person(self.followed)
        where = person.location or person.crossing or person.origin
        today = self.date.isoformat() if self.date else ""
        if not self.trajectory or self.trajectory[-1][1:] != (person.state, where):
            self.trajectory.append((today, person.state, where))

    # ------------------------------------------------------------------ tables

    def tables(self, which: str = "scenario") -> DayTables | None:
        """The tables of the scenario's run (or of the ``"baseline"`` run) up to today."""
        run = self.flow if which == "scenario" else self.baseline
        if run is None or run.day < 0:
            return None
        cached = self._tables.get(which)
        if cached is None or cached[0] != run.day:
            cached = (run.day, DayTables(run.tables()))
            self._tables[which] = cached
        return cached[1]

    def places(self) -> pd.DataFrame | None:
        """Where the scenario's places are (``places.csv``)."""
        return None if self.flow is None else self.flow.places()

    def events(self) -> list[dict[str, Any]]:
        """The scenario's dated events: date, label, kind and the country they concern (or None)."""
        return [] if self.flow is None else self.flow.events()
