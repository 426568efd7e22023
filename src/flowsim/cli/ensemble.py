"""``flowsim ensemble SCENARIO --runs 100``: many runs with independent seeds, percentile bands."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from flowsim.cli.options import (
    SCENARIO_HELP, add_execution_options, add_uncertainty_options, posterior_draws, scenario_file)
from flowsim.errors import UserError

if TYPE_CHECKING:
    from flowsim.analysis.ensemble import EnsembleResult


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "ensemble", help="run a scenario many times with independent seeds; percentile bands",
        description="Run SCENARIO --runs times with seeds spawned from one master seed, "
                    "write every run under OUT/runs/ and percentile bands of the daily and "
                    "crossing tables to OUT.")
    parser.add_argument("scenario", type=scenario_file, help=SCENARIO_HELP)
    parser.add_argument("--runs", type=int, default=100, help="number of runs (default 100)")
    parser.add_argument("--resume", action="store_true",
                        help="keep finished runs in OUT (done marker present) and run only the rest")
    add_execution_options(parser)
    add_uncertainty_options(parser)
    parser.set_defaults(handler=handle)
    return parser


def handle(args: argparse.Namespace) -> int:
    """Run, summarise, print where the results are; exit status 1 if some run failed twice."""
    from flowsim.analysis.ensemble import run_ensemble

    try:
        result = run_ensemble(args.scenario, args.runs, seed=args.seed, scale=args.scale,
                              out_dir=args.out, executor=args.executor, resume=args.resume,
                              workers=args.workers, scheduler=args.scheduler,
                              posterior_draws=posterior_draws(args))
    except FileNotFoundError as err:
        raise UserError(f"No such file: {err.filename or err}.") from None
    print_ensemble(result)
    return 0 if result.failed.empty else 1


def print_ensemble(result: EnsembleResult) -> None:
    """The headline outputs' bands and where the files are."""
    from flowsim.analysis.ensemble import outputs_bands

    m = result.manifest
    print(f"{result.scenario}: {len(result.completed)}/{m['runs']} runs "
          f"({len(result.resumed)} kept from before), scale {m['scale']:g}, "
          f"master seed {m['master_seed']}, {m['wall_time_s']:.1f} s; bands: {m['uncertainty']}")
    bands = outputs_bands(result.outputs)
    shown = [n for n in result.headline if n in set(bands.get("output", []))]
    if shown:
        bands = bands.set_index("output")
        print(bands.loc[shown, ["p05", "p50", "p95"]].round(1).to_string())
    if not result.failed.empty:
        print(f"{len(result.failed)} run(s) failed twice: see {result.out_dir / 'runs_failed.csv'}",
              file=sys.stderr)
    print(f"results in {result.out_dir}")
