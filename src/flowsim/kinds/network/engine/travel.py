"""A day's movement on a network: who acts today, and their travel in rounds through a window.

:class:`Travel` is a mixin of :class:`flowsim.kinds.network.engine.model.NetworkModel` (steps 4 and 5 of
Flee's day). Who acts today is found with one scan: a person's next decision day is drawn as a
geometric waiting time (the distribution of a daily draw with his place's move chance), and
everyone on a road acts every day. Everyone else costs nothing.

Those who decided move first, all at once (Flee's ``evolve`` loop runs before any travel).
Then the travellers, in Flee's order (the order they joined), pass through a window: each
round moves everyone in it a day's distance or to the end of his link, and who arrives with
distance to spare decides again there (Flee's ``evolveMore``); when the window has emptied to
half, the next people in order join. So those who come later see a camp filling up (Flee
moves people one at a time), and each round's arrays stay in the processor's cache.

The people in the window are one int32 matrix, a row per value (:data:`ID`, :data:`LINK`,
...; the float rows are viewed as float32): dropping people is one gather, not one per value.
Who ends the day is written to the per-person arrays in batches. A round handles a few hundred
people, so it calls array methods (``a.take``, ``a.nonzero``) rather than numpy's functions,
whose Python wrappers would be a good part of its cost.
"""

from __future__ import annotations

import numpy as np

from flowsim.kinds.network.engine import flee_rules as fr
from flowsim.kinds.network.engine.choice import NO_ROUTE, NOT_TRAVELLING

ID, LINK, PROGRESS, MOVED, BUDGET, ROUTE, STEP = range(7)
"""Rows of the window's matrix: person, link (or place, once settled), km on the link (float),
km moved today (float), short-stint budget (float), planned route and its step (routes of
several steps only)."""
BLOCK = 1 << 15  # people in the window at most: its arrays stay in cache
LONGEST_WAIT = float(1 << 24)  # days; a longer wait is "never" for any run

__all__ = ["BLOCK", "NO_ROUTE", "NOT_TRAVELLING", "Travel"]


def _floats(matrix: np.ndarray, row: int) -> np.ndarray:
    return matrix[row].view(np.float32)


