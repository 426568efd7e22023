"""Exact tests of each behaviour rule, alone."""

from __future__ import annotations

import numpy as np
import pytest

from flowsim.kinds.mobilization.engine import rules


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


KNOT_DAYS = np.array([0.0, 7.0, 16.0])
KNOT_LEVELS = np.array([1.0, 0.6, 0.08])


def test_pressure_is_zero_before_the_announcement_and_peaks_on_the_day():
    assert rules.mobilization_pressure(-1, KNOT_DAYS, KNOT_LEVELS) == 0.0
    assert rules.mobilization_pressure(0, KNOT_DAYS, KNOT_LEVELS) == 1.0


def test_pressure_runs_straight_between_knots_and_stays_at_the_last():
    assert rules.mobilization_pressure(7, KNOT_DAYS, KNOT_LEVELS) == pytest.approx(0.6)
    assert rules.mobilization_pressure(11.5, KNOT_DAYS, KNOT_LEVELS) == pytest.approx(0.34)
    assert rules.mobilization_pressure(100, KNOT_DAYS, KNOT_LEVELS) == pytest.approx(0.08)


def test_fare_rises_with_the_backlog_of_unserved_demand_up_to_a_cap():
    assert rules.fare_index(np.array([0.0, 2.0, 50.0]), 0.8).tolist() == pytest.approx([1.0, 2.6, 9.0])


def test_queue_reported_in_vehicles_and_km_leaves_out_people_on_foot():
    vehicles = rules.queue_vehicles(np.array([1000.0]), np.array([2.5]), np.array([0.2]))
    assert vehicles == pytest.approx([320.0])
    assert rules.queue_km(vehicles, 4.5) == pytest.approx([1.44])


def test_leaving_hazard_scales_with_the_cohort_multiplier_and_drops_once_complete():
    multipliers = np.array([0.5, 1.0, 2.0])
    running = rules.leaving_hazard(0.0, 0.01, 1.0, multipliers, complete_factor=1.0)
    complete = rules.leaving_hazard(0.0, 0.01, 1.0, multipliers, complete_factor=0.25)
    assert running == pytest.approx([0.005, 0.01, 0.02])
    assert complete == pytest.approx(running * 0.25)


def test_leaving_hazard_is_a_probability():
    assert rules.leaving_hazard(0.5, 5.0, 1.0, np.array([10.0]), 1.0)[0] == 1.0


def test_every_man_of_a_cohort_with_hazard_one_leaves_and_none_with_zero():
    leavers = rules.draw_leavers(np.array([1000, 1000]), np.array([1.0, 0.0]), rng())
    assert leavers.tolist() == [1000, 0]


def test_panic_leavers_set_off_at_once_and_the_others_within_the_deliberation_window():
    waits = rules.deliberation_days(10_000, 0.4, 3, rng())
    assert waits.min() == 0 and waits.max() == 3
    assert (waits == 0).mean() == pytest.approx(0.4, abs=0.02)


def test_a_flight_needs_no_drive_to_the_border_and_a_road_crossing_does():
    days = rules.access_days(np.array([1400.0, 1400.0]), np.array([True, False]))
    assert days[0] == 0.0
    assert days[1] == pytest.approx(1.3 * 1400 / rules.ROAD_KM_PER_DAY)


def test_great_circle_moscow_to_tbilisi_is_about_1650_km():
    assert rules.great_circle_km(37.62, 55.75, 44.79, 41.72) == pytest.approx(1645, rel=0.02)


def test_choice_never_picks_a_forbidden_option_and_returns_minus_one_when_none_is_allowed():
    utility = np.array([[10.0, 0.0, 0.0], [10.0, 0.0, 0.0], [1.0, 1.0, 1.0]])
    allowed = np.array([[False, True, True], [True, True, True], [False, False, False]])
    choice = rules.choose_options(utility, allowed, rng())
    assert choice[0] in (1, 2)
    assert choice[1] == 0
    assert choice[2] == -1


def test_choice_shares_follow_the_logit_formula():
    utility = np.tile(np.array([0.0, np.log(3.0)]), (40_000, 1))
    allowed = np.ones_like(utility, dtype=bool)
    share_second = (rules.choose_options(utility, allowed, rng()) == 1).mean()
    assert share_second == pytest.approx(0.75, abs=0.01)


