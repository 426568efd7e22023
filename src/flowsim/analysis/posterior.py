"""Parameter uncertainty: the committed ABC posterior, draws from it, and how well it is identified.

``flowsim calibrate`` keeps the last ABC-SMC population next to the calibrated file
(``<name>.posterior.csv``: one weighted particle a row). Ensembles, comparisons and
validation draw parameter sets from it, so that their bands carry parameter uncertainty
as well as seed noise; :func:`identifiability` and :func:`correlations` say how much the
targets narrowed each parameter, and which parameters trade off against each other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from flowsim.scenario.spec import ScenarioSpec
from flowsim.run.seeds import Purpose, random_stream

#: A parameter whose posterior 5 % or 95 % quantile lies this close to a prior bound
#: (as a share of the prior range) is flagged as pressed against that bound.
BOUND_MARGIN = 0.03


@dataclass(frozen=True)
class Posterior:
    """Weighted particles of an ABC posterior.

    Attributes:
        parameters: dotted scenario paths of the free parameters, in column order.
        values: (particles × parameters) parameter values.
        weights: particle weights, summing to 1.
    """

    parameters: tuple[str, ...]
    values: np.ndarray
    weights: np.ndarray

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, parameters: list[str] | tuple[str, ...]) -> Posterior:
        weights = frame["weight"].to_numpy(dtype=float) if "weight" in frame else np.ones(len(frame))
        return cls(tuple(parameters), frame[list(parameters)].to_numpy(dtype=float), weights / weights.sum())

    def frame(self) -> pd.DataFrame:
        table = pd.DataFrame(self.values, columns=list(self.parameters))
        table.insert(0, "weight", self.weights)
        return table

    def draws(self, n: int, seed: int | np.random.Generator) -> list[dict[str, float]]:
        """``n`` parameter sets drawn with replacement in proportion to the particle weights."""
        rng = np.random.default_rng(seed)
        picked = rng.choice(len(self.weights), size=n, replace=True, p=self.weights)
        return [dict(zip(self.parameters, (float(v) for v in self.values[i]), strict=True)) for i in picked]

    def quantiles(self, q: float) -> np.ndarray:
        """Weighted quantile of every parameter."""
        out = np.empty(len(self.parameters))
        for k in range(len(self.parameters)):
            order = np.argsort(self.values[:, k], kind="stable")
            cumulative = np.cumsum(self.weights[order])
            out[k] = self.values[order, k][min(np.searchsorted(cumulative, q), len(order) - 1)]
        return out


def posterior_path(scenario: ScenarioSpec) -> Path | None:
    """Where the scenario's committed posterior lives: beside its calibrated file."""
    calibrated = scenario.calibrated_path
    if calibrated is None:
        return None
    return calibrated.with_name(calibrated.stem + ".posterior.csv")


def load_posterior(scenario: ScenarioSpec) -> Posterior | None:
    """The scenario's committed posterior, or None when it has none.

    Only the parameters the scenario still calibrates are kept, so a posterior written
    before a parameter was dropped still serves the others.
    """
    path = posterior_path(scenario)
    if path is None or not path.is_file() or scenario.calibration is None:
        return None
    frame = pd.read_csv(path)
    names = [p.name for p in scenario.calibration.parameters if p.name in frame.columns]
    if not names or frame.empty:
        return None
    return Posterior.from_frame(frame, names)


