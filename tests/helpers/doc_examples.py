"""The fenced ``python`` blocks of README.md and docs/*.md: the examples a reader copies."""

from __future__ import annotations

import re

from helpers.paths import ROOT

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
