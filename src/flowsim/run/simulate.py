"""One run of a scenario of any kind: the seed and scale checked once, the kind's model run.

:func:`simulate` is the one entry point (the command line, ensembles, comparisons,
sensitivity analyses, validation and the dashboard all come through it): it checks the
agent scale and seed a user gave (:func:`check_run_options`), lets the scenario's kind refuse
what it cannot do (memory, a fractional scale), and asks the kind to build its model from
(scenario, seed, scale) and return the run's tables. Mesa and the engines are imported when
a kind first runs, not with this module.
"""

from __future__ import annotations

import math
import os
from typing import Any

from flowsim.errors import UserError
from flowsim.kinds.protocol import RunOutput
from flowsim.kinds.registry import kind_of
from flowsim.scenario.spec import AGENT_SCALE_MAX, AGENT_SCALE_MIN, SEED_MAX


def memory_limit_bytes() -> int:
    """The most memory a run may need: half the machine's physical memory (8 GiB where it cannot be read)."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2
    except (OSError, ValueError, AttributeError):
        return 8 * 2**30


def check_run_options(scale: float | None, seed: int | None) -> None:
    """The agent scale and seed a run accepts (None: the scenario's own).

    Raises:
        UserError: naming the option and what is allowed.
    """
    if scale is not None and not (math.isfinite(scale) and AGENT_SCALE_MIN <= scale <= AGENT_SCALE_MAX):
        raise UserError(f"--scale {scale}: people per agent must be a number from {AGENT_SCALE_MIN:g} to "
                        f"{AGENT_SCALE_MAX:g}.")
    if seed is not None and not 0 <= int(seed) <= SEED_MAX:
        raise UserError(f"--seed {seed}: a seed is a whole number from 0 to 2**63 - 1.")


def check_run(scenario: Any, scale: float | None, seed: int | None = None) -> None:
    """Everything that can refuse a run, before any work: the options, then the kind's own limits."""
    check_run_options(scale, seed)
    kind_of(scenario).check_run(scenario, scale)


def simulate(scenario: Any, *, seed: int | None = None, scale: float | None = None, progress: bool = False,
             agents: bool = False) -> RunOutput:
    """Run a scenario of any kind once.

    Args:
        scenario: a validated scenario (mobilization, network, ...).
        seed: seed of the run's random generator; defaults to the scenario's own (``calendar.seed``).
        scale: people per agent; defaults to the scenario's own.
        progress: show a progress bar over the days (where the kind has one).
        agents: also return the one-row-per-person table (where the kind has one).

    Returns:
        The run's tables and a ``meta`` dict (seed, scale, versions, runtime).
    """
    kind = kind_of(scenario)
    check_run(scenario, scale, seed)
    seed = kind.default_seed(scenario) if seed is None else int(seed)
    return kind.run(scenario, seed=seed, scale=scale, progress=progress, agents=agents)
