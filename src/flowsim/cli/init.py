"""``flowsim init NAME DIR``: copy a shipped scenario, and every file it refers to, into a folder to edit."""

from __future__ import annotations

import argparse


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "init", help="copy a shipped scenario (and what it extends and refers to) into a folder to edit",
        description="Copy the shipped scenario NAME into DIR together with every file it refers to (the "
        "scenario it extends, its targets, its calibrated file and posterior, a Flee case folder), keeping "
        "their relative places, so the copy runs as the shipped one does. Nothing is overwritten.")
    parser.add_argument("name", help="a shipped scenario's name ('flowsim scenarios' lists them)")
    parser.add_argument("folder", help="folder to copy into (made if missing)")
    parser.set_defaults(handler=handle)
    return parser


def handle(args: argparse.Namespace) -> int:
    from flowsim.scenario.catalogue import copy_scenario

    copied = copy_scenario(args.name, args.folder)
    print(f"copied {args.name} into {args.folder}/; edit {copied} and run it with: flowsim run {copied}")
    return 0
