"""The `flowsim run` and `flowsim check` commands end to end on the tiny world."""

from __future__ import annotations

import json

import pandas as pd

from helpers.paths import TINY
from flowsim.cli import main
from flowsim.kinds.mobilization.run.results import CROSSING_COLUMNS, DAILY_COLUMNS


def test_run_writes_every_table_figure_and_the_report(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", str(TINY), "--seed", "3", "--out", str(out), "--agents"]) == 0
    printed = capsys.readouterr().out
    assert "kazakhstan" in printed and "peak queue" in printed
    for name in ("daily.csv", "crossings.csv", "flows.csv", "profile.csv", "population.csv", "summary.csv",
                 "places.csv", "events.csv", "agents.parquet", "manifest.json", "report.html"):
        assert (out / name).stat().st_size > 0, name
    assert list(pd.read_csv(out / "daily.csv").columns) == DAILY_COLUMNS
    assert list(pd.read_csv(out / "crossings.csv").columns) == CROSSING_COLUMNS
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 3 and manifest["scenario"] == "tiny" and manifest["mesa_version"].startswith("3.")
    agents = pd.read_parquet(out / "agents.parquet")
    assert len(agents) == manifest["people_who_left"]
    assert len(list((out / "figures").glob("*.png"))) >= 7
    assert not list(out.glob(".*.tmp"))


def test_check_reports_the_scenario_it_validated(capsys):
    assert main(["check", str(TINY)]) == 0
    assert "OK" in capsys.readouterr().out


def test_out_pointing_at_a_file_is_refused_before_running(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["run", str(TINY), "--out", str(blocker / "run"), "--quiet"]) == 2
    assert "is a file" in capsys.readouterr().err


def test_every_command_is_reachable_through_main(capsys):
    import pytest

    for command in ("run", "check", "plot", "validate", "calibrate", "ensemble", "compare", "sensitivity"):
        with pytest.raises(SystemExit) as exit_:
            main([command, "--help"])
        assert exit_.value.code == 0
        assert "usage: flowsim" in capsys.readouterr().out


def test_plot_redraws_a_run_folder_through_main(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", str(TINY), "--out", str(out), "--no-figures", "--quiet"]) == 0
    assert main(["plot", str(out)]) == 0
    assert len(list((out / "figures").glob("*.png"))) >= 7
    assert (out / "report.html").exists()
