"""Hostile and wrong input gets the same one-paragraph error whatever the kind of scenario.

A mobilization scenario and a network scenario (an imported Flee case) are read by the same
bounded YAML reader and explained by the same "file, line, key, what is allowed" text, so a
NUL byte, nesting 10,000 deep, a billion-laughs alias bomb, an unknown key or a number out
of range ends ``flowsim check`` with exit 2 and one paragraph — never a traceback or a hang.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers.flee_case import make_flee_case
from helpers.paths import TINY
from flowsim.cli import main
from flowsim.kinds.network.scenario.flee_import import import_flee

ALIAS_BOMB = "lol0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"lol{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 10))


def _network_text(tmp_path: Path) -> str:
    return import_flee(make_flee_case(tmp_path / "case"), tmp_path / "network.yaml").read_text()


#: kind -> (how to get a good scenario's text, a number and the out-of-range value put in its place)
KINDS = {
    "mobilization": (lambda tmp_path: TINY.read_text(), "panic_share: 0.5", "panic_share: 7.5"),
    "network": (_network_text, "default_movechance: 0.3", "default_movechance: 7.5"),
}

#: mutation -> (change the text, a word of the error, the line the error names (a text on it), or None)
HOSTILE = {
    "nul_byte": (lambda text, kind: text.replace("\nname:", "\nname:\x00", 1), r"U\+0000 is not allowed", "name:"),
    "deep_nesting": (lambda text, kind: text + "\ndeep: " + "[" * 10_000 + "]" * 10_000 + "\n",
                     r"nested more than \d+ deep", "deep:"),
    "alias_bomb": (lambda text, kind: text + "\n" + ALIAS_BOMB, r"more than [\d,]+ values once aliases", None),
    "unknown_key": (lambda text, kind: text + "\ncolour: red\n", r"key 'colour': unknown key 'colour'\. .*Allowed here:",
                    "colour: red"),
    "out_of_range": (lambda text, kind: text.replace(KINDS[kind][1], KINDS[kind][2]),
                     r"key '[a-z_.]+_(share|movechance)': Input should be less than or equal to 1", "7.5"),
}


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("mutation", list(HOSTILE))
def test_every_kind_gets_the_same_one_paragraph_error(kind, mutation, tmp_path, capsys):
    good = KINDS[kind][0](tmp_path)
    change, pattern, on_line = HOSTILE[mutation]
    text = change(good, kind)
    assert text != good, "the mutation must change the scenario"
    path = tmp_path / f"bad_{kind}.yaml"
    path.write_text(text)
    code = main(["check", str(path)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert err.count("\n") == 1, "one paragraph: " + err
    assert f"{path}, line " in err, err
    assert re.search(pattern, err), err
    if on_line is not None:
        line = next(i for i, row in enumerate(text.splitlines(), 1) if on_line in row)
        assert f"line {line}" in err, err
