"""Documented daily series of border counts and Flee's averaged relative difference (ARD).

Border statistics come as totals over periods of a day to a few weeks. A targets file's
``series`` reads each as a daily mean over its period, so that points of different lengths
share one daily axis; :func:`averaged_relative_difference` scores a run against them the
way Flee scores camp series, per country and overall.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator


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
    #: the checkpoints a count covers when it is not the whole country's (Finland's three posts
    #: of the Schengen destination): entries there are the exodus processed plus ordinary entries
    crossings: list[str] | None = None
    #: name the point is scored under in the ARD per country when it is not the whole
    #: destination (``finland`` for Finland's posts of the Schengen destination)
    area: str | None = None
    start: dt.date
    end: dt.date
    daily_mean: Annotated[float, Field(gt=0.0)]
    #: the range the statement itself gives, as daily means, where it gives one: a range ("10,000-
    #: 11,000 a day"), a bound ("more than 200,000", with the upper end from a second figure) or
    #: "nearly"/"almost" (up to 10 % below). A run's band holds the documented value when it meets
    #: this range; the ARD still scores ``daily_mean``. Without them the range is the value itself.
    low: Annotated[float, Field(gt=0.0)] | None = None
    high: Annotated[float, Field(gt=0.0)] | None = None
    source: Annotated[str, Field(pattern=r"^(\d{3}|[A-Z]{2,3}-N?\d+)$")]
    #: calibration points enter the calibration distance; check points are scored by validate only
    role: Literal["calibration", "check"] = "calibration"
    note: str = ""

    @model_validator(mode="after")
    def _crossings_count_entries(self) -> SeriesPoint:
        if self.crossings is not None and self.column != "entries_total":
            raise ValueError("a point on 'crossings' counts entries: its column must be 'entries_total'")
        if self.start > self.end:
            raise ValueError(f"'start' ({self.start}) is after 'end' ({self.end})")
        if not self.documented_low <= self.daily_mean <= self.documented_high:
            raise ValueError(f"the documented range {self.documented_low:g}-{self.documented_high:g} must hold "
                             f"'daily_mean' ({self.daily_mean:g})")
        return self

    @property
    def documented_low(self) -> float:
        return self.daily_mean if self.low is None else self.low

    @property
    def documented_high(self) -> float:
        return self.daily_mean if self.high is None else self.high

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def region(self) -> str:
        """Where the ARD per country scores the point: ``area`` if given, else the country."""
        return self.area or self.country


#: the crossings-table columns whose sum is the entries at a set of posts: the exodus processed
#: there plus the ordinary travellers through them (a border count counts both)
POST_ENTRY_COLUMNS = ["processed", "ordinary_entries"]
SERIES_COLUMNS = ["id", "country", "region", "role", "column", "start", "end", "source", "documented",
                  "documented_low", "documented_high", "simulated"]


def series_table(points: list[SeriesPoint], daily: pd.DataFrame,
                 crossings: pd.DataFrame | None = None) -> pd.DataFrame:
    """Documented and simulated daily means of every series point of one run.

    Args:
        points: the documented points (a targets file's ``series``).
        daily: the run's ``daily`` table.
        crossings: the run's ``crossings`` table, needed by points on a set of crossings.

    Returns:
        One row per point: id, country, region, role, column, start, end, source, documented,
        documented_low, documented_high (the statement's range), simulated.
    """
    # the masks on numpy arrays of the columns: a calibration scores every simulation, and
    # pandas comparisons of string columns cost it more than the rest of the statistics
    daily_dates = _day_strings(daily["date"])
    daily_countries = daily["country"].to_numpy(dtype=object)
    crossing_dates = _day_strings(crossings["date"]) if crossings is not None else None
    crossing_names = crossings["crossing"].to_numpy(dtype=object) if crossings is not None else None
    crossing_entries = crossings[POST_ENTRY_COLUMNS].to_numpy() if crossings is not None else None
    rows = []
    for point in points:
        first, last = point.start.isoformat(), point.end.isoformat()
        if point.crossings is None:
            inside = (daily_countries == point.country) & (daily_dates >= first) & (daily_dates <= last)
            total = float(daily[point.column].to_numpy()[inside].sum())
        elif crossings is None:
            raise KeyError(f"series point '{point.id}' counts crossings {', '.join(point.crossings)}: "
                           "it needs the run's crossings table")
        else:
            inside = np.isin(crossing_names, point.crossings) & (crossing_dates >= first) & (crossing_dates <= last)
            # column after column, as pandas hands over a selection of two columns
            total = float(np.asfortranarray(crossing_entries[inside]).sum())
        rows.append({"id": point.id, "country": point.country, "region": point.region, "role": point.role,
                     "column": point.column, "start": first, "end": last, "source": point.source,
                     "documented": point.daily_mean, "documented_low": point.documented_low,
                     "documented_high": point.documented_high, "simulated": total / point.days})
    return pd.DataFrame(rows, columns=SERIES_COLUMNS)


def _day_strings(dates: pd.Series) -> np.ndarray:
    """ISO days (``YYYY-MM-DD``) of a date column, as a numpy string array."""
    return dates.astype(str).str.slice(0, 10).to_numpy(dtype="U10")


def documented_table(points: list[SeriesPoint]) -> pd.DataFrame:
    """The documented points alone (no run): id, country, region, role, column, start, end, source, documented,
    documented_low, documented_high."""
    return pd.DataFrame([{"id": p.id, "country": p.country, "region": p.region, "role": p.role, "column": p.column,
                          "start": p.start.isoformat(), "end": p.end.isoformat(), "source": p.source,
                          "documented": p.daily_mean, "documented_low": p.documented_low,
                          "documented_high": p.documented_high} for p in points], columns=SERIES_COLUMNS[:-1])


def averaged_relative_difference(points: pd.DataFrame) -> pd.DataFrame:
    """Flee's averaged relative difference of simulated from documented series, per country.

    For each documented point (a day, or a period read as a daily mean) the relative
    difference is |simulated - documented| / documented; the ARD averages it over the
    points, per country and overall, as Flee averages its daily camp errors over days
    (Suleimenova et al. 2017, Sci. Rep. 7:13377, doi:10.1038/s41598-017-13828-9).

    Args:
        points: rows of :func:`series_table` (several runs may be stacked; their mean is scored).

    Returns:
        Rows ``country, points, ard`` (a point's ``region`` where the rows carry one, e.g.
        Finland's posts apart from the rest of the Schengen destination) and a last row for
        all countries together.
    """
    if points.empty:
        return pd.DataFrame(columns=["country", "points", "ard"])
    place = "region" if "region" in points else "country"
    mean = points.groupby(["id", place], sort=False)[["documented", "simulated"]].mean().reset_index()
    mean["relative_difference"] = (mean["simulated"] - mean["documented"]).abs() / mean["documented"]
    per_country = mean.groupby(place, sort=False)["relative_difference"].agg(["size", "mean"]).reset_index()
    per_country.columns = ["country", "points", "ard"]
    overall = pd.DataFrame([{"country": "all", "points": len(mean), "ard": float(mean["relative_difference"].mean())}])
    return pd.concat([per_country, overall], ignore_index=True)
