"""The one YAML reader of flowsim: bounded, with the file and line of every key.

Every YAML file a user gives flowsim (a scenario of any kind, a calibrated parameter file,
a targets file, Flee's ``simsetting.yml``) is read here. Hostile input cannot get further
than a one-paragraph :class:`~flowsim.errors.ScenarioError` naming the file and line: a
path is checked with ``os.stat`` before it is opened (a FIFO or device would block or never
end), files over ``MAX_FILE_BYTES`` are refused unread, bytes and characters YAML does not
allow (NUL and other control characters) are named by line and column, and the composer
bounds nesting and the size of the document once aliases are expanded
(:class:`_LimitedComposer`, against "billion laughs"), so every later step walks a document
of bounded size.

:func:`read_yaml` returns plain dicts and lists whose mappings carry a ``__lines__`` record
(key -> (file, line)) and whose lists are :class:`LineList` (the line of each item);
:func:`collect_lines` turns that into the :class:`~flowsim.scenario.document.Located` map the
error explainer (:func:`~flowsim.scenario.document.explain`) uses.
:func:`apply_calibrated_file` applies a calibrated parameter file (dotted paths to values)
to such a document before it is validated, so a bad value is reported at its own line.
"""

from __future__ import annotations

import datetime as dt
import errno
import math
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from flowsim.errors import ScenarioError
from flowsim.scenario.document import Located, get_path, kind_of, line_text, path_tuple, set_path

MAX_FILE_BYTES = 10_000_000
MAX_NESTING = 40
MAX_VALUES = 100_000

_NOT_ALLOWED_IN_YAML = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_BOMS = ((b"\x00\x00\xfe\xff", "UTF-32"), (b"\xff\xfe\x00\x00", "UTF-32"), (b"\xfe\xff", "UTF-16"),
         (b"\xff\xfe", "UTF-16"))


def read_text(path: Path, *, what: str = "a scenario", asked_by: str = "") -> str:
    """The text of a YAML file, refused with a one-paragraph ScenarioError if it cannot be one.

    Refuses before reading anything that is not a regular file (a folder, a FIFO that would
    block, a device that never ends, a symlink loop) or is larger than ``MAX_FILE_BYTES``;
    then names the line and column of the first byte that is not UTF-8 and of the first
    character YAML does not allow (NUL and other control characters).

    Args:
        path: the file.
        what: what the file should be, for the message ("a scenario", "a calibrated parameter file").
        asked_by: where the file was named ("a.yaml, line 2, key 'extends': "), put before the message.
    """
    where = f"{asked_by}{path}"
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ScenarioError(f"{where}: cannot read this file: no such file. Give the path of {what} "
                            "(a YAML file).") from None
    except OSError as err:
        reason = "a symbolic link that points back to itself" if err.errno == errno.ELOOP else err.strerror
        raise ScenarioError(f"{where}: cannot be read ({reason}). Give the path of {what} (a YAML file).") from None
    except ValueError as err:  # a NUL in the path
        raise ScenarioError(f"{where!r}: not a usable file path ({err}).") from None
    if stat.S_ISDIR(info.st_mode):
        raise ScenarioError(f"{where}: this is a folder, not a file. Give the path of {what} (a YAML file).")
    if not stat.S_ISREG(info.st_mode):
        raise ScenarioError(f"{where}: not a regular file (a FIFO, device or socket). Give the path of {what} "
                            "(a YAML file).")
    if info.st_size > MAX_FILE_BYTES:
        raise ScenarioError(f"{where}: the file is {info.st_size / 1e6:.1f} MB; {what} may be at most "
                            f"{MAX_FILE_BYTES / 1e6:.0f} MB.")
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as err:
        raise ScenarioError(f"{where}: cannot be read ({err.strerror}).") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError(f"{where}: the file is over {MAX_FILE_BYTES / 1e6:.0f} MB; {what} may be at most "
                            f"{MAX_FILE_BYTES / 1e6:.0f} MB.")
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            raise ScenarioError(f"{where}: the file is encoded as {encoding} (it starts with a {encoding} byte-order "
                                f"mark). {what[0].upper()}{what[1:]} is a UTF-8 text file: save it as UTF-8.")
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line, column = _line_column(raw, err.start, b"\n")
        hint = " (the file looks like UTF-16)" if raw[:200].count(b"\x00") > 20 else ""
        raise ScenarioError(
            f"{where}, line {line}, column {column}: the byte 0x{raw[err.start]:02X} is not UTF-8{hint}. "
            f"{what[0].upper()}{what[1:]} is a UTF-8 text file: save it as UTF-8 or remove the character."
        ) from None
    bad = _NOT_ALLOWED_IN_YAML.search(text)
    if bad:
        line, column = _line_column(text, bad.start(), "\n")
        raise ScenarioError(
            f"{where}, line {line}, column {column}: the character U+{ord(bad.group()):04X} is not allowed in "
            "YAML (NUL and other control characters); remove it."
        )
    return text


