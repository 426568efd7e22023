"""The emulator posterior and its simulation-based calibration, on a toy world whose answer is known.

The toy simulator is a cheap function of two parameters a, b in [0, 1] with seed noise:
three figures that together pin a and b down. Its documented figures are intervals around
the values at the true parameters (0.3, 0.7); budgets are in runs.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from flowsim.analysis.calibration import kish_ess
from flowsim.analysis.emulator_posterior import Candidates, Proposal, fit_emulator_posterior, weighted_interval
from flowsim.analysis.history_matching import Observation, latin_hypercube
from flowsim.analysis.sbc import PASS_P_VALUE, add_assumed_errors, simulation_based_calibration

TRUTH = np.array([0.3, 0.7])
NOISE = np.array([1.0, 1.0, 1.5])
DISCREPANCY = 0.02


def figures(a: float, b: float) -> np.ndarray:
    """The noise-free figures: a sum, a product and a saturating curve."""
    return np.array([60 * a + 40 * b, 100 * a * b, 80 * (1 - np.exp(-3 * a)) + 10 * b])


def toy(points: np.ndarray, noise_factor: float = 1.0) -> list[dict[str, float]]:
    """One run per point; its seed noise follows from the point, so a point always gives the same run."""
    rows = []
    for point in points:
        rng = np.random.default_rng(zlib.crc32(np.asarray(point, float).tobytes()))
        values = figures(*point) + noise_factor * NOISE * rng.standard_normal(3)
        rows.append(dict(zip(("sum", "product", "curve"), values.tolist(), strict=True)))
    return rows


def documented() -> list[Observation]:
    """Bands of +-2 noise sd around the figures at the true parameters; 'curve' one-sided (at least)."""
    centre = figures(*TRUTH)
    return [Observation("sum", "calibration", centre[0] - 2, centre[0] + 2),
            Observation("product", "calibration", centre[1] - 2, centre[1] + 2),
            Observation("curve", "calibration", centre[2] - 3, None)]


@pytest.fixture(scope="module")
def fitted():
    return fit_emulator_posterior(documented(), toy, 2, waves=3, runs_per_wave=30, candidates=20_000,
                                  wave_candidates=5_000, history_candidates=2_000, seed=3,
                                  discrepancy_share=DISCREPANCY)


def test_the_posterior_holds_the_true_parameters_in_its_90_percent_interval(fitted):
    for k, truth in enumerate(TRUTH):
        low, high = weighted_interval(fitted.candidates.points[:, k], fitted.weights, 0.9)
        assert low <= truth <= high
        assert high - low < 0.5  # and the figures narrowed it from the prior's width of 1


def test_the_effective_sample_is_kish_of_the_final_weights(fitted):
    weights = fitted.weights
    assert fitted.effective_sample_size == pytest.approx(weights.sum() ** 2 / (weights**2).sum())
    assert fitted.effective_sample_size == pytest.approx(kish_ess(weights))
    assert fitted.effective_sample_size >= 200
    assert list(fitted.waves["wave"]) == ["1", "2", "3", "final"]
    assert (fitted.waves["effective_sample_size"] > 0).all()


def test_the_mixture_density_integrates_to_one():
    rng = np.random.default_rng(0)
    points = rng.random((500, 2)) * 0.2 + 0.4
    proposal = Proposal.around(points, np.full(500, 1 / 500), rng, components=50, prior_share=0.3)
    grid = (np.stack(np.meshgrid(np.linspace(-1, 2, 301), np.linspace(-1, 2, 301)), axis=-1)).reshape(-1, 2)
    assert np.exp(proposal.log_density(grid)).sum() * (3 / 300) ** 2 == pytest.approx(1.0, abs=0.02)


def _sbc(fitted, noise_factor: float, data_sets: int = 200):
    rng = np.random.default_rng(11)
    truths = latin_hypercube(data_sets, 2, rng)
    simulated = np.array([[row[o.id] for o in fitted.observations] for row in toy(truths, noise_factor)])
    data = add_assumed_errors(simulated, fitted.observations, rng, DISCREPANCY)
    return simulation_based_calibration(fitted.candidates, fitted.observations, truths, data, rng, draws=99,
                                        discrepancy_share=DISCREPANCY)


def test_ranks_of_the_true_values_are_uniform(fitted):
    sbc = _sbc(fitted, noise_factor=1.0)
    assert sbc.ranks.shape == (200, 2)
    assert sbc.ranks.min() >= 0 and sbc.ranks.max() <= 99
    assert sbc.uniform.all(), sbc.p_values


def test_ranks_are_uniform_when_the_true_values_come_from_the_posterior(fitted):
    """Posterior SBC: true values drawn from the fitted posterior, each data set's posterior
    conditioned on the documented figures as well."""
    rng = np.random.default_rng(12)
    candidates = fitted.candidates
    truths = candidates.points[rng.choice(len(fitted.weights), size=200, p=fitted.weights)]
    simulated = np.array([[row[o.id] for o in fitted.observations] for row in toy(truths)])
    data = add_assumed_errors(simulated, fitted.observations, rng, DISCREPANCY)
    sbc = simulation_based_calibration(candidates, fitted.observations, truths, data, rng, draws=99,
                                       base_log_weights=candidates.log_weights(fitted.observations,
                                                                               discrepancy_share=DISCREPANCY),
                                       discrepancy_share=DISCREPANCY)
    assert sbc.uniform.all(), sbc.p_values


def test_a_posterior_too_sure_of_itself_fails_the_rank_test(fitted):
    # the data carry ten times the seed noise the emulators learned: the posterior is too narrow
    sbc = _sbc(fitted, noise_factor=10.0)
    assert (sbc.p_values < PASS_P_VALUE).any(), sbc.p_values


def test_command_line_emulator_calibration_and_validation_of_its_posterior(tmp_path, capsys):
    """``flowsim calibrate --method emulator --sbc 20`` on the tiny scenario with tiny waves, then
    ``flowsim validate`` drawing its runs' parameters from the posterior it wrote."""
    import pandas as pd
    import yaml

    from conftest import TINY, with_absolute_targets
    from flowsim.cli import main

    work = tmp_path / "scenario"
    work.mkdir()
    text = with_absolute_targets(TINY.read_text())
    (work / "tiny.yaml").write_text(text.replace(
        "calibration:\n", "calibration:\n  calibrated_file: cal/tiny.yaml\n  model_discrepancy: 0.05\n"))
    out = tmp_path / "out"
    status = main(["calibrate", str(work / "tiny.yaml"), "--method", "emulator", "--waves", "2", "--runs-per-wave", "16",
                   "--candidates", "4000", "--sbc", "20", "--particles", "300", "--history-match-runs", "0",
                   "--check-runs", "0", "--out", str(out), "--quiet"])
    assert status == 0, capsys.readouterr().err
    record = yaml.safe_load((work / "cal" / "tiny.record.yaml").read_text())
    assert record["method"] == "emulator" and "--method emulator" in record["command"]
    assert record["model_discrepancy"] == 0.05 and "(0.05 x documented value)^2" in record["likelihood"]
    assert record["simulations"] == 2 * 16 + 20
    waves = [row["wave"] for row in record["populations"]]
    assert waves[:2] == ["1", "2"] and waves[2:] and all(w.startswith("smc ") for w in waves[2:])
    assert record["effective_sample_size"] == record["populations"][-1]["effective_sample_size"]
    assert record["informativeness"]["prior_draws"] == 16
    posterior = pd.read_csv(out / "posterior.csv")
    weights = posterior["weight"].to_numpy()
    assert weights.sum() == pytest.approx(1.0)
    assert record["particles_effective_sample_size"] == pytest.approx(kish_ess(weights), abs=0.1)
    assert record["effective_sample_size_holds"] == (record["effective_sample_size"] >= 200)
    assert set(record["calibrated_values"]) <= set(posterior.columns)
    ranks = pd.read_csv(out / "sbc_ranks.csv")
    assert len(ranks) == 20 and ranks[list(record["calibrated_values"])].to_numpy().max() <= 99
    assert [row["name"] for row in record["sbc"]["parameters"]] == list(record["calibrated_values"])
    assert all(0 <= row["p_value"] <= 1 for row in record["sbc"]["parameters"])
    assert (out / "figures" / "sbc_ranks.png").stat().st_size > 10_000

    capsys.readouterr()
    status = main(["validate", str(work / "tiny.yaml"), "--runs", "2", "--out", str(tmp_path / "validation")])
    assert status == 0
    assert "bands: parameter and seed uncertainty (2 posterior draws)" in capsys.readouterr().out


