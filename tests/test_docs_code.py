"""The Python examples of the README and of the documentation pages still run.

Every fenced ``python`` block of README.md and docs/*.md runs in a scratch folder (not the
clone), each block in a fresh namespace, so an example that names a moved function, a
renamed column or a file only a clone has fails here rather than in a reader's hands.
"""

from __future__ import annotations

import matplotlib
import pytest

from helpers.doc_examples import BLOCKS

def test_the_documentation_has_python_examples():
    assert any(name.startswith("docs/api.md") for name, _ in BLOCKS)


@pytest.mark.parametrize(("name", "code"), BLOCKS, ids=[name for name, _ in BLOCKS])
def test_a_python_example_runs_outside_the_clone(name, code, tmp_path, monkeypatch):
    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    exec(compile(code, name, "exec"), {"__name__": "__example__"})