def _line_column(text, position: int, newline) -> tuple[int, int]:
    line_start = text.rfind(newline, 0, position) + 1
    return text.count(newline, 0, position) + 1, position - line_start + 1


def safe_resolve(path: Path) -> Path:
    """``path.resolve()``, or the absolute path when it cannot be resolved (a symlink loop)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):
        return Path(os.path.abspath(path))


class _TooBig(yaml.MarkedYAMLError):
    """Valid YAML, but nested too deeply or too big once aliases are expanded."""


class _LimitedComposer(yaml.composer.Composer):
    """Composes YAML nodes refusing deep nesting and documents too big once aliases are expanded.

    Aliases ("billion laughs") make a small file stand for a huge document; every later
    step walks the expanded document, so the size counted here is the expanded one.
    """

    def compose_document(self):
        self._values = 0
        self._depth = 0
        self._sizes: dict[int, int] = {}
        return super().compose_document()

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            node = self.anchors.get(event.anchor)
            if node is not None:
                if id(node) not in self._sizes:
                    raise _TooBig(
                        problem=f"the alias *{event.anchor} is used inside its own anchor &{event.anchor} (a loop)",
                        problem_mark=event.start_mark)
                self._count(self._sizes[id(node)], event.start_mark)
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > MAX_NESTING:
            raise _TooBig(
                problem=f"values nested more than {MAX_NESTING} deep; a scenario needs a few levels",
                problem_mark=event.start_mark)
        before = self._values
        self._count(1, event.start_mark)
        node = super().compose_node(parent, index)
        self._depth -= 1
        if event.anchor is not None:
            self._sizes[id(node)] = self._values - before
        return node

    def _count(self, values: int, mark) -> None:
        self._values += values
        if self._values > MAX_VALUES:
            raise _TooBig(
                problem=f"more than {MAX_VALUES:,} values once aliases (*name) are expanded; a scenario "
                        "has a few thousand — is this an alias bomb or a runaway list?",
                problem_mark=mark)


_Base = yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader


class _LineLoader(_LimitedComposer, _Base):
    """A YAML loader that records the line of every key and list item (libyaml's parser when available)."""

    def __init__(self, stream) -> None:
        _Base.__init__(self, stream)
        self.anchors = {}


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    loader.flatten_mapping(node)
    result: dict = {}
    lines: dict = {}
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        key = loader.construct_object(key_node, deep=True) if isinstance(key_node, yaml.ScalarNode) else None
        if not isinstance(key, str) or key == "__lines__":
            shown = key_node.value if isinstance(key_node, yaml.ScalarNode) else f"a {key_node.id}"
            raise ScenarioError(
                f"{loader.name}, line {line}: the key {short(shown)!r} is not a name. Keys are plain names "
                "such as 'calendar' or 'men_at_risk' (quote a key that looks like a number, date or "
                "yes/no, e.g. '\"18-28\"')."
            )
        if key in result:
            raise ScenarioError(
                f"{loader.name}, line {line}: key '{short(key)}' appears twice "
                f"in the same mapping (first at line {lines[key]}). Each key may appear once."
            )
        result[key] = loader.construct_object(value_node, deep=True)
        lines[key] = line
    result["__lines__"] = lines
    return result


def _construct_int(loader: _LineLoader, node: yaml.ScalarNode) -> int:
    try:
        return loader.construct_yaml_int(node)
    except ValueError:  # more digits than Python converts
        raise ScenarioError(f"{loader.name}, line {node.start_mark.line + 1}: the number "
                            f"{short(node.value)} has {len(node.value)} digits; no setting needs that many.") from None


def short(text: str, limit: int = 60) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> list:
    items = [loader.construct_object(child, deep=True) for child in node.value]
    lines = [child.start_mark.line + 1 for child in node.value]
    return LineList(items, lines)


class LineList(list):
    def __init__(self, items: list, lines: list[int]) -> None:
        super().__init__(items)
        self.lines = lines


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
_LineLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def read_yaml(path: Path, *, what: str = "a scenario", asked_by: str = "") -> Any:
    """The document of a YAML file, with the file and line of every key (see the module docstring).

    Args:
        path: the file.
        what: what the file should be, for messages ("a scenario", "a targets file").
        asked_by: where the file was named, put before every message.

    Raises:
        ScenarioError: the file cannot be read, is too big or too deep, or is not valid YAML.
    """
    text = read_text(path, what=what, asked_by=asked_by)
    loader = _LineLoader(text)
    loader.name = str(path)
    try:
        data = loader.get_single_data()
    except _TooBig as err:
        mark = err.problem_mark
        raise ScenarioError(f"{asked_by}{path}, line {mark.line + 1}, column {mark.column + 1}: {err.problem}"
                            + ("" if err.problem.endswith("?") else ".")) from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown line"
        if "nesting depth" in str(err.problem):  # libyaml (PyYAML >= 6.0.3) stops at its own depth, before ours
            raise ScenarioError(f"{asked_by}{path}, {line}: values nested more than {MAX_NESTING} deep; a scenario "
                                "needs a few levels.") from None
        context = ""
        if err.context and err.context_mark and err.problem_mark and err.context_mark.line != mark.line:
            context = f", {err.context} that starts at line {err.context_mark.line + 1}"
        raise ScenarioError(
            f"{asked_by}{path}, {line}: this is not valid YAML ({err.problem or err.context}{context}). "
            "Check the indentation, closing brackets and quotes, and that every 'key: value' pair "
            "is on its own line."
        ) from None
    except yaml.YAMLError as err:
        raise ScenarioError(f"{asked_by}{path}: this is not valid YAML ({str(err).splitlines()[0]}).") from None
    except RecursionError:  # a guard: nesting is limited while composing
        raise ScenarioError(f"{asked_by}{path}: values are nested too deeply for a scenario.") from None
    finally:
        loader.dispose()
    return tag_file(data, str(path))


def tag_file(data: Any, file: str) -> Any:
    """Attach the file name to every line record, so merged documents keep their origins."""
    if isinstance(data, dict):
        lines = data.get("__lines__", {})
        data["__lines__"] = {k: v if isinstance(v, tuple) else (file, v) for k, v in lines.items()}
        for key, value in data.items():
            if key != "__lines__":
                tag_file(value, file)
    elif isinstance(data, LineList):
        data.lines = [v if isinstance(v, tuple) else (file, v) for v in data.lines]
        for item in data:
            tag_file(item, file)
    return data


def collect_lines(data: Any, prefix: tuple = ()) -> dict[tuple, tuple[str, int]]:
    out: dict[tuple, tuple[str, int]] = {}
    if isinstance(data, dict):
        for key, where in data.get("__lines__", {}).items():
            out[(*prefix, key)] = where
        for key, value in data.items():
            if key != "__lines__":
                out.update(collect_lines(value, (*prefix, key)))
    elif isinstance(data, list):
        for i, item in enumerate(data):
            if isinstance(data, LineList) and data.lines[i]:
                out[(*prefix, i)] = data.lines[i]
            out.update(collect_lines(item, (*prefix, i)))
    return out


def apply_calibrated_file(data: dict, path: Path, located: Located, *,
                          may_add: Callable[[list[str]], bool] = lambda parts: False) -> None:
    """Apply the file named by ``calibration.calibrated_file`` (if it exists) to a scenario document.

    The file holds ``parameters:``, a mapping of dotted scenario paths to finite numbers (or
    dates, such as a network scenario's ``fit_until``), as ``flowsim calibrate`` writes it.
    Each value replaces the one at its path, and its line becomes the line errors name.

    Args:
        data: the scenario document (from :func:`read_yaml`), changed in place.
        path: the scenario file (the calibrated file is relative to it).
        located: the scenario's lines, updated with the calibrated file's.
        may_add: whether a dotted path (as parts) may name a key the scenario does not set yet.
    """
    calibration = data.get("calibration")
    if not isinstance(calibration, dict) or not isinstance(calibration.get("calibrated_file"), str):
        return  # no file, or not a path (the schema says so)
    named = calibration["calibrated_file"]
    scenario_file, line = located.where(("calibration", "calibrated_file"))
    asked_by = f"{scenario_file}, {line_text(line)}, key 'calibration.calibrated_file' names '{short(named)}': "
    file = safe_resolve(path.parent / named)
    if not named.strip() or os.path.isdir(file):
        raise ScenarioError(f"{asked_by}{file} is a folder, not a file. Give the calibrated parameter file "
                            "written by 'flowsim calibrate', relative to the scenario.")
    if not os.path.lexists(file):
        return  # an uncalibrated scenario runs on its hand-set values
    overrides = read_yaml(file, what="a calibrated parameter file", asked_by=asked_by)
    values = overrides.get("parameters") if isinstance(overrides, dict) else None
    if not isinstance(values, dict):
        raise ScenarioError(
            f"{file}, line 1: a calibrated parameter file must hold a mapping 'parameters:' of "
            "dotted scenario paths to values, as written by 'flowsim calibrate'."
        )
    for dotted, value in values.items():
        if dotted == "__lines__":
            continue
        line = values["__lines__"].get(dotted, (str(file), None))
        where = f"{file}, {line_text(line[1])}"
        if not _is_calibrated_value(value):
            raise ScenarioError(
                f"{where}: '{short(dotted)}' is {short(repr(value))}, not a finite number. A calibrated file holds one number per "
                "parameter, as written by 'flowsim calibrate'; recalibrate or correct the value."
            )
        try:
            try:
                current = get_path(data, dotted.split("."))
            except KeyError:
                current = None  # a new key, e.g. another destination's appeal
            if isinstance(current, (dict, list)):
                raise KeyError(f"it is a whole section ({kind_of(current)}), not one value")
            set_path(data, dotted.split("."), value, may_add=may_add)
        except (KeyError, IndexError, TypeError, ValueError) as err:
            raise ScenarioError(
                f"{where}: '{short(dotted)}' does not name a value of the scenario "
                f"({err.args[0] if err.args else err}). Recalibrate with 'flowsim calibrate' or remove the entry."
            ) from None
        located.lines[path_tuple(data, dotted.split("."))] = line


def _is_calibrated_value(value: Any) -> bool:
    """A finite number, or a date (YAML's, or ISO text): what a calibrated file may hold."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return math.isfinite(value)
    if isinstance(value, dt.date):
        return True
    if isinstance(value, str):
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return False
        return True
    return False


def read_parameter_point(path: Path, allowed: dict[str, tuple[float, float]]) -> dict[str, float]:
    """A point of the free parameters from a file of calibrated-file shape (``parameters:``, dotted
    names to numbers), such as a previous calibration's calibrated file.

    Args:
        path: the file.
        allowed: each calibration parameter's name and its prior's (low, high).

    Raises:
        ScenarioError: the file cannot be read, has no ``parameters:`` mapping, names a parameter the
            scenario does not calibrate, or gives a value that is not a number inside its prior.
    """
    document = read_yaml(path, what="a parameter file")
    values = document.get("parameters") if isinstance(document, dict) else None
    if not isinstance(values, dict):
        raise ScenarioError(f"{path}, line 1: a parameter file must hold a mapping 'parameters:' of the scenario's "
                            "calibration parameters (dotted paths) to numbers, as 'flowsim calibrate' writes its "
                            "calibrated file.")
    point = {}
    for dotted, value in values.items():
        if dotted == "__lines__":
            continue
        where = f"{path}, {line_text(values['__lines__'].get(dotted, (str(path), None))[1])}, key '{short(dotted)}'"
        if dotted not in allowed:
            raise ScenarioError(f"{where}: not a calibration parameter of the scenario. Allowed: "
                                f"{', '.join(sorted(allowed))}.")
        low, high = allowed[dotted]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                or not low <= value <= high:
            raise ScenarioError(f"{where}: {short(repr(value))} is not a number between the prior's bounds "
                                f"{low:g} and {high:g}.")
        point[dotted] = float(value)
    return point
