"""A day's movement on a network: who acts today, their travel, and the write-back.

:class:`Travel` is a mixin of :class:`flowsim.kinds.network.engine.model.NetworkModel` (steps 4 and 5 of
Flee's day). Who acts today is found with one scan: a person's next decision day is drawn as a
geometric waiting time (the distribution of a daily draw with his place's move chance), and
everyone on a road acts every day. Everyone else costs nothing.

Those who decided move first, all at once (Flee's ``evolve`` loop runs before any travel).
Then the travellers, in Flee's order (the order they joined), pass through a window: each
round moves everyone in it a day's distance or to the end of his link, and who arrives with
distance to spare decides again there (Flee's ``evolveMore``); when the window has emptied to
half, the next people in order join. So those who come later see a camp filling up (Flee
moves people one at a time). The departures and the rounds run in compiled code
(:mod:`flowsim.kinds.network.engine.travel_rounds`): a round touches a few hundred people, and
as array operations its fixed cost was most of a run at small agent counts.

The day's movers are one int32 matrix, a row per value (:data:`ID`, :data:`LINK`, ...; the float
rows are viewed as float32). Who ends the day is written to the per-person arrays here, in
batches, with numpy (the next decision days and the recent-travel index).
"""

from __future__ import annotations

import numpy as np

from flowsim.kinds.network.engine import flee_rules as fr
from flowsim.kinds.network.engine.choice import NO_ROUTE, NOT_TRAVELLING
from flowsim.kinds.network.engine.outcome_table import STALE
from flowsim.kinds.network.engine.travel_rounds import (BLOCK, DONE, FINISHED, ID, ON_ROAD, SETTLED, STATE_SIZE, movers_due,
                                                        travel_day, yesterdays_log)

LONGEST_WAIT = float(1 << 24)  # days; a longer wait is "never" for any run

__all__ = ["BLOCK", "NO_ROUTE", "NOT_TRAVELLING", "Travel"]


