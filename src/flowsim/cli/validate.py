"""``flowsim validate SCENARIO --runs 20``: many runs held against every documented figure."""

from __future__ import annotations

import argparse
from pathlib import Path

from flowsim.cli.options import (
    RUNS,
    add_run_options,
    add_scheduler_option,
    add_uncertainty_options,
    positive_int,
    posterior_draws,
)
from flowsim.errors import UserError


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "validate", help="run a scenario many times and compare it with the documented figures",
        description="Run a scenario --runs times (seeds spawned from --seed), compute every target of its "
                    "targets file, print the comparison and write validation.csv to the run folder.")
    parser.add_argument("scenario", help="scenario YAML")
    parser.add_argument("--runs", type=RUNS, default=20, help="number of runs (default 20)")
    add_run_options(parser, seed_help="root seed; run seeds are spawned from it (default: the scenario's)")
    parser.add_argument("--workers", type=positive_int, default=1, help="parallel processes (default 1)")
    add_scheduler_option(parser)
    parser.add_argument("--targets", type=Path, default=None,
                        help="targets YAML (default: the one the scenario declares)")
    parser.add_argument("--strict", action="store_true",
                        help="exit with status 1 when a target's median is outside its interval")
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
    from flowsim.analysis.validation import format_validation, scenario_targets, validate, write_validation
    from flowsim.run.writing import check_out_folder, default_out
    from flowsim.scenario import load_scenario

    scenario = load_scenario(args.scenario)
    targets = load_targets(args.targets) if args.targets else scenario_targets(scenario)
    seed = scenario.calendar.seed if args.seed is None else args.seed
    out = args.out or default_out(scenario)
    check_out_folder(Path(out))
    with make_executor(resolve_kind(None, args.workers, args.scheduler), args.workers, args.scheduler) as executor:
        frame = validate(scenario, args.runs, seed, args.scale, executor, targets=targets, progress=not args.quiet,
                         posterior_draws=posterior_draws(args))
    written = write_validation(frame, Path(out))
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
        print(f"written to {path.parent}: {', '.join(p.name for p in written.values())}")
    return 1 if args.strict and not frame["inside"].all() else 0
