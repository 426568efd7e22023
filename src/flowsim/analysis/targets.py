"""Documented figures the model is held to, and how far one run is from them.

A targets file (``scenarios/targets/*.yaml``) lists figures from the source texts. Each
target says how its simulated value is computed from one run's tables, the interval the
value must fall in, and where the figure comes from. This module loads such a file into
frozen objects (:func:`load_targets`), computes the simulated value of every target from a
run's tables (:func:`simulated_values`, :func:`evaluate_targets`) and measures the distance
of a run from the intervals (:func:`interval_distance`) and from the documented series
(:func:`series_distance`); :func:`calibration_distance`, their weighted sum, is what
calibration minimises.

Statistics a target may use:

=============  ==========================================  ===================================
statistic      value                                       tables
=============  ==========================================  ===================================
sum            sum of ``column`` over the selected rows    daily, crossings, flows
mean           mean of ``column`` over the selected rows   daily, crossings, flows
daily_mean     sum / number of days from start to end      daily, crossings
max, min       largest / smallest row value                daily, crossings, flows
ratio          sum of ``column`` / sum of ``denominator``  daily, crossings, flows, population
share          ``category`` share of ``dimension``         profile
rank_order     Kendall's tau of ``order`` vs the values    profile
increase       value at ``end`` minus value the day        population
               before ``start`` (summed over origins)
=============  ==========================================  ===================================

Rows are selected by ``country`` (one id, a list, or all when omitted; flows select on
``first_destination``) and by the dates ``start``..``end``, both inclusive. A ``column``
may be a list of columns, which are added row by row, each times its ``column_weights``
entry when given (e.g. the men among ordinary travellers).

The distance of a run is ``sum(weight * (OUTSIDE + miss))`` over the calibration targets
outside their intervals, where ``miss`` is 0 inside
``[low, high]`` and the relative miss ``(low - x) / |low|`` or ``(x - high) / |high|``
outside. A value that cannot be computed (no arrivals, a zero denominator) counts as a miss
of 1, as far off as zero against a lower bound.

The module is about 630 lines on purpose: the statistics table above, the schema that
checks a targets file against it and the code computing each statistic are one contract,
and are easiest to keep in step side by side.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError, field_validator, model_validator

from flowsim.analysis.series import SeriesPoint, series_table
from flowsim.errors import ScenarioError, TargetsError
from flowsim.scenario.document import Located, explain, strip_lines
from flowsim.scenario.reader import collect_lines, read_yaml
from flowsim.scenario.spec import Spec

TableName = Literal["daily", "crossings", "flows", "profile", "population"]
Statistic = Literal["sum", "mean", "daily_mean", "max", "min", "ratio", "share", "rank_order", "increase"]

#: Numeric columns a target may measure, per table (see the contract's table list).
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "daily": ("entries_total", "exits_total", "ordinary_entries", "ordinary_exits", "wave_entries",
              "wave_exits_onward", "wave_exits_return", "wave_stock", "wave_registrations", "wave_registered",
              "ordinary_registrations", "rent_index"),
    "crossings": ("arrivals", "processed", "ordinary_entries", "turned_back", "gave_up", "switched_away", "queue", "queue_vehicles",
                  "queue_km", "mean_wait_days", "capacity", "fare_index"),
    "flows": ("count",),
    "profile": ("first_entries",),
    "population": ("at_home", "queued", "in_transit", "abroad", "returned", "total"),
}
#: Column that ``country`` selects on, per table (None: the table has no country).
COUNTRY_COLUMN: dict[str, str | None] = {
    "daily": "country", "crossings": "country", "flows": "first_destination",
    "profile": "country", "population": None,
}
#: Tables with one row per date.
DATED_TABLES = ("daily", "crossings", "population")
STATISTIC_TABLES: dict[str, tuple[str, ...]] = {
    "sum": ("daily", "crossings", "flows"),
    "mean": ("daily", "crossings", "flows"),
    "daily_mean": ("daily", "crossings"),
    "max": ("daily", "crossings", "flows"),
    "min": ("daily", "crossings", "flows"),
    "ratio": ("daily", "crossings", "flows", "population"),
    "share": ("profile",),
    "rank_order": ("profile",),
    "increase": ("population",),
}
#: Miss charged for a simulated value that cannot be computed (NaN).
NAN_MISS = 1.0


class Citation(Spec):
    """Where a figure comes from: a source text (000..004) or a row of the documented-figures
    file (an id such as ``KZ-05``), its publication, date and a quote."""

    source: Annotated[str, Field(pattern=r"^(\d{3}|[A-Z]{2,3}-N?\d+)$")]
    publication: str
    date: str
    quote: Annotated[str, Field(min_length=1)]

    @field_validator("source", "date", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{value:03d}"
        return value.isoformat() if isinstance(value, dt.date) else value


class Target(Spec):
    """One documented figure and how to compute its simulated counterpart."""

    id: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")]
    label: str
    measures: str
    table: TableName
    column: str | list[str]
    column_weights: list[Annotated[float, Field(gt=0.0)]] | None = None
    country: str | list[str] | None = None
    crossing: str | list[str] | None = None
    role: Literal["calibration", "check"] = "calibration"
    start: dt.date | None = None
    end: dt.date | None = None
    statistic: Statistic
    denominator: str | list[str] | None = None
    dimension: str | None = None
    category: str | list[str] | None = None
    order: list[str] | None = None
    low: float | None
    high: float | None
    documented: str
    note: str = ""
    weight: Annotated[float, Field(ge=0.0)] = 1.0
    citations: Annotated[list[Citation], Field(min_length=1)]

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,) if isinstance(self.column, str) else tuple(self.column)

    @property
    def weights(self) -> tuple[float, ...]:
        """Weight of each column in the row-by-row sum (1 for each unless ``column_weights`` says)."""
        return tuple(self.column_weights) if self.column_weights is not None else (1.0,) * len(self.columns)

    @property
    def denominators(self) -> tuple[str, ...]:
        if self.denominator is None:
            return ()
        return (self.denominator,) if isinstance(self.denominator, str) else tuple(self.denominator)

    @property
    def countries(self) -> tuple[str, ...] | None:
        if self.country is None:
            return None
        return (self.country,) if isinstance(self.country, str) else tuple(self.country)

    @property
    def categories(self) -> tuple[str, ...]:
        if self.category is None:
            return ()
        return (self.category,) if isinstance(self.category, str) else tuple(self.category)

    @property
    def sources(self) -> str:
        """Source file ids, e.g. ``"004; 002"``."""
        return "; ".join(dict.fromkeys(c.source for c in self.citations))

    def contains(self, value: float) -> bool:
        """Whether a simulated value lies inside ``[low, high]``."""
        return interval_miss(value, self.low, self.high) == 0.0 and not math.isnan(value)

    @model_validator(mode="after")
    def _consistent(self) -> Target:
        if self.low is None and self.high is None:
            _bad("low", "give 'low', 'high' or both (null on one side makes a one-sided interval)")
        if self.low is not None and self.high is not None and self.low > self.high:
            _bad("low", f"'low' ({self.low:g}) is above 'high' ({self.high:g})")
        if self.table not in STATISTIC_TABLES[self.statistic]:
            _bad("statistic", f"statistic '{self.statistic}' works on the tables "
                              f"{', '.join(STATISTIC_TABLES[self.statistic])}, not '{self.table}'")
        allowed = TABLE_COLUMNS[self.table]
        for key, names in (("column", self.columns), ("denominator", self.denominators)):
            for name in names:
                if name not in allowed:
                    _bad(key, f"'{name}' is not a column of {self.table}.csv; allowed: {', '.join(allowed)}")
        if self.column_weights is not None and len(self.column_weights) != len(self.columns):
            _bad("column_weights", f"give one weight per column ({len(self.columns)}), not {len(self.column_weights)}")
        if self.statistic == "ratio" and self.denominator is None:
            _bad("statistic", "statistic 'ratio' needs a 'denominator' column")
        if self.statistic != "ratio" and self.denominator is not None:
            _bad("denominator", "'denominator' is only used by statistic 'ratio'")
        if self.statistic == "share" and (self.dimension is None or not self.categories):
            _bad("statistic", "statistic 'share' needs 'dimension' and 'category'")
        if self.statistic == "rank_order" and (self.dimension is None or not self.order or len(self.order) < 2):
            _bad("statistic", "statistic 'rank_order' needs 'dimension' and an 'order' of at least two categories")
        if self.country is not None and COUNTRY_COLUMN[self.table] is None:
            _bad("country", f"{self.table}.csv has no country; leave 'country' out")
        if self.table not in DATED_TABLES and (self.start or self.end):
            _bad("start" if self.start else "end", f"{self.table}.csv covers the whole run; leave 'start' and 'end' out")
        if self.start and self.end and self.start > self.end:
            _bad("start", f"'start' ({self.start}) is after 'end' ({self.end})")
        if self.statistic == "increase" and (self.start is None or self.end is None):
            _bad("statistic", "statistic 'increase' needs 'start' and 'end'")
        return self


def _bad(key: str, message: str) -> None:
    """Raise a validation error about one key; :func:`_explain` points at that key's line."""
    raise ValueError(f"[{key}] {message}")


