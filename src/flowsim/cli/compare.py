"""``flowsim compare BASE WHATIF --runs 50``: paired what-if differences with common random numbers."""

from __future__ import annotations

import argparse
import sys

from flowsim.cli.options import (
    SCENARIO_HELP, add_execution_options, add_uncertainty_options, posterior_draws, scenario_file)
from flowsim.errors import UserError


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "compare", help="what-if vs base: paired ensembles with common seeds",
        description="Run BASE and WHATIF as ensembles with the same seeds and report the paired "
                    "difference of key outputs (median and 5-95%) as compare.csv and compare.png.")
    parser.add_argument("base", type=scenario_file, help="base " + SCENARIO_HELP)
    parser.add_argument("whatif", type=scenario_file, help="what-if " + SCENARIO_HELP)
    parser.add_argument("--runs", type=int, default=50, help="runs per scenario (default 50)")
    parser.add_argument("--resume", action="store_true", help="keep finished runs of both ensembles")
    add_execution_options(parser)
    add_uncertainty_options(parser)
    parser.set_defaults(handler=handle)
    return parser


def handle(args: argparse.Namespace) -> int:
    """Run both ensembles, print the paired-difference table."""
    from flowsim.analysis.compare import format_table, run_comparison

    try:
        result = run_comparison(args.base, args.whatif, args.runs, seed=args.seed, scale=args.scale,
                                out_dir=args.out, executor=args.executor, resume=args.resume,
                                workers=args.workers, scheduler=args.scheduler,
                                posterior_draws=posterior_draws(args))
    except ValueError as err:  # e.g. the two ensembles share no seed
        raise UserError(str(err)) from None
    print(f"{result.whatif.scenario} vs {result.base.scenario}: paired differences over "
          f"{int(result.table['pairs'].max()) if len(result.table) else 0} seeds "
          f"({result.base.manifest['uncertainty']})")
    print(format_table(result.table))
    failed = len(result.base.failed) + len(result.whatif.failed)
    if failed:
        print(f"{failed} run(s) failed and were left out of the pairs", file=sys.stderr)
    print(f"results in {result.out_dir}")
    return 0
