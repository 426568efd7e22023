"""Reading Flee case files: every format quirk Flee accepts, and a clear error for each malformed file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from helpers.paths import FLEE_DATA
from helpers.flee_case import FLEE_CASE_FILES, make_flee_case
from flowsim.errors import ScenarioError
from flowsim.kinds.network.scenario.flee_import import import_flee
from flowsim.kinds.network.scenario.flee_reader import FleeFormatError, location_kind, read_case
from flowsim.kinds.network.scenario.flee_series import add_series, interpolate_daily
from flowsim.kinds.network.scenario.schema import load_network_scenario
from flowsim.kinds.registry import kind_name_of_file
from flowsim.kinds.network.scenario.flee_settings import read_simsetting

def error_of(tmp_path: Path, changes: dict) -> str:
    with pytest.raises(FleeFormatError) as info:
        read_case(make_flee_case(tmp_path, changes))
    return info.value.message


# --------------------------------------------------------------------------- quirks


def test_small_case_reads(tmp_path):
    case = read_case(make_flee_case(tmp_path))
    assert [loc.name for loc in case.locations] == ["A", "B", "C"]
    assert case.home_country == "Home"
    assert case.camp_names == ["C"]
    assert case.locations[1].conflict_date is None and case.locations[2].population == 0
    assert case.routes[1].forced_redirection == 0
    assert case.start_date == dt.date(2020, 1, 1) and case.length == 5
    assert case.conflicts.shape == (5, 1)
    assert list(case.total.daily(5)) == [0, 100, 200, 300, 400]


def test_crlf_line_ends(tmp_path):
    case = read_case(make_flee_case(tmp_path, crlf=True))
    assert case.locations[0].name == "A" and case.locations[0].population == 1000
    assert list(case.camp_series["C"].daily(5)) == [0, 100, 200, 300, 400]


def test_quoted_fields_and_extra_attribute_columns(tmp_path):
    case = read_case(make_flee_case(tmp_path, {
        "input_csv/locations.csv": (
            "#name,region,country,latitude,longitude,location_type,conflict_date,population,conflict_intensity\n"
            '"A, north",R,Home,1,2,conflict_zone,0,1000,0.5\n'
            "B,R,Home,1,2,town,,500\n"
            'C,"R, two",Abroad,2,3,camp,,\n'
        ),
        "input_csv/routes.csv": '#name1,name2,distance,forced_redirection,max_move_speed\n"A, north",B,100,0,200\nB,C,200,,\n',
        "input_csv/conflicts.csv": '#Day,"A, north"\n0,1\n1,1\n2,1\n3,1\n4,1\n',
    }))
    assert case.locations[0].name == "A, north"
    assert case.locations[0].attributes == {"conflict_intensity": "0.5"}
    assert case.locations[2].region == "R, two"
    assert case.routes[0].attributes == {"max_move_speed": "200"}
    assert case.conflict_names == ("A, north",)


def test_header_less_and_dated_header_series(tmp_path):
    case = read_case(make_flee_case(tmp_path, {
        "source_data/refugees.csv": "Date,refugees\n2020-01-01,0\n2020-01-05,400\n",
        "source_data/c.csv": "2020-01-02,10,999\n2020-01-04,30,999\n",  # no header; extra column ignored
    }))
    assert list(case.total.daily(5)) == [0, 100, 200, 300, 400]
    assert list(case.camp_series["C"].daily(6)) == [10, 10, 20, 30, 30, 30]  # flat before and after


def test_comment_rows_and_empty_counts_are_skipped(tmp_path):
    case = read_case(make_flee_case(tmp_path, {"source_data/c.csv": "#note\n2020-01-01,0\n2020-01-03,\n2020-01-05,400\n"}))
    assert list(case.camp_series["C"].daily(5)) == [0, 100, 200, 300, 400]


def test_interpolation_truncates_like_flee():
    days, counts = np.array([0.0, 3.0]), np.array([0.0, 10.0])
    assert list(interpolate_daily(days, counts, 5)) == [0, 3, 6, 10, 10]
    # scaled down by hasten before truncation
    assert list(interpolate_daily(days, counts / 4, 4)) == [0, 0, 1, 2]


def test_summed_series_follow_flee_add_tables(tmp_path):
    case = read_case(make_flee_case(tmp_path, {
        "source_data/data_layout.csv": "total,refugees.csv\nC,c.csv,d.csv\n",
        "source_data/c.csv": "2020-01-01,100\n2020-01-03,300\n",
        "source_data/d.csv": "2020-01-01,10\n2020-01-03,30\n",
    }))
    s = case.camp_series["C"]
    assert list(s.days) == [0, 2] and list(s.counts) == [110, 330]
    assert case.camp_series["C"].files == ("c.csv", "d.csv")


def test_add_series_steps_without_interpolation():
    first = (np.array([0.0, 2.0, 4.0]), np.array([1.0, 2.0, 3.0]))
    second = (np.array([1.0, 4.0]), np.array([10.0, 20.0]))
    days, values = add_series(first, second)
    # Flee: day 0 gets 0 of the second table; day 1 is the second's point plus the first's next value
    assert list(days) == [0, 1, 2, 4]
    assert list(values) == [1.0, 12.0, 12.0, 23.0]


def test_registration_corrections_rescale_earlier_points(tmp_path):
    case = read_case(make_flee_case(tmp_path, {
        "source_data/c.csv": "2020-01-01,100\n2020-01-03,200\n2020-01-04,100\n2020-01-05,120\n",
        "input_csv/registration_corrections.csv": "C,2020-01-04,normalize\n",
    }))
    s = case.camp_series["C"]
    assert list(s.counts) == [50.0, 100.0, 100.0, 120.0]
    assert case.corrections == (("C", dt.date(2020, 1, 4)),)


def test_a_correction_from_a_point_of_zero_is_skipped_with_a_note_not_turned_into_nan(tmp_path):
    case = read_case(make_flee_case(tmp_path, {
        "source_data/c.csv": "2020-01-01,0\n2020-01-03,0\n2020-01-04,100\n2020-01-05,120\n",
        "input_csv/registration_corrections.csv": "C,2020-01-04,normalize\n",
    }))
    assert list(case.camp_series["C"].counts) == [0.0, 0.0, 100.0, 120.0]
    assert case.corrections == ()
    assert "registration_corrections.csv, line 1" in case.notes[0] and "skipped" in case.notes[0]


def test_a_conflicts_column_naming_no_location_is_left_out_with_a_note_as_flee_does(tmp_path):
    case = read_case(make_flee_case(tmp_path, {"input_csv/conflicts.csv": "#Day,A,Z\n0,1,1\n1,1,1\n2,1,1\n3,1,0\n4,1,0\n"}))
    assert case.conflict_names == ("A",)
    assert case.conflicts.shape == (5, 1)
    assert "conflicts.csv, line 1, column 3: 'Z' is not a location" in case.notes[0]


def test_conflicts_shorter_than_the_period_shorten_the_imported_run_with_a_note(tmp_path):
    case_dir = make_flee_case(tmp_path, {"input_csv/conflicts.csv": "#Day,A\n0,1\n1,1\n2,1\n"})
    assert "3 day rows" in read_case(case_dir).notes[0]
    out = import_flee(case_dir, tmp_path / "s.yaml")
    assert load_network_scenario(out).days == 3
    longer = tmp_path / "longer.yaml"
    longer.write_text(out.read_text().replace("days: 3", "days: 5"))
    with pytest.raises(ScenarioError, match="calendar.days is 5 but conflicts.csv of the case has 3 days"):
        load_network_scenario(longer)


def test_a_camp_listed_twice_in_data_layout_keeps_its_first_row_as_flee_does(tmp_path):
    case = read_case(make_flee_case(tmp_path, {
        "source_data/data_layout.csv": "total,refugees.csv\nC,c.csv\nC,refugees.csv\n",
        "source_data/c.csv": "2020-01-01,0\n2020-01-05,300\n",
    }))
    assert case.camp_series["C"].counts[-1] == 300
    assert "data_layout.csv, line 3: 'C' is listed again" in case.notes[0]


def test_a_fractional_awareness_level_is_read_as_flee_reads_it(tmp_path):
    path = tmp_path / "simsetting.yml"
    path.write_text("move_rules:\n  awareness_level: 1.5\n")
    settings, notes = read_simsetting(path)
    assert settings["move_rules"]["awareness_level"] == 1
    assert any("int(1.5) = 1" in note for note in notes)


def test_a_series_of_one_point_holds_it_on_every_day():
    assert list(interpolate_daily(np.array([3.0]), np.array([250.0]), 5)) == [250] * 5


def test_a_byte_order_mark_at_the_start_of_a_file_is_not_part_of_the_first_name(tmp_path):
    case = make_flee_case(tmp_path)
    layout = case / "source_data" / "data_layout.csv"
    layout.write_bytes(b"\xef\xbb\xbf" + layout.read_bytes())
    assert read_case(case).total.counts[-1] == 400


def test_conflict_period_is_the_old_name_of_sim_period(tmp_path):
    case = read_case(make_flee_case(tmp_path, {"input_csv/sim_period.csv": None, "input_csv/conflict_period.csv": "StartDate,2020-01-01\nLength,4\n"}))
    assert case.length == 4 and case.period_file == "conflict_period.csv"


def test_out_of_order_rows_are_used_as_flee_uses_them(tmp_path):
    case = read_case(make_flee_case(tmp_path, {"source_data/c.csv": "2020-01-01,0\n2020-01-05,400\n2020-01-03,50\n"}))
    # Flee interpolates towards the first later point in file order and holds the file's last row after
    assert list(case.camp_series["C"].daily(5)) == [0, 100, 200, 300, 50]


def test_location_types_are_matched_by_substring_like_flee():
    assert location_kind("conflict_zone") == "conflict_zone"
    assert location_kind("conflict") == "conflict_zone"
    assert location_kind("idpcamp") == "idpcamp"
    assert location_kind("Camp") == "camp"
    assert location_kind("forwarding_hub") == "forward"
    assert location_kind("marker") == "marker"
    assert location_kind("default") == "town"
    assert location_kind("city") == "other"


def test_without_conflicts_csv_conflict_dates_are_used(tmp_path):
    case = read_case(make_flee_case(tmp_path, {"input_csv/conflicts.csv": None}))
    assert case.conflicts is None and case.locations[0].conflict_date == 0


def test_simsetting_notes_what_flee_31_ignores():
    settings, notes = read_simsetting(FLEE_DATA / "simsetting.yml")
    assert settings["move_rules"]["max_move_speed"] == 400.0
    assert settings["spawn_rules"]["conflict_spawn_decay"] == [1.0, 1.0, 1.0, 0.5, 0.1]
    assert any("sum_from_camps" in n for n in notes) and any("capacity_scaling" in n for n in notes)


def test_importer_writes_a_scenario_that_loads(tmp_path):
    case_dir = make_flee_case(tmp_path)
    out = import_flee(case_dir, tmp_path / "scenarios" / "small.yaml")
    assert kind_name_of_file(out) == "network"
    scenario = load_network_scenario(out)
    assert scenario.name == "case" and scenario.rules == "flee"
    assert scenario.case_dir == case_dir.resolve()
    assert scenario.days == 5 and scenario.flee.move_rules.max_move_speed == 360.0


# --------------------------------------------------------------------------- malformed files


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"input_csv/locations.csv": "#h\nA,R,Home,1,2,conflict_zone,0\n"}, ["locations.csv, line 2", "7 columns", "needs 8"]),
        ({"input_csv/locations.csv": FLEE_CASE_FILES["input_csv/locations.csv"] + "A,R,Home,1,2,town,,5\n"}, ["line 5", "already defined on line 2"]),
        ({"input_csv/locations.csv": FLEE_CASE_FILES["input_csv/locations.csv"].replace("1000", "many")}, ["line 2, column population", "'many' is not a whole number"]),
        ({"input_csv/locations.csv": FLEE_CASE_FILES["input_csv/locations.csv"].replace("1.5", "north")}, ["line 3, column latitude", "not a number"]),
        ({"input_csv/routes.csv": "#h\nA,Bee,100\n"}, ["routes.csv, line 2, column name2", "'Bee' is not a location", "Known: 'A', 'B', 'C'"]),
        ({"input_csv/routes.csv": "#h\nA,B,far\n"}, ["routes.csv, line 2, column distance", "not a number"]),
        ({"input_csv/routes.csv": "#h\nA,B,-5\n"}, ["negative"]),
        ({"input_csv/routes.csv": "#h\nA,B,5,3\n"}, ["column forced_redirection", "empty, 0, 1 or 2"]),
        ({"input_csv/routes.csv": "#h\nA,B\n"}, ["routes.csv, line 2", "at least 3"]),
        ({"input_csv/closures.csv": "#h\nborder,Home,Abroad,0,5\n"}, ["closures.csv, line 2, column closure_type", "'border' is not a closure type", "country, location"]),
        ({"input_csv/closures.csv": "#h\ncountry,Home,Abrod,0,5\n"}, ["column name2", "not a country", "Did you mean 'Abroad'"]),
        ({"input_csv/closures.csv": "#h\nlocation,Q,,0,5\n"}, ["column name1", "'Q' is not a location"]),
        ({"input_csv/closures.csv": "#h\ncamp,C,,soon,5\n"}, ["column closure_start", "not a whole number"]),
        ({"input_csv/closures.csv": "#h\ncamp,C,,0\n"}, ["closures.csv, line 2", "needs 5"]),
        ({"input_csv/conflicts.csv": "#Day,A\n0,1\n1,x\n2,1\n3,1\n4,1\n"}, ["conflicts.csv, line 3", "'x' is not a number"]),
        ({"input_csv/conflicts.csv": "#Day,A,B\n0,1,0\n1,1\n"}, ["conflicts.csv, line 3", "row has 2 cells"]),
        ({"input_csv/conflicts.csv": "#Day,A\n"}, ["conflicts.csv", "no day rows"]),
        ({"input_csv/sim_period.csv": None}, ["neither sim_period.csv nor conflict_period.csv"]),
        ({"input_csv/locations.csv": FLEE_CASE_FILES["input_csv/locations.csv"].replace(",camp,", ",town,")}, ["locations.csv", "has no camp"]),
        ({"input_csv/sim_period.csv": "StartDate,2020-01-01\n"}, ["sim_period.csv", "no Length row"]),
        ({"input_csv/sim_period.csv": "StartDate,1/1/2020\nLength,5\n"}, ["sim_period.csv, line 1", "not a date", "YYYY-MM-DD"]),
        ({"source_data/data_layout.csv": "C,c.csv\n"}, ["data_layout.csv", "no 'total' row"]),
        ({"source_data/data_layout.csv": "total,refugees.csv\nC,missing.csv\n"}, ["data_layout.csv, line 2", "'missing.csv' does not exist"]),
        ({"source_data/data_layout.csv": "total,refugees.csv\n"}, ["locations.csv, line 4, column name", "camp 'C' has no series"]),
        ({"source_data/c.csv": "2020-01-01,0\n2020-13-05,400\n"}, ["c.csv, line 2, column 1 (date)", "not a date"]),
        ({"source_data/c.csv": "2020-01-01,0\n2020-01-05,4.5e2\n"}, ["c.csv, line 2, column 2 (count)", "not a whole number"]),
        ({"input_csv/registration_corrections.csv": "C,2020-01-03\n"}, ["registration_corrections.csv, line 1", "no data point on 2020-01-03"]),
        ({"input_csv/registration_corrections.csv": "Camp,2020-01-05\n"}, ["registration_corrections.csv, line 1, column 1 (camp)", "'Camp' has no series"]),
        ({"input_csv/locations.csv": "#only a header\n"}, ["has no locations"]),
        ({"source_data/c.csv": "2020-01-01,0\n2020-01-05,10000000001\n"},
         ["c.csv, line 2, column 2 (count)", "more people than live on Earth", "At most 10,000,000,000"]),
        ({"input_csv/locations.csv": FLEE_CASE_FILES["input_csv/locations.csv"].replace("1000", "-99999999999999999999")},
         ["locations.csv, line 2, column population", "more people than live on Earth"]),
        ({"input_csv/routes.csv": None}, ["has no routes.csv"]),
    ],
)
def test_malformed_files_name_file_line_and_what_is_allowed(tmp_path, changes, expected):
    message = error_of(tmp_path, changes)
    for fragment in expected:
        assert fragment in message, message
    assert "\n" not in message


def test_not_utf8_is_explained(tmp_path):
    case_dir = make_flee_case(tmp_path)
    (case_dir / "input_csv" / "routes.csv").write_bytes(b"#h\nA,B,100\nB,C,\xe9\n")
    with pytest.raises(FleeFormatError, match="not UTF-8"):
        read_case(case_dir)


def test_missing_case_folders(tmp_path):
    with pytest.raises(FleeFormatError, match="no input_csv/ folder"):
        read_case(tmp_path)


def test_scenario_yaml_errors_name_line_and_key(tmp_path):
    out = import_flee(make_flee_case(tmp_path), tmp_path / "s.yaml")
    text = out.read_text()
    out.write_text(text.replace("rules: flee", "rules: fle"))
    with pytest.raises(Exception) as info:
        load_network_scenario(out)
    assert "s.yaml, line" in info.value.message and "rules" in info.value.message
    out.write_text(text.replace("  hasten: 1", "  hasten: 1\n  hastn: 2"))
    with pytest.raises(Exception) as info:
        load_network_scenario(out)
    assert "key 'flee.hastn': unknown key 'hastn'" in info.value.message and "Did you mean 'hasten'" in info.value.message
