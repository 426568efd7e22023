"""The compiled route choice gives the array code's choices, bit for bit.

The array code below is the route utility and logit choice as the model computed them before
they were compiled (each step a numpy operation over people × crossings); the compiled kernels
must choose the same crossing for every person from the same random numbers, or a table of a
seeded run would change.
"""

from __future__ import annotations

import numpy as np
import pytest

from flowsim.kinds.mobilization.engine import route_choice, rules

ORIGINS, CROSSINGS, DOCUMENT_SETS = 4, 9, 8
TRAVEL_DAYS = -0.35


def _world(seed: int, people: int):
    rng = np.random.default_rng(seed)
    return dict(
        per_origin=rng.normal(0.0, 3.0, (ORIGINS, CROSSINGS)),
        money=rng.normal(-2_000.0, 800.0, CROSSINGS),
        crossing_dest=rng.integers(0, 5, CROSSINGS).astype(np.int16),
        allowed=rng.random((ORIGINS * DOCUMENT_SETS, CROSSINGS)) < 0.6,
        origin=rng.integers(0, ORIGINS, people).astype(np.int16),
        documents=rng.integers(0, DOCUMENT_SETS, people).astype(np.uint8),
        savings=np.exp(rng.normal(8.0, 1.0, people)).astype(np.float32),
        tie_destination=rng.integers(-1, 5, people).astype(np.int16),
        access_days=rng.random((ORIGINS, CROSSINGS)) * 3,
        border_to_border_days=rng.random((CROSSINGS, CROSSINGS)) * 3,
        air=rng.random(CROSSINGS) < 0.3,
    )


def _array_code(w, ties, stay_home, here, here_ok, rng):
    """The choice as the array code made it (model._route_utility, with_staying_home, choose_options)."""
    utility = w["per_origin"][w["origin"]]
    utility += w["money"][None, :] / w["savings"].astype(float)[:, None]
    np.add(utility, ties, out=utility, where=w["tie_destination"][:, None] == w["crossing_dest"][None, :])
    utility = utility.astype(np.float32)
    allowed = w["allowed"][w["origin"].astype(np.intp) * DOCUMENT_SETS + w["documents"]]
    if here is not None:
        # model._rechoose: the road from this border instead of the road from home
        from_home = w["access_days"][w["origin"]]
        access_now = np.where(w["air"][here][:, None], from_home, w["border_to_border_days"][here])
        utility += (TRAVEL_DAYS * (access_now - from_home)).astype(np.float32)
        allowed[np.arange(here.size), here] |= here_ok
    if stay_home is not None:
        utility, allowed = rules.with_staying_home(utility, allowed, stay_home)
    return rules.choose_options(utility, allowed, rng)


def _compiled(w, ties, stay_home, here, here_ok, rng):
    noise = rules.logit_noise((w["origin"].size, CROSSINGS + (stay_home is not None)), rng)
    return route_choice.choose_for_people(
        w["per_origin"], w["money"], ties, w["crossing_dest"], w["allowed"], DOCUMENT_SETS, w["origin"],
        w["documents"], w["savings"], w["tie_destination"], noise, 0.0 if stay_home is None else stay_home,
        route_choice.NO_HERE if here is None else here, route_choice.NO_HERE_OK if here_ok is None else here_ok,
        TRAVEL_DAYS, w["access_days"], w["border_to_border_days"], w["air"])


@pytest.mark.parametrize("stay_home", [None, 0.7, -3.0])
@pytest.mark.parametrize("at_border", [False, True])
@pytest.mark.parametrize("seed", range(6))
def test_compiled_choice_is_the_array_codes_choice(seed, at_border, stay_home):
    people = 2_000
    w = _world(seed, people)
    rng = np.random.default_rng(100 + seed)
    here = here_ok = None
    if at_border:
        here = rng.integers(0, CROSSINGS, people).astype(np.int16)
        here_ok = rng.random(people) < 0.5
    expected = _array_code(w, 1.25, stay_home, here, here_ok, np.random.default_rng(seed))
    chosen = _compiled(w, 1.25, stay_home, here, here_ok, np.random.default_rng(seed))
    assert np.array_equal(chosen, expected)
    assert (chosen == -1).any() == (stay_home is None and (expected == -1).any())


