"""Validation: many runs of a scenario held against the documented figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.paths import TINY
from flowsim.analysis.executors import make_executor
from flowsim.run.seeds import spawn_seeds
from flowsim.analysis.targets import TargetSet, load_targets
from flowsim.analysis.validation import (
    VALIDATION_COLUMNS,
    format_validation,
    scenario_targets,
    summarise,
    validate,
)
from flowsim.cli import main
from flowsim.errors import TargetsError
from flowsim.kinds.mobilization.scenario import load_scenario


def test_seeds_are_spawned_from_one_seed():
    seeds = spawn_seeds(5, 4)
    assert seeds == spawn_seeds(5, 4)
    assert len(set(seeds)) == 4
    children = np.random.SeedSequence(5).spawn(4)
    assert seeds == [int(c.generate_state(1)[0]) for c in children]


def small_targets() -> TargetSet:
    citation = [{"source": "002", "publication": "p", "date": "2022-11", "quote": "q"}]
    return TargetSet.model_validate({"name": "t", "targets": [
        {"id": "A", "label": "a", "measures": "a", "table": "daily", "column": "entries_total",
         "statistic": "sum", "low": 10, "high": 20, "documented": "10-20", "citations": citation},
        {"id": "B", "label": "b", "measures": "b", "table": "daily", "column": "rent_index", "country": "x",
         "statistic": "max", "low": None, "high": 2.0, "documented": "< 2", "citations": citation},
    ]})


def test_summary_of_per_run_values():
    values = pd.DataFrame({"seed": [1, 2, 3, 4, 5], "A": [5.0, 12, 15, 18, 30], "B": [1.0, 1.5, np.nan, 2.5, 1.9]})
    frame = summarise(small_targets(), values)
    assert list(frame.columns) == list(VALIDATION_COLUMNS)
    a, b = frame.iloc[0], frame.iloc[1]
    assert a["sim_median"] == 15 and a["inside"] and a["share_inside"] == pytest.approx(3 / 5)
    assert a["sim_p05"] == pytest.approx(np.quantile([5, 12, 15, 18, 30], 0.05))
    assert b["sim_median"] == pytest.approx(1.7) and b["inside"]
    assert b["share_inside"] == pytest.approx(3 / 5)  # NaN counts as outside
    assert b["country"] == "x" and a["country"] == "all" and a["source"] == "002"
    text = format_validation(frame)
    assert "2 of 2 calibration targets hold" in text


def test_validate_the_tiny_world():
    scenario = load_scenario(TINY)
    targets = load_targets(scenario.targets_path)
    frame = validate(scenario, 3, 11, None)
    assert list(frame["id"]) == targets.ids
    assert list(frame.columns) == list(VALIDATION_COLUMNS)
    runs = frame.attrs["runs"]
    assert len(runs) == 3 and list(runs["seed"]) == spawn_seeds(11, 3)
    # targets on places or dates the tiny world does not have (Vishnyovka, Finland, 31 Dec) cannot be computed
    computed = frame[frame["sim_median"].notna()]
    assert len(computed) >= 20
    assert (computed["sim_p05"] <= computed["sim_median"]).all() and (computed["sim_median"] <= computed["sim_p95"]).all()
    assert frame["share_inside"].between(0, 1).all()
    f1 = frame.set_index("id").loc["F1_3"]
    assert f1["country"] == "kazakhstan" and f1["column"] == "entries_total" and f1["start"] == "2022-09-21"


def test_a_process_pool_gives_the_same_numbers():
    scenario = load_scenario(TINY)
    serial = validate(scenario, 2, 3, None)
    with make_executor("process", workers=2) as pool:
        parallel = validate(scenario, 2, 3, None, pool)
    pd.testing.assert_frame_equal(serial, parallel)


def test_a_scenario_without_targets_is_explained():
    scenario = load_scenario(TINY).model_copy(update={"targets": None})
    with pytest.raises(TargetsError, match="declares no targets file"):
        scenario_targets(scenario)


def test_command_writes_validation_csv(tmp_path, capsys):
    status = main(["validate", str(TINY), "--runs", "2", "--seed", "4", "--out", str(tmp_path), "--quiet"])
    assert status == 0
    table = pd.read_csv(tmp_path / "validation.csv")
    assert list(table.columns) == list(VALIDATION_COLUMNS)
    assert not list(tmp_path.glob(".*.tmp"))
    status = main(["validate", str(TINY), "--runs", "2", "--out", str(tmp_path), "--strict"])
    assert status == 1  # the tiny world is far from the real figures
    assert "targets hold" in capsys.readouterr().out


def test_command_reports_a_bad_targets_file(tmp_path, capsys):
    bad = tmp_path / "targets.yaml"
    bad.write_text("name: x\ntargets: []\n")
    status = main(["validate", str(TINY), "--runs", "1", "--targets", str(bad), "--out", str(tmp_path)])
    assert status == 2
    assert str(bad) in capsys.readouterr().err
