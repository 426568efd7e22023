"""Decisions and route choice on a network: one draw per person gives both.

:class:`Choice` is a mixin of :class:`flowsim.kinds.network.engine.model.NetworkModel`. For each place a
row of outcome edges is built (stay, with 1 − move chance; then each candidate route, with
move chance × its share of the route weights, Flee's ``calculateLinkWeight``). A person's
outcome is the number of edges at or below his uniform draw: exact inverse-CDF sampling. Row
``n + p`` is place ``p`` with a move chance of 1 (people who have already decided to move, and
Flee's short-stint rule in towns); the last row is "stay". A route leading to a camp whose
capacity multiplier is below :data:`~flowsim.kinds.network.engine.flee_rules.FULL_CAMP_THRESHOLD`
is an outcome "stay" (Flee's ``take_next_step`` drops it).

What changes only between days (scores, closures, move chances) is prepared here, once, and kept
while none of it has changed (:meth:`Choice._choice_arguments`); the rows themselves are rebuilt
by the day's travel (:mod:`flowsim.kinds.network.engine.outcome_table`) whenever a capped camp's
multiplier has changed, which it finds by comparing the camps' occupancies clipped below at
their buffers.
"""

from __future__ import annotations

import numpy as np

from flowsim.kinds.network.engine import flee_rules as fr
from flowsim.kinds.network.engine.outcome_table import CAP_ONES, CAP_PLAIN, CAP_POWER, capacity_multipliers

NO_ROUTE = -1
NOT_TRAVELLING = -1


class Choice:
    """The day's parts of the outcome tables (mixed into :class:`~flowsim.kinds.network.engine.model.NetworkModel`)."""

    _choice_cache: tuple | None = None
    _table_stale = True  # the outcome rows must be rebuilt before they are used

    def _choice_arguments(self) -> tuple[tuple, tuple, tuple, tuple, tuple]:
        """What the day's travel chooses with: (places, day, table, tables, roads) for
        :func:`~flowsim.kinds.network.engine.travel_rounds.travel_day`, remade only when the
        routes, scores, move chances, camps or conflicts have changed."""
        signature = self._day_signature()
        if self._choice_cache is None or self._choice_cache[0] != signature:
            self._choice_cache = (signature, self._day_table())
            self._table_stale = True
        return self._choice_cache[1]

    def _day_signature(self) -> tuple:
        """Everything the day's table is made from that can change during a run."""
        return (self.routes_version, self.score.tobytes(), self.movechance.tobytes(), self.is_camp.tobytes(), self.conflict.tobytes())

    def _day_table(self) -> tuple[tuple, tuple, tuple, tuple, tuple]:
        """The parts of the outcome table that change only between days, and the table's arrays.

        Route weights are (base weight × capacity multiplier of the end)^power, Flee's
        ``calculateLinkWeight``, so the base is computed here and the rows multiply in the
        capacity factors.
        """
        n = self.n_places
        valid = self.candidate_valid
        ids = np.where(valid, self.candidate_ids, 0)
        end = self.route_end[ids]
        first_node = self.route_next[ids, 0]
        link = self.first_link[np.arange(n)[:, None], np.maximum(first_node, 0)].astype(np.int32)
        count = ids.shape[1]
        width = -(-(count + 1) // 8) * 8
        has = self.candidate_count > 0
        movechance = np.minimum(self.movechance, 1.0)
        # rows: places with their move chance, places with a move chance of 1, "stay"
        stay_edge = np.concatenate([1.0 - movechance, np.zeros(n), np.ones(1)]).astype(np.float32)
        movechance = np.where(has, movechance, 0.0)  # nowhere to go: "decides" and stays
        first_edge = np.concatenate([1.0 - movechance, 1.0 - has, np.ones(1)])
        if self._awareness() == 0:
            cap_mode = CAP_ONES
        else:
            cap_mode = CAP_POWER if self.flee_rules else CAP_PLAIN
        capped = self._capped
        places = (*self._capacity_limits(), np.floor(self._buffer() * self.capacity[capped]).astype(np.int64),
                  np.full(len(capped), -1, dtype=np.int64), cap_mode, float(self.network_scenario.flee.move_rules.weight_power),
                  bool(self.multi_step))
        day = tuple(np.ascontiguousarray(a) for a in (
            self._weights(np.ones(n)), end.astype(np.int64), valid, link, ~valid | (link < 0) | (first_node < 0),
            self.is_camp[end], movechance.astype(float), has.astype(float), first_edge,
            np.where(self.route_length[ids] > 1, ids, NO_ROUTE).astype(np.int32)))
        edges = np.full((2 * n + 1, width), 2.0, dtype=np.float32)  # the last row: "stay"
        out_link = np.full((2 * n + 1, width), NOT_TRAVELLING, dtype=np.int32)
        out_route = np.full((2 * n + 1, width) if self.multi_step else (1, 1), NO_ROUTE, dtype=np.int32)
        roads = (self.route_next, self.route_end, self.route_length, self.first_link, self.is_camp, bool(self.multi_step))
        return places, day, (edges, out_link, out_route), (edges, out_link, out_route, stay_edge), roads

    def _capacity_limits(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The capped camps, their capacities, buffer × capacity and capacity − that (Flee's ``getCapMultiplier``)."""
        capacity = self.capacity[self._capped].astype(float)
        buffer = self._buffer()
        return self._capped.astype(np.int64), capacity, buffer * capacity, capacity * (1.0 - buffer)

    def _capacity_multipliers(self) -> np.ndarray:
        """Every place's capacity multiplier now, as the day's travel computes it (1 without a capacity)."""
        out = np.ones(self.n_places)
        capacity_multipliers(self.occupancy, *self._capacity_limits(), out)
        return out

    def _buffer(self) -> float:
        return self.network_scenario.flee.move_rules.capacity_buffer

    def _weights(self, cap: np.ndarray) -> np.ndarray:
        """Route weights of every place's candidates (places × candidates; 0 past a place's last).

        Flee's fallback to equal weights when all of a place's are zero is the caller's (after
        the capacity multipliers).
        """
        ids, valid = self.candidate_ids, self.candidate_valid
        end = self.route_end[np.where(valid, ids, 0)]
        if self._awareness() == 0:
            weights = np.ones(ids.shape)
        elif self.flee_rules:
            mr = self.network_scenario.flee.move_rules
            weights = fr.route_weights(
                self.score[end], cap[end], self.candidate_distance,
                softening=mr.softening, distance_power=mr.distance_power,
                weight_softening=mr.weight_softening, weight_power=mr.weight_power,
            )
        else:
            fs = self.network_scenario.flowsim_rules
            weights = fr.logit_weights(
                self.candidate_distance, self.is_camp[end], self.foreign[end], self.conflict[end], cap[end],
                per_100km=fs.distance_per_100km, camp=fs.camp, foreign=fs.foreign, conflict=fs.conflict,
            )
        return np.where(valid, weights, 0.0)
