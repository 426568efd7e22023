"""Where the test suite finds the project's files: the clone, the tiny and baseline scenarios."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
FLEE_DATA = TESTS / "data" / "flee"  # small Flee cases (burundi2015, ...) and a simsetting.yml
TINY = ROOT / "tests" / "scenarios" / "tiny.yaml"  # the shipped tiny.yaml (tests/scenarios leads to the package data)
BASELINE = ROOT / "scenarios" / "mobilization_2022.yaml"
SHIPPED = sorted(p for p in (ROOT / "scenarios").rglob("*.yaml")  # the mobilization scenarios; flee/ is a network case
                 if not {"targets", "calibrated", "data", "flee"} & set(p.relative_to(ROOT / "scenarios").parts))


def with_absolute_targets(text: str) -> str:
    """tiny.yaml's text for a copy written elsewhere: its ``targets:`` path (beside it) made absolute."""
    return text.replace("targets: targets/", f"targets: {(TINY.parent / 'targets').resolve()}/")