class FigureNotTarget(Spec):
    """A documented figure (a data-pack row) that is neither a target nor a series point, and why.

    ``kind`` is ``input`` (the scenario is built from it: ordinary traffic, capacities, event
    dates, so no calibrated parameter moves it and as a target it could not fail),
    ``not computable`` (a run's tables cannot give it: a period before the run starts or
    after it ends, the first wave of spring 2022, a quantity the model has no notion of) or
    ``unverified`` (a claim, not a statistic).
    """

    id: Annotated[str, Field(pattern=r"^[A-Z]{2,3}-N?\d+$")]
    kind: Literal["input", "not computable", "unverified"]
    reason: Annotated[str, Field(min_length=10)]


class TargetSet(Spec):
    """All targets of a scenario, in file order, the documented daily series, and the
    documented figures that are neither, with the reason."""

    name: str
    description: str = ""
    border_counts_include_ordinary_travel: bool = True
    targets: Annotated[list[Target], Field(min_length=1)]
    series: list[SeriesPoint] = Field(default_factory=list)
    #: weight of the series term in the calibration distance (:func:`calibration_distance`);
    #: 0 scores the series in validation only
    series_weight: Annotated[float, Field(ge=0.0, le=1000.0)] = 0.0
    not_targets: list[FigureNotTarget] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_ids(self) -> TargetSet:
        seen: set[str] = set()
        for target in self.targets:
            if target.id in seen:
                raise ValueError(f"target id '{target.id}' appears twice")
            seen.add(target.id)
        return self

    def __iter__(self) -> Iterator[Target]:  # type: ignore[override]
        return iter(self.targets)

    def __len__(self) -> int:
        return len(self.targets)

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.targets]

    def __getitem__(self, target_id: str) -> Target:
        for target in self.targets:
            if target.id == target_id:
                return target
        raise KeyError(f"no target '{target_id}'; targets are {', '.join(self.ids)}")

    def until(self, day: dt.date) -> TargetSet:
        """The figures that end by ``day`` (targets and series points), for a fit whose later
        figures are left to score the forecast. A target over the whole run (profile, flows)
        ends on the run's last day and is left out.

        Raises:
            TargetsError: no calibration target ends by ``day``.
        """
        kept = [t for t in self.targets if t.end is not None and t.end <= day]
        if not any(t.role == "calibration" for t in kept):
            raise TargetsError(f"No calibration target of '{self.name}' ends by {day.isoformat()}: nothing to fit. "
                               "Choose a later --fit-until date.")
        return self.model_copy(update={"targets": kept, "series": [p for p in self.series if p.end <= day]})

    def after(self, day: dt.date) -> TargetSet:
        """The figures :meth:`until` leaves out: what a fit up to ``day`` forecasts."""
        return self.model_copy(update={"targets": [t for t in self.targets if t.end is None or t.end > day],
                                       "series": [p for p in self.series if p.end > day]})

    def subset(self, ids: list[str]) -> TargetSet:
        """The targets with the given ids, in file order."""
        missing = sorted(set(ids) - set(self.ids))
        if missing:
            raise KeyError(f"no targets {', '.join(missing)}; targets are {', '.join(self.ids)}")
        return self.model_copy(update={"targets": [t for t in self.targets if t.id in ids]})


