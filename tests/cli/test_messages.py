"""Messages that point the right way (issue 22): the file, line and key the user wrote, in one line."""

from __future__ import annotations

import shutil

import pytest

from helpers.paths import ROOT
from flowsim.cli import main


@pytest.fixture
def baseline(tmp_path):
    """A copy of the shipped scenarios, whose baseline applies its calibrated parameter file."""
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    return tmp_path / "scenarios" / "mobilization_2022.yaml"


def check(path, capsys) -> str:
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def replace_once(path, old: str, new: str) -> int:
    """Replace ``old`` once in the file; the 1-based line where it was."""
    text = path.read_text()
    assert text.count(old) >= 1, old
    path.write_text(text.replace(old, new, 1))
    return text[:text.index(old)].count("\n") + 1


@pytest.mark.parametrize("old, new, key", [
    ("  leaving:\n", "  leavng:\n", "leavng"),                                # a misspelt section
    ("    shock_hazard: ", "    shock_hazrd: ", "shock_hazrd"),             # a misspelt calibrated key
])
def test_a_misspelt_key_is_blamed_on_the_scenarios_line_not_the_calibrated_file(baseline, capsys, old, new, key):
    line = replace_once(baseline, old, new)
    err = check(baseline, capsys)
    assert f"{baseline}, line {line}" in err and f"unknown key '{key}'" in err, err
    assert "calibrated" not in err.split(":")[1] and "Recalibrate" not in err


def test_a_list_where_a_scenario_belongs_is_called_a_list(tmp_path, capsys):
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n")
    err = check(path, capsys)
    assert "found a list" in err and "_LineList" not in err


def test_a_calibrated_value_on_a_whole_section_names_it_in_plain_words(baseline, capsys):
    calibrated = baseline.parent / "calibrated" / "mobilization_2022.yaml"
    calibrated.write_text(calibrated.read_text() + "  origins: 3\n")
    err = check(baseline, capsys)
    assert "whole section (a list)" in err and "_LineList" not in err and str(calibrated) in err


def test_plot_of_a_file_says_it_is_a_file(tmp_path, capsys):
    path = tmp_path / "daily.csv"
    path.write_text("date\n")
    assert main(["plot", str(path)]) == 2
    err = capsys.readouterr().err
    assert "is a file, not a folder" in err and "does not exist" not in err and err.count("\n") == 1


@pytest.mark.parametrize("argv, says", [
    (["ensemble", "x.yaml", "--runs", "many"], "--runs: invalid int value"),
    (["run", "x.yaml", "--scale", "-1"], "--scale"),
    (["calibrate", "x.yaml", "--budget", "soon"], "not a duration"),
    (["frobnicate"], "invalid choice"),
])
def test_options_argparse_refuses_are_one_line_like_every_other_error(argv, says, capsys):
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and says in err and "usage:" not in err, err
    assert err.startswith("flowsim") and "--help" in err


@pytest.mark.parametrize("bounds, says", [
    ("low: 0.004, high: 0.0002", "must be below high"),
    ("low: true, high: 0.004", "not true"),
    ("low: 0.0002, high: 18446744073709551616", "less than or equal to"),
    ("low: -1, high: 0.004", "log-scale range must be positive"),
])
def test_check_refuses_bad_calibration_ranges(baseline, capsys, bounds, says):
    line = replace_once(baseline, "low: 0.0002, high: 0.004", bounds)
    err = check(baseline, capsys)
    assert says in err and f"line {line}" in err and "calibration.parameters.0" in err, err


def test_check_refuses_a_calibration_parameter_named_twice(baseline, capsys):
    replace_once(baseline, "{name: behaviour.leaving.pressure.rumours.level,", "{name: behaviour.leaving.shock_hazard,")
    err = check(baseline, capsys)
    assert "named once; repeated: behaviour.leaving.shock_hazard" in err and str(baseline) in err


@pytest.mark.parametrize("content, line, says", [
    ("parameters:\n  behaviour.leaving.shock_hazrd: 0.001\n", 2, "not a calibration parameter of the scenario"),
    ("parameters:\n  behaviour.leaving.shock_hazard: 0.001\n  behaviour.choice.queue_days: 3\n", 3,
     "not a number between the prior's bounds -1.5 and -0.1"),
    ("parameters: [1, 2]\n", 1, "must hold a mapping 'parameters:'"),
])
def test_a_bad_design_point_names_its_file_line_and_key_before_any_run(baseline, tmp_path, capsys, content, line, says):
    point = tmp_path / "point.yaml"
    point.write_text(content)
    out = tmp_path / "calibration"
    assert main(["calibrate", str(baseline), "--method", "emulator", "--design-around", str(point),
                 "--history-match-runs", "0", "--out", str(out), "--calibrated-file", str(out / "c.yaml")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert f"{point}, line {line}" in err and says in err
    assert not (out / "posterior.csv").exists()
