"""The tutorial notebook (docs/tutorial.ipynb) runs from the first cell to the last, so it cannot rot.

It is executed in a fresh kernel in a scratch folder (not the clone), as a reader would run
it after ``pip install flowsim``; every code cell must finish without an error, and the
cells that draw or tabulate must show what they promise.
"""

from __future__ import annotations

import os

import pytest

from helpers.paths import ROOT

nbformat = pytest.importorskip(
    "nbformat", reason="nbformat is not installed, so the tutorial notebook cannot be run: "
    "pip install -e '.[test]' (make test installs it)")
nbclient = pytest.importorskip(
    "nbclient", reason="nbclient is not installed, so the tutorial notebook cannot be run: "
    "pip install -e '.[test]' (make test installs it)")
pytest.importorskip("ipykernel", reason="ipykernel is not installed, so the tutorial notebook has no kernel "
                    "to run in: pip install -e '.[test]' (make test installs it)")

NOTEBOOK = ROOT / "docs" / "tutorial.ipynb"


def _outputs(cell) -> list[str]:
    """Every output type and MIME type of a cell ('stream', 'image/png', 'text/html', ...)."""
    kinds = []
    for output in cell.get("outputs", []):
        kinds.append(output["output_type"])
        kinds.extend(output.get("data", {}))
    return kinds


def test_the_tutorial_runs_and_shows_its_figure_tables_and_journey(tmp_path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert not cell.get("outputs"), "docs/tutorial.ipynb is kept without outputs (they are made when it runs)"
    client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute(env=dict(os.environ))
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all("error" not in _outputs(cell) for cell in code)
    def shown_by(text: str) -> list[str]:
        return _outputs(next(cell for cell in code if text in cell.source))

    assert "image/png" in shown_by("plot_kazakhstan_balance(result.daily")
    for table in ("shipped_scenarios()]", 'kazakhstan[["id"', "comparison.table[", 'his[["date"'):
        assert "text/html" in shown_by(table), table
    journey = next(cell for cell in code if "model.person" in cell.source)
    printed = "".join(o.get("text", "") for o in journey.outputs if o["output_type"] == "stream")
    assert printed.startswith("man ") and "years old" in printed
    assert not (tmp_path / "outputs").exists() or list((tmp_path / "outputs").iterdir()) == []
