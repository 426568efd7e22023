"""The kinds of scenario flowsim runs, one subpackage each.

- :mod:`~flowsim.kinds.mobilization`: the 2022 exodus after Russia's mobilization
  (regions, crossings, destinations; ``engine/model.py``'s ``FlowModel``);
- :mod:`~flowsim.kinds.network`: any Flee-format case (locations, routes, camps;
  Flee's reader, settings, series and importer beneath ``network/scenario/``).

Inside a kind, modules sit in subpackages named after the layers they belong to
(``scenario``, ``engine``, ``run``, ``figures``, ``analysis``), so the one-way rule of
imports holds inside a kind as it does between the shared layers. Kind packages import
nothing from each other.
"""
