"""Runs of network scenarios (imported Flee cases): simulate, tabulate and write the tables.

``simulate_network`` runs one seed and returns data frames; ``write_network_tables`` writes
them through the project's atomic writer:

* ``camps.csv`` — date, camp, simulated, observed (and simulated_p05/p95 for several runs);
* ``daily.csv`` — date, spawned, on_roads, in_camps_simulated, in_camps_observed;
* ``meta.json`` — scenario, rules, seed, scale, agents, run time.

The score against the observed series (``flee_score.json``) is :mod:`flowsim.kinds.network.analysis.flee_score`'s,
the figure and report :mod:`flowsim.kinds.network.figures.camps`'s.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from flowsim.errors import UserError
from flowsim.kinds.network.engine.model import NetworkModel, NetworkRun, agents_needed
from flowsim.run.simulate import memory_limit_bytes
from flowsim.run.writing import write_csv, write_json
from flowsim.kinds.network.scenario.schema import NetworkScenario


# per agent: location, route, next decision day, recent travel, progress (4 bytes each), route
# step and a flag (1 each), and a day's working arrays: 10 million agents peaked at 1.1 GB
BYTES_PER_AGENT = 100


def check_memory(scenario: NetworkScenario, scale: int | None = None) -> int:
    """Refuse a run whose agents would not fit in memory; returns the agents it needs.

    Raises:
        UserError: the estimate is over :func:`flowsim.run.simulate.memory_limit_bytes`, with the
            estimate, the limit and the smallest ``--scale`` that fits.
    """
    scale = int(scale) if scale is not None else scenario.scale
    agents, limit = agents_needed(scenario, scale), memory_limit_bytes()
    if agents * BYTES_PER_AGENT > limit:
        least = agents * scale * BYTES_PER_AGENT // limit + 1
        raise UserError(
            f"network scenario '{scenario.name}' at {scale:,} people per agent would need about "
            f"{agents * BYTES_PER_AGENT / 1e9:,.1f} GB of memory ({agents:,} agents: everyone the case's series "
            f"spawn); the limit is {limit / 1e9:.1f} GB (half this machine's memory). Use --scale {least:,} or "
            "more (agent_scale in the scenario), or a case with smaller series.")
    return agents


@dataclass
class NetworkResult:
    """The tables of one run (or the summary of several) of a network scenario."""

    camps: pd.DataFrame
    daily: pd.DataFrame
    meta: dict = field(default_factory=dict)
    score: dict = field(default_factory=dict)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The run's tables by name (``camps``, ``daily``)."""
        return {"camps": self.camps, "daily": self.daily}


def simulate_network(scenario: NetworkScenario, *, seed: int | None = None, scale: int | None = None) -> NetworkResult:
    """One run of a network scenario.

    Args:
        scenario: the network scenario.
        seed: default: ``calendar.seed``.
        scale: people per agent (default: the scenario's ``agent_scale`` / ``hasten``).
    """
    seed = scenario.calendar.seed if seed is None else seed
    start = time.perf_counter()
    run = NetworkModel(scenario, rng=seed, scale=scale).run()
    runtime = time.perf_counter() - start
    meta = _meta(scenario, run, seed=seed, runtime=runtime)
    return NetworkResult(camps=camps_table(run), daily=daily_table(run), meta=meta)


def fit_until(scenario: NetworkScenario) -> str | None:
    """The scenario's last fitting day as ISO text (None: no forecast period)."""
    return scenario.fit_until.isoformat() if scenario.fit_until else None


def _meta(scenario: NetworkScenario, run: NetworkRun, *, seed, runtime: float) -> dict:
    return {
        "scenario": scenario.name,
        "kind": "network",
        "rules": scenario.rules,
        "case": str(scenario.case_dir),
        "seed": seed,
        "scale": run.scale,
        "agents": run.agents,
        "agent_steps": run.agent_steps,
        "runtime_s": runtime,
        "start": run.dates[0].isoformat(),
        "days": len(run.dates),
        "attribution": "Observed series: UNHCR; ACLED; via djgroen/FabFlee",
    }


def camps_table(run: NetworkRun) -> pd.DataFrame:
    """Long table: date, camp, simulated, observed."""
    days, camps = run.simulated.shape
    return pd.DataFrame(
        {
            "date": np.repeat([d.isoformat() for d in run.dates], camps),
            "camp": np.tile(run.camp_names, days),
            "simulated": run.simulated.reshape(-1),
            "observed": run.observed.reshape(-1),
        }
    )


def daily_table(run: NetworkRun) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": [d.isoformat() for d in run.dates],
            "spawned": run.spawned,
            "on_roads": run.on_roads,
            "in_camps_simulated": run.simulated.sum(axis=1),
            "in_camps_observed": run.observed.sum(axis=1),
        }
    )


def write_network_tables(result: NetworkResult, out: Path, *, figures_follow: bool = False) -> list[Path]:
    """Write camps.csv, daily.csv and meta.json (and flee_score.json if the result has a score), atomically.

    ``meta.json`` says what the folder holds, as a mobilization run's manifest does: ``status`` is
    ``complete``, or with ``figures_follow`` ``figures pending`` until
    :func:`flowsim.run.writing.record_finished` notes the figure and the report.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    meta = {**result.meta, "status": "figures pending" if figures_follow else "complete",
            "finished": {"tables": True, "figures": [], "report": False}}
    written = [
        write_csv(result.camps, out / "camps.csv"),
        write_csv(result.daily, out / "daily.csv"),
        write_json(meta, out / "meta.json"),
    ]
    if result.score:
        written.append(write_json(result.score, out / "flee_score.json"))
    return written
