"""The committed, calibrated baseline reproduces every documented figure of the targets file.

Targets (values, intervals, citations) are read from scenarios/targets/mobilization_2022.yaml;
nothing here types a number from the sources. Runs are at full scale (every person an agent).
"""

from __future__ import annotations

import pytest

from conftest import BASELINE
from flowsim.analysis.executors import make_executor
from flowsim.analysis.validation import scenario_targets, validate
from flowsim.scenario import load_scenario

SEEDS = 10
REQUIRED_SHARE_OF_SEEDS = 0.8


@pytest.fixture(scope="module")
def validation():
    scenario = load_scenario(BASELINE)
    with make_executor("process", workers=2) as pool:
        return validate(scenario, SEEDS, seed=2022, scale=1, executor=pool)


def test_the_baseline_is_calibrated_from_its_committed_parameter_file():
    scenario = load_scenario(BASELINE)
    assert scenario.calibrated_path is not None and scenario.calibrated_path.exists()
    assert scenario.calibrated_path.with_suffix(".record.yaml").exists()


def test_every_target_of_the_targets_file_is_checked(validation):
    targets = scenario_targets(load_scenario(BASELINE))
    assert list(validation["id"]) == list(targets.ids)
    assert len(validation) >= 11


@pytest.mark.parametrize("target_id", [t.id for t in scenario_targets(load_scenario(BASELINE))])
def test_the_median_of_ten_seeds_lies_inside_the_documented_interval(validation, target_id):
    row = validation.set_index("id").loc[target_id]
    assert row["inside"], (
        f"{target_id} ({row['label']}): simulated median {row['sim_median']:,.4g} outside "
        f"[{row['low']}, {row['high']}] documented as {row['documented']}")


@pytest.mark.parametrize("target_id", [t.id for t in scenario_targets(load_scenario(BASELINE))])
def test_at_least_eight_seeds_in_ten_lie_inside(validation, target_id):
    row = validation.set_index("id").loc[target_id]
    assert row["share_inside"] >= REQUIRED_SHARE_OF_SEEDS, (
        f"{target_id}: only {row['share_inside']:.0%} of seeds inside [{row['low']}, {row['high']}]")
