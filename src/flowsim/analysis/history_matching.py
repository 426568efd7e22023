"""History matching: which documented figures no parameter set can reach, alone or jointly.

Before a posterior is fitted, the question is whether one exists: whether some parameter set
puts every documented figure within reach at once. History matching answers it by ruling
out, wave after wave, the parameter sets whose runs are implausible (Craig et al. 1997;
Vernon, Goldstein and Bower 2010; Andrianakis et al. 2015):

1. Wave 1 runs the model at a Latin hypercube of prior draws (the free parameters of the
   scenario's ``calibration:`` section, on their sampling scale).
2. A Gaussian process (scikit-learn's ``GaussianProcessRegressor``) is fitted per target to
   the runs: it predicts the target's value at any parameter set, with a variance that
   holds both the emulator's own uncertainty and the runs' seed noise (a white-noise term).
3. The implausibility of a parameter set ``x`` for target ``k`` is

       I_k(x) = d_k(E[f_k(x)]) / sqrt(V_obs,k + V_md,k + V_em,k(x))

   where ``d_k`` is the distance from the documented value: ``|E - z|`` for a two-sided
   interval ``[low, high]`` read as ``z = (low + high) / 2`` with ``V_obs = ((high - low) /
   4)^2`` (the band as +-2 standard deviations), or the distance beyond a one-sided bound with
   ``V_obs = (ONE_SIDED_SHARE * bound)^2``; ``V_md = (DISCREPANCY_SHARE * z)^2`` is the
   model discrepancy (what a simulator of this kind cannot be expected to get right).
4. A parameter set with ``I_k(x) > CUTOFF`` (3, Pukelsheim's three-sigma rule) for a target
   is ruled out. Over many candidate sets drawn from what is not yet ruled out, each
   target's share of plausible sets says whether it is reachable alone; the targets that
   cannot be reached together are found by removing, one at a time, the target whose
   removal leaves most sets plausible, until some set is plausible for all that remain.
   The next wave runs the model at sets not ruled out by the remaining targets.

References:
    Craig PS, Goldstein M, Seheult AH, Smith JA (1997). Pressure matching for hydrocarbon
    reservoirs: a case study in the use of Bayes linear strategies for large computer
    experiments. In: Case Studies in Bayesian Statistics III, Springer, 37-93.
    https://doi.org/10.1007/978-1-4612-2290-3_2
    Vernon I, Goldstein M, Bower RG (2010). Galaxy formation: a Bayesian uncertainty analysis.
    Bayesian Analysis 5(4):619-670. https://doi.org/10.1214/10-BA524
    Andrianakis I, Vernon IR, McCreesh N, et al. (2015). Bayesian history matching of complex
    infectious disease models using emulation. PLoS Comput Biol 11(1):e1003968.
    https://doi.org/10.1371/journal.pcbi.1003968
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from flowsim.analysis.abc_model import Prior
from flowsim.analysis.targets import Target, TargetSet
from flowsim.errors import CalibrationError
from flowsim.run.seeds import Purpose, random_stream

CUTOFF = 3.0
"""Implausibility above which a parameter set is ruled out for a target (three-sigma rule)."""
DISCREPANCY_SHARE = 0.10
"""Model discrepancy as a share of the documented value (standard deviation)."""
ONE_SIDED_SHARE = 0.10
"""Observation standard deviation of a one-sided figure, as a share of its bound."""
MIN_RUNS = 5
"""Fewest finite runs a target needs for an emulator."""
HYPERPARAMETER_RUNS = 400
"""Most runs an emulator's kernel hyperparameters are optimised on.

The optimiser's cost grows with the cube of the runs and each step's gradient with their square
times the parameters, so at 1,000 runs of 38 parameters one emulator took more than a minute
(``bench/bench_emulator.py``). The hyperparameters (length scales, amplitude, seed noise) are
properties of the model, well estimated from a few hundred runs; the emulator is then
conditioned on every run with them fixed, which costs one Cholesky factorisation."""

AROUND_SHARE = 0.5
"""Share of the first wave's runs placed near a given point (:func:`design_around`)."""
AROUND_SPREAD = 0.05
"""Standard deviation of those runs about the point along each axis, as a share of the prior's width."""

