"""A point of the free parameters where the runs' figures lie inside their bands, searched on runs.

The emulator posterior (:mod:`flowsim.analysis.emulator_posterior`) finds the region its
emulators favour. With some 40 parameters and a few hundred runs the emulators are rough far
from their runs, and a narrow region where every figure holds at once can go unseen: the
calibrations of the baseline landed in different modes from one design to the next. This
module searches for such a region directly on runs, by the covariance matrix adaptation
evolution strategy (CMA-ES; Hansen 2016, the ``cma`` package) in the unit cube of the priors.

What it minimises is :func:`band_excess` summed over the figures: zero while a figure lies in
the middle :data:`MIDDLE` of its band, growing as it nears an edge, steeper beyond it; the
calibration targets count fully, the checks :data:`CHECK_WEIGHT`. It returns the best point
and the figures still outside there: a point estimate and a proof of what the model reaches
jointly, not a posterior. Its point seeds an emulator calibration's first wave
(``flowsim calibrate --design-around``), which then learns the posterior around it.

References:
    Hansen N (2016). The CMA evolution strategy: a tutorial. arXiv:1604.00772.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from flowsim.analysis.targets import Target, interval_miss
from flowsim.errors import CalibrationError

MIDDLE = 0.6
"""Share of a band's half-width (from its centre) inside which a figure costs nothing."""
ONE_SIDED_WIDTH = 0.2
"""Width of the band read on the open side of a one-sided figure, as a share of its bound."""
OUTSIDE_SLOPE = 2.0
"""Cost per half-width beyond a band's edge, on top of the quadratic cost."""
CHECK_WEIGHT = 0.4
"""Weight of a check against a calibration target's 1."""
MISSING = 10.0
"""Cost of a figure a run cannot compute (no value)."""
START_SPREAD = 0.08
"""CMA-ES's initial step, as a share of each prior's width."""


def band_excess(value: float, low: float | None, high: float | None) -> float:
    """How far a value lies out of the middle of its band (0 inside the middle :data:`MIDDLE`).

    ``z`` is the distance from the centre in half-widths (1 at an edge); a one-sided figure is
    read as a band :data:`ONE_SIDED_WIDTH` of its bound wide on its open side. The cost is
    ``max(0, z - MIDDLE)**2 + OUTSIDE_SLOPE * max(0, z - 1)``.
    """
    if value is None or not math.isfinite(value):
        return MISSING
    if low is not None and high is not None:
        centre, half = (low + high) / 2.0, (high - low) / 2.0
        z = abs(value - centre) / (half if half > 0 else 0.05 * abs(centre) + 1e-12)
    elif low is not None:
        z = max(0.0, 1.0 - (value - low) / (ONE_SIDED_WIDTH * abs(low) + 1e-12))
    elif high is not None:
        z = max(0.0, 1.0 - (high - value) / (ONE_SIDED_WIDTH * abs(high) + 1e-12))
    else:
        return 0.0
    return max(0.0, z - MIDDLE) ** 2 + OUTSIDE_SLOPE * max(0.0, z - 1.0)


def search_cost(targets: Sequence[Target], values: Mapping[str, float]) -> tuple[float, list[str]]:
    """The summed :func:`band_excess` of one run's figures (checks weighted :data:`CHECK_WEIGHT`) and
    the ids of the figures outside their bands."""
    cost, outside = 0.0, []
    for target in targets:
        value = values.get(target.id, math.nan)
        cost += (1.0 if target.role == "calibration" else CHECK_WEIGHT) * band_excess(value, target.low, target.high)
        if interval_miss(value, target.low, target.high) > 0:
            outside.append(target.id)
    return cost, outside


@dataclass(frozen=True)
class SearchResult:
    """The best point found: unit-cube coordinates, its run's figures, cost and figures outside; and
    one row per generation of the search (``trace``)."""

    point: np.ndarray
    values: dict[str, float]
    cost: float
    outside: list[str]
    trace: pd.DataFrame

    @property
    def simulations(self) -> int:
        return int(self.trace["simulations"].iloc[-1]) if len(self.trace) else 0


