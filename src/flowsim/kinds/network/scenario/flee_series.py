"""Flee's UNHCR series: ``source_data/data_layout.csv``, the series files, summing, corrections, interpolation.

Everything here follows Flee 3.1's ``datamanager`` (``DataTable``, ``handle_refugee_data``):
series rows ``YYYY-MM-DD,count`` (a first row that is a header is skipped; files may have
none; extra columns are ignored; rows are used in file order), several files on one
``data_layout.csv`` row added as ``AddCSVTables`` adds them, registration corrections that
rescale a camp's earlier points, and the daily value as ``get_interpolated_data`` gives it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from flowsim.kinds.network.scenario.flee_csv import fail, is_blank, is_comment, parse_count, parse_date, rows, suggest


@dataclass(frozen=True)
class FleeSeries:
    """One UNHCR series: day offsets from the start date and counts (float, as Flee keeps them)."""

    name: str
    days: np.ndarray
    counts: np.ndarray
    files: tuple[str, ...]

    def daily(self, n_days: int, scale_down: float = 1.0) -> np.ndarray:
        """The series on days 0..n_days-1 as Flee's ``get_field`` returns it (interpolated, truncated).

        Args:
            n_days: number of days.
            scale_down: Flee's ``hasten`` factor; counts are divided by it before interpolating.

        Returns:
            int64 array: linear interpolation between points, flat before the first and after
            the last point, truncated towards zero like Flee's ``int()``.
        """
        return interpolate_daily(self.days, self.counts / float(scale_down), n_days)


# --------------------------------------------------------------------------- source_data


def read_series_file(path: Path, start: dt.date) -> tuple[np.ndarray, np.ndarray]:
    """One series file: ``YYYY-MM-DD,count`` rows as (day offsets, counts)."""
    days: list[float] = []
    counts: list[float] = []
    for k, (line, row) in enumerate(rows(path)):
        if len(row) < 2 or is_comment(row) or row[1] == "":
            continue
        if k == 0 and (row[0] in ("Date", "DateTime") or row[0] == "" or not _numeric(row[1])):
            continue
        day = (parse_date(path, line, "1 (date)", row[0]) - start).days
        count = parse_count(path, line, "2 (count)", row[1], "Counts are whole numbers of people.")
        days.append(day)
        counts.append(float(count))
    if not days:
        fail(path, None, None, "has no data rows.", "A series file has rows YYYY-MM-DD,count.")
    return np.asarray(days, dtype=float), np.asarray(counts, dtype=float)


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def add_series(first: tuple[np.ndarray, np.ndarray], second: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Add two series as Flee's ``AddCSVTables`` does (step-wise, without interpolation).

    Flee walks the second table and, for each of its points, emits the first table's earlier
    points plus the second's last value, then the point itself plus the first table's current
    value; points of the first table after the second's last point are dropped. Reproduced
    here so that summed camps (``data_layout.csv`` rows with several files) get Flee's numbers.
    """
    d1, v1 = first
    d2, v2 = second
    out_d: list[float] = []
    out_v: list[float] = []
    offset = 0
    last_v2 = 0.0
    for day2, val2 in zip(d2, v2):
        while day2 > d1[offset]:
            out_d.append(d1[offset])
            out_v.append(last_v2 + v1[offset])
            if offset < len(d1) - 1:
                offset += 1
            else:
                break
        if day2 == d1[offset]:
            out_d.append(day2)
            out_v.append(val2 + v1[offset])
            if offset < len(d1) - 1:
                offset += 1
            last_v2 = val2
            continue
        if day2 < d1[offset]:
            out_d.append(day2)
            out_v.append(val2 + v1[offset])
            last_v2 = val2
    return np.asarray(out_d, dtype=float), np.asarray(out_v, dtype=float)


