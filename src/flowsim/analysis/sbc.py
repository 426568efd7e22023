"""Simulation-based calibration of the emulator posterior (Talts et al. 2018).

If parameters are drawn from the prior, data simulated from them, and the posterior formed
for those data, the rank of the true value among ``L`` posterior draws is uniform on
``0..L`` for every parameter, whatever the model, when the posterior is right. A posterior
that is too narrow (an emulator too confident, a discrepancy too small) piles the ranks at
both ends; one too wide piles them in the middle; a biased one tilts them.

Here each data set is one simulated run's figures plus the errors the likelihood assumes
(a draw of ``N(0, V_obs + V_md)`` per figure: what separates a documented value from the
simulator's output), and its posterior is a reweighting of the emulator posterior's
candidates (:meth:`Candidates.log_weights` with ``data``): the emulators are not refitted
and nothing is simulated beyond the one run per data set. In these data sets every figure is
a value, so a one-sided figure is read as two-sided about it, with the same variance.

``from_posterior`` draws the true values from the fitted posterior instead of the prior,
and conditions each data set's posterior on the documented figures as well (posterior SBC,
Säilynoja, Johnson, Martin and Vehtari 2025): it checks calibration where the posterior
lies, which is what the candidates cover best.

References:
    Talts S, Betancourt M, Simpson D, Vehtari A, Gelman A (2018). Validating Bayesian
    inference algorithms with simulation-based calibration. arXiv:1804.06788.
    Säilynoja T, Johnson AR, Martin OA, Vehtari A (2025). Posterior SBC: simulation-based
    calibration checking conditional on data. arXiv:2502.03279.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from flowsim.analysis.calibration import kish_ess
from flowsim.analysis.emulator_posterior import Candidates, fixed_variances, log_likelihood, normalised
from flowsim.analysis.history_matching import DISCREPANCY_SHARE, Observation

PASS_P_VALUE = 0.01
"""A parameter's ranks fail the uniformity test below this chi-square p-value."""


@dataclass(frozen=True)
class SimulationBasedCalibration:
    """Ranks of the true values, their uniformity per parameter and each posterior's effective sample.

    Attributes:
        ranks: (data sets × parameters) rank of the true value among ``draws`` posterior draws.
        draws: posterior draws per data set (ranks run from 0 to ``draws``).
        effective_sample_sizes: Kish's effective sample size of each data set's posterior.
        p_values: per parameter, the chi-square test's p-value of uniform ranks.
        bins: rank bins of the test.
    """

    ranks: np.ndarray
    draws: int
    effective_sample_sizes: np.ndarray
    p_values: np.ndarray
    bins: int

    @property
    def uniform(self) -> np.ndarray:
        """Per parameter, whether the ranks pass the test (p at least :data:`PASS_P_VALUE`)."""
        return self.p_values >= PASS_P_VALUE

    def table(self, names: Sequence[str]) -> pd.DataFrame:
        """One row per data set: its posterior's effective sample and the rank per parameter."""
        frame = pd.DataFrame(self.ranks, columns=list(names))
        frame.insert(0, "effective_sample_size", np.round(self.effective_sample_sizes, 1))
        frame.insert(0, "data_set", np.arange(len(frame)))
        return frame


def add_assumed_errors(values: np.ndarray, observations: Sequence[Observation], rng: np.random.Generator,
                       discrepancy_share: float = DISCREPANCY_SHARE) -> np.ndarray:
    """Simulated figures (data sets × figures) plus a draw of the errors the likelihood assumes."""
    sd = np.sqrt(fixed_variances(observations, discrepancy_share))
    return values + rng.standard_normal(values.shape) * sd[None, :]


def rank_bins(data_sets: int, draws: int) -> int:
    """Bins of the uniformity test: about 20 data sets expected in each, at most ``draws + 1``."""
    return int(np.clip(data_sets // 20, 2, min(20, draws + 1)))


def uniformity_p_values(ranks: np.ndarray, draws: int, bins: int) -> np.ndarray:
    """Chi-square test of uniform ranks on ``0..draws``, per column, in ``bins`` equal bins."""
    from scipy.stats import chisquare

    edges = np.linspace(0, draws + 1, bins + 1)
    expected = np.histogram(np.arange(draws + 1), bins=edges)[0] * len(ranks) / (draws + 1)
    out = np.empty(ranks.shape[1])
    for k in range(ranks.shape[1]):
        counts, _ = np.histogram(ranks[:, k], bins=edges)
        out[k] = chisquare(counts, expected).pvalue
    return out


def simulation_based_calibration(candidates: Candidates, observations: Sequence[Observation], truths: np.ndarray,
                                 data: np.ndarray, rng: np.random.Generator, *, draws: int = 99,
                                 base_log_weights: np.ndarray | None = None,
                                 discrepancy_share: float = DISCREPANCY_SHARE) -> SimulationBasedCalibration:
    """Rank each true parameter set among ``draws`` draws of the posterior of its data.

    Args:
        candidates: the emulator posterior's candidates (with their emulated figures).
        observations: the figures of the likelihood, in the columns' order of ``data``.
        truths: (data sets × parameters) the parameter sets the data were simulated at (unit cube).
        data: (data sets × figures) simulated figures plus :func:`add_assumed_errors`; NaN: left out.
        rng: draws the posterior samples and breaks ties.
        draws: posterior draws per data set.
        base_log_weights: log weights the data's likelihood multiplies; default the prior's
            (``candidates.log_prior_ratio``); posterior SBC passes the documented figures' posterior.
        discrepancy_share: as the posterior's.
    """
    base = candidates.log_prior_ratio if base_log_weights is None else base_log_weights
    inside = np.isfinite(base)
    points = candidates.points[inside]
    ranks = np.empty(truths.shape, dtype=int)
    ess = np.empty(len(truths))
    for j, (truth, values) in enumerate(zip(truths, data, strict=True)):
        log_weights = base[inside] + log_likelihood(observations, candidates.mean[inside], candidates.variance[inside],
                                                    discrepancy_share=discrepancy_share, data=values)
        weights = normalised(log_weights)
        ess[j] = kish_ess(weights)
        sample = points[rng.choice(len(points), size=draws, p=weights)]
        below = (sample < truth).sum(axis=0)
        ties = (sample == truth).sum(axis=0)
        ranks[j] = below + rng.integers(0, ties + 1)
    bins = rank_bins(len(truths), draws)
    return SimulationBasedCalibration(ranks, draws, ess, uniformity_p_values(ranks, draws, bins), bins)

