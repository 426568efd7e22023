"""CSV reading shared by the Flee readers: rows with line numbers, cell parsing, one-paragraph errors."""

from __future__ import annotations

import csv
import datetime as dt
import difflib
from pathlib import Path

import numpy as np

from flowsim.errors import ScenarioError


class FleeFormatError(ScenarioError):
    """A Flee case file that cannot be read; the message names file, line, column and what is allowed."""


def fail(path: Path, line: int | None, column: str | None, problem: str, allowed: str = "") -> None:
    where = f"{path}"
    if line is not None:
        where += f", line {line}"
    if column is not None:
        where += f", column {column}"
    message = f"{where}: {problem}"
    if allowed:
        message += f" {allowed}"
    raise FleeFormatError(message)


# --------------------------------------------------------------------------- CSV helpers


def rows(path: Path) -> list[tuple[int, list[str]]]:
    """All rows of a CSV file with their 1-based line numbers (quoted newlines counted)."""
    try:
        # utf-8-sig: spreadsheet programs start a CSV file with a byte-order mark (FabFlee's
        # bangladesh data_layout.csv has one), which would otherwise stick to the first name
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            out = []
            try:
                for row in reader:
                    out.append((reader.line_num, row))
            except csv.Error as exc:
                fail(path, reader.line_num, None, f"is not valid CSV ({exc}).", "Fields are separated by commas; a field with a comma or quote must be quoted.")
            return out
    except UnicodeDecodeError as exc:
        line, column = _position(path, exc.start)
        fail(path, line, column, f"is not UTF-8 text ({exc.reason} at byte {exc.start}).",
             "Flee reads its CSV files as UTF-8.")
    except OSError as exc:
        fail(path, None, None, f"cannot be read ({exc.strerror}).")
    return []


def _position(path: Path, offset: int) -> tuple[int | None, str | None]:
    """(line, column) of a byte offset in a file (the decoder counts bytes after the BOM it skipped)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None, None
    offset += 3 if data.startswith(b"\xef\xbb\xbf") else 0
    before = data[:offset]
    return before.count(b"\n") + 1, str(offset - (before.rfind(b"\n") + 1) + 1)


def is_comment(row: list[str]) -> bool:
    return len(row) == 0 or (len(row[0]) > 0 and row[0][0] == "#")


def is_blank(row: list[str]) -> bool:
    return all(cell.strip() == "" for cell in row)


def parse_int(path: Path, line: int, column: str, text: str, allowed: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        fail(path, line, column, f"{text!r} is not a whole number.", allowed)
    raise AssertionError


MAX_PEOPLE = 10_000_000_000  # a count of people, a population or a camp's capacity (more than the world's)


def parse_count(path: Path, line: int, column: str, text: str, allowed: str) -> int:
    """A whole number of people, at most :data:`MAX_PEOPLE` either way."""
    count = parse_int(path, line, column, text, allowed)
    if abs(count) > MAX_PEOPLE:
        fail(path, line, column, f"{text.strip()[:40]!r} is more people than live on Earth.",
             f"{allowed} At most {MAX_PEOPLE:,}.")
    return count


def parse_float(path: Path, line: int, column: str, text: str, allowed: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        fail(path, line, column, f"{text!r} is not a number.", allowed)
    if not np.isfinite(value):
        fail(path, line, column, f"{text!r} is not a finite number.", allowed)
    return value


def parse_date(path: Path, line: int, column: str, text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text.strip(), "%Y-%m-%d").date()
    except ValueError:
        fail(path, line, column, f"{text!r} is not a date.", "Dates are written YYYY-MM-DD.")
    raise AssertionError


def suggest(name: str, allowed: set[str]) -> str:
    close = difflib.get_close_matches(name, sorted(allowed), n=1)
    if close:
        return f"Did you mean {close[0]!r}?"
    shown = sorted(allowed)[:8]
    more = "…" if len(allowed) > 8 else ""
    return "Known: " + ", ".join(repr(s) for s in shown) + more + "."
