"""Kill-safety of network scenarios (imported Flee cases): ``validate`` and ``calibrate`` killed with
SIGKILL at random moments leave every file old-and-whole or new-and-whole, and a rerun finishes
with the tables an uninterrupted run writes; an ``ensemble`` killed midway resumes to the bands of
an uninterrupted one (issue 22).
"""

from __future__ import annotations

import random
import shutil
import signal
import time

import pytest
import yaml

from flowsim.cli import main
from helpers.paths import ROOT
from helpers.processes import complete, finish, killed_midway_resumes_to_identical_bands, snapshot, start

CASE = ROOT / "tests" / "data" / "flee" / "burundi2015"
KILLS = 3


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    """burundi2015 imported, cut to 120 days so a run takes a moment."""
    folder = tmp_path_factory.mktemp("network_kill")
    path = folder / "burundi2015.yaml"
    assert main(["import-flee", str(CASE), "--out", str(path)]) == 0
    path.write_text(path.read_text().replace("days: 396", "days: 120"))
    return path


def killed_at(args: list, out, moment: float) -> dict[str, bytes]:
    process = start(*args, "--out", out)
    time.sleep(moment)
    process.send_signal(signal.SIGKILL)
    process.wait()
    return snapshot(out) if out.exists() else {}


def whole_or_known(now: dict[str, bytes], *known: dict[str, bytes]) -> list[str]:
    """Names of files that are neither one of the known versions nor whole by their own format."""
    bad = []
    for name, data in now.items():
        if any(data == k.get(name) for k in known):
            continue
        if name.endswith(".csv"):
            bad.append(name)  # a table must be exactly the old or the new one
        elif not complete(name, data):
            bad.append(name)
    return bad


def test_a_killed_network_ensemble_resumes_to_identical_bands(scenario, tmp_path):
    killed_midway_resumes_to_identical_bands(
        ["ensemble", scenario, "--runs", "6", "--executor", "serial", "--scale", "100", "--seed", "4"], tmp_path,
        ("daily_bands.csv", "camps_bands.csv", "outputs_bands.csv", "run_outputs.csv"))


def test_a_killed_network_validation_leaves_whole_files_and_reruns_to_the_same_tables(scenario, tmp_path):
    args = ["validate", scenario, "--runs", "2", "--scale", "400", "--seed", "1"]
    reference = tmp_path / "reference"
    began = time.perf_counter()
    code, err = finish(start(*args, "--out", reference))
    assert code == 0, err
    seconds = time.perf_counter() - began
    new = snapshot(reference)
    earlier = tmp_path / "earlier"
    code, err = finish(start("validate", scenario, "--runs", "2", "--scale", "400", "--seed", "2", "--out", earlier))
    assert code == 0, err
    old = snapshot(earlier)
    rng = random.Random(22)
    target = tmp_path / "target"
    for moment in [rng.uniform(0.1, seconds * 1.1) for _ in range(KILLS)]:
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(earlier, target)
        now = killed_at(args, target, moment)
        assert not [n for n in now if n.endswith(".tmp")], f"kill at {moment:.2f} s left temporary files"
        assert set(old) <= set(now), "a file of the earlier validation disappeared"
        assert not whole_or_known(now, old, new), f"kill at {moment:.2f} s left half-written files"
    code, err = finish(start(*args, "--out", target))
    assert code == 0, err
    final = snapshot(target)
    assert {n: d for n, d in final.items() if n.endswith(".csv")} == {n: d for n, d in new.items() if n.endswith(".csv")}


@pytest.mark.slow  # three calibrations: minutes on a busy machine
def test_a_killed_network_calibration_restarts_cleanly(scenario, tmp_path):
    args = ["calibrate", scenario, "--budget", "10m", "--population-size", "6", "--max-populations", "2",
            "--scale", "400", "--seed", "3", "--workers", "2"]
    calibrated = scenario.parent / "calibrated" / f"{scenario.stem}.yaml"
    out = tmp_path / "cal"
    began = time.perf_counter()
    code, err = finish(start(*args, "--out", out))
    assert code == 0, err
    seconds = time.perf_counter() - began
    first = calibrated.read_bytes()
    posterior = (out / "posterior.csv").read_bytes()
    for moment in (seconds * 0.3, seconds * 0.8):
        now = killed_at(args, out, moment)
        assert not [n for n in now if n.endswith(".tmp")]
        assert calibrated.read_bytes() == first, "the calibrated file is the earlier one, whole"
        assert yaml.safe_load(calibrated.read_text())["parameters"]
    code, err = finish(start(*args, "--out", out))
    assert code == 0, err
    # the same seed gives the same calibration whichever worker finished first, killed or not
    assert calibrated.read_bytes().split(b"\n", 2)[2] == first.split(b"\n", 2)[2]
    assert (out / "posterior.csv").read_bytes() == posterior
