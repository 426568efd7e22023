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


#: kind -> (the first calibration parameter as written, the same with a name and bounds put in, the
#: second parameter's name). Both kinds check ``calibration.parameters`` with the same code.
FIRST_PARAMETER = {
    "mobilization": ("{name: behaviour.leaving.shock_hazard, low: 0.004, high: 0.03, scale: log}",
                     "{{name: {name}, low: {low}, high: {high}, scale: log}}",
                     "behaviour.after_arrival.onward_daily_hazard"),
    "network": ("- name: flee.move_rules.default_movechance\n    low: 0.05\n    high: 0.9\n",
                "- name: {name}\n    low: {low}\n    high: {high}\n",
                "flee.move_rules.distance_power"),
}

#: mutation -> (name, low, high of the first parameter (from its own and the second's name), a word of
#: the error, the key it names, the text on the line it names)
BAD_CALIBRATION = {
    "high_below_low": (lambda own, second: (own, 0.5, 0.1), r"low \(0\.5\) must be below high \(0\.1\)",
                       "calibration.parameters.0", "name: {own}"),
    "boolean_bound": (lambda own, second: (own, "true", 0.9), "a bound is a number, not true",
                      "calibration.parameters.0.low", "low: true"),
    "bound_of_2_to_the_64": (lambda own, second: (own, 0.01, 2**64), "less than or equal to 1000000000",
                             "calibration.parameters.0.high", f"high: {2**64}"),
    "repeated_name": (lambda own, second: (second, 0.01, 0.9), "each parameter is named once; repeated: {second}",
                      "calibration.parameters", "parameters:"),
    "names_no_number": (lambda own, second: ("name", 0.01, 0.9), "'name' is not a number .* names a number",
                        "calibration.parameters.0.name", "name: name"),
}


@pytest.mark.parametrize("kind", list(FIRST_PARAMETER))
@pytest.mark.parametrize("mutation", list(BAD_CALIBRATION))
def test_every_kind_refuses_bad_calibration_parameters_in_one_paragraph(kind, mutation, tmp_path, capsys):
    good = KINDS[kind][0](tmp_path)
    written, template, second = FIRST_PARAMETER[kind]
    own = re.search(r"name: ([a-z_.]+)", written).group(1)
    choose, pattern, key, on_line = BAD_CALIBRATION[mutation]
    name, low, high = choose(own, second)
    assert written in good, "the scenario's first calibration parameter is written as expected"
    text = good.replace(written, template.format(name=name, low=low, high=high), 1)
    path = tmp_path / f"bad_{kind}.yaml"
    path.write_text(text)
    code = main(["check", str(path)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and err.count("\n") == 1, "one paragraph: " + err
    assert re.search(pattern.format(second=re.escape(second)), err), err
    assert f"key '{key}'" in err, err
    line = next(i for i, row in enumerate(text.splitlines(), 1) if on_line.format(own=own) in row)
    assert f"{path}, line {line}, " in err, err


def test_a_network_run_too_big_for_memory_is_refused_before_anything_is_built(tmp_path, capsys):
    """Ten billion people in a case's series (the most a count may hold) at one person per agent: check
    and run say how much memory it would take and the smallest scale that fits; no folder is written."""
    case = make_flee_case(tmp_path / "case", {"source_data/refugees.csv": "2020-01-01,0\n2020-01-05,10000000000\n"})
    scenario = import_flee(case, tmp_path / "network.yaml")
    for command in (["check", str(scenario)], ["run", str(scenario), "--out", str(tmp_path / "out")]):
        code = main(command)
        err = capsys.readouterr().err
        assert code == 2 and "Traceback" not in err and err.count("\n") == 1, err
        assert re.search(r"at 1 people per agent would need about [\d,.]+ GB of memory \([\d,]+ agents", err), err
        least = int(re.search(r"Use --scale ([\d,]+) or more", err).group(1).replace(",", ""))
        assert least > 1
    assert not (tmp_path / "out").exists()
