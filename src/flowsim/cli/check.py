"""``flowsim check SCENARIO``: validate a scenario without running it."""

from __future__ import annotations

import argparse

from flowsim.cli.options import SCENARIO_HELP, scenario_file
from flowsim.kinds.mobilization.scenario import load_scenario


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = commands.add_parser("check", help="validate a scenario without running it")
    parser.add_argument("scenario", type=scenario_file, help=SCENARIO_HELP)
    parser.set_defaults(handler=handle)
    return parser


def handle(args: argparse.Namespace) -> int:
    from flowsim.cli import network

    if network.is_network(args.scenario):  # an imported Flee case (kind: network)
        return network.check(args)
    from flowsim.run.simulate import check_memory

    scenario = load_scenario(args.scenario)
    memory = check_memory(scenario, option="behaviour.agent_scale (or run with --scale)")
    people = sum(o.men_at_risk for o in scenario.origins)
    print(f"{args.scenario}: OK — scenario '{scenario.name}', {scenario.calendar.start} to "
          f"{scenario.calendar.end} ({scenario.calendar.days} days), {len(scenario.origins)} origins "
          f"({people:,} men at risk), {len(scenario.destinations)} destinations, "
          f"{len(scenario.crossings)} crossings, {len(scenario.onward_links)} onward links, "
          f"{len(scenario.events)} events; a run at {scenario.behaviour.agent_scale:g} people per agent "
          f"needs at most {memory / 1e9:.1f} GB.")
    return 0
