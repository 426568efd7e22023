"""Every seed flowsim derives from a root seed: the one place random streams are split.

One run takes one seed (:func:`flowsim.run.simulate.simulate`). Whatever needs more than one
run, or random draws beside the runs (an ensemble's members, a validation's runs, a
calibration's proposals and its runs, prior or posterior draws, the dashboard's "follow
someone"), derives its seeds here with numpy's ``SeedSequence``, for every kind of scenario
alike. Two streams derived for different purposes from the same root are independent; the
same root and purpose give the same stream on any machine and in any worker.

The salts of :class:`Purpose` and the key orders below are those each derivation had before
it moved here: every derived seed, and so every table, is unchanged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from enum import IntEnum

import numpy as np


class Purpose(IntEnum):
    """Draws beside the runs, each its own stream of the root seed (the salt: a short name in ASCII)."""

    PRIOR_PREDICTIVE = 0x5052  # "PR": parameter sets of a prior-predictive validation
    POSTERIOR_DRAWS = 0x506F7374  # "Post": parameter sets drawn from the committed posterior
    HISTORY_MATCHING = 0x484D  # "HM": the design points of history matching
    PRIOR_INFORMATIVENESS = 0x5052494F52  # "PRIOR": prior draws that test what each target says


def spawn_seeds(seed: int, runs: int) -> list[int]:
    """Independent integer seeds for ``runs`` runs, children of one master seed.

    Child ``i`` is the same whatever ``runs`` is, so ensembles can be extended.
    """
    children = np.random.SeedSequence(int(seed)).spawn(int(runs))
    return [int(child.generate_state(1)[0]) for child in children]


def derived_seeds(*keys: int, count: int) -> list[int]:
    """``count`` 32-bit seeds of the sequence ``keys`` (a root seed and what the seeds are for).

    The first of them is :func:`derived_seed` of the same keys.
    """
    return [int(x) for x in np.random.SeedSequence([int(k) for k in keys]).generate_state(count)]


def derived_seed(*keys: int) -> int:
    """One 32-bit seed of the sequence ``keys``: e.g. (root, digest of a parameter set) for the run
    of a calibration proposal, or (root, generation, index) for a proposal itself."""
    return derived_seeds(*keys, count=1)[0]


def random_stream(*keys: int) -> np.random.Generator:
    """A generator of the sequence ``keys``: ``random_stream(seed, Purpose.X)`` for draws beside runs."""
    return np.random.default_rng(np.random.SeedSequence([int(k) for k in keys]))


def parameter_digest(values: Iterable[float]) -> int:
    """A 64-bit key of a parameter set (its exact values): a proposal gives the same run in any worker."""
    text = ",".join(float(v).hex() for v in values)
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
