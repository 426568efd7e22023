"""Bad command-line values, broken output folders and corrupt run folders (issue 12).

Each is refused before any work starts, as one paragraph with exit code 2; a write that
fails midway names the file and leaves the earlier complete run as it was. Permission
tests run ``flowsim`` without the capability to override file permissions when the tests
run as root (``setpriv``), since root may otherwise write into a read-only folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.paths import ROOT, TINY
from flowsim.cli import main

UNPRIVILEGED = (["setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner", "--"]
                if os.geteuid() == 0 and shutil.which("setpriv") else [])
SMALL = ["--scale", "400"]


def flowsim(*args: str, as_nobody: bool = False, file_size_limit: int | None = None,
            timeout: float = 600) -> subprocess.CompletedProcess:
    """``flowsim`` in a fresh process (this worktree's code), optionally unprivileged or with a size limit."""
    # The size limit is set by the child itself before it becomes flowsim: a preexec_fn would make
    # this (threaded) test process fork instead of spawning, which can deadlock (issue 22).
    command = [sys.executable, "-m", "flowsim.cli"]
    if file_size_limit is not None:
        command = [sys.executable, "-c",
                   "import os, resource, sys; n = int(sys.argv[1]); "
                   "resource.setrlimit(resource.RLIMIT_FSIZE, (n, n)); "
                   "os.execv(sys.executable, [sys.executable, '-m', 'flowsim.cli', *sys.argv[2:]])",
                   str(file_size_limit)]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "MPLBACKEND": "Agg"}
    prefix = UNPRIVILEGED if as_nobody else []
    return subprocess.run([*prefix, *command, *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, env=env, cwd=ROOT)


def one_paragraph(result: subprocess.CompletedProcess, *needles: str) -> str:
    err = result.stderr
    assert result.returncode == 2, err
    assert "Traceback" not in err, err
    assert err.count("\n") == 1, err
    for needle in needles:
        assert needle in err, err
    return err


def open_folder(path: Path) -> Path:
    """A folder every user can enter (pytest's tmp_path is private to root)."""
    path.mkdir(parents=True, exist_ok=True)
    for parent in [path, *path.parents]:
        if parent == Path("/tmp") or parent == Path("/"):
            break
        parent.chmod(parent.stat().st_mode | 0o755)
    return path


@pytest.fixture
def scenario(tmp_path) -> Path:
    folder = open_folder(tmp_path / "scenario")
    shutil.copy(TINY, folder / "tiny.yaml")
    shutil.copytree(ROOT / "scenarios" / "targets", folder / "targets")
    for p in folder.rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    return folder / "tiny.yaml"


# --------------------------------------------------------------------------- values


@pytest.mark.parametrize("command", ["run", "ensemble", "compare", "validate", "sensitivity"])
def test_a_negative_seed_is_refused(command, scenario, tmp_path, capsys):
    args = [command, str(scenario)] + ([str(scenario)] if command == "compare" else []) + ["--seed", "-1"]
    with pytest.raises(SystemExit) as stop:
        main(args)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "--seed" in err and "Traceback" not in err
    assert not (tmp_path / "outputs").exists()


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e-300", "0", "-2", "1e400", "ten"])
@pytest.mark.parametrize("command", ["run", "ensemble"])
def test_a_bad_scale_is_refused(command, value, scenario, capsys):
    with pytest.raises(SystemExit) as stop:
        main([command, str(scenario), "--scale", value])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "--scale" in err and "Traceback" not in err


# --------------------------------------------------------------------------- output folders


def test_out_inside_a_read_only_folder(scenario, tmp_path):
    locked = open_folder(tmp_path / "locked")
    locked.chmod(0o555)
    result = flowsim("run", scenario, "--out", locked / "run", *SMALL, "--quiet", as_nobody=True)
    one_paragraph(result, str(locked))
    assert not (locked / "run").exists()


def test_out_on_a_read_only_earlier_run(scenario, tmp_path):
    out = open_folder(tmp_path / "run")
    assert main(["run", str(scenario), "--out", str(out), *SMALL, "--quiet", "--no-figures"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    out.chmod(0o555)
    result = flowsim("run", scenario, "--out", out, *SMALL, "--quiet", "--seed", "5", as_nobody=True)
    one_paragraph(result, str(out))
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before


@pytest.mark.parametrize("command", ["run", "ensemble", "compare", "validate"])
def test_out_on_an_existing_file(command, scenario, tmp_path, capsys):
    out = tmp_path / "a_file"
    out.write_text("keep me")
    args = [command, str(scenario)] + ([str(scenario)] if command == "compare" else [])
    code = main([*args, "--out", str(out), "--runs" if command != "run" else "--quiet",
                 *(["2"] if command != "run" else [])])
    err = capsys.readouterr().err
    assert code == 2 and str(out) in err and "Traceback" not in err
    assert out.read_text() == "keep me"


def test_out_with_a_name_too_long_for_the_file_system(scenario, tmp_path, capsys):
    out = tmp_path / ("x" * 300) / "run"
    assert main(["run", str(scenario), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "too long" in err and "Traceback" not in err


def test_plot_on_a_read_only_run_folder(scenario, tmp_path):
    out = open_folder(tmp_path / "run")
    assert main(["run", str(scenario), "--out", str(out), *SMALL, "--quiet", "--no-figures"]) == 0
    out.chmod(0o555)
    result = flowsim("plot", out, as_nobody=True)
    one_paragraph(result, str(out))


def test_a_full_disk_names_the_file_and_keeps_the_earlier_run(scenario, tmp_path):
    out = open_folder(tmp_path / "run")
    assert main(["run", str(scenario), "--out", str(out), *SMALL, "--quiet", "--no-figures", "--seed", "1"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    result = flowsim("run", scenario, "--out", out, "--quiet", "--no-figures", "--seed", "2",
                     file_size_limit=15_000)
    err = one_paragraph(result, str(out))
    assert ".csv" in err
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert after == before, "the earlier complete run is left as it was"
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


# --------------------------------------------------------------------------- corrupt run folders


def test_plot_on_a_truncated_daily_table_names_the_file_and_row(scenario, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", str(scenario), "--out", str(out), *SMALL, "--quiet", "--no-figures"]) == 0
    daily = out / "daily.csv"
    raw = daily.read_bytes()
    daily.write_bytes(raw[: raw.index(b"\n", len(raw) // 2) + 5])  # in the middle of a row
    assert main(["plot", str(out)]) == 2
    assert "row" in capsys.readouterr().err
    daily.write_bytes(raw[: raw.index(b"\n", len(raw) // 2) + 1])  # after a whole row
    assert main(["plot", str(out)]) == 2
    err = capsys.readouterr().err
    assert "daily.csv" in err and "row" in err and "Traceback" not in err


@pytest.mark.parametrize("damage", ["truncate", "garbage", "delete"])
def test_plot_on_a_damaged_run_folder(scenario, tmp_path, capsys, damage):
    out = tmp_path / "run"
    assert main(["run", str(scenario), "--out", str(out), *SMALL, "--quiet", "--no-figures"]) == 0
    crossings = out / "crossings.csv"
    if damage == "truncate":
        crossings.write_bytes(crossings.read_bytes()[:100])
    elif damage == "garbage":
        crossings.write_bytes(b"\xff\x00garbage\n\x01,\x02\n")
    else:
        crossings.unlink()
    code = main(["plot", str(out)])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if damage == "delete":  # an optional table: its figures are left out, or the folder is refused
        assert code in (0, 2)
    else:
        assert code == 2 and "crossings.csv" in err


def test_resume_over_a_truncated_member_table(scenario, tmp_path, capsys):
    out = tmp_path / "ens"
    args = ["ensemble", str(scenario), "--runs", "3", "--executor", "serial", *SMALL, "--out", str(out)]
    assert main(args) == 0
    daily = out / "runs" / "run_0001" / "daily.csv"
    raw = daily.read_bytes()
    daily.write_bytes(raw[: len(raw) // 3])
    code = main([*args, "--resume"])
    err = capsys.readouterr().err
    if code == 2:
        assert "daily.csv" in err and "Traceback" not in err
    else:  # a damaged member may also simply be run again
        assert code == 0
