"""The interactive dashboard: Mesa's SolaraViz page on a scenario, served with ``flowsim dashboard``.

- :mod:`~flowsim.dashboard.model`: :class:`DashboardModel`, the keyword-only Mesa model the
  page steps (a scenario's :class:`~flowsim.kinds.mobilization.engine.FlowModel`, and the baseline's beside it);
- :mod:`~flowsim.dashboard.panels`: the charts, drawn from the tables of the days run so far;
- :mod:`~flowsim.dashboard.app`: the page (``SolaraViz`` and flowsim's panels);
- :mod:`~flowsim.dashboard.server`: :func:`serve`, Solara's server on one host and port.

The dashboard sits above the engine, the run tables and the figures' styles and is used by
nothing but the ``flowsim dashboard`` command. ``import flowsim.dashboard`` stays light: Solara
and Mesa's visualization load with :mod:`~flowsim.dashboard.app`.
"""
