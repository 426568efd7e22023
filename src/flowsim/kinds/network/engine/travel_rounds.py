"""A day's travel in compiled code: the movers, the departures, the rounds, the write-back.

:meth:`flowsim.kinds.network.engine.travel.Travel._move` hands the day's movers to
:func:`travel_day` (numba, compiled once and cached on disk). It does what the rounds did as
array operations, person by person in the same order:

- the movers: everyone whose decision day it is, or who is on a road, with his short-stint
  budget (Flee forces a move from a town when (recent travel + km today / max speed) / 2 < 0.5,
  that is when km today < max speed × (1 − recent travel));
- departures: everyone who decided today draws his outcome (a uniform) against the outcome
  table with the day's opening occupancy; who goes leaves his place, who stays ends the day;
- rounds: the travellers, in Flee's order, pass through a window (at most :data:`BLOCK`, on
  a day a camp can fill an eighth of the movers); each round moves everyone in it a day's
  distance or to the end of his link, adds the arrivals to the places, rebuilds the outcome
  table if a capped camp's occupancy changed (:mod:`~flowsim.kinds.network.engine.outcome_table`),
  and draws again for who arrived with distance to spare. When the window has emptied to half,
  the next people in order join.
- write-back: who ended the day is written to the per-person arrays in batches of about
  :data:`BLOCK`; who settled at a place draws the uniform of his next decision day then, as
  the array version did, and the function returns so that the caller turns the draws into
  waiting days and the day's travel into the recent-travel index with numpy's exp2/log1p/log2
  (transcendental functions stay in numpy: numba's may differ in the last bit).

Exactness: the float32 travel arithmetic, the float64 route weights, the cumulative sums and
every random draw (from the model's own generator, which numba shares) are those of the array
version, so tables are byte-identical.

Layout: the people matrices are int32 with a row per value (:data:`ID`, :data:`LINK`, ...);
the float rows are viewed as float32.
"""

from __future__ import annotations

import numba
import numpy as np

from flowsim.kinds.network.engine.flee_rules import FULL_CAMP_THRESHOLD
from flowsim.kinds.network.engine.outcome_table import STALE, refresh_table

ID, LINK, PROGRESS, MOVED, BUDGET, ROUTE, STEP = range(7)
"""Rows of the people matrices: person, link (or place, once settled), km on the link (float),
km moved today (float), short-stint budget (float), planned route and its step (routes of
several steps only)."""
BLOCK = 1 << 15  # people in the window at most, and people ended before they are written back
STAGE, QUEUED, START, COUNT, WINDOW, DONE, SETTLED, ON_ROAD = 0, 1, 2, 3, 4, 5, 7, 8
"""Slots of the state vector kept between calls (and :data:`STALE`): 0 before the departures / 1 in
the rounds, travellers queued, next of them to join, people in the window, window size, people
ended and not yet written back, of them settled at a place, people who ended the day on a road."""
STATE_SIZE = 9
FINISHED, WRITE_BACK = 0, 1

_jit = numba.njit(cache=True, error_model="numpy")


@_jit
def movers_due(next_day, n, t, out):
    """Everyone whose decision day has come (on a road: every day), in order, into ``out``; how many.

    (``np.flatnonzero(next_day[:n] <= t)`` without its temporary arrays, which at full scale were
    tens of MB of fresh pages a day.)"""
    k = 0
    for i in range(n):
        if next_day[i] <= t:
            out[k] = i
            k += 1
    return k


@_jit
def yesterdays_log(recent_log, active, t, out):
    """Each mover's stored recent-travel index minus yesterday (``flee_rules.recent_travel``'s
    argument; its exp2 is numpy's)."""
    yesterday = np.float32(t - 1)
    for k in range(len(active)):
        out[k] = recent_log[active[k]] - yesterday


@_jit
def _movers(queue, active, recent, persons, max_speed, avoid_short_stints, multi_step):
    """The day's movers (``active``, in order) as the queue's columns, with their short-stint budgets
    (``recent``: each one's recent-travel index at the end of yesterday)."""
    location, progress, route, route_step = persons[0], persons[1], persons[2], persons[3]
    floats = queue.view(np.float32)
    speed = np.float32(max_speed)
    for k in range(len(active)):
        i = active[k]
        queue[ID, k] = i
        queue[LINK, k] = -1 - location[i]  # -1 - place for those at a place
        floats[PROGRESS, k] = progress[i]
        floats[MOVED, k] = 0.0
        floats[BUDGET, k] = speed * (np.float32(1.0) - recent[k]) if avoid_short_stints else np.float32(0.0)
        if multi_step:
            queue[ROUTE, k], queue[STEP, k] = route[i], route_step[i]


