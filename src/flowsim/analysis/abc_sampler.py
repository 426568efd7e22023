"""pyABC sampler whose populations do not depend on which worker finishes first, and that never forks.

pyABC's own parallel samplers fork worker processes (``fork`` start method, unsafe in a
process with threads) and accept particles in the order workers report them, and every
worker draws its proposals from numpy's global generator re-seeded from the system: two
calibrations with the same seed differ, and a loaded machine changes the result.

:class:`SeededPoolSampler` numbers the proposals of a generation 0, 1, 2, ... and seeds
numpy's and Python's global generators for proposal ``i`` of generation ``t`` from
``(seed, t, i)`` before pyABC's ``simulate_one`` draws it. Proposals run in a process pool
(:func:`flowsim.analysis.executors.make_executor`, ``forkserver``) or inline, and are
taken in their numbering, not their finishing order, until ``n`` are accepted: the same
seed gives the same populations with one worker or many, loaded or idle. Proposals run
beyond the ``n``-th acceptance are discarded (and not counted), the price of that order.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

import cloudpickle
import numpy as np
from pyabc.sampler import Sampler

from flowsim.analysis.executors import SerialExecutor, parallelism
from flowsim.run.seeds import derived_seed

_CACHE: dict[int, Callable[[], Any]] = {}


def proposal_seed(seed: int, generation: int, index: int) -> int:
    """The 32-bit seed of proposal ``index`` of generation ``generation`` (pyABC's t: -1 calibrates, -2 is the parent)."""
    return derived_seed(seed, int(generation) + 2, index)


def _propose(payload: bytes, key: int, seed: int) -> Any:
    """Worker side: pyABC's ``simulate_one`` with the global generators seeded for this proposal."""
    simulate_one = _CACHE.get(key)
    if simulate_one is None:
        _CACHE.clear()  # one generation's function at a time
        simulate_one = _CACHE[key] = cloudpickle.loads(payload)
    np.random.seed(seed)
    random.seed(seed)
    return simulate_one()


class SeededPoolSampler(Sampler):
    """Proposals seeded by their number, run on an executor, accepted in number order.

    Args:
        seed: root seed of the proposals.
        executor: where proposals run; a :class:`SerialExecutor` runs them here.
    """

    def __init__(self, seed: int, executor: Executor | None = None) -> None:
        super().__init__()
        self.seed = int(seed)
        self.executor = executor or SerialExecutor()
        self._generation_key = 0

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False,  # noqa: ARG002
                                ana_vars=None):  # noqa: ARG002
        sample = self._create_empty_sample()
        serial = isinstance(self.executor, SerialExecutor)
        self._generation_key += 1
        key = self._generation_key
        payload = b"" if serial else cloudpickle.dumps(simulate_one)
        in_flight = 1 if serial else 2 * parallelism(self.executor)
        pending: dict[int, Future] = {}
        submitted = evaluated = 0

        def submit(index: int) -> Future:
            seed = proposal_seed(self.seed, t, index)
            if serial:
                _CACHE.clear()
                _CACHE[key] = simulate_one
            return self.executor.submit(_propose, payload, key, seed)

        try:
            while sample.n_accepted < n and evaluated < max_eval:
                while len(pending) < in_flight and submitted < max_eval:
                    pending[submitted] = submit(submitted)
                    submitted += 1
                particle = pending.pop(evaluated).result()  # the lowest number, whoever finishes first
                sample.append(particle)
                evaluated += 1
        finally:
            for future in pending.values():
                future.cancel()
            for future in pending.values():  # let the pool finish what it started before the next generation
                if not future.cancelled():
                    future.exception()
        self.nr_evaluations_ = evaluated
        if sample.n_accepted < n:
            sample.ok = False
        return sample
