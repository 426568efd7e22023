"""Decisions and route choice on a network: one draw per person gives both.

:class:`Choice` is a mixin of :class:`flowsim.engine.network.NetworkModel`. For each place a
row of outcome edges is built (stay, with 1 − move chance; then each candidate route, with
move chance × its share of the route weights, Flee's ``calculateLinkWeight``), once per round
and only when the capacity multipliers have changed. A person's outcome is the number of
edges at or below his uniform draw: a row gather, a comparison and a popcount, exact
inverse-CDF sampling. Row ``n + p`` is place ``p`` with a move chance of 1 (people who have
already decided to move, and Flee's short-stint rule in towns); the last row is "stay".
A route leading to a camp whose capacity multiplier is below
:data:`~flowsim.engine.flee_rules.FULL_CAMP_THRESHOLD` is an outcome "stay" (Flee's
``take_next_step`` drops it).
"""

from __future__ import annotations

import numpy as np

from flowsim.engine import flee_rules as fr

NO_ROUTE = -1
NOT_TRAVELLING = -1


class Choice:
    """Outcome tables and draws (mixed into :class:`~flowsim.engine.network.NetworkModel`)."""

    def _table(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """This round's outcome edges per row, and each outcome's first link and route after it.

        Rebuilt only when the capacity multipliers or the day change (scores, closures and
        move chances change only between days); while no camp is past its buffer, every
        multiplier is 1 and the check is one comparison.
        """
        cached = getattr(self, "_table_cache", None)
        capped = self._capped
        below = not (self.occupancy[capped] > self._buffer() * self.capacity[capped]).any()
        if cached is not None and cached[0] == self.today and below and cached[1] is None:
            return cached[2]
        cap = fr.capacity_multiplier(self.occupancy, self.capacity, self._buffer())
        if cached is not None and cached[0] == self.today and cached[1] is not None and np.array_equal(cached[1], cap):
            return cached[2]
        n = self.n_places
        weights = self._weights(cap)  # places × candidates
        ids = np.where(self.candidate_valid, self.candidate_ids, 0)
        end = self.route_end[ids]
        first_node = self.route_next[ids, 0]
        link = self.first_link[np.arange(n)[:, None], np.maximum(first_node, 0)]
        blocked = ~self.candidate_valid | (link < 0) | (first_node < 0) | (self.is_camp[end] & (cap[end] < fr.FULL_CAMP_THRESHOLD))
        total = weights.sum(axis=1, keepdims=True)
        share = np.where(total > 0, weights / np.where(total > 0, total, 1.0), 0.0)
        movechance = np.concatenate([np.minimum(self.movechance, 1.0), np.ones(n), np.zeros(1)])
        stay_edge = (1.0 - movechance).astype(np.float32)
        has = np.concatenate([self.candidate_count > 0] * 2 + [np.zeros(1, dtype=bool)])
        movechance = np.where(has, movechance, 0.0)  # nowhere to go: "decides" and stays
        share = np.vstack([share, share, np.zeros((1, share.shape[1]))])
        probs = np.hstack([(1.0 - movechance)[:, None], movechance[:, None] * share])
        width = -(-probs.shape[1] // 8) * 8
        probs = np.hstack([probs, np.zeros((len(probs), width - probs.shape[1]))])
        cumulative = np.cumsum(probs, axis=1)
        # the last outcome with any chance takes everything up to 1 (and past float rounding)
        edges = np.where(cumulative >= cumulative[:, -1:], 2.0, cumulative).astype(np.float32)
        out_link = np.full((2 * n + 1, width), NOT_TRAVELLING, dtype=np.int32)
        out_link[: 2 * n, 1 : 1 + link.shape[1]] = np.vstack([np.where(blocked, NOT_TRAVELLING, link)] * 2)
        out_route = None
        if self.multi_step:
            after = np.where(self.route_length[ids] > 1, ids, NO_ROUTE)
            out_route = np.full((2 * n + 1, width), NO_ROUTE, dtype=np.int32)
            out_route[: 2 * n, 1 : 1 + link.shape[1]] = np.vstack([np.where(blocked, NO_ROUTE, after)] * 2)
            out_route = out_route.ravel()
        table = (edges, out_link.ravel(), out_route, stay_edge)
        self._table_cache = (self.today, None if below else cap, table)
        return table

    def _choose(self, table, row: np.ndarray, u: np.ndarray, here: np.ndarray, route: np.ndarray | None, step: np.ndarray | None):
        """Each person's outcome: the link he steps onto (-1: he stays) and his route afterwards.

        Someone with a route (routes of several steps) follows it if he decides to move (the
        same draw against the stay edge); everyone else draws a new route from the row.
        """
        edges, out_link, out_route, stay_edge = table
        width = edges.shape[1]
        hits = np.take(edges, row, axis=0) <= u[:, None]
        picks = np.bitwise_count(hits.view(np.uint64))
        picks = picks.sum(axis=1, dtype=np.int32) if width > 8 else picks.ravel().astype(np.int32)
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
        cap = fr.capacity_multiplier(self.occupancy, self.capacity, self._buffer())
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
        """Route weights of every place's candidates (places × candidates; 0 past a place's last)."""
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
        weights = np.where(valid, weights, 0.0)
        # Flee: when every weight is zero, the routes are equally likely
        empty = (weights.sum(axis=1) <= 0.0)[:, None] & valid
        return np.where(empty, 1.0, weights)
