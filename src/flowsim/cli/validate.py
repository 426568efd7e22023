"""``flowsim validate SCENARIO --runs 20``: many runs held against every documented figure."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from flowsim.cli.options import (
    RUNS, SCENARIO_HELP, add_run_options, add_scheduler_option, add_uncertainty_options, positive_int, posterior_draws,
    scenario_file)


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
    from flowsim.kinds.protocol import ValidateRequest
    from flowsim.kinds.registry import kind_of_file

    kind = kind_of_file(args.scenario)
    scenario = kind.load(args.scenario)
    request = ValidateRequest(
        out=Path(args.out) if args.out else None, runs=args.runs, seed=args.seed, scale=args.scale,
        workers=args.workers, progress=not args.quiet,
        options={**vars(args), "posterior_draws": posterior_draws(args)})
    report, status = kind.validate_command(scenario, request)
    if not args.quiet:
        print(report)
    return status