# --------------------------------------------------------------------------- loading


def load_targets(path: str | Path) -> TargetSet:
    """Read and validate a targets file.

    Args:
        path: the targets YAML.

    Returns:
        The validated targets.

    Raises:
        TargetsError: the file is missing, is not YAML, or a key is missing or wrong; the
            message names the file, the line and the key.
    """
    path = Path(path)
    try:
        data = read_yaml(path, what="a targets file")
    except ScenarioError as err:
        raise TargetsError(err.message) from None
    if not isinstance(data, dict):
        raise TargetsError(f"{path}, line 1: a targets file is a mapping with 'name' and a list 'targets'.")
    plain = strip_lines(data)
    try:
        return TargetSet.model_validate(plain)
    except ValidationError as err:
        raise TargetsError(explain(err, Located(collect_lines(data), str(path)), plain, TargetSet)) from None


# --------------------------------------------------------------------------- evaluation


class _Tables:
    """Column arrays of a run's tables, converted once per evaluation and cached."""

    def __init__(self, tables: Mapping[str, pd.DataFrame]) -> None:
        self.tables = tables
        self.cache: dict[tuple[str, str], np.ndarray] = {}

    def frame(self, table: str) -> pd.DataFrame:
        try:
            return self.tables[table]
        except KeyError:
            raise KeyError(f"a target needs the table '{table}', which the run's tables do not hold "
                           f"(they hold {', '.join(self.tables)})") from None

    def column(self, table: str, name: str) -> np.ndarray:
        key = (table, name)
        if key not in self.cache:
            series = self.frame(table)[name]
            if name == "date":
                if pd.api.types.is_datetime64_any_dtype(series):
                    series = series.dt.strftime("%Y-%m-%d")
                self.cache[key] = series.to_numpy().astype("U10")
            elif series.dtype.kind in "biuf":
                self.cache[key] = series.to_numpy(dtype=np.float64)
            else:
                self.cache[key] = series.to_numpy().astype(str)
        return self.cache[key]

    def values(self, table: str, columns: tuple[str, ...], weights: tuple[float, ...] | None = None) -> np.ndarray:
        weights = weights or (1.0,) * len(columns)
        total = self.column(table, columns[0]) * weights[0] if weights[0] != 1.0 else self.column(table, columns[0])
        for name, weight in zip(columns[1:], weights[1:], strict=True):
            total = total + (self.column(table, name) * weight if weight != 1.0 else self.column(table, name))
        return total


