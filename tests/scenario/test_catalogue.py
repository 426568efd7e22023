"""The shipped scenarios: found by name from any folder, listed, copied to edit; paths work as before."""

from __future__ import annotations

import filecmp

import pytest

from helpers.paths import ROOT
from flowsim.cli import main
from flowsim.kinds.mobilization.scenario import load_scenario
from flowsim.scenario.catalogue import copy_scenario, scenario_path, shipped_folder, shipped_scenarios

WHAT_IFS = sorted(p.stem for p in (shipped_folder() / "what_if").glob("*.yaml"))


def test_the_package_data_is_the_clones_scenarios_folder():
    # one copy: the clone's scenarios/ and data/ lead to the package data
    assert (ROOT / "scenarios").resolve() == shipped_folder().resolve()
    assert (ROOT / "data" / "documented_figures.yaml").resolve().is_relative_to(shipped_folder().resolve())


def test_every_shipped_scenario_has_a_name_of_its_own():
    names = [s.name for s in shipped_scenarios()]
    assert len(names) == len(set(names))
    assert names[0] == "mobilization_2022"
    assert {"mobilization_2022", "tiny", "burundi2015", *WHAT_IFS} == set(names)
    assert len(WHAT_IFS) >= 7


def test_a_name_loads_the_shipped_file_and_a_path_is_used_as_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # not the clone
    by_name = load_scenario("upper_lars_closed")
    by_path = load_scenario(shipped_folder() / "what_if" / "upper_lars_closed.yaml")
    assert by_name == by_path
    assert scenario_path("missing/folder/x.yaml").as_posix() == "missing/folder/x.yaml"


def test_the_listing_has_one_line_per_scenario(capsys):
    assert main(["scenarios"]) == 0
    lines = capsys.readouterr().out.splitlines()
    for scenario in shipped_scenarios():
        assert sum(line.split()[:1] == [scenario.name] for line in lines) == 1, scenario.name
    assert any("[network]" in line for line in lines if line.startswith("burundi2015"))


def test_an_unknown_name_gets_the_list_of_names_and_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stopped:
        main(["run", "mobilisation_2022"])
    assert stopped.value.code == 2
    message = capsys.readouterr().err
    assert "'mobilisation_2022' is neither a scenario file nor the name of a shipped scenario" in message
    assert all(s.name in message for s in shipped_scenarios())
    assert "Traceback" not in message and not (tmp_path / "outputs").exists()


def test_a_missing_path_still_names_the_missing_file(tmp_path, capsys):
    assert main(["check", str(tmp_path / "nowhere.yaml")]) == 2
    message = capsys.readouterr().err
    assert "nowhere.yaml" in message and "shipped" not in message


def test_a_shipped_name_runs_outside_the_clone(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["run", "tiny", "--scale", "10", "--no-figures", "--quiet"]) == 0
    assert (tmp_path / "outputs" / "tiny" / "daily.csv").stat().st_size > 0


def test_init_copies_a_what_if_with_everything_it_refers_to(tmp_path, capsys):
    copied = copy_scenario("upper_lars_closed", tmp_path / "study")
    assert copied == tmp_path / "study" / "what_if" / "upper_lars_closed.yaml"
    for relative in ("mobilization_2022.yaml", "targets/mobilization_2022.yaml", "calibrated/mobilization_2022.yaml",
                     "calibrated/mobilization_2022.posterior.csv", "calibrated/mobilization_2022.record.yaml"):
        assert filecmp.cmp(tmp_path / "study" / relative, shipped_folder() / relative, shallow=False), relative
    # the copy is the shipped scenario, calibrated values and targets included
    copy, shipped = load_scenario(copied), load_scenario("upper_lars_closed")
    assert copy.behaviour == shipped.behaviour
    assert copy.targets_path == tmp_path / "study" / "targets" / "mobilization_2022.yaml"


def test_init_overwrites_nothing(tmp_path, capsys):
    assert main(["init", "mobilization_2022", str(tmp_path)]) == 0
    edited = tmp_path / "mobilization_2022.yaml"
    edited.write_text(edited.read_text() + "# my note\n")
    assert main(["init", "upper_lars_closed", str(tmp_path)]) == 2
    assert "overwrites nothing" in capsys.readouterr().err
    assert edited.read_text().endswith("# my note\n") and not (tmp_path / "what_if").exists()


def test_init_copies_the_flee_case_with_its_licence(tmp_path, capsys):
    assert main(["init", "burundi2015", str(tmp_path)]) == 0
    assert (tmp_path / "flee" / "LICENSE").read_text().startswith("BSD 3-Clause")
    assert (tmp_path / "flee" / "burundi2015" / "input_csv" / "locations.csv").is_file()
    assert main(["check", str(tmp_path / "flee" / "burundi2015.yaml")]) == 0


def test_init_of_an_unknown_name_lists_the_names(tmp_path, capsys):
    assert main(["init", "nosuch", str(tmp_path / "x")]) == 2
    assert "mobilization_2022" in capsys.readouterr().err and not (tmp_path / "x").exists()


def test_the_dashboard_offers_the_shipped_scenarios_outside_the_clone(tmp_path, monkeypatch):
    from flowsim.dashboard.model import shipped_scenarios as dashboard_choices

    monkeypatch.chdir(tmp_path)  # no scenarios/ here
    choices = dashboard_choices()
    assert choices[0] == str(shipped_folder() / "mobilization_2022.yaml")
    assert {f"{name}.yaml" for name in WHAT_IFS} <= {p.rsplit("/", 1)[-1] for p in choices}
