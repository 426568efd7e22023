"""Posterior-predictive acceptance of a validation: the criteria of issue 21, each with its figure.

:func:`acceptance` reads a validation frame (:func:`flowsim.analysis.validation.validate`) and
reports, against the thresholds below:

* each calibration target inside for at least ``CALIBRATION_SHARE`` of runs, each check for
  at least ``CHECK_SHARE``;
* Flee's averaged relative difference over all documented series points at most
  ``ARD_ALL``, and per country at most ``ARD_COUNTRY``;
* Kazakhstan's daily entries peaking between 22 and 30 Sep and below half the peak by 4 Oct
  (the documented days fall from 22,500 on 29 Sep to 7,000 on 3 Oct: KZ-02..KZ-04);
* the runs' 5-95 % band holding the documented value on at least ``BAND_COVERAGE`` of the
  documented points.

:func:`forecast_skill` scores the figures after a fit's last day against two naive forecasts.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from flowsim.analysis.series import averaged_relative_difference

CALIBRATION_SHARE = 0.8
CHECK_SHARE = 0.5
ARD_ALL = 0.15
ARD_COUNTRY = 0.25
BAND_COVERAGE = 0.7
PEAK_WINDOW = ("2022-09-22", "2022-09-30")
HALF_PEAK_BY = "2022-10-04"


def kazakhstan_peak(daily: pd.DataFrame, country: str = "kazakhstan") -> pd.DataFrame:
    """Per run: the day Kazakhstan's daily entries peak, the peak, entries on 4 Oct and whether
    the peak falls in 22-30 Sep with entries below half of it by 4 Oct."""
    rows = []
    frame = daily[daily["country"] == country].assign(date=lambda d: d["date"].astype(str).str.slice(0, 10))
    for run, days in frame.groupby("run" if "run" in frame else np.zeros(len(frame)), sort=True):
        after = days[days["date"] >= "2022-09-21"].sort_values("date")
        if after.empty:
            continue
        peak = after.loc[after["entries_total"].idxmax()]
        by = after[after["date"] <= HALF_PEAK_BY]
        fallen = after[(after["date"] > peak["date"]) & (after["date"] <= HALF_PEAK_BY)]
        below_half = bool(len(fallen) and fallen["entries_total"].min() < 0.5 * peak["entries_total"])
        on_day = after.loc[after["date"] == HALF_PEAK_BY, "entries_total"]
        rows.append({"run": run, "peak_date": peak["date"], "peak": float(peak["entries_total"]),
                     "entries_4_oct": float(on_day.iloc[0]) if len(on_day) else math.nan,
                     "peak_in_window": PEAK_WINDOW[0] <= peak["date"] <= PEAK_WINDOW[1],
                     "below_half_by_4_oct": below_half and len(by) > 0})
    table = pd.DataFrame(rows, columns=["run", "peak_date", "peak", "entries_4_oct", "peak_in_window",
                                        "below_half_by_4_oct"])
    table["holds"] = table["peak_in_window"] & table["below_half_by_4_oct"]
    return table


def band_coverage(series: pd.DataFrame) -> pd.DataFrame:
    """Per documented point: the runs' 5-95 % band of the simulated value and whether it holds
    the documented value.

    Where the statement gives a range rather than one number (``documented_low`` and
    ``documented_high``: "10,000-11,000 a day", "more than 200,000", "nearly 80,000"), the band
    holds it when the two ranges meet; a point without them is its value alone.
    """
    if series.empty:
        return pd.DataFrame(columns=["id", "country", "documented", "documented_low", "documented_high",
                                     "p05", "p95", "covered"])
    place = "region" if "region" in series else "country"
    grouped = series.groupby(["id", place], sort=False)
    table = grouped["simulated"].quantile([0.05, 0.95]).unstack().reset_index()
    table.columns = ["id", "country", "p05", "p95"]
    documented = grouped["documented"].first().to_numpy()
    low = grouped["documented_low"].first().to_numpy() if "documented_low" in series else documented
    high = grouped["documented_high"].first().to_numpy() if "documented_high" in series else documented
    table.insert(2, "documented", documented)
    table.insert(3, "documented_low", low)
    table.insert(4, "documented_high", high)
    table["covered"] = (table["p05"] <= table["documented_high"]) & (table["documented_low"] <= table["p95"])
    return table


def acceptance(frame: pd.DataFrame) -> pd.DataFrame:
    """The acceptance criteria of a validation frame: one row each, with value, threshold and verdict."""
    rows = []
    for role, needed in (("calibration", CALIBRATION_SHARE), ("check", CHECK_SHARE)):
        mine = frame[frame["role"] == role]
        if len(mine):
            short = mine.loc[mine["share_inside"] < needed, "id"].tolist()
            rows.append({"criterion": f"every {role} target inside in >= {needed:.0%} of runs",
                         "value": f"{len(mine) - len(short)} of {len(mine)}", "holds": not short,
                         "detail": ", ".join(short)})
    ard = frame.attrs.get("ard")
    if ard is not None and len(ard):
        overall = float(ard.loc[ard["country"] == "all", "ard"].iloc[0])
        rows.append({"criterion": f"ARD over all documented points <= {ARD_ALL}", "value": f"{overall:.3f}",
                     "holds": overall <= ARD_ALL, "detail": f"{int(ard['points'].iloc[-1])} points"})
        countries = ard[ard["country"] != "all"]
        over = countries[countries["ard"] > ARD_COUNTRY]
        rows.append({"criterion": f"ARD of each country <= {ARD_COUNTRY}",
                     "value": f"{len(countries) - len(over)} of {len(countries)}", "holds": over.empty,
                     "detail": ", ".join(f"{r.country} {r.ard:.2f}" for r in over.itertuples())})
    daily = frame.attrs.get("daily")
    if daily is not None and len(daily) and (daily["country"] == "kazakhstan").any():
        peaks = kazakhstan_peak(daily)
        share = float(peaks["holds"].mean()) if len(peaks) else 0.0
        dates = peaks["peak_date"].value_counts().index[:3].tolist()
        rows.append({"criterion": "Kazakhstan's entries peak 22-30 Sep, below half the peak by 4 Oct",
                     "value": f"{share:.0%} of runs", "holds": share >= 0.5,
                     "detail": f"peak days {', '.join(dates)}; median peak {peaks['peak'].median():,.0f}, "
                               f"4 Oct {peaks['entries_4_oct'].median():,.0f}"})
    series = frame.attrs.get("series")
    if series is not None and len(series):
        covered = band_coverage(series)
        share = float(covered["covered"].mean())
        rows.append({"criterion": f"5-95 % band holds the documented value on >= {BAND_COVERAGE:.0%} of points",
                     "value": f"{share:.0%} ({int(covered['covered'].sum())} of {len(covered)})",
                     "holds": share >= BAND_COVERAGE,
                     "detail": ", ".join(covered.loc[~covered["covered"], "id"].tolist()[:12])})
    return pd.DataFrame(rows, columns=["criterion", "value", "holds", "detail"])


def forecast_skill(series: pd.DataFrame, forecast_from: dt.date, *, documented: pd.DataFrame | None = None,
                   daily: pd.DataFrame | None = None, prior_series: pd.DataFrame | None = None) -> pd.DataFrame:
    """ARD on the documented points after ``forecast_from``: the model, and two naive forecasts.

    * ``model``: the validated runs (a posterior fitted to figures ending by ``forecast_from``);
    * ``last week carried on``: each later point forecast by the daily mean of the week ending
      on ``forecast_from`` in the same country and column: the documented points of that
      week where there are some, else the runs' own simulated week (the fitted model's state
      without its dynamics);
    * ``prior predictive``: runs with parameters drawn from the priors (``prior_series``).

    Args:
        series: the validated runs' series points (with a ``run`` column).
        forecast_from: the fit's last day.
        documented: every documented point (:func:`flowsim.analysis.series.documented_table`),
            for the documented last week; default the points in ``series``.
        daily: the runs' daily counts (for the simulated last week).
        prior_series: series points of runs drawn from the priors.

    Returns:
        Rows ``forecast, country, points, ard``.
    """
    last = forecast_from.isoformat()
    week = (forecast_from - dt.timedelta(days=6)).isoformat()
    later = series[series["start"] > last]
    if later.empty:
        return pd.DataFrame(columns=["forecast", "country", "points", "ard"])
    frames = [averaged_relative_difference(later).assign(forecast="model")]
    naive = later.drop_duplicates("id").copy()
    known = documented if documented is not None else series
    naive["simulated"] = [_last_week(known, daily, row, week, last) for row in naive.itertuples()]
    frames.append(averaged_relative_difference(naive.dropna(subset=["simulated"])).assign(forecast="last week carried on"))
    if prior_series is not None and len(prior_series):
        prior_later = prior_series[prior_series["start"] > last]
        frames.append(averaged_relative_difference(prior_later).assign(forecast="prior predictive"))
    table = pd.concat(frames, ignore_index=True)
    return table[["forecast", "country", "points", "ard"]]


def _last_week(series: pd.DataFrame, daily: pd.DataFrame | None, point, week: str, last: str) -> float:
    place = "region" if "region" in series else "country"
    documented = series[(series[place] == getattr(point, place)) & (series["column"] == point.column)
                        & (series["start"] >= week) & (series["end"] <= last)].drop_duplicates("id")
    if len(documented):
        return float(documented["documented"].mean())
    if daily is None or getattr(point, place) != point.country:
        return math.nan
    days = daily[(daily["country"] == point.country) & (daily["date"].astype(str).str.slice(0, 10) >= week)
                 & (daily["date"].astype(str).str.slice(0, 10) <= last)]
    return float(days[point.column].mean()) if len(days) else math.nan
