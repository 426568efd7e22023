"""The emulator posterior: the emulated likelihood of the documented figures, sampled by importance sampling
between waves and by sequential Monte Carlo at the end (:mod:`flowsim.analysis.emulator_smc`).

History matching (:mod:`flowsim.analysis.history_matching`) fits a Gaussian process per
figure to the runs of its waves. The same emulators give a likelihood of any parameter set
``x`` (unit-cube coordinates of the free parameters, on their sampling scale):

    L(x) = prod_k N(d_k(m_k(x)); 0, V_obs,k + V_md,k + V_em,k(x))

where ``m_k`` and ``V_em,k`` are the emulator's mean and variance (emulator uncertainty plus
the runs' seed noise), ``d_k`` is :meth:`Observation.distance` (from the centre of a two-sided
figure; beyond the bound of a one-sided one, so no penalty inside it), ``V_obs`` the figure's
own uncertainty and ``V_md`` the model discrepancy (Kennedy and O'Hagan 2001: the simulator
at its best parameters still differs from reality by an unknown amount, here a share of the
documented value). The posterior is ``prior(x) L(x)``; the prior is uniform on the unit cube.

It is sampled by importance sampling: candidates are drawn from a defensive mixture
(Hesterberg 1995) of the prior and a Gaussian kernel density around the previous candidate
posterior (population Monte Carlo, Cappé et al. 2004), and weighted by
``prior(x) L(x) / q(x)``. The mixture keeps a share of prior draws, so the weights stay bounded
where the kernel density is thin, and the same candidates serve the posteriors of other data
(simulation-based calibration, :mod:`flowsim.analysis.sbc`) by reweighting alone.

References:
    Kennedy MC, O'Hagan A (2001). Bayesian calibration of computer models. J R Stat Soc B
    63(3):425-464. https://doi.org/10.1111/1467-9868.00294
    Vernon I, Goldstein M, Bower RG (2010). Galaxy formation: a Bayesian uncertainty analysis.
    Bayesian Analysis 5(4):619-670. https://doi.org/10.1214/10-BA524
    Hesterberg T (1995). Weighted average importance sampling and defensive mixture
    distributions. Technometrics 37(2):185-194. https://doi.org/10.2307/1269620
    Cappé O, Guillin A, Marin JM, Robert CP (2004). Population Monte Carlo. J Comput Graph
    Stat 13(4):907-929. https://doi.org/10.1198/106186004X12803
    Jasra A, Stephens DA, Doucet A, Tsagaris T (2011). Inference for Lévy-driven stochastic
    volatility models via adaptive sequential Monte Carlo. Scand J Stat 38(1):1-22.
    https://doi.org/10.1111/j.1467-9469.2010.00723.x
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from flowsim.analysis.calibration import kish_ess
from flowsim.analysis.emulator_smc import normalised, systematic_resample, tempered_smc
from flowsim.analysis.history_matching import (
    DISCREPANCY_SHARE, Emulator, HistoryMatch, Observation, Simulator, history_match)

LOG_2PI = math.log(2.0 * math.pi)
PREDICT_CHUNK = 5_000
"""Points per call of an emulator's prediction (bounds the kernel matrix in memory)."""
PRIOR_SHARE = 0.25
"""Share of the defensive mixture's candidates drawn from the prior."""
KERNEL_COMPONENTS = 400
"""Centres of the mixture's kernel density, resampled from the weighted candidates."""
REFINEMENTS = 6
"""Most candidate posteriors drawn after the last wave (same emulators) while the proposal is still tempered."""
TEMPERED_ESS = 1_000
"""Effective sample the tempered candidate posterior behind a proposal and a design keeps (at most a tenth)."""
KERNEL_FLOOR = 0.01
"""Smallest standard deviation of the kernel along a parameter (share of the prior's width)."""


def emulate(observations: Sequence[Observation], emulators: Mapping[str, Emulator],
            points: np.ndarray, mapper: Callable = map) -> tuple[np.ndarray, np.ndarray]:
    """Emulated mean and variance of every figure (columns) at every point (rows); ``mapper`` (an
    executor's ``map``) predicts the figures in parallel."""
    predicted = list(mapper(predict_in_chunks, [(emulators[o.id], points) for o in observations]))
    mean = np.column_stack([m for m, _ in predicted]) if predicted else np.empty((len(points), 0))
    variance = np.column_stack([v for _, v in predicted]) if predicted else np.empty((len(points), 0))
    return mean, variance


