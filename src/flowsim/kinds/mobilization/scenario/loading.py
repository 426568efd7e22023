"""Loading a mobilization scenario: ``extends:``, the calibrated file, validation.

A scenario may ``extends:`` another file and override only what changes: mappings merge
key by key, lists of items with an ``id`` merge by id (an item ``{id: x, remove: true}``
drops ``x``), other lists are replaced. The calibrated parameter file named in
``calibration.calibrated_file`` is applied last, as dotted-path overrides, so calibrated
values are never pasted into the scenario by hand.

Every file is read by the one bounded YAML reader (:mod:`flowsim.scenario.reader`: size,
nesting, alias expansion, control characters); bad input raises
:class:`~flowsim.errors.ScenarioError` whose message names the file, the line, the key and
what is allowed.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

from flowsim.errors import ScenarioError
from flowsim.scenario.catalogue import scenario_path
from flowsim.scenario.document import Located, kind_of, line_text
from flowsim.scenario.reader import LineList, apply_calibrated_file, collect_lines, read_yaml, safe_resolve, short
from flowsim.kinds.mobilization.scenario.schema import Scenario, validate_document


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
        return LineList([items[i] for i in order], [item_lines[i] for i in order])
    return overlay


def _all_have_ids(items: list) -> bool:
    return all(isinstance(i, dict) and isinstance(i.get("id"), str) for i in items)


def _load_document(path: Path, seen: tuple[Path, ...] = (), asked_by: str = "") -> dict:
    path = safe_resolve(path)
    if path in seen:
        chain = " -> ".join(str(p) for p in (*seen, path))
        raise ScenarioError(f"{asked_by}{path}: 'extends' forms a cycle ({chain}). A scenario cannot extend itself.")
    data = read_yaml(path, asked_by=asked_by)
    if not isinstance(data, dict):
        raise ScenarioError(
            f"{asked_by}{path}, line 1: a scenario must be a YAML mapping of keys such as 'name', 'calendar', "
            f"'behaviour', 'origins', 'destinations', 'crossings', 'events'; found {kind_of(data)}."
        )
    parent = data.pop("extends", None)
    _, line = data["__lines__"].pop("extends", (str(path), None))
    if parent is None:
        return data
    where = f"{path}, {line_text(line)}, key 'extends'"
    if not isinstance(parent, str) or not parent.strip() or "\x00" in parent:
        raise ScenarioError(
            f"{where}: {short(repr(parent))} is not a file path. Give the path of the scenario this one builds on, "
            "relative to this file (e.g. ../mobilization_2022.yaml)."
        )
    parent_path = safe_resolve(path.parent / parent)
    base = _load_document(parent_path, (*seen, path), asked_by=f"{where} names '{short(parent)}': ")
    _rebase_paths(base, parent_path.parent, path.parent)
    return _merge(base, data)


def _rebase_paths(data: dict, from_dir: Path, to_dir: Path) -> None:
    """Keep the file paths a parent scenario names pointing at the same files from the child's folder."""
    def rebase(value: str) -> str:
        return Path(os.path.relpath(safe_resolve(from_dir / value), to_dir)).as_posix()

    if isinstance(data.get("targets"), str):
        data["targets"] = rebase(data["targets"])
    calibration = data.get("calibration")
    if isinstance(calibration, dict) and isinstance(calibration.get("calibrated_file"), str):
        calibration["calibrated_file"] = rebase(calibration["calibrated_file"])


def load_scenario(path: str | Path) -> Scenario:
    """Read, merge and validate a scenario file.

    Args:
        path: the scenario YAML, or the name of a shipped scenario (``"mobilization_2022"``;
            :func:`~flowsim.scenario.catalogue.shipped_scenarios` lists them).

    Returns:
        The validated scenario, with its calibrated parameter file applied.

    Raises:
        ScenarioError: the file is missing, not YAML, or breaks a rule of the schema; or a
            bare name is neither a file nor a shipped scenario.
    """
    path = scenario_path(path)
    data = _load_document(path)
    located = Located(collect_lines(data), str(path))
    as_written = copy.deepcopy(data)
    try:
        apply_calibrated_file(data, path, located, may_add=Scenario.may_add)
    except ScenarioError:
        # a calibrated value with nowhere to go is most often the scenario's own slip (a misspelt
        # section or key): name that line, not the generated file
        validate_document(as_written, Located(collect_lines(as_written), str(path)), safe_resolve(path))
        raise
    return validate_document(data, located, safe_resolve(path))


def scenario_from_dict(data: dict, source: Path | None = None) -> Scenario:
    """Validate a scenario given as plain data (e.g. a hand-built world in a test)."""
    return validate_document(copy.deepcopy(data), Located.empty(str(source or "<scenario>")), source)


def as_scenario(scenario: Scenario | str | os.PathLike[str]) -> Scenario:
    """A scenario as given, or loaded from the path of its YAML file."""
    if isinstance(scenario, Scenario):
        return scenario
    return load_scenario(Path(scenario))
