"""Who is in a few states, without scanning everyone: state-indexed sets of people.

Most of the exodus is abroad or home again on any day; the rules of the day look at the few
who are deliberating, on the way, queued, moving on or unregistered. A :class:`StateSet`
keeps the row numbers of the people who may be in its states, in ascending order (so a
rule sees them in the order a scan of everyone would give, and draws the same random
numbers), and drops those who have left its states when it is read. Adding people merges
two sorted runs (numpy's stable sort is a run-detecting merge sort, linear here).
"""

from __future__ import annotations

import numpy as np


class StateSet:
    """Rows of the people in ``states``, a superset kept sorted and pruned on reading."""

    def __init__(self, states: tuple[int, ...]) -> None:
        self.states = tuple(int(s) for s in states)
        self.members = np.empty(0, dtype=np.intp)

    def add(self, rows: np.ndarray) -> None:
        """People who entered one of the states (rows in ascending order)."""
        if rows.size == 0:
            return
        rows = rows.astype(np.intp, copy=False)
        if self.members.size and rows[0] <= self.members[-1]:
            merged = np.concatenate([self.members, rows])
            merged.sort(kind="stable")
            keep = np.ones(merged.size, dtype=bool)
            keep[1:] = merged[1:] != merged[:-1]  # someone re-entering is listed once
            self.members = merged[keep]
        else:
            self.members = np.concatenate([self.members, rows])

    def read(self, state: np.ndarray, unless: np.ndarray | None = None) -> np.ndarray:
        """The rows of everyone now in the states, ascending (those who left are dropped).

        Args:
            state: everyone's state.
            unless: a per-person flag that also takes a person out of the set (``registered``).
        """
        here = state[self.members]
        inside = here == self.states[0]
        for other in self.states[1:]:
            inside |= here == other
        if unless is not None:
            inside &= ~unless[self.members]
        if not inside.all():
            self.members = self.members[inside]
        return self.members
