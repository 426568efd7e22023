"""The targets file and the computation of simulated values and distances."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from helpers.paths import ROOT
from flowsim.analysis.targets import (
    OUTSIDE,
    TargetSet,
    calibration_distance,
    evaluate_targets,
    interval_distance,
    interval_miss,
    load_targets,
    series_values,
    simulated_values,
)
from flowsim.analysis.series import averaged_relative_difference, series_table
from flowsim.errors import TargetsError

TARGETS = ROOT / "scenarios" / "targets" / "mobilization_2022.yaml"
SOURCES = (ROOT / ".." / "shared" / "sources").resolve()
REQUIRED = {"F1_3", "F2", "F4", "F5", "F6", "F8", "F11", "F13_young", "F14", "F15"}


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# --------------------------------------------------------------------------- the shipped file


def test_shipped_targets_load_and_cover_the_documented_figures():
    targets = load_targets(TARGETS)
    assert REQUIRED <= set(targets.ids)
    assert any(i.startswith("F7") for i in targets.ids)
    assert targets.border_counts_include_ordinary_travel


def test_border_counts_are_compared_with_totals():
    """F1/F3, F2, F4, F6 and F7 are border counts: they include ordinary travel."""
    targets = load_targets(TARGETS)
    for target_id, column in [("F1_3", "entries_total"), ("F2", "exits_total"),
                              ("F6", "entries_total"), ("F7_exits", "exits_total"),
                              ("F7_entries", "entries_total")]:
        assert targets[target_id].column == column
    # F4 is Upper Lars's count: the exodus processed there and the ordinary travellers through it
    assert targets["F4"].columns == ("processed", "ordinary_entries")
    assert targets["F4"].crossing == "ge_upper_lars"
    assert (targets["F1_3"].low, targets["F1_3"].high) == (200_000, 300_000)


def test_the_fsb_count_of_men_includes_the_men_among_ordinary_travellers():
    """TOT-01 counts every man who crossed outward: the exodus plus the men among ordinary travel."""
    target = load_targets(TARGETS)["TOT01"]
    assert target.columns == ("processed", "ordinary_entries")
    assert target.weights[0] == 1.0 and 0.0 < target.weights[1] < 1.0


DOCUMENTED_FIGURES = ROOT / "data" / "documented_figures.yaml"


def documented_figures() -> dict[str, dict]:
    return {row["id"]: row for row in yaml.safe_load(DOCUMENTED_FIGURES.read_text(encoding="utf-8"))}


def test_every_target_cites_a_source_text_or_a_documented_figure_with_a_quote():
    figures = documented_figures()
    for target in load_targets(TARGETS):
        assert target.citations, target.id
        for citation in target.citations:
            assert citation.source in {"000", "001", "002", "003", "004"} | set(figures), target.id
            assert citation.publication and citation.date and citation.quote


def test_every_documented_figure_quote_is_the_one_in_the_projects_copy_of_the_data_pack():
    figures = documented_figures()
    cited = [c for t in load_targets(TARGETS) for c in t.citations if c.source in figures]
    assert len(cited) >= 15
    for citation in cited:
        assert squash(citation.quote) == squash(figures[citation.source]["quote"]), citation.source


@pytest.mark.skipif(not SOURCES.is_dir(), reason=(
    f"the source articles are not at {SOURCES}, so the targets' quotes are not checked against them "
    "(the data-pack quotes still are): put the project's shared/ folder beside the clone to run this check"))
def test_every_quote_is_found_verbatim_in_its_source():
    texts = {path.name[:3]: squash(path.read_text(encoding="utf-8")) for path in SOURCES.glob("0*.txt")}
    for target in load_targets(TARGETS):
        for citation in target.citations:
            if citation.source in texts:
                assert squash(citation.quote) in texts[citation.source], (
                    f"{target.id}: quote not found in source {citation.source}: {citation.quote!r}")


# --------------------------------------------------------------------------- bad files


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "targets.yaml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """\
name: t
targets:
  - id: A
    label: entries
    measures: entries
    table: daily
    column: entries_total
    country: kazakhstan
    start: 2022-09-21
    end: 2022-09-22
    statistic: sum
    low: 10
    high: 20
    documented: about 15
    citations:
      - {source: "004", publication: p, date: 2022-10, quote: q}
