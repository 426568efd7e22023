"""Worker processes run the flowsim their caller runs (issue 22).

Pools start their workers with ``forkserver``: the server imports modules afresh from the
caller's ``sys.path``, so a worker of a test run from a checkout (``PYTHONPATH=src``, or the
editable install CI uses) must import that checkout's flowsim, not another copy.
"""

from __future__ import annotations

import flowsim
from flowsim.analysis.executors import make_executor, run_tasks


def where_flowsim_is(_: int) -> str:
    import flowsim as imported

    return imported.__file__


def test_pool_workers_import_the_callers_flowsim():
    with make_executor("process", 2) as pool:
        places = {o.value for o in run_tasks(pool, where_flowsim_is, ((i, (i,)) for i in range(4)))}
    assert places == {flowsim.__file__}
