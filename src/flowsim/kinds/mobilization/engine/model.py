"""The Mesa model: one step is one day of the exodus.

Men at risk at home are cohorts (:mod:`flowsim.kinds.mobilization.engine.population`); every man who decides to
leave becomes an individual in :class:`flowsim.kinds.mobilization.engine.people.People`; destinations and
crossings are Mesa agents (:mod:`flowsim.kinds.mobilization.engine.places`). Dated policy changes are scheduled
Mesa events. The rules themselves are the functions of :mod:`flowsim.kinds.mobilization.engine.rules`.
The model does no file I/O and no plotting.

This module is over 500 lines on purpose: it is the one class whose ``step()`` lists the
day in order, and each step is a short method over the same arrays; spreading the class
over several files would hide the order of the day.
"""

from __future__ import annotations

import datetime as dt

import mesa
import numpy as np

from flowsim.kinds.mobilization.engine import route_choice, rules, state_changes
from flowsim.kinds.mobilization.engine.people import (
    DOC_BITS, POPULATION_STATES, STATE_GROUP, People, Person, State, StopReason, document_mask)
from flowsim.kinds.mobilization.engine.places import CrossingPlace, DayLog, DestinationPlace
from flowsim.kinds.mobilization.engine.population import build_cohorts, leaving_multiplier
from flowsim.kinds.mobilization.engine.state_sets import StateSet
from flowsim.kinds.mobilization.engine.triggered_pools import TriggeredPool
from flowsim.kinds.mobilization.scenario import AGE_BANDS, Event, Scenario
from flowsim.kinds.mobilization.scenario.behaviour import WEEKDAYS
from flowsim.kinds.mobilization.scenario.events import EVENT_KINDS
from flowsim.kinds.mobilization.scenario.schema import THROUGHPUT_FIELDS, people_per_day

AGE_RANGES = {"18-28": (18, 28), "29-39": (29, 39), "40+": (40, 50)}
_AGE_LOWS = np.array([AGE_RANGES[b][0] for b in AGE_BANDS])
_AGE_HIGHS = np.array([AGE_RANGES[b][1] for b in AGE_BANDS])
SAVINGS_SPREAD = 0.6  # sd of log savings within a wealth band
MAX_QUEUE_DAYS_SEEN = 60.0
NO_ROUTE_GIVE_UP_DAYS = 7
NEVER = np.iinfo(np.int16).max  # a day no calendar reaches

DESTINATION_COUNTERS = (
    "ordinary_entries", "ordinary_exits", "wave_entries", "wave_exits_onward",
    "wave_exits_return", "wave_stock", "wave_registrations",
)
CROSSING_COUNTERS = (
    "arrivals", "processed", "ordinary_entries", "turned_back", "gave_up", "switched_away", "queue",
    "capacity", "crossed_agents", "wait_days_sum",
)
METRES_PER_QUEUED_VEHICLE = 4.5
"""Queue length per vehicle in a single-lane jam: UL-02 reports a queue of more than 25 km at
Upper Lars on 26-27 Sep and UL-04 about 5,500 cars on 27 Sep; 25,000 m / 5,500 = 4.5 m."""
_STATE_TO_GROUP = np.eye(len(POPULATION_STATES), dtype=np.int64)[
    [POPULATION_STATES.index(STATE_GROUP[s]) for s in State]]  # (states × groups) indicator


class PolicyEvent:
    """A dated change of the rules, applied by the model's event list at the start of its day."""

    def __init__(self, model: FlowModel, spec: Event) -> None:
        self.model = model
        self.spec = spec

    def apply(self) -> None:
        self.model.apply_event(self.spec)


