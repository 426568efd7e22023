"""One run of a scenario of any kind: :func:`simulate`, and writing a run folder.

- :mod:`~flowsim.run.simulate`: :func:`simulate`, one run of a scenario of any kind (seed and scale checked once);
- :mod:`~flowsim.run.writing`: atomic writing of a run folder (and of every other file flowsim writes).

``from flowsim.run import simulate, write_run`` works. :func:`simulate` is bound here at
once, so that the attribute ``flowsim.run.simulate`` is the function even though a module
has the same name; :func:`write_run` is imported on first use. A run's result is the kind's
(:class:`~flowsim.kinds.protocol.RunOutput`: ``tables()`` and ``meta``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flowsim.run.simulate import simulate

if TYPE_CHECKING:
    from flowsim.run.writing import write_run

__all__ = ["simulate", "write_run"]


def __getattr__(name: str) -> Any:
    if name == "write_run":
        from flowsim.run.writing import write_run

        return write_run
    raise AttributeError(f"module 'flowsim.run' has no attribute '{name}'")
