"""Read a Flee case folder into typed objects, exactly as Flee 3.1's readers do.

The format (``input_csv/`` and ``source_data/``) is positional CSV. What Flee does, and so
what this module does:

* every file is read with Python's ``csv`` module (quoted fields, CRLF line ends);
* a row whose first cell starts with ``#`` is a header or a comment; in ``locations.csv`` and
  ``routes.csv`` a header longer than the fixed columns names extra *attributes*;
* ``locations.csv``: name, region, country, latitude, longitude, location_type,
  conflict_date, population (capacity for camps); the first row's country is the home
  country; the type is matched by substring (``camp``/``idpcamp``, ``conflict``,
  ``forward``, ``marker``, ``town``/``default``), as Flee does;
* ``routes.csv``: name1, name2, distance, forced_redirection (``1`` makes Flee 3.1 create the
  link twice, which doubles its weight; the flag itself steers nobody in 3.1);
* ``closures.csv``: type, name1, name2, start day, end day (``-1``: never reopens);
* ``conflicts.csv``: the first row is the header (``#Day, loc, …``), row *i* is day *i*;
* ``sim_period.csv`` (older cases: ``conflict_period.csv``): ``StartDate,YYYY-MM-DD`` and
  ``Length,N``;
* ``registration_corrections.csv``: camp, date — every earlier point of that camp's series
  is scaled by (value on the date / value of the point before);
* ``source_data/data_layout.csv``: ``name,file[,file…]``; several files are added the way
  Flee's ``AddCSVTables`` adds them; series rows are ``YYYY-MM-DD,count``; the first row is
  skipped when it is a header (``Date``/``DateTime``, or not a number), files may have none.

A file that Flee would crash on, or silently misread, raises :class:`FleeFormatError` whose
one-paragraph message names the file, the line, the column and what is allowed.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

try:  # the layered layout (flowsim.errors); the flat one before it
    from flowsim.errors import ScenarioError
except ImportError:  # pragma: no cover - only before the Layout merge
    from flowsim.scenario import ScenarioError

LOCATION_COLUMNS = (
    "name",
    "region",
    "country",
    "latitude",
    "longitude",
    "location_type",
    "conflict_date",
    "population",
)
ROUTE_COLUMNS = ("name1", "name2", "distance", "forced_redirection")
CLOSURE_KINDS = ("country", "location", "link", "camp", "idpcamp", "remove_forced_redirection")
LOCATION_KINDS = ("conflict_zone", "town", "camp", "idpcamp", "forward", "marker", "other")


class FleeFormatError(ScenarioError):
    """A Flee case file that cannot be read; the message names file, line, column and what is allowed."""


def _fail(path: Path, line: int | None, column: str | None, problem: str, allowed: str = "") -> None:
    where = f"{path}"
    if line is not None:
        where += f", line {line}"
    if column is not None:
        where += f", column {column}"
    message = f"{where}: {problem}"
    if allowed:
        message += f" {allowed}"
    raise FleeFormatError(message)


# --------------------------------------------------------------------------- typed objects


@dataclass(frozen=True)
class FleeLocation:
    """One row of ``locations.csv``."""

    name: str
    region: str
    country: str
    latitude: float
    longitude: float
    location_type: str
    kind: str
    conflict_date: int | None
    population: int
    attributes: dict[str, str]
    line: int


@dataclass(frozen=True)
class FleeRoute:
    """One row of ``routes.csv``: a two-way link."""

    name1: str
    name2: str
    distance: float
    forced_redirection: int
    attributes: dict[str, str]
    line: int


@dataclass(frozen=True)
class FleeClosure:
    """One row of ``closures.csv``."""

    kind: str
    name1: str
    name2: str
    start: int
    end: int
    line: int


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


@dataclass(frozen=True)
class FleeCase:
    """Everything in a Flee case folder, read and checked."""

    directory: Path
    locations: tuple[FleeLocation, ...]
    routes: tuple[FleeRoute, ...]
    closures: tuple[FleeClosure, ...]
    conflict_names: tuple[str, ...]
    conflicts: np.ndarray | None  # (days, len(conflict_names)) intensities, or None without conflicts.csv
    start_date: dt.date
    length: int
    period_file: str
    total: FleeSeries
    camp_series: dict[str, FleeSeries]
    corrections: tuple[tuple[str, dt.date], ...] = ()
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def home_country(self) -> str:
        """The first location's country, as Flee decides it ("unknown" if empty)."""
        return self.locations[0].country or "unknown"

    @property
    def camp_names(self) -> list[str]:
        return [loc.name for loc in self.locations if loc.kind in ("camp", "idpcamp")]

    def location_index(self) -> dict[str, int]:
        return {loc.name: i for i, loc in enumerate(self.locations)}


