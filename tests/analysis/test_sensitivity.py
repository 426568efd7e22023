"""Sensitivity analysis: parameter problem, Morris and Sobol' runs, failed runs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from helpers.paths import TINY
from flowsim.analysis.sensitivity import (
    evaluate_point,
    parameter_problem,
    run_sensitivity,
    to_values,
)
from flowsim.cli import main
from flowsim.errors import EnsembleError
from flowsim.kinds.mobilization.scenario import load_scenario

SCALE = 200.0
FAILED_CALLS: list[float] = []


def fails_at_high_shock(scenario, values, seed, scale, outputs):
    """Fails (every time) at the points with the largest shock hazard of the design."""
    if values["behaviour.leaving.shock_hazard"] > 0.025:
        FAILED_CALLS.append(values["behaviour.leaving.shock_hazard"])
        raise RuntimeError("injected failure")
    return evaluate_point(scenario, values, seed, scale, outputs)


def test_problem_samples_log_parameters_in_log10_space():
    sc = load_scenario(TINY)
    problem = parameter_problem(sc)
    assert problem["names"][0] == "behaviour.leaving.shock_hazard"
    assert problem["log"] == [True, True, False]
    assert problem["bounds"][0] == pytest.approx([math.log10(0.004), math.log10(0.03)])
    assert problem["bounds"][2] == [-1.0, 3.0]
    values = to_values(problem, np.array([math.log10(0.01), math.log10(0.02), 0.5]))
    assert values["behaviour.leaving.shock_hazard"] == pytest.approx(0.01)
    assert values["behaviour.choice.appeal.georgia"] == 0.5


def test_morris_gives_finite_mu_star_for_every_parameter(tmp_path):
    result = run_sensitivity(TINY, "morris", n=4, replicates=2, seed=1, scale=SCALE, out_dir=tmp_path,
                             executor="serial", progress=False)
    table = pd.read_csv(tmp_path / "sensitivity.csv")
    assert set(table["parameter"]) == set(parameter_problem(load_scenario(TINY))["names"])
    assert len(table) == 3 * 4  # parameters × default outputs
    assert np.isfinite(table["mu_star"]).all() and np.isfinite(table["mu_star_conf"]).all()
    assert len(result.samples) == 4 * (3 + 1) and (result.samples["replicates_ok"] == 2).all()
    assert (tmp_path / "sensitivity.png").exists() and (tmp_path / "sensitivity.svg").exists()
    shock = table[(table["output"] == "total_leavers")].set_index("parameter")["mu_star"]
    assert shock.idxmax() == "behaviour.leaving.shock_hazard"


def test_sobol_first_and_total_order(tmp_path):
    result = run_sensitivity(TINY, "sobol", n=4, replicates=1, seed=2, scale=SCALE, out_dir=tmp_path,
                             executor="serial", outputs=["total_leavers"], progress=False)
    assert len(result.samples) == 4 * (3 + 2)
    assert {"S1", "S1_conf", "ST", "ST_conf"} <= set(result.table.columns)
    assert np.isfinite(result.table[["S1", "ST"]].to_numpy()).all()


def test_failed_points_are_retried_imputed_and_reported(tmp_path):
    FAILED_CALLS.clear()
    result = run_sensitivity(TINY, "morris", n=4, replicates=1, seed=1, scale=SCALE, out_dir=tmp_path,
                             executor="serial", worker=fails_at_high_shock, progress=False)
    failures = pd.read_csv(tmp_path / "sensitivity_failures.csv")
    assert len(FAILED_CALLS) == 2 * len(failures) > 0  # each failed run was tried twice
    assert result.imputed and all(v == failures["point"].nunique() for v in result.imputed.values())
    assert np.isfinite(result.table["mu_star"]).all()
    assert result.manifest["runs_failed"] == len(failures)


def test_bad_requests_are_user_errors(tmp_path, capsys):
    with pytest.raises(EnsembleError, match="power of two"):
        run_sensitivity(TINY, "sobol", n=6, out_dir=tmp_path, executor="serial")
    with pytest.raises(EnsembleError, match="Allowed: .*wave_entries_turkey"):
        run_sensitivity(TINY, "morris", n=2, outputs=["nonsense"], out_dir=tmp_path, executor="serial")
    assert main(["sensitivity", str(TINY), "--method", "sobol", "--n", "5",
                 "--executor", "serial", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "power of two" in err and "Traceback" not in err
