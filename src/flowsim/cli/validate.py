"""``flowsim validate SCENARIO --runs 20``: many runs held against every documented figure."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from flowsim.cli.options import (
    RUNS, SCENARIO_HELP, add_run_options, add_scheduler_option, add_uncertainty_options, positive_int, posterior_draws,
    scenario_file)
from flowsim.errors import UserError


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "validate", help="run a scenario many times and compare it with the documented figures",
        description="Run a scenario --runs times (seeds spawned from --seed), compute every target of its "
                    "targets file, print the comparison and write validation.csv to the run folder.")
    parser.add_argument("scenario", type=scenario_file, help=SCENARIO_HELP)
    parser.add_argument("--runs", type=RUNS, default=20, help="number of runs (default 20)")
    add_run_options(parser, seed_help="root seed; run seeds are spawned from it (default: the scenario's)")
    parser.add_argument("--workers", type=positive_int, default=1, help="parallel processes (default 1)")
    add_scheduler_option(parser)
    parser.add_argument("--targets", type=Path, default=None,
                        help="targets YAML (default: the one the scenario declares)")
    parser.add_argument("--strict", action="store_true",
                        help="exit with status 1 when a target's median is outside its interval")
    parser.add_argument("--forecast-from", type=dt.date.fromisoformat, default=None, metavar="YYYY-MM-DD",
                        help="score only the figures after this day (the last day of a 'flowsim calibrate "
                             "--fit-until' fit), against two naive forecasts: the last week carried on, and the "
                             "prior predictive; writes forecast_skill.csv")
    parser.add_argument("--prior-runs", type=RUNS, default=None, metavar="N",
                        help="runs drawn from the priors for the prior-predictive forecast (default: --runs)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar or table")
    add_uncertainty_options(parser)
    parser.set_defaults(handler=handle)
    return parser


def handle(args: argparse.Namespace) -> int:
    """Run ``flowsim validate``; returns the exit status (1 with --strict when a target fails)."""
    from flowsim.cli import network

    if network.is_network(args.scenario):  # an imported Flee case (kind: network)
        return network.validate(args)
    from flowsim.analysis.executors import make_executor, resolve_kind
    from flowsim.analysis.targets import load_targets
    from flowsim.analysis.acceptance import acceptance
    from flowsim.analysis.validation import format_validation, scenario_targets, validate, write_validation
    from flowsim.run.writing import check_out_folder, default_out, write_csv
    from flowsim.kinds.mobilization.scenario import load_scenario

    scenario = load_scenario(args.scenario)
    targets = every_target = load_targets(args.targets) if args.targets else scenario_targets(scenario)
    if args.forecast_from is not None:
        targets = every_target.after(args.forecast_from)
    seed = scenario.calendar.seed if args.seed is None else args.seed
    out = args.out or default_out(scenario)
    check_out_folder(Path(out))
    with make_executor(resolve_kind(None, args.workers, args.scheduler), args.workers, args.scheduler) as executor:
        frame = validate(scenario, args.runs, seed, args.scale, executor, targets=targets, progress=not args.quiet,
                         posterior_draws=posterior_draws(args))
        skill = (forecast(args, scenario, every_target, frame, seed, executor) if args.forecast_from is not None
                 else None)
    written = write_validation(frame, Path(out))
    if skill is not None:
        written["forecast_skill"] = write_csv(skill, Path(out) / "forecast_skill.csv")
    path = written["validation"]
    if not args.quiet:
        scale = args.scale if args.scale is not None else scenario.behaviour.agent_scale
        print(f"\n{scenario.name}: {args.runs} runs, root seed {seed}, scale {scale:g}; "
              f"bands: {frame.attrs['uncertainty']}")
        print(format_validation(frame))
        ard = frame.attrs["ard"]
        if len(ard):
            print("\naveraged relative difference (Flee's ARD) of the documented daily series:")
            print(ard.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        print("\nacceptance (issue 21):")
        print(acceptance(frame).to_string(index=False))
        if skill is not None:
            print(f"\nforecast skill on the documented points after {args.forecast_from} (ARD):")
            print(skill.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        print(f"written to {path.parent}: {', '.join(p.name for p in written.values())}")
    return 1 if args.strict and not frame["inside"].all() else 0


def forecast(args: argparse.Namespace, scenario, every_target, frame, seed: int, executor):
    """Forecast skill after --forecast-from: the validated runs against the two naive forecasts."""
    from flowsim.analysis.acceptance import forecast_skill
    from flowsim.analysis.series import documented_table
    from flowsim.analysis.validation import prior_predictive_series

    later = every_target.after(args.forecast_from)
    prior = prior_predictive_series(scenario, later, args.prior_runs or args.runs, seed, args.scale, executor)
    return forecast_skill(frame.attrs["series"], args.forecast_from, documented=documented_table(every_target.series),
                          daily=frame.attrs["daily"], prior_series=prior)
