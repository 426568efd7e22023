"""Ensembles: seeds, percentile bands, executors that agree, retries and resuming."""

from __future__ import annotations

import json
import operator
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.flee_case import make_flee_case
from helpers.paths import ROOT, TINY, with_absolute_targets
from flowsim.analysis import executors
from flowsim.analysis.ensemble import percentile_bands, run_ensemble, run_member
from flowsim.analysis.executors import SerialExecutor, make_executor, run_tasks
from flowsim.kinds.network.scenario.flee_import import import_flee
from flowsim.run.seeds import spawn_seeds
from flowsim.cli import ensemble as ensemble_command
from flowsim.cli import build_parser, main
from flowsim.errors import EnsembleError

SCALE = 200.0
BAND_FILES = ("daily_bands.csv", "crossings_bands.csv", "ensemble_summary.csv", "run_outputs.csv",
              "outputs_bands.csv")

CALLS: Counter = Counter()


def counting_member(scenario, seed, scale, parameters=None):
    CALLS[seed] += 1
    return run_member(scenario, seed, scale)


def failing_member(scenario, seed, scale, parameters=None):
    """Fails for every seed listed in FAIL_SEEDS, counting all calls."""
    CALLS[seed] += 1
    if seed in FAIL_SEEDS:
        raise RuntimeError(f"injected failure for seed {seed}")
    return run_member(scenario, seed, scale)


def flaky_member(scenario, seed, scale, parameters=None):
    """Fails the first time it sees a seed listed in FAIL_SEEDS, succeeds the second time."""
    CALLS[seed] += 1
    if seed in FAIL_SEEDS and CALLS[seed] == 1:
        raise RuntimeError("transient failure")
    return run_member(scenario, seed, scale)


FAIL_SEEDS: set[int] = set()


@pytest.fixture(autouse=True)
def _reset_counters():
    CALLS.clear()
    FAIL_SEEDS.clear()
    yield


# --------------------------------------------------------------------------- pure parts


def test_seeds_are_spawned_children_stable_under_extension():
    seeds = spawn_seeds(42, 5)
    expected = [int(c.generate_state(1)[0]) for c in np.random.SeedSequence(42).spawn(5)]
    assert seeds == expected
    assert spawn_seeds(42, 8)[:5] == seeds
    assert len(set(spawn_seeds(42, 100))) == 100
    assert spawn_seeds(43, 5) != seeds


def test_percentile_bands_per_row_and_column():
    frames = [pd.DataFrame({"date": ["d1", "d2"], "country": ["kz", "kz"],
                            "entries": [float(v), float(10 * v)], "label": ["x", "x"]})
              for v in range(1, 102)]  # 101 runs: percentiles fall on exact values
    bands = percentile_bands(frames[::-1], ("date", "country"))
    assert list(bands.columns) == ["date", "country", "label", "entries_p05", "entries_p25",
                                   "entries_p50", "entries_p75", "entries_p95"]
    assert bands.loc[0, ["entries_p05", "entries_p50", "entries_p95"]].tolist() == [6.0, 51.0, 96.0]
    assert bands.loc[1, "entries_p25"] == 260.0


def test_percentile_bands_rejects_runs_with_other_rows():
    a = pd.DataFrame({"date": ["d1"], "country": ["kz"], "x": [1]})
    b = pd.DataFrame({"date": ["d2"], "country": ["kz"], "x": [1]})
    with pytest.raises(ValueError, match="different"):
        percentile_bands([a, b], ("date", "country"))


def _sometimes_fails(x: int) -> int:
    CALLS[x] += 1
    if x == 3 and CALLS[x] == 1:
        raise ValueError("first try fails")
    if x == 5:
        raise ValueError("always fails")
    return x * x


def test_run_tasks_retries_once_then_reports():
    outcomes = {o.key: o for o in run_tasks(SerialExecutor(), _sometimes_fails,
                                            ((i, (i,)) for i in range(7)))}
    assert outcomes[3].ok and outcomes[3].value == 9 and outcomes[3].attempts == 2
    assert not outcomes[5].ok and outcomes[5].attempts == 2 and "always fails" in outcomes[5].error
    assert CALLS[5] == 2 and CALLS[0] == 1


@pytest.mark.parametrize("kind", ["serial", "process", "dask"])
def test_executors_compute_the_same(kind):
    with make_executor(kind, workers=2) as pool:
        got = {o.key: o.value for o in run_tasks(pool, operator.mul, ((i, (i, 7)) for i in range(10)))}
    assert got == {i: 7 * i for i in range(10)}