@_jit
def _write_back(state, t, done, persons, written, max_speed, multi_step, rng):
    """Who ended the day (``done[:, :state[DONE]]``) to the per-person arrays: where, progress,
    tomorrow for who is on a road, route. Who settled draws the uniform of his next decision day
    (``written[0:3]``: person, place, draw); ``written[3]`` gets everyone's recent-travel index
    (stored by the caller with numpy's log2)."""
    location, progress, route, route_step, next_day = persons
    settled_ids, settled_places, draws, recent = written
    floats = done.view(np.float32)
    speed = np.float32(max_speed)
    s = state[SETTLED]
    for k in range(state[DONE]):
        i, where = done[ID, k], done[LINK, k]
        location[i] = where
        if where >= 0:
            settled_ids[s], settled_places[s] = i, where
            s += 1
        else:
            next_day[i] = t + 1
            progress[i] = floats[PROGRESS, k]
            state[ON_ROAD] += 1
        if multi_step:
            route[i], route_step[i] = done[ROUTE, k], done[STEP, k]
        # Flee halves the index every day and adds half of the day's km / max speed
        recent[k] = ((np.float32(1.0) - floats[BUDGET, k] / speed) + floats[MOVED, k] / speed) / np.float32(2.0)
    for k in range(state[SETTLED], s):
        draws[k] = rng.random(dtype=np.float32)
    state[SETTLED] = s


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
        refresh_table(state, occupancy, places, day, table, cap)
        u = np.empty(k, dtype=np.float32)
        for i in range(k):
            u[i] = rng.random(dtype=np.float32)
        here = np.empty(k, dtype=np.int64)
        for i in range(k):
            here[i] = -1 - queue[LINK, deciders[i]]
        route, step = _routes(queue, deciders if multi_step else deciders[:0], multi_step)
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
    refresh_table(state, occupancy, places, day, table, cap)
    route, step = _routes(people, np.arange(count if multi_step else 0), multi_step)
    new_link = np.empty(count, dtype=np.int64)
    new_route = np.empty(count, dtype=np.int64)
    new_step = np.empty(count, dtype=np.int64)
    _choose(row, u, here, route, step, stays, new_link, new_route, new_step, tables, roads, cap)
    d = state[DONE]
    done_floats = done.view(np.float32)
    rows = people.shape[0]
    for i in range(count):  # who is still on his link ends the day there
        if not arrive[i]:
            for r in range(rows):
                done[r, d] = people[r, i]
            done[LINK, d] = -1 - people[LINK, i]  # as stored in ``location``
            done_floats[PROGRESS, d] = reach[i]
            d += 1
    for i in range(count):  # who arrived and stays
        if arrive[i] and new_link[i] < 0:
            for r in range(rows):
                done[r, d] = people[r, i]
            done[LINK, d] = here[i]
            done[PROGRESS, d] = 0
            if multi_step:
                done[ROUTE, d], done[STEP, d] = new_route[i], new_step[i]
            d += 1
    state[DONE] = d
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
def travel_day(state, t, active, recent, queue, people, done, written, persons, occupancy, n_places, buffer, max_speed,
               travel, places, day, table, tables, roads, rng):
    """The day's movers, departures and rounds, from where the last call stopped.

    Returns :data:`WRITE_BACK` after writing back :data:`BLOCK` people or more (the caller stores
    their next decision days and recent travel, sets ``state[DONE]`` and ``state[SETTLED]`` to 0
    and calls again), :data:`FINISHED` when everyone has ended the day and been written back.
    """
    multi_step, avoid_short_stints = roads[5], travel[11]
    if state[STAGE] == 0:
        _movers(queue, active, recent, persons, max_speed, avoid_short_stints, multi_step)
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
            _write_back(state, t, done, persons, written, max_speed, multi_step, rng)
            return WRITE_BACK
    state[START], state[COUNT] = start, count
    _write_back(state, t, done, persons, written, max_speed, multi_step, rng)
    return FINISHED
