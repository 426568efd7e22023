"""The route choice's inner loop, compiled: every chooser's utility of every crossing (or, abroad,
of every onward link) and his logit draw in one pass, without the (people × options)
temporaries of array code.

A day's deciders choose in turns (``choice_turns_per_day``), a few dozen people a turn on most
days: in array code each turn cost some forty numpy calls whatever its size, and at full scale
the temporaries (utility, costs, availability, the staying-home column, the masked noise) were
most of the choice's time. Here the parts of the utility that do not change within a day are
made once a day (:class:`DayRoutes`), and a turn is one call of a compiled function.

The numbers are those of the array code they replace, bit for bit: the same IEEE operations on
the same operands in the same order (numba compiles without fast-math, so nothing is
reordered or fused), the same rounding to single precision, the first of equal maxima as
``numpy.argmax``. The random numbers are still drawn by numpy, and the Gumbel transform stays
numpy's single-precision logarithm (:func:`flowsim.kinds.mobilization.engine.rules.logit_noise`):
a compiled logarithm may differ from numpy's in the last bit, and a last bit can flip a choice.
``tests/kinds/mobilization/test_route_choice.py`` compares these functions with the array code.

The compiled code is cached on disk (``cache=True``): the first run after installing compiles
for a second or two, later processes load it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

NEVER_CHOSEN = np.float32(-np.inf)
NO_HERE = np.zeros(0, dtype=np.int16)
"""``here`` of a choice made at home (nobody is at a border yet)."""
NO_HERE_OK = np.zeros(0, dtype=np.bool_)


@dataclass
class DayRoutes:
    """The parts of the route utility that stay the same all day, per origin or per crossing.

    Each is the term of the utility's sum as the array code computed it (a coefficient times
    its attribute), so that the sum, made in the same order, gives the same numbers.
    """

    travel: np.ndarray  # (origins × crossings) days of travel to each crossing, weighted
    draft_office: np.ndarray  # (crossings,) draft offices seen at the border, weighted
    language: np.ndarray  # (crossings,) Russian spoken in the destination, weighted
    safety: np.ndarray  # (crossings,)
    network: np.ndarray  # (origins × crossings) Russians already there, weighted
    appeal: np.ndarray  # (crossings,)
    money: np.ndarray  # (crossings,) fare and living cost, weighted, to divide by savings
    queue_seen: np.ndarray  # (crossings,) people in each queue in the news, in people
    capacity_seen: np.ndarray  # (crossings,) people each crossing served in the news
    seat_wait_days: np.ndarray  # (crossings,) days to a free seat on each flight
    air: np.ndarray  # (crossings,) bool
    queue_days: float  # the weight of a day of waiting
    allowed: np.ndarray  # (origins × sets of documents, crossings) bool: who may approach what
    document_sets: int  # rows of ``allowed`` per origin
    stay_home: float | None  # the utility of staying home, or None where staying is no option


@numba.njit(cache=True, error_model="numpy")
def origin_utility(travel: np.ndarray, queue_days: float, queue_seen: np.ndarray, heading: np.ndarray,
                   add_heading: bool, capacity_seen: np.ndarray, max_wait_days: float, air: np.ndarray,
                   seat_wait_days: np.ndarray, draft_office: np.ndarray, language: np.ndarray,
                   safety: np.ndarray, network: np.ndarray, appeal: np.ndarray) -> np.ndarray:
    """(origins × crossings) utility before the chooser's own savings and ties.

    The expected wait is the queue in the news (plus the cars of earlier turns, ``heading``)
    over the crossing's daily capacity, at most ``max_wait_days``; a flight's is its seat wait.
    """
    origins, crossings = travel.shape
    out = np.empty((origins, crossings))
    for j in range(crossings):
        if air[j]:
            wait = seat_wait_days[j]
        else:
            queue = queue_seen[j] + heading[j] if add_heading else queue_seen[j]
            wait = queue / max(capacity_seen[j], 1e-9) if capacity_seen[j] > 0 else 60.0
            wait = min(wait, max_wait_days)
        waiting = queue_days * wait
        for o in range(origins):
            out[o, j] = (travel[o, j] + waiting + draft_office[j] + language[j] + safety[j]
                         + network[o, j] + appeal[j])
    return out


@numba.njit(cache=True, error_model="numpy")
def choose_crossings(rows: np.ndarray, person_origin: np.ndarray, person_documents: np.ndarray,
                     person_savings: np.ndarray, person_tie: np.ndarray, noise: np.ndarray, heading: np.ndarray,
                     add_heading: bool, stay_home: float, here: np.ndarray, here_ok: np.ndarray,
                     travel: np.ndarray, queue_days: float, queue_seen: np.ndarray, capacity_seen: np.ndarray,
                     max_wait_days: float, air: np.ndarray, seat_wait_days: np.ndarray, draft_office: np.ndarray,
                     language: np.ndarray, safety: np.ndarray, network: np.ndarray, appeal: np.ndarray,
                     money: np.ndarray, ties: float, crossing_dest: np.ndarray, allowed: np.ndarray,
                     document_sets: int, travel_days: float, access_days: np.ndarray,
                     border_to_border_days: np.ndarray) -> np.ndarray:
    """The choices of the people ``rows`` (of the person columns): :func:`origin_utility` and
    :func:`choose_for_people` in one call (a turn of a quiet day has a handful of choosers, and
    each call from Python costs more than their choices)."""
    per_origin = origin_utility(travel, queue_days, queue_seen, heading, add_heading, capacity_seen, max_wait_days,
                                air, seat_wait_days, draft_office, language, safety, network, appeal)
    return choose_for_people(per_origin, money, ties, crossing_dest, allowed, document_sets, person_origin[rows],
                             person_documents[rows], person_savings[rows], person_tie[rows], noise, stay_home, here,
                             here_ok, travel_days, access_days, border_to_border_days, air)


@numba.njit(cache=True, error_model="numpy")
def choose_for_people(per_origin: np.ndarray, money: np.ndarray, ties: float, crossing_dest: np.ndarray,
                     allowed: np.ndarray, document_sets: int, origin: np.ndarray, documents: np.ndarray,
                     savings: np.ndarray, tie_destination: np.ndarray, noise: np.ndarray,
                     stay_home: float, here: np.ndarray, here_ok: np.ndarray, travel_days: float,
                     access_days: np.ndarray, border_to_border_days: np.ndarray, air: np.ndarray) -> np.ndarray:
    """Each chooser's crossing: the argmax of utility minus ``noise`` over the crossings he may
    approach, or ``crossings`` (one past the last) for staying home, or -1 if none is open to him.

    Args:
        per_origin: :func:`origin_utility`.
        money: weighted fare and living cost of each crossing, divided by the chooser's savings.
        ties: the weight of friends or kin in the destination (``tie_destination``).
        allowed: (origins × ``document_sets``, crossings) who may approach which crossing.
        noise: (choosers, options) ``logit_noise``, one column more than crossings when
            staying home is an option.
        stay_home: the utility of staying (read only when ``noise`` has the extra column).
        here, here_ok: for men already at a border (empty arrays for a choice made at home):
            the crossing each is at, where he may stay when ``here_ok``. Moving on from there
            costs the road between the two borders (``border_to_border_days``) instead of
            the road from home (``access_days``, origins × crossings, already in
            ``per_origin``, weighted by ``travel_days``); a man who waited for a seat on a
            flight (``air``) is still at home.
    """
    people, crossings = noise.shape[0], per_origin.shape[1]
    staying = noise.shape[1] > crossings
    at_border = here.shape[0] > 0
    choice = np.empty(people, dtype=np.int64)
    for i in range(people):
        o = origin[i]
        row = o * document_sets + documents[i]
        wealth = np.float64(savings[i])
        tie = tie_destination[i]
        best, best_value, any_allowed = 0, NEVER_CHOSEN, False
        for j in range(crossings):
            utility = per_origin[o, j] + money[j] / wealth
            if tie == crossing_dest[j]:
                utility = utility + ties
            # single precision from here on, each step rounded as numpy's float32 arrays round
            value = np.float32(utility)
            if at_border:
                from_home = access_days[o, j]
                now = from_home if air[here[i]] else border_to_border_days[here[i], j]
                value = np.float32(value + np.float32(travel_days * (now - from_home)))
            value = np.float32(value - noise[i, j])
            if allowed[row, j] or (at_border and here[i] == j and here_ok[i]):
                any_allowed = True
            else:
                value = NEVER_CHOSEN
            if j == 0 or value > best_value:
                best, best_value = j, value
        if staying:
            any_allowed = True
            if np.float32(np.float32(stay_home) - noise[i, crossings]) > best_value:
                best = crossings
        choice[i] = best if any_allowed else -1
    return choice


@numba.njit(cache=True, error_model="numpy")
def choose_onward(rows: np.ndarray, person_location: np.ndarray, person_documents: np.ndarray,
                  person_visited: np.ndarray, person_savings: np.ndarray, person_tie: np.ndarray,
                  noise: np.ndarray, base: np.ndarray, money: np.ndarray, ties: float, link_from: np.ndarray,
                  link_to: np.ndarray, link_documents: np.ndarray) -> np.ndarray:
    """The onward link each of the people ``rows`` abroad takes (rule 5), or -1 where none is open to him.

    A link is open to a man in its country of departure whose documents its destination accepts
    and who has not been in its destination before (``person_visited``, a bit per destination).
    Utility: ``base`` plus ``money`` (fare and living cost, weighted) over his savings, plus
    ``ties`` where friends or kin wait; the choice is the argmax of utility minus ``noise``, as
    ``rules.choose_options`` makes it over the array code's utility.
    """
    people, links = noise.shape
    choice = np.empty(people, dtype=np.int64)
    for i in range(people):
        row = rows[i]
        here, documents, visited = person_location[row], person_documents[row], person_visited[row]
        wealth = np.float64(person_savings[row])
        tie = person_tie[row]
        best, best_value, any_allowed = 0, NEVER_CHOSEN, False
        for k in range(links):
            to = link_to[k]
            utility = (base[k] + money[k] / wealth) + ties * (1.0 if tie == to else 0.0)
            value = np.float32(np.float32(utility) - noise[i, k])
            needed = link_documents[k]
            been = (visited >> np.uint64(to)) & np.uint64(1)
            if link_from[k] == here and (documents & needed) == needed and been == 0:
                any_allowed = True
            else:
                value = NEVER_CHOSEN
            if k == 0 or value > best_value:
                best, best_value = k, value
        choice[i] = best if any_allowed else -1
    return choice