def identifiability(posterior: Posterior, scenario: ScenarioSpec) -> pd.DataFrame:
    """Prior against posterior for every parameter.

    Columns: parameter, prior_low, prior_high, scale, q05, median, q95, width_ratio (the
    posterior's 5-95 % width over the prior's width, on the prior's scale: near 1 means the
    targets say nothing about it), at_bound ('low', 'high' or '').
    """
    priors = {p.name: p for p in scenario.calibration.parameters} if scenario.calibration else {}
    q05, q50, q95 = (posterior.quantiles(q) for q in (0.05, 0.5, 0.95))
    rows = []
    for k, name in enumerate(posterior.parameters):
        prior = priors[name]
        as_scale = (lambda v: math.log(v)) if prior.scale == "log" else (lambda v: v)
        lo, hi = as_scale(prior.low), as_scale(prior.high)
        span = hi - lo
        width = (as_scale(q95[k]) - as_scale(q05[k])) / span
        at_bound = ("low" if as_scale(q05[k]) - lo < BOUND_MARGIN * span and as_scale(q50[k]) - lo < 0.25 * span
                    else "high" if hi - as_scale(q95[k]) < BOUND_MARGIN * span and hi - as_scale(q50[k]) < 0.25 * span
                    else "")
        rows.append({"parameter": name, "prior_low": prior.low, "prior_high": prior.high, "scale": prior.scale,
                     "q05": q05[k], "median": q50[k], "q95": q95[k], "width_ratio": round(width, 3),
                     "at_bound": at_bound})
    return pd.DataFrame(rows)


def correlations(posterior: Posterior) -> pd.DataFrame:
    """Weighted Pearson correlations between the parameters (a ridge shows as |r| near 1)."""
    x = posterior.values
    w = posterior.weights[:, None]
    centred = x - (w * x).sum(axis=0)
    cov = (w * centred).T @ centred
    sd = np.sqrt(np.clip(np.diag(cov), 1e-300, None))
    corr = cov / np.outer(sd, sd)
    return pd.DataFrame(corr, index=list(posterior.parameters), columns=list(posterior.parameters))


def strong_pairs(correlation: pd.DataFrame, threshold: float = 0.5) -> list[dict[str, float | str]]:
    """Pairs of parameters whose posterior correlation exceeds ``threshold`` in size."""
    names = list(correlation.columns)
    return [{"a": names[i], "b": names[j], "r": round(float(correlation.iloc[i, j]), 3)}
            for i in range(len(names)) for j in range(i + 1, len(names))
            if abs(correlation.iloc[i, j]) >= threshold]


@dataclass(frozen=True)
class Uncertainty:
    """What the runs of an ensemble differ by, and so what its bands carry.

    Attributes:
        parameter_sets: per run, the parameter values drawn from the posterior (dotted
            path -> value), or None when the runs differ by seed only.
        label: the band's kind in words, for manifests, tables and figure captions.
    """

    parameter_sets: tuple[dict[str, float], ...] | None
    label: str

    def for_run(self, index: int) -> dict[str, float] | None:
        return None if self.parameter_sets is None else self.parameter_sets[index]


SEED_NOISE_ONLY = Uncertainty(None, "seed noise only")


def uncertainty_for(scenario: ScenarioSpec, runs: int, seed: int, posterior_draws: int | None) -> Uncertainty:
    """Parameter sets for ``runs`` runs: ``posterior_draws`` draws from the committed posterior.

    Run ``i`` takes draw ``i mod posterior_draws``, so with as many draws as runs every run
    has its own parameter set and its own seed: the band then carries parameter
    uncertainty and seed noise together. ``posterior_draws=0``, or a scenario without a
    committed posterior, gives seed noise only (and says so in the label).

    Args:
        scenario: the scenario whose posterior is drawn from.
        runs: number of runs.
        seed: master seed of the ensemble; the draws are derived from it.
        posterior_draws: distinct parameter sets; None for one per run.
    """
    draws = runs if posterior_draws is None else int(posterior_draws)
    if draws <= 0:
        return SEED_NOISE_ONLY
    posterior = load_posterior(scenario)
    if posterior is None:
        return Uncertainty(None, "seed noise only (the scenario has no committed posterior)")
    sets = posterior.draws(min(draws, runs), random_stream(seed, Purpose.POSTERIOR_DRAWS))
    return Uncertainty(tuple(sets[i % len(sets)] for i in range(runs)),
                       f"parameter and seed uncertainty ({len(sets)} posterior draws)")
