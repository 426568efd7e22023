"""The model itself: Mesa's ``FlowModel``, the people in it, the places and the rules.

- :mod:`~flowsim.engine.model`: :class:`FlowModel` (one step is one day);
- :mod:`~flowsim.engine.population`: men at risk still at home, as cohorts;
- :mod:`~flowsim.engine.people`: everyone who left, as per-person arrays;
- :mod:`~flowsim.engine.places`: destinations and crossings as Mesa agents;
- :mod:`~flowsim.engine.rules`: the behaviour rules, small functions on arrays.

The engine reads a :class:`~flowsim.scenario.Scenario` and does no file I/O.
"""

from flowsim.engine.model import FlowModel

__all__ = ["FlowModel"]
