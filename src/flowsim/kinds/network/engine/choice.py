"""Decisions and route choice on a network: one draw per person gives both.

:class:`Choice` is a mixin of :class:`flowsim.kinds.network.engine.model.NetworkModel`. For each place a
row of outcome edges is built (stay, with 1 − move chance; then each candidate route, with
move chance × its share of the route weights, Flee's ``calculateLinkWeight``), once per round
and only when the capacity multipliers have changed. A person's outcome is the number of
edges at or below his uniform draw: a row gather, a comparison and a popcount, exact
inverse-CDF sampling. Row ``n + p`` is place ``p`` with a move chance of 1 (people who have
already decided to move, and Flee's short-stint rule in towns); the last row is "stay".
A route leading to a camp whose capacity multiplier is below
:data:`~flowsim.kinds.network.engine.flee_rules.FULL_CAMP_THRESHOLD` is an outcome "stay" (Flee's
``take_next_step`` drops it).
"""

from __future__ import annotations

import numpy as np

from flowsim.kinds.network.engine import flee_rules as fr

NO_ROUTE = -1
NOT_TRAVELLING = -1


class Choice:
    """Outcome tables and draws (mixed into :class:`~flowsim.kinds.network.engine.model.NetworkModel`)."""

    def _table(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray]:
        """This round's outcome edges per row, each outcome's first link and route after it, and the stay edges.

        What changes only between days (scores, closures, move chances) is prepared once a
        day (:meth:`_day_table`), and kept while none of it has changed; a round rebuilds the
        rows only when a camp's capacity multiplier has changed, found by comparing the
        camps' occupancies clipped below at their buffers.
        """
        day = self._day_table_cache
        if day is None or day["today"] != self.today:
            signature = self._day_signature()
            if day is None or day["signature"] != signature:
                day = self._day_table_cache = self._day_table()
                day["signature"] = signature
                self._round_table = None
            day["today"] = self.today
        key = np.maximum(self.occupancy[self._capped], day["cap_floor"]).tobytes()
        if self._round_table is not None and key == self._round_table[0]:
            return self._round_table[1]
        n, width, count = self.n_places, day["width"], day["count"]
        cap = self._capacity_multipliers()
        end = day["end"]
        weights = day["base"] * day["cap_factor"](cap)[end]
        total = weights.sum(axis=1, keepdims=True)
        nothing = total <= 0.0
        if nothing.any():  # Flee: when every weight is zero, the routes are equally likely
            weights = np.where(nothing & day["valid"], 1.0, weights)
            total = weights.sum(axis=1, keepdims=True)
        share = weights / np.maximum(total, np.finfo(float).tiny)
        probs = day["probs"]
        probs[:n, 1 : 1 + count] = day["movechance"][:, None] * share
        probs[n : 2 * n, 1 : 1 + count] = day["has"][:, None] * share
        cumulative = np.cumsum(probs, axis=1)
        # the last outcome with any chance takes everything up to 1 (and past float rounding)
        edges = np.where(cumulative >= cumulative[:, -1:], 2.0, cumulative).astype(np.float32)
        blocked = day["no_link"] | (day["camp_end"] & (cap[end] < fr.FULL_CAMP_THRESHOLD))
        out_link = day["out_link"].copy()
        out_link[:n, 1 : 1 + count] = out_link[n : 2 * n, 1 : 1 + count] = np.where(blocked, NOT_TRAVELLING, day["link"])
        out_route = None
        if self.multi_step:
            out_route = np.full((2 * n + 1, width), NO_ROUTE, dtype=np.int32)
            out_route[:n, 1 : 1 + count] = out_route[n : 2 * n, 1 : 1 + count] = np.where(blocked, NO_ROUTE, day["after"])
            out_route = out_route.ravel()
        table = (edges, out_link.ravel(), out_route, day["stay_edge"])
        self._round_table = (key, table)
        return table

    _day_table_cache: dict | None = None
    _round_table: tuple | None = None

    def _day_signature(self) -> tuple:
        """Everything the day's table is made from that can change during a run."""
        return (self.routes_version, self.score.tobytes(), self.movechance.tobytes(), self.is_camp.tobytes(), self.conflict.tobytes())

    def _capacity_multipliers(self) -> np.ndarray:
        """:func:`~flowsim.kinds.network.engine.flee_rules.capacity_multiplier` of every place, computed for the capped camps only."""
        limits = self._capacity_limits
        if limits is None:
            capacity = self.capacity[self._capped].astype(float)
            buffer = self._buffer()
            limits = self._capacity_limits = (capacity, buffer * capacity, capacity * (1.0 - buffer), np.ones(self.n_places))
        capacity, floor, span, ones = limits
        out = ones.copy()
        out[self._capped] = fr.capped_multiplier(self.occupancy[self._capped].astype(float), capacity, floor, span)
        return out

    _capacity_limits: tuple | None = None

    def _day_table(self) -> dict:
        """The parts of the outcome table that change only between days.

        Route weights are (base weight × capacity multiplier of the end)^power, Flee's
        ``calculateLinkWeight``, so the base is computed once a day and a round multiplies in
        the capacity factors.
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
        probs = np.zeros((2 * n + 1, width))
        probs[:n, 0] = 1.0 - movechance
        probs[n : 2 * n, 0] = 1.0 - has
        probs[2 * n, 0] = 1.0
        if self.flee_rules and self._awareness() > 0:
            power = self.network_scenario.flee.move_rules.weight_power

            def cap_factor(cap: np.ndarray) -> np.ndarray:
                return cap**power
        else:

            def cap_factor(cap: np.ndarray) -> np.ndarray:
                return cap if self._awareness() > 0 else np.ones_like(cap)

        capped = self._capped
        return {
            "today": self.today,
            "valid": valid,
            "end": end,
            "link": link,
            "count": count,
            "width": width,
            "base": self._weights(np.ones(n)),
            "cap_factor": cap_factor,
            "cap_floor": np.floor(self._buffer() * self.capacity[capped]).astype(self.occupancy.dtype),
            "no_link": ~valid | (link < 0) | (first_node < 0),
            "camp_end": self.is_camp[end],
            "movechance": movechance,
            "has": has.astype(float),
            "probs": probs,
            "stay_edge": stay_edge,
            "out_link": np.full((2 * n + 1, width), NOT_TRAVELLING, dtype=np.int32),
            "after": np.where(self.route_length[ids] > 1, ids, NO_ROUTE).astype(np.int32),
        }

    def _choose(self, table, row: np.ndarray, u: np.ndarray, here: np.ndarray, route: np.ndarray | None, step: np.ndarray | None):
        """Each person's outcome: the link he steps onto (-1: he stays) and his route afterwards.

        Someone with a route (routes of several steps) follows it if he decides to move (the
        same draw against the stay edge); everyone else draws a new route from the row.
        """
        edges, out_link, out_route, stay_edge = table
        width = edges.shape[1]
        hits = edges.take(row, axis=0) <= u[:, None]
        picks = np.bitwise_count(hits.view(np.uint64))  # a byte per edge, 0 or 1: popcount of 8 at once
        picks = picks.sum(axis=1, dtype=np.int32) if width > 8 else picks.ravel()
        outcome = row * width + picks
        link = out_link[outcome]
        if route is None:
            return link, None, None
        new_route = out_route[outcome]
        new_step = (new_route >= 0).astype(np.int8)
        has = route >= 0
        if has.any():
            who = np.flatnonzero(has)
            decided = u[who] >= stay_edge[row[who]]
            follow_link, follow_route, follow_step = self._follow(here[who], route[who], step[who])
            link[who] = np.where(decided, follow_link, NOT_TRAVELLING)
            new_route[who] = np.where(decided, follow_route, route[who])
            new_step[who] = np.where(decided, follow_step, step[who])
        return link, new_route, new_step

    def _follow(self, here: np.ndarray, route: np.ndarray, step: np.ndarray):
        """Flee's ``take_next_step`` for people with a planned route: the next link, or none (route dropped).

        A person whose next link is closed or whose route ends in a full camp drops the route
        and stays.
        """
        cap = self._capacity_multipliers()
        step = step.astype(np.int64)
        nxt = self.route_next[route, step]
        link = self.first_link[here, np.maximum(nxt, 0)].astype(np.int32)
        end = self.route_end[route]
        blocked = (link < 0) | (nxt < 0) | (self.is_camp[end] & (cap[end] < fr.FULL_CAMP_THRESHOLD))
        step = step + 1
        done = blocked | (step >= self.route_length[route])
        link = np.where(blocked, NOT_TRAVELLING, link)
        return link, np.where(done, NO_ROUTE, route).astype(np.int32), np.where(done, 0, step).astype(np.int8)

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
