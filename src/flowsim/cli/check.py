"""``flowsim check SCENARIO``: validate a scenario without running it."""

from __future__ import annotations

import argparse

from flowsim.cli.options import SCENARIO_HELP, scenario_file


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = commands.add_parser("check", help="validate a scenario without running it")
    parser.add_argument("scenario", type=scenario_file, help=SCENARIO_HELP)
    parser.set_defaults(handler=handle)
    return parser


def handle(args: argparse.Namespace) -> int:
    from flowsim.kinds.registry import kind_of_file

    kind = kind_of_file(args.scenario)
    print(f"{args.scenario}: OK — {kind.describe(kind.load(args.scenario))}")
    return 0
