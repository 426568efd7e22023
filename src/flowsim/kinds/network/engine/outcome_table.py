"""The outcome table of every place in compiled code: rebuilt whenever a capped camp's multiplier changes.

Row ``p`` of the table is place ``p``: stay with 1 − move chance, then each candidate route with
move chance × its share of the route weights (Flee's ``calculateLinkWeight``); row ``n + p`` the same
with a move chance of 1; the last row "stay" (laid out by
:meth:`~flowsim.kinds.network.engine.choice.Choice._day_table`, which prepares everything that
changes only between days). The day's travel
(:mod:`flowsim.kinds.network.engine.travel_rounds`) calls :func:`refresh_table` before each round's
choices; it rebuilds the rows when the camps' occupancies, clipped below at their buffers, have
changed (or the day's parts have).

Exactness: the float64 weights are summed in numpy's pairwise order (:func:`_numpy_sum`) and
accumulated in order, so the table is the one the array version built, bit for bit. The one
exception is a ``weight_power`` other than 1, 2, 0.5, 0 or −1 (Flee's default is 1), where the C
library's ``pow`` may differ from numpy's in the last bit.
"""

from __future__ import annotations

import numba
import numpy as np

from flowsim.kinds.network.engine.flee_rules import FULL_CAMP_THRESHOLD

STALE = 6  # the slot of the travel's state vector that says the day's parts changed (see travel_rounds)
CAP_ONES, CAP_PLAIN, CAP_POWER = 0, 1, 2  # the capacity factor of a route: 1, the multiplier, multiplier^power
TINY = float(np.finfo(np.float64).tiny)  # the divisor's floor, as numpy's ``np.maximum(total, tiny)``

_jit = numba.njit(cache=True, error_model="numpy")


@_jit
def _block_sum(a, lo, n):
    """numpy's ``pairwise_sum_DOUBLE`` of ``a[lo:lo + n]`` for ``n`` up to 128 (one block)."""
    if n < 8:
        res = -0.0
        for i in range(n):
            res += a[lo + i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    while i < n - (n % 8):
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@_jit
def _pairwise_sum(a, lo, n):
    """numpy's pairwise summation of ``a[lo:lo + n]``, bit for bit: blocks of at most 128 summed
    as :func:`_block_sum`, halves (rounded to multiples of 8) added in a tree. The tree is walked
    with an explicit stack: numba's disk cache cannot hold a recursive function."""
    if n <= 128:
        return _block_sum(a, lo, n)
    starts = np.empty(64, dtype=np.int64)
    sizes = np.empty(64, dtype=np.int64)
    stage = np.zeros(64, dtype=np.int8)
    sums = np.empty(64)
    top, done = 0, 0
    starts[0], sizes[0] = lo, n
    while top >= 0:
        start, size = starts[top], sizes[top]
        if size <= 128:
            sums[done] = _block_sum(a, start, size)
            done += 1
            top -= 1
            continue
        half = size // 2
        half -= half % 8
        if stage[top] == 2:  # both halves summed: left + right
            sums[done - 2] = sums[done - 2] + sums[done - 1]
            done -= 1
            top -= 1
            continue
        stage[top] += 1
        first = stage[top] == 1
        top += 1
        starts[top] = start if first else start + half
        sizes[top] = half if first else size - half
        stage[top] = 0
    return sums[0]


@_jit
def _numpy_sum(a, n):
    """``a[:n].sum()`` as numpy reduces a row of a 2-D array (``sum(axis=1)``)."""
    return 0.0 + _pairwise_sum(a, 0, n)


@_jit
def capacity_multipliers(occupancy, capped, capacity, floor, span, out):
    """Flee's ``getCapMultiplier`` of the capped camps into ``out`` (1 elsewhere, set by the caller)."""
    for c in range(len(capped)):
        occ = float(occupancy[capped[c]])
        if occ <= floor[c]:
            out[capped[c]] = 1.0
        elif occ >= capacity[c]:
            out[capped[c]] = 0.0
        else:
            out[capped[c]] = 1.0 - (occ - floor[c]) / span[c]


@_jit
def _power(x, power):
    """``x ** power`` as numpy computes an array to a scalar power (its fast cases first)."""
    if power == 1.0:
        return x
    if power == 2.0:
        return x * x
    if power == 0.5:
        return np.sqrt(x)
    if power == 0.0:
        return 1.0
    if power == -1.0:
        return 1.0 / x
    return x**power


@_jit
def _build_table(day, cap, cap_mode, power, multi_step, edges, out_link, out_route):
    """The outcome table (edges, first links, routes after) for the camps' multipliers ``cap``.

    Row ``p``: stay with 1 − move chance, then each candidate with move chance × its share of
    the route weights; row ``n + p``: the same with a move chance of 1 (0 with nowhere to go);
    the last row: stay. As :meth:`~flowsim.kinds.network.engine.choice.Choice._day_table` lays it out.
    """
    base, end, valid, link, no_link, camp_end, movechance, has, first_edge, after = day
    n, count = base.shape
    width = edges.shape[1]
    factor = np.ones(len(cap))
    if cap_mode == CAP_PLAIN:
        factor[:] = cap
    elif cap_mode == CAP_POWER:
        for i in range(len(cap)):
            factor[i] = _power(cap[i], power)
    weights = np.empty(count)
    cumulative = np.empty(width)
    for p in range(n):
        for j in range(count):
            weights[j] = base[p, j] * factor[end[p, j]]
        total = _numpy_sum(weights, count)
        if total <= 0.0:  # Flee: when every weight is zero, the routes are equally likely
            for j in range(count):
                if valid[p, j]:
                    weights[j] = 1.0
            total = _numpy_sum(weights, count)
        total = max(total, TINY)
        for r, chance in ((p, movechance[p]), (n + p, has[p])):
            c = first_edge[r]
            cumulative[0] = c
            for j in range(count):
                c = c + chance * (weights[j] / total)
                cumulative[j + 1] = c
            for j in range(count + 1, width):
                c = c + 0.0
                cumulative[j] = c
            last = cumulative[width - 1]
            for j in range(width):
                # the last outcome with any chance takes everything up to 1 (and past float rounding)
                edges[r, j] = np.float32(2.0) if cumulative[j] >= last else np.float32(cumulative[j])
            for j in range(count):
                blocked = no_link[p, j] or (camp_end[p, j] and cap[end[p, j]] < FULL_CAMP_THRESHOLD)
                out_link[r, j + 1] = -1 if blocked else link[p, j]
                if multi_step:
                    out_route[r, j + 1] = -1 if blocked else after[p, j]


@_jit
def refresh_table(state, occupancy, places, day, table, cap):
    """Rebuild the outcome table if the day's table changed or a capped camp's multiplier may have."""
    capped, capacity, floor, span, cap_floor, key, cap_mode, power, multi_step = places
    edges, out_link, out_route = table
    changed = state[STALE] == 1
    for c in range(len(capped)):
        clipped = max(occupancy[capped[c]], cap_floor[c])
        if clipped != key[c]:
            key[c] = clipped
            changed = True
    capacity_multipliers(occupancy, capped, capacity, floor, span, cap)
    if changed:
        _build_table(day, cap, cap_mode, power, multi_step, edges, out_link, out_route)
        state[STALE] = 0
