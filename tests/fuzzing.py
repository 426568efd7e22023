"""Mutants of the shipped scenarios, and what flowsim must do with them.

A hostile or careless user's scenario is one of the shipped ones with something broken:
keys deleted, renamed or retyped; numbers extreme, negative, NaN or infinite; references
dangling; dates broken; bad bytes and encodings; YAML alias bombs; odd keys; huge lists,
deep nesting, huge files; a broken ``extends:`` or calibrated file; a scenario path that
is a folder, a FIFO or a symlink loop. :func:`make_mutant` draws one from a
:class:`random.Random`, so the property test (``tests/scenario/test_fuzz.py``, Hypothesis) and the
long campaign (``tests/fuzz_campaign.py``, ``make fuzz``) share every mutation.

What flowsim must do (:func:`check_mutant`, :func:`run_mutant`): ``flowsim check`` exits
0 or 2, never with a traceback, within seconds; a refusal is one paragraph naming a file;
an accepted mutant runs at a small scale, conserves people and writes finite tables.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import io
import json
import math
import os
import random
import shutil
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
SHIPPED_DIR = ROOT / "scenarios"
BASELINE_NAME = "mobilization_2022.yaml"
WHAT_IFS = sorted(p.name for p in (SHIPPED_DIR / "what_if").glob("*.yaml"))

CHECK_SECONDS = 10.0  # "check answers within seconds"
RUN_SCALE = 2000.0  # people per agent in the runs of accepted mutants


@dataclass
class Mutant:
    """A broken scenario: its files (relative to the workspace) and the one to check."""

    kind: str
    detail: str
    main: str
    files: dict[str, bytes] = field(default_factory=dict)
    special: str | None = None  # fifo, symlink_loop, directory, dangling_symlink: made on disk


@dataclass
class Outcome:
    kind: str
    detail: str
    code: int | None
    message: str
    seconds: float
    crash: str | None = None  # the traceback, if any

    @property
    def accepted(self) -> bool:
        return self.code == 0 and self.crash is None


# --------------------------------------------------------------------------- the workspace


def prepare_workspace(folder: Path) -> Path:
    """A copy of the shipped scenarios (with targets and calibrated files) to write mutants into."""
    target = Path(folder) / "scenarios"
    if not target.exists():
        shutil.copytree(SHIPPED_DIR, target)
    return target.parent


@contextlib.contextmanager
def materialised(workspace: Path, mutant: Mutant):
    """Write a mutant's files (and make its special path), yield the path to check, clean up."""
    made: list[Path] = []
    try:
        for rel, data in mutant.files.items():
            path = workspace / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            made.append(path)
        main = workspace / mutant.main
        if mutant.special:
            _make_special(main, mutant.special)
            made.append(main)
        yield main
    finally:
        for path in made:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    path.unlink()


