"""Putting people in a new state while keeping the count per origin and state, compiled.

The model keeps how many of each origin's leavers are in each state (the day's population
table is a sum over those counts instead of a count over everyone who left). A day changes
states some thirty times, mostly for a handful of people: as numpy calls each change cost
several microseconds whatever its size; here it is one compiled loop. The counts are
integers, so the order of the updates cannot change them.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True)
def put_in_state(rows: np.ndarray, state: int, person_state: np.ndarray, person_origin: np.ndarray,
                 counts: np.ndarray) -> None:
    """Put the people ``rows`` (distinct) in ``state``, moving each from his old state's count to the new."""
    for row in rows:
        counts[person_origin[row], person_state[row]] -= 1
        counts[person_origin[row], state] += 1
        person_state[row] = state


@numba.njit(cache=True)
def settle_choices(rows: np.ndarray, choice: np.ndarray, staying: int, day: int, give_up_days: int,
                   person_state: np.ndarray, person_origin: np.ndarray, counts: np.ndarray,
                   decided_day: np.ndarray, act_day: np.ndarray, crossing: np.ndarray, stopped: np.ndarray,
                   home_again: int, to_border: int, stayed_home: int, no_route: int) -> tuple[np.ndarray, np.ndarray]:
    """The outcome of the choices of the people ``rows`` who set off from home (rule 2).

    A choice of ``staying`` (one past the last crossing) puts him home again for good; -1
    (every crossing closed to his documents) leaves him deliberating until tomorrow, and home
    again once he has tried for ``give_up_days``; a crossing puts him on the way to it.

    Returns:
        The rows of those who set off, in the order of ``rows``, and their crossings.
    """
    going = np.empty(rows.size, dtype=np.intp)
    towards = np.empty(rows.size, dtype=np.int64)
    went = 0
    for k in range(rows.size):
        row, chosen = rows[k], choice[k]
        origin = person_origin[row]
        if chosen == staying:
            new_state = home_again
            stopped[row] = stayed_home
        elif chosen < 0:
            act_day[row] = day + 1
            if day - decided_day[row] < give_up_days:
                continue
            new_state = home_again
            stopped[row] = no_route
        else:
            crossing[row] = chosen
            new_state = to_border
            going[went], towards[went] = row, chosen
            went += 1
        counts[origin, person_state[row]] -= 1
        counts[origin, new_state] += 1
        person_state[row] = new_state
    return going[:went], towards[:went]



@numba.njit(cache=True)
def schedule_arrivals(rows: np.ndarray, towards: np.ndarray, draws: np.ndarray, person_origin: np.ndarray,
                      access_days: np.ndarray, day: int, act_day: np.ndarray, heading: np.ndarray,
                      scale: float) -> None:
    """Those who set off reach their crossing after the drive from home, rounded up or down at random
    (``rules.stochastic_round`` with the uniform ``draws``), and join ``heading``, the people on
    the way to each crossing today (agents times ``scale``)."""
    agents = np.zeros(heading.size, dtype=np.int64)
    for k in range(rows.size):
        row, crossing = rows[k], towards[k]
        days = access_days[person_origin[row], crossing]
        whole = np.floor(days)
        act_day[row] = day + np.int32(whole + (1.0 if draws[k] < days - whole else 0.0))
        agents[crossing] += 1
    for crossing in range(heading.size):
        heading[crossing] += agents[crossing] * scale
