"""Every class of hostile input found by the fuzzing of issue 12, one minimal example each.

Each gets one paragraph (exit code 2) naming the file — and the line where there is one —
quickly: never a traceback, a hang or runaway memory. The property test over random
mutants is ``tests/scenario/test_fuzz.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers.deadlines import HANG_SECONDS, deadline
from helpers.paths import BASELINE, TINY, with_absolute_targets
from flowsim.cli import main

GOOD = TINY.read_text()
def refused(path: Path, capsys, *, line: int | None = None, names: Path | None = None) -> str:
    with deadline(HANG_SECONDS):
        code = main(["check", str(path)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert err.count("\n") == 1 and err.startswith("flowsim check: "), "one paragraph"
    assert str(names or path) in err, err
    if line is not None:
        assert f"line {line}" in err, err
    return err


def write(tmp_path: Path, data: bytes | str, name: str = "bad.yaml") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def tiny_copy(tmp_path: Path, text: str = GOOD, name: str = "tiny.yaml") -> Path:
    """The tiny world in tmp_path (its targets path made absolute)."""
    return write(tmp_path, with_absolute_targets(text), name)


# --------------------------------------------------------------------------- bytes and encodings


def test_a_nul_byte_names_its_line(tmp_path, capsys):
    lines = GOOD.splitlines(keepends=True)
    path = write(tmp_path, "".join(lines[:11]) + "  \x00\n" + "".join(lines[11:]))
    err = refused(path, capsys, line=12)
    assert "U+0000" in err


def test_an_undecodable_byte_names_its_line(tmp_path, capsys):
    raw = GOOD.encode()
    at = raw.index(b"shock_hazard")
    path = write(tmp_path, raw[:at] + b"\xff" + raw[at:])
    refused(path, capsys, line=GOOD[:GOOD.index("shock_hazard")].count("\n") + 1)


def test_utf16_is_refused_with_the_encoding_named(tmp_path, capsys):
    path = write(tmp_path, GOOD.encode("utf-16"))
    err = refused(path, capsys)
    assert "UTF-16" in err and "UTF-8" in err


# --------------------------------------------------------------------------- odd YAML


def test_a_complex_key_names_its_line(tmp_path, capsys):
    path = write(tmp_path, GOOD + "? {a: 1}\n: 2\n")
    refused(path, capsys, line=GOOD.count("\n") + 1)


@pytest.mark.parametrize("key", ["__lines__: 3", "1: x", "~: x"])
def test_keys_that_are_not_names(tmp_path, capsys, key):
    path = write(tmp_path, GOOD + key + "\n")
    refused(path, capsys, line=GOOD.count("\n") + 1)


def test_a_list_nested_ten_thousand_deep(tmp_path, capsys):
    path = write(tmp_path, GOOD.replace("description:", "deep: " + "[" * 10_000 + "]" * 10_000 + "\ndescription:"))
    err = refused(path, capsys, line=3)
    assert "deep" in err


def test_an_alias_bomb_is_refused_at_once(tmp_path, capsys):
    bomb = ["lol0: &a0 [lol]"] + [f"lol{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    path = write(tmp_path, "\n".join(bomb) + "\n" + GOOD)
    err = refused(path, capsys)
    assert "alias" in err.lower()


def test_a_file_over_ten_megabytes_is_refused_before_parsing(tmp_path, capsys):
    path = write(tmp_path, GOOD.encode() + b"".join(b"k%08d: 1\n" % i for i in range(2_000_000)))
    err = refused(path, capsys)
    assert "MB" in err


def test_twenty_thousand_origins_are_answered_without_hanging(tmp_path, capsys):
    start = GOOD.index("  - id: volga")
    end = GOOD.index("  - id: south")
    origin = GOOD[start:end]
    many = "".join(origin.replace("id: volga", f"id: volga_{i}") for i in range(20_000))
    path = write(tmp_path, GOOD[:end] + many + GOOD[end:])
    refused(path, capsys)


# --------------------------------------------------------------------------- paths


def test_a_symlink_loop(tmp_path, capsys):
    path = tmp_path / "loop.yaml"
    os.symlink("loop.yaml", path)
    refused(path, capsys)


def test_a_fifo_does_not_block(tmp_path, capsys):
    path = tmp_path / "fifo.yaml"
    os.mkfifo(path)
    err = refused(path, capsys)
    assert "not a regular file" in err


def test_a_folder(tmp_path, capsys):
    path = tmp_path / "folder.yaml"
    path.mkdir()
    refused(path, capsys)


def test_extends_empty_names_the_scenario_and_line(tmp_path, capsys):
    path = write(tmp_path, "extends: ''\nname: x\n")
    err = refused(path, capsys, line=1)
    assert "extends" in err and "Is a directory" not in err


def test_extends_a_missing_file_names_the_scenario_and_line(tmp_path, capsys):
    path = write(tmp_path, "# a what-if\nextends: nowhere.yaml\nname: x\n")
    err = refused(path, capsys, line=2)
    assert "nowhere.yaml" in err and "extends" in err


def test_extends_a_device_is_refused(tmp_path, capsys):
    path = write(tmp_path, "extends: /dev/zero\nname: x\n")
    refused(path, capsys, line=1)


# --------------------------------------------------------------------------- the calibrated file


@pytest.mark.parametrize("content, needle", [
    ("parameters:\n  behaviour.leaving.shock_hazard: .inf\n", "behaviour.leaving.shock_hazard"),
    ("parameters:\n  behaviour.leaving.shock_hazard: [1, 2]\n", "behaviour.leaving.shock_hazard"),
    ("parameters:\n  behaviour.after_arrival.registration_after_days: 1e300\n", "registration_after_days"),
    ("parameters:\n  1: 2\n", "'1'"),
    ("parameters:\n  origins: 1\n", "origins"),
])
def test_a_broken_calibrated_file_names_its_line(tmp_path, capsys, content, needle):
    calibrated = write(tmp_path, content, "calibrated.yaml")
    text = GOOD.replace("calibration:\n  scale: 1\n", "calibration:\n  scale: 1\n  calibrated_file: calibrated.yaml\n")
    assert text != GOOD
    path = write(tmp_path, text)
    err = refused(path, capsys, line=2, names=calibrated)
    assert needle in err


# --------------------------------------------------------------------------- limits


@pytest.mark.parametrize("old, new, key", [
    ("end: 2022-10-30", "end: 2122-10-30", "calendar"),
    ("calendar: {start: 2022-09-01, end: 2022-10-30", "calendar: {start: 0001-01-01, end: 9999-12-31", "calendar"),
    ("men_at_risk: 120000", "men_at_risk: 10000000000000000", "men_at_risk"),
    ("men_at_risk: 120000", "men_at_risk: " + "9" * 400, "men_at_risk"),
    ("daily_capacity: 600}", "daily_capacity: 18446744073709551616}", "daily_capacity"),
    ("shock_hazard: 0.01", "shock_hazard: .nan", "shock_hazard"),
    ("shock_hazard: 0.01", "shock_hazard: .inf", "shock_hazard"),
    ("agent_scale: 1", "agent_scale: 1e-300", "agent_scale"),
    ("seed: 7}", "seed: -1}", "seed"),
])
def test_limits_name_the_key(tmp_path, capsys, old, new, key):
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    err = refused(path, capsys)
    assert key in err


def test_an_event_factor_of_1e308_is_refused(tmp_path, capsys):
    event = ("  - {id: fuzz, date: 2022-09-20, kind: ordinary_traffic, label: x, destination: kazakhstan, "
             "factor: 1e308}\n")
    text = GOOD.replace("events:\n", "events:\n" + event, 1)
    assert text != GOOD
    err = refused(write(tmp_path, text), capsys)
    assert "factor" in err


def test_an_event_capacity_of_2_to_the_64_is_refused(tmp_path, capsys):
    event = ("  - {id: fuzz, date: 2022-09-20, kind: set_capacity, label: x, crossing: kz_ozinki, "
             "daily_capacity: 18446744073709551616}\n")
    err = refused(write(tmp_path, GOOD.replace("events:\n", "events:\n" + event, 1)), capsys)
    assert "daily_capacity" in err


def test_the_memory_estimate_refuses_a_population_that_does_not_fit(tmp_path, capsys):
    path = write(tmp_path, GOOD.replace("men_at_risk: 120000", "men_at_risk: 90000000", 1))
    with deadline(HANG_SECONDS):
        code = main(["run", str(path), "--scale", "0.01", "--out", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "GB" in err and "--scale" in err
    assert not (tmp_path / "out").exists()


def test_a_what_if_whose_list_item_has_a_list_for_id(tmp_path, capsys):
    what_if = BASELINE.parent / "what_if" / "upper_lars_closed.yaml"
    text = what_if.read_text().replace("extends: ../mobilization_2022.yaml", f"extends: {BASELINE}")
    path = write(tmp_path, text.replace("  - id: upper_lars_closed", "  - id: []"))
    refused(path, capsys)