Simulator = Callable[[np.ndarray], list[dict[str, float]]]
"""Runs the model at rows of parameter sets (unit-cube coordinates) and returns their target values."""


@dataclass(frozen=True)
class Observation:
    """A documented figure as history matching reads it: a value, its variance and the model's."""

    id: str
    role: str
    low: float | None
    high: float | None

    @classmethod
    def of(cls, target: Target) -> Observation:
        return cls(target.id, target.role, target.low, target.high)

    @property
    def centre(self) -> float:
        if self.low is not None and self.high is not None:
            return (self.low + self.high) / 2.0
        return float(self.low if self.low is not None else self.high)  # type: ignore[arg-type]

    @property
    def two_sided(self) -> bool:
        return self.low is not None and self.high is not None

    def fixed_variance(self, discrepancy_share: float = DISCREPANCY_SHARE) -> float:
        """Observation variance (from the band) plus model-discrepancy variance."""
        if self.two_sided:
            observation = ((self.high - self.low) / 4.0) ** 2  # type: ignore[operator]
        else:
            observation = (ONE_SIDED_SHARE * self.centre) ** 2
        return observation + (discrepancy_share * self.centre) ** 2

    def distance(self, mean: np.ndarray) -> np.ndarray:
        """How far predicted values lie from the figure: from its centre, or beyond its bound."""
        if self.two_sided:
            return np.abs(mean - self.centre)
        if self.low is not None:
            return np.maximum(self.low - mean, 0.0)
        return np.maximum(mean - self.high, 0.0)  # type: ignore[operator]

    def implausibility(self, mean: np.ndarray, variance: np.ndarray,
                       discrepancy_share: float = DISCREPANCY_SHARE) -> np.ndarray:
        total = self.fixed_variance(discrepancy_share) + np.maximum(variance, 0.0)
        return self.distance(mean) / np.sqrt(np.maximum(total, 1e-300))


