"""Global sensitivity analysis of key outputs to the scenario's calibration parameters.

Two methods from SALib:

- **Morris** elementary-effects screening: ``N`` trajectories of ``k + 1`` points each;
  ``mu_star`` (mean absolute effect, with a bootstrap confidence interval) ranks the
  parameters, ``sigma`` flags interactions and non-linearity.
  Morris (1991) doi:10.1080/00401706.1991.10484804; Campolongo et al. (2007)
  doi:10.1016/j.envsoft.2006.10.004.
- **Sobol'** variance-based indices from Saltelli sampling with
  ``calc_second_order=False``: ``N (k + 2)`` points, first-order ``S1`` and total-order
  ``ST`` indices with confidence intervals. Saltelli et al. (2010)
  doi:10.1016/j.cpc.2009.09.018.

Parameters, ranges and scales come from ``calibration.parameters`` of the scenario; a
'log' parameter is sampled uniformly in log10 space. The model is stochastic, so every
parameter set is run with the *same* ``R`` replicate seeds and the outputs averaged:
common random numbers keep model noise from posing as sensitivity. A run that fails is
retried once; a point whose replicates all failed is imputed with the mean of the other
points (SALib cannot take NaN) and reported.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from flowsim.analysis.executors import open_executor, run_tasks
from flowsim.run.seeds import spawn_seeds
from flowsim.analysis.ensemble import as_any_scenario
from flowsim.errors import EnsembleError
from flowsim.run.writing import check_out_folder, default_out, write_csv, write_text
from flowsim.kinds.registry import kind_of
from flowsim.scenario.spec import ScenarioSpec

METHODS = ("morris", "sobol")
DEFAULT_N = {"morris": 10, "sobol": 64}

__all__ = ["METHODS", "SensitivityResult", "analyse", "evaluate_point", "parameter_problem",
           "run_sensitivity", "sample_parameters", "to_values"]


# --------------------------------------------------------------------------- problem and samples


def parameter_problem(scenario: ScenarioSpec) -> dict:
    """The SALib problem of a scenario's calibration parameters.

    Returns:
        ``{"num_vars", "names", "bounds", "log"}``; ``bounds`` are log10 of the range for
        parameters with ``scale: log`` (``log`` lists which), the range itself otherwise.

    Raises:
        EnsembleError: the scenario has no calibration parameters, or a range is unusable.
    """
    spec = scenario.calibration
    if spec is None or not spec.parameters:
        raise EnsembleError(
            f"Scenario '{scenario.name}' declares no calibration parameters. Sensitivity analysis "
            "varies the parameters listed under calibration.parameters (name, low, high, scale); "
            "add them to the scenario."
        )
    names, bounds, log = [], [], []
    for p in spec.parameters:
        if not p.low < p.high:
            raise EnsembleError(f"Calibration parameter '{p.name}' has low {p.low} >= high {p.high}.")
        if p.scale == "log":
            if p.low <= 0:
                raise EnsembleError(
                    f"Calibration parameter '{p.name}' is on a log scale but its low bound {p.low} "
                    "is not positive. Use scale: linear or a positive range.")
            bounds.append([math.log10(p.low), math.log10(p.high)])
        else:
            bounds.append([float(p.low), float(p.high)])
        names.append(p.name)
        log.append(p.scale == "log")
    return {"num_vars": len(names), "names": names, "bounds": bounds, "log": log}


def to_values(problem: dict, row: np.ndarray) -> dict[str, float]:
    """Natural parameter values (dotted path -> float) of one sampled row."""
    return {name: float(10.0 ** x if is_log else x)
            for name, x, is_log in zip(problem["names"], row, problem["log"], strict=True)}


def _salib_problem(problem: dict) -> dict:
    return {k: problem[k] for k in ("num_vars", "names", "bounds")}


def sample_parameters(problem: dict, method: str, n: int, seed: int, num_levels: int = 4) -> np.ndarray:
    """Sampled points in SALib's coordinates (log10 for log parameters).

    Args:
        problem: from :func:`parameter_problem`.
        method: 'morris' (``n`` trajectories) or 'sobol' (``n`` base samples, a power of two).
        n: trajectories or base samples.
        seed: seed of the sampler.
        num_levels: grid levels of Morris trajectories.

    Returns:
        An array of shape (points, parameters).
    """
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    if method == "morris":
        return morris_sample.sample(_salib_problem(problem), n, num_levels=num_levels, seed=seed)
    return sobol_sample.sample(_salib_problem(problem), n, calc_second_order=False, seed=seed)


def evaluate_point(scenario: ScenarioSpec | str | Path, values: dict[str, float], seed: int, scale: float | None,
                   outputs: tuple[str, ...]) -> dict[str, float]:
    """One run at one parameter set, in a worker: the requested key outputs.

    Args:
        scenario: the base Scenario (or its YAML path).
        values: dotted-path overrides for this point.
        seed: the replicate's seed.
        scale: people per agent.
        outputs: names of the kind's key outputs (:meth:`~flowsim.kinds.protocol.ScenarioKind.key_outputs`).
    """
    from flowsim.run.simulate import simulate  # Mesa and the model load on first run

    sc = as_any_scenario(scenario).with_overrides(values)
    result = simulate(sc, seed=int(seed), scale=scale, progress=False)
    found = kind_of(sc).key_outputs(result.tables())
    return {name: found.get(name, math.nan) for name in outputs}


# --------------------------------------------------------------------------- analysis


def analyse(problem: dict, method: str, X: np.ndarray, Y: np.ndarray, outputs: list[str],
            seed: int, num_levels: int = 4) -> pd.DataFrame:
    """SALib indices of each output, one row per (output, parameter).

    Args:
        problem: from :func:`parameter_problem`.
        method: 'morris' or 'sobol'.
        X: sampled points (points × parameters).
        Y: model outputs (points × outputs), all finite.
        outputs: names of the columns of ``Y``.
        seed: seed of the bootstrap confidence intervals.
        num_levels: Morris grid levels used for ``X``.

    Returns:
        Columns ``method, output, parameter, sampled_as`` and, for Morris,
        ``mu, mu_star, mu_star_conf, sigma``; for Sobol', ``S1, S1_conf, ST, ST_conf``.
        An output that does not vary gets zeros (Morris) or NaN indices (Sobol').
    """
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze

    frames = []
    for j, output in enumerate(outputs):
        y = np.ascontiguousarray(Y[:, j], dtype=float)
        constant = float(np.ptp(y)) == 0.0
        if method == "morris":
            res = morris_analyze.analyze(_salib_problem(problem), X, y, num_levels=num_levels,
                                         seed=seed, print_to_console=False)
            columns = {k: np.asarray(res[k], dtype=float) for k in ("mu", "mu_star", "mu_star_conf", "sigma")}
        elif constant:
            nan = np.full(problem["num_vars"], np.nan)
            columns = {"S1": nan, "S1_conf": nan, "ST": nan, "ST_conf": nan}
        else:
            res = sobol_analyze.analyze(_salib_problem(problem), y, calc_second_order=False, seed=seed,
                                        print_to_console=False)
            columns = {k: np.asarray(res[k], dtype=float) for k in ("S1", "S1_conf", "ST", "ST_conf")}
        frame = pd.DataFrame({"method": method, "output": output, "parameter": problem["names"],
                              "sampled_as": ["log10" if g else "linear" for g in problem["log"]],
                              **columns})
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------- the analysis run


@dataclass
class SensitivityResult:
    """Indices, samples and what went wrong; also written to ``out_dir``."""

    table: pd.DataFrame
    samples: pd.DataFrame
    failures: pd.DataFrame
    imputed: dict[str, int]
    out_dir: Path
    manifest: dict


def _check_outputs(sc: ScenarioSpec, outputs: list[str] | None) -> list[str]:
    kind = kind_of(sc)
    allowed = kind.output_names(sc)
    chosen = list(outputs) if outputs else [n for n in kind.headline_outputs(sc) if n in allowed]
    unknown = [n for n in chosen if n not in allowed]
    if unknown:
        raise EnsembleError(
            f"Unknown output(s) {', '.join(unknown)} for scenario '{sc.name}'. Allowed: "
            f"{', '.join(allowed)}."
        )
    return chosen


def run_sensitivity(scenario: ScenarioSpec | str | Path, method: str = "morris", n: int | None = None, replicates: int = 2,
                    outputs: list[str] | None = None, seed: int | None = None,
                    scale: float | None = None, out_dir: str | Path | None = None,
                    executor: Executor | str | None = None, *, workers: int | None = None, scheduler: str | None = None,
                    num_levels: int = 4, progress: bool = True,
                    worker: Callable[..., dict[str, float]] | None = None) -> SensitivityResult:
    """Sample the calibration parameters, run every point ``replicates`` times, compute indices.

    Args:
        scenario: a Scenario or its YAML path.
        method: 'morris' or 'sobol'.
        n: Morris trajectories (default 10) or Sobol' base samples (power of two, default 64).
        replicates: runs per point, with the same seeds at every point.
        outputs: key output names (default: the headline outputs the scenario defines).
        seed: master seed of sampler and replicates (default: the scenario's calendar seed).
        scale: people per agent (default: ``calibration.scale``).
        out_dir: output folder (default ``outputs/<scenario>/sensitivity_<method>``).
        executor: an open executor or a kind, as for :func:`~flowsim.analysis.ensemble.run_ensemble`.
        workers: worker processes when ``executor`` is a kind.
        scheduler: Dask scheduler address.
        num_levels: Morris grid levels.
        progress: show a progress bar.
        worker: the top-level function running one point (default :func:`evaluate_point`;
            tests replace it).

    Returns:
        A :class:`SensitivityResult`; writes ``sensitivity.csv``, ``sensitivity_samples.csv``,
        ``sensitivity.png``/``.svg``, ``manifest.json`` and, if any run failed twice,
        ``sensitivity_failures.csv``.

    Raises:
        EnsembleError: a bad request, or too many failed points to analyse.
        ScenarioError: the scenario, or an override at a range bound, is invalid.
    """
    sc = as_any_scenario(scenario)
    if method not in METHODS:
        raise EnsembleError(f"Unknown method '{method}'. Allowed: {', '.join(METHODS)}.")
    n = DEFAULT_N[method] if n is None else int(n)
    if n < 2 or (method == "sobol" and n & (n - 1)):
        raise EnsembleError(
            f"--n {n} is not usable for {method}: Morris needs at least 2 trajectories; Sobol' "
            "needs a power of two (e.g. 32, 64, 128) base samples.")
    if replicates < 1:
        raise EnsembleError(f"--replicates must be at least 1 (got {replicates}).")
    problem = parameter_problem(sc)
    chosen = _check_outputs(sc, outputs)
    for bound in (0, 1):  # fail here, not in 500 workers, if a range leaves the schema
        sc.with_overrides(to_values(problem, np.array([b[bound] for b in problem["bounds"]])))
    seed = kind_of(sc).default_seed(sc) if seed is None else int(seed)
    if scale is None:
        scale = sc.calibration.scale if sc.calibration is not None else None
    out = Path(out_dir) if out_dir is not None else default_out(sc, f"sensitivity_{method}")
    check_out_folder(out)

    X = sample_parameters(problem, method, n, seed, num_levels)
    seeds = spawn_seeds(seed, replicates)
    points = [to_values(problem, row) for row in X]
    Y = np.full((len(X), replicates, len(chosen)), np.nan)
    failures = []
    tasks = (((i, r), (sc, points[i], seeds[r], scale, tuple(chosen)))
             for i in range(len(X)) for r in range(replicates))
    with open_executor(executor, workers, scheduler) as (pool, label):
        bar = tqdm(total=len(X) * replicates, desc=f"{sc.name} {method}", unit="run",
                   disable=not progress, file=sys.stderr)
        with bar:
            for outcome in run_tasks(pool, worker or evaluate_point, tasks, retries=1, progress=bar):
                i, r = outcome.key
                if outcome.ok:
                    Y[i, r] = [outcome.value[name] for name in chosen]
                else:
                    failures.append({"point": i, "replicate": r, "seed": seeds[r], **points[i],
                                     "error": outcome.error})
    finite = np.isfinite(Y)
    counts = finite.sum(axis=1)
    means = np.where(counts > 0, np.where(finite, Y, 0.0).sum(axis=1) / np.maximum(counts, 1), np.nan)
    ok = np.isfinite(Y).all(axis=2).sum(axis=1)
    imputed = {}
    for j, name in enumerate(chosen):
        bad = ~np.isfinite(means[:, j])
        if bad.all():
            raise EnsembleError(f"Output '{name}' has no finite value at any point; see failures.")
        if bad.sum() > 0.2 * len(X):
            raise EnsembleError(
                f"Output '{name}' is missing at {int(bad.sum())} of {len(X)} points (runs failed twice); "
                "too many to impute. See the failures and fix the parameter ranges.")
        if bad.any():
            means[bad, j] = means[~bad, j].mean()
            imputed[name] = int(bad.sum())

    table = analyse(problem, method, X, means, chosen, seed, num_levels)
    samples = pd.DataFrame([{"point": i, **points[i], "replicates_ok": int(ok[i]),
                             **dict(zip(chosen, means[i], strict=True))} for i in range(len(X))])
    failures_frame = pd.DataFrame(failures)
    out.mkdir(parents=True, exist_ok=True)
    write_csv(table, out / "sensitivity.csv")
    write_csv(samples, out / "sensitivity_samples.csv")
    if failures:
        write_csv(failures_frame, out / "sensitivity_failures.csv")
    from flowsim.figures.sensitivity import plot_sensitivity  # matplotlib loads only when drawing
    from flowsim.figures.style import save_figure

    save_figure(plot_sensitivity(table), out, "sensitivity", dpi=130)
    manifest = {
        "kind": "sensitivity", "method": method, "scenario": sc.name, "scenario_hash": sc.source_hash,
        "n": n, "points": len(X), "replicates": replicates, "replicate_seeds": seeds,
        "master_seed": seed, "scale": scale, "outputs": chosen, "parameters": problem["names"],
        "executor": label, "runs_failed": len(failures), "points_imputed": imputed,
        "num_levels": num_levels if method == "morris" else None,
    }
    write_text(json.dumps(manifest, indent=1) + "\n", out / "manifest.json")
    return SensitivityResult(table=table, samples=samples, failures=failures_frame, imputed=imputed,
                             out_dir=out, manifest=manifest)