def _select(target: Target, tables: _Tables) -> np.ndarray:
    """Boolean mask of the rows a target looks at."""
    n = len(tables.frame(target.table))
    mask = np.ones(n, dtype=bool)
    country_column = COUNTRY_COLUMN[target.table]
    if target.countries is not None and country_column is not None:
        mask &= np.isin(tables.column(target.table, country_column), target.countries)
    if target.crossing is not None and target.table == "crossings":
        crossings = [target.crossing] if isinstance(target.crossing, str) else target.crossing
        mask &= np.isin(tables.column(target.table, "crossing"), crossings)
    if target.table in DATED_TABLES and target.statistic != "increase":
        dates = tables.column(target.table, "date")
        if target.start is not None:
            mask &= dates >= target.start.isoformat()
        if target.end is not None:
            mask &= dates <= target.end.isoformat()
    return mask


def _kendall_tau(expected_order: list[str], values: Mapping[str, float]) -> float:
    """Kendall's tau-a between a documented ranking (largest first) and simulated values."""
    scores = [values.get(category, 0.0) for category in expected_order]
    pairs = concordant = discordant = 0
    for i in range(len(scores)):
        for j in range(i + 1, len(scores)):
            pairs += 1
            concordant += scores[i] > scores[j]
            discordant += scores[i] < scores[j]
    return (concordant - discordant) / pairs


