"""Calibration: priors, the model and distance pyABC sees, the files written, and recovery of known parameters."""

from __future__ import annotations

import datetime as dt
import math
import sys

import pandas as pd
import pytest
import yaml

from helpers.paths import TINY, with_absolute_targets
from flowsim.analysis.calibration import (
    EXPIRED,
    Prior,
    TargetDistance,
    TargetModel,
    calibrate,
    calibrated_file_text,
    parse_duration,
    scenario_priors,
    weighted_quantile,
    write_calibration,
)
from flowsim.analysis.targets import TargetSet, load_targets, series_values, simulated_values
from flowsim.errors import CalibrationError
from flowsim.run import simulate
from flowsim.kinds.mobilization.scenario import load_scenario

TRUTH = {  # the values tiny.yaml is written with
    "behaviour.leaving.shock_hazard": 0.01,
    "behaviour.after_arrival.onward_daily_hazard": 0.03,
    "behaviour.choice.appeal.georgia": 1.0,
}


@pytest.mark.parametrize("text, seconds", [("30m", 1800), ("90s", 90), ("1h", 3600), ("1h30m", 5400),
                                           ("45", 45), ("2.5h", 9000), (" 10M ", 600)])
def test_budgets_parse(text, seconds):
    assert parse_duration(text) == dt.timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "soon", "0s", "30x", "m"])
