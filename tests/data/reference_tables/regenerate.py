"""Regenerate the reference tables of ``tests/run/test_reference_tables.py`` (``make reference-tables``).

Each case is a folder holding ``command.txt`` (the ``flowsim`` arguments, without
``--out``) and the CSV tables that command wrote. The test re-runs every command and
compares the tables byte for byte.

Regenerate ONLY with a deliberate change of model behaviour (a new rule, a changed
default), and say so in the commit message: the reference tables are how a refactoring
proves it changed nothing.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]

#: case name -> flowsim arguments (paths relative to the repository root)
CASES = {
    "baseline_scale50_seed7": "run scenarios/mobilization_2022.yaml --scale 50 --seed 7 --no-figures --quiet",
    "upper_lars_closed_scale50_seed7":
        "run scenarios/what_if/upper_lars_closed.yaml --scale 50 --seed 7 --no-figures --quiet",
}


def main() -> int:
    from flowsim.cli import main as flowsim

    os.chdir(ROOT)
    for case, command in CASES.items():
        folder = HERE / case
        with tempfile.TemporaryDirectory() as tmp:
            status = flowsim([*command.split(), "--out", tmp])
            if status != 0:
                print(f"{case}: flowsim {command} exited with {status}", file=sys.stderr)
                return status
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            for table in sorted(Path(tmp).glob("*.csv")):
                shutil.copyfile(table, folder / table.name)
        (folder / "command.txt").write_text(command + "\n")
        print(f"{case}: {len(list(folder.glob('*.csv')))} tables written to {folder.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
