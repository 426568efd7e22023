"""Behaviour rules as small functions on arrays.

Each rule takes numpy arrays (one entry per person, cohort or option) and a
``numpy.random.Generator`` and returns arrays. They hold no state and do no I/O, so each
can be tested alone; :mod:`flowsim.kinds.mobilization.engine.model` calls them in the order of a day.
"""

from __future__ import annotations

import numba
import numpy as np

ROAD_KM_PER_DAY = 700.0
"""Distance a car covers in a day of driving, used for the trip from home to a land border."""

EARTH_RADIUS_KM = 6371.0


def mobilization_pressure(days_since_announcement: int, knot_days: np.ndarray,
                          knot_levels: np.ndarray) -> float:
    """Relative strength of the pressure to leave on a day, from knots after the announcement.

    The pressure is read off a piecewise-linear curve through the scenario's knots (days
    after the announcement, each with its level): 0 before the announcement, flat after
    the last knot. A few knots let it rise within hours of the announcement and collapse as
    fast once the first panic and the rumours that the borders would close have passed
    (source 002: many "made the decision to flee in a matter of hours"; TOT-01: 261,000
    men out by 24 September).

    Args:
        days_since_announcement: 0 on the day of the announcement; negative before it.
        knot_days: days after the announcement of the knots, increasing.
        knot_levels: pressure at each knot, as a fraction of the peak.

    Returns:
        The pressure, 0 before the announcement.
    """
    if days_since_announcement < 0 or knot_days.size == 0:
        return 0.0
    return float(np.interp(days_since_announcement, knot_days, knot_levels))


def leaving_hazard(
    baseline: float, shock: float, pressure: float, multipliers: np.ndarray, complete_factor: float
) -> np.ndarray:
    """Daily probability of leaving for each cohort of men at risk (rule 1).

    Args:
        baseline: ordinary daily emigration hazard before the shock.
        shock: extra daily hazard at full mobilization pressure for a reference man.
        pressure: :func:`mobilization_pressure` today.
        multipliers: per cohort, the product of the age, occupation, wealth, passport and
            ties multipliers (source 002: the young, skilled and better off left first).
        complete_factor: 1 while mobilization runs; the scenario's ``complete_multiplier``
            once it is declared complete (source 000: people plan to come back once it stops).

    Returns:
        Hazards in [0, 1], one per cohort.
    """
    hazard = (baseline + shock * pressure * complete_factor) * multipliers
    return np.clip(hazard, 0.0, 1.0)


def willing_fraction(multipliers: np.ndarray, willing_share: float) -> np.ndarray:
    """Share of each cohort's men who would leave at all: ``willing_share`` times the cohort
    multiplier, at most the whole cohort.

    The cohort multipliers say who is readier to go (source 002: the young, skilled and
    better off); here they size the pool of the willing rather than only speed them up, so
    that the exodus drains its pool. A share of 1 makes every man willing.
    """
    return np.minimum(willing_share * np.asarray(multipliers, dtype=float), 1.0)


def hazard_among_willing(hazard: np.ndarray, fraction_willing: np.ndarray) -> np.ndarray:
    """Daily probability of leaving for a willing man, from the hazard over the whole cohort.

    The cohort's hazard (:func:`leaving_hazard`) is the rate at which its men left while
    none had gone yet; spread over the willing alone it is ``hazard / fraction_willing``.
    Applied to the willing still at home, the daily number of leavers falls as the pool
    empties even at constant pressure: the first days drain the most willing (TOT-01:
    261,000 men out within four days; KZ-02..04: entries into Kazakhstan fell from 22,500
    on 29 Sep to 7,000 on 3 Oct).
    """
    return np.clip(hazard / np.maximum(fraction_willing, 1e-12), 0.0, 1.0)


