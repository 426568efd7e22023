"""A day's travel in compiled code: the departures, then the rounds through the window.

:meth:`flowsim.kinds.network.engine.travel.Travel._move` hands the day's movers to
:func:`travel_day` (numba, compiled once and cached on disk). It does what the rounds did as
array operations, person by person in the same order:

- departures: everyone who decided today draws his outcome (a uniform) against the outcome
  table with the day's opening occupancy; who goes leaves his place, who stays ends the day;
- rounds: the travellers, in Flee's order, pass through a window (at most :data:`BLOCK`, on
  a day a camp can fill an eighth of the movers); each round moves everyone in it a day's
  distance or to the end of his link, adds the arrivals to the places, rebuilds the outcome
  table if a capped camp's occupancy changed, and draws again for who arrived with distance
  to spare. When the window has emptied to half, the next people in order join.

Who ends the day goes to the ``done`` matrix, in the order the arrays used to write him back;
when it holds :data:`BLOCK` people the function returns :data:`WRITE_BACK` and the caller
writes them back (drawing their next decision days) before calling again, so the random draws
come in the same order as before. Everything transcendental (exp2, log1p, log2) stays in numpy.

Exactness: the float32 travel arithmetic, the float64 route weights (summed in numpy's pairwise
order, :func:`_numpy_sum`), the cumulative sums and every random draw (from the model's own
generator, which numba shares) are those of the array version, so tables are byte-identical.
The one exception is a ``weight_power`` other than 1, 2, 0.5, 0 or −1 (Flee's default is 1),
where the C library's ``pow`` may differ from numpy's in the last bit.

Layout: the people matrices are int32 with a row per value (:data:`ID`, :data:`LINK`, ...);
the float rows are viewed as float32.
"""

from __future__ import annotations

import numba
import numpy as np

from flowsim.kinds.network.engine.flee_rules import FULL_CAMP_THRESHOLD

ID, LINK, PROGRESS, MOVED, BUDGET, ROUTE, STEP = range(7)
"""Rows of the people matrices: person, link (or place, once settled), km on the link (float),
km moved today (float), short-stint budget (float), planned route and its step (routes of
several steps only)."""
BLOCK = 1 << 15  # people in the window at most, and people ended before they are written back
STAGE, QUEUED, START, COUNT, WINDOW, DONE, STALE = range(7)
"""Slots of the state vector kept between calls: 0 before the departures / 1 in the rounds,
travellers queued, next of them to join, people in the window, window size, people in ``done``,
1 when the outcome table must be rebuilt (the day's table changed)."""
STATE_SIZE = 7
FINISHED, WRITE_BACK = 0, 1
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
def _refresh_table(state, occupancy, places, day, table, cap):
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


@_jit
def _choose(row, u, here, route, step, stays, new_link, new_route, new_step, tables, roads, cap):
    """Everyone's outcome: the link he steps onto (−1: he stays) and his route afterwards.

    The outcome is the number of edges of his row at or below his draw ``u`` (Flee's
    ``chooseFromWeights`` by inverse CDF). Someone with a route (routes of several steps)
    follows it if he decides to move (the same draw against the stay edge, Flee's
    ``take_next_step``); everyone else draws from the row. ``stays``: no distance to spare (his
    draw is not looked at). One call for a whole round: per person, a call would count
    references to every array it is passed.
    """
    edges, out_link, out_route, stay_edge = tables
    route_next, route_end, route_length, first_link, is_camp, multi_step = roads
    width = edges.shape[1]
    for i in range(len(row)):
        r = row[i]
        new_link[i], new_route[i], new_step[i] = -1, -1, 0
        if multi_step and route[i] >= 0:
            new_route[i], new_step[i] = route[i], step[i]
            if stays[i] or not u[i] >= stay_edge[r]:
                continue
            nxt = route_next[route[i], step[i]]
            link = first_link[here[i], max(nxt, 0)]
            end = route_end[route[i]]
            blocked = link < 0 or nxt < 0 or (is_camp[end] and cap[end] < FULL_CAMP_THRESHOLD)
            after = step[i] + 1
            finished = blocked or after >= route_length[route[i]]
            new_link[i] = -1 if blocked else link
            new_route[i] = -1 if finished else route[i]
            new_step[i] = 0 if finished else after
            continue
        if stays[i]:
            continue
        picks = 0
        for j in range(width):
            if edges[r, j] <= u[i]:
                picks += 1
        new_link[i] = out_link[r, picks]
        if multi_step:
            new_route[i] = out_route[r, picks]
            new_step[i] = 1 if new_route[i] >= 0 else 0