"""


def test_a_good_small_file_loads():
    targets = TargetSet.model_validate(__import__("yaml").safe_load(GOOD))
    assert targets.ids == ["A"]
    assert targets["A"].sources == "004"


@pytest.mark.parametrize("change, words", [
    (("low: 10", "low: 30"), ["line 12", "key 'targets.A.low'", "'low' (30) is above 'high' (20)"]),
    (("column: entries_total", "column: entries"), ["line 7", "'entries' is not a column of daily.csv"]),
    (("statistic: sum", "statistic: median"), ["line 11", "statistic", "'sum'"]),
    (("    citations:\n      - {source: \"004\", publication: p, date: 2022-10, quote: q}\n", ""),
     ["key 'targets.A.citations'", "required key is missing"]),
    (("high: 20", "high: 20\n    colour: red"), ["line 14", "unknown key 'colour'", "Allowed here:"]),
    (("low: 10\n    high: 20", "low: null\n    high: null"), ["give 'low', 'high' or both"]),
])
def test_a_bad_file_names_file_line_and_key(tmp_path, change, words):
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(TargetsError) as caught:
        load_targets(path)
    message = caught.value.message
    assert str(path) in message
    for word in words:
        assert word in message, message


def test_missing_or_broken_file(tmp_path):
    with pytest.raises(TargetsError, match="cannot read"):
        load_targets(tmp_path / "nope.yaml")
    with pytest.raises(TargetsError, match="not valid YAML"):
        load_targets(write(tmp_path, "name: [unclosed\n"))


def test_duplicate_ids_are_refused(tmp_path):
    body = GOOD.split("targets:\n", 1)[1]
    with pytest.raises(TargetsError, match="'A' appears twice"):
        load_targets(write(tmp_path, GOOD + body))


# --------------------------------------------------------------------------- evaluation


def target(**fields) -> dict:
    base = {"id": "X", "label": "x", "measures": "x", "table": "daily", "column": "entries_total",
            "statistic": "sum", "low": 0, "high": None, "documented": "x",
            "citations": [{"source": "002", "publication": "p", "date": "2022-11", "quote": "q"}]}
    base.update(fields)
    return base


def targets_of(*items: dict) -> TargetSet:
    return TargetSet.model_validate({"name": "t", "targets": list(items)})


@pytest.fixture
def tables() -> dict[str, pd.DataFrame]:
    dates = ["2022-09-20", "2022-09-21", "2022-09-22", "2022-09-23"]
    daily = pd.DataFrame([
        {"date": d, "country": c, "entries_total": e, "exits_total": x, "wave_entries": w,
         "wave_registrations": r, "rent_index": ri}
        for d, (k, g) in zip(dates, [((10, 5, 0, 0, 1.0), (4, 4, 0, 0, 1.0)),
                                     ((30, 10, 20, 0, 1.5), (6, 4, 2, 0, 1.1)),
                                     ((50, 20, 40, 5, 2.5), (8, 4, 4, 1, 1.2)),
                                     ((20, 30, 10, 7, 2.0), (5, 6, 1, 2, 1.3))], strict=True)
        for c, (e, x, w, r, ri) in (("georgia", g), ("kazakhstan", k))
    ])
    profile = pd.DataFrame(
        [("kazakhstan", "age_band", "18-28", 60), ("kazakhstan", "age_band", "29-39", 30),
         ("kazakhstan", "age_band", "40+", 10),
         ("kazakhstan", "occupation", "it", 40), ("kazakhstan", "occupation", "arts", 30),
         ("kazakhstan", "occupation", "medical", 10), ("kazakhstan", "occupation", "other_skilled", 15),
         ("kazakhstan", "occupation", "low_skilled", 5),
         ("georgia", "age_band", "18-28", 1), ("georgia", "age_band", "40+", 9)],
        columns=["country", "dimension", "category", "first_entries"])
    population = pd.DataFrame(
        [(d, o, *v) for d, rows in [("2022-09-20", [(100, 1, 0), (50, 2, 1)]),
                                    ("2022-09-21", [(90, 8, 1), (45, 5, 1)]),
                                    ("2022-09-22", [(80, 15, 3), (40, 9, 2)])]
         for o, v in zip(["a", "b"], rows, strict=True)],
        columns=["date", "origin", "at_home", "abroad", "returned"])
    flows = pd.DataFrame([("a", "kazakhstan", "stayed", 7), ("a", "kazakhstan", "georgia", 3),
                          ("b", "georgia", "home", 2)],
                         columns=["origin", "first_destination", "later_destination", "count"])
    return {"daily": daily, "profile": profile, "population": population, "flows": flows}


@pytest.mark.parametrize("fields, expected", [
    ({"country": "kazakhstan", "start": "2022-09-21", "end": "2022-09-22"}, 80.0),
    ({"country": "kazakhstan"}, 110.0),
    ({"country": ["kazakhstan", "georgia"], "start": "2022-09-22", "end": "2022-09-23"}, 83.0),
    ({"start": "2022-09-23", "end": "2022-09-23", "column": ["entries_total", "exits_total"]}, 61.0),
    ({"country": "kazakhstan", "start": "2022-09-21", "end": "2022-09-23", "statistic": "daily_mean"}, 100 / 3),
    ({"country": ["kazakhstan", "georgia"], "start": "2022-09-21", "end": "2022-09-22",
      "statistic": "daily_mean"}, (30 + 6 + 50 + 8) / 2),
    ({"country": "kazakhstan", "start": "2022-09-21", "end": "2022-09-23", "statistic": "ratio",
      "column": "exits_total", "denominator": "entries_total"}, 60 / 100),
    ({"country": ["kazakhstan", "georgia"], "statistic": "max", "column": "rent_index"}, 2.5),
    ({"country": "georgia", "statistic": "max", "column": "rent_index", "end": "2022-09-22"}, 1.2),
    ({"country": "kazakhstan", "start": "2022-09-21", "statistic": "mean", "column": "wave_entries"}, 70 / 3),
    ({"country": "kazakhstan", "column": "wave_registrations", "end": "2022-09-22"}, 5.0),
    ({"table": "profile", "column": "first_entries", "country": "kazakhstan", "statistic": "share",
      "dimension": "age_band", "category": "18-28"}, 0.6),
    ({"table": "profile", "column": "first_entries", "country": "kazakhstan", "statistic": "share",
      "dimension": "age_band", "category": ["29-39", "40+"]}, 0.4),
    ({"table": "profile", "column": "first_entries", "statistic": "share",
      "dimension": "age_band", "category": "40+"}, 19 / 110),
    ({"table": "profile", "column": "first_entries", "country": "kazakhstan", "statistic": "rank_order",
      "dimension": "occupation", "order": ["it", "arts", "medical", "low_skilled"]}, 1.0),
    ({"table": "profile", "column": "first_entries", "country": "kazakhstan", "statistic": "rank_order",
      "dimension": "occupation", "order": ["arts", "it", "medical", "low_skilled"]}, 4 / 6),
    ({"table": "profile", "column": "first_entries", "country": "kazakhstan", "statistic": "rank_order",
      "dimension": "occupation", "order": ["low_skilled", "medical", "arts", "it"]}, -1.0),
    ({"table": "population", "column": ["abroad", "returned"], "statistic": "increase",
      "start": "2022-09-21", "end": "2022-09-22"}, (15 + 3 + 9 + 2) - (1 + 0 + 2 + 1)),
    ({"table": "population", "column": "abroad", "statistic": "increase",
      "start": "2022-09-20", "end": "2022-09-21"}, 13.0),
    ({"table": "flows", "column": "count", "country": "kazakhstan"}, 10.0),
    ({"table": "flows", "column": "count"}, 12.0),
])
def test_simulated_values_on_hand_built_tables(tables, fields, expected):
    value = simulated_values(targets_of(target(**fields)), tables)["X"]
    assert value == pytest.approx(expected)


@pytest.mark.parametrize("fields", [
    {"table": "population", "column": "abroad", "statistic": "increase", "start": "2022-09-21",
     "end": "2022-10-30"},
    {"country": "uzbekistan", "statistic": "max", "column": "rent_index"},
    {"table": "profile", "column": "first_entries", "country": "uzbekistan", "statistic": "share",
     "dimension": "age_band", "category": "18-28"},
    {"country": "uzbekistan", "statistic": "ratio", "column": "exits_total", "denominator": "entries_total"},
])
def test_values_that_cannot_be_computed_are_nan_and_count_as_a_full_miss(tables, fields):
    targets = targets_of(target(**fields))
    value = simulated_values(targets, tables)["X"]
    assert math.isnan(value)
    assert interval_distance({"X": value}, targets) == OUTSIDE + 1.0


def test_date_column_as_datetimes_gives_the_same_values(tables):
    targets = targets_of(target(country="kazakhstan", start="2022-09-21", end="2022-09-22"))
    tables["daily"] = tables["daily"].assign(date=pd.to_datetime(tables["daily"]["date"]))
    assert simulated_values(targets, tables)["X"] == 80.0


def test_a_missing_table_is_named(tables):
    del tables["population"]
    targets = targets_of(target(table="population", column="abroad", statistic="increase",
                                start="2022-09-21", end="2022-09-22"))
    with pytest.raises(KeyError, match="'population'"):
        simulated_values(targets, tables)


# --------------------------------------------------------------------------- distance


def test_miss_is_zero_inside_and_relative_outside():
    assert interval_miss(15, 10, 20) == 0.0
    assert interval_miss(10, 10, 20) == 0.0
    assert interval_miss(20, 10, 20) == 0.0
    assert interval_miss(5, 10, 20) == pytest.approx(0.5)
    assert interval_miss(30, 10, 20) == pytest.approx(0.5)
    assert interval_miss(1e9, 10, None) == 0.0
    assert interval_miss(-1e9, None, 20) == 0.0
    assert interval_miss(0.5, 1.0, 1.0) == pytest.approx(0.5)
    assert interval_miss(math.nan, 10, 20) == 1.0


def test_distance_grows_with_the_miss_and_is_weighted():
    targets = targets_of(target(id="A", low=10, high=20), target(id="B", low=1.0, high=None, weight=4))
    assert interval_distance({"A": 12, "B": 3}, targets) == 0.0
    steps = [interval_distance({"A": a, "B": 3}, targets) for a in (21, 25, 30, 50)]
    assert steps == sorted(steps) and steps[0] > 0
    assert interval_distance({"A": 30, "B": 3}, targets) == pytest.approx(OUTSIDE + 0.5)
    assert interval_distance({"A": 15, "B": 0.5}, targets) == pytest.approx(4 * (OUTSIDE + 0.5))
    assert interval_distance({"A": 15}, targets) == pytest.approx(4 * (OUTSIDE + 1.0))  # B missing = NaN = miss 1
    # a hair outside costs the fixed OUTSIDE: thresholds below it accept only runs inside every interval
    assert interval_distance({"A": 20.0001, "B": 3}, targets) > OUTSIDE


def test_evaluate_targets_table(tables):
    targets = targets_of(
        target(id="inside", country="kazakhstan", low=100, high=120),
        target(id="low", country="kazakhstan", low=220, high=None),
        target(id="high", country="georgia", statistic="max", column="rent_index", low=None, high=1.2),
    )
    frame = evaluate_targets(targets, tables)
    assert list(frame["id"]) == ["inside", "low", "high"]
    assert list(frame["inside"]) == [True, False, False]
    assert frame["value"].tolist() == pytest.approx([110, 110, 1.3])
    assert frame["miss"].tolist() == pytest.approx([0, 0.5, 0.1 / 1.2])
    assert frame.attrs["distance"] == pytest.approx(OUTSIDE + 0.5 + OUTSIDE + 0.1 / 1.2)


def test_shipped_targets_evaluate_on_a_run_of_the_tiny_world():
    from flowsim.run import simulate
    from flowsim.kinds.mobilization.scenario import load_scenario

    scenario = load_scenario(ROOT / "tests" / "scenarios" / "tiny.yaml")
    result = simulate(scenario, seed=3)
    targets = load_targets(TARGETS)
    frame = evaluate_targets(targets, result.tables())
    assert set(frame["id"]) == set(targets.ids)
    assert frame.loc[frame["id"] == "F4", "value"].notna().all()
    assert frame.attrs["distance"] > 0  # a tiny world is far from the real numbers


def test_series_points_are_scored_as_daily_means_with_flees_averaged_relative_difference():
    targets = TargetSet.model_validate({
        "name": "t", "targets": [{
            "id": "A", "label": "a", "measures": "a", "table": "daily", "column": "entries_total",
            "statistic": "sum", "low": 0, "high": None, "documented": "d",
            "citations": [{"source": "002", "publication": "p", "date": "2022-11", "quote": "q"}]}],
        "series": [
            {"id": "two_days", "country": "kazakhstan", "column": "entries_total", "start": "2022-09-21",
             "end": "2022-09-22", "daily_mean": 100, "source": "KZ-05"},
            {"id": "one_day", "country": "georgia", "column": "exits_total", "start": "2022-09-21",
             "end": "2022-09-21", "daily_mean": 40, "source": "002"}]})
    daily = pd.DataFrame({
        "date": ["2022-09-21", "2022-09-22", "2022-09-21", "2022-09-22"],
        "country": ["kazakhstan", "kazakhstan", "georgia", "georgia"],
        "entries_total": [90, 150, 5, 5], "exits_total": [0, 0, 50, 1000]})
    points = series_table(targets.series, daily)
    assert points["simulated"].tolist() == [120.0, 50.0]
    ard = averaged_relative_difference(points).set_index("country")["ard"]
    assert ard["kazakhstan"] == pytest.approx(0.2)
    assert ard["georgia"] == pytest.approx(0.25)
    assert ard["all"] == pytest.approx(0.225)


def test_calibration_adds_the_weighted_series_term_to_the_interval_misses():
    """Where data are daily or weekly, the distance uses the series, not only an interval (issue 9)."""
    targets = TargetSet.model_validate({
        "name": "t", "series_weight": 0.5, "targets": [{
            "id": "A", "label": "a", "measures": "a", "table": "daily", "column": "entries_total",
            "statistic": "sum", "low": 100, "high": 300, "documented": "d",
            "citations": [{"source": "002", "publication": "p", "date": "2022-11", "quote": "q"}]}],
        "series": [
            {"id": "kz", "country": "kazakhstan", "column": "entries_total", "start": "2022-09-21",
             "end": "2022-09-22", "daily_mean": 100, "source": "KZ-05"},
            {"id": "ge", "country": "georgia", "column": "exits_total", "start": "2022-09-21",
             "end": "2022-09-21", "daily_mean": 40, "source": "002"}]})
    daily = pd.DataFrame({
        "date": ["2022-09-21", "2022-09-22", "2022-09-21", "2022-09-22"],
        "country": ["kazakhstan", "kazakhstan", "georgia", "georgia"],
        "entries_total": [90, 150, 5, 5], "exits_total": [0, 0, 50, 1000]})
    values = {**simulated_values(targets, {"daily": daily}), **series_values(targets, {"daily": daily})}
    assert values["series:kz"] == 120.0 and values["series:ge"] == 50.0
    inside_every_interval = interval_distance(values, targets)
    assert inside_every_interval == 0.0
    # (0.2^2 + 0.25^2) / 2 points, weighted 0.5
    assert calibration_distance(values, targets) == pytest.approx(0.5 * (0.04 + 0.0625) / 2)
    unweighted = targets.model_copy(update={"series_weight": 0.0})
    assert calibration_distance(values, unweighted) == 0.0


def test_the_shipped_targets_calibrate_on_their_series_too():
    targets = load_targets(TARGETS)
    assert targets.series and targets.series_weight > 0


def test_every_row_of_the_data_pack_is_a_target_a_series_point_or_listed_with_a_reason():
    """Issue 21: a pack figure a run can compute is a target or check; the rest say why not."""
    targets = load_targets(TARGETS)
    used = ({c.source for t in targets for c in t.citations} | {p.source for p in targets.series}
            | {n.id for n in targets.not_targets})
    assert set(documented_figures()) <= used, sorted(set(documented_figures()) - used)
    listed = [n.id for n in targets.not_targets]
    assert len(listed) == len(set(listed))
    in_targets = {c.source for t in targets for c in t.citations} | {p.source for p in targets.series}
    assert not in_targets & set(listed), "a figure is both a target and listed as not one"


def test_the_documented_days_are_series_points_and_calibration_targets():
    """KZ-02..KZ-04 and FI-01..FI-06: a day's count is a calibration target (the pulse's shape is
    what the fit must reproduce) and a series point."""
    targets = load_targets(TARGETS)
    days = {"KZ-02", "KZ-03", "KZ-04", "FI-01", "FI-02", "FI-03", "FI-04", "FI-05", "FI-06"}
    assert days <= {p.source for p in targets.series}
    for day in days:
        checks = [t for t in targets if any(c.source == day for c in t.citations)]
        assert checks and all(t.role == "calibration" and t.start == t.end for t in checks), day


def test_finnish_days_count_finlands_posts_not_the_whole_schengen_destination():
    targets = load_targets(TARGETS)
    finland = [p for p in targets.series if p.source.startswith("FI-")]
    assert finland and all(p.crossings and all(c.startswith("fi_") for c in p.crossings) for p in finland)
    assert all(p.region == "finland" for p in finland)
    daily = pd.DataFrame({"date": ["2022-09-21"], "country": ["schengen"], "entries_total": [99_999],
                          "exits_total": [0]})
    crossings = pd.DataFrame({"date": ["2022-09-21"] * 3, "crossing": ["fi_vaalimaa", "fi_imatra", "ee_narva"],
                              "processed": [1000, 500, 7000], "ordinary_entries": [2000, 300, 4000]})
    table = series_table([p for p in finland if p.start.isoformat() == "2022-09-21"], daily, crossings)
    assert table["simulated"].tolist() == [3800.0]


def test_a_fit_until_a_day_keeps_only_the_figures_that_end_by_it():
    import datetime as dt

    targets = load_targets(TARGETS)
    day = dt.date(2022, 9, 28)
    early, late = targets.until(day), targets.after(day)
    assert early.ids and all(t.end is not None and t.end <= day for t in early)
    assert any(t.role == "calibration" for t in early)
    assert all(p.end <= day for p in early.series) and all(p.end > day for p in late.series)
    assert set(early.ids) | set(late.ids) == set(targets.ids) and not set(early.ids) & set(late.ids)
    assert "KZ04_entries" in late.ids and "F13_young" in late.ids  # a whole-run profile is never 'by' a day
    with pytest.raises(TargetsError, match="No calibration target"):
        targets.until(dt.date(2022, 9, 1))


def test_column_weights_count_a_share_of_a_column():
    """TOT01's men: everyone of the exodus plus 0.45 of the ordinary travellers, row by row."""
    from flowsim.analysis.targets import Target, target_value

    target = Target.model_validate({
        "id": "MEN", "label": "Men out", "measures": "men", "table": "crossings",
        "column": ["processed", "ordinary_entries"], "column_weights": [1.0, 0.45],
        "start": "2022-09-21", "end": "2022-09-22", "statistic": "sum", "low": 1, "high": None,
        "documented": "x", "citations": [{"source": "TOT-01", "publication": "p", "date": "2022-09-24", "quote": "q"}]})
    crossings = pd.DataFrame({"date": ["2022-09-21", "2022-09-22", "2022-09-23"], "crossing": ["a", "b", "a"],
                              "country": ["x", "y", "x"], "processed": [100, 200, 999],
                              "ordinary_entries": [1000, 2000, 9999]})
    assert target_value(target, {"crossings": crossings}) == pytest.approx(300 + 0.45 * 3000)
    with pytest.raises(ValueError, match="one weight per column"):
        Target.model_validate({**target.model_dump(), "column_weights": [1.0]})


