"""Loading a scenario: YAML with the line of every key, ``extends:``, the calibrated file.

This is the only code that reads scenario files. A scenario may ``extends:`` another file
and override only what changes: mappings merge key by key, lists of items with an ``id``
merge by id (an item ``{id: x, remove: true}`` drops ``x``), other lists are replaced. The
calibrated parameter file named in ``calibration.calibrated_file`` is applied last, as
dotted-path overrides, so calibrated values are never pasted into the scenario by hand.

Bad input raises :class:`~flowsim.errors.ScenarioError` whose message names the file, the
line, the key and what is allowed.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import yaml

from flowsim.errors import ScenarioError
from flowsim.scenario.document import Located, path_tuple, set_path
from flowsim.scenario.schema import Scenario, validate_document


class _LineLoader(yaml.SafeLoader):
    """A YAML loader that records the line of every key and list item."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    loader.flatten_mapping(node)
    result: dict = {}
    lines: dict = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise ScenarioError(
                f"{loader.name}, line {key_node.start_mark.line + 1}: key '{key}' appears twice "
                f"in the same mapping (first at line {lines[key]}). Each key may appear once."
            )
        result[key] = loader.construct_object(value_node, deep=True)
        lines[key] = key_node.start_mark.line + 1
    result["__lines__"] = lines
    return result


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> list:
    items = [loader.construct_object(child, deep=True) for child in node.value]
    lines = [child.start_mark.line + 1 for child in node.value]
    return _LineList(items, lines)


class _LineList(list):
    def __init__(self, items: list, lines: list[int]) -> None:
        super().__init__(items)
        self.lines = lines


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such file. Give the path of a scenario YAML file.") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ScenarioError(f"{path}: cannot be read ({err}). A scenario is a UTF-8 YAML file.") from None
    loader = _LineLoader(text)
    loader.name = str(path)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown line"
        context = ""
        if err.context and err.context_mark and err.problem_mark and err.context_mark.line != mark.line:
            context = f", {err.context} that starts at line {err.context_mark.line + 1}"
        raise ScenarioError(
            f"{path}, {line}: this is not valid YAML ({err.problem or err.context}{context}). "
            "Check the indentation, closing brackets and quotes, and that every 'key: value' pair "
            "is on its own line."
        ) from None
    except yaml.YAMLError as err:
        raise ScenarioError(f"{path}: this is not valid YAML ({err}).") from None
    finally:
        loader.dispose()
    return _tag_file(data, str(path))


def _tag_file(data: Any, file: str) -> Any:
    """Attach the file name to every line record, so merged documents keep their origins."""
    if isinstance(data, dict):
        lines = data.get("__lines__", {})
        data["__lines__"] = {k: (file, v) for k, v in lines.items()}
        for key, value in data.items():
            if key != "__lines__":
                _tag_file(value, file)
    elif isinstance(data, _LineList):
        data.lines = [(file, v) for v in data.lines]
        for item in data:
            _tag_file(item, file)
    return data


def _merge(base: Any, overlay: Any) -> Any:
    """Overlay one scenario document on another (see the module docstring)."""
    if isinstance(base, dict) and isinstance(overlay, dict):
        merged = dict(base)
        lines = dict(base.get("__lines__", {}))
        for key, value in overlay.items():
            if key == "__lines__":
                continue
            merged[key] = _merge(base[key], value) if key in base else value
            if key in overlay.get("__lines__", {}):
                lines[key] = overlay["__lines__"][key]
        merged["__lines__"] = lines
        return merged
    if isinstance(base, list) and isinstance(overlay, list) and _all_have_ids(base) and _all_have_ids(overlay):
        items = {item["id"]: item for item in base}
        item_lines = dict(zip((i["id"] for i in base), getattr(base, "lines", [None] * len(base))))
        order = [item["id"] for item in base]
        for item, line in zip(overlay, getattr(overlay, "lines", [None] * len(overlay))):
            if item.get("remove") is True:
                if item["id"] in items:
                    order.remove(item["id"])
                continue
            if item["id"] in items:
                items[item["id"]] = _merge(items[item["id"]], item)
            else:
                order.append(item["id"])
                items[item["id"]] = item
            item_lines[item["id"]] = line
        return _LineList([items[i] for i in order], [item_lines[i] for i in order])
    return overlay


