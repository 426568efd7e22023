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

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from flowsim.kinds.network.scenario.flee_csv import FleeFormatError, fail, is_blank, is_comment, parse_count, parse_date, parse_float, parse_int, rows, suggest
from flowsim.kinds.network.scenario.flee_series import FleeSeries, apply_corrections, read_source_data

MAX_PERIOD_DAYS = 3_653
"""Longest simulated period (ten years; Flee cases span months to a few years): arrays are days x locations."""

__all__ = ["FleeCase", "FleeClosure", "FleeFormatError", "FleeLocation", "FleeRoute", "FleeSeries", "location_kind", "read_case"]

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
    notes: tuple[str, ...] = ()  # what was read differently from the letter of the files, and why

    @property
    def home_country(self) -> str:
        """The first location's country, as Flee decides it ("unknown" if empty)."""
        return self.locations[0].country or "unknown"

    @property
    def camp_names(self) -> list[str]:
        return [loc.name for loc in self.locations if loc.kind in ("camp", "idpcamp")]


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
    for line, row in rows(path):
        if is_comment(row):
            if len(row) > len(LOCATION_COLUMNS):
                columns = list(LOCATION_COLUMNS) + [c.strip() for c in row[len(LOCATION_COLUMNS):]]
            continue
        if is_blank(row):
            continue
        if len(row) < len(LOCATION_COLUMNS):
            fail(path, line, None, f"has {len(row)} columns but a location needs {len(LOCATION_COLUMNS)}.", allowed_cols)
        name = row[0]
        if name.strip() == "":
            fail(path, line, "name", "the location name is empty.", "Every location needs a unique name.")
        if name in seen:
            fail(path, line, "name", f"location {name!r} is already defined on line {seen[name]}.",
                 "Location names must be unique: Flee 3.1 would join routes to the last of them but start conflicts in the first, "
                 "which has no routes, so people spawned there never move. Rename or remove one of them.")
        seen[name] = line
        lat = parse_float(path, line, "latitude", row[3], "Latitude is a number in degrees.") if row[3].strip() else 0.0
        lon = parse_float(path, line, "longitude", row[4], "Longitude is a number in degrees.") if row[4].strip() else 0.0
        kind = location_kind(row[5])
        conflict_date = None
        if row[6].strip():
            conflict_date = parse_int(path, line, "conflict_date", row[6], "conflict_date is a day offset from the start date (a whole number) or empty.")
        population = 0
        if row[7].strip():
            population = parse_count(path, line, "population", row[7], "population (a camp's capacity) is a whole number, or empty for none.")
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
        fail(path, None, None, "has no locations.", "A case needs at least one location row (rows starting with # are headers).")
    return tuple(locations)


def read_routes(path: Path, names: set[str]) -> tuple[FleeRoute, ...]:
    """Read ``routes.csv``; both names must be locations."""
    columns = list(ROUTE_COLUMNS)
    routes: list[FleeRoute] = []
    for line, row in rows(path):
        if is_comment(row):
            if len(row) > len(ROUTE_COLUMNS):
                columns = list(ROUTE_COLUMNS) + [c.strip() for c in row[len(ROUTE_COLUMNS):]]
            continue
        if is_blank(row):
            continue
        if len(row) < 3:
            fail(path, line, None, f"has {len(row)} columns but a route needs at least 3.", "routes.csv has the columns name1, name2, distance, forced_redirection (optional), then optional named attributes.")
        for col, name in (("name1", row[0]), ("name2", row[1])):
            if name not in names:
                fail(path, line, col, f"{name!r} is not a location in locations.csv.", suggest(name, names))
        distance = parse_float(path, line, "distance", row[2], "distance is a number of kilometres.")
        if distance < 0:
            fail(path, line, "distance", f"distance {row[2]!r} is negative.", "distance is a number of kilometres, 0 or more.")
        forced = 0
        if len(row) > 3 and row[3].strip():
            forced = parse_int(path, line, "forced_redirection", row[3], "forced_redirection is empty, 0, 1 or 2.")
            if forced not in (0, 1, 2):
                fail(path, line, "forced_redirection", f"{forced} is not allowed.", "forced_redirection is empty, 0, 1 or 2.")
        attributes = {}
        for i in range(len(ROUTE_COLUMNS), len(row)):
            key = columns[i] if i < len(columns) else f"column_{i + 1}"
            attributes[key] = row[i]
        for key in ("max_move_speed", "walk_probability"):
            if key in attributes and attributes[key].strip():
                parse_float(path, line, key, attributes[key], f"{key} is a number.")
        routes.append(FleeRoute(row[0], row[1], distance, forced, attributes, line))
    return tuple(routes)


