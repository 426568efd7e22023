"""What-if comparisons with common random numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.paths import TINY
from flowsim.analysis.compare import paired_differences, run_comparison
from flowsim.cli import main


@pytest.fixture
def upper_lars_closed(tmp_path: Path) -> Path:
    """The tiny world with the Georgian road crossing closed from the day of mobilization."""
    path = tmp_path / "tiny_upper_lars_closed.yaml"
    path.write_text(
        f"extends: {TINY}\n"
        "name: tiny_upper_lars_closed\n"
        "events:\n"
        "  - {id: close_upper_lars, date: 2022-09-12, kind: close_crossing,\n"
        "     label: Upper Lars closed, crossing: ge_upper_lars}\n"
    )
    return path


def test_paired_differences_pairs_by_seed():
    base = pd.DataFrame({"run": [0, 1, 2], "seed": [10, 11, 12], "total_leavers": [100.0, 200.0, 300.0]})
    whatif = pd.DataFrame({"run": [2, 0, 1], "seed": [12, 10, 11], "total_leavers": [310.0, 110.0, 210.0]})
    table = paired_differences(base, whatif)
    row = table.set_index("output").loc["total_leavers"]
    assert row["pairs"] == 3 and row["diff_p05"] == row["diff_p95"] == 10.0
    assert row["change_pct_p50"] == 5.0


def test_paired_differences_needs_common_seeds():
    base = pd.DataFrame({"run": [0], "seed": [1], "x": [1.0]})
    with pytest.raises(ValueError, match="share no seed"):
        paired_differences(base, base.assign(seed=[2]))


def test_closing_upper_lars_sends_more_to_kazakhstan(tmp_path, upper_lars_closed):
    result = run_comparison(TINY, upper_lars_closed, runs=4, seed=3, scale=50, out_dir=tmp_path / "cmp",
                            executor="serial", progress=False)
    assert result.base.seeds == result.whatif.seeds
    table = pd.read_csv(tmp_path / "cmp" / "compare.csv").set_index("output")
    for name in ("kazakhstan_entries_21sep_4oct", "georgia_entries_21sep_4oct", "total_leavers",
                 "wave_entries_kazakhstan", "peak_queue_kazakhstan"):
        assert name in table.index
    # the men who would have crossed at Upper Lars go to Kazakhstan instead
    assert table.loc["georgia_entries_21sep_4oct", "diff_p95"] < 0
    assert table.loc["wave_entries_kazakhstan", "diff_p50"] > 0
    assert (table["diff_p05"] <= table["diff_p95"]).all() and (table["pairs"] == 4).all()
    assert (tmp_path / "cmp" / "compare.png").stat().st_size > 0
    assert (tmp_path / "cmp" / "compare.svg").exists()


def test_cli_compare_prints_table_and_rejects_bad_input(tmp_path, upper_lars_closed, capsys):
    assert main(["compare", str(TINY), str(upper_lars_closed), "--runs", "2", "--scale", "200",
                 "--executor", "serial", "--out", str(tmp_path / "c")]) == 0
    out = capsys.readouterr().out
    assert "kazakhstan_entries_21sep_4oct" in out and "diff median" in out
    assert main(["compare", str(TINY), str(tmp_path / "nope.yaml"), "--runs", "2",
                 "--executor", "serial", "--out", str(tmp_path / "d")]) == 2
    err = capsys.readouterr().err
    assert "nope.yaml" in err and "Traceback" not in err
    assert np.isfinite(pd.read_csv(tmp_path / "c" / "compare.csv")["diff_p50"]).all()