@pytest.mark.parametrize(("options", "kind", "method"), [
    ([], "mobilization", "emulator"),
    (["--budget", "10m"], "mobilization", "abc"),
    (["--max-populations", "3"], "mobilization", "abc"),
    (["--method", "abc"], "mobilization", "abc"),
    ([], "network", "abc"),
])
def test_the_emulator_is_the_default_unless_an_abc_option_is_given(options, kind, method):
    import argparse

    from flowsim.cli.calibrate import add_parser, resolve_method

    parser = add_parser(argparse.ArgumentParser().add_subparsers())
    args = parser.parse_args(["x.yaml", *options])
    assert resolve_method(args, kind) == method
    assert args.population_size == 100 and args.min_acceptance_rate == 0.01


def test_a_network_scenario_refuses_the_emulator():
    import argparse

    from flowsim.cli.calibrate import add_parser, resolve_method
    from flowsim.errors import UserError

    args = add_parser(argparse.ArgumentParser().add_subparsers()).parse_args(["x.yaml", "--method", "emulator"])
    with pytest.raises(UserError, match="ABC-SMC"):
        resolve_method(args, "network")


# ---------------------------------------------------------------- sequential Monte Carlo on the emulators

def test_tempered_smc_finds_a_narrow_posterior_in_ten_dimensions():
    """A Gaussian likelihood of sd 0.01 around 0.4 in each of 10 parameters: 1e-17 of the prior's
    volume, where importance sampling from the prior has an effective sample of 1."""
    from flowsim.analysis.emulator_smc import tempered_smc

    centre, sd = 0.4, 0.01

    def at(points):
        loglik = -0.5 * (((points - centre) / sd) ** 2).sum(axis=1)
        return loglik, points.copy(), np.zeros_like(points)

    smc = tempered_smc(at, 10, np.random.default_rng(1), particles=600)
    assert smc.steps["power"].iloc[-1] == 1.0 and smc.steps["power"].is_monotonic_increasing
    assert smc.effective_sample_size >= 300                      # half the particles, by construction
    assert np.abs(smc.points.mean(axis=0) - centre).max() < 0.004
    assert smc.points.std(axis=0) == pytest.approx(np.full(10, sd), rel=0.3)


