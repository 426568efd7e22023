"""pyABC's sampling of a population on any executor, in batches, with the same result on any of them.

pyABC's own parallel samplers draw each particle's proposal from numpy's global generator,
re-seeded from the system in every worker, and keep the particles in the order they were
started: two calibrations with the same seed differ, and a Dask cluster gives other numbers
than a process pool. :class:`ExecutorSampler` sends batches of particles to a
``concurrent.futures.Executor`` (flowsim's serial, process-pool or Dask executors, see
:mod:`flowsim.analysis.executors`); batch ``b`` of generation ``t`` seeds numpy's global
generator from (seed, t, b) before drawing its particles, and the population is made of the
batches' particles in batch order up to the n-th accepted one. The population, and the
count of simulations it took, are then a function of the seed alone: the same on one worker
or many, on a process pool or on a Dask cluster. Batches also cut the per-particle cost of
sending work to a worker (the particle function is pickled once per generation, and each
worker unpickles it once). Batches started beyond the one that completes the population
are discarded, at most two per worker and generation.

This module imports pyABC; :mod:`flowsim.analysis.calibration` imports it only when it calibrates.
"""

from __future__ import annotations

import hashlib
import random
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait

import cloudpickle
import numpy as np
import pyabc
from jabbar import jabbar

from flowsim.analysis.executors import parallelism

BATCH_SIZE = 4
"""Particles per task: large enough that sending a task costs little against four runs, small
enough that a generation's discarded overshoot stays a few runs per worker. It does not
depend on the number of workers, so neither do the results."""

_GLOBAL_RNG = threading.Lock()  # numpy's global generator is one per process: one batch at a time
_LOADED: dict[str, Callable] = {}  # the particle function of the current generation, per worker


def batch_seed(seed: int, generation: int, batch: int) -> np.ndarray:
    """The state that seeds numpy's global generator for one batch of one generation."""
    return np.random.SeedSequence([int(seed), int(generation) + 1, int(batch)]).generate_state(4)


def simulate_batch(function: bytes, digest: str, seed: np.ndarray, count: int) -> list:
    """Run pyABC's particle function ``count`` times from a seeded global generator (in a worker).

    Top level, so that it pickles for a process pool or a Dask worker.
    """
    simulate_one = _LOADED.get(digest)
    if simulate_one is None:
        _LOADED.clear()
        simulate_one = _LOADED[digest] = cloudpickle.loads(function)
    with _GLOBAL_RNG:
        np.random.seed(seed)
        random.seed(int(seed[0]))
        return [simulate_one() for _ in range(count)]


class ExecutorSampler(pyabc.sampler.Sampler):
    """pyABC sampler over a ``concurrent.futures.Executor``, reproducible from ``seed``.

    Args:
        executor: where batches run (serial, process pool or Dask).
        seed: root seed of the proposals.
        batch_size: particles per task.
    """

    def __init__(self, executor: Executor, seed: int, batch_size: int = BATCH_SIZE) -> None:
        super().__init__()
        self.executor = executor
        self.seed = int(seed)
        self.batch_size = int(batch_size)
        self.pending_batches = 2 * parallelism(executor)

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False,
                                ana_vars=None):  # noqa: ARG002 - pyABC's signature
        function = cloudpickle.dumps(simulate_one)
        digest = hashlib.sha1(function).hexdigest()
        sample = self._create_empty_sample()
        pending: dict[Future, int] = {}
        finished: dict[int, list] = {}
        submitted = used = evaluations = 0
        done = False
        with jabbar(total=n, enable=self.show_progress, keep=False) as bar:
            while not done:
                while len(pending) < self.pending_batches and submitted * self.batch_size < max_eval:
                    future = self.executor.submit(simulate_batch, function, digest,
                                                  batch_seed(self.seed, t, submitted), self.batch_size)
                    pending[future] = submitted
                    submitted += 1
                if not pending:
                    break
                ready, _ = wait(list(pending), return_when=FIRST_COMPLETED)
                for future in ready:
                    finished[pending.pop(future)] = future.result()
                # the population takes the batches in order, whatever order they finished in
                while used in finished and not done:
                    for particle in finished.pop(used):
                        sample.append(particle)
                        evaluations += 1
                        if particle.accepted:
                            bar.inc()
                        if sample.n_accepted >= n or evaluations >= max_eval:
                            done = True
                            break
                    used += 1
        for future in pending:  # beyond the population: not needed, whenever they finish
            future.cancel()
        self.nr_evaluations_ = evaluations
        if sample.n_accepted < n:
            sample.ok = False
        return sample