# --------------------------------------------------------------------------- CSV helpers


def _rows(path: Path) -> list[tuple[int, list[str]]]:
    """All rows of a CSV file with their 1-based line numbers (quoted newlines counted)."""
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            out = []
            try:
                for row in reader:
                    out.append((reader.line_num, row))
            except csv.Error as exc:
                _fail(path, reader.line_num, None, f"is not valid CSV ({exc}).", "Fields are separated by commas; a field with a comma or quote must be quoted.")
            return out
    except UnicodeDecodeError as exc:
        _fail(path, None, None, f"is not UTF-8 text ({exc.reason} at byte {exc.start}).", "Flee reads its CSV files as UTF-8.")
    except OSError as exc:
        _fail(path, None, None, f"cannot be read ({exc.strerror}).")
    return []


def _is_comment(row: list[str]) -> bool:
    return len(row) == 0 or (len(row[0]) > 0 and row[0][0] == "#")


def _is_blank(row: list[str]) -> bool:
    return all(cell.strip() == "" for cell in row)


def _int(path: Path, line: int, column: str, text: str, allowed: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        _fail(path, line, column, f"{text!r} is not a whole number.", allowed)
    raise AssertionError


def _float(path: Path, line: int, column: str, text: str, allowed: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        _fail(path, line, column, f"{text!r} is not a number.", allowed)
    if not np.isfinite(value):
        _fail(path, line, column, f"{text!r} is not a finite number.", allowed)
    return value


def _date(path: Path, line: int, column: str, text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text.strip(), "%Y-%m-%d").date()
    except ValueError:
        _fail(path, line, column, f"{text!r} is not a date.", "Dates are written YYYY-MM-DD.")
    raise AssertionError


def location_kind(location_type: str) -> str:
    """Flee's reading of a location_type: substring tests in Flee's order.

    Returns one of ``camp``, ``idpcamp``, ``conflict_zone``, ``forward``, ``marker``,
    ``town`` or ``other`` (Flee 3.1 warns and keeps such a location with move chance 1).
    """
    lowered = location_type.lower()
    if "camp" in lowered:
        return "idpcamp" if "idp" in lowered else "camp"
    if "conflict" in lowered:
        return "conflict_zone"
    if "forward" in lowered:
        return "forward"
    if "marker" in lowered:
        return "marker"
    if "default" in lowered or "town" in lowered:
        return "town"
    return "other"


# --------------------------------------------------------------------------- input_csv


def read_locations(path: Path) -> tuple[FleeLocation, ...]:
    """Read ``locations.csv`` (see the module docstring for the columns)."""
    columns = list(LOCATION_COLUMNS)
    locations: list[FleeLocation] = []
    seen: dict[str, int] = {}
    allowed_cols = "locations.csv has the columns name, region, country, latitude, longitude, location_type, conflict_date, population, then optional named attributes."
    for line, row in _rows(path):
        if _is_comment(row):
            if len(row) > len(LOCATION_COLUMNS):
                columns = list(LOCATION_COLUMNS) + [c.strip() for c in row[len(LOCATION_COLUMNS):]]
            continue
        if _is_blank(row):
            continue
        if len(row) < len(LOCATION_COLUMNS):
            _fail(path, line, None, f"has {len(row)} columns but a location needs {len(LOCATION_COLUMNS)}.", allowed_cols)
        name = row[0]
        if name.strip() == "":
            _fail(path, line, "name", "the location name is empty.", "Every location needs a unique name.")
        if name in seen:
            _fail(path, line, "name", f"location {name!r} is already defined on line {seen[name]}.", "Location names must be unique.")
        seen[name] = line
        lat = _float(path, line, "latitude", row[3], "Latitude is a number in degrees.") if row[3].strip() else 0.0
        lon = _float(path, line, "longitude", row[4], "Longitude is a number in degrees.") if row[4].strip() else 0.0
        kind = location_kind(row[5])
        conflict_date = None
        if row[6].strip():
            conflict_date = _int(path, line, "conflict_date", row[6], "conflict_date is a day offset from the start date (a whole number) or empty.")
        population = 0
        if row[7].strip():
            population = _int(path, line, "population", row[7], "population (a camp's capacity) is a whole number, or empty for none.")
        attributes = {}
        for i in range(len(LOCATION_COLUMNS), len(row)):
            key = columns[i] if i < len(columns) else f"column_{i + 1}"
            attributes[key] = row[i]
        locations.append(
            FleeLocation(
                name=name,
                region=row[1],
                country=row[2] if row[2] else "unknown",
                latitude=lat,
                longitude=lon,
                location_type=row[5],
                kind=kind,
                conflict_date=conflict_date,
                population=population,
                attributes=attributes,
                line=line,
            )
        )
    if not locations:
        _fail(path, None, None, "has no locations.", "A case needs at least one location row (rows starting with # are headers).")
    return tuple(locations)


def read_routes(path: Path, names: set[str]) -> tuple[FleeRoute, ...]:
    """Read ``routes.csv``; both names must be locations."""
    columns = list(ROUTE_COLUMNS)
    routes: list[FleeRoute] = []
    for line, row in _rows(path):
        if _is_comment(row):
            if len(row) > len(ROUTE_COLUMNS):
                columns = list(ROUTE_COLUMNS) + [c.strip() for c in row[len(ROUTE_COLUMNS):]]
            continue
        if _is_blank(row):
            continue
        if len(row) < 3:
            _fail(path, line, None, f"has {len(row)} columns but a route needs at least 3.", "routes.csv has the columns name1, name2, distance, forced_redirection (optional), then optional named attributes.")
        for col, name in (("name1", row[0]), ("name2", row[1])):
            if name not in names:
                _fail(path, line, col, f"{name!r} is not a location in locations.csv.", _suggest(name, names))
        distance = _float(path, line, "distance", row[2], "distance is a number of kilometres.")
        if distance < 0:
            _fail(path, line, "distance", f"distance {row[2]!r} is negative.", "distance is a number of kilometres, 0 or more.")
        forced = 0
        if len(row) > 3 and row[3].strip():
            forced = _int(path, line, "forced_redirection", row[3], "forced_redirection is empty, 0, 1 or 2.")
            if forced not in (0, 1, 2):
                _fail(path, line, "forced_redirection", f"{forced} is not allowed.", "forced_redirection is empty, 0, 1 or 2.")
        attributes = {}
        for i in range(len(ROUTE_COLUMNS), len(row)):
            key = columns[i] if i < len(columns) else f"column_{i + 1}"
            attributes[key] = row[i]
        for key in ("max_move_speed", "walk_probability"):
            if key in attributes and attributes[key].strip():
                _float(path, line, key, attributes[key], f"{key} is a number.")
        routes.append(FleeRoute(row[0], row[1], distance, forced, attributes, line))
    return tuple(routes)


def read_closures(path: Path, names: set[str], countries: set[str]) -> tuple[FleeClosure, ...]:
    """Read ``closures.csv`` (missing file: no closures)."""
    if not path.exists():
        return ()
    closures: list[FleeClosure] = []
    allowed_kinds = "The closure type is one of " + ", ".join(CLOSURE_KINDS) + "."
    for line, row in _rows(path):
        if _is_comment(row) or _is_blank(row):
            continue
        if len(row) < 5:
            _fail(path, line, None, f"has {len(row)} columns but a closure needs 5.", "closures.csv has the columns closure_type, name1, name2, closure_start, closure_end.")
        kind = row[0].strip()
        if kind not in CLOSURE_KINDS:
            _fail(path, line, "closure_type", f"{kind!r} is not a closure type.", allowed_kinds)
        start = _int(path, line, "closure_start", row[3], "closure_start is a day offset (a whole number).")
        end = _int(path, line, "closure_end", row[4], "closure_end is a day offset, or -1 for never.")
        if kind == "country":
            for col, name in (("name1", row[1]), ("name2", row[2])):
                if name not in countries:
                    _fail(path, line, col, f"{name!r} is not a country of any location in locations.csv.", _suggest(name, countries))
        else:
            needed = [("name1", row[1])]
            if kind in ("link", "remove_forced_redirection"):
                needed.append(("name2", row[2]))
            for col, name in needed:
                if name not in names:
                    _fail(path, line, col, f"{name!r} is not a location in locations.csv.", _suggest(name, names))
        closures.append(FleeClosure(kind, row[1], row[2], start, end, line))
    return tuple(closures)


def read_conflicts(path: Path, names: set[str]) -> tuple[tuple[str, ...], np.ndarray]:
    """Read ``conflicts.csv``: the first row is the header, row *i* below it is day *i*."""
    rows = [(line, row) for line, row in _rows(path) if not _is_blank(row)]
    if not rows:
        _fail(path, None, None, "is empty.", "conflicts.csv starts with a header #Day,location,location,… and has one row per day.")
    header_line, header = rows[0]
    columns: list[tuple[int, str]] = []
    for i in range(1, len(header)):
        name = header[i].strip()
        if not name:
            continue
        if name not in names:
            _fail(path, header_line, f"{i + 1} ({name!r})", f"{name!r} is not a location in locations.csv.", _suggest(name, names))
        columns.append((i, name))
    values = np.zeros((len(rows) - 1, len(columns)))
    for day, (line, row) in enumerate(rows[1:]):
        for j, (i, name) in enumerate(columns):
            if i >= len(row):
                _fail(path, line, f"{i + 1} ({name})", f"the row has {len(row)} cells but the header has {len(header)}.", "Every day row has one intensity (0 to 1) per location in the header.")
            values[day, j] = _float(path, line, f"{i + 1} ({name})", row[i], "Conflict intensities are numbers from 0 to 1.")
    return tuple(name for _, name in columns), values


def read_period(input_dir: Path) -> tuple[dt.date, int, str]:
    """Read ``sim_period.csv``, or ``conflict_period.csv`` (its older name)."""
    for file_name in ("sim_period.csv", "conflict_period.csv"):
        path = input_dir / file_name
        if path.exists():
            break
    else:
        _fail(input_dir, None, None, "has neither sim_period.csv nor conflict_period.csv.", "One of them gives StartDate,YYYY-MM-DD and Length,N (days).")
    start = length = None
    for line, row in _rows(path):
        if len(row) < 2:
            continue
        key = row[0].strip().lower()
        if key == "startdate":
            start = _date(path, line, "2", row[1])
        elif key == "length":
            length = _int(path, line, "2", row[1], "Length is a number of days.")
            if length < 1:
                _fail(path, line, "2", f"Length {length} is not positive.", "Length is a number of days, at least 1.")
    if start is None or length is None:
        missing = "StartDate" if start is None else "Length"
        _fail(path, None, None, f"has no {missing} row.", "The file needs StartDate,YYYY-MM-DD and Length,N.")
    return start, length, file_name


# --------------------------------------------------------------------------- source_data


def read_series_file(path: Path, start: dt.date) -> tuple[np.ndarray, np.ndarray]:
    """One series file: ``YYYY-MM-DD,count`` rows as (day offsets, counts)."""
    days: list[float] = []
    counts: list[float] = []
    for k, (line, row) in enumerate(_rows(path)):
        if len(row) < 2 or _is_comment(row) or row[1] == "":
            continue
        if k == 0 and (row[0] in ("Date", "DateTime") or row[0] == "" or not _numeric(row[1])):
            continue
        day = (_date(path, line, "1 (date)", row[0]) - start).days
        count = _int(path, line, "2 (count)", row[1], "Counts are whole numbers of people.")
        days.append(day)
        counts.append(float(count))
    if not days:
        _fail(path, None, None, "has no data rows.", "A series file has rows YYYY-MM-DD,count.")
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


def read_source_data(source_dir: Path, start: dt.date) -> tuple[FleeSeries, dict[str, FleeSeries]]:
    """Read ``data_layout.csv`` and every series it lists (summing multi-file rows)."""
    layout = source_dir / "data_layout.csv"
    if not layout.exists():
        _fail(source_dir, None, None, "has no data_layout.csv.", "source_data/data_layout.csv lists total,refugees.csv and then camp name,file[,file…].")
    series: dict[str, FleeSeries] = {}
    for line, row in _rows(layout):
        if len(row) < 2 or _is_comment(row) or _is_blank(row):
            continue
        name = row[0]
        files = tuple(cell for cell in row[1:] if cell.strip())
        if not files:
            _fail(layout, line, "2", f"{name!r} names no series file.", "Each row is name,file[,file…].")
        for f in files:
            if not (source_dir / f).exists():
                _fail(layout, line, None, f"series file {f!r} does not exist in {source_dir}.")
        if name in series:
            _fail(layout, line, "1", f"{name!r} is listed twice.", "Each camp has one row; list several files on that row to add them.")
        table = read_series_file(source_dir / files[0], start)
        for f in files[1:]:
            table = add_series(table, read_series_file(source_dir / f, start))
        series[name] = FleeSeries(name, table[0], table[1], files)
    if "total" not in series:
        _fail(layout, None, None, "has no 'total' row.", "The first row is usually total,refugees.csv: Flee spawns people from the total series.")
    total = series.pop("total")
    return total, series


def apply_corrections(path: Path, series: dict[str, FleeSeries], start: dt.date) -> tuple[dict[str, FleeSeries], tuple[tuple[str, dt.date], ...]]:
    """Apply ``registration_corrections.csv`` as Flee's ``correctLevel1Registrations`` does."""
    if not path.exists():
        return series, ()
    done: list[tuple[str, dt.date]] = []
    series = dict(series)
    for line, row in _rows(path):
        if len(row) < 2 or _is_comment(row) or _is_blank(row):
            continue
        name = row[0]
        if name not in series:
            _fail(path, line, "1 (camp)", f"{name!r} has no series in data_layout.csv.", _suggest(name, set(series)))
        date = _date(path, line, "2 (date)", row[1])
        s = series[name]
        day = (date - start).days
        matches = np.nonzero(s.days.astype(int) == day)[0]
        if len(matches) == 0:
            _fail(path, line, "2 (date)", f"the series of {name!r} has no data point on {date}.", "A registration correction names a date that is one of the camp's data points.")
        counts = s.counts.copy()
        for i in matches:
            if i > 0:
                if counts[i - 1] == 0:
                    _fail(path, line, "2 (date)", f"the point of {name!r} before {date} is 0, so the earlier points cannot be rescaled.")
                counts[:i] *= counts[i] / counts[i - 1]
        series[name] = FleeSeries(s.name, s.days, counts, s.files)
        done.append((name, date))
    return series, tuple(done)


# --------------------------------------------------------------------------- the case


def read_case(directory: str | Path) -> FleeCase:
    """Read and check a whole Flee case folder.

    Args:
        directory: the case folder, holding ``input_csv/`` and ``source_data/``.

    Returns:
        The case as typed objects.

    Raises:
        FleeFormatError: a file is missing or malformed (file, line, column, what is allowed).
    """
    directory = Path(directory)
    input_dir = directory / "input_csv"
    source_dir = directory / "source_data"
    for needed in (input_dir, source_dir):
        if not needed.is_dir():
            _fail(directory, None, None, f"has no {needed.name}/ folder.", "A Flee case folder holds input_csv/ (locations.csv, routes.csv, …) and source_data/ (data_layout.csv and the series).")
    for required in ("locations.csv", "routes.csv"):
        if not (input_dir / required).exists():
            _fail(input_dir, None, None, f"has no {required}.")
    locations = read_locations(input_dir / "locations.csv")
    names = {loc.name for loc in locations}
    countries = {loc.country for loc in locations}
    routes = read_routes(input_dir / "routes.csv", names)
    closures = read_closures(input_dir / "closures.csv", names, countries)
    conflict_names: tuple[str, ...] = ()
    conflicts = None
    start, length, period_file = read_period(input_dir)
    if (input_dir / "conflicts.csv").exists():
        conflict_names, conflicts = read_conflicts(input_dir / "conflicts.csv", names)
        if conflicts.shape[0] < length:
            _fail(input_dir / "conflicts.csv", None, None, f"has {conflicts.shape[0]} day rows but {period_file} asks for {length} days.", "conflicts.csv needs one row per simulated day.")
    else:
        for loc in locations:
            if loc.kind == "conflict_zone" and loc.conflict_date is None:
                _fail(input_dir / "locations.csv", loc.line, "conflict_date", f"conflict zone {loc.name!r} has no conflict_date and there is no conflicts.csv.", "Without conflicts.csv every conflict zone needs the day its conflict starts.")
    total, camp_series = read_source_data(source_dir, start)
    camp_series, corrections = apply_corrections(input_dir / "registration_corrections.csv", camp_series, start)
    for loc in locations:
        if loc.kind in ("camp", "idpcamp") and loc.name not in camp_series:
            _fail(input_dir / "locations.csv", loc.line, "name", f"camp {loc.name!r} has no series in source_data/data_layout.csv.", "Flee scores every camp against its UNHCR series: add a row 'camp name,file.csv' to data_layout.csv.")
    files = {p.name: p for p in sorted(input_dir.glob("*.csv"))}
    return FleeCase(
        directory=directory,
        locations=locations,
        routes=routes,
        closures=closures,
        conflict_names=conflict_names,
        conflicts=conflicts,
        start_date=start,
        length=length,
        period_file=period_file,
        total=total,
        camp_series=camp_series,
        corrections=corrections,
        files=files,
    )


def _suggest(name: str, allowed: set[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, sorted(allowed), n=1)
    if close:
        return f"Did you mean {close[0]!r}?"
    shown = sorted(allowed)[:8]
    more = "…" if len(allowed) > 8 else ""
    return "Known: " + ", ".join(repr(s) for s in shown) + more + "."
