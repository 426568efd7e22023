"""The command line on Flee cases: import-flee, run, validate and calibrate on a network scenario."""

from __future__ import annotations

import json

import pytest

from helpers.paths import FLEE_DATA
from flowsim.cli import main

DATA = FLEE_DATA


def test_import_run_validate(tmp_path, capsys):
    scenario = tmp_path / "scenarios" / "tigray2020.yaml"
    assert main(["import-flee", str(DATA / "tigray2020"), "--out", str(scenario)]) == 0
    assert "55 locations, 4 camps" in capsys.readouterr().out
    text = scenario.read_text().replace("days: 300", "days: 90")
    scenario.write_text(text + "fit_until: 2020-12-15\n")
    out = tmp_path / "run"
    assert main(["run", str(scenario), "--scale", "50", "--out", str(out), "--quiet"]) == 0
    for name in ("camps.csv", "daily.csv", "flee_score.json", "meta.json", "report.html", "figures/camps.png"):
        assert (out / name).exists(), name
    score = json.loads((out / "flee_score.json").read_text())
    assert {"ard", "ard_rescaled", "ard_fit", "ard_forecast"} <= set(score)
    header = (out / "camps.csv").read_text().splitlines()[0]
    assert header == "date,camp,simulated,observed"
    assert main(["validate", str(scenario), "--runs", "2", "--scale", "50", "--out", str(tmp_path / "v")]) == 0
    assert "ARD" in capsys.readouterr().out
    assert json.loads((tmp_path / "v" / "flee_score.json").read_text())["runs"] == 2
    assert main(["check", str(scenario)]) == 0
    assert "network scenario 'tigray2020'" in capsys.readouterr().out
    (out / "report.html").unlink()
    assert main(["plot", str(out)]) == 0 and (out / "report.html").exists()


def test_malformed_case_exits_2_with_one_paragraph(tmp_path, capsys):
    case = tmp_path / "case"
    (case / "input_csv").mkdir(parents=True)
    (case / "source_data").mkdir()
    (case / "input_csv" / "locations.csv").write_text("#h\nA,R,C,1,2,town\n")
    (case / "input_csv" / "routes.csv").write_text("")
    assert main(["import-flee", str(case), "--out", str(tmp_path / "x.yaml")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("flowsim import-flee: ") and "locations.csv, line 2" in err
    assert not (tmp_path / "x.yaml").exists()


@pytest.mark.slow
def test_calibrate_then_forecast(tmp_path, capsys):
    scenario = tmp_path / "mali.yaml"
    main(["import-flee", str(DATA / "burundi2015"), "--out", str(scenario)])
    assert main(["calibrate", str(scenario), "--fit-until", "2015-09-30", "--budget", "2m", "--population-size", "10",
                 "--max-populations", "2", "--scale", "50", "--out", str(tmp_path / "cal")]) == 0
    assert (tmp_path / "calibrated" / "burundi2015.yaml").exists()
    assert main(["validate", str(scenario), "--runs", "2", "--scale", "50", "--out", str(tmp_path / "v")]) == 0
    score = json.loads((tmp_path / "v" / "flee_score.json").read_text())
    assert score["fit_until"] == "2015-09-30" and "ard_forecast" in score


def test_calibration_from_poor_starting_rules_finds_a_better_fit_and_says_which_point_it_chose(tmp_path):
    import datetime as dt

    from flowsim.kinds.network.analysis.calibration import calibrate_network
    from flowsim.kinds.network.scenario.schema import load_network_scenario

    path = tmp_path / "burundi2015.yaml"
    main(["import-flee", str(DATA / "burundi2015"), "--out", str(path)])
    # people in towns hardly ever move on: arrivals reach the camps late and few
    path.write_text(path.read_text().replace("default_movechance: 0.5", "default_movechance: 0.05")
                    .replace("days: 396", "days: 150") + "fit_until: 2015-08-31\n")
    scenario = load_network_scenario(path)
    assert scenario.get_value("flee.move_rules.default_movechance") == 0.05
    result = calibrate_network(scenario, budget=None, out_dir=tmp_path / "cal", population_size=12,
                               max_populations=2, scale=200, seed=4, candidate_seeds=3)
    assert result.fit_ard < result.start_ard - 0.05
    assert result.values["flee.move_rules.default_movechance"] > 0.05
    assert result.chosen != "starting values"
