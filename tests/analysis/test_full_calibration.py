"""The committed calibration of the baseline, re-run in full from its record (slow: about 25 minutes
of two idle cores; 1,481 s on 7 Dec).

The record (scenarios/calibrated/mobilization_2022.record.yaml) holds the command that wrote the
committed posterior. Run again with the same seed into a temporary folder, it must learn the same
posterior (its budget is counted in runs, not seconds: the machine's load does not change it), with
an effective sample of at least the record's requirement (200) and an informative simulation-based
calibration whose ranks are uniform for at least as many parameters as the committed one's.
"""

from __future__ import annotations

import shlex

import pytest
import yaml
from helpers.paths import BASELINE

from flowsim.cli import main
from flowsim.kinds.mobilization.scenario import load_scenario


def committed_record() -> dict:
    scenario = load_scenario(BASELINE)
    path = scenario.calibrated_path.with_name(scenario.calibrated_path.stem + ".record.yaml")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def rerun_arguments(command: str, out, calibrated_file) -> list[str]:
    """The recorded command's options, with its scenario, output folder and calibrated file replaced."""
    words = shlex.split(command)[2:]  # drop 'flowsim calibrate'
    arguments = [str(BASELINE)]
    skip = False
    for word in words[1:]:
        if skip:
            skip = False
            continue
        if word in ("--out", "--calibrated-file"):
            skip = True
            continue
        arguments.append(word)
    return [*arguments, "--out", str(out), "--calibrated-file", str(calibrated_file), "--quiet"]


@pytest.mark.slow
def test_the_committed_calibration_reruns_inside_its_posterior_with_200_effective_particles(tmp_path):
    record = committed_record()
    assert record["method"] == "emulator"
    status = main(["calibrate", *rerun_arguments(record["command"], tmp_path / "out", tmp_path / "cal" / "base.yaml")])
    assert status == 0
    rerun = yaml.safe_load((tmp_path / "cal" / "base.record.yaml").read_text(encoding="utf-8"))
    assert rerun["effective_sample_size"] >= rerun["effective_sample_size_required"] >= 200
    committed = {row["name"]: row for row in record["posterior"]} if isinstance(record["posterior"], list) \
        else record["posterior"]
    for name, value in rerun["calibrated_values"].items():
        row = committed[name]
        assert row["p05"] <= value <= row["p95"], (name, value, row)
    assert rerun["sbc"]["informative"] and rerun["sbc"]["data_sets"] >= 200
    uniform = sum(p["uniform"] for p in rerun["sbc"]["parameters"])
    assert uniform >= sum(p["uniform"] for p in record["sbc"]["parameters"])
