"""The Python examples of the README and of the documentation pages still run.

Every fenced ``python`` block of README.md and docs/*.md runs in a scratch folder (not the
clone), each block in a fresh namespace, so an example that names a moved function, a
renamed column or a file only a clone has fails here rather than in a reader's hands.
"""

from __future__ import annotations

import re

import matplotlib
import pytest

from conftest import ROOT

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def python_blocks() -> list[tuple[str, str]]:
    """(page and number, code) of every fenced python block."""
    blocks = []
    for page in PAGES:
        for number, match in enumerate(BLOCK.finditer(page.read_text(encoding="utf-8")), 1):
            blocks.append((f"{page.relative_to(ROOT)}#{number}", match.group(1)))
    return blocks


BLOCKS = python_blocks()


def test_the_documentation_has_python_examples():
    assert any(name.startswith("docs/api.md") for name, _ in BLOCKS)


@pytest.mark.parametrize(("name", "code"), BLOCKS, ids=[name for name, _ in BLOCKS])
def test_a_python_example_runs_outside_the_clone(name, code, tmp_path, monkeypatch):
    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    exec(compile(code, name, "exec"), {"__name__": "__example__"})