def _profile_values(target: Target, tables: _Tables) -> dict[str, float]:
    mask = _select(target, tables) & (tables.column("profile", "dimension") == target.dimension)
    categories = tables.column("profile", "category")[mask]
    counts = tables.values("profile", target.columns)[mask]
    out: dict[str, float] = {}
    for category, count in zip(categories, counts, strict=True):
        out[category] = out.get(category, 0.0) + float(count)
    return out


def _increase(target: Target, tables: _Tables) -> float:
    dates = tables.column("population", "date")
    values = tables.values("population", target.columns)
    end = target.end.isoformat()  # type: ignore[union-attr]
    before = (target.start - dt.timedelta(days=1)).isoformat()  # type: ignore[operator]
    at_end = dates == end
    if not at_end.any():
        return math.nan
    at_before = dates == before
    if at_before.any():
        baseline = float(values[at_before].sum())
    elif dates.size and before < min(dates):
        baseline = 0.0  # the run starts after 'before': nobody had left yet
    else:
        return math.nan
    return float(values[at_end].sum()) - baseline


def target_value(target: Target, tables: Mapping[str, pd.DataFrame] | _Tables) -> float:
    """Simulated value of one target from one run's tables (NaN when it cannot be computed)."""
    view = tables if isinstance(tables, _Tables) else _Tables(tables)
    statistic = target.statistic
    if statistic == "increase":
        return _increase(target, view)
    if statistic in ("share", "rank_order"):
        counts = _profile_values(target, view)
        if statistic == "rank_order":
            return _kendall_tau(target.order or [], counts)
        total = sum(counts.values())
        return sum(counts.get(c, 0.0) for c in target.categories) / total if total > 0 else math.nan
    mask = _select(target, view)
    values = view.values(target.table, target.columns, target.weights)[mask]
    if statistic == "sum":
        return float(values.sum())
    if statistic == "ratio":
        denominator = float(view.values(target.table, target.denominators)[mask].sum())
        return float(values.sum()) / denominator if denominator > 0 else math.nan
    if values.size == 0:
        return math.nan
    if statistic == "mean":
        return float(values.mean())
    if statistic == "max":
        return float(values.max())
    if statistic == "min":
        return float(values.min())
    # daily_mean: per day, so several countries add up before averaging
    if target.start is not None and target.end is not None:
        days = (target.end - target.start).days + 1
    else:
        days = len(np.unique(view.column(target.table, "date")[mask]))
    return float(values.sum()) / days


def simulated_values(targets: TargetSet, tables: Mapping[str, pd.DataFrame]) -> dict[str, float]:
    """Simulated value of every target, keyed by target id.

    Args:
        targets: the targets.
        tables: one run's tables by name ('daily', 'profile', 'flows', 'population',
            optionally 'crossings'), as in ``RunResult.tables()`` or read from a run folder.

    Returns:
        ``{target id: value}``; NaN where a value cannot be computed.
    """
    view = _Tables(tables)
    return {target.id: target_value(target, view) for target in targets}


def interval_miss(value: float, low: float | None, high: float | None) -> float:
    """0 inside ``[low, high]``, else the relative distance to the bound that is missed."""
    if value is None or math.isnan(value):
        return NAN_MISS
    if low is not None and value < low:
        return (low - value) / max(abs(low), 1e-12)
    if high is not None and value > high:
        return (value - high) / max(abs(high), 1e-12)
    return 0.0


OUTSIDE = 0.05
"""Fixed cost of a calibration target outside its interval, on top of its relative miss."""


