"""The key outputs of one run: the headline numbers ensembles, comparisons and sensitivity analyses report.

:func:`key_outputs` reads them from a run's ``daily``, ``crossings`` and ``flows`` tables;
:func:`output_names` lists those a scenario defines.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from flowsim.kinds.mobilization.scenario import Scenario

MOBILIZATION_WINDOW = ("2022-09-21", "2022-10-04")
LATE_OCTOBER = ("2022-10-20", "2022-10-31")
KAZAKHSTAN = "kazakhstan"
GEORGIA = "georgia"
HEADLINE_OUTPUTS = (
    "kazakhstan_entries_21sep_4oct",
    "georgia_entries_21sep_4oct",
    "total_leavers",
    "kazakhstan_net_daily_20_31oct",
)


def _window(daily: pd.DataFrame, country: str, window: tuple[str, str]) -> pd.DataFrame:
    dates = daily["date"].astype(str)
    return daily[(daily["country"] == country) & (dates >= window[0]) & (dates <= window[1])]


def key_outputs(daily: pd.DataFrame, crossings: pd.DataFrame, flows: pd.DataFrame) -> dict[str, float]:
    """The headline numbers of one run, used by ensembles, comparisons and sensitivity analysis.

    - ``kazakhstan_entries_21sep_4oct`` / ``georgia_entries_21sep_4oct``: all entries
      (``entries_total``, comparable with border statistics) in the two weeks after the
      announcement;
    - ``total_leavers``: people of the exodus who crossed (sum of ``flows.count``);
    - ``kazakhstan_net_daily_20_31oct``: mean daily ``entries_total - exits_total``, 20-31 Oct;
    - ``wave_entries_<country>``: exodus entries over the whole run, per destination;
    - ``peak_queue_<country>``: largest end-of-day queue summed over a destination's crossings.

    An output about a destination the scenario lacks (or a window outside its calendar) is NaN.
    """
    countries = list(dict.fromkeys(daily["country"].astype(str)))
    out: dict[str, float] = {}
    for country, name in ((KAZAKHSTAN, "kazakhstan"), (GEORGIA, "georgia")):
        rows = _window(daily, country, MOBILIZATION_WINDOW)
        out[f"{name}_entries_21sep_4oct"] = float(rows["entries_total"].sum()) if len(rows) else math.nan
    out["total_leavers"] = float(flows["count"].sum()) if len(flows) else 0.0
    rows = _window(daily, KAZAKHSTAN, LATE_OCTOBER)
    out["kazakhstan_net_daily_20_31oct"] = (
        float((rows["entries_total"] - rows["exits_total"]).mean()) if len(rows) else math.nan)
    wave = daily.groupby("country", sort=False)["wave_entries"].sum()
    queue = crossings.groupby(["country", "date"], sort=False)["queue"].sum().groupby(level=0).max()
    for country in countries:
        out[f"wave_entries_{country}"] = float(wave.get(country, 0.0))
    for country in countries:
        out[f"peak_queue_{country}"] = float(queue.get(country, 0.0))
    return out


def output_names(scenario: Scenario) -> list[str]:
    """All key output names defined for a scenario (see :func:`key_outputs`)."""
    ids = [d.id for d in scenario.destinations]
    names = [n for n in HEADLINE_OUTPUTS
             if (GEORGIA if n.startswith("georgia") else KAZAKHSTAN) in ids or n == "total_leavers"]
    return names + [f"wave_entries_{c}" for c in ids] + [f"peak_queue_{c}" for c in ids]