def read_closures(path: Path, names: set[str], countries: set[str]) -> tuple[FleeClosure, ...]:
    """Read ``closures.csv`` (missing file: no closures)."""
    if not path.exists():
        return ()
    closures: list[FleeClosure] = []
    allowed_kinds = "The closure type is one of " + ", ".join(CLOSURE_KINDS) + "."
    for line, row in rows(path):
        if is_comment(row) or is_blank(row):
            continue
        if len(row) < 5:
            fail(path, line, None, f"has {len(row)} columns but a closure needs 5.", "closures.csv has the columns closure_type, name1, name2, closure_start, closure_end.")
        kind = row[0].strip()
        if kind not in CLOSURE_KINDS:
            fail(path, line, "closure_type", f"{kind!r} is not a closure type.", allowed_kinds)
        start = parse_int(path, line, "closure_start", row[3], "closure_start is a day offset (a whole number).")
        end = parse_int(path, line, "closure_end", row[4], "closure_end is a day offset, or -1 for never.")
        if kind == "country":
            for col, name in (("name1", row[1]), ("name2", row[2])):
                if name not in countries:
                    fail(path, line, col, f"{name!r} is not a country of any location in locations.csv.", suggest(name, countries))
        else:
            needed = [("name1", row[1])]
            if kind in ("link", "remove_forced_redirection"):
                needed.append(("name2", row[2]))
            for col, name in needed:
                if name not in names:
                    fail(path, line, col, f"{name!r} is not a location in locations.csv.", suggest(name, names))
        closures.append(FleeClosure(kind, row[1], row[2], start, end, line))
    return tuple(closures)


def read_conflicts(path: Path, names: set[str]) -> tuple[tuple[str, ...], np.ndarray, tuple[str, ...]]:
    """Read ``conflicts.csv``: the first row is the header, row *i* below it is day *i*.

    A column whose header names no location is left out, with a note: Flee 3.1's
    ``add_conflict_zone`` prints "ERROR ... appears not to exist" and goes on without it
    (FabFlee's own burundi case has such a column). Returns names, intensities and notes.
    """
    table = [(line, row) for line, row in rows(path) if not is_blank(row)]
    if not table:
        fail(path, None, None, "is empty.", "conflicts.csv starts with a header #Day,location,location,… and has one row per day.")
    header_line, header = table[0]
    columns: list[tuple[int, str]] = []
    notes: list[str] = []
    for i in range(1, len(header)):
        name = header[i].strip()
        if not name:
            continue
        if name not in names:
            hint = suggest(name, names)
            notes.append(f"{path.name}, line {header_line}, column {i + 1}: {name!r} is not a location in locations.csv, "
                         f"so this column is ignored (as Flee 3.1 ignores it, after printing an error). {hint}".strip())
            continue
        columns.append((i, name))
    values = np.zeros((len(table) - 1, len(columns)))
    for day, (line, row) in enumerate(table[1:]):
        for j, (i, name) in enumerate(columns):
            if i >= len(row):
                fail(path, line, f"{i + 1} ({name})", f"the row has {len(row)} cells but the header has {len(header)}.", "Every day row has one intensity (0 to 1) per location in the header.")
            values[day, j] = parse_float(path, line, f"{i + 1} ({name})", row[i], "Conflict intensities are numbers from 0 to 1.")
    return tuple(name for _, name in columns), values, tuple(notes)