class Travel:
    """Who acts today, their travel and the write-back (mixed into :class:`~flowsim.kinds.network.engine.model.NetworkModel`)."""

    def _move(self, t: int) -> None:
        """Steps 4 and 5 of the day (Flee's ``evolve`` for everyone, then ``finish_travel`` for everyone)."""
        n = self.n_people
        self.agent_steps += n
        self._on_road_today = 0
        self._done: list[np.ndarray] = []  # matrices of people who ended the day (settled: LINK holds the place)
        self._done_count = 0
        self._town_shift = np.where(self.is_town, self.n_places, 0).astype(np.int32)
        active = np.flatnonzero(self.next_day[:n] <= t).astype(np.int32)
        rows = 7 if self.multi_step else 5
        queue = np.zeros((rows, len(active)), dtype=np.int32)
        queue[ID] = active
        queue[LINK] = -1 - self.location[active]  # -1 - place for those at a place
        _floats(queue, PROGRESS)[:] = self.progress[active]
        _floats(queue, BUDGET)[:] = self._budget(active, t)
        if self.multi_step:
            queue[ROUTE] = self.route[active]
            queue[STEP] = self.route_step[active]
        deciders = (queue[LINK] < 0).nonzero()[0]
        if len(deciders):
            self._depart(t, queue, deciders)
        queue = queue.take((queue[LINK] >= 0).nonzero()[0], axis=1)
        window = self._window(queue.shape[1])
        people: np.ndarray | None = None
        start = 0
        while start < queue.shape[1] or people is not None:
            if start < queue.shape[1] and (people is None or people.shape[1] <= window // 2):
                stop = start + window - (0 if people is None else people.shape[1])
                people = queue[:, start:stop] if people is None else np.concatenate([people, queue[:, start:stop]], axis=1)
                start = stop
            people = self._round(t, people)
            if self._done_count >= BLOCK:
                self._write_back(t)
        self._write_back(t)

    def _depart(self, t: int, queue: np.ndarray, deciders: np.ndarray) -> None:
        """The day's first decisions, all at once with the day's opening occupancy (Flee's evolve loop runs before any travel)."""
        here = -1 - queue[LINK, deciders]
        u = self.rng.random(len(deciders), dtype=np.float32)
        route, step = (queue[ROUTE, deciders], queue[STEP, deciders]) if self.multi_step else (None, None)
        link, route, step = self._choose(self._table(), here + self.n_places, u, here, route, step)
        queue[LINK, deciders] = link
        _floats(queue, PROGRESS)[deciders] = 0.0
        if self.multi_step:
            queue[ROUTE, deciders], queue[STEP, deciders] = route, step
        go = link >= 0
        self.occupancy -= np.bincount(here[go], minlength=self.n_places)
        stay = (~go).nonzero()[0]
        if len(stay):
            settled = queue.take(deciders[stay], axis=1)
            settled[LINK] = here[stay]
            self._finish(settled)

    def _window(self, movers: int) -> int:
        """How many people move together.

        At most :data:`BLOCK`. On a day when a camp that is not yet full can come near its
        capacity, an eighth of the day's travellers (at least 512), so a camp's filling is
        seen by those who come later (Flee moves people one at a time).
        """
        window = BLOCK
        capped = self._capped
        if movers >= 1024 and len(capped):
            occupancy, capacity = self.occupancy[capped], self.capacity[capped]
            if ((occupancy < capacity) & (occupancy + movers > self._buffer() * capacity)).any():
                window = min(window, max(512, -(-movers // 8)))
        return window

    def _round(self, t: int, people: np.ndarray) -> np.ndarray | None:
        """One round of Flee's ``finish_travel`` for the window; returns who moves on (None: nobody).

        Everyone travels a day's distance on his link; who arrives with distance to spare
        decides again and, if he moves, steps onto his next link. People are dropped from
        the window with index arrays (cheaper than masks), and only when someone drops out.
        """
        ids, lk = people[ID], people[LINK]
        sp = self._speeds(ids, lk)
        distance = self.link_distance32[lk]
        progress, mv = _floats(people, PROGRESS), _floats(people, MOVED)
        reach = progress + sp
        arrive = reach > distance
        everyone = bool(arrive.all())
        # km moved today: to the end of the link, or a day's distance for who is still on it
        mv += (distance - progress) if everyone else np.where(arrive, distance - progress, sp)
        if self.start_on_foot:
            self.travelled[ids[arrive]] = True
        here = self.link_end[lk]
        # the round's choices see its arrivals (as Flee's next person sees the last one's)
        self.occupancy += np.bincount(here if everyone else here[arrive], minlength=self.n_places)
        row = here
        if self.avoid_short_stints:
            row = here + self._town_shift[here] * (mv < _floats(people, BUDGET))
        # who arrives with no distance to spare (or by a closed link), or has not arrived, stays
        # where he is: a draw below 0 means "stay"
        done = mv >= sp if self._all_open else ~(self.link_open[lk] & (mv < sp))
        if not everyone:
            done |= ~arrive
        u = self.rng.random(len(ids), dtype=np.float32) - done
        route, step = (people[ROUTE], people[STEP]) if self.multi_step else (None, None)
        link, route, step = self._choose(self._table(), row, u, here, route, step)
        go = link >= 0
        onward = bool(go.all())
        if not everyone:
            road = (~arrive).nonzero()[0]
            ahead = people.take(road, axis=1)
            _floats(ahead, PROGRESS)[:] = reach[road]
            self._finish(ahead, on_road=True)
        people[LINK] = link
        people[PROGRESS] = 0  # 0 as float32 too
        if self.multi_step:
            people[ROUTE], people[STEP] = route, step
        if onward:
            self.occupancy -= np.bincount(here, minlength=self.n_places)
            return people
        rest = (~go if everyone else arrive & ~go).nonzero()[0]
        settled = people.take(rest, axis=1)
        settled[LINK] = here[rest]
        self._finish(settled)
        going = go.nonzero()[0]
        if not len(going):
            return None
        self.occupancy -= np.bincount(here[going], minlength=self.n_places)
        return people.take(going, axis=1)

    def _speeds(self, ids: np.ndarray, links: np.ndarray) -> np.ndarray | np.float32:
        """Today's speed of each person on a road (a scalar when every road has the same)."""
        if self.uniform_speed is not None and not self.start_on_foot and not self.any_walking:
            return self.uniform_speed
        speed = self.link_speed[links].copy()
        mr = self.network_scenario.flee.move_rules
        if self.start_on_foot:
            speed[~self.travelled[ids]] = mr.max_walk_speed
        if self.any_walking:
            walk = self.link_walk[links]
            speed[self.rng.random(len(ids)) < walk] = mr.max_walk_speed
        return speed

    # ------------------------------------------------------------------ the per-person arrays

    def _finish(self, people: np.ndarray, *, on_road: bool = False) -> None:
        """People who end the day (at a place, or on a road); written back in batches."""
        if on_road:
            people[LINK] = -1 - people[LINK]  # as stored in ``location``, and so told apart from the settled
        self._done.append(people)
        self._done_count += people.shape[1]

    def _write_back(self, t: int) -> None:
        """The per-person arrays of who ended the day: where, progress, next decision day, route, recent travel."""
        if not self._done:
            return
        people = self._done[0] if len(self._done) == 1 else np.concatenate(self._done, axis=1)
        self._done, self._done_count = [], 0
        ids, where = people[ID], people[LINK]
        self.location[ids] = where
        settled = where >= 0
        next_day = np.full(len(ids), t + 1, dtype=np.int32)  # on a road: tomorrow
        if settled.all():
            next_day = t + self._waits(where)
        elif settled.any():
            at = settled.nonzero()[0]
            next_day[at] = t + self._waits(where[at])
        self.next_day[ids] = next_day
        road = (~settled).nonzero()[0]
        if len(road):
            self.progress[ids[road]] = _floats(people, PROGRESS)[road]
            self._on_road_today += len(road)
        if self.multi_step:
            self.route[ids] = people[ROUTE]
            self.route_step[ids] = people[STEP]
        if self.avoid_short_stints:
            speed = np.float32(self.max_speed)
            recent = np.float32(1.0) - _floats(people, BUDGET) / speed
            self.recent_log[ids] = fr.stored_recent_travel((recent + _floats(people, MOVED) / speed) / np.float32(2.0), t)

    def _budget(self, ids: np.ndarray, t: int) -> np.ndarray:
        """Km a person may have moved today and still be sent on by Flee's short-stint rule.

        Flee forces a move from a town when (recent travel + km today / max speed) / 2 < 0.5,
        that is when km today < max speed × (1 − recent travel).
        """
        if not self.avoid_short_stints:
            return np.zeros(len(ids), dtype=np.float32)
        return (self.max_speed * (1.0 - fr.recent_travel(self.recent_log[ids], t))).astype(np.float32)

    def _waits(self, places: np.ndarray) -> np.ndarray:
        """Days until the next decision (1 = tomorrow): geometric with the place's move chance.

        Inverse transform of an exponential: 1 + floor(E / −log(1 − p)), exactly a geometric
        count of daily draws; a move chance of 0 waits "forever".
        """
        with np.errstate(divide="ignore"):
            scale = (1.0 / np.log1p(-np.minimum(self.movechance, 1.0))).astype(np.float32)  # ≤ 0; -0 for a chance of 1
        with np.errstate(invalid="ignore"):  # 0 × -inf (a chance of 0, a draw of exactly 0) is NaN, dropped by fmin
            days = np.log1p(-self.rng.random(len(places), dtype=np.float32)) * scale[places]
        return np.fmin(days, np.float32(LONGEST_WAIT)).astype(np.int32) + 1

    @property
    def link(self) -> np.ndarray:
        """Each person's link (-1: at a place)."""
        return np.where(self.location < 0, -1 - self.location, NOT_TRAVELLING)

    @property
    def place(self) -> np.ndarray:
        """Each person's place (-1: on a road)."""
        return np.where(self.location >= 0, self.location, -1)

    def _redraw_decisions(self, place: int, t: int) -> None:
        """A place's move chance changed today: its residents' next decision days are drawn again."""
        n = self.n_people
        here = np.flatnonzero(self.location[:n] == place)
        if len(here):
            self.next_day[here] = t - 1 + self._waits(np.full(len(here), place))
