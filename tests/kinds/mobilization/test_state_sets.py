"""A state set lists, ascending and once each, whoever of its members is in its states."""

from __future__ import annotations

import numpy as np

from flowsim.kinds.mobilization.engine.state_sets import StateSet


def test_a_state_set_merges_re_entries_once_and_drops_who_left_or_is_flagged():
    people = StateSet((0, 1))
    people.add(np.array([2, 5, 9]))
    people.add(np.array([11, 12]))  # after the last member: appended
    people.add(np.array([1, 5, 9, 10]))  # interleaved, two of them already listed
    assert people.members.tolist() == [1, 2, 5, 9, 10, 11, 12]
    state = np.array([0, 1, 3, 0, 0, 1, 0, 0, 0, 0, 7, 1, 0], dtype=np.int8)
    registered = np.zeros(state.size, dtype=bool)
    registered[12] = True
    assert people.read(state, unless=registered).tolist() == [1, 5, 9, 11]  # 2 and 10 left, 12 flagged
    assert people.read(state).tolist() == [1, 5, 9, 11]  # those dropped stay dropped
    assert people.read(np.full(state.size, 3, dtype=np.int8)).size == 0
