"""Byte-identical tables: the same scenario and seed give the same tables as the references.

``tests/data/reference_tables/<case>/`` holds the ``flowsim`` arguments of each case
(``command.txt``) and the CSV tables they wrote when the references were made. This test
re-runs every case and compares every table byte for byte, so a refactoring that changes
any number, column or row order fails here.

Regenerating the references (``make reference-tables``) is allowed ONLY with a deliberate
change of model behaviour, stated in the commit message; never to make this test pass
after a change that was meant to leave behaviour alone.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from helpers.paths import ROOT
from flowsim.cli import main

REFERENCES = ROOT / "tests" / "data" / "reference_tables"
CASES = sorted(p.parent for p in REFERENCES.glob("*/command.txt"))


def test_there_are_reference_cases():
    assert len(CASES) >= 2


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_tables_are_byte_identical_to_the_references(case: Path, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(ROOT)
    command = (case / "command.txt").read_text().split()
    assert main([*command, "--out", str(tmp_path)]) == 0
    expected = sorted(p.name for p in case.glob("*.csv"))
    assert sorted(p.name for p in tmp_path.glob("*.csv")) == expected
    for name in expected:
        old, new = (case / name).read_bytes(), (tmp_path / name).read_bytes()
        if old != new:
            diff = difflib.unified_diff(old.decode().splitlines(), new.decode().splitlines(),
                                        f"reference/{name}", f"now/{name}", lineterm="", n=1)
            pytest.fail(f"{case.name}/{name} differs from the reference:\n" + "\n".join(list(diff)[:20]))
