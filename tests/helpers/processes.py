"""Real ``flowsim`` processes for the kill-safety tests: start one, wait for it, what its folder holds."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from helpers.paths import ROOT


def start(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "MPLBACKEND": "Agg"}
    return subprocess.Popen([sys.executable, "-m", "flowsim.cli", *map(str, args)], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen, timeout: float = 900) -> tuple[int, str]:
    _, err = process.communicate(timeout=timeout)
    return process.returncode, err


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def complete(name: str, data: bytes) -> bool:
    """A file that is whole by its own format (figures and the report carry no fixed bytes)."""
    if name.endswith(".png"):
        return data.startswith(b"\x89PNG") and data.endswith(b"IEND\xaeB`\x82")
    if name.endswith(".svg"):
        return data.rstrip().endswith(b"</svg>")
    if name.endswith(".html"):
        return data.rstrip().endswith(b"</html>")
    if name.endswith(".json"):
        json.loads(data)
        return True
    return False


def killed_midway_resumes_to_identical_bands(args: list, tmp_path: Path, tables: tuple[str, ...]) -> None:
    """An ensemble of 6 runs killed during its third run, then resumed: finished runs are kept, not
    redone, and the tables are those of an uninterrupted ensemble (any kind of scenario)."""
    reference = tmp_path / "reference"
    began = time.perf_counter()
    code, err = finish(start(*args, "--out", reference))
    assert code == 0, err
    seconds = time.perf_counter() - began
    out = tmp_path / "killed"
    process = start(*args, "--out", out)
    # kill once two runs are done, at a random moment of the third (a run takes about a sixth of
    # `seconds`, more on a loaded machine, so the sleep never reaches the end of the ensemble)
    while process.poll() is None and len(list(out.glob("runs/run_*/done.json"))) < 2:
        time.sleep(0.01)
    time.sleep(random.Random(3).uniform(0, seconds / 12))
    process.send_signal(signal.SIGKILL)
    process.wait()
    finished = {p.parent.name: p.stat().st_mtime_ns for p in out.glob("runs/run_*/done.json")}
    assert 0 < len(finished) < 6, finished
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    code, err = finish(start(*args, "--out", out, "--resume"))
    assert code == 0, err
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["runs_resumed"] == len(finished)
    for name, mtime in finished.items():
        assert (out / "runs" / name / "done.json").stat().st_mtime_ns == mtime, f"{name} was redone"
    for table in tables:
        assert (out / table).read_bytes() == (reference / table).read_bytes(), table
