"""History matching on a toy simulator whose reachable figures are known by construction."""

from __future__ import annotations

import numpy as np
import pytest

from flowsim.analysis.history_matching import (
    CUTOFF,
    Emulator,
    Observation,
    design_around,
    history_match,
    jointly_reachable,
    latin_hypercube,
)


def toy(points: np.ndarray) -> list[dict[str, float]]:
    """Two parameters a, b in [0, 1]: x = 100 a, y = 100 b, s = x + y (and a run-to-run wobble of 1 %)."""
    rows = []
    for a, b in points:
        wobble = 1.0 + 0.01 * np.sin(1000 * a + 7 * b)
        rows.append({"x": 100 * a * wobble, "y": 100 * b * wobble, "s": 100 * (a + b) * wobble,
                     "far": 100 * a * wobble})
    return rows


OBSERVATIONS = [
    Observation("x", "calibration", 70, 90),      # a near 0.8: reachable
    Observation("y", "calibration", 70, 90),      # b near 0.8: reachable
    Observation("s", "check", 40, 60),            # a + b near 0.5: reachable alone, not with x and y
    Observation("far", "check", 400, None),       # x above 400: no parameter reaches it
]


@pytest.fixture(scope="module")
def matched():
    return history_match(OBSERVATIONS, toy, 2, waves=2, runs_per_wave=30, candidates=2000, seed=5)


def test_a_figure_no_parameter_reaches_is_unreachable(matched):
    assert matched.reachable_alone["far"] == 0.0
    assert "far" not in matched.jointly_reachable
    assert matched.least_implausibility["far"] > CUTOFF


def test_figures_each_reachable_but_not_together_are_told_apart(matched):
    assert matched.reachable_alone["s"] > 0.0
    assert set(matched.jointly_reachable) == {"x", "y"}
    assert set(matched.conflicts["s"]) & {"x", "y"}


def test_later_waves_run_where_the_first_did_not_rule_out(matched):
    second = matched.inputs[matched.wave_of_run == 2]
    assert len(second) == 30
    # x and y both near 80 need a and b near 0.8
    assert np.all(np.abs(second - 0.8) < 0.35)
    # x in 80 +- 3 sqrt(5^2 + 8^2) needs a above 0.517; likewise b: (1 - 0.517)^2 = 0.233 of the square
    assert matched.waves["plausible_share_of_tested"].iloc[0] == pytest.approx(0.233, abs=0.03)


def test_history_matching_is_deterministic():
    first = history_match(OBSERVATIONS[:2], toy, 2, waves=2, runs_per_wave=12, candidates=500, seed=9)
    again = history_match(OBSERVATIONS[:2], toy, 2, waves=2, runs_per_wave=12, candidates=500, seed=9)
    assert np.array_equal(first.inputs, again.inputs)
    assert first.reachable_alone == again.reachable_alone


def test_implausibility_reads_a_band_as_two_standard_deviations_and_adds_the_discrepancy():
    band = Observation("t", "calibration", 80, 120)
    # centre 100, observation sd 10, discrepancy sd 10 (10 % of 100): total sd sqrt(200)
    value = band.implausibility(np.array([100 + 3 * np.sqrt(200)]), np.array([0.0]))
    assert value[0] == pytest.approx(3.0)
    one_sided = Observation("u", "check", 50, None)
    assert one_sided.implausibility(np.array([80.0]), np.array([0.0]))[0] == 0.0
    assert one_sided.implausibility(np.array([40.0]), np.array([0.0]))[0] > 0.0


def test_the_greedy_joint_search_drops_the_one_target_in_conflict():
    implausible = np.array([[0.0, 0.0, 5.0], [0.0, 0.0, 5.0], [5.0, 5.0, 0.0]])
    assert jointly_reachable(implausible) == [0, 1]


def test_a_first_wave_around_a_point_puts_half_its_runs_near_it_and_spreads_the_rest():
    point = np.array([0.8, 0.02])
    design = design_around(point, 40, np.random.default_rng(3), spread=0.05)
    assert design.shape == (40, 2)
    assert np.all((design >= 0.0) & (design <= 1.0))
    near = np.all(np.abs(design - point) < 0.2, axis=1)
    assert near[20:].all()                     # the half about the point, folded into the cube at 0
    assert near[:20].sum() <= 2                # the Latin hypercube half: one point per twentieth of each axis
    for axis in range(2):
        assert sorted((design[:20, axis] * 20).astype(int)) == list(range(20))


def test_history_matching_runs_the_first_wave_it_is_given():
    first = design_around(np.array([0.8, 0.8]), 12, np.random.default_rng(4))
    matched = history_match(OBSERVATIONS[:2], toy, 2, waves=2, runs_per_wave=12, candidates=500, seed=9,
                            first_design=first)
    assert np.array_equal(matched.inputs[matched.wave_of_run == 1], first)
    # runs near the figures' joint region from the first wave: the first emulators already place it
    assert set(matched.jointly_reachable) == {"x", "y"}


def test_a_latin_hypercube_has_one_point_per_stratum():
    points = latin_hypercube(10, 3, np.random.default_rng(1))
    for axis in range(3):
        assert sorted((points[:, axis] * 10).astype(int)) == list(range(10))


def test_an_emulator_fitted_on_a_subset_of_runs_is_conditioned_on_every_run():
    # 120 runs of a smooth surface; the kernel is optimised on 40 of them, then every run is used
    rng = np.random.default_rng(3)
    inputs = rng.random((120, 2))
    surface = np.sin(3 * inputs[:, 0]) + inputs[:, 1] ** 2
    emulator = Emulator(inputs, surface, seed=4, hyperparameter_runs=40)
    assert len(emulator.process.X_train_) == 120
    mean, variance = emulator.predict(inputs)
    assert np.abs(mean - surface).max() < 0.02          # it interpolates the runs left out of the subset too
    fresh = rng.random((200, 2))
    truth = np.sin(3 * fresh[:, 0]) + fresh[:, 1] ** 2
    full = Emulator(inputs, surface, seed=4, hyperparameter_runs=120)
    error_subset = np.sqrt(np.mean((emulator.predict(fresh)[0] - truth) ** 2))
    error_full = np.sqrt(np.mean((full.predict(fresh)[0] - truth) ** 2))
    assert error_subset < 0.05 and error_subset < 3 * error_full
    again = Emulator(inputs, surface, seed=4, hyperparameter_runs=40)
    assert np.array_equal(again.predict(fresh)[0], emulator.predict(fresh)[0])
