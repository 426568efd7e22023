"""``flowsim sensitivity SCENARIO --method morris|sobol``: SALib sensitivity of key outputs to the calibration parameters."""

from __future__ import annotations

import argparse
import sys

from flowsim.analysis.sensitivity import METHODS
from flowsim.cli.options import SCENARIO_HELP, add_execution_options, scenario_file, whole_number


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "sensitivity", help="Morris or Sobol' sensitivity of key outputs to calibration parameters",
        description="Vary the scenario's calibration.parameters over their ranges (log-uniform for "
                    "scale: log), run each point --replicates times with common seeds, and report "
                    "Morris mu* or Sobol' S1/ST indices with confidence intervals.")
    parser.add_argument("scenario", type=scenario_file, help=SCENARIO_HELP)
    parser.add_argument("--method", choices=METHODS, default="morris")
    parser.add_argument("--n", type=whole_number(1, 2**16), default=None,
                        help="Morris trajectories (default 10) or Sobol' base samples, a power of two (default 64)")
    parser.add_argument("--replicates", type=whole_number(1, 1000), default=2,
                        help="runs per parameter set, same seeds at every set (default 2)")
    parser.add_argument("--outputs", nargs="+", default=None, metavar="NAME",
                        help="key outputs (default: the kind's headline outputs; mobilization: the entries "
                             "into Kazakhstan and Georgia 21 Sep-4 Oct, total_leavers, Kazakhstan's net daily "
                             "20-31 Oct, also wave_entries_<country>, peak_queue_<country>; network: "
                             "in_camps_last_day spawned_total, also last_day_<camp>, peak_<camp>)")
    parser.add_argument("--levels", type=whole_number(2, 100), default=4, help="Morris grid levels (default 4)")
    add_execution_options(parser, scale_help="the scenario's calibration.scale")
    parser.set_defaults(handler=handle)
    return parser


def handle(args: argparse.Namespace) -> int:
    """Run the design, print the ranking, say where the files are."""
    from flowsim.analysis.sensitivity import run_sensitivity

    result = run_sensitivity(args.scenario, args.method, n=args.n, replicates=args.replicates,
                             outputs=args.outputs, seed=args.seed, scale=args.scale, out_dir=args.out,
                             executor=args.executor, workers=args.workers, scheduler=args.scheduler,
                             num_levels=args.levels)
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
