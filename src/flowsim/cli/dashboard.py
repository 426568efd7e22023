"""``flowsim dashboard [SCENARIO]``: serve the interactive page (Mesa's SolaraViz) on this machine."""

from __future__ import annotations

import argparse
import logging
import sys

from flowsim.cli.options import scenario_file

DEFAULT_PORT = 8765


def port_number(text: str) -> int:
    """A TCP port, 1 to 65535."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 1 and 65535, got {text}")
    return value


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "dashboard", help="explore a scenario day by day in the browser",
        description="Serve an interactive page (Mesa's SolaraViz) that runs a scenario one day at a time: "
        "choose the scenario, its calibrated parameters, the seed and the agent scale; step, play, reset; "
        "compare with the baseline; follow one person. Prints the page's address and serves until Ctrl+C.")
    parser.add_argument("scenario", nargs="?", default=None, type=scenario_file,
                        help="scenario YAML or shipped name to open (default: mobilization_2022); the page also "
                        "offers every scenario in scenarios/ and scenarios/what_if/ (the shipped ones outside a clone)")
    parser.add_argument("--port", type=port_number, default=DEFAULT_PORT,
                        help=f"port to listen on (default: {DEFAULT_PORT})")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default: 127.0.0.1, this machine only; 0.0.0.0 for every "
                        "network the machine is on)")
    parser.set_defaults(handler=handle)
    return parser


def handle(args: argparse.Namespace) -> int:
    """Print the address, then serve; a scenario that cannot be run is explained here and in the page."""
    from flowsim.dashboard.model import BASELINE_FILE, scenario_problem
    from flowsim.dashboard.server import check_port, serve

    check_port(args.host, args.port)
    console = logging.StreamHandler(sys.stderr)
    console.setFormatter(logging.Formatter("flowsim dashboard: %(message)s"))
    logger = logging.getLogger("flowsim.dashboard")
    logger.addHandler(console)
    logger.propagate = False
    problem = scenario_problem(args.scenario or BASELINE_FILE)
    if problem is not None:
        logger.error(problem)
    serve(args.scenario, host=args.host, port=args.port, announce=lambda line: print(line, flush=True))
    return 0
