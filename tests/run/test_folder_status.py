"""A run folder says whether it is complete, `flowsim plot` completes it, and its figures and report reproduce."""

from __future__ import annotations

import json

import pytest

from helpers.paths import TINY
from flowsim.cli import main


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """The same run (seed, scale) written twice, into folders of the same name."""
    folders = []
    for parent in ("a", "b"):
        out = tmp_path_factory.mktemp(parent) / "run"
        assert main(["run", str(TINY), "--scale", "200", "--seed", "3", "--out", str(out), "--quiet"]) == 0
        folders.append(out)
    return folders


def test_svg_figures_and_the_report_are_byte_reproducible(two_runs):
    first, second = two_runs
    svgs = sorted(p.relative_to(first) for p in first.glob("figures/*.svg"))
    assert len(svgs) >= 6
    for name in svgs:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert (first / "report.html").read_bytes() == (second / "report.html").read_bytes()


def test_the_manifest_records_what_was_finished(two_runs):
    manifest = json.loads((two_runs[0] / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["finished"]["tables"] and manifest["finished"]["report"]
    assert manifest["finished"]["figures"] == sorted(p.name for p in (two_runs[0] / "figures").glob("*.png"))


def test_a_folder_left_while_drawing_says_so_and_plot_completes_it(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", str(TINY), "--scale", "200", "--seed", "3", "--out", str(out), "--quiet", "--no-figures"]) == 0
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"  # tables were all it was asked
    # what a run killed after its tables and before its figures leaves (write_run with figures_follow)
    from flowsim.run.simulate import simulate
    from flowsim.run.writing import write_run
    from flowsim.kinds.mobilization.scenario import load_scenario

    write_run(simulate(load_scenario(TINY), seed=3, scale=200), out, figures_follow=True)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "figures pending" and manifest["finished"] == {"tables": True, "figures": [],
                                                                                "report": False}
    assert main(["plot", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["finished"]["report"]
    assert (out / "report.html").is_file() and len(manifest["finished"]["figures"]) >= 6


def test_a_network_run_folder_says_whether_it_is_complete_and_plot_completes_it(tmp_path):
    from helpers.flee_case import make_flee_case
    from flowsim.kinds.network.run.results import write_network_tables
    from flowsim.kinds.network.scenario.flee_import import import_flee
    from flowsim.kinds.network.scenario.schema import load_network_scenario
    from flowsim.run.simulate import simulate

    scenario = import_flee(make_flee_case(tmp_path / "case"), tmp_path / "network.yaml")
    out = tmp_path / "run"
    assert main(["run", str(scenario), "--out", str(out), "--quiet"]) == 0
    meta = json.loads((out / "meta.json").read_text())
    assert meta["status"] == "complete" and meta["finished"] == {"tables": True, "figures": ["camps.png"],
                                                                 "report": True}
    # what a run killed after its tables and before its figure leaves
    write_network_tables(simulate(load_network_scenario(scenario), seed=0), out, figures_follow=True)
    meta = json.loads((out / "meta.json").read_text())
    assert meta["status"] == "figures pending" and meta["finished"]["report"] is False
    assert main(["plot", str(out)]) == 0
    assert json.loads((out / "meta.json").read_text())["status"] == "complete"
