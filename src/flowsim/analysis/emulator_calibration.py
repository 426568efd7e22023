"""``flowsim calibrate --method emulator``: the emulator posterior of a scenario, checked by SBC.

History-matching waves of runs at the calibration scale (:mod:`flowsim.analysis.history_matching`),
an emulated likelihood of the fitted figures sampled by importance sampling
(:mod:`flowsim.analysis.emulator_posterior`), and simulation-based calibration of that
posterior on simulated data sets (:mod:`flowsim.analysis.sbc`). The result has the ABC
path's shape (:class:`flowsim.analysis.calibration.CalibrationResult`), so the same
``posterior.csv``, calibrated file, record and pair plot are written
(:func:`flowsim.analysis.calibration.write_calibration`), and ``sbc_ranks.csv`` with its
rank plot beside them (:func:`write_sbc`).

The fitted figures are the calibration-role targets and, when the targets file gives the
series a weight in the calibration distance (``series_weight > 0``), its calibration-role
series points, each read as a two-sided figure at its daily mean (its uncertainty then is the
model discrepancy alone). ``--fit-until`` has already cut both to the figures that end by then.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from flowsim.analysis.abc_model import Prior, TargetModel, scenario_priors, unit_point
from flowsim.analysis.calibration import (
    CalibrationResult, diagnostic_lines, kish_ess, parameter_lines, posterior_summary, scenario_record)
from flowsim.analysis.diagnostics import posterior_diagnostics, value_provenance
from flowsim.analysis.emulator_posterior import EmulatorPosterior, fit_emulator_posterior, systematic_resample
from flowsim.analysis.executors import make_executor, resolve_kind
from flowsim.analysis.history_matching import (
    AROUND_SHARE, AROUND_SPREAD, CUTOFF, Observation, model_discrepancy, scenario_simulator)
from flowsim.analysis.history_matching import design_around as design_around_point
from flowsim.analysis.sbc import (
    PASS_P_VALUE, SimulationBasedCalibration, add_assumed_errors, simulation_based_calibration)
from flowsim.analysis.targets import SERIES_KEY, TargetSet, calibration_distance
from flowsim.errors import CalibrationError
from flowsim.run.seeds import Purpose, random_stream

REQUIRED_ESS = 200
"""Kish's effective sample size the posterior should reach (issue 21)."""
INFORMATIVE_ESS = 10
"""Median effective sample of the SBC data sets' posteriors below which their ranks say nothing: a posterior
of one or two candidates ranks the true value by the tie-break alone (posterior SBC) or at an end (prior SBC)."""


def likelihood_observations(targets: TargetSet) -> list[Observation]:
    """The figures the posterior fits: calibration-role targets, and calibration-role series points
    when the targets file weighs the series in the calibration distance."""
    observations = [Observation.of(t) for t in targets if t.role == "calibration"]
    if targets.series_weight > 0:
        observations += [Observation(SERIES_KEY + p.id, "calibration", p.daily_mean, p.daily_mean)
                         for p in targets.series if p.role == "calibration"]
    return observations


