"""The ``flowsim`` command: one thin module per subcommand.

Each subcommand module has ``add_parser(commands)`` and ``handle(args)``: it parses its
arguments, calls one library function and prints. :func:`main` catches every
:class:`~flowsim.errors.FlowsimError`, prints its paragraph after ``flowsim <command>:``
and exits with status 2. Library modules are imported inside the handlers, so
``flowsim check`` and ``--help`` stay fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from flowsim.cli import (calibrate, check, compare, dashboard, ensemble, import_flee, init, plot, run, scenarios,
                         sensitivity, validate)
from flowsim.errors import FlowsimError

EXIT_USAGE = 2
DESCRIPTION = "The ``flowsim`` command line: wires scenario loading, runs, outputs and reports together."
SUBCOMMANDS = (run, check, plot, validate, calibrate, ensemble, compare, sensitivity, import_flee, dashboard, scenarios,
               init)


class OneLineErrors(argparse.ArgumentParser):
    """An argument parser whose mistakes are one line, like every other flowsim error.

    argparse prints the whole usage block before the message; the other errors are one
    paragraph after ``flowsim <command>:``. This one says where the options are listed instead.
    """

    def error(self, message: str):  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (options: {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``flowsim`` and every subcommand."""
    parser = OneLineErrors(prog="flowsim", description=DESCRIPTION)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for subcommand in SUBCOMMANDS:
        subcommand.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``flowsim`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except FlowsimError as err:
        print(f"flowsim {args.command}: {err.message}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"flowsim {args.command}: interrupted; files already written are complete, "
              "nothing half-written was left.", file=sys.stderr)
        return 130