# --------------------------------------------------------------------------- ensembles of the tiny scenario


def test_serial_process_and_dask_ensembles_are_byte_identical(tmp_path):
    results = {}
    for kind in ("serial", "process", "dask"):
        res = run_ensemble(TINY, 4, seed=11, scale=SCALE, out_dir=tmp_path / kind, executor=kind,
                           workers=2, progress=False)
        assert res.completed == [0, 1, 2, 3] and res.failed.empty
        results[kind] = {name: (tmp_path / kind / name).read_bytes() for name in BAND_FILES}
    assert results["process"] == results["serial"]
    assert results["dask"] == results["serial"]
    manifest = json.loads((tmp_path / "dask" / "manifest.json").read_text())
    assert manifest["seeds"] == spawn_seeds(11, 4) and manifest["executor"]["kind"] == "dask"
    assert manifest["status"] == "complete" and manifest["scale"] == SCALE


def test_ensemble_files_and_bands(tmp_path):
    res = run_ensemble(TINY, 3, seed=5, scale=SCALE, out_dir=tmp_path, executor="serial", progress=False)
    for index in range(3):
        folder = tmp_path / "runs" / f"run_{index:04d}"
        names = {p.name for p in folder.iterdir()}
        assert {"daily.csv", "crossings.csv", "flows.csv", "profile.csv", "population.csv",
                "summary.csv", "done.json"} <= names
    daily = pd.read_csv(tmp_path / "daily_bands.csv")
    one = pd.read_csv(tmp_path / "runs" / "run_0000" / "daily.csv")
    assert len(daily) == len(one)
    assert (daily["entries_total_p05"] <= daily["entries_total_p50"]).all()
    assert (daily["entries_total_p50"] <= daily["entries_total_p95"]).all()
    assert set(res.summary["country"]) == {"kazakhstan", "georgia", "turkey"}
    assert len(res.outputs) == 3 and np.isfinite(res.outputs["total_leavers"]).all()
    assert "crossing" in pd.read_csv(tmp_path / "crossings_bands.csv").columns


def test_failed_run_is_retried_once_and_reported(tmp_path):
    seeds = spawn_seeds(3, 3)
    FAIL_SEEDS.add(seeds[1])
    res = run_ensemble(TINY, 3, seed=3, scale=SCALE, out_dir=tmp_path, executor="serial",
                       worker=failing_member, progress=False)
    assert CALLS[seeds[1]] == 2 and CALLS[seeds[0]] == 1
    assert res.completed == [0, 2]
    failed = pd.read_csv(tmp_path / "runs_failed.csv")
    assert failed["run"].tolist() == [1] and "injected failure" in failed["error"].iloc[0]
    assert json.loads((tmp_path / "manifest.json").read_text())["status"] == "incomplete"


def test_transient_failure_succeeds_on_retry(tmp_path):
    seeds = spawn_seeds(3, 2)
    FAIL_SEEDS.add(seeds[0])
    res = run_ensemble(TINY, 2, seed=3, scale=SCALE, out_dir=tmp_path, executor="serial",
                       worker=flaky_member, progress=False)
    assert res.completed == [0, 1] and res.failed.empty
    assert json.loads((tmp_path / "runs" / "run_0000" / "done.json").read_text())["attempts"] == 2
    assert not (tmp_path / "runs_failed.csv").exists()


def test_resume_runs_only_what_is_missing(tmp_path):
    seeds = spawn_seeds(9, 4)
    FAIL_SEEDS.update({seeds[2], seeds[3]})  # an "interrupted" ensemble: runs 2 and 3 unfinished
    run_ensemble(TINY, 4, seed=9, scale=SCALE, out_dir=tmp_path, executor="serial",
                 worker=failing_member, progress=False)
    kept = tmp_path / "runs" / "run_0000" / "daily.csv"
    before = kept.stat().st_mtime_ns
    CALLS.clear()
    FAIL_SEEDS.clear()
    res = run_ensemble(TINY, 5, seed=9, scale=SCALE, out_dir=tmp_path, executor="serial", resume=True,
                       worker=counting_member, progress=False)
    assert set(CALLS) == {seeds[2], seeds[3], spawn_seeds(9, 5)[4]}
    assert res.resumed == [0, 1] and res.completed == [0, 1, 2, 3, 4]
    assert kept.stat().st_mtime_ns == before
    assert not (tmp_path / "runs_failed.csv").exists()
    fresh = run_ensemble(TINY, 5, seed=9, scale=SCALE, out_dir=tmp_path / "fresh", executor="serial",
                         progress=False)
    assert (tmp_path / "daily_bands.csv").read_bytes() == (fresh.out_dir / "daily_bands.csv").read_bytes()


