"""What ``flowsim run``, ``validate`` and ``calibrate`` do for a mobilization scenario.

The command line parses the options and picks the kind (:mod:`flowsim.kinds.registry`); the
kind (:mod:`flowsim.kinds.mobilization.kind`) hands the request here. Each function returns
the text the command prints, so nothing here writes to the terminal.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from flowsim.errors import UserError
from flowsim.kinds.protocol import CalibrateRequest, RunRequest, ValidateRequest

if TYPE_CHECKING:
    from flowsim.kinds.mobilization.run.results import RunResult
    from flowsim.kinds.mobilization.scenario import Scenario


def run(scenario: Scenario, request: RunRequest) -> str:
    """One run: tables (with the targets checked on it), figures and report; returns the summary."""
    from flowsim.analysis.targets import load_targets
    from flowsim.analysis.validation import single_run_validation
    from flowsim.run.simulate import check_run, simulate
    from flowsim.run.writing import check_out_folder, lock_folder, record_finished, write_run

    out = request.out
    # everything that can be refused is refused before the run starts
    check_out_folder(out)
    check_run(scenario, request.scale, request.seed)
    targets = load_targets(scenario.targets_path) if scenario.targets_path is not None else None
    with lock_folder(out):
        result = simulate(scenario, seed=request.seed, scale=request.scale, progress=request.progress,
                          agents=request.agents)
        extra = {}
        if targets is not None:
            extra["validation"] = single_run_validation(targets, result.tables(), result.meta["seed"])
        write_run(result, out, extra_tables=extra, figures_follow=request.figures)
        if request.figures:
            from flowsim.figures.report import write_report
            from flowsim.figures.run_figures import plot_run

            figures = plot_run(out)
            write_report(out, figures=figures)
            record_finished(out, figures=figures, report=True)
    return run_summary(result, out)


def run_summary(result: RunResult, out: Path) -> str:
    summary = result.summary.sort_values("leavers_first_entries", ascending=False)
    lines = [f"\n{result.meta['scenario']} (seed {result.meta['seed']}, scale {result.meta['scale']:g}): "
             f"{result.meta['people_who_left']:,} people left, run took {result.meta['runtime_s']:.1f} s",
             f"{'destination':<12} {'first entries':>14} {'peak entries/day':>17} {'peak date':>11} "
             f"{'peak queue':>11} {'moved on':>9} {'returned':>9}"]
    for row in summary.itertuples():
        lines.append(f"{row.country:<12} {row.leavers_first_entries:>14,} {row.peak_daily_entries:>17,} "
                     f"{row.peak_date:>11} {row.peak_queue:>11,} {row.moved_on_share:>9.0%} {row.returned_share:>9.0%}")
    lines.append(f"tables written to {out}/")
    return "\n".join(lines)


def validate(scenario: Scenario, request: ValidateRequest) -> tuple[str, int]:
    """Many runs against the targets (and, with ``forecast_from``, the forecast skill); (report, exit status)."""
    from flowsim.analysis.acceptance import acceptance
    from flowsim.analysis.executors import make_executor, resolve_kind
    from flowsim.analysis.targets import load_targets
    from flowsim.analysis.validation import format_validation, scenario_targets, validate, write_validation
    from flowsim.run.writing import check_out_folder, default_out, write_csv

    args = _options(request.options)
    targets = every_target = load_targets(args.targets) if args.targets else scenario_targets(scenario)
    if args.forecast_from is not None:
        targets = every_target.after(args.forecast_from)
    seed = scenario.calendar.seed if request.seed is None else request.seed
    out = Path(request.out or default_out(scenario))
    check_out_folder(out)
    scheduler = getattr(args, "scheduler", None)  # a Dask cluster, or local processes
    with make_executor(resolve_kind(None, request.workers, scheduler), request.workers, scheduler) as executor:
        frame = validate(scenario, request.runs, seed, request.scale, executor, targets=targets,
                         progress=request.progress, posterior_draws=args.posterior_draws)
        skill = (_forecast(args, request, scenario, every_target, frame, seed, executor)
                 if args.forecast_from is not None else None)
    written = write_validation(frame, out)
    if skill is not None:
        written["forecast_skill"] = write_csv(skill, out / "forecast_skill.csv")
    path = written["validation"]
    scale = request.scale if request.scale is not None else scenario.behaviour.agent_scale
    lines = [f"\n{scenario.name}: {request.runs} runs, root seed {seed}, scale {scale:g}; "
             f"bands: {frame.attrs['uncertainty']}", format_validation(frame)]
    ard = frame.attrs["ard"]
    if len(ard):
        lines += ["\naveraged relative difference (Flee's ARD) of the documented daily series:",
                  ard.to_string(index=False, float_format=lambda v: f"{v:.3f}")]
    lines += ["\nacceptance (issue 21):", acceptance(frame).to_string(index=False)]
    if skill is not None:
        lines += [f"\nforecast skill on the documented points after {args.forecast_from} (ARD):",
                  skill.to_string(index=False, float_format=lambda v: f"{v:.3f}")]
    lines.append(f"written to {path.parent}: {', '.join(p.name for p in written.values())}")
    return "\n".join(lines), 1 if args.strict and not frame["inside"].all() else 0


def _forecast(args: SimpleNamespace, request: ValidateRequest, scenario: Scenario, every_target, frame, seed: int,
              executor):
    """Forecast skill after --forecast-from: the validated runs against the two naive forecasts."""
    from flowsim.analysis.acceptance import forecast_skill
    from flowsim.analysis.series import documented_table
    from flowsim.analysis.validation import prior_predictive_series

    later = every_target.after(args.forecast_from)
    prior = prior_predictive_series(scenario, later, args.prior_runs or request.runs, seed, request.scale, executor)
    return forecast_skill(frame.attrs["series"], args.forecast_from, documented=documented_table(every_target.series),
                          daily=frame.attrs["daily"], prior_series=prior)


def _search(args: SimpleNamespace, request: CalibrateRequest, scenario: Scenario, targets, out: Path) -> str:
    """``--method search``: CMA-ES on runs; writes ``point.yaml`` (a calibrated file's shape, for
    ``--design-around``), ``search.csv`` (one row per generation) and ``search.record.yaml``."""
    import sys

    import yaml

    from flowsim.analysis.point_search import search_scenario
    from flowsim.run.writing import write_all

    start = _design_point(scenario, args.design_around) if getattr(args, "design_around", None) else None
    result, values, record = search_scenario(
        scenario, targets, scale=request.scale, seed=request.seed, workers=request.workers,
        scheduler=getattr(args, "scheduler", None), max_simulations=args.max_simulations or 1_500, start=start,
        report=(lambda line: print(line, file=sys.stderr, flush=True)) if request.progress else None)
    record["command"] = args.command
    header = (f"# Best point of a search on runs of scenario '{scenario.name}' (flowsim calibrate --method search).\n"
              f"# Written by: {args.command}\n# Give it to 'flowsim calibrate --design-around' to start a calibration "
              "near it; the search is in search.record.yaml.\n")
    text = header + yaml.safe_dump({"parameters": values}, sort_keys=False)
    record_text = yaml.safe_dump(record, sort_keys=False, allow_unicode=True)
    written = write_all({out / "point.yaml": lambda tmp: tmp.write_text(text, encoding="utf-8"),
                         out / "search.record.yaml": lambda tmp: tmp.write_text(record_text, encoding="utf-8"),
                         out / "search.csv": lambda tmp: result.trace.to_csv(tmp, index=False)})
    outside = ", ".join(result.outside) or "none"
    return (f"search of {len(values)} parameters on {result.simulations} runs at scale {record['scale']:g}: best cost "
            f"{result.cost:.3f}; figures outside their bands at the best point: {outside}\n"
            f"written to {out}: {', '.join(p.name for p in written)}")


def _design_point(scenario: Scenario, path: Path) -> dict[str, float]:
    """The ``--design-around`` file's point, checked against the scenario's calibration parameters."""
    from flowsim.analysis.abc_model import scenario_priors
    from flowsim.scenario.reader import read_parameter_point

    return read_parameter_point(Path(path), {p.name: (p.low, p.high) for p in scenario_priors(scenario)})


def calibrate(scenario: Scenario, request: CalibrateRequest) -> str:
    """History matching, then the emulator posterior (with its SBC) or ABC-SMC against the targets; returns the report."""
    from flowsim.analysis.calibration import calibrate, format_result, write_calibration
    from flowsim.analysis.validation import check_at_scale_one
    from flowsim.analysis.executors import check_scheduler
    from flowsim.analysis.validation import scenario_targets
    from flowsim.run.writing import check_out_folder, default_out

    args = _options(request.options)
    if args.method == "abc" and getattr(args, "design_around", None):
        raise UserError("--design-around places the emulator's first wave; ABC-SMC draws its first population from "
                        "the prior. Give --method emulator, or leave --design-around out.")
    if args.method == "abc" and args.budget is None and not (args.max_populations or args.max_simulations
                                                             or args.history_match_only):
        raise UserError("--budget is required unless --max-populations or --max-simulations is given: the wall "
                        "time the calibration may take, e.g. --budget 30m.")
    targets = scenario_targets(scenario)
    if args.fit_until is not None:
        targets = targets.until(args.fit_until)
    out = request.out or default_out(scenario, "calibration")
    calibrated_file = args.calibrated_file or scenario.calibrated_path or (out / "calibrated.yaml")
    check_out_folder(Path(out))
    check_out_folder(Path(calibrated_file).parent, option="calibrated file folder")
    lines = []
    if args.method == "search":
        check_scheduler(getattr(args, "scheduler", None))
        return _search(args, request, scenario, targets, Path(out))
    if args.history_match_runs > 0 or args.history_match_only:
        check_scheduler(getattr(args, "scheduler", None))  # before history matching writes into the folder
        lines.append(_history_match(args, request, scenario, targets, Path(out)))
    if args.history_match_only:
        return "\n".join(lines)
    if args.method == "emulator":
        from flowsim.analysis.emulator_calibration import emulator_calibrate, format_emulator_result, write_sbc

        around = _design_point(scenario, args.design_around) if getattr(args, "design_around", None) else None
        result, checked = emulator_calibrate(
            scenario, targets, scale=request.scale, workers=request.workers, scheduler=getattr(args, "scheduler", None),
            seed=request.seed, waves=args.waves, runs_per_wave=args.runs_per_wave, candidates=args.candidates,
            sbc=args.sbc, sbc_from=args.sbc_from, particles=args.particles, point=args.point,
            smc_particles=args.smc_particles, design_around=around, progress=request.progress)
        extra = (write_sbc(checked, result.priors, Path(out), f"Simulation-based calibration of '{scenario.name}': "
                           f"{len(checked.ranks)} data sets") if checked is not None else {})
        report = format_emulator_result
    else:
        result = calibrate(
            scenario, targets, budget=args.budget, out_dir=out, scale=request.scale, workers=request.workers,
            scheduler=getattr(args, "scheduler", None), population_size=args.population_size, seed=request.seed,
            min_acceptance_rate=args.min_acceptance_rate,
            max_simulations=args.max_simulations, max_populations=args.max_populations, point=args.point,
            progress=request.progress, prior_draws=args.prior_draws,
        )
        extra, report = {}, format_result
    if args.check_runs > 0:
        result.record["validation_at_scale_1"] = check_at_scale_one(
            scenario, result.point, targets, runs=args.check_runs, seed=result.record["seed"],
            workers=request.workers, progress=request.progress, scheduler=getattr(args, "scheduler", None))
    else:
        result.record["validation_at_scale_1"] = {"runs": 0, "holds": None, "note": "skipped (--check-runs 0)"}
    if args.fit_until is not None:
        result.record["fit_until"] = args.fit_until.isoformat()
        result.record["fitted_targets"] = targets.ids
    files = {**write_calibration(result, out_dir=out, calibrated_file=calibrated_file, command=args.command), **extra}
    lines.append(report(result))
    lines += [f"{what:>10}: {path}" for what, path in files.items()]
    return "\n".join(lines)


def _history_match(args: SimpleNamespace, request: CalibrateRequest, scenario: Scenario, targets, out: Path) -> str:
    """History matching before the fit: which targets no parameter set reaches, alone or jointly."""
    from flowsim.analysis.history_matching import format_discrepancy, scenario_history_match, write_discrepancy

    runs = args.history_match_runs or 40
    result, table = scenario_history_match(scenario, targets, waves=args.history_match_waves, runs_per_wave=runs,
                                           scale=request.scale, seed=request.seed, workers=request.workers)
    files = write_discrepancy(result, table, out, f"History matching of '{scenario.name}': "
                                                   f"{len(result.inputs)} runs in {len(result.waves)} waves")
    return "\n".join([format_discrepancy(result, table), *(f"{what:>10}: {path}" for what, path in files.items())])


#: options a command may leave out, and their defaults (as the command line's)
_DEFAULTS: dict[str, Any] = {
    "targets": None, "forecast_from": None, "prior_runs": None, "strict": False, "posterior_draws": None,
    "budget": None, "max_populations": None, "max_simulations": None, "history_match_only": False,
    "history_match_runs": 0, "history_match_waves": 2, "fit_until": None, "calibrated_file": None,
    "population_size": 100, "min_acceptance_rate": 0.01, "point": "median", "prior_draws": 100, "check_runs": 3,
    "command": "", "method": "abc", "waves": 4, "runs_per_wave": 150, "candidates": 100_000, "particles": 1_000,
    "smc_particles": 1_000, "sbc": 200, "sbc_from": "posterior",
}


def _options(options: Any) -> SimpleNamespace:
    return SimpleNamespace(**{**_DEFAULTS, **dict(options or {})})