def emulator_calibrate(scenario: Any, targets: TargetSet, *, scale: float | None = None, workers: int = 1,
                       scheduler: str | None = None, seed: int | None = None, waves: int = 4,
                       runs_per_wave: int = 150, candidates: int = 100_000, sbc: int = 200,
                       sbc_from: str = "posterior", sbc_draws: int = 99, particles: int = 1_000,
                       point: str = "median", smc_particles: int = 1_000,
                       design_around: Mapping[str, float] | None = None,
                       progress: bool = False) -> tuple[CalibrationResult, SimulationBasedCalibration | None]:
    """Fit the scenario's free parameters by the emulator posterior and check it by SBC.

    Args:
        scenario: a mobilization scenario with a ``calibration:`` section.
        targets: the figures (already cut by ``--fit-until``).
        scale: people per agent in the runs; default ``calibration.scale``.
        workers, scheduler: local processes, or a Dask scheduler's address, for the runs.
        seed: root seed of the runs, designs and candidates; default the scenario's.
        waves, runs_per_wave: history-matching waves and runs in each.
        candidates: size of the final importance sample (with ``smc_particles`` 0).
        smc_particles: population of the sequential Monte Carlo that samples the final posterior on
            the last emulators (0: importance sampling from the last wave's proposal instead).
        sbc: simulated data sets of the simulation-based calibration (0 skips it).
        sbc_from: 'posterior' (posterior SBC) or 'prior' (Talts et al.) for the true values.
        sbc_draws: posterior draws per data set the true value is ranked among.
        particles: particles written to ``posterior.csv`` (resampled from the candidates).
        point: calibrated values: 'median' or 'best' (smallest distance of the emulated figures).
        design_around: values of the free parameters (dotted names; those left out keep the
            scenario's) near which half the first wave runs (:func:`design_around`); None: the
            whole first wave is a Latin hypercube of the prior.
        progress: say on standard error when each wave and the SBC are done.
    """
    priors = scenario_priors(scenario)
    scale = scale if scale is not None else (scenario.calibration.scale if scenario.calibration else None)
    seed = scenario.calendar.seed if seed is None else int(seed)
    discrepancy = model_discrepancy(scenario)
    observations = likelihood_observations(targets)
    if not observations:
        raise CalibrationError(f"No calibration-role figure of '{targets.name}' is left to fit.")
    model = TargetModel(scenario, targets, priors, scale, seed)
    first_design = around = None
    if design_around is not None:
        around = {p.name: float(design_around.get(p.name, scenario.get_value(p.name))) for p in priors}
        first_design = design_around_point(unit_point(priors, around), runs_per_wave,
                                           random_stream(seed, Purpose.HISTORY_MATCHING, 0x4152))
    began = time.perf_counter()
    with make_executor(resolve_kind(None, workers, scheduler), workers, scheduler) as pool:
        simulate_at = scenario_simulator(model, priors, pool.map)
        fitted = fit_emulator_posterior(observations, simulate_at, len(priors), waves=waves,
                                        runs_per_wave=runs_per_wave, candidates=candidates, seed=seed,
                                        report=_say if progress else None, fit_map=pool.map,
                                        smc_particles=smc_particles, discrepancy_share=discrepancy,
                                        first_design=first_design)
        checked = _sbc(fitted, simulate_at, sbc, sbc_from, sbc_draws, seed, discrepancy) if sbc > 0 else None
    wall_time = time.perf_counter() - began
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x5041]))
    posterior = particle_table(fitted, priors, targets, particles, rng)
    summary, values = posterior_summary(posterior, priors, point)
    ess = fitted.effective_sample_size
    record = {
        "method": "emulator",
        **scenario_record(scenario, seed, scale, workers, scheduler),
        "point_estimate": "posterior weighted median" if point == "median" else "particle of least distance",
        "likelihood": (f"Gaussian in the distance of each fitted figure's emulated value from the figure (beyond "
                       f"the bound of a one-sided figure), variance V_obs + V_md + V_em(x); V_md = "
                       f"({discrepancy:g} x documented value)^2"),
        "model_discrepancy": discrepancy,
        "fitted_figures": [o.id for o in fitted.observations],
        "not_emulated": fitted.left_out,
        "waves": len(fitted.history.waves),
        "runs_per_wave": runs_per_wave,
        "first_wave": ("Latin hypercube of the prior" if design_around is None else
                       f"{AROUND_SHARE:.0%} of its runs Gaussian about a given point (sd {AROUND_SPREAD:g} of each "
                       "prior's width), the rest a Latin hypercube of the prior"),
        **({"design_around": around} if around is not None else {}),
        "simulations": int(len(fitted.history.inputs) + (len(checked.ranks) if checked else 0)),
        "wall_time_s": round(wall_time, 1),
        "history_matching": {"implausibility_cutoff": CUTOFF,
                             "waves": fitted.history.waves.to_dict(orient="records")},
        "sampling": (f"sequential Monte Carlo on the last wave's emulators: {smc_particles:,} particles tempered from "
                     f"the prior to the emulated posterior in {len(fitted.smc_steps)} steps (each next likelihood "
                     "power keeps half the particles' effective sample), resampled and moved by random-walk "
                     f"Metropolis steps; {len(posterior)} distinct particles of {particles} draws are written; the "
                     "effective sample is Kish's of the last step's importance weights"
                     if fitted.smc_steps is not None else
                     f"importance sampling: {candidates:,} candidates from a defensive mixture of the prior and a "
                     "Gaussian kernel density around the last wave's candidate posterior; "
                     f"{len(posterior)} distinct particles resampled from them ({particles} draws) are written"),
        "populations": fitted.waves.to_dict(orient="records"),
        "effective_sample_size": round(ess, 1),
        "effective_sample_size_required": REQUIRED_ESS,
        "effective_sample_size_holds": bool(ess >= REQUIRED_ESS),
        "particles_effective_sample_size": round(kish_ess(posterior["weight"].to_numpy()), 1),
        "population_size": int(len(posterior)),
        "informativeness": prior_informativeness(fitted, targets),
        "sbc": sbc_summary(checked, priors, sbc_from) if checked else {"data_sets": 0, "note": "skipped (--sbc 0)"},
        "priors": [{"name": p.name, "low": p.low, "high": p.high, "scale": p.scale} for p in priors],
        "posterior": summary,
        "calibrated_values": values,
    }
    record.update(posterior_diagnostics(posterior, scenario))
    record["provenance"] = value_provenance(scenario)
    populations = fitted.waves.rename(columns={"wave": "t"})
    return CalibrationResult(posterior, populations, priors, values, summary, record), checked