@pytest.fixture(scope="module")
def fitted_by_smc():
    return fit_emulator_posterior(documented(), toy, 2, waves=3, runs_per_wave=30, candidates=20_000,
                                  wave_candidates=5_000, history_candidates=2_000, seed=3,
                                  discrepancy_share=DISCREPANCY, smc_particles=500)


def test_the_smc_posterior_holds_the_true_parameters_with_an_effective_sample_of_half_its_particles(fitted_by_smc):
    for k, truth in enumerate(TRUTH):
        low, high = weighted_interval(fitted_by_smc.candidates.points[:, k], fitted_by_smc.weights, 0.9)
        assert low <= truth <= high and high - low < 0.5
    assert fitted_by_smc.effective_sample_size >= 250
    assert fitted_by_smc.waves["wave"].iloc[-1].startswith("smc")
    # the particles are draws of the posterior: the documented figures weigh them equally
    weights = np.exp(fitted_by_smc.candidates.log_weights(fitted_by_smc.observations, discrepancy_share=DISCREPANCY))
    assert weights / weights.max() == pytest.approx(np.ones(len(weights)))


def test_posterior_sbc_of_the_smc_particles_gives_uniform_ranks(fitted_by_smc):
    rng = np.random.default_rng(11)
    observations = fitted_by_smc.observations
    truths = fitted_by_smc.candidates.points[rng.choice(len(fitted_by_smc.weights), size=200)]
    values = np.array([[run[o.id] for o in observations] for run in toy(truths)])
    data = add_assumed_errors(values, observations, rng, DISCREPANCY)
    base = fitted_by_smc.candidates.log_weights(observations, discrepancy_share=DISCREPANCY)
    checked = simulation_based_calibration(fitted_by_smc.candidates, observations, truths, data, rng,
                                           base_log_weights=base, discrepancy_share=DISCREPANCY)
    assert checked.uniform.all(), checked.p_values
