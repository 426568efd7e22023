"""Bands carry parameter uncertainty: runs draw their parameters from the committed posterior."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from helpers.paths import TINY, with_absolute_targets

from flowsim.analysis.compare import run_comparison
from flowsim.analysis.ensemble import run_ensemble
from flowsim.analysis.posterior import (
    Posterior,
    correlations,
    identifiability,
    load_posterior,
    strong_pairs,
    uncertainty_for,
)
from flowsim.analysis.validation import validate
from flowsim.cli import main
from flowsim.kinds.mobilization.scenario import load_scenario

SHOCK = "behaviour.leaving.shock_hazard"
ONWARD = "behaviour.after_arrival.onward_daily_hazard"
GEORGIA = "behaviour.choice.appeal.georgia"


@pytest.fixture
def calibrated_tiny(tmp_path):
    """The tiny world with a calibrated file and a committed posterior of three particles."""
    text = with_absolute_targets(TINY.read_text()).replace(
        "calibration:\n", "calibration:\n  calibrated_file: tiny_calibrated.yaml\n")
    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(text)
    (tmp_path / "tiny_calibrated.yaml").write_text(f"parameters:\n  {SHOCK}: 0.01\n")
    pd.DataFrame({"weight": [0.2, 0.3, 0.5], SHOCK: [0.005, 0.01, 0.02], ONWARD: [0.01, 0.03, 0.06],
                  GEORGIA: [0.0, 1.0, 2.0]}).to_csv(tmp_path / "tiny_calibrated.posterior.csv", index=False)
    return scenario


def test_draws_follow_the_particle_weights():
    posterior = Posterior.from_frame(pd.DataFrame({"weight": [1.0, 3.0], "a": [0.0, 1.0]}), ["a"])
    draws = posterior.draws(4000, 1)
    assert np.mean([d["a"] for d in draws]) == pytest.approx(0.75, abs=0.03)


def test_a_ridge_shows_as_a_strong_correlation_and_a_narrow_posterior_as_a_small_width(calibrated_tiny):
    scenario = load_scenario(calibrated_tiny)
    rng = np.random.default_rng(0)
    shock = np.exp(rng.uniform(np.log(0.004), np.log(0.03), 400))
    frame = pd.DataFrame({"weight": 1.0, SHOCK: shock, ONWARD: 0.2 / (shock * 1000),
                          GEORGIA: rng.normal(1.0, 0.02, 400)})
    posterior = Posterior.from_frame(frame, [SHOCK, ONWARD, GEORGIA])
    table = identifiability(posterior, scenario).set_index("parameter")
    assert table.loc[SHOCK, "width_ratio"] > 0.8
    assert table.loc[GEORGIA, "width_ratio"] < 0.05
    pairs = strong_pairs(correlations(posterior))
    assert [(p["a"], p["b"]) for p in pairs] == [(SHOCK, ONWARD)] and pairs[0]["r"] < -0.5


def test_runs_take_one_posterior_draw_each_and_say_so(calibrated_tiny):
    scenario = load_scenario(calibrated_tiny)
    assert load_posterior(scenario).parameters == (SHOCK, ONWARD, GEORGIA)
    with_draws = uncertainty_for(scenario, runs=6, seed=1, posterior_draws=None)
    assert len(with_draws.parameter_sets) == 6
    assert {d[SHOCK] for d in with_draws.parameter_sets} <= {0.005, 0.01, 0.02}
    assert "3" not in with_draws.label and "6 posterior draws" in with_draws.label
    two = uncertainty_for(scenario, runs=6, seed=1, posterior_draws=2)
    assert two.parameter_sets[0] == two.parameter_sets[2] == two.parameter_sets[4]
    assert uncertainty_for(scenario, runs=6, seed=1, posterior_draws=0).label == "seed noise only"


def test_parameter_draws_widen_the_band_beyond_seed_noise(calibrated_tiny, tmp_path):
    seed_only = run_ensemble(calibrated_tiny, 6, seed=3, out_dir=tmp_path / "seeds", executor="serial",
                             progress=False, posterior_draws=0)
    drawn = run_ensemble(calibrated_tiny, 6, seed=3, out_dir=tmp_path / "drawn", executor="serial",
                         progress=False)
    spread = {name: result.outputs["total_leavers"].std() for name, result in
              (("seeds", seed_only), ("drawn", drawn))}
    assert spread["drawn"] > 3 * spread["seeds"]
    assert drawn.manifest["uncertainty"].startswith("parameter and seed uncertainty")
    meta = json.loads((drawn.run_dir(0) / "done.json").read_text())
    assert set(meta["parameters"]) == {SHOCK, ONWARD, GEORGIA}


def test_compare_runs_both_arms_on_the_same_draws_and_seeds(calibrated_tiny, tmp_path):
    whatif = tmp_path / "whatif.yaml"
    whatif.write_text("extends: tiny.yaml\nname: tiny_no_lars\nevents:\n"
                      "  - {id: lars_shut, date: 2022-09-12, kind: close_crossing, label: shut, crossing: ge_upper_lars}\n")
    result = run_comparison(calibrated_tiny, whatif, 4, seed=5, out_dir=tmp_path / "cmp", executor="serial",
                            progress=False)
    base = [json.loads((result.base.run_dir(i) / "done.json").read_text()) for i in range(4)]
    other = [json.loads((result.whatif.run_dir(i) / "done.json").read_text()) for i in range(4)]
    assert [(b["seed"], b["parameters"]) for b in base] == [(o["seed"], o["parameters"]) for o in other]


def test_validate_reports_the_band_kind_and_flees_ard(calibrated_tiny, tmp_path, capsys):
    frame = validate(load_scenario(calibrated_tiny), 3, 2, None, posterior_draws=None)
    assert frame.attrs["uncertainty"].startswith("parameter and seed")
    assert set(frame["role"]) <= {"calibration", "check"}
    assert main(["validate", str(calibrated_tiny), "--runs", "2", "--out", str(tmp_path / "v"), "--quiet"]) == 0
    assert (tmp_path / "v" / "validation.csv").is_file()
    assert (tmp_path / "v" / "figures" / "documented_vs_simulated.png").stat().st_size > 10_000
