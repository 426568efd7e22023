"""Real ``flowsim`` processes for the kill-safety tests: start one, wait for it, what its folder holds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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
