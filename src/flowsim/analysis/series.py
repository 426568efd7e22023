"""Documented daily series of border counts and Flee's averaged relative difference (ARD).

Border statistics come as totals over periods of a day to a few weeks. A targets file's
``series`` reads each as a daily mean over its period, so that points of different lengths
share one daily axis; :func:`averaged_relative_difference` scores a run against them the
way Flee scores camp series, per country and overall.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field


class SeriesPoint(BaseModel):
    """One documented point of a daily series: the mean daily count over a period.

    Border statistics come as totals over periods of a day to a few weeks; each is read as
    a daily mean, so that points of different lengths sit on one daily axis and can be
    scored the way Flee scores camp series (:func:`averaged_relative_difference`).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")]
    country: str
    column: Literal["entries_total", "exits_total"]
    start: dt.date
    end: dt.date
    daily_mean: Annotated[float, Field(gt=0.0)]
    source: Annotated[str, Field(pattern=r"^(\d{3}|[A-Z]{2,3}-N?\d+)$")]
    note: str = ""

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

def series_table(points: list[SeriesPoint], daily: pd.DataFrame) -> pd.DataFrame:
    """Documented and simulated daily means of every series point of one run.

    Args:
        points: the documented points (a targets file's ``series``).
        daily: the run's ``daily`` table.

    Returns:
        One row per point: id, country, column, start, end, documented, simulated.
    """
    dates = pd.to_datetime(daily["date"])
    rows = []
    for point in points:
        inside = (daily["country"] == point.country) & (dates >= pd.Timestamp(point.start)) & (
            dates <= pd.Timestamp(point.end))
        rows.append({"id": point.id, "country": point.country, "column": point.column,
                     "start": point.start.isoformat(), "end": point.end.isoformat(), "source": point.source,
                     "documented": point.daily_mean,
                     "simulated": float(daily.loc[inside, point.column].sum()) / point.days})
    return pd.DataFrame(rows, columns=["id", "country", "column", "start", "end", "source", "documented",
                                       "simulated"])


def averaged_relative_difference(points: pd.DataFrame) -> pd.DataFrame:
    """Flee's averaged relative difference of simulated from documented series, per country.

    For each documented point (a day, or a period read as a daily mean) the relative
    difference is |simulated - documented| / documented; the ARD averages it over the
    points, per country and overall, as Flee averages its daily camp errors over days
    (Suleimenova et al. 2017, Sci. Rep. 7:13377, doi:10.1038/s41598-017-13828-9).

    Args:
        points: rows of :func:`series_table` (several runs may be stacked; their mean is scored).

    Returns:
        Rows ``country, points, ard`` and a last row for all countries together.
    """
    if points.empty:
        return pd.DataFrame(columns=["country", "points", "ard"])
    mean = points.groupby(["id", "country"], sort=False)[["documented", "simulated"]].mean().reset_index()
    mean["relative_difference"] = (mean["simulated"] - mean["documented"]).abs() / mean["documented"]
    per_country = mean.groupby("country", sort=False)["relative_difference"].agg(["size", "mean"]).reset_index()
    per_country.columns = ["country", "points", "ard"]
    overall = pd.DataFrame([{"country": "all", "points": len(mean), "ard": float(mean["relative_difference"].mean())}])
    return pd.concat([per_country, overall], ignore_index=True)
