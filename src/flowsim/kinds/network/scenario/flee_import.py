"""``flowsim import-flee``: write a flowsim network scenario for a Flee case folder.

The scenario refers to the case's files (it does not copy them), records Flee's rule
settings with every default written out, and lists the rule parameters a calibration may
fit, so a user can edit, extend and calibrate it like any flowsim scenario.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml

from flowsim.kinds.network.scenario.flee_reader import read_case
from flowsim.kinds.network.scenario.schema import load_network_scenario
from flowsim.kinds.network.scenario.flee_settings import FleeRules, read_simsetting

CALIBRATION_PARAMETERS = (
    ("flee.move_rules.default_movechance", 0.05, 0.9, "linear"),
    ("flee.move_rules.distance_power", 0.2, 2.0, "linear"),
    ("flee.move_rules.camp_weight", 0.5, 10.0, "log"),
    ("flee.move_rules.conflict_weight", 0.01, 1.0, "log"),
    ("flee.move_rules.foreign_weight", 0.5, 10.0, "log"),
)
FLOWSIM_CALIBRATION_PARAMETERS = (
    ("flowsim_rules.leave_town", 0.05, 0.9, "linear"),
    ("flowsim_rules.distance_per_100km", -3.0, 0.0, "linear"),
    ("flowsim_rules.camp", -1.0, 4.0, "linear"),
    ("flowsim_rules.foreign", -1.0, 3.0, "linear"),
    ("flowsim_rules.conflict", -4.0, 1.0, "linear"),
)


def default_settings_file(case_dir: Path) -> Path | None:
    """``simsetting.yml`` in the case folder, else in its parent (FabFlee's suites share one)."""
    for candidate in (case_dir / "simsetting.yml", case_dir.parent / "simsetting.yml"):
        if candidate.exists():
            return candidate
    return None


def scenario_name(case_dir: Path) -> str:
    name = re.sub(r"[^a-z0-9_]+", "_", case_dir.resolve().name.lower()).strip("_")
    if not name or not name[0].isalpha():
        name = "flee_" + name
    return name


def import_flee(case_dir: str | Path, out: str | Path, settings: str | Path | None = None, *, rules: str = "flee") -> Path:
    """Check a Flee case and write the flowsim scenario YAML that runs it.

    Args:
        case_dir: the Flee case folder (``input_csv/``, ``source_data/``).
        out: the YAML file to write (its folder is created).
        settings: Flee's ``simsetting.yml``; default: the case's or its parent folder's.
        rules: ``flee`` or ``flowsim``.

    Returns:
        The path written.

    Raises:
        ScenarioError: a case file is malformed (its message names file, line and column).
    """
    case_dir = Path(case_dir)
    out = Path(out)
    case = read_case(case_dir)
    settings_path = Path(settings) if settings is not None else default_settings_file(case_dir)
    flee_settings: dict = {}
    notes: list[str] = []
    if settings_path is not None:
        flee_settings, notes = read_simsetting(settings_path)
    rules_obj = FleeRules.model_validate(flee_settings)
    relative_case = os.path.relpath(case_dir.resolve(), out.resolve().parent)
    n_camps = len(case.camp_names)
    document = {
        "name": scenario_name(case_dir),
        "description": (
            f"Flee case {case_dir.resolve().name}: {len(case.locations)} locations, {n_camps} camps, "
            f"{len(case.routes)} routes, from {case.start_date} for {case.length} days. "
            "Data: UNHCR; ACLED; via djgroen/FabFlee."
        ),
        "kind": "network",
        "case": relative_case,
        "calendar": {"days": case.length if case.conflicts is None else min(case.length, case.conflicts.shape[0]), "seed": 0},
        "rules": rules,
        "flee": rules_obj.model_dump(),
        "flowsim_rules": {},
        "calibration": {
            "parameters": [
                {"name": n, "low": lo, "high": hi, "scale": sc}
                for n, lo, hi, sc in (CALIBRATION_PARAMETERS if rules == "flee" else FLOWSIM_CALIBRATION_PARAMETERS)
            ],
            "calibrated_file": f"calibrated/{scenario_name(case_dir)}.yaml",
        },
    }
    header = [
        f"# flowsim network scenario, written by `flowsim import-flee {case_dir}`.",
        f"# The case files stay in {case_dir} (case: below, relative to this file).",
        "# rules: flee reproduces Flee 3.1's movement and spawning; rules: flowsim uses flowsim's choice model.",
        f"# Flee settings from: {settings_path if settings_path else 'none found (Flee 3.1 defaults)'}",
    ]
    header += [f"#   note: {n}" for n in notes]
    header += [f"# Case note: {n}" for n in case.notes]
    header.append(f"# Period file: input_csv/{case.period_file}; registration corrections applied: {len(case.corrections)}.")
    text = "\n".join(header) + "\n" + yaml.safe_dump(document, sort_keys=False, default_flow_style=False, width=100)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    try:
        load_network_scenario(tmp)  # the file must load before it replaces anything
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, out)
    return out