class Emulator:
    """A Gaussian process of one target's value over the unit cube of the parameters.

    The kernel is a scaled anisotropic squared exponential plus white noise (the runs' seed
    noise); outputs are standardised. Its hyperparameters are optimised on at most
    ``hyperparameter_runs`` of the runs (a subset drawn from ``seed`` when there are more), then
    the process is conditioned on all of them. The optimiser restarts from fixed seeds, so the
    same runs give the same emulator.
    """

    def __init__(self, inputs: np.ndarray, outputs: np.ndarray, seed: int,
                 hyperparameter_runs: int = HYPERPARAMETER_RUNS) -> None:
        try:
            from sklearn.gaussian_process import GaussianProcessRegressor
            from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel
        except ImportError:
            raise CalibrationError("History matching needs scikit-learn, which is not installed. Install the "
                                   "optional extra: pip install 'flowsim[calibrate]'.") from None
        from sklearn.exceptions import ConvergenceWarning
        from threadpoolctl import threadpool_limits  # installed with scikit-learn

        self._one_thread = threadpool_limits
        dims = inputs.shape[1]
        kernel = (ConstantKernel(1.0, (1e-3, 1e3)) * RBF(np.full(dims, 0.5), (0.05, 20.0))
                  + WhiteKernel(0.05, (1e-6, 1.0)))
        self.process = GaussianProcessRegressor(kernel, normalize_y=True, n_restarts_optimizer=1,
                                                random_state=seed)
        subset = None
        if len(inputs) > hyperparameter_runs:
            subset = np.sort(np.random.default_rng(seed).choice(len(inputs), size=hyperparameter_runs, replace=False))
        # one BLAS thread: the matrices are small, and on a busy machine idle threads spin
        with warnings.catch_warnings(), self._one_thread(1):
            warnings.simplefilter("ignore", ConvergenceWarning)
            if subset is None:
                self.process.fit(inputs, outputs)
            else:
                self.process.fit(inputs[subset], outputs[subset])
                self.process = GaussianProcessRegressor(self.process.kernel_, normalize_y=True,
                                                        optimizer=None).fit(inputs, outputs)

    def predict(self, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance (emulator uncertainty and seed noise) at rows of ``inputs``."""
        with self._one_thread(1):
            mean, sd = self.process.predict(inputs, return_std=True)
        return mean, sd**2


@dataclass
class HistoryMatch:
    """What history matching found; :func:`discrepancy_table` and the figure read it."""

    observations: list[Observation]
    inputs: np.ndarray                       # every run's parameter set (unit cube), all waves
    outputs: pd.DataFrame                    # every run's target values, one column per target
    wave_of_run: np.ndarray
    waves: pd.DataFrame                      # wave, runs, candidates, plausible share, targets kept
    reachable_alone: dict[str, float]        # share of the whole prior where a target is plausible
    jointly_reachable: list[str]             # targets some candidate satisfies all at once
    conflicts: dict[str, list[str]] = field(default_factory=dict)  # dropped target -> what it conflicts with
    least_implausibility: dict[str, float] = field(default_factory=dict)
    best_prediction: dict[str, float] = field(default_factory=dict)


def fit_emulator(job: tuple[np.ndarray, np.ndarray, int]) -> Emulator:
    """An :class:`Emulator` of ``(inputs, outputs, seed)`` (a function of one argument, for an executor's map)."""
    inputs, outputs, seed = job
    return Emulator(inputs, outputs, seed=seed)


def design_around(point: np.ndarray, runs: int, rng: np.random.Generator, *, share: float = AROUND_SHARE,
                  spread: float = AROUND_SPREAD) -> np.ndarray:
    """A first wave with ``share`` of its runs near ``point`` (unit cube) and the rest a Latin hypercube
    of the prior.

    The runs near the point are Gaussian about it with standard deviation ``spread`` along each
    axis, folded back into the cube. Where the runs lie changes only where the emulators are good,
    not the posterior they define (prior x emulated likelihood): a region found before (a previous
    posterior's median, a point searched on runs) is emulated well from the first wave, and the
    rest of the prior is still covered.
    """
    point = np.clip(np.asarray(point, float), 0.0, 1.0)
    near = min(runs, int(round(share * runs)))
    ball = point[None, :] + spread * rng.standard_normal((near, len(point)))
    ball = np.abs(ball)                          # fold at 0 ...
    ball = 1.0 - np.abs(1.0 - ball)              # ... and at 1
    return np.vstack([latin_hypercube(runs - near, len(point), rng), np.clip(ball, 0.0, 1.0)])


def latin_hypercube(rows: int, dims: int, rng: np.random.Generator) -> np.ndarray:
    """A Latin hypercube sample of the unit cube (one point in each of ``rows`` strata per axis)."""
    strata = np.stack([rng.permutation(rows) for _ in range(dims)], axis=1)
    return (strata + rng.random((rows, dims))) / rows


def _implausibilities(observations: Sequence[Observation], emulators: dict[str, Emulator],
                      points: np.ndarray, discrepancy_share: float) -> tuple[np.ndarray, np.ndarray]:
    """Implausibility and predicted mean of each target (columns) at each point (rows); a target
    without an emulator (too few finite runs) is implausible everywhere."""
    implausible = np.full((len(points), len(observations)), np.inf)
    means = np.full((len(points), len(observations)), np.nan)
    for k, observation in enumerate(observations):
        emulator = emulators.get(observation.id)
        if emulator is not None and len(points):  # earlier waves may have ruled out every point tested
            mean, variance = emulator.predict(points)
            means[:, k] = mean
            implausible[:, k] = observation.implausibility(mean, variance, discrepancy_share)
    return implausible, means


def jointly_reachable(implausible: np.ndarray, cutoff: float = CUTOFF) -> list[int]:
    """Columns (targets) some row (parameter set) satisfies all at once: drop, one at a time,
    the target whose removal leaves the most rows plausible, until a row is plausible for all
    that remain (ties: the target with the larger least implausibility goes first)."""
    ok = implausible <= cutoff
    kept = [k for k in range(ok.shape[1]) if ok[:, k].any()]
    while kept and not ok[:, kept].all(axis=1).any():
        failed = (~ok[:, kept]).sum(axis=1)  # targets each row misses
        only_miss = failed == 1              # rows that removing their one missed target frees

        def plausible_without(k: int) -> tuple[int, float]:
            return int((only_miss & ~ok[:, k]).sum()), float(implausible[:, k].min())
        kept.remove(max(kept, key=plausible_without))
    return kept


def history_match(observations: Sequence[Observation], simulate_at: Simulator, dims: int, *, waves: int = 3,
                  runs_per_wave: int = 60, candidates: int = 5_000, seed: int = 0, cutoff: float = CUTOFF,
                  discrepancy_share: float = DISCREPANCY_SHARE,
                  on_wave: Callable[[int, dict[str, Emulator]], np.ndarray | None] | None = None,
                  fit_map: Callable = map, first_design: np.ndarray | None = None) -> HistoryMatch:
    """Waves of runs, an emulator per target, and the targets no parameter set reaches jointly.

    Args:
        observations: the documented figures (:meth:`Observation.of` each target).
        simulate_at: runs the model at rows of unit-cube parameter sets, returning target values.
        dims: number of free parameters.
        waves: waves of runs (each refits the emulators on every run so far).
        runs_per_wave: runs per wave.
        candidates: parameter sets drawn per wave to measure what is plausible.
        seed: seeds the designs and the emulators' optimiser restarts.
        cutoff: implausibility above which a set is ruled out.
        discrepancy_share: model discrepancy as a share of each documented value.
        on_wave: called with the wave's number and its emulators (fitted on every run so far)
            once they are fitted; what it returns, unless None, is the next wave's design instead of
            draws from what is not ruled out (the emulator posterior runs where its candidate
            posterior lies).
        fit_map: maps :func:`fit_emulator` over the targets' training sets (an executor's ``map``
            fits them in parallel; the result does not depend on it).
        first_design: the first wave's runs (unit-cube rows) instead of a Latin hypercube of the
            prior (:func:`design_around`).

    Returns:
        The runs, the waves and each target's reachability (alone and jointly).
    """
    rng = random_stream(seed, Purpose.HISTORY_MATCHING)
    ids = [o.id for o in observations]
    inputs = np.empty((0, dims))
    outputs: list[dict[str, float]] = []
    wave_of_run: list[int] = []
    cuts: list[tuple[dict[str, Emulator], list[int]]] = []  # earlier waves' emulators and kept targets
    wave_rows = []
    design = latin_hypercube(runs_per_wave, dims, rng) if first_design is None else np.asarray(first_design, float)
    for wave in range(1, waves + 1):
        inputs = np.vstack([inputs, design])
        outputs += simulate_at(design)
        wave_of_run += [wave] * len(design)
        table = pd.DataFrame(outputs, columns=ids).astype(float)
        jobs = {}
        for column, observation in enumerate(observations):
            finite = np.isfinite(table[observation.id].to_numpy())
            if finite.sum() >= MIN_RUNS:
                jobs[observation.id] = (inputs[finite], table[observation.id].to_numpy()[finite], int(seed) + column)
        emulators = dict(zip(jobs, fit_map(fit_emulator, jobs.values()), strict=True))
        proposed = on_wave(wave, emulators) if on_wave is not None else None
        points = _not_ruled_out(latin_hypercube(candidates, dims, rng), cuts, observations, cutoff,
                                discrepancy_share)
        implausible, means = _implausibilities(observations, emulators, points, discrepancy_share)
        kept = jointly_reachable(implausible, cutoff)
        plausible = (implausible[:, kept] <= cutoff).all(axis=1) if kept else np.zeros(len(points), bool)
        wave_rows.append({"wave": wave, "runs": len(design), "candidates_tested": len(points),
                          "plausible_share_of_tested": round(float(plausible.mean()) if len(points) else 0.0, 4),
                          "targets_reachable_jointly": len(kept), "targets": len(ids)})
        cuts.append((emulators, kept))
        if wave == waves or (proposed is None and not plausible.any()):
            break
        if proposed is not None:
            design = proposed
            continue
        chosen = rng.choice(np.flatnonzero(plausible), size=runs_per_wave, replace=plausible.sum() < runs_per_wave)
        design = points[chosen]
    # reachability alone is measured over the whole prior, with the last wave's emulators
    whole = latin_hypercube(candidates, dims, rng)
    implausible, means = _implausibilities(observations, emulators, whole, discrepancy_share)
    ok = implausible <= cutoff
    result = HistoryMatch(
        observations=list(observations), inputs=inputs, outputs=pd.DataFrame(outputs, columns=ids).astype(float),
        wave_of_run=np.asarray(wave_of_run), waves=pd.DataFrame(wave_rows),
        reachable_alone={o.id: float(ok[:, k].mean()) for k, o in enumerate(observations)},
        jointly_reachable=[ids[k] for k in kept])
    for k, observation in enumerate(observations):
        column = implausible[:, k]
        finite = np.isfinite(column)
        result.least_implausibility[observation.id] = float(column[finite].min()) if finite.any() else math.inf
        if finite.any():
            result.best_prediction[observation.id] = float(means[np.argmin(np.where(finite, column, np.inf)), k])
        if k not in kept and ok[:, k].any():
            alone = ok[:, k]
            blocking = {ids[j]: float((~ok[alone, j]).mean()) for j in kept}
            result.conflicts[observation.id] = [j for j, share in sorted(blocking.items(), key=lambda x: -x[1])
                                                if share > 0.5][:4]
    return result


def _not_ruled_out(points: np.ndarray, cuts: list[tuple[dict[str, Emulator], list[int]]],
                   observations: Sequence[Observation], cutoff: float, discrepancy_share: float) -> np.ndarray:
    """The points no earlier wave ruled out (on the targets it found jointly reachable); each
    target is asked only about the points the targets before it left."""
    for emulators, kept in cuts:
        for k in kept:
            if not len(points):
                return points
            implausible, _ = _implausibilities([observations[k]], emulators, points, discrepancy_share)
            points = points[implausible[:, 0] <= cutoff]
    return points


def verdict(result: HistoryMatch, target_id: str) -> str:
    """In words: reachable jointly, alone only (and with what it conflicts), or not at all."""
    if target_id in result.jointly_reachable:
        return "reachable jointly"
    if result.reachable_alone.get(target_id, 0.0) > 0.0:
        conflicts = result.conflicts.get(target_id, [])
        return "reachable alone, not jointly" + (f" (conflicts with {', '.join(conflicts)})" if conflicts else "")
    return "unreachable by any parameter set"


def discrepancy_table(result: HistoryMatch, targets: TargetSet) -> pd.DataFrame:
    """One row per target: documented interval, runs' range, reachability and the verdict."""
    rows = []
    last_wave = result.wave_of_run == result.wave_of_run.max()
    for observation in result.observations:
        values = result.outputs[observation.id].to_numpy()
        finite = values[np.isfinite(values)]
        latest = values[last_wave & np.isfinite(values)]
        target = targets[observation.id]
        rows.append({
            "id": observation.id, "role": observation.role, "label": target.label,
            "low": observation.low, "high": observation.high,
            "runs_min": float(finite.min()) if finite.size else math.nan,
            "runs_max": float(finite.max()) if finite.size else math.nan,
            "last_wave_median": float(np.median(latest)) if latest.size else math.nan,
            "runs_inside": float(np.mean([target.contains(float(v)) for v in values])) if values.size else 0.0,
            "reachable_alone_share": round(result.reachable_alone.get(observation.id, 0.0), 4),
            "reachable_jointly": observation.id in result.jointly_reachable,
            "least_implausibility": round(result.least_implausibility.get(observation.id, math.inf), 3),
            "best_emulated_value": result.best_prediction.get(observation.id, math.nan),
            "verdict": verdict(result, observation.id),
        })
    return pd.DataFrame(rows)


def scenario_simulator(model: Callable[[dict[str, float]], dict[str, float]], priors: list[Prior],
                       mapper: Callable = map) -> Simulator:
    """A :data:`Simulator` from the calibration's target model (pyABC-style parameter dicts)."""
    def simulate_at(points: np.ndarray) -> list[dict[str, float]]:
        samples = [{p.key: p.lower + float(u) * (p.upper - p.lower) for p, u in zip(priors, row, strict=True)}
                   for row in points]
        return list(mapper(model, samples))
    return simulate_at


def model_discrepancy(scenario: Any) -> float:
    """The scenario's model discrepancy (``calibration.model_discrepancy``), or the default."""
    calibration = getattr(scenario, "calibration", None)
    return float(getattr(calibration, "model_discrepancy", DISCREPANCY_SHARE))


def scenario_history_match(scenario: Any, targets: TargetSet, *, waves: int = 3, runs_per_wave: int = 60,
                           scale: float | None = None, seed: int | None = None, workers: int = 1,
                           candidates: int = 5_000) -> tuple[HistoryMatch, pd.DataFrame]:
    """History-match a scenario's free parameters against every target of its targets file.

    ``scenario`` is a mobilization scenario (with a ``calibration:`` section); shared analysis
    code does not import the kind's classes (tests/test_architecture.py).

    Runs use the calibration's target model (a run's seed follows from its parameters, so the
    same waves give the same runs); ``scale`` defaults to ``calibration.scale``.

    Returns:
        The history match and its :func:`discrepancy_table`.
    """
    from flowsim.analysis.abc_model import TargetModel, scenario_priors
    from flowsim.analysis.executors import make_executor

    priors = scenario_priors(scenario)
    scale = scale if scale is not None else (scenario.calibration.scale if scenario.calibration else None)
    seed = scenario.calendar.seed if seed is None else int(seed)
    model = TargetModel(scenario, targets, priors, scale, seed)
    observations = [Observation.of(t) for t in targets]
    with make_executor("process" if workers > 1 else "serial", workers) as pool:
        result = history_match(observations, scenario_simulator(model, priors, pool.map), len(priors),
                               waves=waves, runs_per_wave=runs_per_wave, candidates=candidates, seed=seed,
                               discrepancy_share=model_discrepancy(scenario),
                               fit_map=pool.map)
    return result, discrepancy_table(result, targets)


def write_discrepancy(result: HistoryMatch, table: pd.DataFrame, out_dir: Path, title: str) -> dict[str, Path]:
    """Write ``discrepancy.csv``, ``discrepancy_waves.csv`` and ``figures/discrepancy.png``/``.svg``."""
    from flowsim.figures.discrepancy import discrepancy_figure
    from flowsim.figures.style import save_figure
    from flowsim.run.writing import write_csv

    out_dir = Path(out_dir)
    return {"discrepancy": write_csv(table, out_dir / "discrepancy.csv"),
            "waves": write_csv(result.waves, out_dir / "discrepancy_waves.csv"),
            "figure": save_figure(discrepancy_figure(table, title), out_dir / "figures", "discrepancy", dpi=110)[0]}


def format_discrepancy(result: HistoryMatch, table: pd.DataFrame) -> str:
    """The waves and the targets' verdicts as text for a terminal."""
    lines = ["history matching (implausibility cut at "
             f"{CUTOFF:g}; model discrepancy {DISCREPANCY_SHARE:.0%} of each documented value):"]
    for wave in result.waves.itertuples():
        lines.append(f"  wave {wave.wave}: {wave.runs} runs; {wave.plausible_share_of_tested:.1%} of "
                     f"{wave.candidates_tested:,} parameter sets tested not ruled out; "
                     f"{wave.targets_reachable_jointly} of {wave.targets} targets reachable jointly")
    for row in table.itertuples():
        if row.verdict != "reachable jointly":
            lines.append(f"  {row.id:<13} {row.role:<11} runs {row.runs_min:,.4g} .. {row.runs_max:,.4g} vs "
                         f"[{row.low}, {row.high}]: {row.verdict}")
    return "\n".join(lines)
