"""The interactive dashboard: Mesa's SolaraViz page on a scenario, served with ``flowsim dashboard``.

- :mod:`~flowsim.dashboard.model`: :class:`DashboardModel`, the keyword-only Mesa model the
  page steps (the run its scenario's kind builds day by day, and the baseline's beside it);
- :mod:`~flowsim.dashboard.livechart`: a chart's frame kept, the day's data drawn over it;
- :mod:`~flowsim.dashboard.app`: the page (``SolaraViz`` with the pages of the scenario's kind:
  ``flowsim.kinds.<kind>.dashboard.pages``, built from the pieces here);
- :mod:`~flowsim.dashboard.server`: :func:`serve`, Solara's server on one host and port.

The dashboard sits above the engine, the run tables and the figures' styles and is used by
nothing but the ``flowsim dashboard`` command. ``import flowsim.dashboard`` stays light: Solara
and Mesa's visualization load with :mod:`~flowsim.dashboard.app`.
"""
