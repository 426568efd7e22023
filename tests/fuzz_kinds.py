"""Mutants of every other kind of input: network scenarios, targets files and Flee case folders (issue 22).

:mod:`fuzzing` breaks mobilization scenarios; this module breaks what the other commands
read, with the same contract (:func:`fuzzing.check_mutant`'s): the command answers 0 or 2,
never a traceback, and a refusal is one paragraph naming a file of the workspace.

- **Flee case CSV files** of burundi2015 (locations, routes, closures, conflicts,
  sim_period, registration corrections, data_layout and the UNHCR series): missing and
  extra columns, empty files, byte-order marks, NUL and invalid UTF-8, NaN / inf /
  negative / huge / empty numbers, unknown and duplicate locations, routes to themselves,
  cycles of closures, a period of 10^7 days, series with dates out of order. The network
  scenario imported from the case is checked (``flowsim check`` reads the case);
- **simsetting.yml**: unknown keys, wrong types, extreme values (``flowsim import-flee``);
- **the network scenario YAML**: keys deleted or retyped, extreme numbers, deep nesting;
- **the targets file** of the mobilization baseline: the same, through ``flowsim check``
  of a scenario naming it (and ``flowsim validate``'s reader, :func:`load_targets`).

An accepted network mutant (one in ``runs_every`` in the campaign) is run at a coarse
scale: its tables must be finite and non-negative, and no more people may be in camps and
on roads than were spawned.
"""

from __future__ import annotations

import contextlib
import io
import random
import shutil
import time
import traceback
from pathlib import Path
from typing import Any

import yaml

import fuzzing
from fuzzing import Mutant, Outcome

ROOT = Path(__file__).resolve().parents[1]
FLEE_DATA = ROOT / "tests" / "data" / "flee"
CASE = "burundi2015"
NETWORK_MAIN = "net/burundi2015.yaml"
TARGETS_MAIN = "scenarios/targets/mobilization_2022.yaml"
RUN_SCALE = 400  # people per agent in the runs of accepted network mutants

CSV_FILES = [f"input_csv/{name}" for name in ("locations.csv", "routes.csv", "closures.csv", "conflicts.csv",
                                              "sim_period.csv", "registration_corrections.csv")] + \
            [f"source_data/{name}" for name in ("data_layout.csv", "refugees.csv", "tan-nduta.csv",
                                                "rwa-mahama.csv")]
BAD_NUMBERS = ["nan", "NaN", "inf", "-inf", "-1", "-5000", "1e308", "99999999999999999999", "", "abc", "1e-320",
               "0x10", "1_000", " 7 ", "3.5.1", "٣"]


def prepare(workspace: Path) -> Path:
    """Copy the Flee case and simsetting.yml into the workspace and import the network scenario there."""
    from flowsim.cli import main as flowsim

    flee = workspace / "flee"
    if not (flee / CASE).exists():
        shutil.copytree(FLEE_DATA / CASE, flee / CASE)
        shutil.copy(FLEE_DATA / "simsetting.yml", flee / "simsetting.yml")
    scenario = workspace / NETWORK_MAIN
    if not scenario.exists():
        with contextlib.redirect_stdout(io.StringIO()):
            assert flowsim(["import-flee", str(flee / CASE), "--out", str(scenario)]) == 0
    return workspace


def _original(workspace: Path, rel: str) -> bytes:
    return (workspace / rel).read_bytes()


@contextlib.contextmanager
def materialised(workspace: Path, mutant: Mutant):
    """Write a mutant's files over the workspace's, yield the path to use, put the originals back."""
    saved: dict[Path, bytes | None] = {}
    try:
        for rel, data in mutant.files.items():
            path = workspace / rel
            saved[path] = path.read_bytes() if path.exists() else None
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        yield workspace / mutant.main
    finally:
        for path, data in saved.items():
            if data is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(data)


# --------------------------------------------------------------------------- Flee case CSV files


def _rows(data: bytes) -> list[list[str]]:
    return [line.split(",") for line in data.decode("utf-8").splitlines()]


def _join(rows: list[list[str]]) -> bytes:
    return ("\n".join(",".join(row) for row in rows) + "\n").encode("utf-8")


def _location_names(workspace: Path) -> list[str]:
    rows = _rows(_original(workspace, f"flee/{CASE}/input_csv/locations.csv"))
    return [row[0] for row in rows[1:] if row and row[0]]


def _csv_mutant(workspace: Path, rng: random.Random, cls: str, rel: str, data: bytes) -> Mutant:
    return Mutant(f"flee_csv:{cls}", f"{rel}", NETWORK_MAIN, {f"flee/{CASE}/{rel}": data})