def test_queues_are_served_first_come_first_served_up_to_capacity_per_crossing():
    crossing = np.array([0, 0, 0, 1, 1, 0])
    ticket = np.array([5, 1, 3, 2, 4, 0])
    served = rules.serve_queues(crossing, ticket, np.array([2, 1]))
    # crossing 0 serves its two earliest tickets (0 and 1); crossing 1 its earliest (2)
    assert served.tolist() == [False, True, False, True, False, True]


def test_queues_serve_the_lowest_tickets_of_each_crossing_up_to_its_places():
    """The compiled rule against the array code it replaced (a sort by crossing, then ticket)."""
    generator = rng(11)
    for _ in range(100):
        crossings = int(generator.integers(1, 8))
        n = int(generator.integers(0, 300))
        crossing = generator.integers(0, crossings, n)
        ticket = generator.permutation(10 * n + 1)[:n]
        places = generator.integers(0, 60, crossings)
        order = np.lexsort((ticket, crossing))
        rank = np.arange(n) - np.searchsorted(crossing[order], crossing[order], side="left")
        expected = np.empty(n, dtype=bool)
        expected[order] = rank < places[crossing[order]]
        assert rules.serve_queues(crossing, ticket, places).tolist() == expected.tolist()


def test_a_crossing_without_capacity_serves_nobody():
    served = rules.serve_queues(np.array([0, 0]), np.array([0, 1]), np.array([0]))
    assert not served.any()


def test_capacity_fractions_are_carried_so_the_long_run_rate_is_exact():
    carry = np.zeros(1)
    total = 0
    for _ in range(100):
        places, carry = rules.carry_capacity(np.array([250.0]), 100.0, carry)
        total += int(places[0])
    assert total == 250


def test_onward_hazard_fades_with_the_stay_and_halves_with_each_earlier_move():
    days = np.array([0, 10, 20])
    first = rules.onward_hazard(0.02, 1.5, days, 10.0, np.zeros(3))
    assert first[0] == pytest.approx(0.03)
    assert first[1] == pytest.approx(0.03 * np.exp(-1))
    again = rules.onward_hazard(0.02, 1.5, days, 10.0, np.ones(3))
    assert again == pytest.approx(first / 2)


def test_return_hazard_rises_once_mobilization_is_declared_complete():
    before = rules.return_hazard(0.002, np.array([1.0]), 1.0)
    after = rules.return_hazard(0.002, np.array([1.0]), 3.0)
    assert after == pytest.approx(3 * before)


def test_rents_rise_with_newcomers_per_housing_and_ease_as_they_leave():
    target = rules.rent_target(np.array([0.0, 1500.0]), np.array([1000.0, 1000.0]), 1.0)
    assert target.tolist() == [1.0, 2.5]
    rent = np.array([1.0, 1.0])
    for _ in range(60):
        rent = rules.adjust_rent(rent, target, 0.2)
    assert rent == pytest.approx([1.0, 2.5], abs=1e-3)
    eased = rules.adjust_rent(rent, np.array([1.0, 1.0]), 0.2)
    assert eased[1] < rent[1]


def test_largest_remainder_split_is_exact_and_proportional():
    parts = rules.split_largest_remainder(10, np.array([1.0, 1.0, 1.0]))
    assert parts.sum() == 10 and sorted(parts.tolist()) == [3, 3, 4]
    assert rules.split_largest_remainder(0, np.array([1.0])).tolist() == [0]


def test_the_split_of_every_group_at_once_gives_the_numbers_of_one_group_at_a_time():
    """Ordinary travellers are split over a country's open crossings for all countries at once."""
    generator = np.random.default_rng(4)
    for _ in range(200):
        groups = int(generator.integers(1, 6))
        group = generator.integers(0, groups, size=int(generator.integers(1, 15)))
        # ties of remainders (equal weights) and closed crossings (weight 0) included
        weights = generator.choice([0.0, 1.0, 2.5, 1 / 3, 7.0], size=group.size)
        totals = generator.integers(0, 40, size=groups)
        sums = np.array([weights[group == g].sum() for g in range(groups)])
        expected = np.zeros(group.size, dtype=np.int64)
        for g in np.flatnonzero(totals > 0):
            expected[group == g] = rules.split_largest_remainder(int(totals[g]), weights[group == g])
        assert rules.split_largest_remainder_by_group(totals, group, weights, sums).tolist() == expected.tolist()


def test_stochastic_rounding_keeps_the_mean():
    values = rules.stochastic_round(np.full(100_000, 1.3), rng())
    assert set(np.unique(values)) == {1, 2}
    assert values.mean() == pytest.approx(1.3, abs=0.01)
