"""Ensembles, what-ifs and sensitivity analyses of an imported Flee case (a network scenario).

The same library functions and commands as for the mobilization model: the case is
burundi2015 (tests/data/flee), run for 150 days at 100 people per agent so that a few runs
take seconds.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.paths import FLEE_DATA
from flowsim.analysis.compare import run_comparison
from flowsim.analysis.ensemble import PERCENTILES, run_ensemble
from flowsim.analysis.sensitivity import run_sensitivity
from flowsim.cli import main
from flowsim.kinds.network.scenario.flee_import import CALIBRATION_PARAMETERS, import_flee

CASE = FLEE_DATA / "burundi2015"
SCALE = 100
TANZANIAN_CAMPS = ("Nduta", "Nyarugusu")


@pytest.fixture(scope="module")
def burundi(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("burundi")
    path = import_flee(CASE, folder / "burundi2015.yaml")
    text = path.read_text()
    days = next(line for line in text.splitlines() if line.startswith("  days: "))
    path.write_text(text.replace(days, "  days: 150"))
    return path


@pytest.fixture(scope="module")
def border_closed(burundi: Path) -> Path:
    """The what-if: the border between Burundi and Tanzania closed from the first day."""
    path = burundi.with_name("tanzania_closed.yaml")
    path.write_text(burundi.read_text().replace("name: burundi2015", "name: tanzania_closed")
                    + "closures:\n- {kind: country, name1: Burundi, name2: Tanzania, start: 0}\n")
    return path


def test_an_ensemble_gives_5_to_95_percent_bands_per_camp(burundi, tmp_path):
    result = run_ensemble(burundi, 3, seed=1, scale=SCALE, out_dir=tmp_path, executor="serial", progress=False)
    camps = pd.read_csv(tmp_path / "camps_bands.csv")
    assert set(result.bands) == {"camps", "daily"}
    assert camps.groupby("camp").size().eq(150).all() and camps["camp"].nunique() == 5
    bands = camps[[f"simulated_p{q:02d}" for q in PERCENTILES]].to_numpy()
    assert (bands[:, :-1] <= bands[:, 1:]).all(), "percentiles in order on every row"
    last = camps[camps["date"] == camps["date"].max()].set_index("camp")
    assert last.loc["Nyarugusu", "simulated_p50"] > 0
    outputs = pd.read_csv(tmp_path / "run_outputs.csv")
    assert len(outputs) == 3 and {"in_camps_last_day", "last_day_Nyarugusu", "peak_Mahama"} <= set(outputs.columns)


def test_closing_the_tanzanian_border_empties_the_tanzanian_camps(burundi, border_closed, tmp_path):
    result = run_comparison(burundi, border_closed, 2, seed=1, scale=SCALE, out_dir=tmp_path, executor="serial",
                            progress=False)
    table = result.table.set_index("output")
    for camp in TANZANIAN_CAMPS:
        base, whatif = table.loc[f"last_day_{camp}", "base_p50"], table.loc[f"last_day_{camp}", "whatif_p50"]
        assert base > 1000 and whatif < 0.05 * base, (camp, base, whatif)
    assert table.loc["in_camps_last_day", "diff_p50"] < 0
    assert (tmp_path / "compare.csv").exists() and (tmp_path / "base" / "camps_bands.csv").exists()


def test_morris_screens_flees_move_rules(burundi, tmp_path):
    result = run_sensitivity(burundi, "morris", n=2, replicates=1, outputs=["in_camps_last_day"], seed=3,
                             scale=SCALE, out_dir=tmp_path, executor="serial", progress=False)
    screened = set(result.table["parameter"])
    assert screened == {name for name, *_ in CALIBRATION_PARAMETERS}
    assert (result.table["mu_star"] >= 0).all() and result.table["mu_star"].max() > 0


def test_the_commands_run_on_a_flee_case(burundi, tmp_path, capsys):
    assert main(["ensemble", str(burundi), "--runs", "2", "--scale", str(SCALE), "--out", str(tmp_path / "e")]) == 0
    assert "in_camps_last_day" in capsys.readouterr().out
    assert main(["run", str(burundi), "--scale", "2.5", "--out", str(tmp_path / "r")]) == 2
    assert "whole number of people per agent" in capsys.readouterr().err


def test_a_closure_of_an_unknown_place_is_named_with_its_line(burundi, tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    text = burundi.read_text().replace("name: burundi2015", "name: bad")
    path.write_text(text + "closures:\n- {kind: link, name1: Bujumbura, name2: Atlantis, start: 3}\n")
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    line = len(text.splitlines()) + 2
    assert f"{path}, line {line}, key 'closures.0.name2': 'Atlantis' is not a location of the case" in err, err
