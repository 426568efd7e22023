"""The general network engine: places of any kind joined by routes, people moving along them.

:class:`NetworkModel` (a ``mesa.Model``; one step is one day) runs a network scenario
(:mod:`flowsim.kinds.network.scenario.schema`): conflict zones, towns, camps, markers and forwarding hubs
joined by two-way routes with distances; closures of countries, locations and camps by date;
conflict zones that start and end by date with an intensity; camp capacities. People are
rows of per-person numpy arrays (location, link, progress on the link, planned route,
recent travel) — there is no Python object per person — and every random draw comes from
``self.rng``.

With ``rules: flee`` a day is Flee 3.1's day (``runscripts/run.py`` and ``Ecosystem.evolve``):

1. conflict zones that start (or end) today change;
2. new people are spawned in conflict zones from the day's increase of the total series;
3. closures due today are applied;
4. everyone who is not on a road and whose decision day it is moves (move chance by kind of
   place, drawn as a geometric waiting time), choosing a route if they have none, and steps
   onto its first link;
5. everyone on a road travels a day's distance; who arrives with distance to spare decides
   again at the new place and travels on, until nobody has;
6. camp counts are recorded.

The one deliberate difference from Flee is order within a day: Flee moves people one at a
time, so a camp filling up mid-day is seen by the next person; here people move in rounds,
through a window that takes them in Flee's order, and see camp occupancy as of the start of
each round (:mod:`flowsim.kinds.network.engine.travel`).

This module builds the model and runs the day; the roads and their closures are in
:mod:`flowsim.kinds.network.engine.roads`, decisions and route choice in
:mod:`flowsim.kinds.network.engine.choice`, the day's movement in :mod:`flowsim.kinds.network.engine.travel`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import mesa
import numpy as np

from flowsim.kinds.network.engine import flee_rules as fr
from flowsim.kinds.network.engine.roads import Roads
from flowsim.kinds.network.engine.choice import NO_ROUTE, Choice
from flowsim.kinds.network.engine.travel import Travel
from flowsim.kinds.network.scenario.schema import NetworkScenario

NEVER = 2**31 - 1  # next decision day of someone not yet placed


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


def planned_arrivals(scenario: NetworkScenario, camp_names: list[str], days: int,
                     scale: int) -> tuple[np.ndarray, np.ndarray]:
    """(the camps' observed series (days, camps), people spawned each day), in agents at ``scale``."""
    case, spawn_rules = scenario.network_case, scenario.flee.spawn_rules
    observed = (np.stack([case.camp_series[name].daily(days, scale) for name in camp_names], axis=1)
                if camp_names else np.zeros((days, 0), dtype=np.int64))
    total = observed.sum(axis=1) if spawn_rules.spawn_from == "camps" else case.total.daily(days, scale)
    return observed, fr.daily_new_people(total, spawn_rules.insert_day0)


def people_in_camps_on_day0(scenario: NetworkScenario, observed: np.ndarray) -> np.ndarray:
    """Agents put in each camp before day 0 (Flee's ``insert_day0``: the camps' first counts)."""
    if scenario.flee.spawn_rules.insert_day0:
        return observed[0].astype(np.int64)
    return np.zeros(observed.shape[1], dtype=np.int64)


def agents_needed(scenario: NetworkScenario, scale: int | None = None) -> int:
    """How many agents a run allocates (everyone the series spawn, and the camps' first counts),
    worked out from the series alone, before any per-person array is built."""
    scale = int(scale) if scale is not None else scenario.scale
    observed, new_people = planned_arrivals(scenario, scenario.network_case.camp_names, scenario.days, scale)
    return int(people_in_camps_on_day0(scenario, observed).sum() + new_people.sum())


class NetworkModel(Travel, Choice, Roads, mesa.Model):
    """A network scenario as a Mesa model; ``step()`` simulates one day.

    Args:
        scenario: the network scenario (rules, settings and case).
        rng: seed or ``numpy.random.Generator``; all randomness flows from it.
        days: days to simulate (default: the scenario's).
        scale: people per agent (default: the scenario's ``agent_scale``, else Flee's ``hasten``).
    """

    def __init__(self, scenario: NetworkScenario, *, rng: int | np.random.Generator | None = None, days: int | None = None,
                 scale: int | None = None) -> None:
        super().__init__(rng=rng)
        self.network_scenario = scenario
        self.case = scenario.network_case
        self.days = days or scenario.days
        self.scale = int(scale) if scale is not None else scenario.scale
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
        self._capped = np.flatnonzero(self.capacity >= 1)
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
        self.observed, self.new_people = planned_arrivals(self.network_scenario, self.camp_names, n_days, self.scale)
        if self.case.conflicts is not None:
            self.conflict_table = np.zeros((n_days, len(case.conflict_names)))
            rows = min(n_days, case.conflicts.shape[0])
            self.conflict_table[:rows] = case.conflicts[:rows]
            self.conflict_columns = np.array([self.place_index[name] for name in case.conflict_names], dtype=np.int64)
        else:
            self.conflict_table = None

    def _allocate_people(self) -> None:
        self._day0 = day0 = people_in_camps_on_day0(self.network_scenario, self.observed)
        size = int(day0.sum() + self.new_people.sum())  # = agents_needed(...)
        self.n_people = 0
        # a place's index, or -1 - link for someone on a road (one array: one write per person)
        self.location = np.zeros(size, dtype=np.int32)
        self.progress = np.zeros(size, dtype=np.float32)
        self.route = np.full(size, NO_ROUTE, dtype=np.int32)
        self.route_step = np.zeros(size, dtype=np.int8)
        self.recent_log = np.full(size, -np.inf, dtype=np.float32)  # see flee_rules.recent_travel
        self.travelled = np.zeros(size, dtype=bool)
        self.next_day = np.full(size, NEVER, dtype=np.int32)
        self._on_road_today = 0
        n_days = self.days
        self.simulated = np.zeros((n_days, len(self.camps)), dtype=np.int64)
        self.spawned = np.zeros(n_days, dtype=np.int64)
        self.on_roads = np.zeros(n_days, dtype=np.int64)
        self.agent_steps = 0

    def _add_people(self, places: np.ndarray) -> None:
        k = len(places)
        start, stop = self.n_people, self.n_people + k
        self.location[start:stop] = places
        self.next_day[start:stop] = self.today - 1 + self._waits(places)
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
        return self.so_far()

    def so_far(self) -> NetworkRun:
        """The daily tables of the days run so far (every day after :meth:`run`; the dashboard steps)."""
        days, start = self.today, self.case.start_date
        return NetworkRun(
            dates=[start + dt.timedelta(days=d) for d in range(days)],
            camp_names=list(self.camp_names),
            simulated=self.simulated[:days] * self.scale,
            observed=self.observed[:days] * self.scale,
            spawned=self.spawned[:days] * self.scale,
            on_roads=self.on_roads[:days] * self.scale,
            agents=self.n_people,
            agent_steps=self.agent_steps,
            scale=self.scale,
        )

    # conflict zones ------------------------------------------------------

    def _update_conflicts(self, t: int) -> bool:
        """Flee's ``AddNewConflictZones``: zones start when their value turns positive.

        Flee 3.1 keeps a zone's starting intensity and ends a zone only when the day before
        was exactly 1; both are reproduced. The days' changes are found once, before the run.
        """
        if not hasattr(self, "_conflict_events"):
            self._conflict_events = self._find_conflict_events()
        events = self._conflict_events.get(t, ())
        for place, intensity in events:
            if intensity > 0:
                self._start_conflict(place, intensity, t)
            else:
                self._end_conflict(place, t)
        return len(events) > 0

    def _find_conflict_events(self) -> dict[int, list[tuple[int, float]]]:
        """Per day, the zones that start (place, intensity) or end (place, 0), in column order."""
        events: dict[int, list[tuple[int, float]]] = {}
        if self.conflict_table is None:
            dates = np.array([loc.conflict_date if (loc.kind == "conflict_zone" and loc.conflict_date and loc.conflict_date > 0) else -1 for loc in self.case.locations])
            for place in np.flatnonzero((dates >= 0) & (dates < self.days)):
                events.setdefault(int(dates[place]), []).append((int(place), 1.0))
            return {day: sorted(found) for day, found in events.items()}
        table = self.conflict_table
        before = np.vstack([np.zeros((1, table.shape[1])), table[:-1]])
        starts = (table > 1e-6) & (before < 1e-6)
        ends = (table < 1e-6) & (before == 1)
        ends[0] = False
        for day, j in zip(*np.nonzero(starts | ends)):
            value = float(table[day, j]) if starts[day, j] else 0.0
            events.setdefault(int(day), []).append((int(self.conflict_columns[j]), value))
        return events

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
        decay = self._decay(decay_day)
        key = (decay.tobytes(), self.conflict.tobytes())
        if self._spawn_shares is None or self._spawn_shares[0] != key:
            weights = fr.spawn_weights(self.population, self.conflict, decay)
            total = weights.sum()
            self._spawn_shares = (key, weights / total if total > 0 else None)
        shares = self._spawn_shares[1]
        if shares is None:
            return  # Flee 3.1 stops with an assertion here; nobody can be spawned without a conflict zone
        counts = self.rng.multinomial(k, shares)
        self._add_people(np.repeat(np.arange(self.n_places), counts))
        self.spawned[t] = k

    # moving ---------------------------------------------------------------

    def _update_scores(self, t: int) -> None:
        mr = self.network_scenario.flee.move_rules
        decay = self._decay(t)
        key = (decay.tobytes(), self.conflict.tobytes(), self.is_camp.tobytes())
        if self._score_key != key:  # the scores change only with conflicts, camps and the 30-day decay steps
            self._score_key = key
            self.score = fr.location_scores(self.foreign, self.is_camp, self.conflict, decay, mr.foreign_weight, mr.camp_weight, mr.conflict_weight)

    _score_key: tuple | None = None
    _spawn_shares: tuple | None = None  # (decay and conflicts they were made from, each place's share of the spawned)

    def _decay(self, day: int) -> np.ndarray:
        """Flee's conflict decay of every place on ``day`` (kept for the next day's spawning, which reads the same day)."""
        key = (day, self.conflict_since.tobytes())
        if self._decays is None or self._decays[0] != key:
            self._decays = (key, fr.conflict_decay(day - self.conflict_since, self.network_scenario.flee.spawn_rules.conflict_spawn_decay))
        return self._decays[1]

    _decays: tuple | None = None

    def _record(self, t: int) -> None:
        self.simulated[t] = self.occupancy[self.camps]
        self.on_roads[t] = self._on_road_today