def predict_in_chunks(job: tuple[Emulator, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """One emulator's mean and variance at the points, :data:`PREDICT_CHUNK` at a time."""
    emulator, points = job
    mean, variance = np.empty(len(points)), np.empty(len(points))
    for start in range(0, len(points), PREDICT_CHUNK):
        chunk = slice(start, start + PREDICT_CHUNK)
        mean[chunk], variance[chunk] = emulator.predict(points[chunk])
    return mean, variance


def fixed_variances(observations: Sequence[Observation], discrepancy_share: float = DISCREPANCY_SHARE) -> np.ndarray:
    """``V_obs + V_md`` of every figure."""
    return np.array([o.fixed_variance(discrepancy_share) for o in observations])


def log_likelihood(observations: Sequence[Observation], mean: np.ndarray, variance: np.ndarray, *,
                   discrepancy_share: float = DISCREPANCY_SHARE, data: np.ndarray | None = None) -> np.ndarray:
    """Log of the emulated likelihood at every point (rows of ``mean`` and ``variance``).

    Args:
        observations: the figures fitted.
        mean, variance: :func:`emulate` at the points.
        discrepancy_share: model discrepancy as a share of each documented value.
        data: values to read as the figures instead of the documented ones (one per figure;
            simulation-based calibration): two-sided, centred on the value; NaN leaves a
            figure out.
    """
    total = fixed_variances(observations, discrepancy_share)[None, :] + np.maximum(variance, 0.0)
    if data is None:
        distance = np.column_stack([o.distance(mean[:, k]) for k, o in enumerate(observations)])
        terms = distance**2 / total + np.log(total) + LOG_2PI
    else:
        terms = (mean - data[None, :]) ** 2 / total + np.log(total) + LOG_2PI
        terms = np.where(np.isnan(data)[None, :], 0.0, terms)
    return -0.5 * terms.sum(axis=1)


@dataclass(frozen=True)
class Proposal:
    """A defensive mixture on the unit cube: ``prior_share`` × the prior (uniform) plus the rest
    × an equal-weight mixture of Gaussians with one covariance (``chol @ chol.T``) at ``centres``."""

    dims: int
    prior_share: float = 1.0
    centres: np.ndarray | None = None
    chol: np.ndarray | None = None

    @classmethod
    def around(cls, points: np.ndarray, weights: np.ndarray, rng: np.random.Generator, *,
               components: int = KERNEL_COMPONENTS, prior_share: float = PRIOR_SHARE) -> Proposal:
        """A kernel density of the weighted candidates: ``components`` centres resampled by weight,
        covariance the weighted covariance times Silverman's factor, with a floor per parameter."""
        dims = points.shape[1]
        centres = points[systematic_resample(weights, components, rng)]
        mean = weights @ points
        cov = (weights[:, None] * (points - mean)).T @ (points - mean)
        factor = (4.0 / (dims + 2.0)) ** (2.0 / (dims + 4.0)) * components ** (-2.0 / (dims + 4.0))
        cov = factor * cov + np.diag(np.full(dims, KERNEL_FLOOR**2))
        return cls(dims, prior_share, centres, np.linalg.cholesky(cov))

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` candidates (those of the kernel part may fall outside the cube: weight 0)."""
        if self.centres is None:
            return rng.random((n, self.dims))
        from_prior = int(rng.binomial(n, self.prior_share))
        picked = self.centres[rng.integers(len(self.centres), size=n - from_prior)]
        kernel = picked + rng.standard_normal((n - from_prior, self.dims)) @ self.chol.T  # type: ignore[union-attr]
        return np.vstack([rng.random((from_prior, self.dims)), kernel])

    def log_density(self, points: np.ndarray) -> np.ndarray:
        """Log of the mixture's density (the prior's is 1 inside the cube)."""
        inside = np.all((points >= 0.0) & (points <= 1.0), axis=1)
        log_prior_part = np.where(inside, 0.0, -np.inf)
        if self.centres is None:
            return log_prior_part
        inverse = np.linalg.inv(self.chol)
        centres = self.centres @ inverse.T
        log_norm = -0.5 * self.dims * LOG_2PI - float(np.log(np.diag(self.chol)).sum()) - math.log(len(centres))
        kernel = np.empty(len(points))
        for start in range(0, len(points), PREDICT_CHUNK):
            z = points[start:start + PREDICT_CHUNK] @ inverse.T
            squared = (z * z).sum(axis=1)[:, None] + (centres * centres).sum(axis=1)[None, :] - 2.0 * z @ centres.T
            exponent = -0.5 * np.maximum(squared, 0.0)
            top = exponent.max(axis=1)
            kernel[start:start + PREDICT_CHUNK] = top + np.log(np.exp(exponent - top[:, None]).sum(axis=1)) + log_norm
        with np.errstate(divide="ignore"):
            return np.logaddexp(math.log(self.prior_share) + log_prior_part, math.log1p(-self.prior_share) + kernel)


@dataclass(frozen=True)
class Candidates:
    """Candidate parameter sets with their emulated figures: the support of an importance sample.

    ``log_prior_ratio`` is ``log prior(x) - log q(x)``; a posterior's log weights are it plus the
    log likelihood (:meth:`log_weights`), for the documented figures or for any other data.
    """

    points: np.ndarray
    log_prior_ratio: np.ndarray
    mean: np.ndarray
    variance: np.ndarray

    @classmethod
    def draw(cls, proposal: Proposal, n: int, observations: Sequence[Observation],
             emulators: Mapping[str, Emulator], rng: np.random.Generator, mapper: Callable = map) -> Candidates:
        """``n`` candidates from ``proposal``, emulated (by ``mapper``) where the prior is positive."""
        points = proposal.sample(n, rng)
        log_q = proposal.log_density(points)
        inside = np.all((points >= 0.0) & (points <= 1.0), axis=1)
        mean = np.full((n, len(observations)), np.nan)
        variance = np.full_like(mean, np.nan)
        mean[inside], variance[inside] = emulate(observations, emulators, points[inside], mapper)
        return cls(points, np.where(inside, -log_q, -np.inf), mean, variance)

    def log_weights(self, observations: Sequence[Observation], *, discrepancy_share: float = DISCREPANCY_SHARE,
                    data: np.ndarray | None = None) -> np.ndarray:
        """Log importance weights of the posterior for the documented figures (or for ``data``)."""
        inside = np.isfinite(self.log_prior_ratio)
        out = np.full(len(self.points), -np.inf)
        out[inside] = self.log_prior_ratio[inside] + log_likelihood(
            observations, self.mean[inside], self.variance[inside], discrepancy_share=discrepancy_share, data=data)
        return out


def weighted_interval(values: np.ndarray, weights: np.ndarray, mass: float = 0.9) -> tuple[float, float]:
    """Central interval of a weighted sample holding ``mass`` of the weight."""
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    tail = (1.0 - mass) / 2.0
    low = values[order][min(np.searchsorted(cumulative, tail), len(order) - 1)]
    high = values[order][min(np.searchsorted(cumulative, 1.0 - tail), len(order) - 1)]
    return float(low), float(high)


@dataclass(frozen=True)
class EmulatorPosterior:
    """What :func:`fit_emulator_posterior` found.

    Attributes:
        observations: the figures in the likelihood (those with an emulator).
        left_out: fitted figures with too few finite runs for an emulator (not in the likelihood).
        history: the history match whose waves gave the runs.
        emulators: the last wave's emulators (fitted on every run).
        candidates: the final importance sample's support.
        weights: its normalised posterior weights.
        waves: per wave (and ``final``): runs so far, candidates, Kish's effective sample size.
    """

    observations: list[Observation]
    left_out: list[str]
    history: HistoryMatch
    emulators: dict[str, Emulator]
    candidates: Candidates
    weights: np.ndarray
    waves: pd.DataFrame
    smc_steps: pd.DataFrame | None = None

    @property
    def effective_sample_size(self) -> float:
        """Kish's effective sample size of the final population: of the last tempering step's
        importance weights after sequential Monte Carlo, else of the final weighted candidates."""
        if self.smc_steps is not None and len(self.smc_steps):
            return float(self.smc_steps["effective_sample_size"].iloc[-1])
        return kish_ess(self.weights)


def fit_emulator_posterior(observations: Sequence[Observation], simulate_at: Simulator, dims: int, *,
                           waves: int = 4, runs_per_wave: int = 150, candidates: int = 100_000,
                           wave_candidates: int = 20_000, history_candidates: int = 10_000, seed: int = 0,
                           discrepancy_share: float = DISCREPANCY_SHARE,
                           report: Callable[[str], None] | None = None, fit_map: Callable = map,
                           smc_particles: int = 0, first_design: np.ndarray | None = None) -> EmulatorPosterior:
    """History-matching waves, then the emulated posterior of ``observations`` by importance sampling.

    After each wave, ``wave_candidates`` candidates are drawn from the current proposal (wave 1:
    the prior) and weighted by the wave's emulators; the proposal of the next wave's candidates
    is the defensive mixture around that candidate posterior (tempered while its effective
    sample is small: :func:`tempered_weights`), and the next wave runs at :func:`design_from`
    that tempered candidate posterior (where the emulators must be good is where the
    posterior lies; in many dimensions what history matching leaves plausible can be a handful
    of its tested sets, which would repeat runs). The final sample draws
    ``candidates`` from the last proposal and weights them with the last wave's emulators,
    fitted on every run; while that proposal is still tempered, up to :data:`REFINEMENTS`
    candidate posteriors are drawn first, each from the proposal the one before gives (rows
    ``refine 1``, ``refine 2`` … of ``waves``): population Monte Carlo on the emulated posterior,
    at no cost in runs.

    Args:
        observations: the figures to fit (calibration role).
        simulate_at: runs the model at rows of unit-cube parameter sets.
        dims: number of free parameters.
        waves, runs_per_wave, history_candidates: as :func:`history_match` (``candidates`` there).
        candidates: size of the final importance sample.
        wave_candidates: size of each wave's candidate posterior.
        seed: seeds the runs' designs, the emulators and the candidates.
        discrepancy_share: model discrepancy as a share of each documented value.
        report: told, in a line, each wave's runs and candidate posterior (progress).
        fit_map: maps the emulators' fits and predictions (an executor's ``map`` runs them in parallel).
        smc_particles: when positive, the final posterior is sampled by sequential Monte Carlo on
            the last emulators (:func:`flowsim.analysis.emulator_smc.tempered_smc`) with this many
            particles, instead of the refinements and the final importance sample.
        first_design: the first wave's runs instead of a Latin hypercube of the prior
            (:func:`flowsim.analysis.history_matching.design_around`).
    """
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0x454D]))
    state: dict = {"proposal": Proposal(dims), "emulators": {}, "map": fit_map}
    rows: list[dict] = []

    def follow(wave: int, emulators: dict[str, Emulator]) -> np.ndarray:
        state["emulators"] = emulators
        rows.append(_candidate_posterior(state, wave, wave_candidates, observations, rng, discrepancy_share,
                                         runs=wave * runs_per_wave))
        if report is not None:
            report(f"wave {wave}: {rows[-1]['runs']} runs so far; candidate posterior's effective sample "
                   f"{rows[-1]['effective_sample_size']:,.0f} of {wave_candidates:,}")
        return design_from(state["candidates"].points, state["tempered"], runs_per_wave, rng)

    history = history_match(observations, simulate_at, dims, waves=waves, runs_per_wave=runs_per_wave,
                            candidates=history_candidates, seed=seed, discrepancy_share=discrepancy_share,
                            on_wave=follow, fit_map=fit_map, first_design=first_design)
    if smc_particles:
        return _smc_posterior(observations, history, state, rows, dims, rng, smc_particles, discrepancy_share,
                              report)
    for step in range(1, REFINEMENTS + 1):  # no new runs: the last emulators, proposal after proposal
        if state["power"] >= 1.0:
            break
        rows.append(_candidate_posterior(state, f"refine {step}", wave_candidates, observations, rng,
                                         discrepancy_share, runs=len(history.inputs)))
        if report is not None:
            report(f"refinement {step}: candidate posterior's effective sample "
                   f"{rows[-1]['effective_sample_size']:,.0f} of {wave_candidates:,}")
    final = _candidate_posterior(state, "final", candidates, observations, rng, discrepancy_share,
                                 runs=len(history.inputs))
    rows.append(final)
    emulators = state["emulators"]
    return EmulatorPosterior([o for o in observations if o.id in emulators],
                             [o.id for o in observations if o.id not in emulators], history, emulators,
                             state["candidates"], state["weights"], pd.DataFrame(rows))


def _candidate_posterior(state: dict, wave: int | str, n: int, observations: Sequence[Observation],
                         rng: np.random.Generator, discrepancy_share: float, runs: int) -> dict:
    """Draw and weight ``n`` candidates with the latest emulators; move the proposal onto them."""
    usable = [o for o in observations if o.id in state["emulators"]]
    if not usable:
        raise ValueError("no fitted figure has enough finite runs for an emulator")
    candidates = Candidates.draw(state["proposal"], n, usable, state["emulators"], rng, state["map"])
    log_weights = candidates.log_weights(usable, discrepancy_share=discrepancy_share)
    inside = np.isfinite(candidates.log_prior_ratio)
    log_likelihood_ = np.where(inside, log_weights - np.where(inside, candidates.log_prior_ratio, 0.0), 0.0)
    weights = normalised(log_weights)
    power, tempered = tempered_weights(candidates.log_prior_ratio, log_likelihood_, min(TEMPERED_ESS, n / 10))
    state.update(candidates=candidates, weights=weights, tempered=tempered, power=power,
                 proposal=Proposal.around(candidates.points, tempered, rng))
    return {"wave": str(wave), "runs": runs, "candidates": n, "effective_sample_size": round(kish_ess(weights), 1),
            "largest_weight": round(float(weights.max()), 4), "proposal_likelihood_power": round(power, 4)}


def tempered_weights(log_prior_ratio: np.ndarray, log_likelihood_: np.ndarray,
                     target_ess: float) -> tuple[float, np.ndarray]:
    """Weights of prior × likelihood^power with the largest power in (0, 1] whose Kish effective sample
    reaches ``target_ess`` (bisection; Jasra et al. 2011's adaptive tempering).

    The next proposal and the next wave's runs follow these: while the emulators are rough and
    the posterior's effective sample is a handful of candidates, they spread over the region the
    likelihood favours instead of collapsing onto those few; once the sample is large the
    power is 1 and they follow the posterior itself.
    """
    def weights_at(power: float) -> np.ndarray:
        return normalised(log_prior_ratio + power * log_likelihood_)

    if kish_ess(weights_at(1.0)) >= target_ess:
        return 1.0, weights_at(1.0)
    low, high = 0.0, 1.0
    for _ in range(40):
        middle = (low + high) / 2
        low, high = (middle, high) if kish_ess(weights_at(middle)) >= target_ess else (low, middle)
    return low, weights_at(low)


def design_from(points: np.ndarray, weights: np.ndarray, runs: int, rng: np.random.Generator) -> np.ndarray:
    """``runs`` distinct candidates drawn by weight without replacement: the posterior's bulk first,
    then its surroundings, never the same parameter set twice (the same set gives the same run)."""
    usable = np.flatnonzero(weights > 0)
    if len(usable) <= runs:
        return points[usable]
    return points[rng.choice(usable, size=runs, replace=False, p=weights[usable] / weights[usable].sum())]


def _smc_posterior(observations: Sequence[Observation], history: HistoryMatch, state: dict, rows: list[dict],
                   dims: int, rng: np.random.Generator, particles: int, discrepancy_share: float,
                   report: Callable[[str], None] | None) -> EmulatorPosterior:
    """The emulated posterior of the last wave's emulators by tempered sequential Monte Carlo."""
    emulators = state["emulators"]
    usable = [o for o in observations if o.id in emulators]
    if not usable:
        raise ValueError("no fitted figure has enough finite runs for an emulator")

    def at(points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        mean, variance = emulate(usable, emulators, points, state["map"])
        return log_likelihood(usable, mean, variance, discrepancy_share=discrepancy_share), mean, variance

    smc = tempered_smc(at, dims, rng, particles=particles, report=report)
    # equally weighted draws of prior x L: as candidates their proposal is the posterior itself,
    # so their log prior ratio is -log L (up to a constant) and the documented figures' weights are
    # equal, while other data (simulation-based calibration) reweight them by their likelihood
    candidates = Candidates(smc.points, -smc.log_likelihood, smc.mean, smc.variance)
    runs = len(history.inputs)
    rows.extend({"wave": f"smc {int(r.step)}", "runs": runs, "candidates": particles,
                 "effective_sample_size": float(r.effective_sample_size), "largest_weight": float("nan"),
                 "proposal_likelihood_power": float(r.power)} for r in smc.steps.itertuples())
    return EmulatorPosterior(usable, [o.id for o in observations if o.id not in emulators], history, emulators,
                             candidates, np.full(particles, 1.0 / particles), pd.DataFrame(rows), smc.steps)
