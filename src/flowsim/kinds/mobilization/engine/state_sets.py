"""Who is in a few states, without scanning everyone: state-indexed sets of people.

Most of the exodus is abroad or home again on any day; the rules of the day look at the few
who are deliberating, on the way, queued, moving on or unregistered. A :class:`StateSet`
keeps the row numbers of the people who may be in its states, in ascending order (so a
rule sees them in the order a scan of everyone would give, and draws the same random
numbers), and drops those who have left its states when it is read. Adding people merges
two sorted runs. Both are compiled loops: the rules read and add to these sets some fifteen
times a day, mostly a handful of people, where array code costs several calls each time.
"""

from __future__ import annotations

import numba
import numpy as np

_NOBODY_UNLESS = np.zeros(0, dtype=np.bool_)


@numba.njit(cache=True)
def _still_inside(members: np.ndarray, state: np.ndarray, states: np.ndarray, unless: np.ndarray) -> np.ndarray:
    """The ``members`` whose state is one of ``states`` (and whose ``unless`` flag, if given, is off), in order."""
    kept = np.empty(members.size, dtype=np.intp)
    found = 0
    use_unless = unless.size > 0
    for row in members:
        inside = False
        for one in states:
            inside |= state[row] == one
        if use_unless and unless[row]:
            inside = False
        kept[found] = row  # written always, counted only if inside: no branch per person
        found += inside
    return kept[:found]


@numba.njit(cache=True)
def _merge(members: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The union of two ascending runs, ascending, each row once."""
    merged = np.empty(members.size + rows.size, dtype=np.intp)
    i = j = found = 0
    while i < members.size or j < rows.size:
        if j >= rows.size or (i < members.size and members[i] <= rows[j]):
            row = members[i]
            i += 1
        else:
            row = rows[j]
            j += 1
        if found == 0 or merged[found - 1] != row:
            merged[found] = row
            found += 1
    return merged[:found]


class StateSet:
    """Rows of the people in ``states``, a superset kept sorted and pruned on reading."""

    def __init__(self, states: tuple[int, ...]) -> None:
        self.states = tuple(int(s) for s in states)
        self._states = np.array(self.states, dtype=np.int64)
        self.members = np.empty(0, dtype=np.intp)

    def add(self, rows: np.ndarray) -> None:
        """People who entered one of the states (rows in ascending order)."""
        if rows.size == 0:
            return
        rows = rows.astype(np.intp, copy=False)
        if self.members.size and rows[0] <= self.members[-1]:
            self.members = _merge(self.members, rows)  # someone re-entering is listed once
        else:
            self.members = np.concatenate([self.members, rows])

    def read(self, state: np.ndarray, unless: np.ndarray | None = None) -> np.ndarray:
        """The rows of everyone now in the states, ascending (those who left are dropped).

        Args:
            state: everyone's state.
            unless: a per-person flag that also takes a person out of the set (``registered``).
        """
        self.members = _still_inside(self.members, state, self._states,
                                     _NOBODY_UNLESS if unless is None else unless)
        return self.members
