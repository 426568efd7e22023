"""Scenario loading: extends-chains, overrides by id, calibrated files, dotted-path overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.paths import BASELINE, TINY, with_absolute_targets
from flowsim.kinds.mobilization.scenario import ScenarioError, load_scenario


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_an_extends_chain_overrides_only_what_changes(tmp_path):
    base = write(tmp_path / "base.yaml", TINY.read_text())
    write(tmp_path / "sub" / "middle.yaml",
          "extends: ../base.yaml\nname: middle\nbehaviour:\n  queueing:\n    patience_days: 5\n"
          "crossings:\n  - {id: ge_upper_lars, daily_capacity: 50}\n")
    leaf = write(tmp_path / "sub" / "leaf.yaml",
                 "extends: middle.yaml\nname: leaf\nevents:\n  - {id: draft_office_upper_lars, remove: true}\n"
                 "  - {id: lars_closed, date: 2022-09-20, kind: close_crossing, label: closed, crossing: ge_upper_lars}\n")
    scenario = load_scenario(leaf)
    original = load_scenario(base)
    assert scenario.name == "leaf"
    assert scenario.behaviour.queueing.patience_days == 5
    assert scenario.behaviour.queueing.give_up_probability == original.behaviour.queueing.give_up_probability
    lars = next(c for c in scenario.crossings if c.id == "ge_upper_lars")
    assert lars.daily_capacity == 50 and lars.name == "Upper Lars"
    assert [e.id for e in scenario.events] == [
        "mobilization", "draft_offices_removed", "mobilization_complete", "lars_closed"]
    assert scenario.source_hash != original.source_hash
    # the parent's relative paths still point at the same files from the child's folder
    assert scenario.targets_path == original.targets_path


def test_a_scenario_cannot_extend_itself(tmp_path):
    loop = write(tmp_path / "loop.yaml", "extends: loop.yaml\nname: loop\n")
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(loop)


def test_overrides_reach_list_items_by_id_and_are_validated():
    scenario = load_scenario(TINY)
    changed = scenario.with_overrides({"crossings.kz_ozinki.daily_capacity": 10,
                                       "behaviour.choice.appeal.turkey": 0.7})
    assert changed.get_value("crossings.kz_ozinki.daily_capacity") == 10
    assert changed.behaviour.choice.appeal["turkey"] == 0.7
    assert scenario.get_value("crossings.kz_ozinki.daily_capacity") == 600
    with pytest.raises(ScenarioError, match="greater than or equal to 0"):
        scenario.with_overrides({"crossings.kz_ozinki.daily_capacity": -1})
    with pytest.raises(ScenarioError, match="no item with id 'nowhere'"):
        scenario.with_overrides({"crossings.nowhere.daily_capacity": 1})


def test_the_calibrated_file_overrides_the_hand_set_values(tmp_path):
    text = TINY.read_text().replace("calibration:\n  scale: 1\n",
                                    "calibration:\n  scale: 1\n  calibrated_file: fit.yaml\n")
    path = write(tmp_path / "fitted.yaml", with_absolute_targets(text))
    assert load_scenario(path).behaviour.leaving.shock_hazard == 0.01
    write(tmp_path / "fit.yaml", "parameters:\n  behaviour.leaving.shock_hazard: 0.02\n")
    assert load_scenario(path).behaviour.leaving.shock_hazard == 0.02
    write(tmp_path / "fit.yaml", "parameters:\n  behaviour.leaving.shock_hazrd: 0.02\n")
    with pytest.raises(ScenarioError, match=r"fit.yaml, line 2: 'behaviour.leaving.shock_hazrd'"):
        load_scenario(path)


def test_calibration_parameters_must_name_numbers_of_the_scenario(tmp_path):
    text = TINY.read_text().replace("behaviour.leaving.shock_hazard, low", "behaviour.leaving.shock, low")
    with pytest.raises(ScenarioError, match=r"calibration\.parameters\.0\.name.*does not name a value"):
        load_scenario(write(tmp_path / "s.yaml", text))


def test_every_shipped_what_if_extends_the_baseline():
    for path in sorted((BASELINE.parent / "what_if").glob("*.yaml")):
        scenario = load_scenario(path)
        assert scenario.name == path.stem
        assert scenario.calendar == load_scenario(BASELINE).calendar


def test_a_number_for_a_whole_number_setting_is_rounded():
    scenario = load_scenario(TINY).with_overrides({"behaviour.after_arrival.registration_after_days": 4.6})
    assert scenario.behaviour.after_arrival.registration_after_days == 5
