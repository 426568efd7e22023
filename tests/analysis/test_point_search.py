"""The point search on runs: its cost reads the bands, and on a toy simulator it finds the one corner
where every figure holds at once."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from flowsim.analysis.point_search import band_excess, cma_search, search_cost


def figure(id_: str, low, high, role: str = "calibration"):
    return SimpleNamespace(id=id_, low=low, high=high, role=role)


def test_a_figure_in_the_middle_of_its_band_costs_nothing_and_one_beyond_it_costs_more_than_at_its_edge():
    assert band_excess(100.0, 80.0, 120.0) == 0.0
    assert band_excess(111.0, 80.0, 120.0) == 0.0            # 0.55 half-widths from the centre
    edge = band_excess(120.0, 80.0, 120.0)
    assert edge == pytest.approx(0.4**2)
    assert band_excess(124.0, 80.0, 120.0) > edge + 0.2      # beyond the edge: the slope is added
    assert band_excess(float("nan"), 80.0, 120.0) >= 10.0


def test_a_one_sided_figure_is_read_as_a_band_on_its_open_side():
    assert band_excess(130.0, 100.0, None) == 0.0            # 30 % above the bound
    assert band_excess(100.0, 100.0, None) == pytest.approx(0.4**2)
    assert band_excess(90.0, 100.0, None) > band_excess(100.0, 100.0, None)
    assert band_excess(70.0, None, 100.0) == 0.0


def test_checks_weigh_less_and_the_figures_outside_are_named():
    figures = [figure("x", 80, 120), figure("y", 80, 120, role="check")]
    cost, outside = search_cost(figures, {"x": 130.0, "y": 130.0})
    only_x, _ = search_cost(figures[:1], {"x": 130.0})
    assert outside == ["x", "y"]
    assert cost == pytest.approx(only_x * 1.4)


def toy(points: np.ndarray) -> list[dict[str, float]]:
    """Three parameters: x = 100 a, y = 100 b, s = 100 (a + b) + 50 c."""
    return [{"x": 100 * a, "y": 100 * b, "s": 100 * (a + b) + 50 * c} for a, b, c in points]


FIGURES = [figure("x", 75, 85), figure("y", 15, 25), figure("s", 140, 150)]   # a 0.8, b 0.2, c 0.8-1


def test_the_search_finds_the_corner_where_every_figure_holds_from_a_start_where_none_does():
    result = cma_search(toy, FIGURES, np.array([0.1, 0.9, 0.0]), max_simulations=600, seed=3)
    assert search_cost(FIGURES, toy(np.array([[0.1, 0.9, 0.0]]))[0])[1] == ["x", "y", "s"]
    assert result.outside == []
    a, b, c = result.point
    assert 0.75 <= a <= 0.85 and 0.15 <= b <= 0.25 and 0.7 <= c <= 1.0
    assert result.simulations <= 600
    assert list(result.trace["best"]) == sorted(result.trace["best"], reverse=True)


def test_the_search_is_deterministic():
    first = cma_search(toy, FIGURES, np.full(3, 0.5), max_simulations=120, seed=8)
    again = cma_search(toy, FIGURES, np.full(3, 0.5), max_simulations=120, seed=8)
    assert np.array_equal(first.point, again.point) and first.trace.equals(again.trace)


def test_the_command_writes_a_point_that_a_calibration_can_start_from(tmp_path, capsys):
    from helpers.paths import ROOT
    from flowsim.cli import main
    from flowsim.kinds.mobilization.scenario import load_scenario
    from flowsim.analysis.abc_model import scenario_priors
    from flowsim.scenario.reader import read_parameter_point

    baseline = ROOT / "scenarios" / "mobilization_2022.yaml"
    out = tmp_path / "search"
    assert main(["calibrate", str(baseline), "--method", "search", "--max-simulations", "4", "--scale", "200",
                 "--out", str(out), "--quiet"]) == 0
    priors = scenario_priors(load_scenario(baseline))
    point = read_parameter_point(out / "point.yaml", {p.name: (p.low, p.high) for p in priors})
    assert set(point) == {p.name for p in priors}
    assert (out / "search.csv").read_text().startswith("generation,simulations,")
    assert "outside_at_best" in (out / "search.record.yaml").read_text()
