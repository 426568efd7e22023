"""The general network engine: places of any kind joined by routes, people moving along them.

:class:`NetworkModel` (a ``mesa.Model``; one step is one day) runs a network scenario
(:mod:`flowsim.scenario.network`): conflict zones, towns, camps, markers and forwarding hubs
joined by two-way routes with distances; closures of countries, locations and camps by date;
conflict zones that start and end by date with an intensity; camp capacities. People are
rows of per-person numpy arrays (location, link, progress on the link, planned route,
recent travel) — there is no Python object per person — and every random draw comes from
``self.rng``.

With ``rules: flee`` a day is Flee 3.1's day (``runscripts/run.py`` and ``Ecosystem.evolve``):

1. conflict zones that start (or end) today change;
2. new people are spawned in conflict zones from the day's increase of the total series;
3. closures due today are applied;
4. everyone who is not on a road decides to move (move chance by kind of place), chooses a
   route if they have none, and steps onto its first link;
5. everyone on a road travels a day's distance; who arrives with distance to spare decides
   again at the new place and travels on, until nobody has;
6. camp counts are recorded.

The one deliberate difference from Flee is order within a day: Flee moves people one at a
time, so a camp filling up mid-day is seen by the next person; here people move in rounds and
see camp occupancy as of the start of each round; on days when a camp can fill, travel is
finished in groups in Flee's order, so the filling is seen as in Flee.

The module has a little over 500 lines: the day's steps all read and write the same
per-person arrays, and are kept together so that ``step()`` and what it calls read as one day
(the roads and their closures are in :mod:`flowsim.engine.network_roads`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import mesa
import numpy as np

from flowsim.engine import flee_rules as fr
from flowsim.engine.network_roads import Roads
from flowsim.scenario.network import NetworkScenario

NO_ROUTE = -1
NOT_TRAVELLING = -1
NEVER = 2**31 - 1  # next decision day of someone who never moves on his own


@dataclass
class NetworkRun:
    """What a run returns: daily camp counts and totals (no I/O here)."""

    dates: list[dt.date]
    camp_names: list[str]
    simulated: np.ndarray  # (days, camps) people per camp at the end of each day (in people, × scale)
    observed: np.ndarray  # (days, camps) Flee's data for the day (interpolated series, × scale)
    spawned: np.ndarray  # (days,) people spawned each day (× scale)
    on_roads: np.ndarray  # (days,) people travelling at the end of the day (× scale)
    agents: int
    agent_steps: int
    scale: int


class NetworkModel(Roads, mesa.Model):
    """A network scenario as a Mesa model; ``step()`` simulates one day.

    Args:
        scenario: the network scenario (rules, settings and case).
        rng: seed or ``numpy.random.Generator``; all randomness flows from it.
        days: days to simulate (default: the scenario's).
    """

    def __init__(self, scenario: NetworkScenario, *, rng: int | np.random.Generator | None = None, days: int | None = None) -> None:
        super().__init__(rng=rng)
        self.network_scenario = scenario
        self.case = scenario.network_case
        self.days = days or scenario.days
        self.scale = scenario.scale
        self.flee_rules = scenario.rules == "flee"
        self._build_places()
        self._build_links()
        self._build_series()
        self._allocate_people()
        self.today = 0
        self._fill_camps()

    # ------------------------------------------------------------------ construction

    def _build_places(self) -> None:
        case, mr = self.case, self.network_scenario.flee.move_rules
        locs = case.locations
        n = self.n_places = len(locs)
        self.place_names = [loc.name for loc in locs]
        self.place_index = {name: i for i, name in enumerate(self.place_names)}
        self.country = np.array([loc.country for loc in locs])
        self.foreign = self.country != case.home_country
        kind = np.array([fr.KIND_CODES[loc.kind] for loc in locs])
        date = np.array([loc.conflict_date if loc.conflict_date is not None else 0 for loc in locs])
        # Flee: a conflict zone whose conflict starts later is a town until then.
        kind = np.where((kind == fr.CONFLICT) & (date > 0), fr.TOWN, kind)
        self.is_camp = np.isin(kind, (fr.CAMP, fr.IDPCAMP))
        self.is_idpcamp = kind == fr.IDPCAMP
        self.is_town = kind == fr.TOWN
        self.is_marker = kind == fr.MARKER
        self.conflict = np.full(n, -1.0)
        for i, loc in enumerate(locs):
            if kind[i] == fr.CONFLICT:
                self.conflict[i] = float(loc.attributes.get("conflict_intensity", 1.0) or 1.0)
        self.conflict_since = np.full(n, -1)
        population = np.array([loc.population for loc in locs], dtype=np.int64) // self.scale
        self.capacity = np.where(self.is_camp, population, -1)
        self.population = np.where(self.is_camp, 0, population).astype(float)
        self.movechance = np.ones(n)
        for code, value in self._movechances().items():
            self.movechance[kind == code] = value
        self.camps = np.flatnonzero(self.is_camp)
        self.camp_names = [self.place_names[i] for i in self.camps]
        self.occupancy = np.zeros(n, dtype=np.int64)
        if self.flee_rules:
            self.max_speed = mr.max_move_speed
        else:
            self.max_speed = self.network_scenario.flowsim_rules.speed_km_day

    def _movechances(self) -> dict[int, float]:
        if self.flee_rules:
            mr = self.network_scenario.flee.move_rules
            return {
                fr.CONFLICT: mr.conflict_movechance,
                fr.TOWN: mr.default_movechance,
                fr.CAMP: mr.camp_movechance,
                fr.IDPCAMP: mr.idpcamp_movechance,
                fr.FORWARD: 1.0,
                fr.MARKER: 1.0,
                fr.OTHER: 1.0,
            }
        fs = self.network_scenario.flowsim_rules
        return {
            fr.CONFLICT: fs.leave_conflict,
            fr.TOWN: fs.leave_town,
            fr.CAMP: fs.leave_camp,
            fr.IDPCAMP: fs.leave_camp,
            fr.FORWARD: 1.0,
            fr.MARKER: 1.0,
            fr.OTHER: 1.0,
        }

    def _build_series(self) -> None:
        case, n_days = self.case, self.days
        self.observed = np.stack([case.camp_series[name].daily(n_days, self.scale) for name in self.camp_names], axis=1) if self.camp_names else np.zeros((n_days, 0), dtype=np.int64)
        sr = self.network_scenario.flee.spawn_rules
        if sr.spawn_from == "camps":
            total = self.observed.sum(axis=1)
        else:
            total = case.total.daily(n_days, self.scale)
        self.new_people = fr.daily_new_people(total, sr.insert_day0)
        if self.case.conflicts is not None:
            self.conflict_table = np.zeros((n_days, len(case.conflict_names)))
            rows = min(n_days, case.conflicts.shape[0])
            self.conflict_table[:rows] = case.conflicts[:rows]
            self.conflict_columns = np.array([self.place_index[name] for name in case.conflict_names], dtype=np.int64)
        else:
            self.conflict_table = None

    def _allocate_people(self) -> None:
        sr = self.network_scenario.flee.spawn_rules
        day0 = self.observed[0].astype(np.int64) if sr.insert_day0 else np.zeros(len(self.camps), dtype=np.int64)
        self._day0 = day0
        size = int(day0.sum() + self.new_people.sum())
        self.n_people = 0
        self.place = np.zeros(size, dtype=np.int32)
        self.link = np.full(size, NOT_TRAVELLING, dtype=np.int32)
        self.progress = np.zeros(size, dtype=np.float32)
        self.route = np.full(size, NO_ROUTE, dtype=np.int32)
        self.route_step = np.zeros(size, dtype=np.int8)
        self.moved = np.zeros(size, dtype=np.float32)
        self.recent = np.zeros(size, dtype=np.float32)
        self.recent_day = np.zeros(size, dtype=np.int32)
        self.travelled = np.zeros(size, dtype=bool)
        self.next_day = np.full(size, NEVER, dtype=np.int32)
        self.travellers = np.zeros(0, dtype=np.int64)
        n_days = self.days
        self.simulated = np.zeros((n_days, len(self.camps)), dtype=np.int64)
        self.spawned = np.zeros(n_days, dtype=np.int64)
        self.on_roads = np.zeros(n_days, dtype=np.int64)
        self.agent_steps = 0

    def _add_people(self, places: np.ndarray) -> None:
        k = len(places)
        start, stop = self.n_people, self.n_people + k
        self.place[start:stop] = places
        self.recent_day[start:stop] = self.today - 1
        self.next_day[start:stop] = self.today - 1 + self._waiting_days(self.movechance[places])
        self.n_people = stop
        self.occupancy += np.bincount(places, minlength=self.n_places)

    def _fill_camps(self) -> None:
        self._add_people(np.repeat(self.camps, self._day0))

    # ------------------------------------------------------------------ the day

    def step(self) -> None:
        """One day, in Flee's order."""
        t = self.today
        changed = self._update_conflicts(t)
        self._spawn(t, decay_day=t if changed else t - 1)
        self._apply_closures(t)
        self._update_scores(t)
        self._move(t)
        self._record(t)
        self.today += 1

    def run(self) -> NetworkRun:
        """Simulate every day and return the daily tables."""
        for _ in range(self.days):
            self.step()
        start = self.case.start_date
        return NetworkRun(
            dates=[start + dt.timedelta(days=d) for d in range(self.days)],
            camp_names=list(self.camp_names),
            simulated=self.simulated * self.scale,
            observed=self.observed * self.scale,
            spawned=self.spawned * self.scale,
            on_roads=self.on_roads * self.scale,
            agents=self.n_people,
            agent_steps=self.agent_steps,
            scale=self.scale,
        )

    # conflict zones ------------------------------------------------------

    def _update_conflicts(self, t: int) -> bool:
        """Flee's ``AddNewConflictZones``: zones start when their value turns positive.

        Flee 3.1 keeps a zone's starting intensity and ends a zone only when the day before
        was exactly 1; both are reproduced.
        """
        if self.conflict_table is None:
            starting = np.flatnonzero(self._conflict_dates() == t)
            for place in starting:
                self._start_conflict(place, 1.0, t)
            return len(starting) > 0
        today = self.conflict_table[t]
        before = self.conflict_table[t - 1] if t > 0 else None
        changed = False
        for j, place in enumerate(self.conflict_columns):
            if today[j] > 1e-6 and (before is None or before[j] < 1e-6):
                self._start_conflict(place, today[j], t)
                changed = True
            if today[j] < 1e-6 and before is not None and before[j] == 1:
                self._end_conflict(place, t)
                changed = True
        return changed

    def _conflict_dates(self) -> np.ndarray:
        if not hasattr(self, "_dates_cache"):
            self._dates_cache = np.array(
                [loc.conflict_date if (loc.kind == "conflict_zone" and loc.conflict_date and loc.conflict_date > 0) else -1 for loc in self.case.locations]
            )
        return self._dates_cache

    def _start_conflict(self, place: int, intensity: float, t: int) -> None:
        self.conflict[place] = intensity
        self.is_town[place] = False
        self.conflict_since[place] = t
        self._set_movechance(place, self._movechances()[fr.CONFLICT], t)

    def _end_conflict(self, place: int, t: int) -> None:
        self.conflict[place] = -1.0
        self.is_town[place] = True
        self._set_movechance(place, self._movechances()[fr.TOWN], t)

    def _set_movechance(self, place: int, value: float, t: int) -> None:
        if self.movechance[place] != value:
            self.movechance[place] = value
            self._redraw_decisions(place, t)

    # spawning -------------------------------------------------------------

    def _spawn(self, t: int, decay_day: int) -> None:
        k = int(self.new_people[t])
        if k == 0:
            return
        decay = fr.conflict_decay(decay_day - self.conflict_since, self.network_scenario.flee.spawn_rules.conflict_spawn_decay)
        weights = fr.spawn_weights(self.population, self.conflict, decay)
        total = weights.sum()
        if not total > 0:
            return  # Flee 3.1 stops with an assertion here; nobody can be spawned without a conflict zone
        counts = self.rng.multinomial(k, weights / total)
        self._add_people(np.repeat(np.arange(self.n_places), counts))
        self.spawned[t] = k

    # moving ---------------------------------------------------------------

    def _update_scores(self, t: int) -> None:
        mr = self.network_scenario.flee.move_rules
        decay = fr.conflict_decay(t - self.conflict_since, self.network_scenario.flee.spawn_rules.conflict_spawn_decay)
        self.score = fr.location_scores(self.foreign, self.is_camp, self.conflict, decay, mr.foreign_weight, mr.camp_weight, mr.conflict_weight)

    def _move(self, t: int) -> None:
        """Steps 4 and 5 of the day: decisions, route choice and travel in rounds (Flee's evolve and finish_travel).

        Each round works on compact value arrays of the people still moving (ids, link,
        progress, distance moved today, route, route step); the per-person arrays are written
        once at the end of the day.
        """
        n = self.n_people
        self.agent_steps += n
        cap = self._capacity()
        deciders = np.flatnonzero(self.next_day[:n] == t)
        here = self.place[deciders]
        ok, link, route, step = self._step_values(here, self.route[deciders], self.route_step[deciders].astype(np.int64), cap)
        settled = [(deciders[~ok], here[~ok], route[~ok], step[~ok], np.zeros(int((~ok).sum()), dtype=np.float32))]
        self.occupancy -= np.bincount(here[ok], minlength=self.n_places)
        tr = self.travellers
        ids = np.concatenate([tr, deciders[ok]])
        lk = np.concatenate([self.link[tr].astype(np.int64), link[ok]])
        pr = np.concatenate([self.progress[tr], np.zeros(int(ok.sum()), dtype=np.float32)])
        mv = np.zeros(len(ids), dtype=np.float32)
        rt = np.concatenate([self.route[tr].astype(np.int64), route[ok]])
        st = np.concatenate([self.route_step[tr].astype(np.int64), step[ok]])
        on_road: list = []
        order = np.argsort(ids, kind="stable")  # Flee finishes travel person by person, in the order they joined
        for chunk in np.array_split(order, self._chunks(len(ids))):
            self._travel_rounds(ids[chunk], lk[chunk], pr[chunk], mv[chunk], rt[chunk], st[chunk], t, settled, on_road)
        self._write_back(settled, on_road, t)

    def _chunks(self, active: int) -> int:
        """How many groups finish their travel one after another today.

        Flee moves people one at a time, so a camp filling up is seen by the next person;
        here groups move together. Only on a day when a camp that is not yet full can come
        near its capacity does the order matter; then up to 8 groups of at least 512 people,
        in Flee's order, approximate it. Otherwise the whole day is one group.
        """
        groups = min(8, active // 512)
        room = self.capacity >= 1
        if groups <= 1 or not room.any():
            return 1
        occupancy, capacity = self.occupancy[room], self.capacity[room]
        filling = (occupancy < capacity) & (occupancy + active > self._buffer() * capacity)
        return groups if filling.any() else 1

    def _travel_rounds(self, ids, lk, pr, mv, rt, st, t: int, settled: list, on_road: list) -> None:
        """Flee's ``finish_travel`` (and the moves it chains) for one group, in rounds."""
        while len(ids):
            cap = self._capacity()
            sp = self._speeds(ids, lk)
            pr_new = pr + sp
            distance = self.link_distance[lk]
            arrive = pr_new > distance
            stay = ~arrive
            on_road.append((ids[stay], lk[stay], pr_new[stay], rt[stay], st[stay], (mv + sp)[stay]))
            ids, lk, pr, mv, rt, st, sp, distance = (a[arrive] for a in (ids, lk, pr, mv, rt, st, np.broadcast_to(sp, arrive.shape), distance))
            if len(ids) == 0:
                break
            if self.start_on_foot:
                self.travelled[ids] = True
            mv = (mv + distance - pr).astype(np.float32)
            closed = ~self.link_open[lk]
            place = np.where(closed, self.link_src[lk], self.link_dst[lk])
            self.occupancy += np.bincount(place, minlength=self.n_places)
            again = ~closed & (mv < sp)
            decide = np.zeros(len(ids), dtype=bool)
            if again.any():
                movechance = self.movechance[place[again]]
                if self.avoid_short_stints:
                    who = ids[again]
                    recent = fr.decayed_recent_travel(self.recent[who], self.recent_day[who], t)
                    force = (recent + mv[again] / self.max_speed) / 2.0 < 0.5
                    movechance = np.where(force & self.is_town[place[again]], 1.0, movechance)
                decide[np.flatnonzero(again)] = self.rng.random(int(again.sum())) < movechance
            going = np.zeros(len(ids), dtype=bool)
            if decide.any():
                d = np.flatnonzero(decide)
                ok, link, route, step = self._step_values(place[d], rt[d], st[d], cap)
                rt[d], st[d] = route, step
                going[d[ok]] = True
                lk = lk.copy()
                lk[d[ok]] = link[ok]
                self.occupancy -= np.bincount(place[d[ok]], minlength=self.n_places)
            rest = ~going
            settled.append((ids[rest], place[rest], rt[rest], st[rest], mv[rest]))
            ids, lk, mv, rt, st = ids[going], lk[going], mv[going], rt[going], st[going]
            pr = np.zeros(len(ids), dtype=np.float32)

    def _capacity(self) -> np.ndarray:
        return fr.capacity_multiplier(self.occupancy, self.capacity, self._buffer())

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

    def _write_back(self, settled: list, on_road: list, t: int) -> None:
        """End of the day: per-person arrays, next decision days, recent-travel index (Flee's daily update)."""
        ids, place, route, step, moved = (np.concatenate(parts) for parts in zip(*settled))
        self.place[ids] = place
        self.link[ids] = NOT_TRAVELLING
        self.route[ids] = route
        self.route_step[ids] = step
        self.next_day[ids] = t + self._waiting_days(self.movechance[place])
        r_ids, r_link, r_progress, r_route, r_step, r_moved = (np.concatenate(parts) for parts in zip(*on_road)) if on_road else (np.zeros(0, dtype=np.int64),) * 6
        self.link[r_ids] = r_link
        self.progress[r_ids] = r_progress
        self.route[r_ids] = r_route
        self.route_step[r_ids] = r_step
        self.next_day[r_ids] = NEVER
        self.travellers = r_ids.astype(np.int64)
        everyone = np.concatenate([ids, r_ids]).astype(np.int64)
        moved = np.concatenate([moved, r_moved]).astype(np.float32)
        recent = fr.decayed_recent_travel(self.recent[everyone], self.recent_day[everyone], t)
        self.recent[everyone] = (recent + moved / self.max_speed) / 2.0
        self.recent_day[everyone] = t

    def _waiting_days(self, movechance: np.ndarray) -> np.ndarray:
        """Days until the next decision to move: geometric, as a daily draw with that chance is."""
        p = np.asarray(movechance, dtype=float)
        out = np.full(len(p), NEVER, dtype=np.int64)
        some = p > 0
        out[some] = self.rng.geometric(np.minimum(p[some], 1.0))
        return np.minimum(out, NEVER)

    def _redraw_decisions(self, place: int, t: int) -> None:
        """A place's move chance changed today: its residents' next decision days are drawn again."""
        n = self.n_people
        here = np.flatnonzero((self.place[:n] == place) & (self.link[:n] < 0))
        if len(here):
            self.next_day[here] = t - 1 + self._waiting_days(np.full(len(here), self.movechance[place]))

    def _step_values(self, here: np.ndarray, route: np.ndarray, step: np.ndarray, cap: np.ndarray):
        """Flee's route choice and ``take_next_step`` on value arrays.

        Returns (stepped onto a link?, link, route, route step) per person; a person whose next
        link is closed or whose route ends in a full camp drops the route and stays.
        """
        route = route.copy()
        step = step.copy()
        need = route == NO_ROUTE
        if need.any():
            route[need] = self._choose_routes(here[need], cap)
            step[need] = 0
        has = route != NO_ROUTE
        r = np.where(has, route, 0)
        nxt = self.route_next[r, step]
        link = self.first_link[here, np.maximum(nxt, 0)]
        end = self.route_end[r]
        full = self.is_camp[end] & (cap[end] < fr.FULL_CAMP_THRESHOLD)
        blocked = has & ((link < 0) | full | (nxt < 0))
        route[blocked] = NO_ROUTE
        step[blocked] = 0
        ok = has & ~blocked
        step = np.where(ok, step + 1, step)
        done = ok & (step >= self.route_length[r])
        route[done] = NO_ROUTE
        step[done] = 0
        return ok, link, route, step

    def _buffer(self) -> float:
        return self.network_scenario.flee.move_rules.capacity_buffer

    def _choose_routes(self, here: np.ndarray, cap: np.ndarray) -> np.ndarray:
        """Flee's ``selectRoute`` for many people at once: one weighted draw each among their place's routes.

        Each place's cumulative weights are scaled to end at 1; a person's pick is the number
        of his place's cumulative weights at or below his uniform draw (inverse CDF; places
        have few candidate routes).
        """
        weights = self._weights(cap)
        cumulative = np.cumsum(weights, axis=1)
        total = cumulative[:, -1:]
        scaled = np.where(total > 0, cumulative / np.where(total > 0, total, 1.0), 1.0).astype(np.float32)
        draws = self.rng.random(len(here), dtype=np.float32)
        picks = (scaled[here, :-1] <= draws[:, None]).sum(axis=1)
        count = self.candidate_count[here]
        picks = np.minimum(picks, np.maximum(count - 1, 0))
        return np.where(count > 0, self.candidate_ids[here, picks], NO_ROUTE)

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

    def _record(self, t: int) -> None:
        self.simulated[t] = self.occupancy[self.camps]
        self.on_roads[t] = len(self.travellers)
