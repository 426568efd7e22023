"""Property-based fuzzing of the shipped scenarios (Hypothesis): the quick profile of ``make test``.

Every mutant (see ``tests/fuzzing.py``) gets ``flowsim check`` exit code 0 or 2, never a
traceback, within seconds, and a refusal names a file in one paragraph; a few accepted
mutants are run at a small scale and must conserve people and write finite tables. The
long campaign over >= 10,000 mutants is ``make fuzz`` (``tests/fuzz_campaign.py``).
"""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fuzzing
from helpers.deadlines import HANG_SECONDS, deadline

QUICK = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                 suppress_health_check=list(HealthCheck))
RUNS = settings(max_examples=6, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    return fuzzing.prepare_workspace(tmp_path_factory.mktemp("fuzz"))


def quick_kinds() -> list[str]:
    """Every mutation class; the 20 MB files are left to the long campaign."""
    return list(fuzzing.MUTATORS)


@QUICK
@given(kind=st.sampled_from(quick_kinds()), rng=st.randoms(use_true_random=False))
def test_check_answers_every_mutant_with_0_or_one_paragraph(workspace, kind, rng):
    mutant = fuzzing.make_mutant(rng, kind)
    if "huge_keys" in mutant.detail or "just_under_limit" in mutant.detail:
        mutant = fuzzing.make_mutant(random.Random(rng.random()), "number")
    with deadline(HANG_SECONDS):
        outcome = fuzzing.check_mutant(workspace, mutant)
    assert outcome.crash is None, f"{mutant.kind} ({mutant.detail}):\n{outcome.crash}"
    assert not fuzzing.message_problems(outcome, workspace), (mutant.kind, mutant.detail, outcome.message)


@RUNS
@given(kind=st.sampled_from(["number", "capacity_or_population", "date", "huge_list", "calibrated"]),
       rng=st.randoms(use_true_random=False))
def test_accepted_mutants_run_and_conserve_people(workspace, tmp_path_factory, kind, rng):
    mutant = fuzzing.make_mutant(rng, kind)
    outcome = fuzzing.check_mutant(workspace, mutant)
    if not outcome.accepted:
        return
    with deadline(HANG_SECONDS):
        problems = fuzzing.run_mutant(workspace, mutant, tmp_path_factory.mktemp("run"))
    assert not problems, (mutant.kind, mutant.detail, problems)


def test_campaign_seed_2745_a_post_of_one_vehicle_a_day_queues_no_negative_vehicles(workspace, tmp_path):
    """``make fuzz`` seed 2745: a road post of 1 vehicle a day and 200 pedestrians (its staffing cut)
    had more walkers than places, a pedestrian share above 1 and negative queue_vehicles and queue_km."""
    # the mutant rebuilt, not redrawn: the seed's draw follows the baseline's keys, which change
    name = "scenarios/mobilization_2022.yaml"
    text = (workspace / name).read_bytes()
    sagarchin = b"vehicles_per_day: 700, people_per_vehicle: 2.5, pedestrians_per_day: 200}"
    assert b"id: kz_sagarchin" in text.split(sagarchin)[0].splitlines()[-1]  # crossings.1, as the seed drew it
    mutant = fuzzing.Mutant("replay", "crossings.1.vehicles_per_day = 1", name,
                            {name: text.replace(sagarchin, sagarchin.replace(b"700", b"1"), 1)})
    assert fuzzing.check_mutant(workspace, mutant).accepted
    assert fuzzing.run_mutant(workspace, mutant, tmp_path / "run") == []