def interval_distance(values: Mapping[str, float], targets: TargetSet) -> float:
    """Distance of simulated values from the calibration targets: ``sum(weight * miss)``.

    Each target outside its interval costs ``OUTSIDE`` plus its relative miss: what a
    calibrated run is held to is whether each target is inside, and squared misses let a
    dozen near-misses of 5 % pass as nearly nothing (0.0025 each) while the posterior sat on
    their edges. With the fixed cost, a threshold below ``OUTSIDE`` accepts only runs inside
    every interval, and ABC's shrinking thresholds first count the targets missed.

    Checks (``role: check``) are left out: a figure that nearly every prior draw satisfies
    says nothing about the parameters, and one the model cannot move is reported, not fitted.

    Args:
        values: ``{target id: simulated value}``; a missing id counts as NaN.
        targets: the targets with their intervals and weights.

    Returns:
        0.0 when every calibration target is inside its interval, growing with the misses.
    """
    total = 0.0
    for target in targets:
        if target.role != "calibration":
            continue
        miss = interval_miss(values.get(target.id, math.nan), target.low, target.high)
        total += target.weight * (OUTSIDE + miss) if miss > 0.0 else 0.0
    return total


SERIES_KEY = "series:"


def series_values(targets: TargetSet, tables: Mapping[str, pd.DataFrame]) -> dict[str, float]:
    """Simulated daily mean of every documented series point, keyed ``series:<point id>``."""
    if not targets.series:
        return {}
    table = series_table(targets.series, tables["daily"], tables.get("crossings"))
    return {SERIES_KEY + row.id: float(row.simulated) for row in table.itertuples()}


def series_distance(values: Mapping[str, float], targets: TargetSet) -> float:
    """Mean squared relative difference of the simulated from the documented series points.

    The squared counterpart of Flee's ARD over the same points: a day-by-day (or
    week-by-week) figure pulls the fit towards its value, not only into an interval. A
    missing value counts as a relative difference of 1. Points with ``role: check`` are
    left out (scored by validation only), as checks are left out of the interval distance.
    """
    points = [point for point in targets.series if point.role == "calibration"]
    if not points:
        return 0.0
    total = 0.0
    for point in points:
        value = values.get(SERIES_KEY + point.id, math.nan)
        difference = 1.0 if value is None or math.isnan(value) else (value - point.daily_mean) / point.daily_mean
        total += difference * difference
    return total / len(points)


def calibration_distance(values: Mapping[str, float], targets: TargetSet) -> float:
    """The distance calibration minimises: interval misses plus the weighted series term.

    ``interval_distance + series_weight * series_distance``; with ``series_weight: 0`` (the
    default of a targets file) only the intervals count.
    """
    distance = interval_distance(values, targets)
    if targets.series_weight > 0.0:
        distance += targets.series_weight * series_distance(values, targets)
    return distance


def evaluate_targets(targets: TargetSet, tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Each target's simulated value from one run, whether it is inside, and the distance.

    Args:
        targets: the targets.
        tables: one run's tables by name (see :func:`simulated_values`).

    Returns:
        One row per target: id, label, value, low, high, inside, miss, weight,
        contribution (``weight * (OUTSIDE + miss)`` for a calibration target outside, else 0). The run's
        interval distance, the sum of the contributions, is in ``frame.attrs["distance"]``.
    """
    values = simulated_values(targets, tables)
    rows = []
    for target in targets:
        value = values[target.id]
        miss = interval_miss(value, target.low, target.high)
        rows.append({
            "id": target.id, "label": target.label, "value": value, "low": target.low,
            "high": target.high, "inside": target.contains(value), "miss": miss,
            "weight": target.weight,
            "contribution": (target.weight * (OUTSIDE + miss) if target.role == "calibration" and miss > 0.0
                             else 0.0),
        })
    frame = pd.DataFrame(rows)
    frame.attrs["distance"] = float(frame["contribution"].sum())
    return frame