def test_the_figure_draws_an_areas_points_beside_the_entries_at_its_own_posts():
    # Upper Lars's 80,000 in two weeks (002) is scored on that post, not on all of Georgia's entries
    from flowsim.analysis.series import SeriesPoint
    from flowsim.analysis.target_observations import figure_counts

    point = SeriesPoint(id="ul", country="georgia", area="upper_lars", crossings=["ge_upper_lars"],
                        column="entries_total", start="2022-09-21", end="2022-09-21", daily_mean=5714, source="002")
    daily = pd.DataFrame({"date": ["2022-09-21"], "country": ["georgia"], "entries_total": [9000], "exits_total": [4000]})
    crossings = pd.DataFrame({"date": ["2022-09-21"] * 2, "crossing": ["ge_upper_lars", "ge_air"],
                              "processed": [4000, 2000], "ordinary_entries": [1500, 1500]})
    counts = figure_counts(daily, crossings, [point]).set_index("country")
    assert counts.loc["georgia", "entries_total"] == 9000
    assert counts.loc["upper_lars", "entries_total"] == 5500          # the post's exodus and ordinary entries
    assert math.isnan(counts.loc["upper_lars", "exits_total"])        # the post's exits are not counted
    assert figure_counts(daily).equals(daily[["date", "country", "entries_total", "exits_total"]])
