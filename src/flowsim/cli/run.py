"""``flowsim run SCENARIO``: one run; tables, validation against the targets, figures, report, summary."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from flowsim.cli.options import SCENARIO_HELP, add_run_options, scenario_file

if TYPE_CHECKING:
    from flowsim.kinds.mobilization.run.results import RunResult


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = commands.add_parser("run", help="run a scenario and write its tables, figures and report")
    parser.add_argument("scenario", type=scenario_file, help=SCENARIO_HELP)
    add_run_options(parser)
    parser.add_argument("--agents", action="store_true", help="also write agents.parquet (one row per person)")
    parser.add_argument("--no-figures", action="store_true", help="write the tables only")
    parser.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    parser.set_defaults(handler=handle)
    return parser


def handle(args: argparse.Namespace) -> int:
    from flowsim.cli import network

    if network.is_network(args.scenario):  # an imported Flee case (kind: network)
        return network.run(args)
    from flowsim.analysis.targets import load_targets
    from flowsim.analysis.validation import single_run_validation
    from flowsim.run.simulate import check_memory, simulate
    from flowsim.run.writing import check_out_folder, default_out, lock_folder, write_run
    from flowsim.kinds.mobilization.scenario import load_scenario

    scenario = load_scenario(args.scenario)
    out = Path(args.out or default_out(scenario))
    # everything that can be refused is refused before the run starts
    check_out_folder(out)
    check_memory(scenario, args.scale)
    targets = load_targets(scenario.targets_path) if scenario.targets_path is not None else None
    with lock_folder(out):
        result = simulate(scenario, seed=args.seed, scale=args.scale, progress=not args.quiet, agents=args.agents)
        extra = {}
        if targets is not None:
            extra["validation"] = single_run_validation(targets, result.tables(), result.meta["seed"])
        write_run(result, out, extra_tables=extra, figures_follow=not args.no_figures)
        if not args.no_figures:
            from flowsim.figures.report import write_report
            from flowsim.figures.run_figures import plot_run
            from flowsim.run.writing import record_finished

            figures = plot_run(out)
            write_report(out, figures=figures)
            record_finished(out, figures=figures, report=True)
    if not args.quiet:
        _print_summary(result, out)
        if not args.no_figures:
            # a newcomer's next step: the report, not the tables
            print(f"report: {out / 'report.html'} (open it in a web browser, e.g. xdg-open {out / 'report.html'})")
    return 0


def _print_summary(result: RunResult, out: Path) -> None:
    summary = result.summary.sort_values("leavers_first_entries", ascending=False)
    print(f"\n{result.meta['scenario']} (seed {result.meta['seed']}, scale {result.meta['scale']:g}): "
          f"{result.meta['people_who_left']:,} people left, run took {result.meta['runtime_s']:.1f} s")
    print(f"{'destination':<12} {'first entries':>14} {'peak entries/day':>17} {'peak date':>11} "
          f"{'peak queue':>11} {'moved on':>9} {'returned':>9}")
    for row in summary.itertuples():
        print(f"{row.country:<12} {row.leavers_first_entries:>14,} {row.peak_daily_entries:>17,} "
              f"{row.peak_date:>11} {row.peak_queue:>11,} {row.moved_on_share:>9.0%} {row.returned_share:>9.0%}")
    print(f"tables written to {out}/")
