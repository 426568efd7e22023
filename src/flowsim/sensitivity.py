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

import argparse
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from tqdm import tqdm

from flowsim.ensemble import (
    HEADLINE_OUTPUTS,
    EnsembleError,
    as_scenario,
    key_outputs,
    open_executor,
    output_names,
    spawn_seeds,
    user_error,
)
from flowsim.executors import add_execution_options, run_tasks

METHODS = ("morris", "sobol")
DEFAULT_N = {"morris": 10, "sobol": 64}

__all__ = ["SensitivityResult", "analyse", "evaluate_point", "parameter_problem", "plot_sensitivity",
           "run_sensitivity", "sample_parameters", "to_values", "add_sensitivity_parser",
           "cmd_sensitivity"]


# --------------------------------------------------------------------------- problem and samples


def parameter_problem(scenario: Any) -> dict:
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


def evaluate_point(scenario: Any, values: dict[str, float], seed: int, scale: float | None,
                   outputs: tuple[str, ...]) -> dict[str, float]:
    """One run at one parameter set, in a worker: the requested key outputs.

    Args:
        scenario: the base Scenario (or its YAML path).
        values: dotted-path overrides for this point.
        seed: the replicate's seed.
        scale: people per agent.
        outputs: names from :func:`flowsim.ensemble.key_outputs`.
    """
    from flowsim.runner import simulate

    sc = as_scenario(scenario).with_overrides(values)
    result = simulate(sc, seed=int(seed), scale=scale, progress=False)
    found = key_outputs(result.daily, result.crossings, result.flows)
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


def plot_sensitivity(table: pd.DataFrame) -> Figure:
    """One panel per output: Morris ``mu_star`` ± conf, or Sobol' ``S1`` and ``ST`` ± conf."""
    outputs = list(dict.fromkeys(table["output"]))
    method = table["method"].iloc[0]
    params = list(dict.fromkeys(table["parameter"]))
    fig = Figure(figsize=(5.2 * min(len(outputs), 2), (0.35 * len(params) + 1.4) * math.ceil(len(outputs) / 2)),
                 layout="constrained")
    axes = fig.subplots(math.ceil(len(outputs) / 2), min(len(outputs), 2), squeeze=False, sharey=True)
    y = np.arange(len(params))
    for ax, output in zip(axes.flat, outputs, strict=False):
        rows = table[table["output"] == output].set_index("parameter").loc[params]
        if method == "morris":
            ax.barh(y, rows["mu_star"], xerr=rows["mu_star_conf"], color="#4f81bd", alpha=0.8,
                    capsize=3, height=0.6)
            ax.set_xlabel("mu* (mean |elementary effect|) ± 95% CI")
        else:
            ax.barh(y - 0.18, rows["S1"], xerr=rows["S1_conf"], height=0.34, color="#4f81bd",
                    capsize=3, label="S1 (first order)")
            ax.barh(y + 0.18, rows["ST"], xerr=rows["ST_conf"], height=0.34, color="#c0504d",
                    capsize=3, label="ST (total)")
            ax.set_xlabel("Sobol' index ± 95% CI")
            ax.legend(fontsize=7, loc="lower right")
        ax.set_title(output.replace("_", " "), fontsize=10)
        ax.axvline(0, color="grey", linewidth=0.8)
        ax.grid(axis="x", alpha=0.3)
    for ax in axes.flat[len(outputs):]:
        ax.set_visible(False)
    axes[0, 0].set_yticks(y, [p.split(".", 1)[-1] for p in params])
    axes[0, 0].invert_yaxis()
    for ax in axes[:, 0]:
        ax.tick_params(axis="y", labelsize=8)
    return fig


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


def _check_outputs(sc: Any, outputs: list[str] | None) -> list[str]:
    allowed = output_names(sc)
    chosen = list(outputs) if outputs else [n for n in HEADLINE_OUTPUTS if n in allowed]
    unknown = [n for n in chosen if n not in allowed]
    if unknown:
        raise EnsembleError(
            f"Unknown output(s) {', '.join(unknown)} for scenario '{sc.name}'. Allowed: "
            f"{', '.join(allowed)}."
        )
    return chosen