def test_bad_budgets_are_refused(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_priors_come_from_the_scenario_and_map_log_scales():
    priors = scenario_priors(load_scenario(TINY))
    assert [p.name for p in priors] == list(TRUTH)
    shock = priors[0]
    assert shock.scale == "log" and shock.key == "log10_behaviour_leaving_shock_hazard"
    assert shock.lower == pytest.approx(math.log10(0.004)) and shock.value(-2.0) == pytest.approx(0.01)
    assert priors[2].value(1.5) == 1.5 and priors[2].key == "behaviour_choice_appeal_georgia"
    assert Prior("x", 1, 9, "linear", integer=True).value(3.6) == 4


def test_a_scenario_without_free_parameters_is_explained():
    scenario = load_scenario(TINY).model_copy(update={"calibration": None})
    with pytest.raises(CalibrationError, match="no 'calibration: parameters:'"):
        scenario_priors(scenario)


def test_model_runs_the_scenario_with_overrides_and_reproduces():
    scenario = load_scenario(TINY)
    targets = load_targets(scenario.targets_path)
    priors = scenario_priors(scenario)
    model = TargetModel(scenario, targets, priors, None, seed=5)
    parameters = {priors[0].key: -2.0, priors[1].key: math.log10(0.03), priors[2].key: 1.0}
    assert model.overrides(parameters) == pytest.approx(TRUTH)
    first = model(parameters)
    assert set(first) == set(targets.ids) | {"series:" + point.id for point in targets.series}
    assert model(parameters) == first  # the seed follows from the parameters
    tables = simulate(scenario, seed=model.run_seed(parameters)).tables()
    assert first == {**simulated_values(targets, tables), **series_values(targets, tables)}
    expired = TargetModel(scenario, targets, priors, None, seed=5, deadline=0.0)
    assert EXPIRED in expired(parameters)
    assert TargetDistance(targets)(expired(parameters), {}) == math.inf


def test_weighted_quantiles():
    values, weights = [3.0, 1.0, 2.0, 4.0], [0.1, 0.1, 0.7, 0.1]
    assert weighted_quantile(values, weights, 0.5) == 2.0
    assert weighted_quantile(values, weights, 0.05) == 1.0
    assert weighted_quantile(values, weights, 0.95) == 4.0


def test_calibrated_file_is_read_back_by_the_scenario_loader(tmp_path):
    values = {"behaviour.leaving.shock_hazard": 0.0123, "behaviour.choice.appeal.georgia": -0.25}
    text = calibrated_file_text(values, command="flowsim calibrate tiny.yaml --budget 1m", scenario="tiny",
                                record_name="calibrated.record.yaml", when=dt.datetime(2024, 1, 2, 3, 4, 5))
    assert text.startswith("# Calibrated parameters") and "flowsim calibrate tiny.yaml" in text
    (tmp_path / "calibrated.yaml").write_text(text)
    scenario_text = with_absolute_targets(TINY.read_text()).replace(
        "calibration:\n", "calibration:\n  calibrated_file: calibrated.yaml\n")
    (tmp_path / "tiny.yaml").write_text(scenario_text)
    scenario = load_scenario(tmp_path / "tiny.yaml")
    assert scenario.get_value("behaviour.leaving.shock_hazard") == 0.0123
    assert scenario.get_value("behaviour.choice.appeal.georgia") == -0.25


def test_missing_pyabc_is_explained(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "pyabc", None)
    scenario = load_scenario(TINY)
    with pytest.raises(CalibrationError, match=r"flowsim\[calibrate\]"):
        calibrate(scenario, load_targets(scenario.targets_path), budget=dt.timedelta(seconds=5), out_dir=tmp_path)


def test_a_budget_too_small_for_the_population_is_explained(tmp_path):
    scenario = load_scenario(TINY)
    with pytest.raises(CalibrationError, match="too small"):
        calibrate(scenario, load_targets(scenario.targets_path), budget=dt.timedelta(seconds=1),
                  out_dir=tmp_path, population_size=500, progress=False)


# --------------------------------------------------------------------------- recovery


def truth_targets(tolerance: float) -> TargetSet:
    """Targets read off a run of the tiny world with its own (true) parameters, +/- tolerance."""
    scenario = load_scenario(TINY)
    citation = [{"source": "002", "publication": "synthetic", "date": "2022-11", "quote": "synthetic"}]
    window = {"start": "2022-09-11", "end": "2022-09-24"}
    specs = [
        ("kz_entries", {"table": "daily", "column": "entries_total", "country": "kazakhstan", **window}),
        ("ge_entries", {"table": "daily", "column": "entries_total", "country": "georgia", **window}),
        ("tr_entries", {"table": "daily", "column": "entries_total", "country": "turkey", **window}),
        ("kz_onward", {"table": "daily", "column": "wave_exits_onward", "country": "kazakhstan"}),
        ("left", {"table": "population", "column": ["abroad", "returned"], "statistic": "increase",
                  "start": "2022-09-11", "end": "2022-10-30"}),
    ]
    draft = TargetSet.model_validate({"name": "truth", "targets": [
        {"id": i, "label": i, "measures": i, "statistic": "sum", **spec, "low": 0, "high": None,
         "documented": "synthetic", "citations": citation} for i, spec in specs]})
    truth = simulated_values(draft, simulate(scenario, seed=99).tables())
    return TargetSet.model_validate({"name": "truth", "targets": [
        {**t.model_dump(mode="json"), "low": truth[t.id] * (1 - tolerance), "high": truth[t.id] * (1 + tolerance)}
        for t in draft]})


def check_recovery(result, *, quantiles: bool) -> None:
    posterior = result.posterior
    assert posterior["weight"].sum() == pytest.approx(1.0)
    for name in ("behaviour.leaving.shock_hazard", "behaviour.after_arrival.onward_daily_hazard"):
        low, high = ((result.summary[name]["p05"], result.summary[name]["p95"]) if quantiles
                     else (posterior[name].min(), posterior[name].max()))
        assert low <= TRUTH[name] <= high, (name, low, high)
    shock = result.summary["behaviour.leaving.shock_hazard"]
    assert 0.67 < shock["median"] / TRUTH["behaviour.leaving.shock_hazard"] < 1.5
    assert shock["p95"] - shock["p05"] < 0.5 * (0.03 - 0.004)  # the data narrowed the prior


def test_recovers_known_parameters_fast(tmp_path):
    """Three populations of 25 (no wall-time budget, so a loaded machine gives the same answer): the
    accepted particles bracket the truth."""
    scenario = load_scenario(TINY)
    result = calibrate(scenario, truth_targets(0.10), budget=None, max_populations=3, out_dir=tmp_path,
                       workers=2, population_size=25, seed=3, min_acceptance_rate=0.02, progress=False,
                       prior_draws=0)
    check_recovery(result, quantiles=False)
    record = result.record
    assert record["simulations"] > 0 and len(record["populations"]) == 3
    assert record["stopped_because"] == "population limit reached" and record["budget"]["wall_time_s"] is None
    files = write_calibration(result, out_dir=tmp_path, calibrated_file=tmp_path / "cal" / "tiny.yaml",
                              command="pytest")
    assert (tmp_path / "abc.db").exists()
    posterior = pd.read_csv(files["posterior"])
    assert {"weight", "distance", "behaviour.leaving.shock_hazard", "sim_kz_entries"} <= set(posterior.columns)
    written = yaml.safe_load(files["calibrated"].read_text())
    assert set(written["parameters"]) == set(TRUTH)
    saved = yaml.safe_load(files["record"].read_text())
    assert files["record"].name == "tiny.record.yaml"
    assert saved["priors"][0]["name"] == "behaviour.leaving.shock_hazard"
    assert {"budget", "populations", "posterior", "seed", "scale", "wall_time_s", "simulations"} <= set(saved)


def test_the_same_seed_gives_the_same_posterior_with_one_worker_or_two(tmp_path):
    """Proposals are seeded by their number and taken in that order, not in the order workers finish."""
    scenario = load_scenario(TINY)
    targets = truth_targets(0.10)
    results = [calibrate(scenario, targets, budget=None, max_populations=2, out_dir=tmp_path / str(workers),
                         workers=workers, population_size=6, seed=11, progress=False, prior_draws=0)
               for workers in (1, 2)]
    pd.testing.assert_frame_equal(results[0].posterior, results[1].posterior)
    assert results[0].record["simulations"] == results[1].record["simulations"]
    assert results[0].point == results[1].point


@pytest.mark.slow
def test_recovers_known_parameters_with_a_real_budget(tmp_path):
    """Larger population and tighter targets: the 5-95 % posterior interval covers the truth."""
    scenario = load_scenario(TINY)
    result = calibrate(scenario, truth_targets(0.05), budget=dt.timedelta(minutes=4), out_dir=tmp_path,
                       workers=2, population_size=150, seed=4, progress=False)
    check_recovery(result, quantiles=True)


def test_command_line_calibration(tmp_path, capsys):
    from flowsim.cli import main

    work = tmp_path / "scenario"
    work.mkdir()
    text = with_absolute_targets(TINY.read_text())
    (work / "tiny.yaml").write_text(text.replace("calibration:\n", "calibration:\n  calibrated_file: cal/tiny.yaml\n"))
    status = main(["calibrate", str(work / "tiny.yaml"), "--population-size", "15",
                   "--max-populations", "2", "--check-runs", "1", "--prior-draws", "6",
                   "--history-match-runs", "8", "--history-match-waves", "1",
                   "--out", str(tmp_path / "out"), "--quiet"])
    assert status == 0, capsys.readouterr().err
    record = yaml.safe_load((work / "cal" / "tiny.record.yaml").read_text())
    informativeness = {row["id"]: row for row in record["informativeness"]["targets"]}
    assert record["informativeness"]["prior_draws"] == 6 and "F14" in informativeness
    assert all(0 <= row["prior_share_inside"] <= 1 for row in informativeness.values() if row["prior_share_inside"] == row["prior_share_inside"])
    assert {row["parameter"] for row in record["identifiability"]} == set(record["calibrated_values"])
    assert record["provenance"]["calibrated"] == list(record["calibrated_values"])
    assert (work / "cal" / "tiny.posterior.csv").is_file()
    assert (tmp_path / "out" / "figures" / "posterior_pairs.png").stat().st_size > 10_000
    assert record["validation_at_scale_1"]["runs"] == 1
    assert record["validation_at_scale_1"]["holds"] is False
    assert "--max-populations 2" in record["command"]
    assert len(record["populations"]) <= 2
    assert all(0 < row["effective_sample_size"] <= 15 for row in record["populations"])
    discrepancy = pd.read_csv(tmp_path / "out" / "discrepancy.csv")
    assert list(discrepancy["id"]) == [t["id"] for t in record["informativeness"]["targets"]]
    assert set(discrepancy["verdict"].str.split(" ").str[0]) <= {"reachable", "unreachable"}
    assert (tmp_path / "out" / "figures" / "discrepancy.png").stat().st_size > 10_000
    assert load_scenario(work / "tiny.yaml").get_value("behaviour.leaving.shock_hazard") == \
        record["calibrated_values"]["behaviour.leaving.shock_hazard"]
    with pytest.raises(SystemExit):
        main(["calibrate", str(work / "tiny.yaml"), "--budget", "soon"])
    assert "not a duration" in capsys.readouterr().err
