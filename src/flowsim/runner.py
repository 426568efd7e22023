"""One run of a scenario: build the model, step it through the calendar, collect tables."""

from __future__ import annotations

import time

import mesa
import numpy as np
from tqdm import tqdm

from flowsim import __version__
from flowsim.model import FlowModel
from flowsim.results import RunResult, collect_results
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