def test_resume_refuses_another_seed(tmp_path):
    run_ensemble(TINY, 1, seed=1, scale=SCALE, out_dir=tmp_path, executor="serial", progress=False)
    with pytest.raises(EnsembleError, match="master_seed"):
        run_ensemble(TINY, 1, seed=2, scale=SCALE, out_dir=tmp_path, executor="serial", resume=True,
                     progress=False)


def test_cli_ensemble_runs_and_reports_user_errors(tmp_path, capsys):
    argv = ["ensemble", str(TINY), "--runs", "2", "--scale", "200", "--executor", "serial", "--out", str(tmp_path / "e")]
    assert build_parser().parse_args(argv).handler is ensemble_command.handle
    assert main(argv) == 0
    assert (tmp_path / "e" / "daily_bands.csv").exists()
    capsys.readouterr()
    assert main(["ensemble", str(tmp_path / "missing.yaml"), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "missing.yaml" in err and "Traceback" not in err
    assert main(["ensemble", str(TINY), "--runs", "0", "--executor", "serial", "--out", str(tmp_path / "z")]) == 2
    assert "--runs" in capsys.readouterr().err


def test_an_ensemble_is_validated_against_the_scenarios_targets(tmp_path):
    import pandas as pd

    from helpers.paths import TINY
    from flowsim.analysis.ensemble import run_ensemble

    run_ensemble(str(TINY), 3, seed=5, scale=20, out_dir=tmp_path, executor="serial", progress=False)
    validation = pd.read_csv(tmp_path / "validation.csv")
    assert {"F1_3", "F7_balance", "F15"} <= set(validation["id"])
    finite = validation.dropna(subset=["sim_median"])
    assert (finite["sim_p05"] <= finite["sim_median"]).all() and (finite["sim_median"] <= finite["sim_p95"]).all()


# --------------------------------------------------------------------------- dead workers and unreachable clusters


def dying_member(marker_dir, deaths, scenario, seed, scale, parameters=None):
    """Kills its own worker process (as the out-of-memory killer would) for run seed[1], ``deaths`` times.

    The deaths are counted in files, the only state that outlives a killed worker; which run
    dies is chosen by its seed, so the test does not depend on timing.
    """
    import os

    doomed = spawn_seeds(21, 4)[1]
    if seed == doomed:
        died = len(list(Path(marker_dir).glob("death_*")))
        if died < deaths:
            (Path(marker_dir) / f"death_{died}").touch()
            os._exit(137)
    return run_member(scenario, seed, scale)


def test_a_killed_worker_is_replaced_and_its_run_retried(tmp_path):
    import functools

    (tmp_path / "m").mkdir()
    res = run_ensemble(TINY, 4, seed=21, scale=SCALE, out_dir=tmp_path / "e", executor="process", workers=2,
                       worker=functools.partial(dying_member, tmp_path / "m", 1), progress=False)
    assert res.completed == [0, 1, 2, 3] and res.failed.empty
    assert len(list((tmp_path / "m").glob("death_*"))) == 1
    serial = run_ensemble(TINY, 4, seed=21, scale=SCALE, out_dir=tmp_path / "s", executor="serial", progress=False)
    assert (tmp_path / "e" / "daily_bands.csv").read_bytes() == (serial.out_dir / "daily_bands.csv").read_bytes()


KILLED_WORKER_SCRIPT = """
import os, sys
from tqdm import tqdm
from flowsim.analysis.executors import ProcessPool, run_tasks

def task(marker):
    tqdm(total=1, disable=True).close()  # a run's (hidden) progress bar, as flowsim.run makes
    if not os.path.exists(marker):
        open(marker, "w").close()
        os._exit(137)  # as the out-of-memory killer would
    return 1

if __name__ == "__main__":
    pool = ProcessPool(1)
    print(sum(outcome.value for outcome in run_tasks(pool, task, [("only", (sys.argv[1],))])))
    pool.shutdown()
"""


def test_a_killed_worker_leaks_no_semaphore(tmp_path):
    """A worker's progress bars lock with a thread lock: a worker killed mid-run leaves nothing for
    Python's resource tracker to warn about ("leaked semaphore objects") when the command ends."""
    import os
    import subprocess
    import sys

    script = tmp_path / "kill_a_worker.py"
    script.write_text(KILLED_WORKER_SCRIPT)
    done = subprocess.run([sys.executable, str(script), str(tmp_path / "died")], capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert done.returncode == 0 and done.stdout.strip() == "1", done.stderr
    assert (tmp_path / "died").exists(), "the first attempt killed its worker"
    assert "leaked semaphore" not in done.stderr, done.stderr


def test_a_worker_killed_twice_stops_in_one_paragraph_and_resume_finishes(tmp_path, capsys):
    import functools

    (tmp_path / "m").mkdir()
    out = tmp_path / "e"
    with pytest.raises(EnsembleError) as stopped:
        run_ensemble(TINY, 4, seed=21, scale=SCALE, out_dir=out, executor="process", workers=2,
                     worker=functools.partial(dying_member, tmp_path / "m", 2), progress=False)
    message = str(stopped.value)
    assert "died" in message and "--resume" in message and "\n" not in message and str(out) in message
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "stopped"
    assert not (out / "runs" / "run_0001" / "done.json").exists()
    res = run_ensemble(TINY, 4, seed=21, scale=SCALE, out_dir=out, executor="serial", resume=True, progress=False)
    assert res.completed == [0, 1, 2, 3] and 1 not in res.resumed
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"


def test_an_unreachable_scheduler_touches_no_output_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(executors, "SCHEDULER_TIMEOUT", "1s")  # nobody listens: no need to wait 10 s
    out = tmp_path / "never"
    status = main(["ensemble", str(TINY), "--runs", "2", "--scale", "200", "--scheduler", "tcp://127.0.0.1:1",
                   "--out", str(out)])
    err = capsys.readouterr().err
    assert status == 2 and "Dask scheduler" in err and "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize("kind", ["mobilization", "network"])
def test_an_unreachable_scheduler_stops_a_calibration_before_it_writes_anything(kind, tmp_path, capsys, monkeypatch):
    """History matching (mobilization) runs locally before the fit: the scheduler is checked first."""
    monkeypatch.setattr(executors, "SCHEDULER_TIMEOUT", "1s")  # nobody listens: no need to wait 10 s
    if kind == "network":
        scenario = import_flee(make_flee_case(tmp_path / "case"), tmp_path / "network.yaml")
        options = []
    else:
        scenario = tmp_path / "tiny.yaml"
        scenario.write_text(with_absolute_targets(TINY.read_text()))
        options = ["--history-match-runs", "4", "--history-match-waves", "1", "--prior-draws", "0"]
    before = sorted(tmp_path.rglob("*"))
    status = main(["calibrate", str(scenario), "--max-populations", "1", "--population-size", "4", *options,
                   "--scheduler", "tcp://127.0.0.1:1", "--out", str(tmp_path / "never")])
    err = capsys.readouterr().err
    assert status == 2 and "Dask scheduler" in err and "Traceback" not in err, err
    assert sorted(tmp_path.rglob("*")) == before, "no folder created, no file written"


def test_pool_workers_end_when_the_command_is_killed(tmp_path):
    """A command killed with SIGKILL cannot close its pool; its workers notice and end by themselves."""
    import os
    import signal
    import subprocess
    import sys
    import time

    script = ("import os, sys, time\n"
              "from flowsim.analysis.executors import make_executor\n"
              "if __name__ == '__main__':\n"
              "    with make_executor('process', 2) as pool:\n"
              "        print(pool.submit(os.getpid).result(), flush=True)\n"
              "        time.sleep(600)\n")
    (tmp_path / "pool.py").write_text(script)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    command = subprocess.Popen([sys.executable, str(tmp_path / "pool.py")], stdout=subprocess.PIPE, text=True,
                               env=env)
    worker = int(command.stdout.readline())
    os.kill(worker, 0)  # alive while the command is
    command.send_signal(signal.SIGKILL)
    command.wait()
    for _ in range(1200):  # a hang guard (two minutes), not a time budget: the worker checks every second
        try:
            os.kill(worker, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"pool worker {worker} outlived the killed command")
