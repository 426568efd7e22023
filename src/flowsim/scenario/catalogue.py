"""The scenarios shipped with flowsim, found by name: ``flowsim run mobilization_2022`` from any folder.

The package data folder ``flowsim/scenarios_data/`` is the one copy of the shipped scenarios
(a clone's ``scenarios/`` is a link to it): the calibrated baseline with its targets,
calibrated file and posterior, the what-ifs, the tiny test world and a small Flee case with
its licence. A scenario's name is its file name without ``.yaml``; files under ``targets/``,
``calibrated/`` and ``data/`` are what scenarios refer to, not scenarios.

:func:`scenario_path` is how a command-line argument or ``load_scenario``'s argument becomes a
file: an existing file is used as given, a shipped name is looked up, and a name that is
neither gets the list of names. :func:`copy_scenario` is ``flowsim init``: a shipped
scenario and every file it refers to, copied into a folder with their relative places kept,
so that its ``extends:``, ``targets:``, ``calibrated_file`` and ``case:`` still point at them.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from flowsim.errors import ScenarioError, UserError

NOT_SCENARIOS = ("targets", "calibrated", "data")
"""Folders of the package data that hold what scenarios refer to, not scenarios."""


@dataclass(frozen=True)
class ShippedScenario:
    """One shipped scenario: its name, file, the first line of its description, its kind if it says one."""

    name: str
    path: Path
    description: str
    kind: str | None


def shipped_folder() -> Path:
    """The package data folder that holds the shipped scenarios (a real folder: wheels install unzipped)."""
    return Path(str(resources.files("flowsim") / "scenarios_data"))


def _header(path: Path) -> dict:
    """The few top-level keys a listing shows (plain YAML; the full checks run when the file is loaded)."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    return document if isinstance(document, dict) else {}


def shipped_scenarios() -> list[ShippedScenario]:
    """Every shipped scenario, the baseline first, then by folder and name."""
    root = shipped_folder()
    files = [p for p in root.rglob("*.yaml") if not set(p.relative_to(root).parts[:-1]) & set(NOT_SCENARIOS)]
    found = []
    for path in sorted(files, key=lambda p: (len(p.relative_to(root).parts), str(p.relative_to(root)))):
        header = _header(path)
        description = str(header.get("description") or "").strip().splitlines()
        kind = header.get("kind")
        found.append(ShippedScenario(path.stem, path, description[0] if description else "",
                                     str(kind) if kind else None))
    return found


def _names_text(scenarios: list[ShippedScenario]) -> str:
    return ", ".join(s.name for s in scenarios)


def looks_like_a_name(text: str) -> bool:
    """A bare name ('mobilization_2022'), not a path: no folder separator and no YAML suffix."""
    return "/" not in text and "\\" not in text and not text.endswith((".yaml", ".yml")) and text not in ("", ".", "..")


def scenario_path(text: str | Path) -> Path:
    """The file a scenario argument means: a file as given, or the shipped scenario of that name.

    A path that does not exist is returned as given, so that loading it names the missing file;
    only a bare name that is neither a file nor a shipped scenario is refused here.

    Raises:
        ScenarioError: ``text`` is a bare name that is neither a file nor a shipped scenario;
            the message lists the shipped names.
    """
    path = Path(text)
    if path.exists() or not looks_like_a_name(str(text)):
        return path
    shipped = shipped_scenarios()
    for scenario in shipped:
        if scenario.name == str(text):
            return scenario.path
    raise ScenarioError(
        f"'{text}' is neither a scenario file nor the name of a shipped scenario. Give a path to a "
        f"scenario YAML, or one of the shipped names: {_names_text(shipped)} "
        "('flowsim scenarios' lists them with a line each; 'flowsim init NAME DIR' copies one to edit).")


def _referred_files(path: Path) -> list[Path]:
    """The files and folders a scenario file names: extends (followed), targets, calibrated file, posterior, case."""
    header = _header(path)
    named: list[Path] = []
    for key in ("extends", "targets", "case"):
        if isinstance(header.get(key), str):
            named.append(path.parent / header[key])
    calibration = header.get("calibration")
    if isinstance(calibration, dict) and isinstance(calibration.get("calibrated_file"), str):
        calibrated = path.parent / calibration["calibrated_file"]
        for sibling in (calibrated, calibrated.with_name(calibrated.stem + ".posterior.csv"),
                        calibrated.with_name(calibrated.stem + ".record.yaml")):
            named.append(sibling)
    found = [p.resolve() for p in named if p.exists()]
    if isinstance(header.get("extends"), str) and (path.parent / header["extends"]).is_file():
        found += _referred_files((path.parent / header["extends"]).resolve())
    return found


def copy_scenario(name: str, folder: str | Path) -> Path:
    """Copy a shipped scenario and every file it refers to into ``folder``; return the copied scenario.

    Files keep their places relative to the shipped folder (``what_if/upper_lars_closed.yaml``
    beside ``mobilization_2022.yaml``, ``targets/`` and ``calibrated/``), so the copy runs as the
    shipped one does and can be edited. A licence or README beside a copied file comes along.

    Raises:
        ScenarioError: ``name`` is not a shipped scenario (the message lists the names).
        UserError: ``folder`` is a file, or a file to be copied is already there (nothing is overwritten).
    """
    shipped = {s.name: s for s in shipped_scenarios()}
    if name not in shipped:
        raise ScenarioError(f"'{name}' is not the name of a shipped scenario. The shipped ones are: "
                            f"{_names_text(list(shipped.values()))} ('flowsim scenarios' lists them with a line each).")
    root = shipped_folder().resolve()
    target = Path(folder)
    if target.exists() and not target.is_dir():
        raise UserError(f"{target} is a file; 'flowsim init' copies a scenario into a folder (new or existing).")
    scenario = shipped[name].path.resolve()
    wanted = [scenario, *_referred_files(scenario)]
    wanted += [p.parent / extra for p in wanted for extra in ("LICENSE", "README.md") if (p.parent / extra).is_file()]
    relative = sorted({p.relative_to(root) for p in wanted})
    clashes = [str(target / r) for r in relative if (target / r).exists()]
    if clashes:
        raise UserError(f"{', '.join(clashes)} already exist(s); 'flowsim init' overwrites nothing. "
                        "Choose a new folder, or move those files away.")
    for item in relative:
        destination = target / item
        destination.parent.mkdir(parents=True, exist_ok=True)
        if (root / item).is_dir():
            shutil.copytree(root / item, destination)
        else:
            shutil.copy2(root / item, destination)
    return target / scenario.relative_to(root)