def cma_search(simulate_at: Callable[[np.ndarray], list[dict[str, float]]], targets: Sequence[Target],
               start: np.ndarray, *, max_simulations: int, seed: int, spread: float = START_SPREAD,
               report: Callable[[str], None] | None = None) -> SearchResult:
    """CMA-ES from ``start`` (unit cube) on the runs ``simulate_at`` gives, for ``max_simulations`` runs.

    Each generation's parameter sets are run together (``simulate_at`` maps them, in parallel on
    a pool); the strategy and its draws are seeded, and a run's seed follows from its parameters,
    so the same call gives the same search.
    """
    try:
        import cma
    except ImportError:
        raise CalibrationError("The point search needs the 'cma' package, which is not installed. Install the "
                               "optional extra: pip install 'flowsim[calibrate]'.") from None
    start = np.clip(np.asarray(start, float), 0.0, 1.0)
    strategy = cma.CMAEvolutionStrategy(list(start), spread, {
        "bounds": [0.0, 1.0], "seed": int(seed) % (2**31 - 2) + 1, "maxfevals": int(max_simulations),
        "verbose": -9})
    best: tuple[float, np.ndarray, dict[str, float], list[str]] | None = None
    rows = []
    simulations = 0
    while not strategy.stop() and simulations < max_simulations:
        asked = strategy.ask()
        points = np.clip(np.asarray(asked), 0.0, 1.0)[: max_simulations - simulations]
        runs = simulate_at(points)
        scored = [search_cost(targets, run) for run in runs]
        simulations += len(points)
        if len(points) == len(asked):  # a generation cut by the budget does not update the strategy
            strategy.tell(asked, [cost for cost, _ in scored])
        for point, run, (cost, outside) in zip(points, runs, scored, strict=True):
            if best is None or cost < best[0]:
                best = (cost, point, dict(run), outside)
        rows.append({"generation": len(rows) + 1, "simulations": simulations,
                     "generation_best": min(cost for cost, _ in scored), "best": best[0],
                     "outside_at_best": len(best[3]), "step": float(strategy.sigma)})
        if report is not None:
            report(f"search: {simulations} runs, best cost {best[0]:.3f} with {len(best[3])} figures outside")
    if best is None:
        raise CalibrationError("The point search ran no simulation: give --max-simulations of at least one generation.")
    return SearchResult(best[1], best[2], best[0], best[3], pd.DataFrame(rows))


def search_scenario(scenario, targets, *, scale: float | None, seed: int | None, workers: int = 1,
                    scheduler: str | None = None, max_simulations: int = 1_500,
                    start: Mapping[str, float] | None = None,
                    report: Callable[[str], None] | None = None) -> tuple[SearchResult, dict[str, float], dict]:
    """Search a scenario's free parameters on runs (:func:`cma_search`) against every target of ``targets``.

    Args:
        scenario: a mobilization scenario with a ``calibration:`` section.
        targets: the figures (calibration targets and checks).
        scale: people per agent in the runs; default ``calibration.scale``.
        seed: root seed of the runs and the search; default the scenario's.
        workers, scheduler: local processes, or a Dask scheduler's address, for each generation's runs.
        max_simulations: runs in all.
        start: values to start from (dotted names; those left out, and all when None, are the scenario's).
        report: told, in a line, each generation's runs and best cost (progress).

    Returns:
        The result, the best point's values by dotted name, and the search's record.
    """
    from flowsim.analysis.abc_model import TargetModel, scenario_priors, unit_point
    from flowsim.analysis.executors import make_executor, resolve_kind
    from flowsim.analysis.history_matching import scenario_simulator

    priors = scenario_priors(scenario)
    scale = scale if scale is not None else scenario.calibration.scale
    seed = scenario.calendar.seed if seed is None else int(seed)
    start = {p.name: float((start or {}).get(p.name, scenario.get_value(p.name))) for p in priors}
    begin = unit_point(priors, start)
    model = TargetModel(scenario, targets, priors, scale, seed)
    with make_executor(resolve_kind(None, workers, scheduler), workers, scheduler) as pool:
        result = cma_search(scenario_simulator(model, priors, pool.map), list(targets), begin,
                            max_simulations=max_simulations, seed=seed, report=report)
    # clamped: 10 ** log10(high) may round a hair above high, which a prior's range refuses
    values = {p.name: min(max(p.value(p.lower + float(u) * (p.upper - p.lower)), p.low), p.high)
              for p, u in zip(priors, result.point, strict=True)}
    record = {
        "method": "search (CMA-ES on runs)",
        "scenario": scenario.name, "seed": seed, "scale": scale, "simulations": result.simulations,
        "cost": ("sum over the figures of max(0, z - %g)^2 + %g max(0, z - 1), z the distance from the band's centre in "
                 "half-widths (a one-sided band read %g of its bound wide); checks weighted %g"
                 % (MIDDLE, OUTSIDE_SLOPE, ONE_SIDED_WIDTH, CHECK_WEIGHT)),
        "best_cost": round(result.cost, 4),
        "outside_at_best": result.outside,
        "start": start,
        "values": {name: float(value) for name, value in values.items()},
    }
    return result, values, record
