"""Shared fixtures, and the check that no test forks a process with threads.

What test modules share besides fixtures is in :mod:`helpers`."""

from __future__ import annotations

import os
import traceback
from pathlib import Path

import pytest

from helpers.flee_case import FLEE_CASE_FILES, make_flee_case  # noqa: F401  (for tests that import them from here)
from helpers.paths import BASELINE, ROOT, SHIPPED, TINY, with_absolute_targets  # noqa: F401  (the same)
from helpers.worlds import build, one_road_world  # noqa: F401  (the same)

# --------------------------------------------------------------------------- no fork() with threads
# CPython warns (DeprecationWarning) when a process with threads forks, because the child can
# deadlock on a lock another thread held, but it clears the warning at once, so a filterwarnings
# "error" entry cannot make it fail a test. This check does: before every fork() of this process
# it counts the OS threads (as CPython does, from /proc/self/stat) and the test that forked with
# threads fails. Process pools and pyABC's sampler use forkserver (issue 22).
FORKS_WITH_THREADS: list[str] = []


def _os_threads() -> int:
    try:
        with open("/proc/self/stat", "rb") as stat:
            return int(stat.read().rsplit(b")", 1)[1].split()[17])
    except (OSError, ValueError, IndexError):  # not Linux: nothing to check
        return 1


def _before_fork() -> None:
    if _os_threads() > 1:
        FORKS_WITH_THREADS.append("".join(traceback.format_stack(limit=8)[:-1]))


os.register_at_fork(before=_before_fork)


@pytest.fixture(autouse=True)
def no_fork_with_threads():
    """Fails a test during which this process forked while it had threads."""
    FORKS_WITH_THREADS.clear()
    yield
    if FORKS_WITH_THREADS:
        pytest.fail("fork() while the process had threads (use forkserver), from:\n" + FORKS_WITH_THREADS[0],
                    pytrace=False)


@pytest.fixture
def tiny_path() -> Path:
    return TINY