@_jit
def _end_day(done, state, people, columns):
    """Copy the ``columns`` of ``people`` to the end of ``done`` (who ends the day, in order)."""
    d = state[DONE]
    for k in range(len(columns)):
        for r in range(people.shape[0]):
            done[r, d + k] = people[r, columns[k]]
    state[DONE] = d + len(columns)
    return d


@_jit
def _routes(people, columns, multi_step):
    """The planned routes and steps of ``people``'s ``columns`` (none without routes of several steps)."""
    route = np.full(len(columns), -1, dtype=np.int64)
    step = np.zeros(len(columns), dtype=np.int64)
    if multi_step:
        for k in range(len(columns)):
            route[k], step[k] = people[ROUTE, columns[k]], people[STEP, columns[k]]
    return route, step


@_jit
def _depart(state, queue, done, occupancy, n_places, places, day, table, tables, roads, rng):
    """The day's first decisions, all with the opening occupancy (Flee's evolve loop runs before any travel)."""
    multi_step = roads[5]
    deciders = np.flatnonzero(queue[LINK] < 0)
    k = len(deciders)
    if k:
        cap = np.ones(n_places)
        _refresh_table(state, occupancy, places, day, table, cap)
        u = np.empty(k, dtype=np.float32)
        for i in range(k):
            u[i] = rng.random(dtype=np.float32)
        here = np.empty(k, dtype=np.int64)
        for i in range(k):
            here[i] = -1 - queue[LINK, deciders[i]]
        route, step = _routes(queue, deciders, multi_step)
        link = np.empty(k, dtype=np.int64)
        new_route = np.empty(k, dtype=np.int64)
        new_step = np.empty(k, dtype=np.int64)
        # rows n + p: people who have already decided to move
        _choose(here + n_places, u, here, route, step, np.zeros(k, dtype=np.bool_), link, new_route, new_step, tables, roads, cap)
        floats = queue.view(np.float32)
        for i in range(k):
            c = deciders[i]
            queue[LINK, c] = link[i]
            floats[PROGRESS, c] = 0.0
            if multi_step:
                queue[ROUTE, c], queue[STEP, c] = new_route[i], new_step[i]
            if link[i] >= 0:
                occupancy[here[i]] -= 1
        stay = np.flatnonzero(link < 0)
        d = _end_day(done, state, queue, deciders[stay])
        for i in range(len(stay)):
            done[LINK, d + i] = here[stay[i]]
    kept = 0  # the travellers, in order, at the front of the queue
    for i in range(queue.shape[1]):
        if queue[LINK, i] >= 0:
            for r in range(queue.shape[0]):
                queue[r, kept] = queue[r, i]
            kept += 1
    state[QUEUED] = kept