def read_period(input_dir: Path) -> tuple[dt.date, int, str]:
    """Read ``sim_period.csv``, or ``conflict_period.csv`` (its older name)."""
    for file_name in ("sim_period.csv", "conflict_period.csv"):
        path = input_dir / file_name
        if path.exists():
            break
    else:
        fail(input_dir, None, None, "has neither sim_period.csv nor conflict_period.csv.", "One of them gives StartDate,YYYY-MM-DD and Length,N (days).")
    start = length = None
    for line, row in rows(path):
        if len(row) < 2:
            continue
        key = row[0].strip().lower()
        if key == "startdate":
            start = parse_date(path, line, "2", row[1])
        elif key == "length":
            length = parse_int(path, line, "2", row[1], "Length is a number of days.")
            if not 1 <= length <= MAX_PERIOD_DAYS:
                fail(path, line, "2", f"Length {length} is not a number of days from 1 to {MAX_PERIOD_DAYS:,}.",
                     "Length is the simulated period in days (Flee cases span months to a few years).")
    if start is not None and length is not None and (dt.date.max - start).days < length:
        fail(path, None, None, f"StartDate {start} + Length {length} days runs past the year 9999.",
             "Give the case's real start date and period.")
    if start is None or length is None:
        missing = "StartDate" if start is None else "Length"
        fail(path, None, None, f"has no {missing} row.", "The file needs StartDate,YYYY-MM-DD and Length,N.")
    return start, length, file_name


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
            fail(directory, None, None, f"has no {needed.name}/ folder.", "A Flee case folder holds input_csv/ (locations.csv, routes.csv, …) and source_data/ (data_layout.csv and the series).")
    for required in ("locations.csv", "routes.csv"):
        if not (input_dir / required).exists():
            fail(input_dir, None, None, f"has no {required}.")
    locations = read_locations(input_dir / "locations.csv")
    names = {loc.name for loc in locations}
    countries = {loc.country for loc in locations}
    routes = read_routes(input_dir / "routes.csv", names)
    closures = read_closures(input_dir / "closures.csv", names, countries)
    conflict_names: tuple[str, ...] = ()
    conflicts = None
    notes: tuple[str, ...] = ()
    start, length, period_file = read_period(input_dir)
    if (input_dir / "conflicts.csv").exists():
        conflict_names, conflicts, notes = read_conflicts(input_dir / "conflicts.csv", names)
        if conflicts.shape[0] == 0:
            fail(input_dir / "conflicts.csv", None, None, "has a header but no day rows.", "conflicts.csv needs one row per simulated day.")
        if conflicts.shape[0] < length:
            notes += (f"conflicts.csv has {conflicts.shape[0]} day rows but {period_file} asks for {length} days: the scenario "
                      f"runs {conflicts.shape[0]} days (Flee 3.1 would stop with an IndexError on day {conflicts.shape[0]}).",)
    else:
        for loc in locations:
            if loc.kind == "conflict_zone" and loc.conflict_date is None:
                fail(input_dir / "locations.csv", loc.line, "conflict_date", f"conflict zone {loc.name!r} has no conflict_date and there is no conflicts.csv.", "Without conflicts.csv every conflict zone needs the day its conflict starts.")
    total, camp_series, layout_notes = read_source_data(source_dir, start)
    notes += layout_notes
    camp_series, corrections, skipped = apply_corrections(input_dir / "registration_corrections.csv", camp_series, start)
    notes += skipped
    for loc in locations:
        if loc.kind in ("camp", "idpcamp") and loc.name not in camp_series:
            fail(input_dir / "locations.csv", loc.line, "name", f"camp {loc.name!r} has no series in source_data/data_layout.csv.", "Flee scores every camp against its UNHCR series: add a row 'camp name,file.csv' to data_layout.csv.")
    if not any(loc.kind in ("camp", "idpcamp") for loc in locations):
        fail(input_dir / "locations.csv", None, None, "has no camp (location_type camp or idpcamp).",
             "flowsim runs a Flee case to score it against its camps' UNHCR series, so a case needs at least one camp.")
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
        notes=notes,
    )
