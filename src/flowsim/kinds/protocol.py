"""What a kind of scenario offers the rest of flowsim: one interface, implemented once per kind.

Every kind (``flowsim.kinds.<kind>.kind.KIND``) implements :class:`ScenarioKind`; shared code
(``flowsim run``, ``check``, ``validate``, ``calibrate``, ``ensemble``, the single
:func:`~flowsim.run.simulate.simulate`) only calls these methods, so adding a kind adds one
subpackage and one line of :mod:`flowsim.kinds.registry`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import datetime as dt

    import pandas as pd

    from flowsim.scenario.spec import CalibrationParameter, ScenarioSpec


@runtime_checkable
class RunOutput(Protocol):
    """The result of one run of any kind: named tables and a ``meta`` record (seed, scale, times)."""

    meta: dict

    def tables(self) -> dict[str, pd.DataFrame]: ...


@dataclass(frozen=True)
class RunRequest:
    """What ``flowsim run`` asks of a kind: one run, its tables, figures and summary."""

    out: Path
    seed: int | None = None
    scale: float | None = None
    progress: bool = False
    agents: bool = False
    figures: bool = True


@dataclass(frozen=True)
class ValidateRequest:
    """What ``flowsim validate`` asks: several runs scored against the kind's observations."""

    out: Path | None  # None: the kind's default folder
    runs: int
    seed: int | None = None
    scale: float | None = None
    workers: int = 1
    progress: bool = False
    options: Mapping[str, Any] | None = None  # the kind's own options (targets file, posterior draws, ...)


@dataclass(frozen=True)
class CalibrateRequest:
    """What ``flowsim calibrate`` asks: fit the calibration parameters to the kind's observations."""

    out: Path | None
    seed: int | None = None
    scale: float | None = None
    workers: int = 1
    progress: bool = False
    options: Mapping[str, Any] | None = None  # budget, population size, fit period, calibrated file, ...


@runtime_checkable
class Observations(Protocol):
    """What a kind holds its runs against: its documented observations and its distance.

    The shared validation (:mod:`flowsim.analysis.validation`) runs a scenario with the
    shared seeds and executors and keeps :meth:`of_run` of each run; the shared ABC-SMC
    driver (:mod:`flowsim.analysis.calibration`) runs :meth:`fitted` with each particle's
    values and accepts by :meth:`distance` of the run's :meth:`statistics`. Instances are
    pickled to the workers with the runs they score.
    """

    ids: list[str]
    """Names of the summary statistics a calibration's posterior keeps (as ``sim_<id>``)."""
    observed: dict[str, float]
    """pyABC's observed data: the statistics a run at distance 0 would have."""

    def fitted(self, scenario: ScenarioSpec) -> ScenarioSpec:
        """The scenario as a calibration runs it (e.g. cut to the fit period; the later days are forecast)."""

    def statistics(self, tables: Mapping[str, pd.DataFrame]) -> dict[str, float]:
        """One run's summary statistics."""

    def distance(self, statistics: Mapping[str, float]) -> float:
        """How far one run's statistics are from the observations (0: as observed)."""

    def describe_distance(self) -> str:
        """The distance in words, for a calibration record."""

    def of_run(self, run: RunOutput) -> dict[str, Any]:
        """What a validation keeps of one run (picklable: it comes back from a worker)."""


class DayByDayRun(Protocol):
    """One run stepped a day at a time (the dashboard), and what its panels draw up to today."""

    day: int  # the last day run (-1 before the first)
    days: int
    running: bool
    scale: float
    config: ScenarioSpec

    @property
    def today(self) -> dt.date: ...

    def step(self) -> None: ...

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables up to today (the kind's panels know their names)."""

    def places(self) -> pd.DataFrame:
        """Where the scenario's places are."""

    def events(self) -> list[dict[str, Any]]:
        """The dated events: date, label, kind and the place they concern (or None)."""


class ScenarioKind(Protocol):
    """One kind of scenario: how it is read, run, tabulated, scored and drawn."""

    name: str
    """The value of ``kind:`` in a scenario file."""
    run_tables: tuple[str, ...]
    """The tables of one run (``<name>.csv``), as ensemble members write them."""
    band_keys: Mapping[str, tuple[str, ...]]
    """Tables whose numeric columns get percentile bands over runs, and the columns naming a row."""
    dashboard_pages: str | None
    """The module (by name) of this kind's dashboard pages (``COMPONENTS``, ``TITLE``; built from
    :mod:`flowsim.dashboard.app`'s pieces), which draw what :meth:`day_by_day` steps; None: no
    dashboard. Named, not imported: the dashboard sits above the kind's other layers."""

    def load(self, path: str | Path) -> ScenarioSpec:
        """The scenario in a YAML file (a ScenarioError names file, line and key)."""

    def describe(self, scenario: ScenarioSpec) -> str:
        """What ``flowsim check`` says about a valid scenario (and any refusal to run it)."""

    def check_run(self, scenario: ScenarioSpec, scale: float | None) -> None:
        """Refuse, before any work, a run this kind cannot do at ``scale`` (a UserError)."""

    def default_seed(self, scenario: ScenarioSpec) -> int:
        """The seed of a run that names none."""

    def default_scale(self, scenario: ScenarioSpec) -> float:
        """People per agent of a run that names no scale."""

    def run(self, scenario: ScenarioSpec, *, seed: int, scale: float | None, progress: bool = False,
            agents: bool = False) -> RunOutput:
        """Build the kind's model from (scenario, seed, scale), run it, and return its tables."""

    def key_outputs(self, tables: Mapping[str, pd.DataFrame]) -> dict[str, float]:
        """The headline numbers of one run (ensembles, comparisons, sensitivity)."""

    def output_names(self, scenario: ScenarioSpec) -> list[str]:
        """Every key output a run of this scenario has."""

    def headline_outputs(self, scenario: ScenarioSpec) -> list[str]:
        """The key outputs a comparison or sensitivity analysis reports by default."""

    def calibration_parameters(self, scenario: ScenarioSpec) -> list[CalibrationParameter]:
        """The free parameters (dotted paths) and their ranges."""

    def observations(self, scenario: ScenarioSpec) -> Observations:
        """The scenario's documented observations (targets and series) and the distance of a run to them."""

    def run_command(self, scenario: ScenarioSpec, request: RunRequest) -> str:
        """``flowsim run``: one run written to ``request.out`` (tables, score, figures); returns the summary."""

    def validate_command(self, scenario: ScenarioSpec, request: ValidateRequest) -> tuple[str, int]:
        """``flowsim validate``: (the printed report, the exit status)."""

    def calibrate_command(self, scenario: ScenarioSpec, request: CalibrateRequest) -> str:
        """``flowsim calibrate``: the printed report."""

    def day_by_day(self, scenario: ScenarioSpec, *, seed: int, scale: float) -> DayByDayRun:
        """The kind's model built from (scenario, seed, scale), to be stepped one day at a time
        (only where :attr:`dashboard_pages`)."""

    def plot_folder(self, folder: Path, *, report: bool = True) -> list[Path] | None:
        """Draw the figures (and report) of a run folder of this kind; None: not this kind's folder."""
