"""One run of a mobilization scenario: build the model, step it through the calendar, collect tables.

The shared :func:`flowsim.run.simulate.simulate` checks the seed and scale and calls
:func:`simulate_mobilization` through the kind (``kinds/mobilization/kind.py``); the memory
estimate (:func:`check_memory`) refuses a run too big for the machine before any array is
built. Mesa and the model are imported on the first run, not with this module.
"""

from __future__ import annotations

import math
import os
import time
from typing import TYPE_CHECKING

from flowsim import __version__
from flowsim.errors import UserError
from flowsim.run.simulate import memory_limit_bytes

if TYPE_CHECKING:
    from flowsim.kinds.mobilization.run.results import RunResult
    from flowsim.kinds.mobilization.scenario import Scenario


# The per-person arrays of engine.people take ~46 bytes a person; they grow by 1.6x with a
# copy, and a day's working arrays come on top: 150 bytes per agent at risk (if all left).
BYTES_PER_AGENT = 150
BYTES_PER_COHORT = 64
BYTES_PER_PLACE_DAY = 600  # daily histories and the DataCollector's records


def estimate_memory_bytes(scenario: Scenario, scale: float | None = None) -> float:
    """Memory a run needs at most (everyone at risk leaving), estimated before any array is built."""
    scale = float(scale if scale is not None else scenario.behaviour.agent_scale)
    agents = sum(o.men_at_risk for o in scenario.origins) / scale
    places = len(scenario.destinations) + len(scenario.crossings)
    return (agents * BYTES_PER_AGENT + len(scenario.origins) * 180 * BYTES_PER_COHORT
            + scenario.calendar.days * places * BYTES_PER_PLACE_DAY)


def check_memory(scenario: Scenario, scale: float | None = None, *, option: str = "--scale") -> float:
    """Refuse a run that would not fit in memory, with the estimate and the limit.

    Raises:
        UserError: the estimate is over :func:`memory_limit_bytes`.
    """
    scale = float(scale if scale is not None else scenario.behaviour.agent_scale)
    need, limit = estimate_memory_bytes(scenario, scale), memory_limit_bytes()
    if not math.isfinite(need) or need > limit:
        people = sum(o.men_at_risk for o in scenario.origins)
        fixed = estimate_memory_bytes(scenario, math.inf)
        least = people * BYTES_PER_AGENT / max(limit - fixed, 1.0)
        raise UserError(
            f"scenario '{scenario.name}' at {scale:g} people per agent would need about {need / 1e9:,.1f} GB of "
            f"memory ({people:,} men at risk, {people / scale:,.0f} agents if all left); the limit is "
            f"{limit / 1e9:.1f} GB (half this machine's memory). Use {option} {least:.3g} or more "
            "(fewer agents), or fewer men at risk."
        )
    return need


def simulate_mobilization(
    scenario: Scenario,
    *,
    seed: int | None = None,
    scale: float | None = None,
    progress: bool = False,
    agents: bool = False,
) -> RunResult:
    """Run a mobilization scenario once (seed and scale already checked: :func:`flowsim.run.simulate.simulate`).

    Args:
        scenario: a validated scenario.
        seed: seed of the run's random generator; defaults to the scenario's calendar seed.
        scale: people per agent; defaults to ``behaviour.agent_scale``.
        progress: show a progress bar over the days.
        agents: also return the one-row-per-person table.

    Returns:
        The run's tables and a ``meta`` dict (seed, scale, versions, runtime).
    """
    import mesa
    import numpy as np
    from tqdm import tqdm

    from flowsim.kinds.mobilization.engine.model import FlowModel
    from flowsim.kinds.mobilization.run.results import collect_results

    seed = scenario.calendar.seed if seed is None else int(seed)
    began = time.perf_counter()
    model = FlowModel(scenario, rng=np.random.default_rng(seed), scale=scale)
    with tqdm(total=model.days, desc=f"{scenario.name} seed {seed}", unit="day",
              disable=not progress, leave=False) as bar:
        model.run(progress=bar.update)
    result = collect_results(model, agents=agents)
    result.meta = {
        "scenario": scenario.name,
        "scenario_path": str(scenario.source_path) if scenario.source_path else None,
        "scenario_hash": scenario.source_hash,
        "seed": seed,
        "scale": model.scale,
        "start": scenario.calendar.start.isoformat(),
        "end": scenario.calendar.end.isoformat(),
        "flowsim_version": __version__,
        "mesa_version": mesa.__version__,
        "people_at_risk": int(model.population_start.sum() * model.scale),
        "people_who_left": int(round(model.people.n * model.scale)),
        "agent_days": int(model.agent_days),
        "runtime_s": round(time.perf_counter() - began, 3),
    }
    return result
