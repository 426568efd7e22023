"""A guard against hangs: a block that takes far too long fails instead of hanging the test run."""

from __future__ import annotations

import contextlib
import signal

HANG_SECONDS = 300  # a guard against hangs only: how fast check answers is measured by `make fuzz`


@contextlib.contextmanager
def deadline(seconds: float):
    """Fail (instead of hanging the test run) if the block takes longer than ``seconds``.

    Only a guard against a hang (an endless loop, a quadratic blow-up): it is set far above
    what a loaded machine needs, so no test passes or fails on the machine's speed.
    """
    def expire(signum, frame):
        raise TimeoutError(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