def draw_leavers(at_home: np.ndarray, hazard: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """How many of each cohort leave today: one Bernoulli trial per man, drawn as a binomial."""
    return rng.binomial(at_home, hazard)


def deliberation_days(n: int, panic_share: float, max_days: int, rng: np.random.Generator) -> np.ndarray:
    """Days each leaver takes before setting off.

    A share acts at once (panic); the others wait 1 to ``max_days`` days to pick a
    destination and a route (source 000: "a day or two waited to determine their
    destination").
    """
    waits = rng.integers(1, max(max_days, 1) + 1, size=n)
    panicked = rng.random(n) < panic_share
    return np.where(panicked | (max_days == 0), 0, waits).astype(np.int16)


def great_circle_km(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    """Haversine distance in kilometres (broadcasting)."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(a, dtype=float)) for a in (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))


def access_days(distance_km: np.ndarray, is_air: np.ndarray) -> np.ndarray:
    """Days from home to a crossing: driving time for land borders, none for a flight from home."""
    road = 1.3 * distance_km / ROAD_KM_PER_DAY  # roads are ~30 % longer than the great circle
    return np.where(is_air, 0.0, road)


def stochastic_round(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Round to an integer up or down with probability of the fraction, keeping the mean."""
    values = np.asarray(values, dtype=float)
    floor = np.floor(values)
    return (floor + (rng.random(values.shape) < values - floor)).astype(np.int32)


def choose_options(utility: np.ndarray, allowed: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Multinomial-logit choice: argmax of utility plus Gumbel noise over allowed options.

    Args:
        utility: (people, options) systematic utility.
        allowed: (people, options) bool; a person with no allowed option gets -1.
        rng: random generator.

    Returns:
        Index of the chosen option per person, or -1.
    """
    noisy = logit_noise(utility.shape, rng)
    np.subtract(utility, noisy, out=noisy)
    np.copyto(noisy, -np.inf, where=~allowed)
    choice = np.argmax(noisy, axis=1)
    return np.where(allowed.any(axis=1), choice, -1)


@numba.njit(cache=True)
def count_at_or_below(draws: np.ndarray, cdfs: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For each draw ``u`` with its row ``r`` of ``cdfs``, how many of ``cdfs[r]`` are at most ``u``:
    the option an inverse-CDF draw picks (``(u[:, None] >= cdfs[rows]).sum(axis=1)``, without the
    (draws × options) temporaries, compiled)."""
    picked = np.empty(draws.size, dtype=np.int64)
    for i in range(draws.size):
        row, count = rows[i], 0
        for j in range(cdfs.shape[1]):
            count += draws[i] >= cdfs[row, j]
        picked[i] = count
    return picked


def logit_noise(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Minus a standard Gumbel draw per option (utility minus it is the logit choice's value).

    By inverse transform in single precision, ``log(-log(u))``: the choice needs no more, and it
    is the model's most frequent draw (computed in place in the draws' own array).
    """
    noise = rng.random(shape, dtype=np.float32)
    with np.errstate(divide="ignore"):
        np.log(noise, out=noise)
        np.negative(noise, out=noise)
        np.log(noise, out=noise)
    return noise


def seat_load_factor(wanted: np.ndarray, seats: np.ndarray) -> np.ndarray:
    """Seats wanted today over seats flown today (ordinary passengers and the exodus)."""
    return np.divide(wanted, seats, out=np.zeros_like(np.asarray(wanted, dtype=float)), where=seats > 0)


def yield_fare_multiple(load_factor: np.ndarray, knee: float, sold_out_multiple: float) -> np.ndarray:
    """Fare as a multiple of the ordinary fare under airline yield management.

    Fares stay ordinary up to the knee load factor, then climb geometrically through the
    fare buckets to ``sold_out_multiple`` when every seat of the day is wanted; beyond
    that the backlog term of :func:`fare_index` takes over. Bookings open at once on the
    day of the announcement, so the last seats of the day sell at the top bucket (TR-02:
    80,000-173,000 roubles Moscow-Istanbul on 21 Sep, four to nine times the usual fare;
    AE-01: 300,000 roubles to Dubai).
    """
    climb = np.clip((np.asarray(load_factor, dtype=float) - knee) / max(1.0 - knee, 1e-9), 0.0, 1.0)
    return np.power(sold_out_multiple, climb)


def with_staying_home(utility: np.ndarray, allowed: np.ndarray,
                      stay_home: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The choice set with staying at home appended as its last option, always allowed.

    Its utility is a constant (or one per man): a man who decided to leave goes only if the best way out,
    with its queue, fare and drive, beats staying after the Gumbel noise. Demand at a
    crowded border then falls as its queue grows, instead of every leaver queueing
    wherever his documents allow (KZ-14: about 500 cars at Vishnyovka; KZ-13: waits of
    ten hours, not days).
    """
    n = utility.shape[0]
    staying = np.empty((n, 1), dtype=utility.dtype)
    staying[:, 0] = stay_home  # one value for all, or one per man
    utility = np.concatenate([utility, staying], axis=1)
    allowed = np.concatenate([allowed, np.ones((n, 1), dtype=bool)], axis=1)
    return utility, allowed


def staying_utility(stay_home: float, when_calm: float, pressure: float) -> float:
    """Utility of staying at home: ``stay_home``, plus ``when_calm`` as the pressure to leave passes.

    At full pressure (1 and above) staying weighs ``stay_home``; as the pressure falls towards 0
    it gains up to ``when_calm``. The men who decided in the first days and still had no way out
    once the rumours of a closure ended (28-29 Sep) mostly stayed: Kazakh entries fell from
    22,500 on 29 Sep to ordinary traffic (7,000) on 3 Oct (KZ-02..KZ-04).
    """
    return float(stay_home + when_calm * (1.0 - min(max(pressure, 0.0), 1.0)))


def fare_index(backlog_days: np.ndarray, surge: float, cap_days: float = 10.0) -> np.ndarray:
    """Fare as a multiple of the ordinary fare, rising with the backlog of unserved demand.

    Airlines reprice as seats sell out: a link whose would-be passengers outnumber a day's
    seats several times over sells its last seats at several times the usual fare (TR-02:
    Moscow-Istanbul one-way at 80,000-173,000 roubles on 21 September, four to nine times
    the usual fare; AE-01: Moscow-Dubai at 300,000 roubles).
    """
    return 1.0 + surge * np.minimum(backlog_days, cap_days)


SURGE_BACKLOG_DAYS = 1.0
"""A post's backlog (days of its throughput waiting) above which its border service reinforces it."""


def staffing_surge(surge: np.ndarray, backlog_days: np.ndarray, max_factor: np.ndarray,
                   response_days: np.ndarray, days_behind: np.ndarray | None = None,
                   delay_days: np.ndarray | float = 0.0) -> np.ndarray:
    """Tomorrow's throughput multiplier of each land post as its border service responds.

    Where a post ends the day with more than a day's throughput waiting, the service sends
    officers, opens lanes and works around the clock: the multiplier moves
    1/``response_days`` of the way to ``max_factor`` each day; once the backlog is gone it
    eases back towards 1 at the same pace. Throughput so ramps up over days behind a
    queue (KZ-13: waits of ten hours and more at Karaozek on 24-26 Sep; KZ-14: about 50
    people through Vishnyovka in five hours on 26 Sep; KZ-02: 22,500 entries into
    Kazakhstan on 29 Sep) instead of staying at its ordinary level.

    The reinforcement is decided, not automatic: it is sent only once a post has ended
    ``delay_days`` days in a row with such a backlog (``days_behind``, today included). Officers
    and lanes are moved by an order, so throughput stays at its ordinary level behind a queue
    for days and then steps up (KZ-10: about 98,000 entries in the first week, 14,000 a day,
    under the posts' reinforced throughput; KZ-02: 22,500 on 29 Sep).
    """
    behind = backlog_days > SURGE_BACKLOG_DAYS
    if days_behind is not None:
        behind &= days_behind >= delay_days
    target = np.where(behind, max_factor, 1.0)
    return surge + (target - surge) / np.maximum(response_days, 1.0)


def queue_vehicles(queue_people: np.ndarray, people_per_vehicle: np.ndarray,
                   pedestrian_share: np.ndarray) -> np.ndarray:
    """Vehicles in a land-border queue: the people not on foot, divided by car occupancy."""
    in_cars = queue_people * (1.0 - pedestrian_share)
    return np.where(people_per_vehicle > 0, in_cars / np.maximum(people_per_vehicle, 1e-9), 0.0)


def queue_km(vehicles: np.ndarray, metres_per_vehicle: float) -> np.ndarray:
    """Length of a single-lane queue of vehicles, in kilometres."""
    return vehicles * metres_per_vehicle / 1000.0


def expected_wait_days(queue_seen: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Days a newcomer expects to wait: the queue he heard of divided by daily capacity."""
    return np.where(capacity > 0, queue_seen / np.maximum(capacity, 1e-9), 60.0)


@numba.njit(cache=True)
def serve_queues(
    crossing_of: np.ndarray, ticket: np.ndarray, capacity: np.ndarray
) -> np.ndarray:
    """First come, first served at every crossing at once (rule 3).

    A crossing whose queue fits its places serves everyone in it; one with a longer queue serves
    the holders of its ``capacity`` lowest tickets (found by a partial sort of that queue's tickets only).
    Compiled: at full scale the queues hold a hundred thousand people on the busiest days.

    Args:
        crossing_of: crossing index of each queued person.
        ticket: order of arrival in the queue (lower is earlier); unique.
        capacity: whole places available today per crossing.

    Returns:
        Boolean mask over the queued people: processed today.
    """
    n, crossings = crossing_of.size, capacity.size
    served = np.zeros(n, dtype=np.bool_)
    waiting = np.zeros(crossings, dtype=np.int64)
    for i in range(n):
        waiting[crossing_of[i]] += 1
    # each crossing's tickets side by side (a counting sort by crossing)
    start = np.zeros(crossings + 1, dtype=np.int64)
    for c in range(crossings):
        start[c + 1] = start[c] + waiting[c]
    filled = start[:-1].copy()
    tickets = np.empty(n, dtype=ticket.dtype)
    for i in range(n):
        c = crossing_of[i]
        tickets[filled[c]] = ticket[i]
        filled[c] += 1
    last_served = np.empty(crossings, dtype=ticket.dtype)
    for c in range(crossings):
        if capacity[c] > 0 and waiting[c] > capacity[c]:
            last_served[c] = np.partition(tickets[start[c]:start[c + 1]], capacity[c] - 1)[capacity[c] - 1]
    for i in range(n):
        c = crossing_of[i]
        if capacity[c] > 0:
            served[i] = waiting[c] <= capacity[c] or ticket[i] <= last_served[c]
    return served


def carry_capacity(capacity_people: np.ndarray, scale: float, carry: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whole agent places per crossing today, carrying fractions to the next day.

    At ``agent_scale`` K a crossing that processes 1,000 people a day serves 1000/K
    agents; the fractional remainder is carried so that the long-run rate is exact.
    """
    exact = capacity_people / scale + carry
    whole = np.floor(exact)
    return whole.astype(np.int64), exact - whole


def office_day_applications(wanting: np.ndarray, open_share: np.ndarray) -> np.ndarray:
    """Applications an office takes each day (rows: days) from a steady stream of applicants.

    On a day it takes ``open_share`` of everyone waiting (that day's ``wanting`` and those left
    from earlier days); the rest come back the next day. The flow the offices see on the first
    working day after a weekend is the weekend's as well as its own (KZ-11).
    """
    taken = np.empty_like(wanting, dtype=float)
    left = np.zeros(wanting.shape[1:])
    for day in range(wanting.shape[0]):
        waiting = wanting[day] + left
        taken[day] = waiting * open_share[day]
        left = waiting - taken[day]
    return taken


def daily_event(n: int, probability: np.ndarray | float, rng: np.random.Generator) -> np.ndarray:
    """Bernoulli draw per person with per-person probability."""
    # the bounds without np.clip, whose dispatch costs more than a day's small draws
    if isinstance(probability, (int, float)):
        return rng.random(n) < min(max(probability, 0.0), 1.0)
    return rng.random(n) < np.minimum(np.maximum(probability, 0.0), 1.0)


def onward_hazard(
    base: float, propensity: np.ndarray | float, days_since_arrival: np.ndarray, decay_days: float,
    moves: np.ndarray | int,
) -> np.ndarray:
    """Daily probability that a person abroad moves on to another country (rule 5).

    Highest in the first days in a country of first refuge and fading as people settle;
    a country's ``onward_propensity`` carries how much of a transit stop it is (sources
    002, 004: Kazakhstan as "the first stop", fear of extradition). Each earlier move
    halves it: people who already moved on have mostly arrived where they meant to go.
    """
    return base * propensity * np.exp(-days_since_arrival / decay_days) * np.power(0.5, moves)


def return_hazard(base: float, propensity: np.ndarray, complete_factor: float) -> np.ndarray:
    """Daily probability of going back to Russia; higher once mobilization is declared complete."""
    return base * propensity * complete_factor


def rent_target(wave_stock: np.ndarray, housing_stock: np.ndarray, elasticity: float) -> np.ndarray:
    """Rent index the market moves towards given newcomers per unit of housing stock (rule 6).

    Source 004: "the costs of accommodation ... have doubled and tripled".
    """
    return 1.0 + elasticity * wave_stock / housing_stock


def adjust_rent(rent_index: np.ndarray, target: np.ndarray, rate: float) -> np.ndarray:
    """Move today's rent index a fraction of the way to its target: rents rise and ease with lag."""
    return rent_index + rate * (target - rent_index)


@numba.njit(cache=True)
def split_largest_remainder_by_group(totals: np.ndarray, group: np.ndarray, weights: np.ndarray,
                                     group_weights: np.ndarray) -> np.ndarray:
    """:func:`split_largest_remainder` of ``totals[g]`` over the members of every group ``g`` at once.

    Compiled: it runs every day on a few dozen crossings, where array code is a dozen calls.

    Args:
        totals: whole number to split per group.
        group: group of each member.
        weights: weight of each member.
        group_weights: ``weights[group == g].sum()`` per group (summed as that expression
            sums, so that every share is the number the one-group split gives).

    Returns:
        Per member, its whole share; the same numbers as splitting group by group.
    """
    members = group.size
    whole = np.zeros(members, dtype=np.int64)
    remainder = np.zeros(members)
    short = np.zeros(totals.size, dtype=np.int64)
    for g in range(totals.size):
        short[g] = np.int64(totals[g])
    for i in range(members):
        g = group[i]
        if totals[g] > 0 and group_weights[g] > 0:  # a group with nothing to split, or no weight, gets 0
            exact = totals[g] * weights[i] / group_weights[g]
            floor = np.floor(exact)
            whole[i] = np.int64(floor)
            remainder[i] = exact - floor
            short[g] -= whole[i]
    # within each group the largest remainders first, ties in member order
    taken = np.zeros(members, dtype=np.bool_)
    for g in range(totals.size):
        if not (totals[g] > 0 and group_weights[g] > 0):
            continue
        for _ in range(short[g]):
            best = -1
            for i in range(members):
                if group[i] == g and not taken[i] and (best < 0 or remainder[i] > remainder[best]):
                    best = i
            if best < 0:
                break
            taken[best] = True
            whole[best] += 1
    return whole


def split_largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Integer split of ``total`` proportional to ``weights`` that sums exactly to ``total``."""
    weights = np.asarray(weights, dtype=float)
    if total == 0 or weights.sum() <= 0:
        return np.zeros(weights.shape, dtype=np.int64)
    exact = total * weights / weights.sum()
    whole = np.floor(exact).astype(np.int64)
    short = total - int(whole.sum())
    if short:
        order = np.argsort(-(exact - whole), kind="stable")
        whole[order[:short]] += 1
    return whole
