"""Property-based fuzzing of the other kinds of input (Hypothesis): the quick profile of ``make test``.

Network scenarios, their Flee case folders, ``simsetting.yml`` and targets files, broken as
``tests/fuzz_kinds.py`` describes: the command reading them answers 0 or 2, never with a
traceback, and a refusal is one paragraph naming a file; a few accepted network mutants are
run and must keep finite, non-negative tables with no more people than were spawned. The long
campaign is ``make fuzz``.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fuzz_kinds
import fuzzing
from helpers.deadlines import HANG_SECONDS, deadline

QUICK = settings(max_examples=120, deadline=None, derandomize=True, database=None,
                 suppress_health_check=list(HealthCheck))
RUNS = settings(max_examples=4, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    return fuzz_kinds.prepare(fuzzing.prepare_workspace(tmp_path_factory.mktemp("fuzz_kinds")))


@QUICK
@given(kind=st.sampled_from(list(fuzz_kinds.MUTATORS)), rng=st.randoms(use_true_random=False))
def test_every_kind_of_input_is_answered_with_0_or_one_paragraph(workspace, kind, rng):
    mutant = fuzz_kinds.make_mutant(workspace, rng, kind)
    with deadline(HANG_SECONDS):
        outcome = fuzz_kinds.check_mutant(workspace, mutant)
    assert outcome.crash is None, f"{mutant.kind} ({mutant.detail}):\n{outcome.crash}"
    assert not fuzz_kinds.message_problems(outcome, workspace), (mutant.kind, mutant.detail, outcome.message)


@RUNS
@given(rng=st.randoms(use_true_random=False))
def test_accepted_flee_case_mutants_run_with_sane_tables(workspace, tmp_path_factory, rng):
    mutant = fuzz_kinds.make_mutant(workspace, rng, "flee_csv")
    if not fuzz_kinds.check_mutant(workspace, mutant).accepted:
        return
    with deadline(HANG_SECONDS):
        problems = fuzz_kinds.run_mutant(workspace, mutant, tmp_path_factory.mktemp("run"))
    assert not problems, (mutant.kind, mutant.detail, problems)
