"""The model itself: Mesa's ``FlowModel``, the people in it, the places and the rules.

- :mod:`~flowsim.kinds.mobilization.engine.model`: :class:`FlowModel` (one step is one day);
- :mod:`~flowsim.kinds.mobilization.engine.population`: men at risk still at home, as cohorts;
- :mod:`~flowsim.kinds.mobilization.engine.people`: everyone who left, as per-person arrays;
- :mod:`~flowsim.kinds.mobilization.engine.places`: destinations and crossings as Mesa agents;
- :mod:`~flowsim.kinds.mobilization.engine.rules`: the behaviour rules, small functions on arrays.

The engine reads a :class:`~flowsim.kinds.mobilization.scenario.Scenario` and does no file I/O.
"""

from flowsim.kinds.mobilization.engine.model import FlowModel

__all__ = ["FlowModel"]