def run_sensitivity(scenario: Any, method: str = "morris", n: int | None = None, replicates: int = 2,
                    outputs: list[str] | None = None, seed: int | None = None,
                    scale: float | None = None, out_dir: str | Path | None = None,
                    executor: Any = None, *, workers: int | None = None, scheduler: str | None = None,
                    num_levels: int = 4, progress: bool = True,
                    worker: Any = None) -> SensitivityResult:
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
        executor: an open executor or a kind, as for :func:`~flowsim.ensemble.run_ensemble`.
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
    sc = as_scenario(scenario)
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
    seed = sc.calendar.seed if seed is None else int(seed)
    if scale is None:
        scale = sc.calibration.scale if sc.calibration is not None else None
    out = Path(out_dir) if out_dir is not None else Path("outputs") / sc.name / f"sensitivity_{method}"

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
    table.to_csv(out / "sensitivity.csv", index=False, lineterminator="\n")
    samples.to_csv(out / "sensitivity_samples.csv", index=False, lineterminator="\n")
    if failures:
        failures_frame.to_csv(out / "sensitivity_failures.csv", index=False, lineterminator="\n")
    fig = plot_sensitivity(table)
    fig.savefig(out / "sensitivity.png", dpi=130)
    fig.savefig(out / "sensitivity.svg")
    manifest = {
        "kind": "sensitivity", "method": method, "scenario": sc.name, "scenario_hash": sc.source_hash,
        "n": n, "points": len(X), "replicates": replicates, "replicate_seeds": seeds,
        "master_seed": seed, "scale": scale, "outputs": chosen, "parameters": problem["names"],
        "executor": label, "runs_failed": len(failures), "points_imputed": imputed,
        "num_levels": num_levels if method == "morris" else None,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return SensitivityResult(table=table, samples=samples, failures=failures_frame, imputed=imputed,
                             out_dir=out, manifest=manifest)


# --------------------------------------------------------------------------- command line


def add_sensitivity_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``flowsim sensitivity`` to the CLI's subparsers."""
    parser = subparsers.add_parser(
        "sensitivity", help="Morris or Sobol' sensitivity of key outputs to calibration parameters",
        description="Vary the scenario's calibration.parameters over their ranges (log-uniform for "
                    "scale: log), run each point --replicates times with common seeds, and report "
                    "Morris mu* or Sobol' S1/ST indices with confidence intervals.")
    parser.add_argument("scenario", help="scenario YAML file")
    parser.add_argument("--method", choices=METHODS, default="morris")
    parser.add_argument("--n", type=int, default=None,
                        help="Morris trajectories (default 10) or Sobol' base samples, a power of two (default 64)")
    parser.add_argument("--replicates", type=int, default=2,
                        help="runs per parameter set, same seeds at every set (default 2)")
    parser.add_argument("--outputs", nargs="+", default=None, metavar="NAME",
                        help=f"key outputs (default: {' '.join(HEADLINE_OUTPUTS)}); also "
                             "wave_entries_<country>, peak_queue_<country>")
    parser.add_argument("--levels", type=int, default=4, help="Morris grid levels (default 4)")
    add_execution_options(parser, scale_help="the scenario's calibration.scale")
    parser.set_defaults(handler=cmd_sensitivity)
    return parser


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """``flowsim sensitivity``: run the design, print the ranking, say where the files are."""
    from flowsim.scenario import ScenarioError

    try:
        result = run_sensitivity(args.scenario, args.method, n=args.n, replicates=args.replicates,
                                 outputs=args.outputs, seed=args.seed, scale=args.scale, out_dir=args.out,
                                 executor=args.executor, workers=args.workers, scheduler=args.scheduler,
                                 num_levels=args.levels)
    except (ScenarioError, EnsembleError) as err:
        return user_error(err.message)
    key = "mu_star" if args.method == "morris" else "ST"
    shown = ["output", "parameter"] + (["mu_star", "mu_star_conf", "sigma"] if args.method == "morris"
                                       else ["S1", "S1_conf", "ST", "ST_conf"])
    table = result.table.sort_values(["output", key], ascending=[True, False])
    print(table[shown].round(4).to_string(index=False))
    if not result.failures.empty:
        print(f"{len(result.failures)} run(s) failed twice; points imputed: {result.imputed or 'none'} "
              f"(see {result.out_dir / 'sensitivity_failures.csv'})", file=sys.stderr)
    print(f"results in {result.out_dir}")
    return 0
