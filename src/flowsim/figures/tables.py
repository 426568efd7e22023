"""A run folder's tables, read back for figures and the report (:func:`load_run`).

A folder with ``daily.csv`` is a single run; one with only ``daily_bands.csv`` (and
``crossings_bands.csv``) is an ensemble. Also here: the caption line of every figure and
the dated events to mark on them, both taken from the folder's files.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from flowsim.errors import RunFolderError


@dataclass
class RunTables:
    """The tables of one run folder; ensemble folders fill the ``*_bands`` fields instead."""

    run_dir: Path
    manifest: dict[str, Any] = field(default_factory=dict)
    daily: pd.DataFrame | None = None
    daily_bands: pd.DataFrame | None = None
    crossings: pd.DataFrame | None = None
    crossings_bands: pd.DataFrame | None = None
    flows: pd.DataFrame | None = None
    profile: pd.DataFrame | None = None
    summary: pd.DataFrame | None = None
    places: pd.DataFrame | None = None
    validation: pd.DataFrame | None = None

    @property
    def is_ensemble(self) -> bool:
        return self.daily is None and self.daily_bands is not None

    @property
    def daily_like(self) -> pd.DataFrame:
        return self.daily if self.daily is not None else self.daily_bands

    def names(self, kind: str) -> dict[str, str]:
        """Display names of one kind of place ('origin', 'destination', 'crossing')."""
        if self.places is None:
            return {}
        rows = self.places[self.places["kind"] == kind]
        return dict(zip(rows["id"].astype(str), rows["name"].astype(str)))


def _read_csv(path: Path) -> pd.DataFrame | None:
    if not path.is_file():
        return None
    return pd.read_csv(path, keep_default_na=True)


def load_run(run_dir: str | os.PathLike[str]) -> RunTables:
    """Read the tables of a run folder (single run or ensemble).

    Args:
        run_dir: Folder written by ``flowsim run`` or ``flowsim ensemble``.

    Returns:
        The tables found; missing optional tables are ``None``.

    Raises:
        RunFolderError: The folder does not exist or holds neither ``daily.csv`` nor
            ``daily_bands.csv``.
    """
    root = Path(run_dir)
    if not root.is_dir():
        raise RunFolderError(
            f"the run folder '{root}' does not exist. Give the folder written by "
            "'flowsim run' (for example outputs/mobilization_2022), which holds daily.csv, crossings.csv, "
            "flows.csv, summary.csv and manifest.json.")
    daily, bands = root / "daily.csv", root / "daily_bands.csv"
    if not daily.is_file() and not bands.is_file():
        raise RunFolderError(
            f"'{root}' has no daily.csv (single run) or daily_bands.csv (ensemble), so there is "
            "nothing to plot. Give the folder written by 'flowsim run' or 'flowsim ensemble'; "
            f"it currently holds: {', '.join(sorted(p.name for p in root.iterdir())) or 'nothing'}.")
    manifest: dict[str, Any] = {}
    if (root / "manifest.json").is_file():
        try:
            manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise RunFolderError(f"{root / 'manifest.json'} is not valid JSON ({exc}).") from exc
    tables = RunTables(run_dir=root, manifest=manifest)
    for name in ("daily", "daily_bands", "crossings", "crossings_bands", "flows", "profile", "summary",
                 "places", "validation"):
        try:
            setattr(tables, name, _read_csv(root / f"{name}.csv"))
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise RunFolderError(f"{root / (name + '.csv')} could not be read ({exc}).") from exc
    return tables


def caption_for(manifest: Mapping[str, Any]) -> str:
    """Caption line from a manifest: scenario name, seed (or seeds), scale."""
    scenario = manifest.get("scenario_name") or manifest.get("scenario") or "unknown scenario"
    if isinstance(scenario, str) and scenario.endswith((".yaml", ".yml")):
        scenario = Path(scenario).stem
    parts = [f"Scenario: {scenario}"]
    if manifest.get("seeds"):
        seeds = manifest["seeds"]
        parts.append(f"{len(seeds)} runs, seeds {seeds[0]}…{seeds[-1]}" if len(seeds) > 1 else f"seed {seeds[0]}")
    elif manifest.get("seed") is not None:
        parts.append(f"seed {manifest['seed']}")
    if manifest.get("n_runs"):
        parts.append(f"{manifest['n_runs']} runs")
    if manifest.get("scale") is not None:
        parts.append(f"{manifest['scale']} people per agent")
    parts.append("flowsim")
    return " · ".join(parts)


def events_for(tables: RunTables) -> list[dict[str, Any]]:
    """Dated events of the run, from ``events.csv`` or ``manifest['events']``.

    Each event is a dict with ``date``, ``label``, ``kind`` and ``country`` (``None`` when
    it concerns every destination). A ``destination`` column/key gives the country
    directly; a ``crossing`` one (one id, or several joined by ``;`` or ``,``) is mapped
    to its country through the crossings table. Without either source the two
    mobilization dates are used.
    """
    raw: list[Any] | None = None
    if (tables.run_dir / "events.csv").is_file():
        raw = pd.read_csv(tables.run_dir / "events.csv").to_dict("records")
    elif tables.manifest.get("events") is not None:
        raw = list(tables.manifest["events"])
    if raw is None:
        return [{"date": pd.Timestamp("2022-09-21"), "label": "mobilization announced",
                 "kind": "mobilization_announced", "country": None},
                {"date": pd.Timestamp("2022-10-28"), "label": "mobilization declared complete",
                 "kind": "mobilization_complete", "country": None}]
    crossing_country: dict[str, str] = {}
    cr = tables.crossings if tables.crossings is not None else tables.crossings_bands
    if cr is not None and "country" in cr:
        crossing_country = cr.groupby("crossing")["country"].first().astype(str).to_dict()
    out = []
    for ev in raw:
        if not isinstance(ev, Mapping):
            ev = {"date": ev[0], "label": ev[1], "country": ev[2] if len(ev) > 2 else None}
        country = ev.get("country") if not _is_blank(ev.get("country")) else ev.get("destination")
        crossing = ev.get("crossing")
        if _is_blank(country) and not _is_blank(crossing):
            ids = crossing if isinstance(crossing, list) else str(crossing).replace(",", ";").split(";")
            countries = {crossing_country.get(str(i).strip()) for i in ids} - {None}
            country = countries.pop() if len(countries) == 1 else None
        kind = ev.get("kind")
        out.append({"date": pd.Timestamp(ev["date"]), "label": str(ev.get("label") or kind or ""),
                    "kind": None if _is_blank(kind) else str(kind),
                    "country": None if _is_blank(country) else str(country)})
    return sorted(out, key=lambda e: e["date"])


def major_events(events: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The events worth marking on whole-run figures: the mobilization ones when kinds are known."""
    if any(e.get("kind") for e in events):
        return [e for e in events if str(e.get("kind") or "").startswith("mobilization")]
    return [e for e in events if e.get("country") is None]


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""