@_jit
def _window(occupancy, capped, capacity, buffer, movers):
    """How many people move together: at most :data:`BLOCK`; on a day when a camp that is not yet
    full can come near its capacity, an eighth of the movers (at least 512), so a camp's filling
    is seen by those who come later (Flee moves people one at a time)."""
    if movers >= 1024:
        for c in range(len(capped)):
            occ, cap = occupancy[capped[c]], capacity[c]
            if occ < cap and float(occ + movers) > buffer * cap:
                return min(BLOCK, max(512, -(-movers // 8)))
    return BLOCK


@_jit
def _speeds(people, count, travel, rng):
    """Today's speed of each person in the window (a draw per person where roads may be walked)."""
    link_speed, link_walk, travelled, walk_speed, start_on_foot, any_walking = travel[1], travel[2], travel[6], travel[8], travel[9], travel[10]
    speed = np.empty(count, dtype=np.float32)
    for i in range(count):
        speed[i] = link_speed[people[LINK, i]]
        if start_on_foot and not travelled[people[ID, i]]:
            speed[i] = walk_speed
    if any_walking:
        for i in range(count):
            if rng.random() < link_walk[people[LINK, i]]:
                speed[i] = walk_speed
    return speed


@_jit
def _round(state, people, count, done, occupancy, travel, places, day, table, tables, roads, rng):
    """One round of Flee's ``finish_travel`` for the window; returns how many move on (at the front)."""
    link_distance, link_end, link_open, all_open, travelled, town_shift = travel[0], travel[3], travel[4], travel[5], travel[6], travel[7]
    start_on_foot, avoid_short_stints, multi_step = travel[9], travel[11], roads[5]
    floats = people.view(np.float32)
    speed = _speeds(people, count, travel, rng)
    reach = np.empty(count, dtype=np.float32)
    arrive = np.empty(count, dtype=np.bool_)
    here = np.empty(count, dtype=np.int64)
    row = np.empty(count, dtype=np.int64)
    stays = np.empty(count, dtype=np.bool_)
    u = np.empty(count, dtype=np.float32)
    for i in range(count):
        link = people[LINK, i]
        distance, progress, sp = link_distance[link], floats[PROGRESS, i], speed[i]
        reach[i] = progress + sp
        arrive[i] = reach[i] > distance
        # km moved today: to the end of the link, or a day's distance for who is still on it
        floats[MOVED, i] = floats[MOVED, i] + ((distance - progress) if arrive[i] else sp)
        moved = floats[MOVED, i]
        here[i] = link_end[link]
        row[i] = here[i]
        if arrive[i]:
            occupancy[here[i]] += 1  # the round's choices see its arrivals
            if start_on_foot:
                travelled[people[ID, i]] = True
        if avoid_short_stints and moved < floats[BUDGET, i]:
            row[i] += town_shift[here[i]]
        # who arrives with no distance to spare (or by a closed link), or has not arrived, stays
        stays[i] = (moved >= sp if all_open else not (link_open[link] and moved < sp)) or not arrive[i]
        u[i] = rng.random(dtype=np.float32)
    cap = np.ones(len(occupancy))
    _refresh_table(state, occupancy, places, day, table, cap)
    everyone = np.arange(count)
    route, step = _routes(people, everyone, multi_step)
    new_link = np.empty(count, dtype=np.int64)
    new_route = np.empty(count, dtype=np.int64)
    new_step = np.empty(count, dtype=np.int64)
    _choose(row, u, here, route, step, stays, new_link, new_route, new_step, tables, roads, cap)
    on_road = np.flatnonzero(~arrive)  # who is still on his link ends the day there
    d = _end_day(done, state, people, on_road)
    done_floats = done.view(np.float32)
    for k in range(len(on_road)):
        done[LINK, d + k] = -1 - people[LINK, on_road[k]]  # as stored in ``location``
        done_floats[PROGRESS, d + k] = reach[on_road[k]]
    settled = np.flatnonzero(arrive & (new_link < 0))  # who arrived and stays
    d = _end_day(done, state, people, settled)
    for k in range(len(settled)):
        done[LINK, d + k] = here[settled[k]]
        done[PROGRESS, d + k] = 0
        if multi_step:
            done[ROUTE, d + k], done[STEP, d + k] = new_route[settled[k]], new_step[settled[k]]
    going = 0
    for i in range(count):
        if new_link[i] >= 0:
            occupancy[here[i]] -= 1
            for r in range(people.shape[0]):  # (a slice per person would count references)
                people[r, going] = people[r, i]
            people[LINK, going] = new_link[i]
            people[PROGRESS, going] = 0  # 0 as float32 too
            if multi_step:
                people[ROUTE, going], people[STEP, going] = new_route[i], new_step[i]
            going += 1
    return going


@_jit
def travel_day(state, queue, people, done, occupancy, n_places, buffer, travel, places, day, table, tables, roads, rng):
    """The day's departures and rounds, from where the last call stopped.

    Returns :data:`WRITE_BACK` when ``done`` holds :data:`BLOCK` people or more (write them back,
    set ``state[DONE]`` to 0, call again), :data:`FINISHED` when everyone has ended the day.
    """
    if state[STAGE] == 0:
        _depart(state, queue, done, occupancy, n_places, places, day, table, tables, roads, rng)
        state[WINDOW] = _window(occupancy, places[0], places[1], buffer, state[QUEUED])
        state[STAGE], state[START], state[COUNT] = 1, 0, 0
    queued, start, count, window = state[QUEUED], state[START], state[COUNT], state[WINDOW]
    while start < queued or count > 0:
        if start < queued and count <= window // 2:
            stop = min(start + window - count, queued)
            people[:, count : count + stop - start] = queue[:, start:stop]
            count += stop - start
            start = stop
        count = _round(state, people, count, done, occupancy, travel, places, day, table, tables, roads, rng)
        if state[DONE] >= BLOCK:
            state[START], state[COUNT] = start, count
            return WRITE_BACK
    state[START], state[COUNT] = start, count
    return FINISHED
