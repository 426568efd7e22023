"""``flowsim run SCENARIO``: one run; tables, validation against the targets, figures, report, summary."""

from __future__ import annotations

import argparse
from pathlib import Path

from flowsim.cli.options import SCENARIO_HELP, add_run_options, scenario_file


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
    from flowsim.kinds.protocol import RunRequest
    from flowsim.kinds.registry import kind_of_file
    from flowsim.run.writing import default_out

    kind = kind_of_file(args.scenario)
    scenario = kind.load(args.scenario)
    out = Path(args.out or default_out(scenario))
    request = RunRequest(out=out, seed=args.seed, scale=args.scale, progress=not args.quiet, agents=args.agents,
                         figures=not args.no_figures)
    summary = kind.run_command(scenario, request)
    if not args.quiet:
        print(summary)
        if not args.no_figures and (out / "report.html").exists():
            # a newcomer's next step: the report, not the tables
            print(f"report: {out / 'report.html'} (open it in a web browser, e.g. xdg-open {out / 'report.html'})")
    return 0
