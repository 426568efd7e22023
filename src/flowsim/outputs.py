"""Writing a run folder: tables, the per-person table and the manifest.

Every file is written under a temporary name in the target folder and renamed into place,
so a crashed or interrupted run never leaves a half-written table behind, and a reader never
sees one.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from flowsim.results import RunResult


def write_atomic(path: Path, write: Callable[[Path], None]) -> Path:
    """Write a file through ``write(temporary_path)`` and rename it to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        write(Path(temporary))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """A table as CSV with a fixed float format, so equal runs give byte-identical files."""
    return write_atomic(path, lambda tmp: frame.to_csv(tmp, index=False, lineterminator="\n"))


def write_json(data: dict, path: Path) -> Path:
    return write_atomic(path, lambda tmp: tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n"))


def write_run(result: RunResult, out_dir: Path, *, extra_meta: dict | None = None) -> list[Path]:
    """Write every table of a run, then its manifest (last, as the mark of a complete run)."""
    out_dir = Path(out_dir)
    written = [write_csv(frame, out_dir / f"{name}.csv") for name, frame in result.tables().items()]
    if result.agents is not None:
        written.append(write_atomic(out_dir / "agents.parquet",
                                    lambda tmp: result.agents.to_parquet(tmp, index=False)))
    manifest = {**result.meta, **(extra_meta or {}), "files": sorted(p.name for p in written)}
    written.append(write_json(manifest, out_dir / "manifest.json"))
    return written