class FlowModel(mesa.Model):
    """Autumn-2022 exodus, one day per step.

    Args:
        scenario: the validated scenario.
        rng: seed or generator; all randomness flows from it.
        scale: people per agent; defaults to the scenario's ``behaviour.agent_scale``.
    """

    def __init__(self, scenario: Scenario, *, rng: int | np.random.Generator | None = None,
                 scale: float | None = None) -> None:
        super().__init__(rng=rng)
        self.config = scenario
        self.behaviour = scenario.behaviour
        self.scale = float(scale if scale is not None else scenario.behaviour.agent_scale)
        self.whole_people = self.scale == round(self.scale)
        self.metres_per_queued_vehicle = METRES_PER_QUEUED_VEHICLE
        self.start = scenario.calendar.start
        self.days = scenario.calendar.days
        self.day = -1
        self.announced_day: int | None = None
        self.complete = False

        self._build_places()
        self.cohorts = build_cohorts(scenario, self.scale)
        self.people = People(capacity=max(1024, int(self.cohorts.at_home.sum() * 0.02)))
        # the few whom the day's rules look at, so that they need not scan everyone
        self._setting_out = StateSet((State.DELIBERATING, State.TO_BORDER))
        self._queued = StateSet((State.QUEUED,))
        self._in_transit = StateSet((State.TRAVELLING, State.GOING_HOME))
        self._unregistered = StateSet((State.ABROAD,))  # and not registered where he is
        weekday_share = scenario.behaviour.after_arrival.registration_weekday_share
        by_weekday = np.array([weekday_share.get(day, 1.0) for day in WEEKDAYS])
        # the share of the day's applicants the offices take, day by day of the calendar
        self.registration_open_share = by_weekday[[(self.start + dt.timedelta(days=d)).weekday()
                                                   for d in range(self.days)]]
        self.origin_intensity = np.array([o.mobilization_intensity for o in scenario.origins])
        self.leaving_multiplier = self.cohorts.leaving_multiplier * self.origin_intensity[self.cohorts.origin]
        willing_share = scenario.behaviour.leaving.willing_share
        # the pool of the willing, drained by the exodus (willing_share 1: every man is willing)
        self.willing_fraction = (rules.willing_fraction(self.leaving_multiplier, willing_share)
                                 if willing_share < 1.0 else np.ones(self.cohorts.size))
        self.willing = np.rint(self.cohorts.at_home * self.willing_fraction).astype(np.int64)
        leaving = scenario.behaviour.leaving
        # the men whom the summonses and the rumours of a closure move: each is selected as the
        # first days' leavers were (F13, F14: young, skilled, better off), unless the trigger
        # weighs a foreign passport otherwise
        self.callup = self._triggered_pool(leaving.callup.willing_share, leaving.callup.delivered,
                                           leaving.callup.daily_hazard,
                                           foreign_passport=leaving.callup.foreign_passport)
        rumours = leaving.closure_rumours
        self.rumoured = self._triggered_pool(rumours.willing_share, rumours.heard, rumours.daily_hazard,
                                             rumours.ends_after_days, rumours.foreign_passport)
        knots = scenario.behaviour.leaving.pressure
        self.pressure_days = np.array([k.after_days for k in knots], dtype=float)
        self.pressure_levels = np.array([k.level for k in knots], dtype=float)
        self._state_counts = np.zeros((self.n_origins, len(State)), dtype=np.int64)  # people who left
        self.population_start = np.bincount(self.cohorts.origin, weights=self.cohorts.at_home,
                                            minlength=self.n_origins).astype(np.int64)
        # the end of each day, kept for the tables (day × origin × POPULATION_STATES, in agents)
        self.population_log = np.zeros((self.days, self.n_origins, len(POPULATION_STATES)), dtype=np.int64)
        self._ticket = 0
        self.agent_days = 0  # person-agents stepped, summed over days (for benchmarks)
        self._policy_events = [PolicyEvent(self, e) for e in scenario.events]
        for policy in self._policy_events:
            # just before the step that simulates the event's date (step k runs day k-1)
            self.schedule_event(policy.apply, at=(policy.spec.date - self.start).days + 0.5)

    # ------------------------------------------------------------------ set-up

    def _build_places(self) -> None:
        sc = self.config
        self.destination_ids = [d.id for d in sc.destinations]
        self.crossing_ids = [c.id for c in sc.crossings]
        self.origin_ids = [o.id for o in sc.origins]
        self.n_destinations, self.n_crossings, self.n_origins = (
            len(self.destination_ids), len(self.crossing_ids), len(self.origin_ids))
        dest_index = {d: i for i, d in enumerate(self.destination_ids)}
        origin_index = {o: i for i, o in enumerate(self.origin_ids)}

        dests = sc.destinations
        self.dest_russian = np.array([d.russian_spoken for d in dests])
        self.dest_living = np.array([d.living_cost_usd_month for d in dests])
        self.dest_housing = np.array([d.housing_stock for d in dests], dtype=float)
        self.dest_resident = np.array([d.russians_resident for d in dests], dtype=float)
        self.dest_safety = np.array([d.safety for d in dests])
        self.dest_documents = np.array([document_mask(d.entry_documents) for d in dests], dtype=np.uint8)
        self.dest_ordinary_in = np.array([d.ordinary_daily_entries for d in dests])
        self.dest_ordinary_out = np.array([d.ordinary_daily_exits for d in dests])
        self.dest_ordinary_factor = np.ones(len(dests))
        self.dest_onward = np.array([d.onward_propensity for d in dests])
        self.dest_return = np.array([d.return_propensity for d in dests])
        self.dest_appeal = np.array([sc.behaviour.choice.appeal.get(d.id, 0.0) for d in dests])
        self.dest_lonlat = np.array([(d.lon, d.lat) for d in dests])
        self.rent_index = np.ones(len(dests))

        crossings = sc.crossings
        self.crossing_dest = np.array([dest_index[c.destination] for c in crossings], dtype=np.int16)
        self.crossing_air = np.array([c.mode == "air" for c in crossings])
        self.crossing_origin = np.array([origin_index.get(c.origin, -1) for c in crossings], dtype=np.int16)
        self.crossing_travel = np.array([c.travel_days for c in crossings])
        self.crossing_cost = np.array([c.cost_usd for c in crossings])
        def _given(field: str) -> np.ndarray:
            return np.array([-1.0 if getattr(c, field) is None else float(getattr(c, field)) for c in crossings])
        self.crossing_throughput = {field: _given(field) for field in (
            "daily_capacity", "vehicles_per_day", "people_per_vehicle", "pedestrians_per_day", "seats_per_day")}
        staffing = np.array([d.border_capacity_factor for d in dests])
        self.crossing_staffing = np.where(self.crossing_air, 1.0, staffing[self.crossing_dest])
        self.crossing_capacity = people_per_day(*(self.crossing_throughput[f] for f in THROUGHPUT_FIELDS)) * self.crossing_staffing
        # reinforcement of the land posts behind a queue (officers, lanes, 24-hour working)
        self.crossing_surge = np.ones(len(crossings))
        surge_max = np.array([d.border_surge_factor for d in dests])
        self.crossing_surge_max = np.where(self.crossing_air, 1.0, surge_max[self.crossing_dest])
        self.crossing_surge_days = np.array([d.border_surge_days for d in dests])[self.crossing_dest]
        self.crossing_surge_delay = np.array([d.border_surge_delay_days for d in dests])[self.crossing_dest]
        self.crossing_backlog_days = np.zeros(len(crossings))   # days in a row each post ended with a backlog
        self.dest_transit = np.array([d.transit_share for d in dests])
        self.seat_load = np.zeros(len(crossings))
        self.crossing_pedestrian_share = self._pedestrian_share()
        self.crossing_open = np.array([c.open for c in crossings])
        self.crossing_documents = np.array(
            [document_mask(c.documents if c.documents is not None else dests[dest_index[c.destination]].entry_documents)
             for c in crossings], dtype=np.uint8)
        self.crossing_turn_back = np.zeros(len(crossings))
        self.turn_back_history = np.zeros((self.days + 1, len(crossings)))
        self.fare_index = np.ones(len(crossings))
        self.seat_wait_days = np.zeros(len(crossings))
        self.crossing_ordinary_share = np.array([c.ordinary_share for c in crossings])
        self.crossing_lonlat = np.array([(c.lon, c.lat) for c in crossings])
        self._capacity_carry = np.zeros(len(crossings))
        self._day_routes: route_choice.DayRoutes | None = None
        self._approach_key: tuple[bytes, ...] | None = None
        self._approach = np.zeros((0, len(crossings)), dtype=bool)
        self._open_share_sums: tuple[bytes, np.ndarray] | None = None

        origins = sc.origins
        self.origin_lonlat = np.array([(o.lon, o.lat) for o in origins])
        distance = rules.great_circle_km(self.origin_lonlat[:, None, 0], self.origin_lonlat[:, None, 1],
                                         self.crossing_lonlat[None, :, 0], self.crossing_lonlat[None, :, 1])
        self.access_days = rules.access_days(distance, self.crossing_air[None, :])
        self.crossing_distance_days = rules.access_days(
            rules.great_circle_km(self.crossing_lonlat[:, None, 0], self.crossing_lonlat[:, None, 1],
                                  self.crossing_lonlat[None, :, 0], self.crossing_lonlat[None, :, 1]),
            self.crossing_air[None, :])
        # a road crossing is open to men from every region (the drive from each region's centre
        # is in access_days); a crossing with an origin is a really regional link
        self.approach_default = ((self.crossing_origin[None, :] < 0)
                                 | (self.crossing_origin[None, :] == np.arange(len(origins))[:, None]))
        self.approach_allowed = self.approach_default.copy()
        self.origin_savings = np.array([[o.savings_usd[w] for w in ("low", "mid", "high")] for o in origins])
        self.origin_visa = np.array([o.schengen_visa_share for o in origins])
        self.origin_eu_residence = np.array([o.eu_residence_share for o in origins])
        self.origin_law_of_return = np.array([o.law_of_return_share for o in origins])
        # where each region's friends and kin abroad are: where Russians live, unless the region
        # says otherwise (Buryats' kin and trade across the Mongolian border, DEM-01)
        where_russians_live = self.dest_resident if self.dest_resident.sum() else np.ones(len(dests))
        tie_weights = np.array([[o.ties_destinations.get(d.id, 0.0) for d in dests] if o.ties_destinations
                                else where_russians_live for o in origins], dtype=float)
        self.origin_tie_cdf = np.cumsum(tie_weights, axis=1)
        self.origin_tie_cdf /= self.origin_tie_cdf[:, -1:]

        links = sc.onward_links
        self.link_from = np.array([dest_index[link.from_] for link in links], dtype=np.int16)
        self.link_to = np.array([dest_index[link.to] for link in links], dtype=np.int16)
        self.link_days = np.array([link.travel_days for link in links])
        self.link_cost = np.array([link.cost_usd for link in links])

        self.first_entries_by_origin = np.zeros((len(origins), len(dests)))
        self.queue_history = np.zeros((self.days + 1, len(crossings)))
        self.capacity_history = np.zeros((self.days + 1, len(crossings)))
        # today's counts, in people (agents times the agent scale): each counter is a row of
        # one (counters × places) array, so that a day starts with one fill and ends with one copy
        self.destination_counts = np.zeros((len(DESTINATION_COUNTERS), len(dests)))
        self.crossing_counts = np.zeros((len(CROSSING_COUNTERS), len(crossings)))
        self.destination_today = dict(zip(DESTINATION_COUNTERS, self.destination_counts, strict=True))
        self.crossing_today = dict(zip(CROSSING_COUNTERS, self.crossing_counts, strict=True))
        self.day_log = DayLog(self.days, self.destination_counts.shape, self.crossing_counts.shape)
        self.wave_stock = np.zeros(len(dests))
        self.queue_vehicles = np.zeros(len(crossings))

        self._table_numbers: dict[tuple[str, str], list[int | float]] = {}
        self.destination_places = [DestinationPlace(self, i, d.id, d.name) for i, d in enumerate(dests)]
        self.crossing_places = [CrossingPlace(self, i, c.id, c.destination, c.mode)
                                for i, c in enumerate(crossings)]

    # ------------------------------------------------------------------ the day

    @property
    def today(self) -> dt.date:
        return self.start + dt.timedelta(days=max(self.day, 0))

    def step(self) -> None:
        """One day, in the order things happen (events due today already applied)."""
        self._begin_day()
        self._decide_to_leave()
        self._set_off()
        self._reach_borders()
        self._react_to_queues()
        self._cross_borders()
        self._finish_journeys()
        self._move_on_or_return()
        self._update_rents()
        self._end_day()
        self.day_log.record(self)
        if self.day + 1 >= self.days:
            self.running = False

    def run(self, progress=None) -> None:
        """Run the whole calendar; ``progress`` is called with 1 after each day."""
        while self.running:
            self.step()
            if progress is not None:
                progress(1)

    # ------------------------------------------------------------------ events

    def apply_event(self, event: Event) -> None:
        """Apply a dated policy change (called by the Mesa event list)."""
        EVENT_KINDS[event.kind].apply(self, event, self._crossing_indices(event.crossings))

    def refresh_capacity(self, targets: np.ndarray) -> None:
        """People per day from the throughput as the post works (seats, vehicles, pedestrians)."""
        given = (self.crossing_throughput[f][targets] for f in THROUGHPUT_FIELDS)
        self.crossing_capacity[targets] = (self.crossing_staffing[targets] * self.crossing_surge[targets]
                                           * people_per_day(*given))
        self.crossing_pedestrian_share = self._pedestrian_share()

    def _pedestrian_share(self) -> np.ndarray:
        walkers = np.maximum(self.crossing_throughput["pedestrians_per_day"], 0)
        # a share: more walkers than the post lets through (its staffing cut) are all of it, not more
        return np.minimum(np.divide(walkers, self.crossing_capacity, out=np.zeros_like(walkers),
                                    where=self.crossing_capacity > 0), 1.0)

    def _crossing_indices(self, names: list[str]) -> np.ndarray:
        if "all" in names:
            return np.arange(self.n_crossings)
        return np.array([self.crossing_ids.index(n) for n in names], dtype=int)

    # ------------------------------------------------------------------ rules in order

    def _begin_day(self) -> None:
        self.day += 1
        self._table_numbers.clear()
        self._day_routes = None
        self.destination_counts.fill(0.0)
        self.crossing_counts.fill(0.0)

    def _pressure_today(self) -> float:
        days_since = -1 if self.announced_day is None else self.day - self.announced_day
        return rules.mobilization_pressure(days_since, self.pressure_days, self.pressure_levels)

    def _stay_home_utility(self) -> float | None:
        """Utility of staying at home today, or None where staying is no option of the choice."""
        beta = self.behaviour.choice
        if beta.stay_home is None:
            return None
        # the calm is the pressure's passing: before the shock the ordinary emigrant's choice stands
        pressure = 1.0 if self.announced_day is None else self._pressure_today()
        return rules.staying_utility(beta.stay_home, beta.stay_home_when_calm, pressure)

    def _decide_to_leave(self) -> None:
        rules_ = self.behaviour.leaving
        pressure = self._pressure_today()
        complete_factor = rules_.complete_multiplier if self.complete else 1.0
        hazard = rules.leaving_hazard(rules_.baseline_daily_hazard, rules_.shock_hazard, pressure,
                                      self.leaving_multiplier, complete_factor)
        hazard = rules.hazard_among_willing(hazard, self.willing_fraction)
        leavers = rules.draw_leavers(self.willing, hazard, self.rng)
        self.willing -= leavers
        self.cohorts.at_home -= leavers
        cohort = np.repeat(np.arange(self.cohorts.size), leavers)
        called_up = None
        if self.announced_day is not None and self.callup.active:
            answering = np.repeat(np.arange(self.cohorts.size), self._triggered_leavers(self.callup))
            called_up = np.repeat([False, True], [cohort.size, answering.size])
            cohort = np.concatenate([cohort, answering])
        rushing = None
        if self.announced_day is not None and self.rumoured.active:
            rushed = np.repeat(np.arange(self.cohorts.size), self._triggered_leavers(self.rumoured))
            if called_up is not None:
                called_up = np.concatenate([called_up, np.zeros(rushed.size, dtype=bool)])
            rushing = np.repeat([False, True], [cohort.size, rushed.size])
            cohort = np.concatenate([cohort, rushed])
        if cohort.size == 0:
            return
        self._create_leavers(cohort, called_up, rushing)

    def _triggered_pool(self, willing_share: float, knots: list, daily_hazard: float,
                        ends_after_days: float | None = None,
                        foreign_passport: float | None = None) -> TriggeredPool:
        multiplier = self.leaving_multiplier
        if foreign_passport is not None:
            multiplier = (leaving_multiplier(self.cohorts, self.behaviour.leaving, foreign_passport)
                          * self.origin_intensity[self.cohorts.origin])
        return TriggeredPool(
            reach=self.cohorts.at_home * rules.willing_fraction(multiplier, willing_share),
            knot_days=np.array([k.after_days for k in knots], dtype=float),
            knot_shares=np.array([k.share for k in knots], dtype=float),
            daily_hazard=daily_hazard, ends_after_days=ends_after_days)

    def _triggered_leavers(self, pool: TriggeredPool) -> np.ndarray:
        """Men a trigger reached today join its pool; some of them set off (and leave home)."""
        # a man is in one pool at most: the shock's, the call-up's or the rumours'
        free = self.cohorts.at_home - self.willing - self.callup.willing - self.rumoured.willing
        complete_factor = self.behaviour.leaving.complete_multiplier if self.complete else 1.0
        leavers = pool.leavers_today(self.day - self.announced_day, free, complete_factor, self.rng)
        self.cohorts.at_home -= leavers
        return leavers

    def _create_leavers(self, cohort: np.ndarray, called_up: np.ndarray | None = None,
                        rushing: np.ndarray | None = None) -> None:
        c = self.cohorts
        n = cohort.size
        origin = c.origin[cohort]
        age_band = c.age_band[cohort]
        age = self.rng.integers(_AGE_LOWS[age_band], _AGE_HIGHS[age_band] + 1)
        wealth = c.wealth_band[cohort]
        savings = self.origin_savings[origin, wealth] * np.exp(self.rng.normal(0.0, SAVINGS_SPREAD, n))
        foreign = c.foreign_passport[cohort]
        visa = foreign & (self.rng.random(n) < self.origin_visa[origin])
        residence = foreign & (self.rng.random(n) < self.origin_eu_residence[origin])
        documents = (DOC_BITS["internal_passport"] | foreign * DOC_BITS["foreign_passport"]
                     | visa * DOC_BITS["schengen_visa"] | residence * DOC_BITS["eu_residence"])
        if self.origin_law_of_return.any():
            # Israel's Law of Return: a Jewish parent, grandparent or spouse (IL-01, IL-02)
            documents = documents | (self.rng.random(n) < self.origin_law_of_return[origin]) * DOC_BITS["law_of_return"]
        # friends and kin abroad are where Russians already live (source 003: "friends or kin
        # wait on the other side")
        # (the draw of Generator.choice with weights, by inverse CDF, per region)
        drawn = rules.count_at_or_below(self.rng.random(n), self.origin_tie_cdf, origin)
        tie = np.where(c.ties_abroad[cohort], np.minimum(drawn, self.n_destinations - 1), -1)
        rules_ = self.behaviour.leaving
        wait = rules.deliberation_days(n, rules_.panic_share, rules_.deliberation_days_max, self.rng)
        if rushing is not None:
            wait[rushing] = 0  # a man racing a rumoured closure does not wait to weigh his options
        rows = self.people.add(
            origin=origin, age=age, age_band=age_band, occupation=c.occupation[cohort],
            wealth_band=wealth, savings_usd=savings, documents=documents, tie_destination=tie,
            state=State.DELIBERATING.value, decided_day=self.day,
            act_day=self.day + wait,
            **({} if called_up is None else {"called_up": called_up}),
        )
        self._setting_out.add(np.arange(rows.start, rows.stop))
        self._state_counts[:, State.DELIBERATING] += np.bincount(origin, minlength=self.n_origins)

    def _routes_today(self) -> route_choice.DayRoutes:
        """The parts of the route utility (rule 2) that stay the same all day, made at its first choice.

        Nothing they read changes between the day's first choice and its last: the news is
        yesterday's (or older), the rents, fares and first entries change after the choices.
        """
        if self._day_routes is not None:
            return self._day_routes
        beta = self.behaviour.choice
        # history row k holds the end of day k-1: a delay of 0 means yesterday evening's news;
        # news of queues and of draft offices travels the same way (002: "hundreds of videos")
        seen_day = max(self.day - beta.queue_information_delay_days, 0)
        dest = self.crossing_dest
        network = np.log1p((self.dest_resident[dest][None, :] + self.first_entries_by_origin[:, dest]) / 1000.0)
        fare = self.crossing_cost * self.fare_index
        living = self.dest_living[dest] * self.rent_index[dest]
        stay_home = self._stay_home_utility()
        self._day_routes = route_choice.DayRoutes(
            travel=beta.travel_days * (self.access_days + self.crossing_travel[None, :]),
            draft_office=beta.draft_office * (self.turn_back_history[seen_day] > 0),
            language=beta.language * self.dest_russian[dest],
            safety=beta.safety * self.dest_safety[dest],
            network=beta.network * network,
            appeal=self.dest_appeal[dest],
            money=beta.cost_share_of_savings * fare + beta.living_cost * living,
            queue_seen=self.queue_history[seen_day] * self.scale,
            capacity_seen=np.where(self.capacity_history[seen_day] > 0, self.capacity_history[seen_day],
                                   self.crossing_capacity),
            # a flight is no queue to stand in: the wait for a seat and its fare show on booking
            # sites at once, not through the news
            seat_wait_days=self.seat_wait_days,
            air=self.crossing_air,
            queue_days=beta.queue_days,
            allowed=self._approach_table(),
            document_sets=1 << len(DOC_BITS),
            stay_home=stay_home,
            # a man the call-up reached feels no calm: his summons (or his brother's) stands
            stay_home_called_up=0.0 if stay_home is None else beta.stay_home,
        )
        return self._day_routes

    def _approach_table(self) -> np.ndarray:
        """Who may approach which crossing: it depends only on his origin and documents, so it is a
        table of every (origin, set of documents), made anew only when a crossing opens, closes
        or changes the documents it asks for."""
        usable = self.crossing_open & (self.crossing_capacity > 0)
        key = (usable.tobytes(), self.crossing_documents.tobytes(), self.approach_allowed.tobytes())
        if self._approach_key != key:
            documents = np.arange(1 << len(DOC_BITS))[:, None]
            by_documents = (documents & self.crossing_documents[None, :]) == self.crossing_documents[None, :]
            table = usable[None, None, :] & by_documents[None, :, :] & self.approach_allowed[:, None, :]
            self._approach_key, self._approach = key, table.reshape(-1, self.n_crossings)
        return self._approach

    def _choose_routes(self, idx: np.ndarray, heading: np.ndarray | None = None,
                       here: np.ndarray = route_choice.NO_HERE, here_ok: np.ndarray = route_choice.NO_HERE_OK,
                       ) -> np.ndarray:
        """The logit choice of a crossing by the people ``idx`` (rule 2): the crossing, ``n_crossings``
        for staying home, or -1 where every crossing is closed to him.

        ``heading``: people who set off towards each crossing earlier the same day, whose cars
        on the approach road the news of the day already shows. ``here``, ``here_ok``: for
        men already at a border (see :func:`route_choice.choose_for_people`).
        """
        p, routes = self.people, self._routes_today()
        # staying is one more option: where every way out means days in a queue or a fare
        # beyond his savings, a man who meant to leave stays (and does not try again)
        staying = routes.stay_home is not None
        noise = rules.logit_noise((idx.size, self.n_crossings + staying), self.rng)
        return route_choice.choose_crossings(
            idx, p.origin, p.documents, p.savings_usd, p.tie_destination, noise,
            routes.queue_seen if heading is None else heading, heading is not None,
            routes.stay_home if staying else 0.0, routes.stay_home_called_up, p.called_up, here, here_ok,
            routes.travel, routes.queue_days, routes.queue_seen, routes.capacity_seen, MAX_QUEUE_DAYS_SEEN,
            routes.air, routes.seat_wait_days, routes.draft_office, routes.language, routes.safety, routes.network,
            routes.appeal, routes.money, self.behaviour.choice.ties, self.crossing_dest, routes.allowed,
            routes.document_sets, self.behaviour.choice.travel_days, self.access_days, self.crossing_distance_days)

    def _set_off(self) -> None:
        p = self.people
        due = self._setting_out.read(p.state)
        deciding = due[(p.state[due] == State.DELIBERATING.value) & (p.act_day[due] <= self.day)]
        if deciding.size == 0:
            return
        # The day's deciders choose in turns, each turn seeing the cars of the turns before on
        # the approach roads (traffic maps, videos from the road: KZ-14's "around 500 cars"
        # was news the same evening). Without it every man of a region reads the same
        # yesterday's queue and thousands pick the same small post on one day.
        turns = self.behaviour.choice.choice_turns_per_day
        heading = np.zeros(self.n_crossings)
        for turn in range(turns):
            self._choose_crossings(deciding[turn::turns], heading, turn > 0)

    def _choose_crossings(self, idx: np.ndarray, heading: np.ndarray, seen: bool) -> None:
        """People ``idx`` choose a crossing or to stay (rule 2); those who go are added to ``heading``
        (people on the way to each crossing today), which the choice sees if ``seen``."""
        p = self.people
        if idx.size == 0:
            return
        choice = self._choose_routes(idx, heading if seen else None)
        # staying home ends his attempt; with nowhere to go today (every way closed to his
        # documents) he tries again tomorrow, and gives up after a week of trying
        go, crossing = state_changes.settle_choices(
            idx, choice, self.n_crossings, self.day, NO_ROUTE_GIVE_UP_DAYS, p.state, p.origin, self._state_counts,
            p.decided_day, p.act_day, p.crossing, p.stopped_reason, State.HOME_AGAIN.value, State.TO_BORDER.value,
            StopReason.STAYED_HOME.value, StopReason.NO_ROUTE.value)
        state_changes.schedule_arrivals(go, crossing, self.rng.random(go.size), p.origin, self.access_days, self.day,
                                        p.act_day, heading, self.scale)

    def _reach_borders(self) -> None:
        p = self.people
        due = self._setting_out.read(p.state)
        self._join_queue(due[(p.state[due] == State.TO_BORDER.value) & (p.act_day[due] <= self.day)])

    def _join_queue(self, idx: np.ndarray) -> None:
        p = self.people
        self._set_state(idx, State.QUEUED)
        self._queued.add(idx)
        p.queued_day[idx] = self.day
        p.ticket[idx] = self._ticket + np.arange(idx.size)
        self._ticket += idx.size
        self.crossing_today["arrivals"] += self._people(np.bincount(p.crossing[idx], minlength=self.n_crossings))

    def _react_to_queues(self) -> None:
        """People in a queue may give up and go home, or try another crossing (rule 3)."""
        p, rules_ = self.people, self.behaviour.queueing
        queued = self._queued.read(p.state)
        if queued.size == 0:
            return
        at = p.crossing[queued]
        # a closed post serves nobody; a post whose rules changed turns away the documents it no
        # longer accepts, whoever is already in its queue (FI-11: tourist visas from 30 Sep)
        needed = self.crossing_documents[at]
        at_closed = ~self.crossing_open[at] | ((p.documents[queued] & needed) != needed)
        # a man without a seat on a flight does not wait a week for one: he soon re-chooses
        by_air = self.crossing_air[at]
        patience = np.where(by_air, rules_.seat_patience_days, rules_.patience_days)
        impatient = (self.day - p.queued_day[queued]) >= patience
        restless = queued[impatient & ~at_closed]
        giving_up = rules.daily_event(restless.size, rules_.give_up_probability, self.rng)
        give_up = restless[giving_up]
        self.crossing_today["gave_up"] += self._people(np.bincount(p.crossing[give_up], minlength=self.n_crossings))
        self._set_state(give_up, State.HOME_AGAIN)
        p.stopped_reason[give_up] = StopReason.GAVE_UP
        still = restless[~giving_up]
        switch_probability = np.where(self.crossing_air[p.crossing[still]], rules_.seat_rechoose_probability,
                                      rules_.switch_probability)
        switching = still[rules.daily_event(still.size, switch_probability, self.rng)]
        self._rechoose(np.concatenate([queued[at_closed], switching]))

    def _rechoose(self, idx: np.ndarray) -> None:
        if idx.size == 0:
            return
        p = self.people
        here = p.crossing[idx]
        # he may stay where he is even where newcomers may no longer approach
        documents_ok = (p.documents[idx] & self.crossing_documents[here]) == self.crossing_documents[here]
        here_ok = self.crossing_open[here] & (self.crossing_capacity[here] > 0) & documents_ok
        # a man who found no seat or whose post closed weighs staying again, as when he set
        # off: where every way left means more days of queueing or a fare beyond his savings,
        # he goes home instead of trying the next border for a week (002: "a day or two
        # waited"; KZ-02..KZ-04: the pulse into Kazakhstan ended within days)
        choice = self._choose_routes(idx, here=here, here_ok=here_ok)
        nowhere = (choice < 0) | (choice == self.n_crossings)
        self._set_state(idx[nowhere], State.HOME_AGAIN)
        p.stopped_reason[idx[nowhere]] = StopReason.GAVE_UP
        self.crossing_today["gave_up"] += self._people(np.bincount(here[nowhere], minlength=self.n_crossings))
        moved = ~nowhere & (choice != here)
        movers = idx[moved]
        self.crossing_today["switched_away"] += self._people(np.bincount(here[moved], minlength=self.n_crossings))
        self._set_state(movers, State.TO_BORDER)
        self._setting_out.add(np.sort(movers))
        # moving from one border to another takes the road between them, not the road from home;
        # a man who waited for a seat on a flight is still at home
        to, there = choice[moved], here[moved]
        access_now = np.where(self.crossing_air[there], self.access_days[p.origin[movers], to],
                              self.crossing_distance_days[there, to])
        p.act_day[movers] = self.day + rules.stochastic_round(access_now, self.rng)
        p.crossing[movers] = choice[moved]

    def _ordinary_traffic(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Background travellers today: entries and exits per destination, entries per crossing."""
        open_share = self.crossing_ordinary_share * self.crossing_capacity * self.crossing_open
        per_dest_share = np.bincount(self.crossing_dest, weights=open_share, minlength=self.n_destinations)
        reachable = per_dest_share > 0
        entries = self.rng.poisson(self.dest_ordinary_in * self.dest_ordinary_factor * reachable)
        exits = self.rng.poisson(self.dest_ordinary_out * self.dest_ordinary_factor)
        by_crossing = rules.split_largest_remainder_by_group(
            entries, self.crossing_dest, open_share, self._open_share_by_destination(open_share)).astype(float)
        return entries, exits, by_crossing

    def _open_share_by_destination(self, open_share: np.ndarray) -> np.ndarray:
        """Sum of the crossings' open shares per destination, kept until a crossing changes."""
        kept, key = self._open_share_sums, open_share.tobytes()
        if kept is None or kept[0] != key:
            sums = np.array([open_share[self.crossing_dest == d].sum() for d in range(self.n_destinations)])
            self._open_share_sums = kept = (key, sums)
        return kept[1]

    def _cross_borders(self) -> None:
        p, today = self.people, self.crossing_today
        ordinary_in, ordinary_out, ordinary_by_crossing = self._ordinary_traffic()
        self.destination_today["ordinary_entries"] += ordinary_in
        self.destination_today["ordinary_exits"] += ordinary_out
        # per checkpoint too: Finland's border guard counts its three posts apart from the Baltic ones
        today["ordinary_entries"] += ordinary_by_crossing
        # ordinary travellers take their share of a checkpoint's daily capacity
        wave_capacity = np.where(self.crossing_open,
                                 np.maximum(self.crossing_capacity - ordinary_by_crossing, 0.0), 0.0)
        places, self._capacity_carry = rules.carry_capacity(wave_capacity, self.scale, self._capacity_carry)
        today["capacity"] += wave_capacity
        self.capacity_history[self.day + 1] = wave_capacity
        queued = self._queued.read(p.state)
        wanted = ordinary_by_crossing + self._people(np.bincount(p.crossing[queued], minlength=self.n_crossings))
        self.seat_load = rules.seat_load_factor(wanted, self.crossing_capacity * self.crossing_open)
        served = queued[rules.serve_queues(p.crossing[queued], p.ticket[queued], places)]
        crossing = p.crossing[served]
        turned = rules.daily_event(served.size, self.crossing_turn_back[crossing], self.rng)
        back, crossed = served[turned], served[~turned]
        self._set_state(back, State.HOME_AGAIN)
        p.stopped_reason[back] = StopReason.TURNED_BACK
        today["turned_back"] += self._people(np.bincount(crossing[turned], minlength=self.n_crossings))
        today["processed"] += self._people(np.bincount(crossing[~turned], minlength=self.n_crossings))
        today["crossed_agents"] += np.bincount(crossing[~turned], minlength=self.n_crossings)
        today["wait_days_sum"] += np.bincount(crossing[~turned], weights=self.day - p.queued_day[crossed],
                                              minlength=self.n_crossings)
        dest = self.crossing_dest[p.crossing[crossed]]
        self._set_state(crossed, State.ABROAD)
        p.location[crossed] = dest
        p.first_destination[crossed] = dest
        p.crossed_day[crossed] = self.day
        p.arrived_day[crossed] = self.day
        p.registered[crossed] = False
        if self.dest_transit.any():
            # some came only to pass through: they move on within days (GE-11, KZ-06)
            p.transit[crossed] = rules.daily_event(crossed.size, self.dest_transit[dest], self.rng)
        self._unregistered.add(np.sort(crossed))
        p.visited[crossed] = np.left_shift(np.uint64(1), dest.astype(np.uint64))
        self._schedule_after_arrival(crossed)
        self.destination_today["wave_entries"] += self._people(np.bincount(dest, minlength=self.n_destinations))
        np.add.at(self.first_entries_by_origin, (p.origin[crossed], dest), self.scale)

    def _finish_journeys(self) -> None:
        p = self.people
        travelling = self._in_transit.read(p.state)
        arriving = travelling[(p.state[travelling] == State.TRAVELLING.value) & (p.act_day[travelling] <= self.day)]
        self._set_state(arriving, State.ABROAD)
        p.arrived_day[arriving] = self.day
        # a man registers once in a country: coming back to it he keeps his number (F8)
        p.registered[arriving] = (p.registered_in[arriving] >> p.location[arriving].astype(np.uint64)) & 1 == 1
        self._unregistered.add(arriving[~p.registered[arriving]])
        p.visited[arriving] |= np.left_shift(np.uint64(1), p.location[arriving].astype(np.uint64))
        self._schedule_after_arrival(arriving)
        self.destination_today["wave_entries"] += self._people(np.bincount(p.location[arriving], minlength=self.n_destinations))
        travelling = self._in_transit.read(p.state)
        home = travelling[(p.state[travelling] == State.GOING_HOME.value) & (p.act_day[travelling] <= self.day)]
        self._set_state(home, State.RETURNED)
        p.returned_day[home] = self.day

    def _after_arrival_bound(self, idx: np.ndarray) -> np.ndarray:
        """Upper bound of each person's daily chance of moving on or going back.

        The real hazards fall with the days of stay and earlier moves and rise once
        mobilization is complete; the bound takes the largest value either can reach in
        the country he is in (fear of extradition at most doubles the onward hazard).
        """
        rules_ = self.behaviour.after_arrival
        location = self.people.location[idx]
        onward = rules_.onward_daily_hazard * self.dest_onward[location] * 2.0 * np.power(0.5, self.people.moves[idx])
        onward = np.where(self.people.transit[idx], np.maximum(onward, 1.0 / rules_.transit_stay_days), onward)
        going = rules_.return_daily_hazard * self.dest_return[location] * max(rules_.return_complete_multiplier, 1.0)
        return np.minimum(onward + going, 1.0)

    def _schedule_after_arrival(self, idx: np.ndarray) -> None:
        """Draw the next day each person abroad weighs moving on or going back.

        Thinning: candidate days come at the bound's rate, and on a candidate day the real
        hazards decide (see :meth:`_move_on_or_return`). Each day then has exactly the real
        chance of each outcome, while a man with nothing to decide today costs nothing today.
        """
        if idx.size == 0:
            return
        bound = self._after_arrival_bound(idx)
        waits = self.rng.geometric(np.maximum(bound, 1e-12))
        self.people.act_day[idx] = np.minimum(self.day + waits, NEVER).astype(np.int16)

    def _register(self) -> None:
        """People abroad register some days after arriving, once per country (F8)."""
        p, rules_ = self.people, self.behaviour.after_arrival
        open_share = self.registration_open_share[self.day]
        if open_share <= 0.0:
            return  # the offices are shut: today's applicants come back tomorrow
        unregistered = self._unregistered.read(p.state, unless=p.registered)
        due = unregistered[p.arrived_day[unregistered] <= self.day - rules_.registration_after_days]
        if open_share < 1.0:  # no draws on a full day: scenarios without shut days keep their stream
            due = due[rules.daily_event(due.size, open_share, self.rng)]
        p.registered[due] = True
        # only some newcomers register at all, and fewer of those passing through: the number is
        # needed for a job, a phone number and a bank account (002), and some in transit want
        # the last two (KZ-10: 8,000 IINs by 27 Sep among 98,000 arrivals; F8: about 200,000 by 27 Oct)
        registers = rules.daily_event(due.size, rules_.registration_share, self.rng)
        passing = p.transit[due]
        if rules_.transit_registration_share > 0.0:  # no draws without it: such scenarios keep their stream
            passing &= ~rules.daily_event(due.size, rules_.transit_registration_share, self.rng)
        due = due[registers & ~passing]
        p.registered_in[due] |= np.left_shift(np.uint64(1), p.location[due].astype(np.uint64))
        self.destination_today["wave_registrations"] += self._people(
            np.bincount(p.location[due], minlength=self.n_destinations))

    def _move_on_or_return(self) -> None:
        """People abroad register, move on or go back (rule 5)."""
        self._register()
        p, rules_ = self.people, self.behaviour.after_arrival
        weighing = np.flatnonzero((p.state == State.ABROAD.value) & (p.act_day <= self.day))
        if weighing.size == 0:
            return
        location = p.location[weighing]
        stayed = self.day - p.arrived_day[weighing]
        fear = 1.0 + (1.0 - self.dest_safety)  # fear of extradition (sources 002, 004)
        onward = (rules_.onward_daily_hazard * (self.dest_onward * fear)[location]
                  * np.exp(-stayed / rules_.onward_decay_days) * np.power(0.5, p.moves[weighing]))
        onward = np.where(p.transit[weighing], 1.0 / rules_.transit_stay_days, onward)
        complete_factor = rules_.return_complete_multiplier if self.complete else 1.0
        going_home = rules.return_hazard(rules_.return_daily_hazard, self.dest_return, complete_factor)[location]
        # one draw decides both: moving on and going back are competing risks of the same day
        draw = self.rng.random(weighing.size) * self._after_arrival_bound(weighing)
        moving = draw < onward
        going = ~moving & (draw < onward + going_home)
        self._move_on(weighing[moving])
        p.transit[weighing[moving]] = False  # passed through (or found no way on): he stays where he is next
        back = weighing[going]
        self._set_state(back, State.GOING_HOME)
        self._in_transit.add(back)
        p.act_day[back] = self.day + 1
        self.destination_today["wave_exits_return"] += self._people(
            np.bincount(p.location[back], minlength=self.n_destinations))
        self._schedule_after_arrival(weighing[p.state[weighing] == State.ABROAD.value])

    def _move_on(self, idx: np.ndarray) -> None:
        if idx.size == 0 or self.link_from.size == 0:
            return
        p, beta = self.people, self.behaviour.choice
        to = self.link_to
        network = np.log1p((self.dest_resident[to] + self.wave_stock[to]) / 1000.0)
        base = (beta.travel_days * self.link_days + beta.language * self.dest_russian[to]
                + beta.safety * self.dest_safety[to] + beta.network * network + self.dest_appeal[to])
        living = self.dest_living[to] * self.rent_index[to]
        money = beta.cost_share_of_savings * self.link_cost + beta.living_cost * living
        # a man moving on does not go back to a country he has already left: the pack's onward
        # flows run one way (KZ-N6: Kazakhstan on to Uzbekistan and Kyrgyzstan; GE-11 transit)
        choice = route_choice.choose_onward(
            idx, p.location, p.documents, p.visited, p.savings_usd, p.tie_destination,
            rules.logit_noise((idx.size, to.size), self.rng), base, money, beta.ties, self.link_from, to,
            self.dest_documents[to])
        go = choice >= 0
        movers, link = idx[go], choice[go]
        self.destination_today["wave_exits_onward"] += self._people(np.bincount(p.location[movers], minlength=self.n_destinations))
        self._set_state(movers, State.TRAVELLING)
        self._in_transit.add(movers)
        p.location[movers] = to[link]
        p.moves[movers] += 1
        p.act_day[movers] = self.day + np.maximum(rules.stochastic_round(self.link_days[link], self.rng), 1)

    def _update_rents(self) -> None:
        today = self.destination_today
        # the stock follows from today's flows (every entry and exit of the exodus is counted)
        present = self.wave_stock + today["wave_entries"] - today["wave_exits_onward"] - today["wave_exits_return"]
        today["wave_stock"][:] = present
        self.wave_stock = present
        prices = self.behaviour.prices
        target = rules.rent_target(present, self.dest_housing, prices.rent_elasticity)
        self.rent_index = rules.adjust_rent(self.rent_index, target, prices.rent_adjust_rate)

    def _end_day(self) -> None:
        p = self.people
        queued_agents = np.bincount(p.crossing[self._queued.read(p.state)], minlength=self.n_crossings)
        self.crossing_today["queue"][:] = self._people(queued_agents)
        self.queue_history[self.day + 1] = queued_agents
        self.turn_back_history[self.day + 1] = self.crossing_turn_back
        self.queue_vehicles = rules.queue_vehicles(
            self.crossing_today["queue"], np.maximum(self.crossing_throughput["people_per_vehicle"], 0.0),
            self.crossing_pedestrian_share)
        wave_seats = self.capacity_history[self.day + 1]
        backlog = np.divide(queued_agents * self.scale, wave_seats,
                            out=np.where(queued_agents > 0, MAX_QUEUE_DAYS_SEEN, 0.0), where=wave_seats > 0)
        self.seat_wait_days = np.minimum(backlog, MAX_QUEUE_DAYS_SEEN)
        beta = self.behaviour.choice
        fares = (rules.yield_fare_multiple(self.seat_load, beta.fare_knee_load_factor, beta.sold_out_fare_multiple)
                 + rules.fare_index(backlog, beta.air_fare_surge) - 1.0)
        self.fare_index = np.where(self.crossing_air, fares, 1.0)
        self.crossing_backlog_days = np.where(backlog > rules.SURGE_BACKLOG_DAYS, self.crossing_backlog_days + 1, 0.0)
        self.crossing_surge = rules.staffing_surge(self.crossing_surge, backlog, self.crossing_surge_max,
                                                   self.crossing_surge_days, self.crossing_backlog_days,
                                                   self.crossing_surge_delay)
        reinforced = np.flatnonzero(self.crossing_surge_max > 1.0)
        if reinforced.size:
            self.refresh_capacity(reinforced)
        self.population_log[self.day] = self.population_by_origin()
        self.agent_days += self.people.n

    # ------------------------------------------------------------------ views

    def _people(self, agents: np.ndarray) -> np.ndarray:
        """Agent counts as people at this run's agent scale.

        Kept exact (not rounded) so that every flow and stock adds up at any scale; the
        tables show whole numbers when the scale is a whole number.
        """
        return agents * self.scale

    def table_numbers(self, kind: str, column: str) -> list[int | float]:
        """Today's ``column`` of every destination (``kind`` "destination") or crossing, as the
        tables show it. Converted once per day and column for all places (a place agent
        shows one of them)."""
        key = (kind, column)
        numbers = self._table_numbers.get(key)
        if numbers is None:
            values = (self.destination_today if kind == "destination" else self.crossing_today)[column].tolist()
            numbers = ([int(round(v)) for v in values] if self.whole_people
                       else [round(v, 6) for v in values])
            self._table_numbers[key] = numbers
        return numbers



    def _set_state(self, idx: np.ndarray, state: State) -> None:
        """Put the people ``idx`` (distinct rows) in ``state``, keeping the count per origin and state.

        The counts make the day's population table a sum over 9 × 8 numbers instead of a
        count over everyone who left (700,000 at full scale) every day.
        """
        if idx.size:
            state_changes.put_in_state(idx, state.value, self.people.state, self.people.origin, self._state_counts)

    def population_by_origin(self) -> np.ndarray:
        """(origins × POPULATION_STATES) agents at home, queued, in transit, abroad, returned."""
        table = self._state_counts @ _STATE_TO_GROUP
        table[:, 0] += np.bincount(self.cohorts.origin, weights=self.cohorts.at_home,
                                   minlength=self.n_origins).astype(np.int64)
        return table

    def recount_population_by_origin(self) -> np.ndarray:
        """:meth:`population_by_origin` counted person by person (for tests of the kept counts)."""
        p = self.people
        counts = np.bincount(p.origin.astype(np.int64) * len(State) + p.state, minlength=self.n_origins * len(State))
        table = counts.reshape(self.n_origins, len(State)) @ _STATE_TO_GROUP
        table[:, 0] += np.bincount(self.cohorts.origin, weights=self.cohorts.at_home,
                                   minlength=self.n_origins).astype(np.int64)
        return table

    def person(self, index: int) -> Person:
        """A readable view of one person of the exodus."""
        names = {"origin": self.origin_ids, "destination": self.destination_ids, "crossing": self.crossing_ids}
        return self.people.describe(index, names, lambda d: (self.start + dt.timedelta(days=d)).isoformat())