def _say(line: str) -> None:
    import sys

    print(line, file=sys.stderr, flush=True)


def _sbc(fitted: EmulatorPosterior, simulate_at, data_sets: int, sbc_from: str, draws: int,
         seed: int, discrepancy: float) -> SimulationBasedCalibration:
    """Simulate ``data_sets`` runs at true values from the prior (or the posterior) and rank them."""
    from flowsim.analysis.history_matching import latin_hypercube

    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x534243]))
    dims = fitted.candidates.points.shape[1]
    base = None
    if sbc_from == "posterior":
        truths = fitted.candidates.points[rng.choice(len(fitted.weights), size=data_sets, p=fitted.weights)]
        base = fitted.candidates.log_weights(fitted.observations, discrepancy_share=discrepancy)
    elif sbc_from == "prior":
        truths = latin_hypercube(data_sets, dims, rng)
    else:
        raise CalibrationError(f"--sbc-from must be 'prior' or 'posterior', got '{sbc_from}'.")
    runs = simulate_at(truths)
    simulated = np.array([[float(run.get(o.id, np.nan)) for o in fitted.observations] for run in runs])
    data = add_assumed_errors(simulated, fitted.observations, rng, discrepancy)
    return simulation_based_calibration(fitted.candidates, fitted.observations, truths, data, rng, draws=draws,
                                        base_log_weights=base, discrepancy_share=discrepancy)


def prior_informativeness(fitted: EmulatorPosterior, targets: TargetSet) -> dict[str, Any]:
    """Share of the first wave's runs (a Latin hypercube of the prior) inside each fitted target's interval:
    a target (nearly) every prior draw satisfies could not fail, and says nothing."""
    first = fitted.history.wave_of_run == 1
    rows = []
    for observation in fitted.observations:
        if observation.id not in targets.ids:
            continue  # a series point: its fit is its distance, not an interval
        values = fitted.history.outputs.loc[first, observation.id].to_numpy(dtype=float)
        target = targets[observation.id]
        rows.append({"id": observation.id, "role": target.role,
                     "prior_share_inside": round(float(np.mean([target.contains(v) for v in values])), 4)})
    return {"prior_draws": int(first.sum()), "source": "the first history-matching wave (Latin hypercube of the prior)",
            "targets": rows}


def particle_table(fitted: EmulatorPosterior, priors: list[Prior], targets: TargetSet, particles: int,
                   rng: np.random.Generator) -> pd.DataFrame:
    """``particles`` draws from the weighted candidates (systematic resampling), one row per distinct
    candidate with its share of the draws as weight: weight, distance (the calibration distance of its
    emulated figures), parameter values, and ``emulated_<figure>`` (the emulators' means)."""
    picked, counts = np.unique(systematic_resample(fitted.weights, particles, rng), return_counts=True)
    points = fitted.candidates.points[picked]
    means = fitted.candidates.mean[picked]
    ids = [o.id for o in fitted.observations]
    rows = []
    for point, mean, count in zip(points, means, counts, strict=True):
        emulated = dict(zip(ids, mean.tolist(), strict=True))
        row = {"weight": count / particles, "distance": calibration_distance(emulated, targets)}
        row.update({p.name: p.value(p.lower + float(u) * (p.upper - p.lower)) for p, u in zip(priors, point, strict=True)})
        row.update({f"emulated_{key}": value for key, value in emulated.items()})
        rows.append(row)
    return pd.DataFrame(rows).sort_values(["distance", "weight"], ascending=[True, False]).reset_index(drop=True)


