"""The model pyABC calibrates: free parameters with their priors, and one run's distance to the observations.

Each particle's parameters become dotted-path overrides of the scenario; the run's summary
statistics and their distance are those of the scenario kind's observations
(:class:`~flowsim.kinds.protocol.Observations`): for a targets file (the mobilization kind)
the target values and documented series points, at
:func:`flowsim.analysis.targets.calibration_distance` (the interval misses of the calibration
targets plus the weighted series term); for a Flee case, the ARD of the camp series over the
fit period.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from flowsim.analysis.target_observations import as_observations
from flowsim.analysis.targets import TargetSet
from flowsim.errors import CalibrationError
from flowsim.kinds.protocol import Observations
from flowsim.scenario.spec import ScenarioSpec
from flowsim.run.seeds import derived_seed, parameter_digest

#: Key a model output carries when the run was skipped because the wall-time budget is spent.
EXPIRED = "__budget_spent__"


@dataclass(frozen=True)
class Prior:
    """A free parameter: dotted scenario path, range, and whether it is sampled on a log scale.

    pyABC samples ``key`` uniformly on ``[lower, upper]``: the range itself, or its base-10
    logarithm for a log-scale parameter.
    """

    name: str
    low: float
    high: float
    scale: str = "linear"
    integer: bool = False

    @property
    def key(self) -> str:
        safe = re.sub(r"[^A-Za-z0-9]+", "_", self.name).strip("_")
        return f"log10_{safe}" if self.scale == "log" else safe

    @property
    def lower(self) -> float:
        return math.log10(self.low) if self.scale == "log" else self.low

    @property
    def upper(self) -> float:
        return math.log10(self.high) if self.scale == "log" else self.high

    def value(self, sampled: float) -> float | int:
        """Scenario value of a sampled number."""
        value = 10.0 ** sampled if self.scale == "log" else float(sampled)
        return int(round(value)) if self.integer else value

    def midpoint(self) -> float | int:
        return self.value((self.lower + self.upper) / 2)


def unit_point(priors: Sequence[Prior], values: Mapping[str, float]) -> np.ndarray:
    """Parameter values (dotted names) as unit-cube coordinates of the priors' sampling scales, clipped
    to the cube: the inverse of the map from the cube a calibration's runs use."""
    coordinates = []
    for prior in priors:
        value = float(values[prior.name])
        if prior.scale == "log":
            value = math.log10(value) if value > 0 else prior.lower
        coordinates.append((value - prior.lower) / (prior.upper - prior.lower))
    return np.clip(np.asarray(coordinates), 0.0, 1.0)


def scenario_priors(scenario: ScenarioSpec) -> list[Prior]:
    """The priors of a scenario's ``calibration.parameters``.

    Raises:
        CalibrationError: the scenario has no calibration section or a bad range.
    """
    if scenario.calibration is None or not scenario.calibration.parameters:
        raise CalibrationError(
            f"Scenario '{scenario.name}' ({scenario.source_path or 'built in memory'}) has no "
            "'calibration: parameters:' list; add the free parameters as {name: <dotted path>, "
            "low: ..., high: ..., scale: linear|log}."
        )
    priors = []
    for spec in scenario.calibration.parameters:
        if not spec.low < spec.high:
            raise CalibrationError(f"calibration parameter '{spec.name}': low ({spec.low}) must be below high ({spec.high}).")
        if spec.scale == "log" and spec.low <= 0:
            raise CalibrationError(f"calibration parameter '{spec.name}': a log-scale range must be positive, got low {spec.low}.")
        current = scenario.get_value(spec.name)
        integer = isinstance(current, int) and not isinstance(current, bool)
        priors.append(Prior(spec.name, float(spec.low), float(spec.high), spec.scale, integer))
    keys = [p.key for p in priors]
    if len(set(keys)) != len(keys):
        raise CalibrationError(f"calibration parameters repeat a name: {', '.join(p.name for p in priors)}.")
    return priors


class TargetModel:
    """The model pyABC calls: sampled parameters -> the summary statistics of one simulated run.

    ``observed`` is a targets file or a kind's :class:`~flowsim.kinds.protocol.Observations`;
    the run is of :meth:`~flowsim.kinds.protocol.Observations.fitted` (the scenario as the
    observations fit it).

    The run's seed is derived from the root seed and the parameter values, so a particle
    always gives the same run. After ``deadline`` (a ``time.time()`` value) runs are skipped
    and the output carries :data:`EXPIRED`, which the distance turns into infinity: the
    generation in progress then ends at its evaluation limit instead of overrunning the budget.
    """

    def __init__(self, scenario: ScenarioSpec, observed: TargetSet | Observations, priors: list[Prior],
                 scale: float | None, seed: int, deadline: float = math.inf) -> None:
        self.observations = as_observations(observed)
        self.scenario = self.observations.fitted(scenario)
        self.priors = priors
        self.scale = scale
        self.seed = int(seed)
        self.deadline = deadline

    def overrides(self, parameters: dict[str, float]) -> dict[str, float | int]:
        """Dotted-path overrides of the scenario for a pyABC parameter dict."""
        return {p.name: p.value(parameters[p.key]) for p in self.priors}

    def run_seed(self, parameters: dict[str, float]) -> int:
        return derived_seed(self.seed, parameter_digest(parameters[p.key] for p in self.priors))

    def __call__(self, parameters: dict[str, float]) -> dict[str, float]:
        from flowsim.run.simulate import simulate  # Mesa and the model load on first run

        if time.time() > self.deadline:
            return {EXPIRED: 1.0}
        scenario = self.scenario.with_overrides(self.overrides(parameters))
        result = simulate(scenario, seed=self.run_seed(parameters), scale=self.scale)
        return self.observations.statistics(result.tables())


def mean_distance(scenario: ScenarioSpec, observed: TargetSet | Observations, values: dict[str, float | int],
                  seeds: list[int], scale: float | None) -> float:
    """Mean distance of runs at ``values`` (dotted path -> value), one run per seed.

    The same seeds for every point compared (common random numbers), so a difference between
    two points is theirs, not the seeds'.
    """
    from flowsim.run.simulate import simulate

    observations = as_observations(observed)
    scenario = observations.fitted(scenario).with_overrides(values)
    return float(sum(observations.distance(observations.statistics(simulate(scenario, seed=seed, scale=scale).tables()))
                     for seed in seeds) / len(seeds))


class TargetDistance:
    """pyABC distance: the observations' distance of the simulated statistics (for targets, their intervals)."""

    def __init__(self, observed: TargetSet | Observations) -> None:
        self.observations = as_observations(observed)

    def __call__(self, simulated: dict[str, float], observed: dict[str, float] | None = None) -> float:
        if EXPIRED in simulated:
            return math.inf
        return self.observations.distance(simulated)


# --------------------------------------------------------------------------- running
