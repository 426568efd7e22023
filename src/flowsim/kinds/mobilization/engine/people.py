"""People of the exodus: every man who decided to leave, one row each.

Per-person state lives in numpy arrays (a structure of arrays) so that the day's rules
apply to everyone at once; :meth:`People.person` gives a readable view of one
individual with his attributes and his history.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING

import numpy as np

from flowsim.kinds.mobilization.scenario import AGE_BANDS, OCCUPATIONS, WEALTH_BANDS
from flowsim.kinds.mobilization.scenario.behaviour import DESTINATION_SET, DOC_BITS, document_mask  # noqa: F401  (re-exported)


class State(IntEnum):
    """Where a person of the exodus is.

    Compare a column with ``State.X.value`` (a plain int): numpy compares an int8 column with
    an IntEnum member in int64, about 18 times slower on a full-scale column.
    """

    DELIBERATING = 0  # decided, still at home choosing a route
    TO_BORDER = 1  # on the way to the chosen crossing
    QUEUED = 2  # waiting at the crossing
    ABROAD = 3  # in a destination country
    TRAVELLING = 4  # moving on between two destinations
    GOING_HOME = 5  # on the way back to Russia
    RETURNED = 6  # back in Russia after having been abroad
    HOME_AGAIN = 7  # back home without having crossed (gave up, turned back)


class StopReason(IntEnum):
    """Why a man who meant to leave is home again without having crossed (the ``stopped`` column)."""

    NONE = 0  # he did not stop (or has not yet)
    TURNED_BACK = 1  # a draft office at the border sent him back
    GAVE_UP = 2  # he gave up in a queue, or found no other crossing to switch to
    NO_ROUTE = 3  # every way out stayed closed to his documents for a week
    STAYED_HOME = 4  # every way out looked worse than staying


STOP_REASONS = tuple("" if r is StopReason.NONE else r.name.lower() for r in StopReason)
"""The names of the ``stopped`` column, in the order of the codes."""

POPULATION_STATES = ("at_home", "queued", "in_transit", "abroad", "returned")
"""The groups of the daily population table: everyone is in exactly one each day."""
STATE_GROUP = {
    State.DELIBERATING: "at_home", State.TO_BORDER: "in_transit", State.QUEUED: "queued",
    State.ABROAD: "abroad", State.TRAVELLING: "in_transit", State.GOING_HOME: "in_transit",
    State.RETURNED: "returned", State.HOME_AGAIN: "at_home",
}
"""The population group of each state of a man who decided to leave."""


_FIELDS: dict[str, type] = {
    "origin": np.int16,
    "age": np.int16,
    "age_band": np.int8,
    "occupation": np.int8,
    "wealth_band": np.int8,
    "savings_usd": np.float32,
    "documents": np.uint8,
    "tie_destination": np.int16,
    "state": np.int8,
    "decided_day": np.int16,
    "act_day": np.int16,
    "crossing": np.int16,
    "queued_day": np.int16,
    "ticket": np.int64,
    "location": np.int16,
    "first_destination": np.int16,
    "moves": np.int8,
    "crossed_day": np.int16,
    "arrived_day": np.int16,
    "registered": np.bool_,  # registered in the country he is in now
    "registered_in": DESTINATION_SET,  # bit d set: registered in destination d (once per country)
    "visited": DESTINATION_SET,  # bit d set: has been in destination d (he does not move back to it)
    "returned_day": np.int16,
    "transit": np.bool_,  # came only to pass through his first country (moves on within days)
    "stopped_reason": np.int8,  # a StopReason
}


_UNSET_IS_MINUS_ONE = ("crossing", "location", "first_destination", "crossed_day", "arrived_day",
                       "returned_day", "queued_day", "tie_destination")
"""Columns of ids and days, -1 until set; every other column starts at 0."""


def _column(name: str, size: int) -> np.ndarray:
    """A column of ``size`` rows at its starting value (rows are filled before they are used)."""
    if name in _UNSET_IS_MINUS_ONE:
        return np.full(size, -1, dtype=_FIELDS[name])
    return np.zeros(size, dtype=_FIELDS[name])


@dataclass(frozen=True)
class Person:
    """One man of the exodus, as a reader would want to see him."""

    index: int
    origin: str
    age: int
    age_band: str
    occupation: str
    wealth_band: str
    savings_usd: float
    documents: tuple[str, ...]
    ties_abroad: str | None
    state: str
    decided_on: str
    crossing: str | None
    crossed_on: str | None
    first_destination: str | None
    location: str | None
    moves: int
    returned_on: str | None


class People:
    """Growing arrays of per-person state. ``n`` rows are in use.

    Each column is an attribute (``people.state``): a view of the rows in use, renewed
    whenever people are added, so that reading a column is a plain attribute lookup (the
    day's rules read columns tens of thousands of times a run).
    """

    def __init__(self, capacity: int = 1024) -> None:
        self.n = 0
        self._arrays = {name: _column(name, capacity) for name in _FIELDS}
        self._renew_views()

    def _renew_views(self) -> None:
        for name, array in self._arrays.items():
            setattr(self, name, array[: self.n])

    if TYPE_CHECKING:
        def __getattr__(self, name: str) -> np.ndarray: ...  # the columns, set by _renew_views

    def column(self, name: str) -> np.ndarray:
        """A view of one column over the people in use."""
        return self._arrays[name][: self.n]

    def add(self, **columns: np.ndarray) -> slice:
        """Append people; columns not given start at -1 (ids) or 0 (the rows not yet in use hold those)."""
        count = len(next(iter(columns.values())))
        self._reserve(self.n + count)
        rows = slice(self.n, self.n + count)
        for name, values in columns.items():
            self._arrays[name][rows] = values
        self.n += count
        self._renew_views()
        return rows

    def _reserve(self, needed: int) -> None:
        current = len(self._arrays["state"])
        if needed <= current:
            return
        size = max(needed, int(current * 1.6) + 1024)
        for name, array in self._arrays.items():
            grown = _column(name, size)
            grown[: self.n] = array[: self.n]
            self._arrays[name] = grown
            # the view moves to the new column at once, so the old column is freed before the
            # next grows: the peak is the new columns and one old one, not old and new in full
            setattr(self, name, grown[: self.n])
            del array

    def describe(self, i: int, names: dict[str, list[str]], day_to_date) -> Person:
        """A readable view of person ``i`` (names maps 'origin', 'destination', 'crossing' to ids)."""

        def named(kind: str, index: int) -> str | None:
            return names[kind][index] if index >= 0 else None

        def date_of(day: int) -> str | None:
            return day_to_date(int(day)) if day >= 0 else None

        docs = tuple(d for d, bit in DOC_BITS.items() if int(self.documents[i]) & bit)
        return Person(
            index=i,
            origin=names["origin"][int(self.origin[i])],
            age=int(self.age[i]),
            age_band=AGE_BANDS[int(self.age_band[i])],
            occupation=OCCUPATIONS[int(self.occupation[i])],
            wealth_band=WEALTH_BANDS[int(self.wealth_band[i])],
            savings_usd=float(self.savings_usd[i]),
            documents=docs,
            ties_abroad=named("destination", int(self.tie_destination[i])),
            state=State(int(self.state[i])).name.lower(),
            decided_on=date_of(int(self.decided_day[i])) or "",
            crossing=named("crossing", int(self.crossing[i])),
            crossed_on=date_of(int(self.crossed_day[i])),
            first_destination=named("destination", int(self.first_destination[i])),
            location=named("destination", int(self.location[i])),
            moves=int(self.moves[i]),
            returned_on=date_of(int(self.returned_day[i])),
        )