def _all_have_ids(items: list) -> bool:
    return all(isinstance(i, dict) and "id" in i for i in items)


def _load_document(path: Path, seen: tuple[Path, ...] = ()) -> dict:
    path = path.resolve()
    if path in seen:
        chain = " -> ".join(str(p) for p in (*seen, path))
        raise ScenarioError(f"{path}: 'extends' forms a cycle ({chain}). A scenario cannot extend itself.")
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise ScenarioError(
            f"{path}, line 1: a scenario must be a YAML mapping of keys such as 'name', 'calendar', "
            f"'behaviour', 'origins', 'destinations', 'crossings', 'events'; found {type(data).__name__}."
        )
    parent = data.pop("extends", None)
    data["__lines__"].pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        file, line = data["__lines__"].get("extends", (str(path), None))
        raise ScenarioError(f"{path}: 'extends' must be the path of another scenario file, relative to this one.")
    parent_path = (path.parent / parent).resolve()
    base = _load_document(parent_path, (*seen, path))
    _rebase_paths(base, parent_path.parent, path.parent)
    return _merge(base, data)


def _rebase_paths(data: dict, from_dir: Path, to_dir: Path) -> None:
    """Keep the file paths a parent scenario names pointing at the same files from the child's folder."""
    def rebase(value: str) -> str:
        return Path(os.path.relpath((from_dir / value).resolve(), to_dir)).as_posix()

    if isinstance(data.get("targets"), str):
        data["targets"] = rebase(data["targets"])
    calibration = data.get("calibration")
    if isinstance(calibration, dict) and isinstance(calibration.get("calibrated_file"), str):
        calibration["calibrated_file"] = rebase(calibration["calibrated_file"])


def load_scenario(path: str | Path) -> Scenario:
    """Read, merge and validate a scenario file.

    Args:
        path: the scenario YAML.

    Returns:
        The validated scenario, with its calibrated parameter file applied.

    Raises:
        ScenarioError: the file is missing, not YAML, or breaks a rule of the schema.
    """
    path = Path(path)
    data = _load_document(path)
    located = Located(_collect_lines(data), str(path))
    _apply_calibrated_file(data, path, located)
    return validate_document(data, located, path.resolve())


def _apply_calibrated_file(data: dict, path: Path, located: Located) -> None:
    calibration = data.get("calibration")
    if not isinstance(calibration, dict) or not calibration.get("calibrated_file"):
        return
    file = (path.parent / str(calibration["calibrated_file"])).resolve()
    if not file.exists():
        return  # an uncalibrated scenario runs on its hand-set values
    overrides = _read_yaml(file)
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
        try:
            set_path(data, dotted.split("."), value)
        except KeyError as err:
            raise ScenarioError(
                f"{file}, line {line[1]}: '{dotted}' does not name a value of the scenario "
                f"({err.args[0]}). Recalibrate with 'flowsim calibrate' or remove the entry."
            ) from None
        located.lines[path_tuple(data, dotted.split("."))] = line


def _collect_lines(data: Any, prefix: tuple = ()) -> dict[tuple, tuple[str, int]]:
    out: dict[tuple, tuple[str, int]] = {}
    if isinstance(data, dict):
        for key, where in data.get("__lines__", {}).items():
            out[(*prefix, key)] = where
        for key, value in data.items():
            if key != "__lines__":
                out.update(_collect_lines(value, (*prefix, key)))
    elif isinstance(data, list):
        for i, item in enumerate(data):
            if isinstance(data, _LineList) and data.lines[i]:
                out[(*prefix, i)] = data.lines[i]
            out.update(_collect_lines(item, (*prefix, i)))
    return out


def scenario_from_dict(data: dict, source: Path | None = None) -> Scenario:
    """Validate a scenario given as plain data (e.g. a hand-built world in a test)."""
    return validate_document(copy.deepcopy(data), Located.empty(str(source or "<scenario>")), source)


def as_scenario(scenario: Scenario | str | os.PathLike[str]) -> Scenario:
    """A scenario as given, or loaded from the path of its YAML file."""
    if isinstance(scenario, Scenario):
        return scenario
    return load_scenario(Path(scenario))