def interpolate_daily(days: np.ndarray, counts: np.ndarray, n_days: int) -> np.ndarray:
    """Flee's ``get_interpolated_data`` for days 0..n_days-1, vectorised.

    Flee takes the first point as the value up to its day, then for each later day the first
    point *i* >= 1 whose day lies after it and interpolates from point *i* - 1; past every point
    it holds the last value. Rows are used in file order, as Flee uses them (a few UNHCR files
    have a row out of date order).
    """
    if len(days) == 1:  # one point: Flee holds it on every day
        return np.full(n_days, np.trunc(counts[0]), dtype=np.int64)
    t = np.arange(n_days, dtype=float)
    later = t[:, None] < days[None, 1:]
    found = later.any(axis=1)
    i = np.argmax(later, axis=1) + 1
    out = np.full(n_days, counts[-1], dtype=float)
    d0, d1 = days[i - 1], days[i]
    v0, v1 = counts[i - 1], counts[i]
    with np.errstate(divide="ignore", invalid="ignore"):
        inner = v0 + (t - d0) / (d1 - d0) * (v1 - v0)
    out[found] = inner[found]
    out[t <= days[0]] = counts[0]
    return np.trunc(out).astype(np.int64)


def read_source_data(source_dir: Path, start: dt.date) -> tuple[FleeSeries, dict[str, FleeSeries], tuple[str, ...]]:
    """Read ``data_layout.csv`` and every series it lists (summing multi-file rows).

    A name listed twice keeps its first row, with a note: Flee's ``DataTable`` looks a name up
    with its first match (FabFlee's syria2022_2024 lists 'Bardarash' twice). Returns the total
    series, the camps' series and the notes.
    """
    layout = source_dir / "data_layout.csv"
    if not layout.exists():
        fail(source_dir, None, None, "has no data_layout.csv.", "source_data/data_layout.csv lists total,refugees.csv and then camp name,file[,file…].")
    series: dict[str, FleeSeries] = {}
    notes: list[str] = []
    for line, row in rows(layout):
        if len(row) < 2 or is_comment(row) or is_blank(row):
            continue
        name = row[0]
        files = tuple(cell for cell in row[1:] if cell.strip())
        if not files:
            fail(layout, line, "2", f"{name!r} names no series file.", "Each row is name,file[,file…].")
        for f in files:
            if not (source_dir / f).exists():
                fail(layout, line, None, f"series file {f!r} does not exist in {source_dir}.")
        if name in series:
            notes.append(f"data_layout.csv, line {line}: {name!r} is listed again; its first row is used, as Flee uses it "
                         "(to add series, list several files on one row).")
            continue
        table = read_series_file(source_dir / files[0], start)
        for f in files[1:]:
            table = add_series(table, read_series_file(source_dir / f, start))
        series[name] = FleeSeries(name, table[0], table[1], files)
    if "total" not in series:
        fail(layout, None, None, "has no 'total' row.", "The first row is usually total,refugees.csv: Flee spawns people from the total series.")
    total = series.pop("total")
    return total, series, tuple(notes)


def apply_corrections(path: Path, series: dict[str, FleeSeries], start: dt.date) -> tuple[dict[str, FleeSeries], tuple[tuple[str, dt.date], ...], tuple[str, ...]]:
    """Apply ``registration_corrections.csv`` as Flee's ``correctLevel1Registrations`` does.

    A correction whose point before the date is 0 is skipped, with a note: Flee 3.1 would
    multiply the earlier points by x / 0 and turn them into inf and NaN (FabFlee's
    flee3_validation mali2017_adm1 has one). Returns the series, the corrections applied
    and the notes.
    """
    if not path.exists():
        return series, (), ()
    done: list[tuple[str, dt.date]] = []
    notes: list[str] = []
    series = dict(series)
    for line, row in rows(path):
        if len(row) < 2 or is_comment(row) or is_blank(row):
            continue
        name = row[0]
        if name not in series:
            fail(path, line, "1 (camp)", f"{name!r} has no series in data_layout.csv.", suggest(name, set(series)))
        date = parse_date(path, line, "2 (date)", row[1])
        s = series[name]
        day = (date - start).days
        matches = np.nonzero(s.days.astype(int) == day)[0]
        if len(matches) == 0:
            fail(path, line, "2 (date)", f"the series of {name!r} has no data point on {date}.", "A registration correction names a date that is one of the camp's data points.")
        counts = s.counts.copy()
        if any(i > 0 and counts[i - 1] == 0 for i in matches):
            notes.append(f"{path.name}, line {line}: the point of {name!r} before {date} is 0, so the earlier points "
                         "cannot be rescaled; this correction is skipped (Flee 3.1 would make them inf and NaN).")
            continue
        for i in matches:
            if i > 0:
                counts[:i] *= counts[i] / counts[i - 1]
        series[name] = FleeSeries(s.name, s.days, counts, s.files)
        done.append((name, date))
    return series, tuple(done), tuple(notes)


