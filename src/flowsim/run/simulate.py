"""One run of a scenario: build the model, step it through the calendar, collect tables.

Mesa and the model are imported when :func:`simulate` first runs, not with this module:
``flowsim.run`` exports :func:`simulate` eagerly (the function shares this module's name),
and code that only writes or reads files (figures, the report, ``flowsim check``) should
not pay for loading the model.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from flowsim import __version__

if TYPE_CHECKING:
    from flowsim.run.results import RunResult
    from flowsim.scenario import Scenario


def simulate(
    scenario: Scenario,
    *,
    seed: int | None = None,
    scale: float | None = None,
    progress: bool = False,
    agents: bool = False,
) -> RunResult:
    """Run a scenario once.

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

    from flowsim.engine.model import FlowModel
    from flowsim.run.results import collect_results

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
