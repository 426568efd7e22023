"""The roads of a network: directed links, their closures, and the candidate routes from each place.

:class:`Roads` is a mixin of :class:`flowsim.kinds.network.engine.model.NetworkModel`. Links are built from
the case's routes as Flee 3.1 builds them (both directions; a route flagged 1 twice); closures
of countries, locations, links and camps are applied by date; after every change the candidate
routes from each place are enumerated again as Flee's ``calculateLinkWeight`` recursion does
(up to ``awareness_level`` steps, passing through markers, never back to a place already on the
route) and stored as padded tables (places × candidates) for drawing everyone's route at once.
"""

from __future__ import annotations

import numpy as np

from flowsim.kinds.network.engine import flee_rules as fr


class Roads:
    """Links, closures and candidate routes (mixed into :class:`~flowsim.kinds.network.engine.model.NetworkModel`)."""

    def _build_links(self) -> None:
        src, dst, dist, speed, walk = [], [], [], [], []
        for route in self.case.routes:
            a, b = self.place_index[route.name1], self.place_index[route.name2]
            if route.forced_redirection == 2:
                a, b = b, a
            # Flee 3.1 links a route flagged 1 twice (its flag steers nobody), doubling its weight.
            copies = 2 if route.forced_redirection == 1 else 1
            link_speed = float(route.attributes.get("max_move_speed") or self.max_speed)
            walk_probability = float(route.attributes.get("walk_probability") or 0.0)
            for _ in range(copies):
                for s, d in ((a, b), (b, a)):
                    src.append(s)
                    dst.append(d)
                    dist.append(route.distance)
                    speed.append(link_speed if self.flee_rules else self.max_speed)
                    walk.append(walk_probability)
        self.link_src = np.array(src, dtype=np.int64)
        self.link_dst = np.array(dst, dtype=np.int64)
        self.link_distance = np.array(dist, dtype=float)
        self.link_distance32 = self.link_distance.astype(np.float32)
        self.link_speed = np.array(speed, dtype=np.float32)
        self.link_walk = np.array(walk)
        self.link_open = np.ones(len(src), dtype=bool)
        self.uniform_speed = np.float32(self.link_speed[0]) if len(src) and (self.link_speed == self.link_speed[0]).all() else None
        self.any_walking = bool((self.link_walk > 0).any())
        mr = self.network_scenario.flee.move_rules
        self.start_on_foot = self.flee_rules and mr.start_on_foot
        self.avoid_short_stints = self.flee_rules and mr.avoid_short_stints
        self.link_order = np.arange(len(src))  # Flee appends a reopened link at the end of the list
        self._next_order = len(src)
        self._route_registry: dict[tuple[int, ...], int] = {}
        self._route_nodes: list[tuple[int, ...]] = []
        self.routes_version = -1
        self._rebuild_routes()
        # every route there will ever be is known now (closures only remove links): do people
        # ever carry a route of several steps (markers, awareness above 1)?
        self.multi_step = bool((self.route_length > 1).any())

    def _awareness(self) -> int:
        if self.flee_rules:
            return self.network_scenario.flee.move_rules.awareness_level
        return self.network_scenario.flowsim_rules.awareness_level

    def _rebuild_routes(self) -> None:
        """Candidate routes from every place over open links, enumerated as Flee's recursion does."""
        n = self.n_places
        order = np.argsort(self.link_order, kind="stable")
        out_links: list[list[int]] = [[] for _ in range(n)]
        for link in order:
            if self.link_open[link]:
                out_links[self.link_src[link]].append(int(link))
        self.routes_version += 1  # the choice tables are rebuilt after a change
        # where someone arriving on a link ends up: its end, or its start if it has closed
        self._all_open = bool(self.link_open.all())
        self.link_end = np.where(self.link_open, self.link_dst, self.link_src).astype(np.int32)
        self.first_link = np.full((n, n), -1, dtype=np.int64)
        for place in range(n):
            for link in reversed(out_links[place]):
                self.first_link[place, self.link_dst[link]] = link
        awareness = self._awareness()
        self.candidates: list[tuple[np.ndarray, np.ndarray]] = []
        for place in range(n):
            ids: list[int] = []
            dists: list[float] = []
            if awareness == 0:
                for link in out_links[place]:
                    ids.append(self._route_id((int(self.link_dst[link]),)))
                    dists.append(0.0)
            else:
                for link in out_links[place]:
                    self._enumerate(out_links, link, 0.0, (place,), (), 1, awareness, ids, dists)
            self.candidates.append((np.array(ids, dtype=np.int64), np.array(dists)))
        if not self._route_nodes:
            self._route_id((0,))  # keeps the tables non-empty in a world without links
        self.route_next = np.full((len(self._route_nodes), max(len(r) for r in self._route_nodes)), -1, dtype=np.int64)
        for rid, nodes in enumerate(self._route_nodes):
            self.route_next[rid, : len(nodes)] = nodes
        self.route_length = np.array([len(r) for r in self._route_nodes], dtype=np.int64)
        self.route_end = np.array([r[-1] for r in self._route_nodes], dtype=np.int64)
        width = max(1, max(len(ids) for ids, _ in self.candidates))
        self.candidate_ids = np.full((n, width), -1, dtype=np.int64)
        self.candidate_distance = np.zeros((n, width))
        self.candidate_count = np.zeros(n, dtype=np.int64)
        for place, (ids, dists) in enumerate(self.candidates):
            self.candidate_ids[place, : len(ids)] = ids
            self.candidate_distance[place, : len(ids)] = dists
            self.candidate_count[place] = len(ids)
        self.candidate_valid = self.candidate_ids >= 0

    def _enumerate(self, out_links, link, prior, origins, path, step, awareness, ids, dists) -> None:
        end = int(self.link_dst[link])
        distance = prior + self.link_distance[link]
        if not self.is_marker[end]:
            ids.append(self._route_id(path + (end,)))
            dists.append(distance)
        else:
            step -= 1
        if awareness > step:
            for onward in out_links[end]:
                if int(self.link_dst[onward]) in origins:
                    continue
                self._enumerate(out_links, onward, distance, origins + (end,), path + (end,), step + 1, awareness, ids, dists)

    def _route_id(self, nodes: tuple[int, ...]) -> int:
        rid = self._route_registry.get(nodes)
        if rid is None:
            rid = self._route_registry[nodes] = len(self._route_nodes)
            self._route_nodes.append(nodes)
        return rid

    def _apply_closures(self, t: int) -> None:
        if not hasattr(self, "_closure_days"):  # days with a closure starting or ending, found once
            self._closure_days = {c.start for c in self.case.closures} | {c.end for c in self.case.closures}
        if t not in self._closure_days:
            return
        changed = False
        for closure in self.case.closures:
            if closure.start == t:
                changed |= self._close(closure, closing=True)
            if closure.end == t:
                changed |= self._close(closure, closing=False)
        if changed:
            self._rebuild_routes()

    def _close(self, closure, *, closing: bool) -> bool:
        kind = closure.kind
        if kind == "country":
            a = self.country[self.link_src] == closure.name1
            b = self.country[self.link_dst] == closure.name2
            c = self.country[self.link_src] == closure.name2
            d = self.country[self.link_dst] == closure.name1
            return self._set_links((a & b) | (c & d), closing)
        if kind == "location":
            place = self.place_index[closure.name1]
            return self._set_links((self.link_src == place) | (self.link_dst == place), closing)
        if kind == "link":
            p, q = self.place_index[closure.name1], self.place_index[closure.name2]
            return self._set_links(((self.link_src == p) & (self.link_dst == q)) | ((self.link_src == q) & (self.link_dst == p)), closing)
        if kind in ("camp", "idpcamp"):
            place = self.place_index[closure.name1]
            mc = self._movechances()
            if closing:  # the camp becomes a town
                self._set_movechance(place, mc[fr.TOWN], self.today)
                self.is_camp[place] = self.is_idpcamp[place] = False
                self.is_town[place] = True
            else:
                idp = kind == "idpcamp"
                self._set_movechance(place, mc[fr.IDPCAMP if idp else fr.CAMP], self.today)
                self.is_camp[place] = True
                self.is_idpcamp[place] = idp
                self.is_town[place] = False
            self.conflict[place] = -1.0
            return False
        return False  # remove_forced_redirection: the flag steers nobody in Flee 3.1

    def _set_links(self, mask: np.ndarray, closing: bool) -> bool:
        target = mask & (self.link_open if closing else ~self.link_open)
        if not target.any():
            return False
        self.link_open[target] = not closing
        if not closing:
            for link in np.flatnonzero(target):
                self.link_order[link] = self._next_order
                self._next_order += 1
        return True

