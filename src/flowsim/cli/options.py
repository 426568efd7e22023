"""Options and argument types the ``flowsim`` subcommands share (argparse ``type=`` callables)."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from flowsim.analysis.executors import EXECUTOR_KINDS


def positive_int(text: str) -> int:
    """A whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def positive_float(text: str) -> float:
    """A number greater than 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def rate(text: str) -> float:
    """A number in (0, 1]."""
    value = positive_float(text)
    if value > 1:
        raise argparse.ArgumentTypeError(f"must be at most 1, got {text}")
    return value


def duration(text: str) -> dt.timedelta:
    """A wall-time budget such as 30m, 90s, 1h or 1h30m."""
    from flowsim.analysis.calibration import parse_duration

    try:
        return parse_duration(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def add_run_options(parser: argparse.ArgumentParser, *, seed_help: str = "seed (default: the scenario's)") -> None:
    """Options every command that runs a scenario shares."""
    parser.add_argument("--seed", type=int, default=None, help=seed_help)
    parser.add_argument("--scale", type=positive_float, default=None,
                        help="people per agent (default: the scenario's behaviour.agent_scale)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: outputs/<scenario name>/)")


def add_execution_options(parser: argparse.ArgumentParser, *,
                          scale_help: str = "the scenario's behaviour.agent_scale") -> None:
    """The options shared by `flowsim ensemble`, `compare` and `sensitivity`."""
    group = parser.add_argument_group("execution")
    group.add_argument("--workers", type=int, default=None,
                       help="worker processes (default: the CPUs available)")
    group.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="address of a running Dask scheduler, e.g. tcp://host:8786 (implies --executor dask)")
    group.add_argument("--executor", choices=EXECUTOR_KINDS, default=None,
                       help="serial, process (local pool) or dask; default: process, or dask with --scheduler")
    group.add_argument("--seed", type=int, default=None,
                       help="master seed; each run gets a child seed (default: the scenario's calendar seed)")
    group.add_argument("--scale", type=float, default=None,
                       help=f"people per agent (default: {scale_help})")
    group.add_argument("--out", default=None, metavar="DIR", help="output folder")
