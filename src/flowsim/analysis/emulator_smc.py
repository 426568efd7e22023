"""Sequential Monte Carlo on the emulated posterior: tempering from the prior, with Metropolis moves.

Importance sampling from a mixture around earlier candidates cannot reach a posterior that is
a tiny corner of a 20-dimensional prior: the weights of a few candidates dominate (issue 21's
first measurement: an effective sample of 1-4 of 20,000). A particle population that moves
there does: ``N`` particles start at prior draws and the likelihood is switched on by powers
``0 = phi_0 < phi_1 < ... < phi_T = 1``. Each next power is the largest that keeps the
conditional effective sample of the incremental weights ``L(x)^(phi_t - phi_(t-1))`` at half the
particles (Jasra et al. 2011; Zhou, Johansen and Aston 2016); the particles are resampled by
those weights and then moved by random-walk Metropolis steps that leave
``prior(x) L(x)^phi_t`` invariant, with a Gaussian proposal scaled to the particles' own
covariance (2.38^2 / d, Roberts and Rosenthal 2001) and shrunk or widened by the acceptance
rate. Every likelihood is the emulators' (:func:`flowsim.analysis.emulator_posterior.log_likelihood`):
no simulation is run here.

The last step's incremental weights give Kish's effective sample size of the final population
(at least half of ``N`` by construction, reported per step in the record); the particles after
its moves are equally weighted draws of the emulated posterior.

References:
    Del Moral P, Doucet A, Jasra A (2006). Sequential Monte Carlo samplers. J R Stat Soc B
    68(3):411-436. https://doi.org/10.1111/j.1467-9868.2006.00553.x
    Jasra A, Stephens DA, Doucet A, Tsagaris T (2011). Inference for Lévy-driven stochastic
    volatility models via adaptive sequential Monte Carlo. Scand J Stat 38(1):1-22.
    Zhou Y, Johansen AM, Aston JAD (2016). Toward automatic model comparison: an adaptive
    sequential Monte Carlo approach. J Comput Graph Stat 25(3):701-726.
    Roberts GO, Rosenthal JS (2001). Optimal scaling for various Metropolis-Hastings
    algorithms. Statistical Science 16(4):351-367.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from flowsim.analysis.calibration import kish_ess

LogLikelihood = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]
"""Maps rows of unit-cube points to (log likelihood, emulated means, emulated variances)."""

MOVES = 4
"""Metropolis steps after each resampling."""
MAX_STEPS = 200
"""Most tempering steps (a guard: the adaptive powers reach 1 in a few dozen)."""


@dataclass(frozen=True)
class Particles:
    """An equally weighted population of the emulated posterior and how it got there."""

    points: np.ndarray
    log_likelihood: np.ndarray
    mean: np.ndarray
    variance: np.ndarray
    steps: pd.DataFrame      # step, power, effective sample of the step's weights, acceptance rate

    @property
    def effective_sample_size(self) -> float:
        """Kish's effective sample size of the last step's importance weights."""
        return float(self.steps["effective_sample_size"].iloc[-1])


def normalised(log_weights: np.ndarray) -> np.ndarray:
    """Weights summing to 1 from log weights (``-inf``: weight 0)."""
    top = np.max(log_weights)
    if not np.isfinite(top):
        raise ValueError("every candidate has weight zero")
    weights = np.exp(log_weights - top)
    return weights / weights.sum()


def systematic_resample(weights: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` indices drawn in proportion to ``weights`` with one uniform (Kitagawa 1996): low variance."""
    positions = (rng.random() + np.arange(n)) / n
    return np.minimum(np.searchsorted(np.cumsum(weights), positions), len(weights) - 1)


def next_power(log_likelihood: np.ndarray, power: float, target_ess: float) -> float:
    """The largest power in (``power``, 1] whose incremental weights keep Kish's ESS at ``target_ess``."""
    def ess(step: float) -> float:
        return kish_ess(normalised(step * log_likelihood))

    if ess(1.0 - power) >= target_ess:
        return 1.0
    low, high = 0.0, 1.0 - power
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if ess(middle) >= target_ess else (low, middle)
    return power + max(low, 1e-12)


def tempered_smc(log_likelihood_at: LogLikelihood, dims: int, rng: np.random.Generator, *, particles: int = 1000,
                 moves: int = MOVES, report: Callable[[str], None] | None = None) -> Particles:
    """Particles of ``prior(x) L(x)`` on the unit cube (uniform prior) by adaptive tempering.

    Args:
        log_likelihood_at: the emulated log likelihood (with the emulated figures) at rows of points.
        dims: parameters.
        rng: draws the prior sample, the resampling and the moves.
        particles: population size ``N``.
        moves: Metropolis steps per tempering step.
        report: told each step's power and effective sample (progress).
    """
    points = rng.random((particles, dims))
    loglik, mean, variance = log_likelihood_at(points)
    power, scale = 0.0, 1.0
    rows = []
    for step in range(1, MAX_STEPS + 1):
        new_power = next_power(loglik, power, particles / 2)
        weights = normalised((new_power - power) * loglik)
        ess = kish_ess(weights)
        power = new_power
        keep = systematic_resample(weights, particles, rng)
        points, loglik, mean, variance = points[keep], loglik[keep], mean[keep], variance[keep]
        spread = np.cov(points, rowvar=False) + np.eye(dims) * 1e-8
        chol = np.linalg.cholesky(spread * (2.38**2 / dims))
        accepted = 0
        for _ in range(moves):
            proposed = points + scale * rng.standard_normal(points.shape) @ chol.T
            inside = np.all((proposed >= 0.0) & (proposed <= 1.0), axis=1)
            new_loglik = np.full(particles, -np.inf)
            new_mean, new_variance = mean.copy(), variance.copy()
            if inside.any():
                new_loglik[inside], new_mean[inside], new_variance[inside] = log_likelihood_at(proposed[inside])
            accept = inside & (np.log(rng.random(particles)) < power * (new_loglik - loglik))
            points[accept], loglik[accept] = proposed[accept], new_loglik[accept]
            mean[accept], variance[accept] = new_mean[accept], new_variance[accept]
            accepted += int(accept.sum())
        rate = accepted / (moves * particles)
        # keep the acceptance rate near a quarter: a smaller step where few moves pass
        scale *= float(np.clip(np.exp(rate - 0.25), 0.5, 1.5))
        rows.append({"step": step, "power": round(power, 6), "effective_sample_size": round(ess, 1),
                     "acceptance_rate": round(rate, 3)})
        if report is not None:
            report(f"SMC step {step}: likelihood power {power:.4g}, effective sample {ess:,.0f} of {particles:,}, "
                   f"moves accepted {rate:.0%}")
        if power >= 1.0:
            break
    return Particles(points, loglik, mean, variance, pd.DataFrame(rows))
