"""``flowsim scenarios``: the scenarios shipped with flowsim, one line each."""

from __future__ import annotations

import argparse
import shutil


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "scenarios", help="list the shipped scenarios (run one by name: flowsim run NAME)",
        description="The scenarios shipped with flowsim, one line each: the name to give to 'flowsim run', "
        "'check', 'validate', 'ensemble', 'compare' and the others, and what the scenario is. "
        "'flowsim init NAME DIR' copies one into a folder to edit.")
    parser.add_argument("--paths", action="store_true", help="also print where each file is")
    parser.set_defaults(handler=handle)
    return parser


def handle(args: argparse.Namespace) -> int:
    from flowsim.scenario.catalogue import shipped_scenarios

    scenarios = shipped_scenarios()
    width = max(len(s.name) for s in scenarios)
    columns = shutil.get_terminal_size((120, 24)).columns  # one line each, cut to the terminal
    for scenario in scenarios:
        kind = f"[{scenario.kind}] " if scenario.kind else ""
        line = f"{scenario.name:<{width}}  {kind}{scenario.description}"
        print(line if len(line) <= columns else line[: columns - 1] + "…")
        if args.paths:
            print(f"{'':<{width}}  {scenario.path}")
    print("\nRun one by name (flowsim run mobilization_2022 --scale 50), or copy one to edit: flowsim init NAME DIR")
    return 0
