"""One run of a scenario: :func:`simulate`, its tables (:class:`RunResult`), and writing a run folder.

- :mod:`~flowsim.run.simulate`: :func:`simulate` builds the model and steps it through the calendar;
- :mod:`~flowsim.kinds.mobilization.run.results`: the run's tables as data frames;
- :mod:`~flowsim.run.writing`: atomic writing of a run folder (and of every other file flowsim writes).

``from flowsim.run import simulate, RunResult, write_run`` works. :func:`simulate` is bound
here at once, so that the attribute ``flowsim.run.simulate`` is the function even though a
module has the same name; :class:`RunResult` and :func:`write_run` are imported on first
use, so that code needing only :mod:`~flowsim.run.writing` (figures, reports) does not load
Mesa and the model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flowsim.run.simulate import simulate

if TYPE_CHECKING:
    from flowsim.kinds.mobilization.run.results import RunResult
    from flowsim.run.writing import write_run

__all__ = ["RunResult", "simulate", "write_run"]


def __getattr__(name: str) -> Any:
    if name == "RunResult":
        from flowsim.kinds.mobilization.run.results import RunResult

        return RunResult
    if name == "write_run":
        from flowsim.run.writing import write_run

        return write_run
    raise AttributeError(f"module 'flowsim.run' has no attribute '{name}'")