class Travel:
    """Who acts today, their travel and the write-back (mixed into :class:`~flowsim.kinds.network.engine.model.NetworkModel`)."""

    _ended: np.ndarray | None = None  # who ended the day, before the write-back (grown as needed)
    _window_people: np.ndarray | None = None
    _due: np.ndarray | None = None  # the day's movers (its first entries), then their recent travel, their queue
    _recent: np.ndarray
    _queue: np.ndarray
    _written: tuple = ()  # the write-back's output: who settled, where, his draw; everyone's recent travel

    def _move(self, t: int) -> None:
        """Steps 4 and 5 of the day (Flee's ``evolve`` for everyone, then ``finish_travel`` for everyone)."""
        n = self.n_people
        self.agent_steps += n
        self._on_road_today = 0
        if self._due is None:  # buffers kept from day to day: fresh pages every day cost more than the work
            self._due = np.empty(self.next_day.size, dtype=np.int32)
            self._recent = np.empty(self.next_day.size, dtype=np.float32)
            self._queue = np.empty(0, dtype=np.int32)
        k = movers_due(self.next_day, n, t, self._due)
        if not k:
            return
        active = self._due[:k]
        # each mover's recent-travel index at the end of yesterday (numpy's exp2, as flee_rules.recent_travel)
        recent = self._recent[:k]
        if self.avoid_short_stints:
            yesterdays_log(self.recent_log, active, t, recent)
            np.exp2(recent, out=recent)
        rows = 7 if self.multi_step else 5
        if self._queue.size < rows * k:
            self._queue = np.empty(rows * k, dtype=np.int32)
        if self._window_people is None or self._window_people.shape[0] != rows:
            self._window_people = np.zeros((rows, BLOCK), dtype=np.int32)
        if self._ended is None or self._ended.shape[1] < len(active) + 2 * BLOCK:
            self._ended = np.zeros((rows, len(active) + 2 * BLOCK), dtype=np.int32)
            size = self._ended.shape[1]
            self._written = (np.zeros(size, dtype=np.int32), np.zeros(size, dtype=np.int32), np.zeros(size, dtype=np.float32),
                             np.zeros(size, dtype=np.float32))
        places, day, table, tables, roads = self._choice_arguments()
        mr = self.network_scenario.flee.move_rules
        travel = (self.link_distance32, self.link_speed, self.link_walk, self.link_end, self.link_open,
                  bool(self._all_open), self.travelled, self._town_shift(),
                  np.float32(mr.max_walk_speed), bool(self.start_on_foot), bool(self.any_walking),
                  bool(self.avoid_short_stints))
        persons = (self.location, self.progress, self.route, self.route_step, self.next_day)
        state = np.zeros(STATE_SIZE, dtype=np.int64)
        state[STALE] = self._table_stale
        queue = self._queue[: rows * k].reshape(rows, k)
        while True:
            status = travel_day(state, t, active, recent, queue, self._window_people, self._ended, self._written, persons,
                                self.occupancy, self.n_places, float(self._buffer()), float(self.max_speed), travel, places,
                                day, table, tables, roads, self.rng)
            self._store_written(t, state)
            if status == FINISHED:
                break
        self._on_road_today = int(state[ON_ROAD])
        self._table_stale = bool(state[STALE])

    def _store_written(self, t: int, state: np.ndarray) -> None:
        """The write-back's numpy part: the next decision day of who settled (from the draws he made)
        and everyone's recent-travel index, stored as its log2 (see ``flee_rules.recent_travel``)."""
        settled_ids, settled_places, draws, recent = self._written
        settled, done = int(state[SETTLED]), int(state[DONE])
        if settled:
            self.next_day[settled_ids[:settled]] = t + self._waits(settled_places[:settled], draws[:settled])
        if self.avoid_short_stints and done:
            self.recent_log[self._ended[ID, :done]] = fr.stored_recent_travel(recent[:done], t)
        state[DONE] = state[SETTLED] = 0

    def _town_shift(self) -> np.ndarray:
        """Per place, the row offset of Flee's short-stint rule (n in towns: a move chance of 1, else 0)."""
        if self._town_shift_cache is None or self._town_shift_cache[0] != self.is_town.tobytes():
            self._town_shift_cache = (self.is_town.tobytes(), np.where(self.is_town, self.n_places, 0).astype(np.int32))
        return self._town_shift_cache[1]

    _town_shift_cache: tuple | None = None

    def _waits(self, places: np.ndarray, draws: np.ndarray | None = None) -> np.ndarray:
        """Days until the next decision (1 = tomorrow): geometric with the place's move chance.

        Inverse transform of an exponential: 1 + floor(E / −log(1 − p)), exactly a geometric
        count of daily draws; a move chance of 0 waits "forever".
        """
        if self._wait_scale is None or self._wait_scale[0] != self.movechance.tobytes():
            with np.errstate(divide="ignore"):
                scale = (1.0 / np.log1p(-np.minimum(self.movechance, 1.0))).astype(np.float32)  # ≤ 0; -0 for a chance of 1
            self._wait_scale = (self.movechance.tobytes(), scale, bool(np.isinf(scale).any()))
        _, scale, never = self._wait_scale
        if draws is None:  # (the day's travel draws them itself, in the order they come)
            draws = self.rng.random(len(places), dtype=np.float32)
        draws = np.log1p(-draws)
        if never:
            with np.errstate(invalid="ignore"):  # 0 × -inf (a chance of 0, a draw of exactly 0) is NaN, dropped by fmin
                days = draws * scale[places]
        else:
            days = draws * scale[places]
        return np.fmin(days, np.float32(LONGEST_WAIT)).astype(np.int32) + 1

    _wait_scale: tuple | None = None  # (the move chances it was made from, 1 / log(1 − chance) per place, any chance of 0)

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