def _make_special(path: Path, special: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if special == "fifo":
        os.mkfifo(path)
    elif special == "symlink_loop":
        os.symlink(path.name, path)
    elif special == "dangling_symlink":
        os.symlink("nowhere/at_all.yaml", path)
    elif special == "directory":
        path.mkdir()
    elif special == "device":
        os.symlink("/dev/zero", path)
    else:
        raise ValueError(special)


# --------------------------------------------------------------------------- the base documents


_BASE_CACHE: dict[str, tuple[str, Any]] = {}


def base(name: str) -> tuple[str, Any]:
    """(text, plain data) of a shipped scenario, ``name`` relative to scenarios/."""
    if name not in _BASE_CACHE:
        text = (SHIPPED_DIR / name).read_text(encoding="utf-8")
        _BASE_CACHE[name] = (text, yaml.safe_load(text))
    text, data = _BASE_CACHE[name]
    return text, copy.deepcopy(data)


def dump(data: Any) -> bytes:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True, width=10_000).encode("utf-8")


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path into a plain document (mappings by key, lists by index)."""
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out.extend(_paths(value, (*prefix, i)))
    return out


def _get(node: Any, path: tuple) -> Any:
    for part in path:
        node = node[part]
    return node


def _set(node: Any, path: tuple, value: Any) -> None:
    _get(node, path[:-1])[path[-1]] = value


def _leaf_paths(data: Any) -> list[tuple]:
    return [p for p in _paths(data) if p and not isinstance(_get(data, p), (dict, list))]


def _number_paths(data: Any) -> list[tuple]:
    return [p for p in _leaf_paths(data)
            if isinstance(_get(data, p), (int, float)) and not isinstance(_get(data, p), bool)]


# --------------------------------------------------------------------------- mutations


EXTREME_NUMBERS: list[Any] = [
    0, -1, -0.5, -1e9, 1e308, -1e308, float("nan"), float("inf"), float("-inf"), 10**16, 10**400,
    2**64, 2**63, 2**31, 1e-300, 5e-324, 0.5, 1e6, 1e12, 3.7, True,
]
RETYPES: list[Any] = ["some text", "", [], {}, None, True, [1, 2], {"a": 1}, "1e3", "0x10", dt.date(2022, 9, 21),
                      [[[]]], "~", "null", "nan"]
BAD_DATES: list[Any] = ["2022-02-30", "0001-01-01", "9999-12-31", "yesterday", 20220921, "2022-13-01",
                        "2022-09-01T00:00:00", "22-9-1", dt.date(1922, 9, 1), dt.date(2122, 12, 31),
                        dt.date(1, 1, 1), dt.date(9999, 12, 31), "", None]
BAD_BYTES: list[bytes] = [b"\x00", b"\xff", b"\xfe", b"\x80", b"\xc3(", b"\x1b", b"\x07", b"\xed\xa0\x80",
                          "\u2028".encode(), "\ufeff".encode(), b"\r", b"\t", b"\x7f", b"\xef\xbf\xbe"]
ODD_KEYS: list[str] = ["? {a: 1}\n: 2\n", "? [a, b]\n: 1\n", "1: x\n", "~: x\n", "true: x\n", "1.5: x\n",
                       "2022-09-21: x\n", "__lines__: 3\n", "__lines__: {a: [1, 2]}\n", "<<: {zz: 1}\n",
                       "<<: *nowhere\n", "<<: 5\n", "'': x\n", "\"\\0\": x\n", "!!python/object:os.system x: 1\n",
                       "? !!binary aGVsbG8=\n: 1\n", "k" * 5000 + ": 1\n", "name: again\n",
                       "!!set {a, b}: 1\n", "? - a\n  - b\n: c\n"]
EXTENDS_VALUES: list[Any] = ["", ".", "missing.yaml", "what_if", "../..", "/", "/dev/null", "/dev/zero",
                             12, ["a.yaml"], {"a": 1}, None, "mobilization_2022.yaml", "SELF",
                             "calibrated/mobilization_2022.yaml", "targets/mobilization_2022.yaml",
                             "x" * 5000, "\x00", "what_if/upper_lars_closed.yaml"]
CALIBRATED_TEXTS: list[str] = [
    "parameters:\n  behaviour.leaving.shock_hazard: .inf\n",
    "parameters:\n  behaviour.leaving.shock_hazard: .nan\n",
    "parameters:\n  behaviour.leaving.shock_hazard: -1\n",
    "parameters:\n  behaviour.leaving.shock_hazard: fast\n",
    "parameters:\n  behaviour.leaving.shock_hazard: [1, 2]\n",
    "parameters:\n  behaviour.leaving.shock_hazard: {a: 1}\n",
    "parameters:\n  behaviour.leaving.shock_hazard: 1e308\n",
    "parameters:\n  behaviour.after_arrival.registration_after_days: .inf\n",
    "parameters:\n  behaviour.after_arrival.registration_after_days: 1e300\n",
    "parameters:\n  nowhere.at_all: 1\n",
    "parameters:\n  origins: 1\n",
    "parameters:\n  origins.moscow: 1\n",
    "parameters:\n  1: 2\n",
    "parameters:\n  ? [a]\n  : 2\n",
    "parameters:\n  '': 2\n",
    "parameters:\n  behaviour..x: 2\n",
    "parameters:\n  destinations.kazakhstan.ordinary_daily_entries: 1e300\n",
    "parameters: [1, 2]\n", "parameters:\n", "[1, 2]\n", "", "\x00", "just text\n", "parameters: {a: \n",
    "parameters:\n  behaviour.choice.appeal.nowhere: 1\n",
    "parameters:\n  behaviour.choice.appeal.kazakhstan: 1e308\n",
    "parameters:\n  calendar.end: 9999-12-31\n",
    "parameters:\n  calendar.seed: -5\n",
    "parameters:\n  name: Bad Name\n",
]


def _pick_base(rng: random.Random) -> tuple[str, str, Any]:
    """(main path relative to the workspace, text, data) of a shipped scenario."""
    if rng.random() < 0.75:
        text, data = base(BASELINE_NAME)
        return f"scenarios/fuzz_{rng.getrandbits(40):010x}.yaml", text, data
    name = rng.choice(WHAT_IFS)
    text, data = base(f"what_if/{name}")
    return f"scenarios/what_if/fuzz_{rng.getrandbits(40):010x}.yaml", text, data


def _structured(kind: str, rng: random.Random, data: Any, detail: str, main: str) -> Mutant:
    return Mutant(kind, detail, main, {main: dump(data)})


def mutate_delete_key(rng: random.Random) -> Mutant:
    main, _, data = _pick_base(rng)
    maps = [p for p in _paths(data) if isinstance(_get(data, p), dict) and _get(data, p)]
    path = rng.choice(maps)
    key = rng.choice(list(_get(data, path)))
    del _get(data, path)[key]
    return _structured("delete_key", rng, data, ".".join(map(str, (*path, key))), main)


def mutate_rename_key(rng: random.Random) -> Mutant:
    main, _, data = _pick_base(rng)
    maps = [p for p in _paths(data) if isinstance(_get(data, p), dict) and _get(data, p)]
    path = rng.choice(maps)
    node = _get(data, path)
    key = rng.choice(list(node))
    new = rng.choice([str(key)[:-1] + "z", str(key).upper(), "x" + str(key), str(key) + " ", "id", "remove",
                      "__lines__", "extends"])
    node[new] = node.pop(key)
    return _structured("rename_key", rng, data, f"{'.'.join(map(str, (*path, key)))} -> {new}", main)


def mutate_retype(rng: random.Random) -> Mutant:
    main, _, data = _pick_base(rng)
    path = rng.choice([p for p in _paths(data) if p])
    value = copy.deepcopy(rng.choice(RETYPES))
    _set(data, path, value)
    return _structured("retype", rng, data, f"{'.'.join(map(str, path))} = {value!r}", main)


def mutate_number(rng: random.Random) -> Mutant:
    main, _, data = _pick_base(rng)
    paths = _number_paths(data) or _leaf_paths(data)
    count = 1 if rng.random() < 0.8 else rng.randint(2, 6)
    details = []
    for _ in range(count):
        path = rng.choice(paths)
        value = rng.choice(EXTREME_NUMBERS)
        _set(data, path, value)
        details.append(f"{'.'.join(map(str, path))} = {value!r}"[:80])
    return _structured("number", rng, data, "; ".join(details), main)


def mutate_plausible(rng: random.Random) -> Mutant:
    """Numbers scaled within reason (mostly accepted: these exercise the runs)."""
    main, _, data = _pick_base(rng)
    paths = _number_paths(data)
    details = []
    for _ in range(rng.randint(1, 4)):
        if not paths:
            break
        path = rng.choice(paths)
        value = _get(data, path)
        new = value * rng.choice([0, 0.1, 0.5, 0.9, 1.1, 2, 10])
        _set(data, path, int(round(new)) if isinstance(value, int) else new)
        details.append(f"{'.'.join(map(str, path))} x{new / value if value else 0:.2g}"[:60])
    return _structured("plausible", rng, data, "; ".join(details), main)


def mutate_capacity_or_population(rng: random.Random) -> Mutant:
    """Extreme values where they cost memory or overflow: people, capacities, factors."""
    text, data = base(BASELINE_NAME)
    main = f"scenarios/fuzz_{rng.getrandbits(40):010x}.yaml"
    where = rng.choice(["men_at_risk", "daily_capacity", "event_capacity", "factor", "ordinary", "housing"])
    value = rng.choice([10**16, 10**400, 2**64, 2**63, 10**9, 10**12, 1e308, -(10**16), 2**64 - 1])
    if where == "men_at_risk":
        rng.choice(data["origins"])["men_at_risk"] = value
    elif where == "daily_capacity":
        rng.choice(data["crossings"])["daily_capacity"] = value
    elif where == "ordinary":
        rng.choice(data["destinations"])["ordinary_daily_entries"] = value
    elif where == "housing":
        rng.choice(data["destinations"])["housing_stock"] = value
    else:
        event = {"id": "fuzz_event", "date": data["calendar"]["start"], "label": "fuzz"}
        if where == "factor":
            event.update(kind="ordinary_traffic", destination=data["destinations"][0]["id"], factor=value)
        else:
            event.update(kind="set_capacity", crossing=data["crossings"][0]["id"], daily_capacity=value)
        data["events"].append(event)
    return _structured("capacity_or_population", rng, data, f"{where} = {value!r}"[:80], main)


def mutate_dangling(rng: random.Random) -> Mutant:
    text, data = base(BASELINE_NAME)
    main = f"scenarios/fuzz_{rng.getrandbits(40):010x}.yaml"
    choice = rng.randrange(7)
    bogus = rng.choice(["nowhere", "Kazakhstan", "", "all", 7, None])
    if choice == 0:
        rng.choice(data["crossings"])["destination"] = bogus
    elif choice == 1:
        rng.choice(data["crossings"])["origin"] = bogus
    elif choice == 2:
        link = rng.choice(data["onward_links"])
        link[rng.choice(["from", "to"])] = bogus
    elif choice == 3:
        event = rng.choice([e for e in data["events"] if "crossing" in e] or data["events"])
        event["crossing"] = rng.choice([bogus, [bogus], ["all", bogus], []])
    elif choice == 4:
        data["behaviour"]["choice"].setdefault("appeal", {})[str(bogus)] = 1.0
    elif choice == 5:
        gone = rng.choice(data["destinations"])
        data["destinations"].remove(gone)
        bogus = gone["id"]
    else:
        data["calibration"]["parameters"][0]["name"] = rng.choice(["nowhere.x", "behaviour.leaving", "name", ""])
    return _structured("dangling", rng, data, f"choice {choice}: {bogus!r}", main)


def mutate_date(rng: random.Random) -> Mutant:
    main, _, data = _pick_base(rng)
    base_data = data if "calendar" in data else base(BASELINE_NAME)[1]
    choice = rng.randrange(4)
    if choice == 0 or "events" not in data:
        data.setdefault("calendar", copy.deepcopy(base_data["calendar"]))
        data["calendar"][rng.choice(["start", "end"])] = rng.choice(BAD_DATES)
    elif choice == 1:
        data["calendar"] = copy.deepcopy(base_data["calendar"])
        data["calendar"]["start"], data["calendar"]["end"] = data["calendar"]["end"], data["calendar"]["start"]
    elif choice == 2:
        data["calendar"] = copy.deepcopy(base_data["calendar"])
        years = rng.choice([5, 6, 20, 100, 1000])
        data["calendar"]["end"] = dt.date(min(9999, data["calendar"]["start"].year + years), 12, 31)
    else:
        rng.choice(data["events"])["date"] = rng.choice(BAD_DATES)
    return _structured("date", rng, data, f"choice {choice}", main)


def mutate_bytes(rng: random.Random) -> Mutant:
    main, text, _ = _pick_base(rng)
    raw = text.encode("utf-8")
    choice = rng.randrange(3)
    if choice == 0:
        bad = rng.choice(BAD_BYTES)
        at = rng.randrange(len(raw) + 1)
        raw = raw[:at] + bad + raw[at:]
        detail = f"{bad!r} at byte {at}"
    elif choice == 1:
        encoding = rng.choice(["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig", "cp1251", "koi8-r"])
        raw = text.encode(encoding, errors="replace")
        detail = encoding
    else:
        at = rng.randrange(len(raw) + 1)
        raw = raw[:at]
        detail = f"truncated at byte {at}"
    return Mutant("bytes", detail, main, {main: raw})


def mutate_alias_bomb(rng: random.Random) -> Mutant:
    main, text, _ = _pick_base(rng)
    depth, width = rng.choice([(9, 9), (6, 10), (12, 5), (3, 3), (20, 2)])
    lines = ["lol0: &a0 [\"lol\"]"]
    for level in range(1, depth + 1):
        refs = ", ".join(f"*a{level - 1}" for _ in range(width))
        lines.append(f"lol{level}: &a{level} [{refs}]")
    where = rng.choice(["top", "description", "appeal"])
    bomb = "\n".join(lines) + "\n"
    if where == "top":
        body = bomb + text
    elif where == "description":
        body = "x_anchors:\n" + "".join("  " + ln + "\n" for ln in lines) + text.replace(
            "\ndescription:", f"\ndescription: *a{depth}\nold_description:", 1)
    else:
        body = text + "\n" + bomb + f"extra: *a{depth}\n"
    return Mutant("alias_bomb", f"{width}^{depth} in {where}", main, {main: body.encode()})


def mutate_odd_key(rng: random.Random) -> Mutant:
    main, text, _ = _pick_base(rng)
    key = rng.choice(ODD_KEYS)
    if rng.random() < 0.5:
        body = text.rstrip("\n") + "\n" + key
    else:
        # inside the calendar mapping (or at the top of a what-if)
        indented = "".join("  " + ln + "\n" for ln in key.splitlines())
        body = text.replace("calendar:\n", "calendar:\n" + indented, 1) if "calendar:\n" in text else key + text
    return Mutant("odd_key", key.strip()[:40], main, {main: body.encode("utf-8", errors="surrogateescape")})


def mutate_huge_list(rng: random.Random) -> Mutant:
    """A list grown to thousands of items (written as text: building 20,000 dicts is slow)."""
    text, data = base(BASELINE_NAME)
    main = f"scenarios/fuzz_{rng.getrandbits(40):010x}.yaml"
    section = rng.choice(["origins", "destinations", "crossings", "events", "onward_links",
                          "entry_documents", "event_crossings", "parameters"])
    count = rng.choice([600, 2000, 20_000])
    unique = rng.random() < 0.7
    if section == "entry_documents":
        data["destinations"][0]["entry_documents"] = "__HUGE__"
        item, indent = "foreign_passport", "    "
    elif section == "event_crossings":
        data["events"].append({"id": "many", "date": data["calendar"]["end"], "kind": "close_crossing",
                               "label": "x", "crossing": "__HUGE__"})
        item, indent = data["crossings"][0]["id"], "    "
    elif section == "parameters":
        item = json.dumps(data["calibration"]["parameters"][0], default=str)
        data["calibration"]["parameters"], indent = "__HUGE__", "    "
    else:
        template = data[section][-1]
        item = json.dumps(template, default=str)
        data[section], indent = "__HUGE__", "  "
    lines = []
    for i in range(count):
        line = item
        if unique and line.startswith("{"):
            line = line.replace('"id": "', f'"id": "x{i}_', 1)
        lines.append(f"{indent}- {line}\n")
    body = dump(data).decode().replace(" __HUGE__\n", "\n" + "".join(lines), 1)
    return Mutant("huge_list", f"{section} x{count} unique={unique}", main, {main: body.encode()})


def mutate_nesting(rng: random.Random) -> Mutant:
    main, text, _ = _pick_base(rng)
    depth = rng.choice([60, 200, 1000, 10_000, 100_000])
    style = rng.choice(["flow_list", "flow_map", "block"])
    if style == "flow_list":
        value = "[" * depth + "]" * depth
    elif style == "flow_map":
        value = "{a: " * depth + "1" + "}" * depth
    else:
        value = "\n" + "".join(" " * (i + 1) * 2 + "- \n" for i in range(min(depth, 2000)))
    body = text.replace("\ndescription:", f"\ndeep: {value}\ndescription:", 1) if "\ndescription:" in text \
        else text + f"\ndeep: {value}\n"
    return Mutant("nesting", f"{style} depth {depth}", main, {main: body.encode()})


def mutate_extends(rng: random.Random) -> Mutant:
    name = rng.choice(WHAT_IFS)
    text, data = base(f"what_if/{name}")
    main = f"scenarios/what_if/fuzz_{rng.getrandbits(40):010x}.yaml"
    value = rng.choice(EXTENDS_VALUES)
    if value == "SELF":
        value = Path(main).name
    data["extends"] = value
    return _structured("extends", rng, data, repr(value)[:60], main)


def mutate_calibrated(rng: random.Random) -> Mutant:
    text, data = base(BASELINE_NAME)
    tag = f"{rng.getrandbits(40):010x}"
    main = f"scenarios/fuzz_{tag}.yaml"
    content = rng.choice(CALIBRATED_TEXTS)
    cal = f"calibrated/fuzz_{tag}.yaml"
    data["calibration"]["calibrated_file"] = cal
    files = {main: dump(data), f"scenarios/{cal}": content.encode("utf-8", errors="surrogateescape")}
    if rng.random() < 0.15:
        data["calibration"]["calibrated_file"] = rng.choice(["calibrated", "", ".", "/dev/zero", 5])
        files = {main: dump(data)}
        content = f"calibrated_file = {data['calibration']['calibrated_file']!r}"
    return Mutant("calibrated", content.strip()[:60], main, files)


def mutate_path(rng: random.Random) -> Mutant:
    special = rng.choice(["fifo", "symlink_loop", "dangling_symlink", "directory", "device", "empty", "scalar",
                          "list", "huge_keys", "just_under_limit"])
    main = f"scenarios/fuzz_{rng.getrandbits(40):010x}.yaml"
    if special == "empty":
        return Mutant("path", special, main, {main: rng.choice([b"", b"\n", b"---\n", b"# only a comment\n"])})
    if special == "scalar":
        return Mutant("path", special, main, {main: rng.choice([b"42\n", b"hello\n", b"~\n", b"--- !!str x\n"])})
    if special == "list":
        return Mutant("path", special, main, {main: b"- a\n- b\n"})
    if special in ("huge_keys", "just_under_limit"):
        size = 20_000_000 if special == "huge_keys" else 9_500_000
        text, _ = base(BASELINE_NAME)
        line = b"k%07d: 1\n"
        pad = b"".join(line % i for i in range(size // len(line % 0)))
        return Mutant("path", f"{special} {len(pad)} bytes", main, {main: text.encode() + pad})
    return Mutant("path", special, main, special=special)


MUTATORS = {
    "delete_key": mutate_delete_key,
    "rename_key": mutate_rename_key,
    "retype": mutate_retype,
    "number": mutate_number,
    "plausible": mutate_plausible,
    "capacity_or_population": mutate_capacity_or_population,
    "dangling": mutate_dangling,
    "date": mutate_date,
    "bytes": mutate_bytes,
    "alias_bomb": mutate_alias_bomb,
    "odd_key": mutate_odd_key,
    "huge_list": mutate_huge_list,
    "nesting": mutate_nesting,
    "extends": mutate_extends,
    "calibrated": mutate_calibrated,
    "path": mutate_path,
}
# the big ones are rarer (writing a 20 MB file takes time)
WEIGHTS = {kind: 1.0 for kind in MUTATORS} | {"huge_list": 0.4, "path": 0.3, "alias_bomb": 0.5}


def make_mutant(rng: random.Random, kind: str | None = None) -> Mutant:
    """One mutant of a shipped scenario, drawn from ``rng`` (of ``kind``, or any kind)."""
    if kind is None:
        kinds = list(MUTATORS)
        kind = rng.choices(kinds, weights=[WEIGHTS[k] for k in kinds])[0]
    return MUTATORS[kind](rng)


# --------------------------------------------------------------------------- the properties


def check_mutant(workspace: Path, mutant: Mutant) -> Outcome:
    """``flowsim check`` on a mutant, in this process: exit code, message, seconds, traceback."""
    from flowsim.cli import main as flowsim

    err, out = io.StringIO(), io.StringIO()
    began = time.perf_counter()
    with materialised(workspace, mutant) as path:
        try:
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
                code = flowsim(["check", str(path)])
            crash = None
        except SystemExit as exc:  # argparse
            code, crash = exc.code if isinstance(exc.code, int) else 1, None
        except BaseException:  # noqa: BLE001 - every escape is what we look for
            code, crash = None, traceback.format_exc()
    return Outcome(mutant.kind, mutant.detail, code, err.getvalue(), time.perf_counter() - began, crash)


def message_problems(outcome: Outcome, workspace: Path, *, opening: str = "flowsim check: ",
                     devices_named: bool = True) -> list[str]:
    """What is wrong with a refusal's message: not one paragraph, or no file named.

    ``opening`` is how the answering command's message starts; with ``devices_named`` a
    message that names a device (a mutant that points a path at /dev/...) names its file.
    """
    problems = []
    if outcome.code not in (0, 2):
        problems.append(f"exit code {outcome.code}")
    if outcome.code == 2:
        text = outcome.message
        if "Traceback" in text:
            problems.append("traceback in the message")
        if text.count("\n") != 1 or not text.startswith(opening):
            problems.append("not one paragraph")
        if str(workspace) not in text and not (devices_named and "/dev/" in text):
            problems.append("no file named")
    return problems


def run_mutant(workspace: Path, mutant: Mutant, out: Path, *, scale: float = RUN_SCALE) -> list[str]:
    """Run an accepted mutant at a small scale; the broken invariants (empty if all hold)."""
    import numpy as np
    import pandas as pd

    from flowsim.cli import main as flowsim

    problems: list[str] = []
    err = io.StringIO()
    with materialised(workspace, mutant) as path:
        try:
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                code = flowsim(["run", str(path), "--scale", f"{scale:g}", "--no-figures", "--quiet",
                                "--out", str(out), "--seed", "1"])
        except BaseException:  # noqa: BLE001
            return ["crash: " + traceback.format_exc()]
    if code == 2:
        if "Traceback" in err.getvalue() or err.getvalue().count("\n") != 1:
            problems.append(f"bad refusal: {err.getvalue()[:500]}")
        return problems  # refused before running (e.g. memory estimate): fine
    if code != 0:
        return [f"exit code {code}: {err.getvalue()[:500]}"]
    population = pd.read_csv(out / "population.csv")
    start = population[population["date"] == population["date"].min()].set_index("origin")["total"]
    totals = population.pivot(index="date", columns="origin", values="total")
    if not (totals == start.reindex(totals.columns)).all().all():
        problems.append("people not conserved in population.csv")
    parts = population[["at_home", "queued", "in_transit", "abroad", "returned"]].sum(axis=1)
    if not (parts == population["total"]).all():
        problems.append("population parts do not add up to the total")
    for name in ("daily", "crossings", "population", "summary", "flows", "profile"):
        frame = pd.read_csv(out / f"{name}.csv")
        numbers = frame.select_dtypes("number")
        if not np.isfinite(numbers.to_numpy(dtype=float)).all():
            problems.append(f"{name}.csv has a non-finite number")
        negative = [c for c in numbers.columns if (numbers[c] < 0).any()]
        if negative:
            problems.append(f"{name}.csv has negative numbers in {negative}")
    return problems


def is_finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)