def sbc_summary(checked: SimulationBasedCalibration, priors: list[Prior], sbc_from: str) -> dict[str, Any]:
    """The SBC for the record: data sets, draws, test, and per parameter its p-value and verdict."""
    return {
        "data_sets": int(len(checked.ranks)),
        "true_values_from": sbc_from,
        "posterior_draws": checked.draws,
        "test": f"chi-square of the ranks in {checked.bins} equal bins; uniform when p >= {PASS_P_VALUE:g}",
        "all_uniform": bool(checked.uniform.all()),
        "median_effective_sample_size": round(float(np.median(checked.effective_sample_sizes)), 1),
        "informative": bool(np.median(checked.effective_sample_sizes) >= INFORMATIVE_ESS),
        "parameters": [{"name": p.name, "p_value": round(float(pv), 4), "uniform": bool(ok)}
                       for p, pv, ok in zip(priors, checked.p_values, checked.uniform, strict=True)],
    }


def write_sbc(checked: SimulationBasedCalibration, priors: list[Prior], out_dir: Path, title: str) -> dict[str, Path]:
    """Write ``sbc_ranks.csv`` and ``figures/sbc_ranks.png``/``.svg``."""
    from flowsim.figures.sbc import rank_figure
    from flowsim.figures.style import save_figure
    from flowsim.run.writing import write_csv

    names = [p.name for p in priors]
    out_dir = Path(out_dir)
    return {"sbc ranks": write_csv(checked.table(names), out_dir / "sbc_ranks.csv"),
            "rank plot": save_figure(rank_figure(checked.ranks, checked.draws, checked.bins, names, checked.p_values,
                                                 title), out_dir / "figures", "sbc_ranks", dpi=110)[0]}


def format_emulator_result(result: CalibrationResult) -> str:
    """The emulator posterior, its effective sample per wave and its SBC, as text for a terminal."""
    record = result.record
    ess, holds = record["effective_sample_size"], record["effective_sample_size_holds"]
    lines = [f"\n{record['scenario']}: emulator posterior from {record['simulations']:,} simulations in "
             f"{record['wall_time_s']:.0f} s ({record['waves']} waves of {record['runs_per_wave']} runs"
             f"{', then the SBC runs' if record['sbc']['data_sets'] else ''}); {len(record['fitted_figures'])} figures "
             f"fitted" + (f" ({', '.join(record['not_emulated'])} not emulated: too few finite runs)"
                          if record["not_emulated"] else "") + ".",
             f"effective sample (Kish) {ess:,.0f}: {'at least' if holds else 'BELOW'} the {REQUIRED_ESS} required; "
             f"per wave's candidate posterior: "
             + ", ".join(f"{row['wave']} {row['effective_sample_size']:,.0f} of {row['candidates']:,}"
                         for row in record["populations"]),
             *parameter_lines(result)]
    sbc = record["sbc"]
    if sbc["data_sets"]:
        failing = [row["name"] for row in sbc["parameters"] if not row["uniform"]]
        lines.append(f"\nsimulation-based calibration: {sbc['data_sets']} data sets (true values from the "
                     f"{sbc['true_values_from']}), rank among {sbc['posterior_draws']} posterior draws; median "
                     f"effective sample per data set {sbc['median_effective_sample_size']:,.0f}; {sbc['test']}:")
        lines += [f"  {row['name']:<52} p = {row['p_value']:.3f}{'' if row['uniform'] else '  <- NOT uniform'}"
                  for row in sbc["parameters"]]
        if not sbc["informative"]:
            lines.append(f"  NOT INFORMATIVE: the data sets' posteriors have a median effective sample of "
                         f"{sbc['median_effective_sample_size']:.0f} (under {INFORMATIVE_ESS}), so the ranks test the "
                         "candidate set, not the posterior's coverage")
        elif not failing:
            lines.append("  ranks uniform for every parameter: the posterior's coverage holds")
        if failing:
            lines.append(f"  ranks NOT uniform for {len(failing)} of {len(sbc['parameters'])} parameters: the "
                         "posterior's intervals are not to be trusted there (see figures/sbc_ranks.png: a U is too "
                         "narrow, a hump too wide, a slope biased)")
    lines += diagnostic_lines(record)
    return "\n".join(lines)
