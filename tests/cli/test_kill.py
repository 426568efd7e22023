"""Kill-safety: real ``flowsim`` processes killed with SIGKILL at random moments (issue 12).

- ``flowsim run`` into a folder holding a complete earlier run leaves every file either
  the old complete version or the new complete one, and no temporary files;
- an ensemble killed midway and rerun with ``--resume`` finishes without redoing finished
  runs, with bands identical to an uninterrupted ensemble;
- two runs writing to the same ``--out`` at once do not interleave: the second is told.
"""

from __future__ import annotations

import random
import shutil
import signal
import time
from pathlib import Path

import pytest

from helpers.paths import TINY
from helpers.processes import complete, finish, killed_midway_resumes_to_identical_bands, snapshot, start

SCALE = "100"
KILLS = 5


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    """An earlier complete run (seed 1, with figures), the new run's tables (seed 2), their durations."""
    folder = tmp_path_factory.mktemp("kill")
    done = {"folder": folder}
    for seed, figures in ((1, []), (2, ["--no-figures"])):
        out = folder / f"seed{seed}"
        began = time.perf_counter()
        code, err = finish(start("run", TINY, "--scale", SCALE, "--seed", seed, "--out", out, "--quiet", *figures))
        assert code == 0, err
        done[seed] = snapshot(out)
        done["seconds", bool(figures)] = time.perf_counter() - began
    return done


def kill_at_random(runs: dict, out: Path, moment: float, *figures: str) -> dict[str, bytes]:
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(runs["folder"] / "seed1", out)
    process = start("run", TINY, "--scale", SCALE, "--seed", 2, "--out", out, "--quiet", *figures)
    time.sleep(moment)
    process.send_signal(signal.SIGKILL)
    process.wait()
    return snapshot(out)


def test_a_run_killed_at_random_moments_leaves_old_or_new_files(runs):
    old, new = runs[1], runs[2]
    rng = random.Random(12)
    out = runs["folder"] / "target"
    tables_only, with_figures = runs["seconds", True], runs["seconds", False]
    plan = [(rng.uniform(0.2, tables_only * 1.2), "--no-figures") for _ in range(KILLS)]
    plan.append((rng.uniform(tables_only, with_figures), ""))  # while drawing the figures
    for moment, figures in plan:
        now = kill_at_random(runs, out, moment, *([figures] if figures else []))
        strays = sorted(set(now) - set(old))
        assert not strays, f"kill at {moment:.2f} s left {strays}"
        assert set(now) == set(old), "no file of the earlier run disappeared"
        for name, data in now.items():
            if data in (old.get(name), new.get(name)):
                continue
            assert complete(name, data), f"kill at {moment:.2f} s: {name} is neither the old nor the new file"
    # and a run after all that completes, with the new tables
    code, err = finish(start("run", TINY, "--scale", SCALE, "--seed", 2, "--out", out, "--quiet", "--no-figures"))
    assert code == 0, err
    final = snapshot(out)
    assert {n: d for n, d in final.items() if n.endswith(".csv")} == {n: d for n, d in new.items()
                                                                        if n.endswith(".csv")}
    print("killed at", [round(m, 2) for m, _ in plan])


def test_a_second_run_on_the_same_out_is_told_and_does_not_interleave(runs):
    out = runs["folder"] / "shared"
    first = start("run", TINY, "--scale", SCALE, "--seed", 1, "--out", out, "--quiet")
    # the first file in the folder is written under the first run's lock; the first run is then
    # held still until the second has answered, so the overlap does not depend on timing
    while first.poll() is None and not (out.exists() and any(out.iterdir())):
        time.sleep(0.005)
    first.send_signal(signal.SIGSTOP)
    second = start("run", TINY, "--scale", SCALE, "--seed", 2, "--out", out, "--quiet", "--no-figures")
    code2, err2 = finish(second)
    first.send_signal(signal.SIGCONT)
    code1, err1 = finish(first)
    assert code1 == 0, err1
    assert code2 == 2 and "another flowsim" in err2 and err2.count("\n") == 1, err2
    assert {n: d for n, d in snapshot(out).items() if n.endswith(".csv")} == {
        n: d for n, d in runs[1].items() if n.endswith(".csv")}


def test_an_ensemble_killed_midway_resumes_to_identical_bands(tmp_path):
    killed_midway_resumes_to_identical_bands(
        ["ensemble", TINY, "--runs", "6", "--executor", "serial", "--scale", "100", "--seed", "4"], tmp_path,
        ("daily_bands.csv", "crossings_bands.csv", "ensemble_summary.csv", "run_outputs.csv"))
