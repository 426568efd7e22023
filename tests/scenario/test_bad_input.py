"""Every kind of bad scenario gets one clear paragraph naming file, line and key — never a traceback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers.paths import TINY
from flowsim.cli import main

GOOD = TINY.read_text()


def write(tmp_path: Path, text: str, name: str = "bad.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def check(path: Path, capsys) -> str:
    code = main(["check", str(path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    assert err.count("\n") == 1, "one paragraph"
    assert str(path) in err
    return err


CASES = {
    "malformed_yaml": (
        GOOD.replace("  agent_scale: 1\n", "  agent_scale: [1\n"), "agent_scale: [1", r"not valid YAML"),
    "typo_in_a_key": (
        GOOD.replace("patience_days: 2", "patience_dayz: 2"), "patience_dayz", r"unknown key 'patience_dayz'.*Did you mean 'patience_days'"),
    "wrong_type": (
        GOOD.replace("shock_hazard: 0.01", "shock_hazard: soon"), "shock_hazard", r"behaviour\.leaving\.shock_hazard.*valid number"),
    "negative_capacity": (
        GOOD.replace("daily_capacity: 600}", "daily_capacity: -600}"), "daily_capacity: -600", r"crossings\.kz_ozinki\.daily_capacity.*greater than or equal to 0"),
    "shares_not_summing_to_one": (
        GOOD.replace('age_shares: {"18-28": 0.3, "29-39": 0.4, "40+": 0.3}', 'age_shares: {"18-28": 0.5, "29-39": 0.4, "40+": 0.3}'),
        '"18-28": 0.5', r"origins\.volga\.age_shares.*sum to 1; they sum to 1\.2"),
    "crossing_to_unknown_destination": (
        GOOD.replace("destination: georgia, origin: south", "destination: gerogia, origin: south"), "gerogia", r"'gerogia' is not a destination.*allowed: georgia, kazakhstan, turkey"),
    "event_outside_calendar": (
        GOOD.replace("date: 2022-09-15", "date: 2023-01-15"), "2023-01-15", r"events\.draft_office_upper_lars\.date.*outside the calendar.*2022-09-01 to 2022-10-30"),
    "unknown_event_kind": (
        GOOD.replace("kind: draft_office", "kind: draft_ofice"), "draft_ofice", r"'draft_ofice' is not allowed.*'draft_office'"),
    "event_missing_its_crossing": (
        GOOD.replace("kind: draft_office, label: Draft office at Upper Lars, crossing: ge_upper_lars,", "kind: draft_office, label: Draft office at Upper Lars,"),
        "Draft office at Upper Lars", r"needs the key 'crossing'"),
    "set_capacity_without_a_throughput": (
        GOOD.replace("kind: draft_office, label: Draft office at Upper Lars, crossing: ge_upper_lars, turn_back_share: 0.1",
                     "kind: set_capacity, label: Draft office at Upper Lars, crossing: ge_upper_lars"),
        "Draft office at Upper Lars", r"'set_capacity' needs daily_capacity, vehicles_per_day, pedestrians_per_day or seats_per_day"),
    "call_up_knots_out_of_order": (
        GOOD.replace("    panic_share: 0.5\n", "    callup:\n      willing_share: 0.01\n      daily_hazard: 0.3\n"
                     "      delivered:\n        - {id: half, after_days: 10, share: 0.5}\n"
                     "        - {id: first, after_days: 3, share: 0.7}\n    panic_share: 0.5\n"),
        "id: first, after_days: 3", r"behaviour\.leaving\.callup\.delivered\.first\.after_days.*increasing order"),
    "rumour_knots_out_of_order": (
        GOOD.replace("    panic_share: 0.5\n", "    closure_rumours:\n      willing_share: 0.01\n      daily_hazard: 0.5\n"
                     "      heard:\n        - {id: rumoured_day, after_days: 7, share: 1.0}\n"
                     "        - {id: first_reports, after_days: 4, share: 0.0}\n    panic_share: 0.5\n"),
        "id: first_reports, after_days: 4",
        r"behaviour\.leaving\.closure_rumours\.heard\.first_reports\.after_days.*increasing order"),
    "registration_on_a_day_that_is_not_a_weekday": (
        GOOD.replace("    registration_after_days: 3\n", "    registration_after_days: 3\n"
                     "    registration_weekday_share: {saturday: 0.5, sundy: 0.0}\n"),
        "sundy",
        r"behaviour\.after_arrival\.registration_weekday_share\.sundy.*'monday'.*'sunday'"),
    "model_discrepancy_above_one": (
        GOOD.replace("calibration:\n", "calibration:\n  model_discrepancy: 1.5\n"),
        "model_discrepancy: 1.5", r"calibration\.model_discrepancy.*less than or equal to 1"),
    # a man's registrations and visits are one 64-bit mask each: no more destinations than its bits
    "more_destinations_than_a_mask_has_bits": (
        GOOD.replace("crossings:\n", "".join(
            f"  - {{id: d{i}, name: D{i}, lon: 0, lat: 0, russian_spoken: 0, living_cost_usd_month: 1, housing_stock: 1, "
            "russians_resident: 0, safety: 1, entry_documents: [foreign_passport], ordinary_daily_entries: 0, "
            "ordinary_daily_exits: 0, onward_propensity: 0}\n" for i in range(62)) + "crossings:\n", 1),
        "destinations:", r"key 'destinations': at most 64 entries are allowed; found 65"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_scenario_gets_file_line_key_and_what_is_allowed(case, tmp_path, capsys):
    text, needle, pattern = CASES[case]
    assert text != GOOD, "the case must change the scenario"
    path = write(tmp_path, text)
    err = check(path, capsys)
    assert re.search(pattern, err), err
    assert f"line {line_of(text, needle)}" in err, err


def test_a_key_given_twice_is_named_with_both_lines(tmp_path, capsys):
    text = GOOD.replace("  agent_scale: 1\n", "  agent_scale: 1\n  agent_scale: 2\n")
    err = check(write(tmp_path, text), capsys)
    first = line_of(text, "agent_scale: 1")
    assert f"line {first + 1}" in err and f"first at line {first}" in err


def test_a_missing_file_is_named(tmp_path, capsys):
    err = check(tmp_path / "nowhere.yaml", capsys)
    assert "no such file" in err


def test_a_missing_required_key_is_named(tmp_path, capsys):
    text = GOOD.replace("    registration_after_days: 3\n", "")
    err = check(write(tmp_path, text), capsys)
    assert "behaviour.after_arrival.registration_after_days" in err and "missing" in err


def test_bad_input_touches_no_output_folder(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "daily.csv").write_text("earlier run\n")
    bad = write(tmp_path, GOOD.replace("daily_capacity: 600}", "daily_capacity: -600}"))
    assert main(["run", str(bad), "--out", str(out), "--quiet"]) == 2
    assert (out / "daily.csv").read_text() == "earlier run\n"
    assert sorted(p.name for p in out.iterdir()) == ["daily.csv"]
    fresh = tmp_path / "fresh"
    assert main(["run", str(bad), "--out", str(fresh), "--quiet"]) == 2
    assert not fresh.exists()


def test_errors_in_an_extending_scenario_name_the_file_that_has_them(tmp_path, capsys):
    base = write(tmp_path, GOOD, "base.yaml")
    child = write(tmp_path, f"extends: {base.name}\nname: child\nbehaviour:\n  queueing:\n    patience_dayz: 3\n",
                  "child.yaml")
    err = check(child, capsys)
    assert str(child) in err and "line 5" in err and "patience_dayz" in err
