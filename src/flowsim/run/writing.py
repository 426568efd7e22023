"""Writing a run folder: tables, the per-person table and the manifest.

Every file flowsim writes (tables here, and the figures, report, ensemble and calibration
files of the layers above) goes through :func:`write_atomic`: written under a temporary
name in the target folder and renamed into place, so a crashed or interrupted run never
leaves a half-written file behind, and a reader never sees one.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for annotations only: figures and reports use this module without the model
    import pandas as pd

    from flowsim.run.results import RunResult
    from flowsim.scenario import Scenario


def default_out(scenario: Scenario, *parts: str) -> Path:
    """Where a command writes unless told otherwise: ``outputs/<scenario name>/<parts>``."""
    return Path("outputs") / scenario.name / Path(*parts) if parts else Path("outputs") / scenario.name


def file_mode() -> int:
    """Permissions of a newly created file under the current umask (``mkstemp`` would give 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_atomic(path: Path, write: Callable[[Path], None]) -> Path:
    """Write a file through ``write(temporary_path)`` and rename it to ``path``.

    The file gets the permissions of an ordinary new file (the umask's), not mkstemp's 0600.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        write(Path(temporary))
        os.chmod(temporary, file_mode())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """A table as CSV with a fixed float format, so equal runs give byte-identical files."""
    return write_atomic(path, lambda tmp: frame.to_csv(tmp, index=False, lineterminator="\n"))


def write_text(text: str, path: Path) -> Path:
    """A UTF-8 text file."""
    return write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_json(data: dict, path: Path) -> Path:
    """A JSON file, keys sorted, indented by 2."""
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