def mutate_flee_csv(workspace: Path, rng: random.Random) -> Mutant:
    """One class of CSV damage applied to one file of the case."""
    cls = rng.choice(["missing_column", "extra_column", "empty_file", "bom", "nul", "invalid_utf8", "bad_number",
                      "unknown_location", "duplicate_location", "self_route", "closure_cycle", "huge_period",
                      "dates_out_of_order", "truncated_row", "blank_lines"])
    rel = rng.choice(CSV_FILES)
    original = _original(workspace, f"flee/{CASE}/{rel}")
    rows = _rows(original)
    body = [i for i, row in enumerate(rows) if row and not row[0].startswith("#")]
    names = _location_names(workspace)
    if cls == "missing_column":
        column = rng.randrange(max(len(rows[0]), 1))
        data = _join([[c for j, c in enumerate(row) if j != column] for row in rows])
    elif cls == "extra_column":
        data = _join([[*row, rng.choice(["x", "1", "", "nan"])] for row in rows])
    elif cls == "empty_file":
        data = rng.choice([b"", b"\n", original.splitlines(keepends=True)[0]])
    elif cls == "bom":
        data = rng.choice([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"]) + original
    elif cls == "nul":
        at = rng.randrange(len(original) + 1)
        data = original[:at] + b"\x00" * rng.randint(1, 3) + original[at:]
    elif cls == "invalid_utf8":
        at = rng.randrange(len(original) + 1)
        data = original[:at] + rng.choice([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\x80\x80"]) + original[at:]
    elif cls == "bad_number":
        if not body:
            return _csv_mutant(workspace, rng, "empty_file", rel, b"")
        row = rows[rng.choice(body)]
        numeric = [j for j, c in enumerate(row) if c.strip().lstrip("-").replace(".", "", 1).isdigit()] or \
                  list(range(len(row)))
        row[rng.choice(numeric)] = rng.choice(BAD_NUMBERS)
        data = _join(rows)
    elif cls == "unknown_location":
        rel = rng.choice(["input_csv/routes.csv", "input_csv/closures.csv", "input_csv/registration_corrections.csv",
                          "source_data/data_layout.csv", "input_csv/conflicts.csv"])
        rows = _rows(_original(workspace, f"flee/{CASE}/{rel}"))
        row = rng.choice(rows)
        named = [j for j, c in enumerate(row) if c in names] or [0]
        row[rng.choice(named)] = rng.choice(["Nowhere", "bujumbura", "Bujumbura ", "", "Ã©"])
        data = _join(rows)
    elif cls == "duplicate_location":
        rel = "input_csv/locations.csv"
        rows = _rows(_original(workspace, f"flee/{CASE}/{rel}"))
        rows.insert(rng.randrange(1, len(rows) + 1), list(rng.choice(rows[1:])))
        data = _join(rows)
    elif cls == "self_route":
        rel = "input_csv/routes.csv"
        rows = _rows(_original(workspace, f"flee/{CASE}/{rel}"))
        name = rng.choice(names)
        rows.append([name, name, rng.choice(["0", "10", "-3", "nan"]), ""])
        data = _join(rows)
    elif cls == "closure_cycle":
        rel = "input_csv/closures.csv"
        rows = _rows(_original(workspace, f"flee/{CASE}/{rel}"))
        ring = rng.sample(names, rng.randint(2, 5))
        kind = rng.choice(["location", "country", "remove_forced_redirection", "internal", "nonsense"])
        for a, b in zip(ring, ring[1:] + ring[:1]):
            rows.append([kind, a, b, str(rng.randint(-5, 50)), str(rng.choice([-1, 0, 30, 10**7]))])
        data = _join(rows)
    elif cls == "huge_period":
        rel = "input_csv/sim_period.csv"
        length = rng.choice(["10000000", "1e7", "-1", "0", "1", "99999999999999999999", "nan", "396.5"])
        start = rng.choice(["2015-05-01", "2015-02-30", "1-01-01", "9999-12-31", "May 2015", ""])
        data = f"StartDate,{start}\nLength,{length}\n".encode()
    elif cls == "dates_out_of_order":
        rel = rng.choice(["source_data/refugees.csv", "source_data/tan-nduta.csv", "source_data/rwa-mahama.csv",
                          "input_csv/registration_corrections.csv"])
        rows = _rows(_original(workspace, f"flee/{CASE}/{rel}"))
        if rng.random() < 0.5:
            rng.shuffle(rows)
        else:
            row = rng.choice(rows)
            dated = [j for j, c in enumerate(row) if c.count("-") == 2] or [0]
            row[rng.choice(dated)] = rng.choice(["2015-13-01", "2015-02-30", "01/05/2015", "0000-00-00",
                                                 "1900-01-01", "9999-12-31", "yesterday"])
        data = _join(rows)
    elif cls == "truncated_row":
        cut = rng.randrange(1, max(len(original), 2))
        data = original[:cut]
    else:  # blank_lines
        rows.insert(rng.randrange(len(rows) + 1), [""])
        rows.insert(rng.randrange(len(rows) + 1), [",,,"])
        data = _join(rows)
    return _csv_mutant(workspace, rng, cls, rel, data)


# --------------------------------------------------------------------------- simsetting.yml


def mutate_simsetting(workspace: Path, rng: random.Random) -> Mutant:
    """simsetting.yml with an unknown key, a value of the wrong type or an extreme value; imported."""
    data = yaml.safe_load(_original(workspace, "flee/simsetting.yml"))
    cls = rng.choice(["unknown_key", "wrong_type", "extreme_value", "not_a_mapping", "bad_bytes"])
    sections = [s for s in data if isinstance(data[s], dict)]
    section = rng.choice(sections)
    key = rng.choice(list(data[section]))
    if cls == "unknown_key":
        target = data if rng.random() < 0.3 else data[section]
        target[rng.choice(["max_move_sped", "nonsense", "", "1", "move_rules"])] = rng.choice([1, "x", None, [1]])
    elif cls == "wrong_type":
        data[section][key] = rng.choice(["fast", [1, 2], {"a": 1}, None, True, "", "1e3"])
    elif cls == "extreme_value":
        data[section][key] = rng.choice([float("nan"), float("inf"), -1, -1e308, 1e308, 10**30, 0, 2**64])
    if cls == "not_a_mapping":
        text = rng.choice([b"", b"[1, 2]\n", b"just text\n", b"move_rules: [\n"])
    elif cls == "bad_bytes":
        text = rng.choice([b"\xff\xfe", b"\x00", b"\xef\xbb\xbf"]) + _original(workspace, "flee/simsetting.yml")
    else:
        text = yaml.safe_dump(data).encode()
    return Mutant(f"simsetting:{cls}", f"{section}.{key}", f"flee/{CASE}", {"flee/simsetting.yml": text})


# --------------------------------------------------------------------------- YAML documents


def _structured(kind: str, rng: random.Random, data: Any, main: str) -> Mutant:
    """One of: delete a key, retype a value, an extreme number, an unknown key, deep nesting."""
    cls = rng.choice(["delete_key", "retype", "number", "unknown_key", "nesting", "bad_bytes"])
    paths = [p for p in fuzzing._paths(data) if p]
    path = rng.choice(paths)
    detail = ".".join(map(str, path))
    if cls == "delete_key":
        container = fuzzing._get(data, path[:-1])
        del container[path[-1]]
    elif cls == "retype":
        fuzzing._set(data, path, rng.choice(["text", [1, 2], {"a": 1}, None, True, 7, -3.5, ""]))
    elif cls == "number":
        numbers = fuzzing._number_paths(data) or paths
        path = rng.choice(numbers)
        detail = ".".join(map(str, path))
        fuzzing._set(data, path, rng.choice([float("nan"), float("inf"), -float("inf"), -1, 0, 1e308, -1e308,
                                            10**30, 2**64, 10**7, 1e-320]))
    elif cls == "unknown_key":
        container = fuzzing._get(data, path[:-1])
        if isinstance(container, dict):
            container[rng.choice(["nonsense", str(path[-1]) + "x", "KIND", ""])] = 1
        else:
            data["nonsense"] = 1
    if cls == "nesting":
        depth = rng.choice([100, 1000, 20_000])
        text = ("x: " + "[" * depth + "]" * depth + "\n").encode()
        body = fuzzing.dump(data) + text if rng.random() < 0.5 else text
        return Mutant(f"{kind}:nesting", f"depth {depth}", main, {main: body})
    if cls == "bad_bytes":
        raw = fuzzing.dump(data)
        at = rng.randrange(len(raw) + 1)
        return Mutant(f"{kind}:bad_bytes", "bytes", main,
                      {main: raw[:at] + rng.choice([b"\x00", b"\xff", b"\t\x1b", b"\xef\xbb\xbf"]) + raw[at:]})
    return Mutant(f"{kind}:{cls}", detail, main, {main: fuzzing.dump(data)})


def mutate_network_yaml(workspace: Path, rng: random.Random) -> Mutant:
    data = yaml.safe_load(_original(workspace, NETWORK_MAIN))
    return _structured("network_yaml", rng, data, NETWORK_MAIN)


def mutate_targets(workspace: Path, rng: random.Random) -> Mutant:
    data = yaml.safe_load(_original(workspace, TARGETS_MAIN))
    mutant = _structured("targets", rng, data, TARGETS_MAIN)
    return Mutant(mutant.kind, mutant.detail, f"scenarios/{fuzzing.BASELINE_NAME}", mutant.files)


MUTATORS = {
    "flee_csv": mutate_flee_csv,
    "simsetting": mutate_simsetting,
    "network_yaml": mutate_network_yaml,
    "targets": mutate_targets,
}
WEIGHTS = {"flee_csv": 3.0, "simsetting": 1.0, "network_yaml": 1.5, "targets": 1.0}


def make_mutant(workspace: Path, rng: random.Random, kind: str | None = None) -> Mutant:
    """One mutant of a network scenario, its Flee case, simsetting.yml or a targets file."""
    if kind is None:
        kinds = list(MUTATORS)
        kind = rng.choices(kinds, weights=[WEIGHTS[k] for k in kinds])[0]
    return MUTATORS[kind](workspace, rng)


# --------------------------------------------------------------------------- the properties


def _command(mutant: Mutant, path: Path, workspace: Path) -> list[str]:
    if mutant.kind.startswith("simsetting"):
        return ["import-flee", str(path), "--out", str(workspace / "net" / "imported.yaml")]
    return ["check", str(path)]


def check_mutant(workspace: Path, mutant: Mutant) -> Outcome:
    """The command reading the mutated input, in this process: exit code, message, seconds, traceback."""
    from flowsim.cli import main as flowsim

    err, out = io.StringIO(), io.StringIO()
    began = time.perf_counter()
    with materialised(workspace, mutant) as path:
        if mutant.kind.startswith("targets"):  # the reader validate, ensemble and calibrate share
            code, crash = _load_targets(workspace, err)
        else:
            try:
                with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
                    code = flowsim(_command(mutant, path, workspace))
                crash = None
            except SystemExit as exc:
                code, crash = exc.code if isinstance(exc.code, int) else 1, None
            except BaseException:  # noqa: BLE001 - every escape is what we look for
                code, crash = None, traceback.format_exc()
    return Outcome(mutant.kind, mutant.detail, code, err.getvalue(), time.perf_counter() - began, crash)


def _load_targets(workspace: Path, err: io.StringIO) -> tuple[int | None, str | None]:
    from flowsim.analysis.targets import load_targets
    from flowsim.errors import FlowsimError

    try:
        load_targets(workspace / TARGETS_MAIN)
    except FlowsimError as exc:
        err.write(f"flowsim validate: {exc.message}\n")
        return 2, None
    except BaseException:  # noqa: BLE001
        return None, traceback.format_exc()
    return 0, None


def message_problems(outcome: Outcome, workspace: Path) -> list[str]:
    """As :func:`fuzzing.message_problems`, for whichever command answered."""
    return fuzzing.message_problems(outcome, workspace, opening="flowsim ", devices_named=False)


def names_a_line(outcome: Outcome) -> bool:
    """Whether a refusal names a line or row (reported per class, not required: an empty file has none)."""
    return " line " in outcome.message or " row " in outcome.message


def run_mutant(workspace: Path, mutant: Mutant, out: Path, *, scale: int = RUN_SCALE) -> list[str]:
    """Run an accepted network mutant at a coarse scale; the broken invariants (empty if all hold)."""
    import numpy as np
    import pandas as pd

    from flowsim.cli import main as flowsim

    if mutant.kind.startswith(("simsetting", "targets")):
        return []
    err = io.StringIO()
    with materialised(workspace, mutant) as path:
        try:
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                code = flowsim(["run", str(path), "--scale", str(scale), "--out", str(out), "--quiet",
                                "--no-figures"])
        except BaseException:  # noqa: BLE001
            return ["crash: " + traceback.format_exc()]
    if code == 2:
        text = err.getvalue()
        return [f"bad refusal: {text[:500]}"] if "Traceback" in text or text.count("\n") != 1 else []
    if code != 0:
        return [f"exit code {code}: {err.getvalue()[:500]}"]
    problems = []
    daily = pd.read_csv(out / "daily.csv")
    numbers = daily.select_dtypes("number").to_numpy(dtype=float)
    if not np.isfinite(numbers).all():
        problems.append("daily.csv has a non-finite number")
    if (numbers < 0).any():
        problems.append("daily.csv has a negative number")
    present = daily["in_camps_simulated"] + daily["on_roads"]
    spawned = daily["spawned"].cumsum() + daily["in_camps_simulated"].iloc[0]
    if (present > spawned + 1e-6).any():
        problems.append("more people in camps and on roads than were spawned")
    return problems