def test_equal_values_go_to_the_first_crossing_and_no_way_out_is_minus_one():
    w = _world(0, 3)
    w["per_origin"][:] = 1.0
    w["money"][:] = 0.0
    w["tie_destination"][:] = -1
    w["allowed"][:] = True
    w["allowed"][w["origin"][2] * DOCUMENT_SETS + w["documents"][2]] = False  # nothing open to the third man
    noise = np.zeros((3, CROSSINGS), dtype=np.float32)
    noise[1, :] = np.inf  # a draw of exactly 0: every option's value is minus infinity
    chosen = route_choice.choose_for_people(
        w["per_origin"], w["money"], 0.0, w["crossing_dest"], w["allowed"], DOCUMENT_SETS, w["origin"],
        w["documents"], w["savings"], w["tie_destination"], noise, 0.0,
        route_choice.NO_HERE, route_choice.NO_HERE_OK, TRAVEL_DAYS, w["access_days"], w["border_to_border_days"],
        w["air"])
    assert chosen.tolist() == [0, 0, -1]  # as numpy.argmax over the masked values, and -1 where nothing is allowed


def test_origin_utility_is_the_array_codes_sum():
    rng = np.random.default_rng(3)
    travel, network = rng.normal(size=(ORIGINS, CROSSINGS)), rng.normal(size=(ORIGINS, CROSSINGS))
    draft, language, safety, appeal = (rng.normal(size=CROSSINGS) for _ in range(4))
    queue, heading = rng.random(CROSSINGS) * 5_000, rng.random(CROSSINGS) * 300
    capacity = np.where(rng.random(CROSSINGS) < 0.2, 0.0, rng.random(CROSSINGS) * 2_000)
    air, seat_wait = rng.random(CROSSINGS) < 0.3, rng.random(CROSSINGS) * 4
    for add_heading in (False, True):
        seen = queue + heading if add_heading else queue
        wait = np.minimum(rules.expected_wait_days(seen, capacity), 60.0)
        wait = np.where(air, seat_wait, wait)
        expected = (travel + -0.4 * wait[None, :] + draft[None, :] + language[None, :] + safety[None, :]
                    + network + appeal[None, :])
        got = route_choice.origin_utility(travel, -0.4, queue, heading, add_heading, capacity, 60.0, air,
                                          seat_wait, draft, language, safety, network, appeal)
        assert np.array_equal(got, expected)


@pytest.mark.parametrize("seed", range(4))
def test_compiled_onward_choice_is_the_array_codes_choice(seed):
    rng = np.random.default_rng(seed)
    people, links, destinations = 3_000, 12, 6
    link_from = rng.integers(0, destinations, links).astype(np.int16)
    link_to = rng.integers(0, destinations, links).astype(np.int16)
    base, money = rng.normal(0.0, 2.0, links), rng.normal(-900.0, 400.0, links)
    needed = rng.integers(0, 4, links).astype(np.uint8)
    location = rng.integers(0, destinations, people).astype(np.int16)
    documents = rng.integers(0, 8, people).astype(np.uint8)
    visited = rng.integers(0, 1 << destinations, people).astype(np.uint64)
    savings = np.exp(rng.normal(8.0, 1.0, people)).astype(np.float32)
    tie = rng.integers(-1, destinations, people).astype(np.int16)
    rows = np.sort(rng.choice(people, 2_000, replace=False))
    # the array code of model._move_on
    utility = (base[None, :] + money[None, :] / savings[rows].astype(float)[:, None]
               + -0.8 * (tie[rows][:, None] == link_to[None, :]))
    been = ((visited[rows][:, None] >> link_to.astype(np.uint64)[None, :]) & np.uint64(1)) == 1
    allowed = ((link_from[None, :] == location[rows][:, None])
               & ((documents[rows][:, None] & needed[None, :]) == needed[None, :]) & ~been)
    expected = rules.choose_options(utility.astype(np.float32), allowed, np.random.default_rng(seed))
    chosen = route_choice.choose_onward(rows, location, documents, visited, savings, tie,
                                        rules.logit_noise((rows.size, links), np.random.default_rng(seed)),
                                        base, money, -0.8, link_from, link_to, needed)
    assert np.array_equal(chosen, expected)
    assert (chosen == -1).any() and (chosen >= 0).any()
