"""The compiled day of travel gives the numbers numpy gave: its sums, its draws, its capacity multipliers.

The engine's tables are byte-identical to the array version's only if the compiled code adds
route weights in numpy's order and draws from the model's generator exactly as numpy does; these
tests say so directly (the reference tables in tests/run say it for whole runs).
"""

from __future__ import annotations

import numba
import numpy as np
import pytest

from flowsim.kinds.network.engine import flee_rules as fr
from flowsim.kinds.network.engine.outcome_table import _numpy_sum, capacity_multipliers


@pytest.mark.parametrize("width", [1, 3, 7, 8, 9, 16, 17, 31, 128, 129, 300, 1000])
def test_route_weights_are_summed_in_numpys_order(width):
    rng = np.random.default_rng(width)
    weights = rng.random((40, width)) ** rng.integers(1, 20, size=(40, 1)) * 10.0 ** rng.integers(-6, 6, size=(40, 1))
    weights[rng.random(weights.shape) < 0.3] = 0.0  # candidates past a place's last weigh 0
    totals = weights.sum(axis=1, keepdims=True)  # as the array version summed each place's row
    assert [_numpy_sum(row.copy(), width) for row in weights] == list(totals[:, 0])


@numba.njit(cache=False)
def _draws(rng, singles, doubles):
    out = np.empty(singles + doubles)
    for i in range(singles):
        out[i] = rng.random(dtype=np.float32)
    for i in range(doubles):
        out[singles + i] = rng.random()
    return out


def test_compiled_draws_continue_numpys_stream_of_the_same_generator():
    compiled, plain = np.random.default_rng(11), np.random.default_rng(11)
    # the compiled code draws one at a time between numpy's batched draws; the stream is one
    got = np.concatenate([_draws(compiled, 5, 0), compiled.random(3, dtype=np.float32), _draws(compiled, 2, 4), compiled.random(2)])
    expected = np.concatenate([plain.random(5, dtype=np.float32), plain.random(3, dtype=np.float32),
                               plain.random(2, dtype=np.float32), plain.random(4), plain.random(2)])
    assert np.array_equal(got, expected)


def test_compiled_capacity_multipliers_are_flee_getcapmultiplier():
    occupancy = np.array([0, 90, 95, 100, 120, 5, 93])
    capacity = np.array([100, 100, 100, 100, 100, -1, 100])
    capped = np.flatnonzero(capacity >= 1)
    cap = capacity[capped].astype(float)
    out = np.ones(len(occupancy))
    capacity_multipliers(occupancy, capped, cap, 0.9 * cap, cap * (1 - 0.9), out)
    assert np.array_equal(out, fr.capacity_multiplier(occupancy, capacity, 0.9))
